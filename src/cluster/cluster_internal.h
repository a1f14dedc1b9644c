/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of src/cluster/ only; the driver sees cluster.h. */

#include "cluster.h"
#include "cluster_domainxml.h"
#include "cluster_exec.h"
#include "cluster_host.h"
#include "cluster_inventory.h"
#include "cluster_reconcile.h"
#include "cluster_stats.h"
#include "cluster_store.h"
#include "sched.h"

typedef struct _clusterEventHandler {
    shoalClusterEventFunc func;
    gpointer opaque;
} clusterEventHandler;

struct _shoalCluster {
    shoalClusterConfig config; /* immutable */
    GMainContext *context;     /* immutable */
    shoalInventory *inventory; /* has its own lock */
    shoalExec *exec;           /* has its own lock */
    shoalStats *stats;         /* has its own lock */
    shoalStore *store;         /* has its own lock; set before start */
    GMutex defineLock;         /* one define or create at a time: names
                                  and UUIDs stay unique cluster-wide */
    GThreadPool *hostPool;     /* immutable: connects, re-reads */
    GThreadPool *queryPool;    /* immutable: fan-out queries */
    GArray *handlers;          /* immutable once started */
    guint resyncSource;        /* main thread only */
    guint statsSource;         /* main thread only */

    GMutex lock;
    GHashTable *hosts; /* protected by lock: name → shoalHost */
    bool stopping;     /* protected by lock */

    GMutex schedLock;
    shoalSchedConfig *schedConfig; /* protected by schedLock */
    shoalSchedPlan *schedPlan;     /* protected by schedLock: last round's */
    GHashTable *schedLastMove;     /* protected by schedLock: uuid → ms */
    GHashTable *schedLastResize;   /* protected by schedLock: uuid → ms */
    GArray *schedMoves;            /* protected by schedLock: ms of moves
                                      in the last hour */
    GThreadPool *schedPool;        /* immutable: one round at a time */
    guint schedSource;             /* main thread only */

    shoalReconcile *reconcile; /* has its own lock */

    char *autostartMarker; /* immutable once started */
    bool autostartDone;    /* protected by lock */

    GMutex jobLock;
    GCond jobCond;
    GHashTable *jobs; /* protected by jobLock: uuids with a job */
};

void shoalClusterHostAdded(shoalCluster *cluster, shoalHost *host);

bool shoalClusterLoadHosts(shoalCluster *cluster, GError **error);

bool shoalClusterSetHostMaintenanceFlag(shoalCluster *cluster,
                                        shoalHost *host,
                                        bool on,
                                        GError **error);

void shoalClusterDisconnectHost(shoalCluster *cluster, shoalHost *host);

unsigned shoalClusterMigrationsRunning(shoalCluster *cluster);

shoalHost *shoalClusterLookupHost(shoalCluster *cluster,
                                  const char *name,
                                  GError **error);

GPtrArray *shoalClusterListHosts(shoalCluster *cluster);

/* The opaque of libvirt callbacks on one host connection. */
typedef struct _shoalClusterCallbackCtx {
    shoalCluster *cluster; /* borrowed: callbacks are removed before free */
    shoalHost *host;       /* a reference */
    unsigned generation;   /* the connection it belongs to */
} shoalClusterCallbackCtx;

shoalClusterCallbackCtx *shoalClusterCallbackCtxNew(shoalCluster *cluster,
                                                    shoalHost *host,
                                                    unsigned gen);

void shoalClusterCallbackCtxFree(void *opaque);

void shoalClusterQueueRefresh(shoalClusterCallbackCtx *ctx,
                              virDomainPtr dom,
                              int event,
                              int detail);

/* An event on its way to the handlers, posted from any thread. */
typedef struct _shoalClusterEmit {
    shoalCluster *cluster; /* borrowed */
    int eventId;
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int event;
    int detail;
    unsigned long long value;
    char *str;
    GPtrArray *params; /* shoalTypedParam, or NULL */
} shoalClusterEmit;

shoalClusterEmit *shoalClusterEmitNew(shoalCluster *cluster,
                                      int eventId,
                                      const char *name,
                                      const unsigned char *uuid);

void shoalClusterEmitPost(shoalClusterEmit *emit);

bool shoalClusterEventsRegister(shoalCluster *cluster,
                                shoalHost *host,
                                virConnectPtr conn,
                                unsigned generation,
                                int *callbackIds,
                                GError **error);

void shoalClusterEventsDeregister(virConnectPtr conn, const int *callbackIds);

virDomainPtr shoalClusterAcquireDomain(shoalCluster *cluster,
                                       const unsigned char *uuid,
                                       char **hostName,
                                       GError **error);

typedef int (*shoalClusterDomainCall)(virDomainPtr dom,
                                      unsigned flags,
                                      gpointer out);

int shoalClusterForward(shoalCluster *cluster,
                        const unsigned char *uuid,
                        shoalClusterDomainCall call,
                        unsigned flags,
                        gpointer out,
                        GError **error);

bool shoalClusterJobBegin(shoalCluster *cluster,
                          const unsigned char *uuid,
                          GError **error);

bool shoalClusterJobTryBegin(shoalCluster *cluster, const unsigned char *uuid);

bool shoalClusterJobIsActive(shoalCluster *cluster, const unsigned char *uuid);

void shoalClusterJobEnd(shoalCluster *cluster, const unsigned char *uuid);

void shoalClusterRefreshDomain(shoalCluster *cluster,
                               virDomainPtr dom,
                               const char *hostName);

void shoalClusterQueryRun(gpointer job, gpointer cluster);

void shoalClusterSchedErrorConvert(GError **error);

void shoalClusterAutostartRun(shoalCluster *cluster);

void shoalClusterSchedulerInit(shoalCluster *cluster);

void shoalClusterSchedulerClear(shoalCluster *cluster);

gboolean shoalClusterSchedulerTick(gpointer cluster);

void shoalClusterNoteChange(shoalCluster *cluster,
                            const unsigned char *uuid,
                            bool moved);

shoalSchedSnapshot *shoalClusterSnapshot(shoalCluster *cluster);

shoalSchedPlan *shoalClusterRebalance(shoalCluster *cluster,
                                      bool execute,
                                      unsigned *failed,
                                      GError **error);

shoalSchedPlan *shoalClusterGetPlan(shoalCluster *cluster);

void shoalClusterSetSchedConfig(shoalCluster *cluster,
                                shoalSchedConfig *config);

shoalHost *shoalClusterPlace(shoalCluster *cluster,
                             const shoalDomainXML *def,
                             const char *xml,
                             const unsigned char *except,
                             const char *exclude,
                             GError **error);

shoalHost *shoalClusterPickDestination(shoalCluster *cluster,
                                       const shoalInventoryEntry *entry,
                                       GError **error);

bool shoalClusterCheckDestination(shoalCluster *cluster,
                                  const shoalExecStep *step,
                                  GError **error);

bool shoalClusterRehome(shoalCluster *cluster,
                        const shoalInventoryEntry *entry,
                        shoalHost *to,
                        GError **error);

bool shoalClusterMigrateStep(shoalCluster *cluster,
                             const shoalExecStep *step,
                             GPtrArray *params,
                             unsigned flags,
                             GError **error);

void shoalClusterReconcileHost(shoalCluster *cluster,
                               shoalHost *host,
                               virConnectPtr conn,
                               GPtrArray **records);

bool shoalClusterStorePut(shoalCluster *cluster,
                          virDomainPtr dom,
                          const char *hostName,
                          GError **error);

void shoalClusterReconcileEvent(shoalCluster *cluster,
                                shoalHost *host,
                                virConnectPtr conn,
                                const unsigned char *uuid,
                                int event,
                                int detail,
                                const shoalInventoryRecord *rec,
                                bool gone);

bool shoalClusterIsMissing(shoalCluster *cluster, const unsigned char *uuid);

bool shoalClusterForgetMissing(shoalCluster *cluster,
                               const unsigned char *uuid);

void shoalClusterStoreRefresh(shoalCluster *cluster,
                              virDomainPtr dom,
                              const char *hostName);

void shoalClusterRequestResync(shoalCluster *cluster, shoalHost *host);
