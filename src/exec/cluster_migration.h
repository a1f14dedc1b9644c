/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Plain data: a migration as the executor records it and the admin
 * interface shows it. */

#include <glib.h>

typedef enum {
    SHOAL_MIGRATION_QUEUED = 0, /* waiting for a concurrency slot */
    SHOAL_MIGRATION_RUNNING,
    SHOAL_MIGRATION_DONE,
    SHOAL_MIGRATION_FAILED,
    SHOAL_MIGRATION_LAST
} shoalMigrationState;

const char *shoalMigrationStateToString(shoalMigrationState state);

/* One migration the executor ran or runs: a copy, owned by the caller. */
typedef struct _shoalMigrationInfo {
    unsigned id;
    char *domain;
    char *from;
    char *to;
    char *reason; /* who asked: "virsh", "maintenance of 'h2'", ... */
    shoalMigrationState state;
    gint64 startedUs;  /* wall clock, microseconds since the epoch */
    gint64 durationMs; /* so far, while running */
    unsigned long long dataTotal;
    unsigned long long dataProcessed;
    unsigned long long downtimeMs; /* when libvirt reports it */
    char *error;                   /* nullable */
} shoalMigrationInfo;

void shoalMigrationInfoFree(shoalMigrationInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalMigrationInfo, shoalMigrationInfoFree)
