/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HA restart: when a member host has not answered for [ha]
 * failure_timeout and is not in maintenance, its running domains marked
 * for HA start on other hosts, by priority, through placement and the
 * executor (so within the migration limits). The lock manager on the hosts
 * decides: a domain whose old QEMU still holds its disks' leases is refused,
 * reported and tried again with back-off, a bounded number of times. The
 * policy is sched's (sched_ha.c); this file gathers its input and carries
 * out its decisions. Shoal restarts nothing unless the configuration
 * declares that the hosts run a lock manager: without leases, a host whose
 * libvirtd died while its QEMUs run would get its domains started twice.
 */
#include <config.h>

#include "cluster_ha.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_numapin.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

/* How often the failure detector looks at the hosts. */
#define HA_TICK_MS 1000

/* What HA restart knows of one domain of a failed host. */
typedef struct _haEntry {
    char *name;
    char *from;
    char *to;
    const char *status; /* static word, see shoalClusterHaRecord */
    shoalSchedHaReason reason;
    char *error;
    unsigned attempts;
    int priority;
    gint64 lastTryMs; /* monotonic */
    gint64 nextTryMs; /* monotonic, waiting only */
    gint64 timeUs;    /* wall clock */
} haEntry;

struct _shoalClusterHa {
    /* immutable once started */
    shoalSchedHaConfig config;
    bool enabled; /* [ha] enabled */
    char *leases; /* [ha] leases: the lock manager the hosts run */
    shoalExecOps ops;

    GMutex lock;
    GHashTable *entries; /* protected by lock: uuid string → haEntry */
    GHashTable *failed;  /* protected by lock: names of failed hosts */
    bool busy;           /* protected by lock: a round runs */
    bool stopping;       /* protected by lock */

    GThreadPool *pool; /* immutable pointer: one round at a time */
    guint source;      /* main thread only */
};

static void
haEntryFree(haEntry *entry)
{
    g_free(entry->name);
    g_free(entry->from);
    g_free(entry->to);
    g_free(entry->error);
    g_free(entry);
}

void
shoalClusterHaRecordFree(shoalClusterHaRecord *rec)
{
    if (!rec)
        return;
    g_free(rec->domain);
    g_free(rec->uuid);
    g_free(rec->from);
    g_free(rec->to);
    g_free(rec->error);
    g_free(rec);
}

void
shoalClusterHaStatusFree(shoalClusterHaStatus *status)
{
    if (!status)
        return;
    g_free(status->disabledReason);
    g_free(status->leases);
    g_strfreev(status->failedHosts);
    g_clear_pointer(&status->records, g_ptr_array_unref);
    g_free(status);
}

void
shoalClusterHostCheckFree(shoalClusterHostCheck *check)
{
    if (!check)
        return;
    g_free(check->name);
    g_free(check->leases);
    g_free(check);
}

shoalClusterHa *
shoalClusterHaNew(void)
{
    shoalClusterHa *ha = g_new0(shoalClusterHa, 1);

    shoalSchedHaConfigInit(&ha->config);
    ha->enabled = true;
    g_mutex_init(&ha->lock);
    ha->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) haEntryFree);
    ha->failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return ha;
}

/* After shoalClusterHaStop(). */
void
shoalClusterHaFree(shoalClusterHa *ha)
{
    if (!ha)
        return;
    g_hash_table_unref(ha->entries);
    g_hash_table_unref(ha->failed);
    g_free(ha->leases);
    g_mutex_clear(&ha->lock);
    g_free(ha);
}

/* Why HA restart is off, or NULL when it is on. (transfer full) */
static char *
haDisabledReason(const shoalClusterHa *ha)
{
    if (!ha->enabled)
        return g_strdup(
            _("disabled in the configuration ([ha] enabled=false)"));
    if (!ha->leases)
        return g_strdup(_(
            "the member hosts declare no lock manager ([ha] leases): without disk leases a restart could start a domain whose host still runs it"));
    return NULL;
}

/**
 * shoalClusterSetHaConfig:
 * @conf: the [ha] group (daemon_config.h: its keys and defaults)
 *
 * Main thread, before start.
 */
void
shoalClusterSetHaConfig(shoalCluster *cluster, const shoalDaemonConfigHa *conf)
{
    shoalClusterHa *ha = cluster->ha;

    ha->config.failureTimeoutMs = conf->failureTimeoutS * 1000;
    ha->config.retryMinMs = conf->retryIntervalS * 1000;
    ha->config.retryMaxMs = MAX(conf->retryMaxS, conf->retryIntervalS) * 1000;
    ha->config.maxAttempts = conf->maxAttempts;
    ha->config.defaultRestart = conf->restart;
    ha->config.defaultPriority = conf->priority;
    ha->enabled = conf->enabled;
    g_free(ha->leases);
    ha->leases = g_strdup(conf->leases);
}

/* What sched needs of one domain of a failed host, from the store. */
typedef struct _haInput {
    shoalSchedHaDomain dom;
    const shoalInventoryEntry *entry; /* borrowed */
    char *uuid;                       /* owned: dom.key */
} haInput;

static void
haInputFill(shoalCluster *cluster,
            shoalClusterHa *ha,
            const shoalInventoryEntry *entry,
            haInput *in)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(GError) error = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    const haEntry *prev;
    int state = entry->lastState;

    shoalUUIDFormat(entry->rec.uuid, uuid);
    in->entry = entry;
    in->uuid = g_strdup(uuid);
    in->dom.name = entry->rec.name;
    in->dom.key = in->uuid;
    in->dom.running = state == VIR_DOMAIN_RUNNING ||
                      state == VIR_DOMAIN_BLOCKED || state == VIR_DOMAIN_PAUSED;
    in->dom.restart = -1;
    if (cluster->store &&
        (sd = shoalStoreLookup(cluster->store, entry->rec.uuid, NULL)))
        in->dom.persistent = entry->rec.persistent;
    if (sd && !(meta = shoalPlacementMetadataParse(sd->xml, &error))) {
        /* define refuses bad metadata: this came from a host directly */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_DOMAIN(entry->rec.name), "MESSAGE",
                         "HA metadata of '%s' ignored: %s", entry->rec.name,
                         error->message);
        in->dom.restart = 0;
    }
    if (meta) {
        in->dom.restart = meta->haRestart;
        in->dom.hasPriority = meta->haHasPriority;
        in->dom.priority = meta->haPriority;
        in->dom.leasedDisks = meta->leasedDisks;
    }
    g_mutex_lock(&ha->lock);
    prev = g_hash_table_lookup(ha->entries, uuid);
    /* attempts count on this host's failure only */
    if (prev && g_strcmp0(prev->from, entry->hostName) == 0 &&
        g_strcmp0(prev->status, "restarted") != 0) {
        in->dom.attempts = prev->attempts;
        in->dom.lastTryMs = prev->lastTryMs;
    }
    g_mutex_unlock(&ha->lock);
}

/* Records what a round decided or did with one domain. */
static void
haNote(shoalClusterHa *ha,
       const haInput *in,
       const shoalSchedHaDecision *d,
       const char *status,
       const char *to,
       const GError *error,
       bool tried,
       gint64 nowMs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ha->lock);
    haEntry *e = g_hash_table_lookup(ha->entries, in->uuid);
    bool changed;

    if (!e || g_strcmp0(e->from, in->entry->hostName) != 0 ||
        g_strcmp0(e->status, "restarted") == 0) {
        e = g_new0(haEntry, 1);
        e->from = g_strdup(in->entry->hostName);
        g_hash_table_replace(ha->entries, g_strdup(in->uuid), e);
    }
    changed = e->status != status || e->reason != d->reason || (tried && error);
    g_free(e->name);
    e->name = g_strdup(in->dom.name);
    e->status = status;
    e->reason = d->reason;
    e->priority = d->priority;
    e->nextTryMs = d->nextTryMs;
    if (to) {
        g_free(e->to);
        e->to = g_strdup(to);
    }
    if (tried) {
        e->attempts++;
        e->lastTryMs = nowMs;
        g_free(e->error);
        e->error = error ? g_strdup(error->message) : NULL;
        if (error && e->attempts < ha->config.maxAttempts) {
            e->status = "waiting";
            e->nextTryMs =
                nowMs + shoalSchedHaBackoffMs(&ha->config, e->attempts);
        } else if (error) {
            e->status = "gave-up";
        }
    } else if (error) {
        g_free(e->error);
        e->error = g_strdup(error->message);
    }
    if (changed || !e->timeUs)
        e->timeUs = g_get_real_time();
}

/* The executor's step: start the domain on step->plan->to from its
 * stored definition, then make it that host's (cluster_maintenance.c's
 * re-home: stored, inventory moved, the failed host's copy removed when
 * it is back). Runs under the domain's job. */
static bool
haStepRestart(gpointer opaque,
              const shoalExecStep *step,
              shoalExecRecord *rec,
              GError **error)
{
    shoalClusterStepCtx *ctx = opaque;
    shoalCluster *cluster = ctx->cluster;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalHost) to = NULL;
    g_autofree char *pinned = NULL;
    virConnectPtr conn;
    virDomainPtr dom;

    if (!(entry = shoalInventoryLookupByUUID(cluster->inventory, step->uuid,
                                             error)))
        return false;
    if (entry->reachable || g_strcmp0(entry->hostName, step->plan->from) != 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' is no longer on failed host '%2$s'"),
                    entry->rec.name, step->plan->from);
        return false;
    }
    if (!cluster->store ||
        !(sd = shoalStoreLookup(cluster->store, step->uuid, error)) ||
        !(to = shoalClusterLookupHost(cluster, step->plan->to, error)) ||
        !(conn = shoalHostGetConnection(to, error)))
        return false;
    if (!shoalClusterNumaPin(cluster, to->name, sd->xml, true, &pinned, NULL))
        g_clear_pointer(&pinned, g_free);
    /* transient first: the lease decides, and a refused start leaves
     * nothing behind on @to */
    dom = virDomainCreateXML(conn, pinned ? pinned : sd->xml, 0);
    if (!dom)
        shoalErrorFromLibvirt(error, to->name);
    virConnectClose(conn);
    if (!dom)
        return false;
    virDomainFree(dom);
    return shoalClusterRehome(cluster, entry, to, error);
}

/* Where placement puts a domain of a failed host, avoiding @avoid (the
 * host the wave's previous domain goes to) if another has room. */
static shoalHost *
haPick(shoalCluster *cluster,
       const shoalInventoryEntry *entry,
       const char *avoid,
       GError **error)
{
    shoalDomainXML def = { 0 };
    shoalHost *to;

    if (avoid) {
        def.name = entry->rec.name;
        def.memoryKiB = MAX(entry->rec.memoryKiB, 1);
        def.vcpus = MAX(entry->rec.vcpus, 1);
        /* the failed host is offline: placement never picks it */
        to = shoalClusterPlace(cluster, &def, NULL, entry->rec.uuid, avoid,
                               NULL);
        if (to)
            return to;
    }
    return shoalClusterPickDestination(cluster, entry, error);
}

/*
 * One wave of domains, in priority order: each gets its destination from
 * placement (consecutive ones on different hosts where there is room,
 * since placement cannot see the starts still to come), then the
 * executor runs them together, within its migration limits.
 */
static void
haRestartWave(shoalCluster *cluster,
              shoalClusterHa *ha,
              GPtrArray *ins,
              GPtrArray *ds)
{
    g_autoptr(shoalExecBatch) batch = NULL;
    g_autoptr(GPtrArray) tos = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) queued = g_array_new(FALSE, FALSE, sizeof(guint));
    gint64 nowMs = g_get_monotonic_time() / 1000;
    shoalClusterStepCtx ctx;
    const char *prev = NULL;
    guint i;

    shoalClusterStepCtxInit(&ctx, cluster);
    batch = shoalExecBatchNew(cluster->exec, &ha->ops, &ctx, false);
    for (i = 0; i < ins->len; i++) {
        const haInput *in = ins->pdata[i];
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalHost) to = haPick(cluster, in->entry, prev, &error);
        g_autofree char *reason = NULL;

        if (!to) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_DOMAIN(in->dom.name), "MESSAGE",
                             "HA restart of '%s': no host can take it: %s",
                             in->dom.name, error->message);
            haNote(ha, in, ds->pdata[i], "waiting", NULL, error, true, nowMs);
            g_ptr_array_add(tos, NULL);
            continue;
        }
        g_ptr_array_add(tos, g_strdup(to->name));
        prev = tos->pdata[i];
        haNote(ha, in, ds->pdata[i], "trying", to->name, NULL, false, nowMs);
        reason = g_strdup_printf("HA restart: host '%s' failed",
                                 in->entry->hostName);
        shoalExecBatchAdd(batch,
                          shoalExecStepNew(SHOAL_SCHED_ACTION_MIGRATE,
                                           in->entry->rec.uuid, in->dom.name,
                                           in->entry->hostName, to->name,
                                           reason));
        g_array_append_val(queued, i);
    }
    shoalExecBatchWait(batch);
    nowMs = g_get_monotonic_time() / 1000;
    for (i = 0; i < queued->len; i++) {
        guint k = g_array_index(queued, guint, i);
        const haInput *in = ins->pdata[k];
        const GError *error = shoalExecBatchGetError(batch, i);

        if (!error) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                             SHOAL_LOG_DOMAIN(in->dom.name),
                             SHOAL_LOG_HOST((const char *) tos->pdata[k]),
                             "MESSAGE",
                             "HA restart: domain '%s' of failed host '%s' started on '%s'",
                             in->dom.name, in->entry->hostName,
                             (const char *) tos->pdata[k]);
            haNote(ha, in, ds->pdata[k], "restarted", tos->pdata[k], NULL, true,
                   nowMs);
        } else {
            /* the executor logged the failure */
            haNote(ha, in, ds->pdata[k], "waiting", tos->pdata[k], error, true,
                   nowMs);
        }
    }
}

/* A failed host is back: what waited for it is moot. Call with the
 * lock held. */
static void
haForgetHostLocked(shoalClusterHa *ha, const char *hostName)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_remove(ha->failed, hostName);
    g_hash_table_iter_init(&iter, ha->entries);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const haEntry *e = value;

        if (g_strcmp0(e->from, hostName) == 0 &&
            g_strcmp0(e->status, "restarted") != 0)
            g_hash_table_iter_remove(&iter);
    }
}

/* Which hosts have failed now; logs each change once. (transfer full) */
static GPtrArray *
haFindFailed(shoalCluster *cluster, shoalClusterHa *ha, gint64 nowMs)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autofree char *why = haDisabledReason(ha);
    GPtrArray *failed = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalSchedHaHost h = { host->name, false, false, 0 };
        shoalHostStatus status;
        bool isFailed;
        bool was;

        shoalHostGetStatus(host, &status);
        h.online = status.state == SHOAL_HOST_STATE_ONLINE;
        /* a host in standby was powered off on purpose, like one in
         * maintenance: not failed, and none of its domains runs */
        h.maintenance = status.maintenance ||
                        shoalClusterPowerInStandby(cluster, host->name);
        h.lostMs = status.lostUs / 1000;
        shoalHostStatusClear(&status);
        isFailed = shoalSchedHaHostFailed(&h, &ha->config, nowMs);
        if (isFailed)
            g_ptr_array_add(failed, g_strdup(host->name));
        g_mutex_lock(&ha->lock);
        was = g_hash_table_contains(ha->failed, host->name);
        if (isFailed && !was)
            g_hash_table_add(ha->failed, g_strdup(host->name));
        else if (was && h.online)
            haForgetHostLocked(ha, host->name);
        g_mutex_unlock(&ha->lock);
        if (isFailed && !was)
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                             SHOAL_LOG_HOST(host->name), "MESSAGE",
                             "host '%s' failed: no answer for %u s%s%s",
                             host->name, ha->config.failureTimeoutMs / 1000,
                             why ? "; HA restart is off: " : "",
                             why ? why : "");
        else if (was && h.online)
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                             SHOAL_LOG_HOST(host->name), "MESSAGE",
                             "failed host '%s' is back", host->name);
    }
    return failed;
}

static bool
haStopping(shoalClusterHa *ha)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ha->lock);

    return ha->stopping;
}

/* The HA thread: one round over the failed hosts. */
static void
haRound(gpointer data, gpointer opaque)
{
    shoalCluster *cluster = opaque;
    shoalClusterHa *ha = cluster->ha;
    gint64 nowMs = g_get_monotonic_time() / 1000;
    g_autoptr(GPtrArray) failed = haFindFailed(cluster, ha, nowMs);
    g_autofree char *why = haDisabledReason(ha);
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryEntryFree);
    g_autoptr(GArray) doms =
        g_array_new(FALSE, TRUE, sizeof(shoalSchedHaDomain));
    g_autoptr(GArray) decisions = NULL;
    g_autofree haInput *in = NULL;
    /* restarts in waves as wide as the executor lets one source go */
    guint waveMax = MAX(cluster->config.migrateMaxPerSource, 1);
    g_autoptr(GPtrArray) waveIn = g_ptr_array_new();
    g_autoptr(GPtrArray) waveD = g_ptr_array_new();
    guint n = 0;
    guint i;

    for (i = 0; !why && i < failed->len; i++)
        g_ptr_array_extend_and_steal(entries,
                                     shoalInventoryListHost(cluster->inventory,
                                                            failed->pdata[i]));
    in = g_new0(haInput, entries->len + 1);
    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *entry = entries->pdata[i];

        /* the host answered since, or the copy it has is elsewhere */
        if (entry->reachable)
            continue;
        haInputFill(cluster, ha, entry, &in[n]);
        g_array_append_val(doms, in[n].dom);
        n++;
    }
    decisions = shoalSchedHaDecide((const shoalSchedHaDomain *) doms->data, n,
                                   &ha->config, nowMs);
    for (i = 0; i < decisions->len && !haStopping(ha); i++) {
        const shoalSchedHaDecision *d =
            &g_array_index(decisions, shoalSchedHaDecision, i);
        const haInput *one =
            &in[d->domain - (const shoalSchedHaDomain *) doms->data];

        switch (d->reason) {
        case SHOAL_SCHED_HA_REASON_NONE:
            g_ptr_array_add(waveIn, (gpointer) one);
            g_ptr_array_add(waveD, (gpointer) d);
            if (waveIn->len >= waveMax) {
                haRestartWave(cluster, ha, waveIn, waveD);
                g_ptr_array_set_size(waveIn, 0);
                g_ptr_array_set_size(waveD, 0);
            }
            break;
        case SHOAL_SCHED_HA_REASON_BACKOFF:
            haNote(ha, one, d, "waiting", NULL, NULL, false, nowMs);
            break;
        case SHOAL_SCHED_HA_REASON_GAVE_UP:
            haNote(ha, one, d, "gave-up", NULL, NULL, false, nowMs);
            break;
        case SHOAL_SCHED_HA_REASON_NOT_RUNNING:
            /* shut off before the failure: nothing to restart or report */
            break;
        case SHOAL_SCHED_HA_REASON_NOT_MARKED:
        case SHOAL_SCHED_HA_REASON_TRANSIENT:
        case SHOAL_SCHED_HA_REASON_NO_LEASE:
        case SHOAL_SCHED_HA_REASON_LAST:
        default:
            haNote(ha, one, d, "skipped", NULL, NULL, false, nowMs);
            break;
        }
    }
    if (waveIn->len > 0 && !haStopping(ha))
        haRestartWave(cluster, ha, waveIn, waveD);
    for (i = 0; i < n; i++)
        g_free(in[i].uuid);
    g_mutex_lock(&ha->lock);
    ha->busy = false;
    g_mutex_unlock(&ha->lock);
}

/* Main thread timer: a round, unless one still runs. */
static gboolean
haTick(gpointer opaque)
{
    shoalCluster *cluster = opaque;
    shoalClusterHa *ha = cluster->ha;
    bool start;

    g_mutex_lock(&ha->lock);
    start = !ha->busy && !ha->stopping;
    if (start)
        ha->busy = true;
    g_mutex_unlock(&ha->lock);
    if (start)
        g_thread_pool_push(ha->pool, GINT_TO_POINTER(1), NULL);
    return G_SOURCE_CONTINUE;
}

/**
 * shoalClusterHaStart:
 *
 * Main thread, from shoalClusterStart(): says whether HA restart is on,
 * and why not, then watches the hosts.
 */
void
shoalClusterHaStart(shoalCluster *cluster)
{
    shoalClusterHa *ha = cluster->ha;
    g_autofree char *why = haDisabledReason(ha);
    g_autoptr(GSource) source = NULL;

    if (why)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                         "HA restart is off: %s", why);
    else
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                         "HA restart is on: hosts hold disk leases (%s), a host failed after %u s",
                         ha->leases, ha->config.failureTimeoutMs / 1000);
    /* the cluster's own step functions, but the move is a restart, and
     * its source does not answer (stepCheck wants it reachable) */
    ha->ops = *shoalClusterStepOps();
    ha->ops.check = NULL;
    ha->ops.migrate = haStepRestart;
    /* a restart is not a migration a successor could follow */
    ha->ops.recordMigration = NULL;
    ha->ops.forgetMigration = NULL;
    ha->pool = g_thread_pool_new(haRound, cluster, 1, FALSE, NULL);
    source = g_timeout_source_new(HA_TICK_MS);
    g_source_set_callback(source, haTick, cluster, NULL);
    ha->source = g_source_attach(source, cluster->context);
}

/* Main thread: stops the timer and waits for a round in progress. */
void
shoalClusterHaStop(shoalCluster *cluster)
{
    shoalClusterHa *ha = cluster->ha;

    if (ha->source) {
        GSource *s =
            g_main_context_find_source_by_id(cluster->context, ha->source);

        if (s)
            g_source_destroy(s);
        ha->source = 0;
    }
    g_mutex_lock(&ha->lock);
    ha->stopping = true;
    g_mutex_unlock(&ha->lock);
    if (ha->pool) {
        g_thread_pool_free(ha->pool, FALSE, TRUE);
        ha->pool = NULL;
    }
}

static gint
haRecordCompare(gconstpointer a, gconstpointer b)
{
    const shoalClusterHaRecord *x = *(shoalClusterHaRecord *const *) a;
    const shoalClusterHaRecord *y = *(shoalClusterHaRecord *const *) b;

    if (x->timeUs != y->timeUs)
        return x->timeUs < y->timeUs ? -1 : 1;
    return g_strcmp0(x->domain, y->domain);
}

/**
 * shoalClusterGetHaStatus:
 *
 * Any thread. Returns: (transfer full): whether HA restart is on, the
 * failed hosts, and what happened to each of their domains.
 */
shoalClusterHaStatus *
shoalClusterGetHaStatus(shoalCluster *cluster)
{
    shoalClusterHa *ha = cluster->ha;
    shoalClusterHaStatus *status = g_new0(shoalClusterHaStatus, 1);
    g_autoptr(GStrvBuilder) failed = g_strv_builder_new();
    gint64 nowMs = g_get_monotonic_time() / 1000;
    GHashTableIter iter;
    gpointer key;
    gpointer value;

    status->disabledReason = haDisabledReason(ha);
    status->enabled = !status->disabledReason;
    status->leases = g_strdup(ha->leases);
    status->failureTimeoutS = ha->config.failureTimeoutMs / 1000;
    status->records = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalClusterHaRecordFree);
    g_mutex_lock(&ha->lock);
    g_hash_table_iter_init(&iter, ha->failed);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_strv_builder_add(failed, key);
    g_hash_table_iter_init(&iter, ha->entries);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const haEntry *e = value;
        shoalClusterHaRecord *rec = g_new0(shoalClusterHaRecord, 1);

        rec->domain = g_strdup(e->name);
        rec->uuid = g_strdup(key);
        rec->from = g_strdup(e->from);
        rec->to = g_strdup(e->to);
        rec->status = e->status;
        if (e->reason != SHOAL_SCHED_HA_REASON_NONE)
            rec->reason = shoalSchedHaReasonToString(e->reason);
        rec->error = g_strdup(e->error);
        rec->attempts = e->attempts;
        rec->priority = e->priority;
        rec->timeUs = e->timeUs;
        if (g_str_equal(e->status, "waiting") && e->nextTryMs > nowMs)
            rec->nextTryInMs = e->nextTryMs - nowMs;
        g_ptr_array_add(status->records, rec);
    }
    g_mutex_unlock(&ha->lock);
    g_ptr_array_sort(status->records, haRecordCompare);
    status->failedHosts = g_strv_builder_end(failed);
    return status;
}

/**
 * shoalClusterCheckHosts:
 * @name: (nullable): one host, or every member
 *
 * What each host is configured for as HA sees it. A host's lock manager
 * is not visible through libvirt's remote API (neither capabilities nor
 * domain XML name it), so the leases shown are the ones the configuration
 * declares, or unknown.
 *
 * Returns: (transfer full): shoalClusterHostCheck, by name.
 */
GPtrArray *
shoalClusterCheckHosts(shoalCluster *cluster, const char *name, GError **error)
{
    shoalClusterHa *ha = cluster->ha;
    g_autoptr(GPtrArray) hosts = NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalClusterHostCheckFree);
    gint64 nowMs = g_get_monotonic_time() / 1000;
    guint i;

    if (name) {
        shoalHost *host = shoalClusterLookupHost(cluster, name, error);

        if (!host) {
            g_ptr_array_unref(out);
            return NULL;
        }
        hosts = g_ptr_array_new_with_free_func((GDestroyNotify) shoalHostUnref);
        g_ptr_array_add(hosts, host);
    } else {
        hosts = shoalClusterListHosts(cluster);
    }
    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalClusterHostCheck *check = g_new0(shoalClusterHostCheck, 1);
        shoalSchedHaHost h = { host->name, false, false, 0 };
        shoalHostStatus status;

        check->name = g_strdup(host->name);
        shoalHostGetStatus(host, &status);
        check->state = shoalHostStateToString(status.state);
        h.online = status.state == SHOAL_HOST_STATE_ONLINE;
        check->maintenance = status.maintenance;
        /* standby: powered off on purpose, not failed (haFindFailed()) */
        h.maintenance = status.maintenance ||
                        shoalClusterPowerInStandby(cluster, host->name);
        h.lostMs = status.lostUs / 1000;
        shoalHostStatusClear(&status);
        check->leases = g_strdup(ha->leases);
        check->failed = shoalSchedHaHostFailed(&h, &ha->config, nowMs);
        if (!h.online && h.lostMs > 0)
            check->downMs = nowMs - h.lostMs;
        g_ptr_array_add(out, check);
    }
    return out;
}
