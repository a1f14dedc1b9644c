/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

typedef enum {
    SHOAL_HOST_STATE_CONNECTING = 0,
    SHOAL_HOST_STATE_ONLINE,
    SHOAL_HOST_STATE_UNREACHABLE,
    SHOAL_HOST_STATE_LAST
} shoalHostState;

const char *shoalHostStateToString(shoalHostState state);

/* What a host said about itself when it came online. */
typedef struct _shoalHostFacts {
    virNodeInfo nodeInfo;
    char *capabilities;
    char *hostname;
    int maxVcpus;
} shoalHostFacts;

void shoalHostFactsFree(shoalHostFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalHostFacts, shoalHostFactsFree)

typedef struct _shoalHost shoalHost;

/* How many event IDs Shoal relays from each host (cluster_event.c): all
 * of libvirt 9.0's. */
#define SHOAL_HOST_EVENT_IDS 27

/*
 * One member host: one libvirt connection. Reference counted, because
 * libvirt callbacks and queued jobs outlive a removal.
 */
struct _shoalHost {
    gint refs;
    char *name;         /* immutable */
    char *uri;          /* immutable */
    char *migrationUri; /* immutable: where peers migrate to */

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

shoalHost *shoalHostNew(const char *name,
                        const char *uri,
                        const char *migrationUri);

shoalHost *shoalHostRef(shoalHost *host);

void shoalHostUnref(shoalHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalHost, shoalHostUnref)

virConnectPtr shoalHostGetConnection(shoalHost *host, GError **error);

shoalHostState shoalHostGetState(shoalHost *host);

shoalHostFacts *shoalHostCopyFacts(shoalHost *host);

shoalHostFacts *shoalHostReadFacts(virConnectPtr conn,
                                   const char *hostName,
                                   GError **error);

virDomainPtr shoalHostLookupDomain(shoalHost *host,
                                   const unsigned char *uuid,
                                   GError **error);

char *shoalHostGetOSType(shoalHost *host, virDomainPtr dom, GError **error);

unsigned shoalHostNextRetryLocked(shoalHost *host,
                                  unsigned minMs,
                                  unsigned maxMs,
                                  gint64 nowUs);

void shoalHostForgetDomain(shoalHost *host, const unsigned char *uuid);

void shoalHostForgetDomains(shoalHost *host);
