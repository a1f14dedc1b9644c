/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Plain data the admin interface shows: hosts, migrations, status. */

#include <stdbool.h>

#include <glib.h>

#include "cluster_migration.h"

typedef struct _shoalClusterHostInfo {
    char *name;
    char *uri;
    char *migrationUri; /* what the other hosts migrate to */
    const char *state;  /* static: connecting, online, unreachable */
    bool maintenance;
    char *lastError;              /* nullable: why it is unreachable */
    unsigned long long memoryKiB; /* capacity; 0 before first online */
    unsigned cpus;
    unsigned long long committedMemoryKiB; /* its domains' maximum memory */
    unsigned committedVcpus;
    unsigned domains;
    unsigned running;
    double cpuLoad; /* CPU demand over capacity, last interval; <0 unknown */
} shoalClusterHostInfo;

void shoalClusterHostInfoFree(shoalClusterHostInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterHostInfo, shoalClusterHostInfoFree)

/* What a maintenance switch did. */
typedef struct _shoalMaintenanceResult {
    unsigned migrated; /* running domains moved live */
    unsigned rehomed;  /* shut-off domains defined elsewhere */
    unsigned failed;
    GPtrArray *errors; /* char *: one message per failure */
} shoalMaintenanceResult;

void shoalMaintenanceResultFree(shoalMaintenanceResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalMaintenanceResult,
                              shoalMaintenanceResultFree)

typedef struct _shoalClusterStatus {
    unsigned hosts;
    unsigned hostsOnline;
    unsigned hostsMaintenance;
    unsigned domains;
    unsigned running;
    unsigned migrationsRunning;
} shoalClusterStatus;

/* What waits for an operator: a UUID on several hosts, or a stored
 * definition its host lacks (doc/internals/reconcile.md). */
typedef enum {
    SHOAL_CONFLICT_DUPLICATE = 0, /* the same UUID defined on @hosts */
    SHOAL_CONFLICT_MISSING,       /* stored for @hosts[0], which lacks it */
    SHOAL_CONFLICT_LAST
} shoalConflictKind;

const char *shoalConflictKindToString(shoalConflictKind kind);

typedef struct _shoalClusterConflictInfo {
    shoalConflictKind kind;
    char *domain;
    char *uuid; /* the string form */
    GStrv hosts;
} shoalClusterConflictInfo;

void shoalClusterConflictInfoFree(shoalClusterConflictInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterConflictInfo,
                              shoalClusterConflictInfoFree)
