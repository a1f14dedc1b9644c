/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HA restart policy: which hosts have failed, which of their domains start
 * elsewhere, in which order, and when a refused start is tried again.
 * Pure: the cluster passes in what it saw and the time.
 */

#include <stdbool.h>

#include <glib.h>

typedef struct _shoalSchedHaConfig {
    unsigned failureTimeoutMs; /* unanswered this long: failed */
    unsigned retryMinMs;       /* first back-off after a refused start */
    unsigned retryMaxMs;       /* back-off cap */
    unsigned maxAttempts;      /* then Shoal gives up on the domain */
    bool defaultRestart;       /* for domains whose metadata does not say */
    int defaultPriority;
} shoalSchedHaConfig;

void shoalSchedHaConfigInit(shoalSchedHaConfig *config);

/* A member host as the failure detector sees it. */
typedef struct _shoalSchedHaHost {
    const char *name; /* borrowed */
    bool online;
    bool maintenance;
    gint64 lostMs; /* when it was last seen online (monotonic), 0: never */
} shoalSchedHaHost;

bool shoalSchedHaHostFailed(const shoalSchedHaHost *host,
                            const shoalSchedHaConfig *config,
                            gint64 nowMs);

/* Why a domain of a failed host is not started now. */
typedef enum {
    SHOAL_SCHED_HA_REASON_NONE = 0,    /* it is started */
    SHOAL_SCHED_HA_REASON_NOT_MARKED,  /* restart="no", or the default */
    SHOAL_SCHED_HA_REASON_NOT_RUNNING, /* it was not running */
    SHOAL_SCHED_HA_REASON_TRANSIENT,   /* no stored definition to start */
    SHOAL_SCHED_HA_REASON_NO_LEASE,    /* no disk a lease protects */
    SHOAL_SCHED_HA_REASON_BACKOFF,     /* refused; waits to try again */
    SHOAL_SCHED_HA_REASON_GAVE_UP,     /* refused maxAttempts times */
    SHOAL_SCHED_HA_REASON_LAST
} shoalSchedHaReason;

const char *shoalSchedHaReasonToString(shoalSchedHaReason reason);

/* A domain Shoal last saw on a failed host. */
typedef struct _shoalSchedHaDomain {
    const char *name; /* borrowed */
    const char *key;  /* borrowed: the caller's identity, e.g. the UUID */
    bool running;     /* its last known state */
    bool persistent;
    int restart;      /* -1: the cluster's default, 0: no, 1: yes */
    bool hasPriority; /* else the cluster's default priority */
    int priority;
    unsigned leasedDisks; /* disks the lock manager leases exclusively */
    unsigned attempts;    /* refused starts so far */
    gint64 lastTryMs;     /* when the last one was refused */
} shoalSchedHaDomain;

typedef struct _shoalSchedHaDecision {
    const shoalSchedHaDomain *domain; /* borrowed from the input */
    shoalSchedHaReason reason;        /* NONE: start it now */
    int priority;                     /* effective */
    gint64 nextTryMs;                 /* BACKOFF: when */
} shoalSchedHaDecision;

unsigned shoalSchedHaBackoffMs(const shoalSchedHaConfig *config,
                               unsigned attempts);

GArray *shoalSchedHaDecide(const shoalSchedHaDomain *domains,
                           size_t ndomains,
                           const shoalSchedHaConfig *config,
                           gint64 nowMs);
