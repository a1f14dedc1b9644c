/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduler's place in the cluster: a snapshot of the live cluster
 * goes to sched's planner, the plan comes back as data, and in automatic
 * mode its steps go to the executor, one round per statistics interval.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_numapin.h"
#include "cluster_objectneeds.h"
#include "cluster_placementcache.h"
#include "cluster_snapshotpins.h"
#include "sched.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

/* Saved round inputs: a few MiB each on a big cluster. */
#define SCHEDULER_SAVED_INPUTS_MAX 10000

static gint64
schedulerNowMs(void)
{
    return g_get_monotonic_time() / 1000;
}

static void
schedulerAddNodes(shoalCluster *cluster, shoalSchedSnapshot *snap)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalSchedNode *node = shoalSchedNodeNew(host->name);
        g_auto(shoalHostStatus) status = { 0 };

        /* configured capacity models bigger or smaller hosts */
        shoalHostGetStatus(host, &status);
        node->online =
            status.state == SHOAL_HOST_STATE_ONLINE && status.hasFacts;
        node->maintenance = status.maintenance;
        node->cpus = status.cpus;
        node->memoryKiB = status.memoryKiB;
        g_array_unref(node->samples);
        node->samples = shoalStatsHostSamples(cluster->stats, host->name);
        shoalClusterPowerFillNode(cluster, node);
        node->cells = shoalClusterNumaSchedCells(cluster, host->name);
        g_ptr_array_add(snap->nodes, node);
    }
}

static void
schedulerAddDomains(shoalCluster *cluster, shoalSchedSnapshot *snap)
{
    shoalPlacementCache *placement =
        shoalSchedStateGetPlacementCache(cluster->sched);
    g_autoptr(GPtrArray) entries = shoalInventoryListAll(cluster->inventory);
    g_autoptr(GPtrArray) stats = shoalStatsListDomains(cluster->stats);
    g_autoptr(GHashTable) byUUID =
        g_hash_table_new(g_bytes_hash, g_bytes_equal);
    g_autoptr(GPtrArray) keys =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    g_autoptr(shoalNeedsPools) pools = NULL;
    guint i;
    guint j;

    for (i = 0; i < stats->len; i++) {
        shoalStatsDomain *sd = stats->pdata[i];
        GBytes *key = g_bytes_new(sd->uuid, VIR_UUID_BUFLEN);

        g_ptr_array_add(keys, key);
        g_hash_table_insert(byUUID, key, sd);
    }
    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *e = entries->pdata[i];
        g_autoptr(GBytes) key = g_bytes_new(e->rec.uuid, VIR_UUID_BUFLEN);
        shoalStatsDomain *sd = g_hash_table_lookup(byUUID, key);
        shoalSchedDomain *dom = shoalSchedDomainNew(e->rec.name);
        char uuid[SHOAL_UUID_STRING_BUFLEN];

        shoalUUIDFormat(e->rec.uuid, uuid);
        dom->uuid = g_strdup(uuid);
        dom->host = g_strdup(e->hostName);
        dom->running = e->id > 0;
        dom->migrating = shoalExecIsMigrating(cluster->exec, e->rec.uuid);
        dom->vcpus = MAX(e->rec.vcpus, 1);
        dom->maxVcpus = dom->vcpus;
        dom->memoryKiB = MAX(e->rec.memoryKiB, 1);
        if (sd) {
            dom->maxVcpus = MAX(sd->maxVcpus, dom->vcpus);
            dom->balloonKiB = sd->balloonKiB;
            dom->memoryPressure = sd->memoryPressure;
            dom->virtioMemMaxKiB = sd->virtioMemMaxKiB;
            dom->virtioMemBlockKiB = sd->virtioMemBlockKiB;
            dom->virtioMemRequestedKiB = sd->virtioMemRequestedKiB;
            dom->virtioMemPluggedKiB = sd->virtioMemPluggedKiB;
            for (j = 0; j < sd->samples->len; j++) {
                const shoalStatsSample *s =
                    &g_array_index(sd->samples, shoalStatsSample, j);
                shoalSchedSample out = { s->cpuCores, s->vcpuBusy, s->vcpuDelay,
                                         s->memoryUsed };

                g_array_append_val(dom->samples, out);
            }
        }
        shoalSchedStateFillDomain(cluster->sched, e->rec.uuid, dom);
        /* only a running domain is ever planned to move */
        if (dom->running && !dom->migrating)
            dom->unmovable = shoalClusterSnapshotPinReason(cluster, e->rec.uuid,
                                                           e->hostName);
        if (cluster->store) {
            g_autoptr(shoalDomainNeeds) needs = NULL;

            shoalPlacementCacheFill(placement, cluster->store, e->rec.uuid, dom,
                                    &needs);
            if (needs && !pools)
                pools = shoalNeedsPoolsNew(cluster);
            if (needs)
                shoalNeedsResolve(pools, needs, &dom->requires);
        }
        g_ptr_array_add(snap->domains, dom);
    }
    shoalPlacementCacheSweep(placement);
    shoalSnapshotPinsSweep(cluster->snapshotPins);
    shoalSchedStateFillRecentMoves(cluster->sched, snap);
}

/**
 * shoalClusterSnapshot:
 *
 * The live cluster as sched sees it: hosts, domains with their
 * statistics and metadata, migrations in flight, recent moves, now.
 * Returns: (transfer full): a new, published snapshot. Any thread.
 */
shoalSchedSnapshot *
shoalClusterSnapshot(shoalCluster *cluster)
{
    shoalSchedSnapshot *snap = shoalSchedSnapshotNew();
    g_autoptr(GPtrArray) migrations = shoalExecList(cluster->exec, false);
    guint i;

    snap->nowMs = schedulerNowMs();
    snap->intervalMs = cluster->config.statsIntervalMs;
    schedulerAddNodes(cluster, snap);
    schedulerAddDomains(cluster, snap);
    shoalClusterFillHostObjects(cluster, snap, NULL);
    for (i = 0; i < migrations->len; i++) {
        const shoalMigrationInfo *m = migrations->pdata[i];

        if (m->state <= SHOAL_MIGRATION_RUNNING)
            g_ptr_array_add(snap->migrations,
                            shoalSchedMigrationNew(m->domain, m->from, m->to));
    }
    return snap;
}

/* Remembers a move or resize: the planner rests domains that just moved,
 * and counts moves against the hourly budget. Any thread. */
void
shoalClusterNoteChange(shoalCluster *cluster,
                       const unsigned char *uuid,
                       bool moved)
{
    shoalSchedStateNoteChange(cluster->sched, uuid, moved, schedulerNowMs());
}

/* Remembers that the guest of @uuid did not carry out a resize: the
 * planner's refused hold. Any thread. */
void
shoalClusterNoteRefused(shoalCluster *cluster, const unsigned char *uuid)
{
    shoalSchedStateNoteRefused(cluster->sched, uuid, schedulerNowMs());
}

/* Queues the plan's automatic steps, in order, and waits for them. A
 * stale step fails its preconditions in the executor and is dropped;
 * the executor logs each failure. Returns: how many failed. */
static unsigned
schedulerExecute(shoalCluster *cluster,
                 const shoalSchedPlan *plan,
                 const shoalSchedConfig *config)
{
    shoalClusterStepCtx ctx;
    g_autoptr(shoalExecBatch) batch = NULL;
    g_autoptr(GPtrArray) power = g_ptr_array_new();
    unsigned failures = 0;
    guint i;

    if (config->mode != SHOAL_SCHED_MODE_AUTOMATIC)
        return 0;
    shoalClusterStepCtxInit(&ctx, cluster);
    batch = shoalExecBatchNew(cluster->exec, shoalClusterStepOps(), &ctx, true);
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = plan->steps->pdata[i];
        g_autoptr(shoalInventoryEntry) entry = NULL;

        if (step->mode != SHOAL_SCHED_MODE_AUTOMATIC)
            continue;
        /* power steps name a host, not a domain; a power-off needs
         * the migrations that empty its host done */
        if (!step->domain) {
            g_ptr_array_add(power, (gpointer) step);
            continue;
        }
        /* gone since the snapshot: as stale as a step gets; it never
         * reaches the executor, which logs the others */
        if (!(entry = shoalInventoryLookupByName(cluster->inventory,
                                                 step->domain, NULL))) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                             "%s of '%s' dropped: the domain no longer exists",
                             shoalSchedActionToString(step->action),
                             step->domain);
            failures++;
            continue;
        }
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                         "plan step: %s '%s': %s",
                         shoalSchedActionToString(step->action), step->domain,
                         step->reason);
        shoalExecBatchAdd(batch,
                          shoalExecStepNewFromPlan(step, entry->rec.uuid));
    }
    failures += shoalExecBatchWait(batch);
    for (i = 0; i < power->len; i++)
        failures += shoalClusterPowerRunStep(cluster, power->pdata[i]);
    return failures;
}

/* Saves the round's input; a failure to is only logged. */
static char *
schedulerSaveInput(shoalCluster *cluster,
                   const shoalSchedSnapshot *snap,
                   const shoalSchedConfig *config)
{
    g_autoptr(GError) error = NULL;
    char *saved =
        shoalSchedStateSaveInput(cluster->sched, snap, config, &error);

    if (error)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "cannot save the scheduler's input: %s",
                         error->message);
    return saved;
}

/*
 * One round. A requested round saves its input always; a periodic one
 * when it plans steps or fails, and a quiet one only now and then
 * (shoalSchedStateQuietInputDue()).
 */
static shoalSchedPlan *
schedulerRebalance(shoalCluster *cluster,
                   bool execute,
                   bool periodic,
                   unsigned *failed,
                   GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);
    g_autoptr(shoalSchedConfig) config = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autofree char *saved = NULL;
    unsigned failures = 0;
    bool tried;

    config = shoalSchedStateGetConfig(cluster->sched);
    /* the input first: a round that fails is worth replaying too */
    tried =
        !periodic || shoalSchedStateQuietInputDue(cluster->sched, snap->nowMs);
    if (tried)
        saved = schedulerSaveInput(cluster, snap, config);
    plan = shoalSchedPlanCompute(snap, config, error);
    if (!tried && (!plan || plan->steps->len > 0))
        saved = schedulerSaveInput(cluster, snap, config);
    if (!plan) {
        shoalClusterSchedErrorConvert(error);
        return NULL;
    }
    shoalSchedStateSetPlan(cluster->sched, plan);
    if (saved && plan->steps->len > 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                         "scheduler round of %u steps, input saved in %s",
                         plan->steps->len, saved);
    if (execute)
        failures = schedulerExecute(cluster, plan, config);
    /* elastic groups: their own decisions, on the same snapshot; like any
     * step, only in automatic mode */
    if (execute && periodic && config->mode == SHOAL_SCHED_MODE_AUTOMATIC)
        shoalClusterGroupRound(cluster, snap, config);
    if (failed)
        *failed = failures;
    return g_steal_pointer(&plan);
}

/**
 * shoalClusterRebalance:
 * @execute: carry out the steps whose mode is automatic
 * @failed: (out) (optional): how many steps failed
 *
 * One round: snapshot, plan, and (in automatic mode) execution. The plan
 * is kept for shoalClusterGetPlan(), the input saved. Worker thread.
 * Returns: (transfer full): the plan.
 */
shoalSchedPlan *
shoalClusterRebalance(shoalCluster *cluster,
                      bool execute,
                      unsigned *failed,
                      GError **error)
{
    return schedulerRebalance(cluster, execute, false, failed, error);
}

/**
 * shoalClusterGetPlan:
 * Returns: (transfer full) (nullable): the plan of the last round.
 */
shoalSchedPlan *
shoalClusterGetPlan(shoalCluster *cluster)
{
    return shoalSchedStateGetPlan(cluster->sched);
}

/**
 * shoalClusterLoadSchedConfig:
 *
 * Main thread: reads the [scheduler] group of the configuration.
 */
bool
shoalClusterLoadSchedConfig(shoalCluster *cluster, GKeyFile *kf, GError **error)
{
    g_autoptr(shoalSchedConfig) config = NULL;
    g_autoptr(GError) err = NULL;
    gint64 keep;

    config = shoalSchedConfigLoad(kf, "scheduler", error);
    if (!config) {
        shoalClusterSchedErrorConvert(error);
        return false;
    }
    /* the daemon's own key in the group: sched never sees files */
    keep = g_key_file_get_int64(kf, "scheduler", "saved_inputs", &err);
    if (err &&
        !g_error_matches(err, G_KEY_FILE_ERROR,
                         G_KEY_FILE_ERROR_KEY_NOT_FOUND) &&
        !g_error_matches(err, G_KEY_FILE_ERROR,
                         G_KEY_FILE_ERROR_GROUP_NOT_FOUND)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [scheduler] saved_inputs: %1$s"),
                    err->message);
        return false;
    }
    if (err)
        keep = SHOAL_SCHED_STATE_SAVED_INPUTS;
    if (keep < 0 || keep > SCHEDULER_SAVED_INPUTS_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [scheduler] saved_inputs must be between 0 and %1$d"),
                    SCHEDULER_SAVED_INPUTS_MAX);
        return false;
    }
    shoalSchedStateSetInputKeep(cluster->sched, keep);
    /* placement's hard limits are the cluster's */
    config->memoryOvercommit = cluster->config.memoryOvercommit;
    config->vcpuRatio = cluster->config.vcpuRatio;
    shoalClusterSetSchedConfig(cluster, config);
    return true;
}

/* Main thread: replaces the scheduler's configuration. */
void
shoalClusterSetSchedConfig(shoalCluster *cluster, shoalSchedConfig *config)
{
    shoalSchedStateSetConfig(cluster->sched, config);
}

/* The scheduler's thread: one round. The executor logged each failed
 * step; a round that cannot plan is logged here. */
static void
schedulerRound(gpointer opaque)
{
    shoalCluster *cluster = opaque;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;

    plan = schedulerRebalance(cluster, true, true, NULL, &error);
    if (!plan)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "scheduler round failed: %s", error->message);
}

/*
 * Main thread timer: one round, unless the last one still runs or the
 * start's first reads do (a plan of a half-read cluster is wrong, and its
 * snapshot of 16 000 domains slowed their reads).
 */
gboolean
shoalClusterSchedulerTick(gpointer opaque)
{
    shoalCluster *cluster = opaque;

    if (shoalHostListFirstReadsRunning(cluster->hostList))
        return G_SOURCE_CONTINUE;
    shoalSchedStateTick(cluster->sched);
    return G_SOURCE_CONTINUE;
}

void
shoalClusterSchedulerInit(shoalCluster *cluster)
{
    cluster->sched = shoalSchedStateNew(schedulerRound, cluster);
    cluster->power = shoalClusterPowerNew();
    cluster->snapshotPins = shoalSnapshotPinsNew();
    cluster->groups = shoalGroupStateNew();
}

/* Waits for a round in progress. */
void
shoalClusterSchedulerStop(shoalCluster *cluster)
{
    /* a power-on waiting for its host gives up */
    shoalClusterPowerStop(cluster->power);
    shoalSchedStateStop(cluster->sched);
}

void
shoalClusterSchedulerClear(shoalCluster *cluster)
{
    g_clear_pointer(&cluster->sched, shoalSchedStateFree);
    g_clear_pointer(&cluster->snapshotPins, shoalSnapshotPinsFree);
    /* a cluster never started was not stopped: no waker may be left */
    if (cluster->power)
        shoalClusterPowerStop(cluster->power);
    g_clear_pointer(&cluster->power, shoalClusterPowerFree);
    g_clear_pointer(&cluster->groups, shoalGroupStateFree);
}

/**
 * shoalClusterSetSchedInputDir:
 * @dir: (nullable): where each scheduler round's input is saved
 *
 * Main thread, before start. The count kept is [scheduler] saved_inputs.
 */
void
shoalClusterSetSchedInputDir(shoalCluster *cluster, const char *dir)
{
    shoalSchedStateSetInputDir(cluster->sched, dir);
}
