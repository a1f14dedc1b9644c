/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of src/cluster/ only; the driver sees cluster.h. */

#include "cluster.h"
#include "cluster_call.h"
#include "cluster_domainxml.h"
#include "cluster_exec.h"
#include "cluster_follow.h"
#include "cluster_group.h"
#include "cluster_ha.h"
#include "cluster_host.h"
#include "cluster_hostlist.h"
#include "cluster_hostnuma.h"
#include "cluster_inventory.h"
#include "cluster_jobs.h"
#include "cluster_objects_ops.h"
#include "cluster_power.h"
#include "cluster_reconcile.h"
#include "cluster_schedstate.h"
#include "cluster_snapshotpins.h"
#include "cluster_stats.h"
#include "cluster_store.h"
#include "sched.h"

/* cluster_inflight.c: the migrations in flight, in the store */
typedef struct _shoalInflight shoalInflight;

typedef struct _clusterEventHandler {
    shoalClusterEventFunc func;
    gpointer opaque;
} clusterEventHandler;

/*
 * The coordinator. Only cluster.c writes these fields (the scheduler's,
 * pending, in cluster_scheduler.c); the other files read the immutable
 * pointers and call the objects, which lock themselves. See
 * doc/internals/threads.md.
 */
struct _shoalCluster {
    shoalClusterConfig config; /* immutable */
    GMainContext *context;     /* immutable */
    shoalInventory *inventory; /* has its own lock */
    shoalExec *exec;           /* has its own lock */
    shoalStats *stats;         /* has its own lock */
    shoalHostNuma *numa;       /* has its own lock: hosts' NUMA cells */
    shoalStore *store;         /* has its own lock; set before start */
    shoalDomainJobs *jobs;     /* immutable pointer, self-locking */
    GThreadPool *hostPool;     /* immutable: connects, re-reads */
    GThreadPool *queryPool;    /* immutable: fan-out queries */
    GArray *handlers;          /* immutable once started */
    guint resyncSource;        /* main thread only */
    guint statsSource;         /* main thread only */
    shoalHostList *hostList;   /* immutable pointer, self-locking */

    shoalSchedState *sched; /* has its own lock */
    /* why snapshots keep domains on their hosts (fix10) */
    shoalSnapshotPins *snapshotPins; /* has its own lock */
    shoalGroupState *groups;         /* elastic groups; has its own lock */
    guint schedSource;               /* main thread only */

    shoalReconcile *reconcile; /* has its own lock */
    shoalFollow *follow;       /* has its own lock */
    guint followSource;        /* main thread only */

    shoalClusterHa *ha;      /* has its own lock */
    shoalInflight *inflight; /* has its own lock: migrations in flight */

    shoalClusterPower *power; /* has its own lock (issue 12) */

    char *autostartMarker; /* immutable once started */

    shoalObjectTable *objects; /* immutable pointer, self-locking */

    /* callback contexts libvirt may still call with (ctxCount, under
     * ctxLock): libvirt's event thread can be inside a callback after it
     * was deregistered, so the cluster is freed only once they are gone */
    GMutex ctxLock;
    GCond ctxCond;
    unsigned ctxCount;
};

void shoalClusterHostAdded(shoalCluster *cluster, shoalHost *host);

bool shoalClusterLoadHosts(shoalCluster *cluster, GError **error);

bool shoalClusterSetHostMaintenanceFlag(shoalCluster *cluster,
                                        shoalHost *host,
                                        bool on,
                                        GError **error);

void shoalClusterDisconnectHost(shoalCluster *cluster, shoalHost *host);

void shoalClusterRequestConnect(shoalCluster *cluster, shoalHost *host);

bool shoalClusterSaveHosts(shoalCluster *cluster, GError **error);

unsigned shoalClusterMigrationsRunning(shoalCluster *cluster);

shoalHost *shoalClusterLookupHost(shoalCluster *cluster,
                                  const char *name,
                                  GError **error);

GPtrArray *shoalClusterListHosts(shoalCluster *cluster);

/* The opaque of libvirt callbacks on one host connection. */
typedef struct _shoalClusterCallbackCtx {
    shoalCluster *cluster; /* borrowed: counted in cluster->ctxCount */
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

void shoalClusterQueueVanished(shoalCluster *cluster,
                               shoalHost *host,
                               const char *name,
                               const unsigned char *uuid);

void shoalClusterFollowHost(shoalCluster *cluster, shoalHost *host);

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
    /* the generated events' payload (driver_events.txt), in the table's
     * order: numbers, strings (NULL allowed), graphics' subject as
     * type, name pairs (NULL-terminated) */
    unsigned long long nums[4];
    char *strs[6];
    char **subject;
} shoalClusterEmit;

shoalClusterEmit *shoalClusterEmitFor(void *opaque,
                                      virDomainPtr dom,
                                      int eventId);

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

void shoalClusterRefreshDomain(shoalCluster *cluster,
                               virDomainPtr dom,
                               const char *hostName);

void shoalClusterQueryRun(gpointer job, gpointer cluster);

void shoalClusterSchedErrorConvert(GError **error);

void shoalClusterAutostartRun(shoalCluster *cluster);

void shoalClusterSchedulerInit(shoalCluster *cluster);

void shoalClusterSchedulerStop(shoalCluster *cluster);

void shoalClusterSchedulerClear(shoalCluster *cluster);

gboolean shoalClusterSchedulerTick(gpointer cluster);

void shoalClusterNoteChange(shoalCluster *cluster,
                            const unsigned char *uuid,
                            bool moved);

void shoalClusterNoteRefused(shoalCluster *cluster, const unsigned char *uuid);

bool shoalClusterResizeVirtioMem(shoalCluster *cluster,
                                 const unsigned char *uuid,
                                 const char *name,
                                 unsigned long long requestedKiB,
                                 gint64 waitUs,
                                 GError **error);

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

/* What the cluster's step functions need besides the step. */
typedef struct _shoalClusterStepCtx {
    shoalCluster *cluster;
    virTypedParameterPtr params; /* borrowed: a client's, or NULL */
    int nparams;
    unsigned flags; /* virDomainMigrateFlags */
} shoalClusterStepCtx;

const shoalExecOps *shoalClusterStepOps(void);

void shoalClusterStepCtxInit(shoalClusterStepCtx *ctx, shoalCluster *cluster);

bool shoalClusterRehome(shoalCluster *cluster,
                        const shoalInventoryEntry *entry,
                        shoalHost *to,
                        GError **error);

void shoalClusterReconcileHost(shoalCluster *cluster,
                               shoalHost *host,
                               virConnectPtr conn,
                               GPtrArray **records);

shoalStoreDomain *shoalClusterStoreRead(virDomainPtr dom,
                                        const char *hostName,
                                        GError **error);

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

void shoalClusterWaitFirstReads(shoalCluster *cluster);

void shoalClusterRequestResync(shoalCluster *cluster, shoalHost *host);

void shoalClusterMigratedKeepAutostart(shoalCluster *cluster,
                                       virDomainPtr dom,
                                       const char *hostName);

/* Snapshot and checkpoint metadata on its way to a domain's new host
 * (cluster_snapshot_move.c). */
typedef struct _shoalSnapshotMove shoalSnapshotMove;

char *shoalSnapshotMemoryFile(const char *xml);

void shoalSnapshotMoveFree(shoalSnapshotMove *move);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSnapshotMove, shoalSnapshotMoveFree)

shoalSnapshotMove *shoalSnapshotMoveTake(virDomainPtr dom,
                                         const char *hostName,
                                         GError **error);

void shoalSnapshotMovePut(const shoalSnapshotMove *move,
                          virDomainPtr dom,
                          const char *hostName);

bool shoalClusterSnapshotMoveCheck(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   const char *hostName,
                                   GError **error);

void shoalClusterSnapshotMoveFinish(shoalCluster *cluster,
                                    shoalSnapshotMove *move,
                                    const unsigned char *uuid,
                                    const char *hostName);

/* cluster_fence.c */
bool shoalClusterMayAct(shoalCluster *cluster, GError **error);

void shoalClusterFenceInit(shoalCluster *cluster);

/* cluster_inflight.c */
shoalInflight *shoalInflightNew(void);

void shoalInflightStop(shoalInflight *inflight);

void shoalInflightFree(shoalInflight *inflight);

bool shoalClusterInflightRecord(gpointer opaque,
                                const shoalExecStep *step,
                                GError **error);

void shoalClusterInflightForget(gpointer opaque, const shoalExecStep *step);

void shoalClusterInflightResume(shoalCluster *cluster);
