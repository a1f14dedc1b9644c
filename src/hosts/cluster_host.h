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
 * libvirt callbacks and queued jobs outlive a removal. A self-locking
 * object: its mutable state is private to cluster_host.c, behind its
 * lock, and reached through the functions below (none of them holds the
 * lock across a libvirt call).
 */
typedef struct _shoalHostPriv shoalHostPriv;

struct _shoalHost {
    gint refs;
    char *name;          /* immutable */
    char *uri;           /* immutable */
    char *migrationUri;  /* immutable: where peers migrate to */
    shoalHostPriv *priv; /* cluster_host.c only */
};

/* A consistent copy of a host's state, for reports and placement. */
typedef struct _shoalHostStatus {
    shoalHostState state;
    bool maintenance;
    char *lastError;   /* nullable */
    bool hasFacts;     /* it has been online once */
    unsigned nodeCpus; /* what the host says; 0 before it was online */
    unsigned long long nodeMemoryKiB;
    unsigned cpus; /* the configured capacity, else what the host says */
    unsigned long long memoryKiB; /* likewise */
    gint64 lostUs; /* monotonic time it was last seen online, 0 if never */
} shoalHostStatus;

void shoalHostStatusClear(shoalHostStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(shoalHostStatus, shoalHostStatusClear)

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

void shoalHostForgetDomain(shoalHost *host, const unsigned char *uuid);

void shoalHostForgetDomains(shoalHost *host);

void shoalHostGetStatus(shoalHost *host, shoalHostStatus *status);

bool shoalHostInMaintenance(shoalHost *host);

void shoalHostSetMaintenance(shoalHost *host, bool on);

void shoalHostSetCapacity(shoalHost *host,
                          unsigned cpus,
                          unsigned long long memoryKiB);

void shoalHostAddEvacuated(shoalHost *host, const unsigned char *uuid);

GPtrArray *shoalHostCopyEvacuated(shoalHost *host);

GPtrArray *shoalHostTakeEvacuated(shoalHost *host);

/* The host's queue of cluster jobs: run one at a time, in order. */
bool shoalHostPushJob(shoalHost *host, gpointer job);

gpointer shoalHostPopJob(shoalHost *host);

void shoalHostClearJobs(shoalHost *host, GDestroyNotify jobFree);

bool shoalHostIsIdle(shoalHost *host);

/* Its connection's life: connecting, online, lost, retried. */
unsigned shoalHostGetGeneration(shoalHost *host);

bool shoalHostBeginConnect(shoalHost *host, unsigned *generation);

void shoalHostEndConnect(shoalHost *host);

void shoalHostSetOnline(shoalHost *host,
                        virConnectPtr conn,
                        unsigned generation,
                        const int *eventCallbackIds,
                        void *closeCtx,
                        shoalHostFacts *facts);

bool shoalHostSetUnreachable(shoalHost *host, const char *why);

void shoalHostNoteAnswered(shoalHost *host, gint64 sinceUs);

void shoalHostTakeEventCallbacks(shoalHost *host, int *eventCallbackIds);

virConnectPtr shoalHostStealConnection(shoalHost *host,
                                       unsigned generation,
                                       int *eventCallbackIds,
                                       void **closeCtx);

virConnectPtr shoalHostDisconnect(shoalHost *host,
                                  GMainContext *context,
                                  int *eventCallbackIds,
                                  void **closeCtx);

bool shoalHostScheduleReconnect(shoalHost *host,
                                unsigned minMs,
                                unsigned maxMs,
                                GMainContext *context,
                                GSourceFunc func,
                                gpointer data,
                                GDestroyNotify notify);

void shoalHostReconnectFired(shoalHost *host);
