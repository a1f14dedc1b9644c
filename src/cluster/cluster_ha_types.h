/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Plain data the admin interface shows of HA restart. */

#include <stdbool.h>

#include <glib.h>

/* One domain of a failed host: what HA restart did with it. */
typedef struct _shoalClusterHaRecord {
    char *domain;
    char *uuid; /* the string form */
    char *from; /* the failed host */
    char *to;   /* nullable: where it was started, or last tried */
    /* static words: restarted, waiting (back-off), trying, gave-up,
     * skipped (policy says no: see reason) */
    const char *status;
    const char *reason; /* static, nullable: sched's word for why not */
    char *error;        /* nullable: the last refusal, as the host said it */
    unsigned attempts;  /* starts tried */
    int priority;
    gint64 timeUs;      /* wall clock of the last change */
    gint64 nextTryInMs; /* waiting: how long until the next try */
} shoalClusterHaRecord;

void shoalClusterHaRecordFree(shoalClusterHaRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterHaRecord, shoalClusterHaRecordFree)

typedef struct _shoalClusterHaStatus {
    bool enabled;
    char *disabledReason; /* nullable: why HA restart is off */
    char *leases;         /* nullable: the lock manager hosts declare */
    unsigned failureTimeoutS;
    GStrv failedHosts;
    GPtrArray *records; /* shoalClusterHaRecord, by time */
} shoalClusterHaStatus;

void shoalClusterHaStatusFree(shoalClusterHaStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterHaStatus, shoalClusterHaStatusFree)

/* What 'shoalctl host check' says of one member host. */
typedef struct _shoalClusterHostCheck {
    char *name;
    const char *state; /* static: connecting, online, unreachable */
    bool maintenance;
    char *leases;  /* nullable: declared lock manager; NULL: unknown */
    bool failed;   /* HA considers it failed */
    gint64 downMs; /* unanswered this long, 0 when online */
} shoalClusterHostCheck;

void shoalClusterHostCheckFree(shoalClusterHostCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterHostCheck, shoalClusterHostCheckFree)
