/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Issue 12 part 5: an elastic VM group, declared in its template domain's
 * placement metadata as
 *   <group name='web' min='1' max='3' target-cpu='60' scale-in-grace='30'/>
 * Shoal keeps between min and max clones of the template running.
 */
typedef struct _shoalGroupMetadata {
    char *name;
    unsigned min;
    unsigned max;
    unsigned targetCpu;     /* percent of the members' vCPUs */
    unsigned graceSeconds;  /* from graceful shutdown to destroy */
    bool spread;            /* members anti-affine (default yes) */
    unsigned unpooledDisks; /* disks neither a file nor a pool volume */
} shoalGroupMetadata;

#define SHOAL_GROUP_DEFAULT_TARGET_CPU 60
#define SHOAL_GROUP_DEFAULT_GRACE 60
#define SHOAL_GROUP_MAX_MEMBERS 64

void shoalGroupMetadataFree(shoalGroupMetadata *meta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalGroupMetadata, shoalGroupMetadataFree)

bool shoalGroupMetadataParse(const char *domainXml,
                             shoalGroupMetadata **group,
                             GError **error);
