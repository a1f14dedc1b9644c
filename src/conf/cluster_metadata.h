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
    unsigned vcpuFloor; /* vcpu-floor: fewest vCPUs to scale down to, 0 unset */
} shoalPlacementMetadata;

void shoalPlacementMetadataFree(shoalPlacementMetadata *meta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalPlacementMetadata,
                              shoalPlacementMetadataFree)

shoalPlacementMetadata *shoalPlacementMetadataParse(const char *domainXml,
                                                    GError **error);

bool shoalPlacementVcpuFloorParse(const char *domainXml,
                                  unsigned *floor,
                                  GError **error);
