/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Shoal's placement metadata in a domain's <metadata>, version 1. */
#define SHOAL_PLACEMENT_NS "http://shoal.example.org/xmlns/placement/1"

typedef struct _shoalPlacementMetadata {
    char *mode;     /* NULL: the cluster's default */
    GStrv affinity; /* NULL-terminated, possibly empty */
    GStrv antiAffinity;
    GStrv pinned;
} shoalPlacementMetadata;

void shoalPlacementMetadataFree(shoalPlacementMetadata *meta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalPlacementMetadata,
                              shoalPlacementMetadataFree)

shoalPlacementMetadata *shoalPlacementMetadataParse(const char *domainXml,
                                                    GError **error);
