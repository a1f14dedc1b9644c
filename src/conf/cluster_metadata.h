/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/* Shoal's placement metadata in a domain's <metadata>, version 1. */
#define SHOAL_PLACEMENT_NS "http://shoal.example.org/xmlns/placement/1"

typedef struct _shoalPlacementMetadata {
    char *mode;     /* NULL: the cluster's default */
    GStrv affinity; /* NULL-terminated, possibly empty */
    GStrv antiAffinity;
    GStrv pinned;
    /* <ha restart= priority=/>: HA restart when the host fails */
    int haRestart; /* -1: the cluster's default, 0: no, 1: yes */
    bool haHasPriority;
    int haPriority;
    /* not metadata, read alongside: disks the lock manager leases
     * exclusively (local, writable, not shareable) */
    unsigned leasedDisks;
    unsigned vcpuFloor; /* vcpu-floor: fewest vCPUs to scale down to, 0 unset */
    /* <numa pin="no"/>: no NUMA placement, Shoal writes no pin */
    bool numaOptOut;
} shoalPlacementMetadata;

#define SHOAL_HA_PRIORITY_MIN (-1000)
#define SHOAL_HA_PRIORITY_MAX 1000

void shoalPlacementMetadataFree(shoalPlacementMetadata *meta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalPlacementMetadata,
                              shoalPlacementMetadataFree)

shoalPlacementMetadata *shoalPlacementMetadataParse(const char *domainXml,
                                                    GError **error);

/* libxml2's, without its headers here */
struct _xmlDoc;
struct _xmlXPathContext;
struct _xmlXPathContext *shoalPlacementMetadataContext(const char *domainXml,
                                                       struct _xmlDoc **doc,
                                                       GError **error);
