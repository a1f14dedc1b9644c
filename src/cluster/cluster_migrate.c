/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The executor's step functions against real hosts: live migration (the
 * source host's libvirtd migrates peer-to-peer to the destination's
 * migration URI, and the definition moves with the domain), vCPU and
 * balloon changes, and the live state the plan's preconditions are
 * checked against.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_domainxml.h"
#include "cluster_error.h"
#include "cluster_exec.h"
#include "cluster_internal.h"
#include "cluster_numapin.h"
#include "cluster_objectneeds.h"
#include "cluster_sync.h"
#include "sched.h"
#include "util_error.h"
#include "util_log.h"

/* How often a running migration's progress is read. */
#define MIGRATE_POLL_US (500 * 1000)

/* Converts client typed parameters for libvirt. Returns the count. */
static int
migrateParamsToLibvirt(GPtrArray *in, virTypedParameterPtr *out)
{
    int n = 0;
    int max = 0;
    guint i;

    *out = NULL;
    for (i = 0; in && i < in->len; i++) {
        const shoalTypedParam *p = in->pdata[i];
        int rc = -1;

        switch (p->type) {
        case VIR_TYPED_PARAM_INT:
            rc = virTypedParamsAddInt(out, &n, &max, p->field, p->value.i);
            break;
        case VIR_TYPED_PARAM_UINT:
            rc = virTypedParamsAddUInt(out, &n, &max, p->field, p->value.ui);
            break;
        case VIR_TYPED_PARAM_LLONG:
            rc = virTypedParamsAddLLong(out, &n, &max, p->field, p->value.l);
            break;
        case VIR_TYPED_PARAM_ULLONG:
            rc = virTypedParamsAddULLong(out, &n, &max, p->field, p->value.ul);
            break;
        case VIR_TYPED_PARAM_DOUBLE:
            rc = virTypedParamsAddDouble(out, &n, &max, p->field, p->value.d);
            break;
        case VIR_TYPED_PARAM_BOOLEAN:
            rc = virTypedParamsAddBoolean(out, &n, &max, p->field, p->value.b);
            break;
        case VIR_TYPED_PARAM_STRING:
            rc = virTypedParamsAddString(out, &n, &max, p->field, p->value.s);
            break;
        }
        if (rc < 0)
            virResetLastError();
    }
    return n;
}

/* The room check of placement, for one given destination. */
static bool
migrateCheckRoom(shoalCluster *cluster,
                 shoalHost *dest,
                 const shoalExecStep *step,
                 GError **error)
{
    g_auto(shoalHostStatus) status = { 0 };
    g_autoptr(shoalInventoryEntry) entry = NULL;
    shoalSchedPlacementConfig config;
    shoalSchedHost cand = { 0 };
    shoalSchedRequest req = { 0 };

    entry = shoalInventoryLookupByUUID(cluster->inventory, step->uuid, error);
    if (!entry)
        return false;
    shoalSchedPlacementConfigInit(&config);
    config.memoryOvercommit = cluster->config.memoryOvercommit;
    config.vcpuRatio = cluster->config.vcpuRatio;
    /* the configured capacity, as the planner and placement see it */
    shoalHostGetStatus(dest, &status);
    cand.name = dest->name;
    cand.online = status.hasFacts;
    cand.memoryKiB = status.memoryKiB;
    cand.cpus = status.cpus;
    shoalInventoryHostUsage(cluster->inventory, dest->name, step->uuid,
                            &cand.committedMemoryKiB, &cand.committedVcpus);
    req.memoryKiB = MAX(entry->rec.memoryKiB, 1);
    req.vcpus = MAX(entry->rec.vcpus, 1);
    if (shoalSchedPlace(&cand, 1, &req, &config, error) < 0) {
        shoalClusterSchedErrorConvert(error);
        return false;
    }
    return true;
}

/* A domain as the preconditions see it now; NULL if unknown. */
static shoalSchedDomain *
stepLookupDomain(gpointer opaque, const char *name)
{
    shoalClusterStepCtx *ctx = opaque;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(GPtrArray) stats = NULL;
    shoalSchedDomain *dom;
    guint i;

    entry = shoalInventoryLookupByName(ctx->cluster->inventory, name, NULL);
    if (!entry)
        return NULL;
    dom = shoalSchedDomainNew(entry->rec.name);
    dom->host = g_strdup(entry->hostName);
    dom->running = entry->id > 0;
    dom->vcpus = entry->rec.vcpus;
    dom->memoryKiB = entry->rec.memoryKiB;
    stats = shoalStatsListDomains(ctx->cluster->stats);
    for (i = 0; i < stats->len; i++) {
        const shoalStatsDomain *sd = stats->pdata[i];

        if (memcmp(sd->uuid, entry->rec.uuid, VIR_UUID_BUFLEN) != 0)
            continue;
        dom->balloonKiB = sd->balloonKiB;
        /* the virtio-mem precondition: the device as last read */
        dom->virtioMemMaxKiB = sd->virtioMemMaxKiB;
        dom->virtioMemBlockKiB = sd->virtioMemBlockKiB;
        dom->virtioMemRequestedKiB = sd->virtioMemRequestedKiB;
        dom->virtioMemPluggedKiB = sd->virtioMemPluggedKiB;
    }
    return dom;
}

/* A host as the preconditions see it now; NULL if not a member. */
static shoalSchedNode *
stepLookupNode(gpointer opaque, const char *name)
{
    shoalClusterStepCtx *ctx = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(ctx->cluster, name, NULL);
    shoalSchedNode *node;

    if (!host)
        return NULL;
    node = shoalSchedNodeNew(host->name);
    node->online = shoalHostGetState(host) == SHOAL_HOST_STATE_ONLINE;
    node->maintenance = shoalHostInMaintenance(host);
    return node;
}

/* A migration holds the domain's job throughout; a resize takes it in
 * shoalClusterDomainApply(). */
static bool
stepBegin(gpointer opaque, const shoalExecStep *step, GError **error)
{
    shoalClusterStepCtx *ctx = opaque;

    if (step->plan->action != SHOAL_SCHED_ACTION_MIGRATE)
        return true;
    if (!shoalDomainJobsBegin(ctx->cluster->jobs, step->uuid, error))
        return false;
    /* the destination's incoming copy is this domain, not a conflict */
    shoalInventorySetMoving(ctx->cluster->inventory, step->uuid, true);
    return true;
}

static void
stepEnd(gpointer opaque, const shoalExecStep *step, bool ran)
{
    shoalClusterStepCtx *ctx = opaque;
    bool moved = step->plan->action == SHOAL_SCHED_ACTION_MIGRATE;

    if (moved) {
        shoalInventorySetMoving(ctx->cluster->inventory, step->uuid, false);
        shoalDomainJobsEnd(ctx->cluster->jobs, step->uuid);
    }
    /* tried, it rests, failed or not: a failed move is not retried in a
     * loop, and a moved one is not moved back at once */
    if (ran)
        shoalClusterNoteChange(ctx->cluster, step->uuid, moved);
}

/*
 * What a move needs besides the plan's preconditions, which the executor
 * has checked: a reachable domain, another member as destination, with
 * room.
 */
static bool
stepCheck(gpointer opaque, const shoalExecStep *step, GError **error)
{
    shoalClusterStepCtx *ctx = opaque;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) dest = NULL;

    if (step->plan->action != SHOAL_SCHED_ACTION_MIGRATE)
        return true;
    if (!(entry = shoalInventoryLookupByUUID(ctx->cluster->inventory,
                                             step->uuid, error)) ||
        !shoalInventoryEntryCheckUsable(entry, error))
        return false;
    if (g_str_equal(step->plan->from, step->plan->to)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' is already on host '%2$s'"),
                    step->plan->domain, step->plan->to);
        return false;
    }
    if (!(dest = shoalClusterLookupHost(ctx->cluster, step->plan->to, error)) ||
        !shoalClusterSnapshotMoveCheck(ctx->cluster, step->uuid,
                                       entry->hostName, error))
        return false;
    return migrateCheckRoom(ctx->cluster, dest, step, error) &&
           shoalClusterCheckObjects(ctx->cluster, step->uuid,
                                    step->plan->domain, dest->name, error);
}

/* hot-add, and keep it in the definition */
static bool
stepSetVcpus(gpointer opaque, const shoalExecStep *step, GError **error)
{
    shoalClusterStepCtx *ctx = opaque;

    return shoalClusterDomainApply(ctx->cluster, step->uuid,
                                   SHOAL_DOMAIN_OP_SET_VCPUS, step->plan->value,
                                   VIR_DOMAIN_AFFECT_LIVE, error) &&
           shoalClusterDomainApply(ctx->cluster, step->uuid,
                                   SHOAL_DOMAIN_OP_SET_VCPUS, step->plan->value,
                                   VIR_DOMAIN_AFFECT_CONFIG, error);
}

static bool
stepSetBalloon(gpointer opaque, const shoalExecStep *step, GError **error)
{
    shoalClusterStepCtx *ctx = opaque;

    return shoalClusterDomainApply(ctx->cluster, step->uuid,
                                   SHOAL_DOMAIN_OP_SET_MEMORY,
                                   step->plan->value, VIR_DOMAIN_AFFECT_LIVE,
                                   error);
}

static bool
stepSetVirtioMem(gpointer opaque, const shoalExecStep *step, GError **error)
{
    shoalClusterStepCtx *ctx = opaque;

    return shoalClusterResizeVirtioMem(ctx->cluster, step->uuid,
                                       step->plan->domain, step->plan->value, 0,
                                       error);
}

/* Watches a migration: progress for the record, abort when overdue. */
typedef struct _migrateWatch {
    virDomainPtr dom;     /* borrowed: outlives the watch */
    shoalExecRecord *rec; /* borrowed */
    GMutex lock;
    GCond cond;
    bool done;                    /* protected by lock */
    unsigned long long cpuTimeNs; /* watch thread: last seen on source */
} migrateWatch;

static gpointer
migrateWatchRun(gpointer opaque)
{
    migrateWatch *w = opaque;
    bool aborted = false;

    g_mutex_lock(&w->lock);
    while (!w->done) {
        gint64 until = g_get_monotonic_time() + MIGRATE_POLL_US;
        virDomainJobInfo info;
        virDomainInfo dinfo;

        g_mutex_unlock(&w->lock);
        if (virDomainGetJobInfo(w->dom, &info) == 0 &&
            info.type != VIR_DOMAIN_JOB_NONE)
            shoalExecRecordProgress(w->rec, info.dataTotal, info.dataProcessed);
        /* the guest's CPU time so far: the destination counts from zero */
        if (virDomainGetInfo(w->dom, &dinfo) == 0 && dinfo.cpuTime > 0)
            w->cpuTimeNs = dinfo.cpuTime;
        if (!aborted && shoalExecRecordShouldAbort(w->rec)) {
            /* the migration then fails and the guest stays on the source */
            virDomainAbortJob(w->dom);
            aborted = true;
        }
        virResetLastError();
        g_mutex_lock(&w->lock);
        while (!w->done && g_cond_wait_until(&w->cond, &w->lock, until))
            ;
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

/* Downtime and amount of data of a finished migration, as the
 * destination reports them. */
static void
migrateReadCompleted(virDomainPtr dom, shoalExecRecord *rec)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int type;
    unsigned long long downtime = 0;
    unsigned long long total = 0;

    /* keep them for the client's domjobinfo --completed */
    if (virDomainGetJobStats(dom, &type, &params, &nparams,
                             VIR_DOMAIN_JOB_STATS_COMPLETED |
                                 VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED) < 0) {
        virResetLastError();
        return;
    }
    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DOWNTIME,
                                &downtime) == 1)
        shoalExecRecordDowntime(rec, downtime);
    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL,
                                &total) == 1)
        shoalExecRecordProgress(rec, total, total);
    virTypedParamsFree(params, nparams);
}

/* What the destination says after a move. */
typedef struct _migrateSettleRead {
    shoalCluster *cluster;
    const char *hostName;
    shoalExecRecord *rec;         /* nullable */
    shoalInventoryRecord *record; /* out */
} migrateSettleRead;

static int
migrateCallSettle(virDomainPtr dom, gpointer opaque)
{
    migrateSettleRead *s = opaque;

    if (s->rec)
        migrateReadCompleted(dom, s->rec);
    /* before the store reads the destination's copy back */
    shoalClusterMigratedKeepAutostart(s->cluster, dom, s->hostName);
    shoalClusterStoreRefresh(s->cluster, dom, s->hostName);
    s->record = shoalSyncReadDomain(dom, s->hostName, NULL);
    virResetLastError();
    return 0;
}

/*
 * After a move: the store and the inventory follow the domain. The
 * destination is asked by name: the inventory names it the owner only
 * once this has read it.
 */
static void
migrateSettle(shoalCluster *cluster,
              const shoalExecStep *step,
              shoalExecRecord *rec)
{
    g_autoptr(shoalHost) dest =
        shoalClusterLookupHost(cluster, step->plan->to, NULL);
    g_autoptr(shoalInventoryRecord) record = NULL;
    g_autoptr(shoalHost) source = NULL;
    migrateSettleRead settle = { cluster, step->plan->to, rec, NULL };

    if (dest &&
        shoalClusterHostDomainCall(cluster, dest, step->uuid, 0,
                                   migrateCallSettle, &settle, NULL) == 0)
        record = g_steal_pointer(&settle.record);
    if (record)
        shoalInventoryMove(cluster->inventory, step->plan->from, step->plan->to,
                           record);
    else if (dest)
        shoalClusterRequestResync(cluster, dest);
    if ((source = shoalClusterLookupHost(cluster, step->plan->from, NULL)))
        shoalHostForgetDomain(source, step->uuid);
}

/* One migration, on the source's handle. */
typedef struct _migrateCall {
    const shoalClusterStepCtx *ctx;
    shoalHost *dest;              /* borrowed */
    shoalExecRecord *rec;         /* borrowed */
    const char *source;           /* the plan's source host, for errors */
    unsigned long long cpuTimeNs; /* out: the guest's on the source */
    shoalSnapshotMove *snapshots; /* out: taken from the source */
    GError *error;                /* out: why the snapshots cannot move */
} migrateCall;

static int
migrateCallRun(virDomainPtr dom, gpointer opaque)
{
    migrateCall *call = opaque;
    const shoalClusterStepCtx *ctx = call->ctx;
    migrateWatch watch = { 0 };
    GThread *watcher;
    unsigned flags = ctx->flags | VIR_MIGRATE_PEER2PEER;
    int rc;

    /* snapshot metadata stays behind in libvirt: it follows here */
    if (!(call->snapshots =
              shoalSnapshotMoveTake(dom, call->source, &call->error)))
        return -1;
    /* the definition moves with the domain: defined on exactly one host */
    if (virDomainIsPersistent(dom) == 1)
        flags |= VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    virResetLastError();

    watch.dom = dom;
    watch.rec = call->rec;
    g_mutex_init(&watch.lock);
    g_cond_init(&watch.cond);
    watcher = g_thread_new("migration-watch", migrateWatchRun, &watch);
    rc = shoalClusterNumaMigrate(ctx->cluster, dom, call->dest->name,
                                 call->dest->migrationUri, ctx->params,
                                 ctx->nparams, flags);
    /* no libvirt call on this thread from here: the caller converts the
     * migration's error (the watcher's calls run on its own thread) */
    g_mutex_lock(&watch.lock);
    watch.done = true;
    g_cond_signal(&watch.cond);
    g_mutex_unlock(&watch.lock);
    g_thread_join(watcher);
    g_mutex_clear(&watch.lock);
    g_cond_clear(&watch.cond);
    call->cpuTimeNs = watch.cpuTimeNs;
    return rc;
}

/*
 * The step holds the domain's job (stepBegin), so the call takes none. A
 * failed migration leaves the guest on the source, where it is re-read.
 */
static bool
stepMigrate(gpointer opaque,
            const shoalExecStep *step,
            shoalExecRecord *rec,
            GError **error)
{
    shoalClusterStepCtx *ctx = opaque;
    g_autoptr(shoalHost) dest = NULL;
    migrateCall call = { ctx, NULL, rec, step->plan->from, 0, NULL, NULL };
    g_autoptr(GError) callError = NULL;
    g_autofree char *hostName = NULL;
    int rc;

    if (!(dest = shoalClusterLookupHost(ctx->cluster, step->plan->to, error)))
        return false;
    call.dest = dest;
    rc = shoalClusterDomainCallFull(ctx->cluster, step->uuid,
                                    SHOAL_CALL_REFRESH_FAILED, migrateCallRun,
                                    &call, &hostName, &callError);
    if (rc >= 0) {
        /* before the inventory points at the destination */
        shoalInventoryAddCPUTime(ctx->cluster->inventory, step->uuid,
                                 call.cpuTimeNs);
        migrateSettle(ctx->cluster, step, rec);
    }
    /* the snapshot metadata goes where the domain is, moved or not */
    shoalClusterSnapshotMoveFinish(ctx->cluster,
                                   g_steal_pointer(&call.snapshots), step->uuid,
                                   rc >= 0    ? step->plan->to
                                   : hostName ? hostName
                                              : step->plan->from);
    if (rc < 0) {
        /* the snapshots' own refusal, else the migration's error */
        g_propagate_error(error, call.error ? g_steal_pointer(&call.error)
                                            : g_steal_pointer(&callError));
        return false;
    }
    return true;
}

static const shoalExecOps stepOps = {
    .lookupDomain = stepLookupDomain,
    .lookupNode = stepLookupNode,
    .begin = stepBegin,
    .end = stepEnd,
    .check = stepCheck,
    .migrate = stepMigrate,
    .setVcpus = stepSetVcpus,
    .setBalloon = stepSetBalloon,
    .setVirtioMem = stepSetVirtioMem,
    .recordMigration = shoalClusterInflightRecord,
    .forgetMigration = shoalClusterInflightForget,
};

/* The step functions against the cluster's hosts, with the context
 * shoalClusterStepCtxInit() makes. */
const shoalExecOps *
shoalClusterStepOps(void)
{
    return &stepOps;
}

/* For the migrations Shoal starts itself. */
void
shoalClusterStepCtxInit(shoalClusterStepCtx *ctx, shoalCluster *cluster)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cluster = cluster;
    ctx->flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER |
                 cluster->config.migrateExtraFlags;
}

/* Which member a migration URI names; NULL with no error: Shoal picks. */
static shoalHost *
migrateResolveDest(shoalCluster *cluster, const char *dconnuri, GError **error)
{
    g_autoptr(GUri) uri = NULL;
    g_autoptr(GPtrArray) hosts = NULL;
    const char *name = dconnuri;
    guint i;

    if (!dconnuri || !*dconnuri)
        return NULL;
    uri = g_uri_parse(dconnuri, G_URI_FLAGS_NONE, NULL);
    if (uri && g_str_has_prefix(g_uri_get_scheme(uri), "shoal")) {
        /* shoal://NAME/ names a member; the cluster itself (no host, or
         * this daemon's host name) lets placement decide */
        name = g_uri_get_host(uri);
        if (!name || !*name || g_str_equal(name, "auto") ||
            g_ascii_strcasecmp(name, g_get_host_name()) == 0)
            return NULL;
    }
    hosts = shoalClusterListHosts(cluster);
    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];

        if (g_str_equal(host->name, name) || g_str_equal(host->uri, name) ||
            g_str_equal(host->migrationUri, name))
            return shoalHostRef(host);
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                _("invalid argument: destination '%1$s' is not a member host: use a member's URI, shoal://NAME/ or shoal://%2$s/ for any"),
                dconnuri, g_get_host_name());
    return NULL;
}

/**
 * shoalClusterPickDestination:
 *
 * Placement for a domain leaving @from. Returns: (transfer full): the host
 * with most room.
 */
shoalHost *
shoalClusterPickDestination(shoalCluster *cluster,
                            const shoalInventoryEntry *entry,
                            GError **error)
{
    shoalDomainXML def = { 0 };

    def.name = entry->rec.name;
    def.memoryKiB = MAX(entry->rec.memoryKiB, 1);
    def.vcpus = MAX(entry->rec.vcpus, 1);
    return shoalClusterPlace(cluster, &def, NULL, entry->rec.uuid,
                             entry->hostName, error);
}

/**
 * shoalClusterDomainMigrate:
 * @dconnuri: a member's URI, shoal://NAME/, or the cluster itself
 * @params: (nullable): shoalTypedParam from the client, passed to libvirt
 *
 * Live-migrates a domain peer-to-peer, blocking until it is done.
 */
bool
shoalClusterDomainMigrate(shoalCluster *cluster,
                          const unsigned char *uuid,
                          const char *dconnuri,
                          GPtrArray *params,
                          unsigned flags,
                          GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) dest = NULL;
    g_autoptr(GError) err = NULL;
    shoalClusterStepCtx ctx = { .cluster = cluster, .flags = flags };
    shoalExecStep *step;
    bool ok;

    if (!(flags & VIR_MIGRATE_PEER2PEER)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_ARGUMENT_UNSUPPORTED,
                    _("argument unsupported: Shoal migrates peer-to-peer only: use virsh migrate --p2p"));
        return false;
    }
    if (!(entry =
              shoalInventoryLookupByUUID(cluster->inventory, uuid, error)) ||
        !shoalInventoryEntryCheckUsable(entry, error))
        return false;
    dest = migrateResolveDest(cluster, dconnuri, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    if (!dest && !(dest = shoalClusterPickDestination(cluster, entry, error)))
        return false;

    step = shoalExecStepNew(SHOAL_SCHED_ACTION_MIGRATE, uuid, entry->rec.name,
                            entry->hostName, dest->name, _("client request"));
    step->plan->memoryKiB = entry->rec.memoryKiB;
    shoalExecStepAddMoveChecks(step);
    ctx.nparams = migrateParamsToLibvirt(params, &ctx.params);
    ok = shoalExecRun(cluster->exec, &stepOps, &ctx, step, error);
    virTypedParamsFree(ctx.params, ctx.nparams);
    return ok;
}

static int
migrateCallJobInfo(virDomainPtr dom, gpointer opaque)
{
    return virDomainGetJobInfo(dom, opaque);
}

static int
migrateCallAbortJob(virDomainPtr dom, gpointer opaque)
{
    return virDomainAbortJob(dom);
}

bool
shoalClusterDomainGetJobInfo(shoalCluster *cluster,
                             const unsigned char *uuid,
                             virDomainJobInfo *info,
                             GError **error)
{
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  migrateCallJobInfo, info, error) >= 0;
}

typedef struct _migrateJobStats {
    unsigned flags;
    int type;
    virTypedParameterPtr params;
    int nparams;
} migrateJobStats;

static int
migrateCallJobStats(virDomainPtr dom, gpointer opaque)
{
    migrateJobStats *q = opaque;

    return virDomainGetJobStats(dom, &q->type, &q->params, &q->nparams,
                                q->flags);
}

GPtrArray *
shoalClusterDomainGetJobStats(shoalCluster *cluster,
                              const unsigned char *uuid,
                              unsigned flags,
                              int *type,
                              GError **error)
{
    migrateJobStats q = { flags, 0, NULL, 0 };
    GPtrArray *out;

    if (shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                               migrateCallJobStats, &q, error) < 0)
        return NULL;
    out = shoalTypedParamsFromLibvirt(q.params, q.nparams);
    virTypedParamsFree(q.params, q.nparams);
    *type = q.type;
    return out;
}

/* Takes no job: it must reach a migration that holds one. */
bool
shoalClusterDomainAbortJob(shoalCluster *cluster,
                           const unsigned char *uuid,
                           GError **error)
{
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  migrateCallAbortJob, NULL, error) >= 0;
}

GPtrArray *
shoalClusterListMigrations(shoalCluster *cluster)
{
    return shoalExecList(cluster->exec, false);
}

unsigned
shoalClusterMigrationsRunning(shoalCluster *cluster)
{
    return shoalExecRunning(cluster->exec);
}
