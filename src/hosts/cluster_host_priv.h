/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#ifndef SHOAL_CLUSTER_HOST_PRIV_H_ALLOW
#error "cluster_host_priv.h may only be included by cluster_host.c or tests"
#endif

/*
 * shoalHost's mutable state, for cluster_host.c and its unit test only:
 * everyone else goes through cluster_host.h.
 */

#include "cluster_host.h"

struct _shoalHostPriv {
    GMutex lock;
    virConnectPtr conn;    /* protected by lock */
    shoalHostState state;  /* protected by lock */
    shoalHostFacts *facts; /* protected by lock; replaced, never edited */
    char *lastError;       /* protected by lock */
    GQueue jobs;           /* protected by lock: cluster jobs for this
                              host, run one at a time in order */
    bool draining;         /* protected by lock: a worker runs them */
    bool busy;             /* protected by lock: a connect job runs */
    unsigned backoffMs;    /* protected by lock */
    gint64 lostUs;         /* protected by lock: monotonic time it was
                              last seen online, 0 if never */
    /* protected by lock: when it last answered a call while online (a
     * statistics read, the connect), 0 if never: a host that lost power
     * is noticed only once the keepalive gives up, well after that */
    gint64 answeredUs;
    guint reconnectSource; /* protected by lock: pending retry */
    unsigned capacityCpus; /* protected by lock: 0 = as the host says */
    unsigned long long capacityMemoryKiB; /* protected by lock: likewise */
    bool maintenance;     /* protected by lock: no placement here */
    GPtrArray *evacuated; /* protected by lock: uuids (16 bytes) that
                             left for maintenance, for --return */
    unsigned generation;  /* protected by lock: bumps per connection */
    /* protected by lock: one per relayed event ID, -1 where none */
    int eventCallbackIds[SHOAL_HOST_EVENT_IDS];
    /* protected by lock: handles of this connection's domains, uuid →
     * hostDomain, so a forwarded call costs one round trip, not two */
    GHashTable *domains;
    /* protected by lock: the close callback's opaque; freed by us, as
     * drivers without close callbacks would never free it */
    void *closeCtx;
};

unsigned shoalHostNextRetryLocked(shoalHost *host,
                                  unsigned minMs,
                                  unsigned maxMs,
                                  gint64 nowUs);
