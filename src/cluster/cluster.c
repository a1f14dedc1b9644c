/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster's life: member hosts, their connections, and events. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_store_backend.h"
#include "cluster_sync.h"
#include "util_error.h"
#include "util_log.h"

typedef enum {
    CLUSTER_JOB_CONNECT,
    CLUSTER_JOB_RESYNC,
    CLUSTER_JOB_REFRESH,
    CLUSTER_JOB_LOST,
    CLUSTER_JOB_STATS,
    CLUSTER_JOB_AUTOSTART,
    CLUSTER_JOB_FOLLOW,
} clusterJobType;

/* Work for the host pool; posted from timers and libvirt callbacks. */
typedef struct _clusterJob {
    clusterJobType type;
    shoalHost *host;     /* a reference */
    unsigned generation; /* the connection the job is about */
    char *domainName;    /* REFRESH */
    unsigned char uuid[VIR_UUID_BUFLEN];
    int event;
    int detail;
    bool vanished; /* REFRESH: the follow poll found it gone, no event */
} clusterJob;

static void
clusterJobFree(clusterJob *job)
{
    shoalHostUnref(job->host);
    g_free(job->domainName);
    g_free(job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(clusterJob, clusterJobFree)

void
shoalClusterCallbackCtxFree(void *opaque)
{
    shoalClusterCallbackCtx *ctx = opaque;
    shoalCluster *cluster;

    if (!ctx)
        return;
    cluster = ctx->cluster;
    shoalHostUnref(ctx->host);
    g_free(ctx);
    /* the last touch of @cluster: shoalClusterFree() may go on at once */
    g_mutex_lock(&cluster->ctxLock);
    if (--cluster->ctxCount == 0)
        g_cond_broadcast(&cluster->ctxCond);
    g_mutex_unlock(&cluster->ctxLock);
}

/*
 * Any thread: queues @job (transfer full) on its host, or drops it once
 * stopping. A host's jobs run one at a time, in the order they came: an
 * event's re-read never overtakes a later one, or a resync. Different
 * hosts' jobs run in parallel.
 */
static void
clusterPushJob(shoalCluster *cluster, clusterJob *job)
{
    shoalHost *host = job->host;

    if (!shoalHostListEnter(cluster->hostList)) {
        clusterJobFree(job);
        return;
    }
    if (shoalHostPushJob(host, job))
        g_thread_pool_push(cluster->hostPool, shoalHostRef(host), NULL);
    shoalHostListLeave(cluster->hostList);
}

static void
clusterPush(shoalCluster *cluster,
            clusterJobType type,
            shoalHost *host,
            unsigned generation)
{
    clusterJob *job = g_new0(clusterJob, 1);

    job->type = type;
    job->host = shoalHostRef(host);
    job->generation = generation;
    clusterPushJob(cluster, job);
}

typedef struct _clusterRetry {
    shoalCluster *cluster; /* borrowed: sources are destroyed before free */
    shoalHost *host;       /* a reference */
} clusterRetry;

static void
clusterRetryFree(gpointer opaque)
{
    clusterRetry *retry = opaque;

    shoalHostUnref(retry->host);
    g_free(retry);
}

static gboolean
clusterRetryFire(gpointer opaque)
{
    clusterRetry *retry = opaque;

    shoalHostReconnectFired(retry->host);
    clusterPush(retry->cluster, CLUSTER_JOB_CONNECT, retry->host, 0);
    return G_SOURCE_REMOVE;
}

/* Any thread: tries @host again after its back-off. */
static void
clusterScheduleReconnect(shoalCluster *cluster, shoalHost *host)
{
    clusterRetry *retry;

    /* powered off on purpose: its power-on connects it */
    if (shoalClusterPowerInStandby(cluster, host->name))
        return;
    if (!shoalHostListEnter(cluster->hostList))
        return;
    retry = g_new0(clusterRetry, 1);
    retry->cluster = cluster;
    retry->host = shoalHostRef(host);
    shoalHostScheduleReconnect(host, cluster->config.reconnectMinMs,
                               cluster->config.reconnectMaxMs, cluster->context,
                               clusterRetryFire, retry, clusterRetryFree);
    shoalHostListLeave(cluster->hostList);
}

/* Event thread: only hand the facts on. */
static void
clusterOnHostClose(virConnectPtr conn, int reason, void *opaque)
{
    shoalClusterCallbackCtx *ctx = opaque;

    if (reason == VIR_CONNECT_CLOSE_REASON_CLIENT)
        return;
    clusterPush(ctx->cluster, CLUSTER_JOB_LOST, ctx->host, ctx->generation);
}

/**
 * shoalClusterQueueRefresh:
 *
 * Event thread: a lifecycle event is relayed once the domain has been
 * re-read, so clients that react to it see the new state.
 */
void
shoalClusterQueueRefresh(shoalClusterCallbackCtx *ctx,
                         virDomainPtr dom,
                         int event,
                         int detail)
{
    clusterJob *job = g_new0(clusterJob, 1);

    job->type = CLUSTER_JOB_REFRESH;
    job->host = shoalHostRef(ctx->host);
    job->generation = ctx->generation;
    job->domainName = g_strdup(virDomainGetName(dom));
    virDomainGetUUID(dom, job->uuid);
    job->event = event;
    job->detail = detail;
    clusterPushJob(ctx->cluster, job);
}

/**
 * shoalClusterQueueVanished:
 *
 * Host pool: the follow poll found @uuid gone from @host with no event
 * (an offline migration's source): re-read it as after an undefine.
 */
void
shoalClusterQueueVanished(shoalCluster *cluster,
                          shoalHost *host,
                          const char *name,
                          const unsigned char *uuid)
{
    clusterJob *job = g_new0(clusterJob, 1);

    job->type = CLUSTER_JOB_REFRESH;
    job->host = shoalHostRef(host);
    job->domainName = g_strdup(name);
    memcpy(job->uuid, uuid, VIR_UUID_BUFLEN);
    /* what clients see: the domain is gone */
    job->event = VIR_DOMAIN_EVENT_UNDEFINED;
    job->detail = VIR_DOMAIN_EVENT_UNDEFINED_REMOVED;
    job->vanished = true;
    clusterPushJob(cluster, job);
}

shoalClusterCallbackCtx *
shoalClusterCallbackCtxNew(shoalCluster *cluster, shoalHost *host, unsigned gen)
{
    shoalClusterCallbackCtx *ctx = g_new0(shoalClusterCallbackCtx, 1);

    ctx->cluster = cluster;
    ctx->host = shoalHostRef(host);
    ctx->generation = gen;
    g_mutex_lock(&cluster->ctxLock);
    cluster->ctxCount++;
    g_mutex_unlock(&cluster->ctxLock);
    return ctx;
}

static void
clusterHostFailed(shoalCluster *cluster, shoalHost *host, const GError *err)
{
    bool wasOnline = shoalHostSetUnreachable(host, err->message);

    shoalInventorySetHostReachable(cluster->inventory, host->name, false);
    g_log_structured(G_LOG_DOMAIN,
                     wasOnline ? G_LOG_LEVEL_MESSAGE : G_LOG_LEVEL_INFO,
                     SHOAL_LOG_HOST(host->name), "MESSAGE",
                     "host '%s' is unreachable: %s", host->name, err->message);
    clusterScheduleReconnect(cluster, host);
}

/* Detaches our callbacks from @conn and closes it. Worker thread. */
static void
clusterDropConnection(virConnectPtr conn,
                      const int *eventCallbackIds,
                      void *closeCtx)
{
    if (eventCallbackIds)
        shoalClusterEventsDeregister(conn, eventCallbackIds);
    virConnectUnregisterCloseCallback(conn, clusterOnHostClose);
    virResetLastError();
    virConnectClose(conn);
    shoalClusterCallbackCtxFree(closeCtx);
}

/* Once every host has answered or failed for the first time. */
static void
clusterMaybeAutostart(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GPtrArray) hosts = NULL;
    guint i;

    /* every connect ends here: at 1 000 hosts, no scan of them all each
     * time once autostart ran, and none past the first still connecting */
    if (shoalHostListAutostartClaimed(cluster->hostList))
        return;
    hosts = shoalClusterListHosts(cluster);
    for (i = 0; i < hosts->len; i++) {
        if (shoalHostGetState(hosts->pdata[i]) == SHOAL_HOST_STATE_CONNECTING)
            return;
    }
    if (shoalHostListClaimAutostart(cluster->hostList))
        clusterPush(cluster, CLUSTER_JOB_AUTOSTART, host, 0);
}

/*
 * A host not read since the start: its stored domains are listed, with no
 * state, until it is read, so that no answer lacks them.
 */
static void
clusterSeedHost(shoalCluster *cluster, const char *hostName)
{
    g_autoptr(GPtrArray) stored = NULL;
    g_autoptr(GPtrArray) records = NULL;
    guint i;

    if (!cluster->store)
        return;
    stored = shoalStoreListHost(cluster->store, hostName);
    records = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryRecordFree);
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];
        g_autoptr(shoalDomainXML) def = NULL;
        shoalInventoryRecord *rec;

        rec = shoalInventoryRecordNew(sd->name, sd->uuid);
        rec->state = VIR_DOMAIN_NOSTATE;
        rec->persistent = true;
        rec->autostart = sd->autostart;
        if ((def = shoalDomainXMLParse(sd->xml, NULL))) {
            rec->memoryKiB = def->memoryKiB;
            rec->vcpus = def->vcpus;
        }
        g_ptr_array_add(records, rec);
    }
    shoalInventorySeedHost(cluster->inventory, hostName, records);
}

/**
 * shoalClusterWaitFirstReads:
 *
 * Worker thread, before an answer that lists or looks up domains: a
 * young daemon answers only once every host has been read, or the
 * start's wait (firstReadWaitMs) is over; hosts still unread then are
 * listed from the store, as unreachable.
 */
void
shoalClusterWaitFirstReads(shoalCluster *cluster)
{
    g_auto(GStrv) late = shoalHostListWaitFirstReads(cluster->hostList);
    guint i;

    if (!late)
        return;
    for (i = 0; late[i]; i++) {
        clusterSeedHost(cluster, late[i]);
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_HOST(late[i]), "MESSAGE",
                         "host '%s' has not answered within %u ms of the start: its stored domains are listed with no state",
                         late[i], cluster->config.firstReadWaitMs);
    }
    shoalHostListSeeded(cluster->hostList);
}

/* A host in standby is not asked: it is unreachable on purpose, and
 * counts as read so that the start waits for it no more. */
static void
clusterStandbyConnect(shoalCluster *cluster, shoalHost *host)
{
    shoalHostSetUnreachable(host, _("the host is in standby"));
    shoalInventorySetHostReachable(cluster->inventory, host->name, false);
    if (shoalHostListFirstReadPending(cluster->hostList, host->name))
        clusterSeedHost(cluster, host->name);
    shoalHostListFirstReadDone(cluster->hostList, host->name);
    clusterMaybeAutostart(cluster, host);
}

static void
clusterJobConnect(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalHostFacts) facts = NULL;
    g_autoptr(GPtrArray) records = NULL;
    virConnectPtr conn;
    unsigned gen;
    int cbIds[SHOAL_HOST_EVENT_IDS];
    shoalClusterCallbackCtx *closeCtx = NULL;

    if (shoalClusterPowerInStandby(cluster, host->name)) {
        clusterStandbyConnect(cluster, host);
        return;
    }
    if (!shoalHostBeginConnect(host, &gen))
        return;

    conn = virConnectOpen(host->uri);
    if (!conn) {
        shoalErrorFromLibvirt(&error, host->name);
        goto cleanup;
    }
    if (virConnectSetKeepAlive(conn, cluster->config.keepaliveIntervalS,
                               cluster->config.keepaliveCount) < 0)
        virResetLastError(); /* drivers without keepalive (test://) */
    closeCtx = shoalClusterCallbackCtxNew(cluster, host, gen);
    if (virConnectRegisterCloseCallback(conn, clusterOnHostClose, closeCtx,
                                        NULL) < 0)
        virResetLastError();
    /* listen before reading, so no change falls between the two */
    if (!shoalClusterEventsRegister(cluster, host, conn, gen, cbIds, &error)) {
        clusterDropConnection(conn, NULL, closeCtx);
        goto cleanup;
    }
    if (!(facts = shoalHostReadFacts(conn, host->name, &error)) ||
        !(records = shoalSyncReadHost(conn, host->name, &error))) {
        clusterDropConnection(conn, cbIds, closeCtx);
        goto cleanup;
    }
    shoalClusterReconcileHost(cluster, host, conn, &records);

    /* online first, so a listed domain's host always answers */
    shoalHostSetOnline(host, conn, gen, cbIds, closeCtx,
                       g_steal_pointer(&facts));
    shoalInventorySyncHost(cluster->inventory, host->name, records);
    /* online first: a pool or network defined from now on reaches it */
    shoalClusterObjectsReplay(cluster, host->name, conn);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_HOST(host->name), "MESSAGE",
                     "host '%s' is online with %u domains", host->name,
                     records->len);
    /* no second read: the events registered before this read queued their
     * re-reads behind this job, and they run once the host is online */

cleanup:
    shoalHostEndConnect(host);
    if (error) {
        if (shoalHostListFirstReadPending(cluster->hostList, host->name))
            clusterSeedHost(cluster, host->name);
        clusterHostFailed(cluster, host, error);
    }
    shoalHostListFirstReadDone(cluster->hostList, host->name);
    clusterMaybeAutostart(cluster, host);
}

static void
clusterJobLost(shoalCluster *cluster, shoalHost *host, unsigned gen)
{
    g_autoptr(GError) error = NULL;
    virConnectPtr conn;
    int cbIds[SHOAL_HOST_EVENT_IDS];
    void *closeCtx = NULL;

    if (!(conn = shoalHostStealConnection(host, gen, cbIds, &closeCtx)))
        return;
    clusterDropConnection(conn, cbIds, closeCtx);
    g_set_error(&error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                _("connection to host '%1$s' was lost"), host->name);
    clusterHostFailed(cluster, host, error);
}

static void
clusterJobResync(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) records = NULL;
    virConnectPtr conn = shoalHostGetConnection(host, NULL);

    if (!conn)
        return;
    records = shoalSyncReadHost(conn, host->name, &error);
    if (records)
        shoalClusterReconcileHost(cluster, host, conn, &records);
    virConnectClose(conn);
    if (!records) {
        /* a dead connection is noticed by keepalive and reported there */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_HOST(host->name), "MESSAGE",
                         "cannot re-read host '%s': %s", host->name,
                         error->message);
        return;
    }
    shoalInventorySyncHost(cluster->inventory, host->name, records);
}

/*
 * The host that owned a domain lost it while another host has a copy
 * (a migration Shoal did not run): read that copy now, not at the next
 * re-read, so the domain does not show "no state" meanwhile.
 */
static void
clusterRefreshNewOwner(shoalCluster *cluster, const clusterJob *job)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) owner = NULL;
    clusterJob *next;

    entry = shoalInventoryLookupByUUID(cluster->inventory, job->uuid, NULL);
    if (!entry || g_str_equal(entry->hostName, job->host->name) ||
        !(owner = shoalClusterLookupHost(cluster, entry->hostName, NULL)))
        return;
    next = g_new0(clusterJob, 1);
    next->type = CLUSTER_JOB_REFRESH;
    next->host = g_steal_pointer(&owner);
    next->domainName = g_strdup(job->domainName);
    memcpy(next->uuid, job->uuid, VIR_UUID_BUFLEN);
    next->event = -1;
    clusterPushJob(cluster, next);
}

/*
 * Reads the domain of @job from its host: the record, or NULL and @gone
 * set when the host says it has no such domain. Only that answer removes
 * a domain: a host that died in between keeps its records until it is
 * marked down.
 */
static shoalInventoryRecord *
clusterReadDomain(virConnectPtr conn, const clusterJob *job, bool *gone)
{
    g_autoptr(GError) error = NULL;
    shoalInventoryRecord *rec = NULL;
    virDomainPtr dom = virDomainLookupByUUID(conn, job->uuid);

    *gone = false;
    if (dom) {
        rec = shoalSyncReadDomain(dom, job->host->name, &error);
        virDomainFree(dom);
        *gone = g_error_matches(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    } else {
        *gone = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
        virResetLastError();
    }
    return rec;
}

/* How long a migration's source may keep the domain after its event. */
#define CLUSTER_MIGRATED_WAIT_US (2 * G_USEC_PER_SEC)
#define CLUSTER_MIGRATED_POLL_US (100 * 1000)

static void
clusterJobRefresh(shoalCluster *cluster, clusterJob *job)
{
    g_autoptr(shoalInventoryRecord) rec = NULL;
    virConnectPtr conn = shoalHostGetConnection(job->host, NULL);
    bool gone = false;
    shoalClusterEmit *emit;

    if (!conn)
        return;
    rec = clusterReadDomain(conn, job, &gone);
    if (job->vanished && !gone) {
        /* still there (started meanwhile): only the list is refreshed */
        if (rec)
            shoalInventoryUpdate(cluster->inventory, job->host->name, rec);
        virConnectClose(conn);
        return;
    }
    if (rec && rec->state == VIR_DOMAIN_SHUTOFF &&
        job->event == VIR_DOMAIN_EVENT_STOPPED &&
        job->detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED) {
        /* a migration's source undefines the domain (UNDEFINE_SOURCE)
         * just after this event and sends no event of that: look again
         * until it is gone; a copy that stays is left to reconciling */
        gint64 deadline = g_get_monotonic_time() + CLUSTER_MIGRATED_WAIT_US;

        while (rec && rec->state == VIR_DOMAIN_SHUTOFF &&
               g_get_monotonic_time() < deadline) {
            g_usleep(CLUSTER_MIGRATED_POLL_US);
            g_clear_pointer(&rec, shoalInventoryRecordFree);
            rec = clusterReadDomain(conn, job, &gone);
        }
    }

    if (rec) {
        shoalInventoryUpdate(cluster->inventory, job->host->name, rec);
    } else if (gone) {
        shoalHostForgetDomain(job->host, job->uuid);
        shoalInventoryRemove(cluster->inventory, job->host->name, job->uuid);
        clusterRefreshNewOwner(cluster, job);
    }
    /* what was done on the host is followed, within this event's time;
     * a domain gone with no event left as by an offline migration */
    if (job->vanished)
        shoalClusterReconcileEvent(cluster, job->host, conn, job->uuid,
                                   VIR_DOMAIN_EVENT_STOPPED,
                                   VIR_DOMAIN_EVENT_STOPPED_MIGRATED, NULL,
                                   true);
    else if (job->event >= 0)
        shoalClusterReconcileEvent(cluster, job->host, conn, job->uuid,
                                   job->event, job->detail, rec, gone);
    virConnectClose(conn);

    /* a refresh of our own asks no client's attention */
    if (job->event < 0)
        return;
    emit = shoalClusterEmitNew(cluster, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                               job->domainName, job->uuid);
    emit->event = job->event;
    emit->detail = job->detail;
    shoalClusterEmitPost(emit);
}

/* The host's NUMA cells and their free memory, with its statistics. */
static void
clusterJobNuma(shoalCluster *cluster, shoalHost *host, virConnectPtr conn)
{
    g_autoptr(shoalHostFacts) facts = shoalHostCopyFacts(host);
    g_autoptr(GError) error = NULL;

    if (!shoalHostNumaCollect(cluster->numa, conn, host->name,
                              facts ? facts->capabilities : NULL, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_HOST(host->name), "MESSAGE",
                         "cannot read the free memory of the NUMA cells of host '%s': %s",
                         host->name, error->message);
}

static void
clusterJobStats(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GError) error = NULL;
    virConnectPtr conn = shoalHostGetConnection(host, NULL);
    gint64 nowUs = g_get_monotonic_time();

    if (!conn)
        return;
    if (shoalStatsCollect(cluster->stats, conn, host->name, nowUs, &error))
        shoalHostNoteAnswered(host, nowUs);
    else
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_HOST(host->name), "MESSAGE",
                         "cannot read statistics of host '%s': %s", host->name,
                         error->message);
    clusterJobNuma(cluster, host, conn);
    virConnectClose(conn);
}

static void
clusterJobRun(shoalCluster *cluster, clusterJob *job)
{
    switch (job->type) {
    case CLUSTER_JOB_CONNECT:
        clusterJobConnect(cluster, job->host);
        break;
    case CLUSTER_JOB_RESYNC:
        clusterJobResync(cluster, job->host);
        break;
    case CLUSTER_JOB_REFRESH:
        clusterJobRefresh(cluster, job);
        break;
    case CLUSTER_JOB_LOST:
        clusterJobLost(cluster, job->host, job->generation);
        break;
    case CLUSTER_JOB_STATS:
        clusterJobStats(cluster, job->host);
        break;
    case CLUSTER_JOB_AUTOSTART:
        shoalClusterAutostartRun(cluster);
        break;
    case CLUSTER_JOB_FOLLOW:
        shoalClusterFollowHost(cluster, job->host);
        break;
    }
}

/* Host pool: runs a host's queued jobs until there are none. */
static void
clusterHostDrain(gpointer data, gpointer opaque)
{
    g_autoptr(shoalHost) host = data;
    shoalCluster *cluster = opaque;

    while (true) {
        g_autoptr(clusterJob) job = shoalHostPopJob(host);

        if (!job)
            return;
        clusterJobRun(cluster, job);
    }
}

/**
 * shoalClusterNew:
 * @context: the main context, where events are delivered
 *
 * Returns: (transfer full): a cluster with no hosts.
 */
shoalCluster *
shoalClusterNew(const shoalClusterConfig *config, GMainContext *context)
{
    shoalCluster *cluster = g_new0(shoalCluster, 1);
    shoalExecConfig execConfig;

    cluster->config = *config;
    cluster->context = g_main_context_ref(context);
    cluster->inventory = shoalInventoryNew();
    cluster->stats = shoalStatsNew();
    cluster->numa = shoalHostNumaNew();
    shoalClusterSchedulerInit(cluster);
    shoalExecConfigInit(&execConfig);
    execConfig.maxPerSource = config->migrateMaxPerSource;
    execConfig.maxPerDestination = config->migrateMaxPerDestination;
    execConfig.maxTotal = config->migrateMaxTotal;
    execConfig.timeoutBaseS = config->migrateTimeoutBaseS;
    execConfig.timeoutPerGiBS = config->migrateTimeoutPerGiBS;
    cluster->exec = shoalExecNew(&execConfig);
    shoalClusterFenceInit(cluster);
    cluster->hostPool =
        g_thread_pool_new_full(clusterHostDrain, cluster,
                               (GDestroyNotify) shoalHostUnref, 8, FALSE, NULL);
    cluster->queryPool =
        g_thread_pool_new(shoalClusterQueryRun, cluster, 16, FALSE, NULL);
    cluster->handlers = g_array_new(FALSE, TRUE, sizeof(clusterEventHandler));
    cluster->hostList = shoalHostListNew();
    cluster->jobs = shoalDomainJobsNew();
    cluster->reconcile = shoalReconcileNew();
    cluster->follow = shoalFollowNew();
    cluster->objects = shoalObjectTableNew();
    cluster->ha = shoalClusterHaNew();
    cluster->inflight = shoalInflightNew();
    g_mutex_init(&cluster->ctxLock);
    g_cond_init(&cluster->ctxCond);
    return cluster;
}

/**
 * shoalClusterOpenStore:
 * Main thread, before shoalClusterStart(): opens the durable store of
 * definitions in @dir.
 */
bool
shoalClusterOpenStore(shoalCluster *cluster, const char *dir, GError **error)
{
    shoalStoreBackend *backend = shoalStoreFileBackendNew(dir, error);

    return backend &&
           shoalClusterOpenStoreBackend(cluster, backend, dir, error);
}

/**
 * shoalClusterOpenStoreBackend:
 * @backend: (transfer full): where the definitions live
 * @dir: the daemon's local state
 *
 * Main thread, before shoalClusterStart(): as shoalClusterOpenStore(),
 * with the definitions, hosts and cluster objects in @backend.
 */
bool
shoalClusterOpenStoreBackend(shoalCluster *cluster,
                             shoalStoreBackend *backend,
                             const char *dir,
                             GError **error)
{
    cluster->store = shoalStoreNew(backend, error);
    return cluster->store && shoalClusterLoadHosts(cluster, error) &&
           shoalReconcileOpen(cluster->reconcile, dir, error) &&
           shoalClusterObjectsLoad(cluster, error);
}

/**
 * shoalClusterSetAutostartMarker:
 * @path: a file in a runtime directory (cleared at boot), or NULL for no
 *   autostart
 *
 * Main thread, before start.
 */
void
shoalClusterSetAutostartMarker(shoalCluster *cluster, const char *path)
{
    g_free(cluster->autostartMarker);
    cluster->autostartMarker = g_strdup(path);
}

/**
 * shoalClusterHostAdded:
 *
 * Connects a host that joined a running cluster. (Before start,
 * shoalClusterStart() connects every host.)
 */
void
shoalClusterHostAdded(shoalCluster *cluster, shoalHost *host)
{
    if (shoalHostListIsStarted(cluster->hostList))
        clusterPush(cluster, CLUSTER_JOB_CONNECT, host, 0);
}

/* Main thread, like the handlers' calls. */
void
shoalClusterAddEventHandler(shoalCluster *cluster,
                            shoalClusterEventFunc func,
                            gpointer opaque)
{
    clusterEventHandler h = { func, opaque };

    g_array_append_val(cluster->handlers, h);
}

/* Main thread: after this, @func is never called with @opaque again. */
void
shoalClusterRemoveEventHandler(shoalCluster *cluster,
                               shoalClusterEventFunc func,
                               gpointer opaque)
{
    guint i;

    for (i = cluster->handlers->len; i > 0; i--) {
        clusterEventHandler *h =
            &g_array_index(cluster->handlers, clusterEventHandler, i - 1);

        if (h->func == func && h->opaque == opaque)
            g_array_remove_index(cluster->handlers, i - 1);
    }
}

/*
 * Main thread: queues a job of @type on at most @max online hosts, from
 * the @start-th of the list on; a follow poll only where none still
 * waits.
 */
static void
clusterPushOnline(shoalCluster *cluster,
                  clusterJobType type,
                  guint start,
                  guint max)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint pushed = 0;
    guint i;

    for (i = 0; i < hosts->len && pushed < max; i++) {
        shoalHost *host = hosts->pdata[(start + i) % hosts->len];

        if (shoalHostGetState(host) != SHOAL_HOST_STATE_ONLINE ||
            (type == CLUSTER_JOB_FOLLOW &&
             !shoalFollowClaim(cluster->follow, host->name)))
            continue;
        clusterPush(cluster, type, host, 0);
        pushed++;
    }
}

/* Main thread timer: re-reads online hosts. */
static gboolean
clusterResyncTick(gpointer opaque)
{
    clusterPushOnline(opaque, CLUSTER_JOB_RESYNC, 0, G_MAXUINT);
    return G_SOURCE_CONTINUE;
}

/* Main thread timer: one statistics sample of every online host. */
static gboolean
clusterStatsTick(gpointer opaque)
{
    clusterPushOnline(opaque, CLUSTER_JOB_STATS, 0, G_MAXUINT);
    return G_SOURCE_CONTINUE;
}

/* Main thread timer: the follow poll of online hosts, at most
 * follow_polls_per_s a second, taking turns. */
static gboolean
clusterFollowTick(gpointer opaque)
{
    shoalCluster *cluster = opaque;
    guint max = MAX(1, (guint64) cluster->config.followPollsPerS *
                           cluster->config.followPollMs / 1000);
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint start = shoalFollowNextStart(cluster->follow, hosts->len, max);

    clusterPushOnline(cluster, CLUSTER_JOB_FOLLOW, start, max);
    return G_SOURCE_CONTINUE;
}

/**
 * shoalClusterStart:
 * Main thread: connects every host in the background.
 */
void
shoalClusterStart(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(GSource) source =
        g_timeout_source_new(cluster->config.resyncIntervalMs);
    guint i;

    g_autoptr(GSource) statsSource =
        g_timeout_source_new(cluster->config.statsIntervalMs);
    g_autoptr(GSource) schedSource =
        g_timeout_source_new(cluster->config.statsIntervalMs);

    g_source_set_callback(source, clusterResyncTick, cluster, NULL);
    g_source_set_callback(statsSource, clusterStatsTick, cluster, NULL);
    g_source_set_callback(schedSource, shoalClusterSchedulerTick, cluster,
                          NULL);
    cluster->resyncSource = g_source_attach(source, cluster->context);
    cluster->statsSource = g_source_attach(statsSource, cluster->context);
    cluster->schedSource = g_source_attach(schedSource, cluster->context);
    if (cluster->config.followPollMs > 0) {
        g_autoptr(GSource) followSource =
            g_timeout_source_new(cluster->config.followPollMs);

        g_source_set_callback(followSource, clusterFollowTick, cluster, NULL);
        cluster->followSource = g_source_attach(followSource, cluster->context);
    }
    shoalHostListBeginFirstReads(cluster->hostList,
                                 (gint64) cluster->config.firstReadWaitMs *
                                     1000);
    for (i = 0; i < hosts->len; i++)
        clusterPush(cluster, CLUSTER_JOB_CONNECT, hosts->pdata[i], 0);
    shoalClusterHaStart(cluster);
    shoalClusterInflightResume(cluster);
}

void
shoalClusterRequestResync(shoalCluster *cluster, shoalHost *host)
{
    clusterPush(cluster, CLUSTER_JOB_RESYNC, host, 0);
}

/* Any thread: connects @host now (a woken host, cluster_power.c). */
void
shoalClusterRequestConnect(shoalCluster *cluster, shoalHost *host)
{
    clusterPush(cluster, CLUSTER_JOB_CONNECT, host, 0);
}

/**
 * shoalClusterDisconnectHost:
 *
 * Main thread: cancels a pending reconnect and closes the host's
 * connection; the host stays a member, unreachable.
 */
void
shoalClusterDisconnectHost(shoalCluster *cluster, shoalHost *host)
{
    virConnectPtr conn;
    int cbIds[SHOAL_HOST_EVENT_IDS];
    void *closeCtx = NULL;

    conn = shoalHostDisconnect(host, cluster->context, cbIds, &closeCtx);
    if (conn)
        clusterDropConnection(conn, cbIds, closeCtx);
}

/* How long a stopped cluster waits for libvirt to let go of its
 * callbacks: the one dispatch in progress on libvirt's event thread. */
#define CLUSTER_CALLBACKS_WAIT_US (10 * G_USEC_PER_SEC)

/*
 * After every connection was dropped: a deregistered event callback may
 * still be running on libvirt's event thread (its context is freed at the
 * end of that dispatch), and it uses the cluster.
 */
static void
clusterWaitCallbacks(shoalCluster *cluster)
{
    gint64 deadline = g_get_monotonic_time() + CLUSTER_CALLBACKS_WAIT_US;
    unsigned left;

    g_mutex_lock(&cluster->ctxLock);
    while (cluster->ctxCount > 0 &&
           g_cond_wait_until(&cluster->ctxCond, &cluster->ctxLock, deadline))
        ;
    left = cluster->ctxCount;
    g_mutex_unlock(&cluster->ctxLock);
    if (left > 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "%u libvirt callbacks still hold the cluster after %d s",
                         left,
                         (int) (CLUSTER_CALLBACKS_WAIT_US / G_USEC_PER_SEC));
}

/* Main thread: removes the timer @id names, if any. */
static void
clusterDropSource(shoalCluster *cluster, guint *id)
{
    GSource *s;

    if (!*id)
        return;
    if ((s = g_main_context_find_source_by_id(cluster->context, *id)))
        g_source_destroy(s);
    *id = 0;
}

/**
 * shoalClusterStop:
 * Main thread: waits for host jobs, then closes every connection; once it
 * returns, libvirt calls none of the cluster's callbacks any more.
 */
void
shoalClusterStop(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) hosts = NULL;
    guint i;

    if (!shoalHostListClose(cluster->hostList))
        return;
    /* its calls need the hosts and the host pool */
    shoalInflightStop(cluster->inflight);
    clusterDropSource(cluster, &cluster->resyncSource);
    clusterDropSource(cluster, &cluster->schedSource);
    clusterDropSource(cluster, &cluster->followSource);
    clusterDropSource(cluster, &cluster->statsSource);

    /* a round may wait for its migrations, which need the host pool */
    shoalClusterSchedulerStop(cluster);
    /* likewise a round of HA restarts */
    shoalClusterHaStop(cluster);

    /* Jobs not started yet are dropped here, not by stopping the pool
     * "immediately": a pool thread that took a task after
     * g_thread_pool_free(immediate) began drops it without
     * item_free_func, leaking its host reference. Every drain still
     * queued runs, finds its host's queue empty and unrefs the host.
     * The list is closed, so no job is queued after this. */
    hosts = shoalClusterListHosts(cluster);
    for (i = 0; i < hosts->len; i++)
        shoalHostClearJobs(hosts->pdata[i], (GDestroyNotify) clusterJobFree);
    g_thread_pool_free(cluster->hostPool, FALSE, TRUE);
    cluster->hostPool = NULL;
    g_thread_pool_free(cluster->queryPool, FALSE, TRUE);
    cluster->queryPool = NULL;

    for (i = 0; i < hosts->len; i++)
        shoalClusterDisconnectHost(cluster, hosts->pdata[i]);
    clusterWaitCallbacks(cluster);
}

/* Main thread, after shoalClusterStop() and with no emits pending. */
void
shoalClusterFree(shoalCluster *cluster)
{
    if (!cluster)
        return;
    shoalClusterStop(cluster);
    shoalHostListFree(cluster->hostList);
    shoalInventoryFree(cluster->inventory);
    g_array_unref(cluster->handlers);
    shoalDomainJobsFree(cluster->jobs);
    g_clear_pointer(&cluster->store, shoalStoreFree);
    g_clear_pointer(&cluster->exec, shoalExecFree);
    shoalClusterSchedulerClear(cluster);
    g_clear_pointer(&cluster->stats, shoalStatsFree);
    g_clear_pointer(&cluster->numa, shoalHostNumaFree);
    g_clear_pointer(&cluster->reconcile, shoalReconcileFree);
    g_clear_pointer(&cluster->follow, shoalFollowFree);
    g_clear_pointer(&cluster->objects, shoalObjectTableFree);
    g_clear_pointer(&cluster->ha, shoalClusterHaFree);
    g_clear_pointer(&cluster->inflight, shoalInflightFree);
    g_free(cluster->autostartMarker);
    g_main_context_unref(cluster->context);
    g_cond_clear(&cluster->ctxCond);
    g_mutex_clear(&cluster->ctxLock);
    g_free(cluster);
}

/**
 * shoalClusterLookupHost:
 * Returns: (transfer full): a reference on the named host.
 */
shoalHost *
shoalClusterLookupHost(shoalCluster *cluster, const char *name, GError **error)
{
    return shoalHostListLookup(cluster->hostList, name, error);
}

/**
 * shoalClusterListHosts:
 * Returns: (transfer full): references on every host, sorted by name.
 */
GPtrArray *
shoalClusterListHosts(shoalCluster *cluster)
{
    return shoalHostListGetAll(cluster->hostList);
}
