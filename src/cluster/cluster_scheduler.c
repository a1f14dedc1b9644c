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
#include "cluster_metadata.h"
#include "sched.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

/* Moves of the last hour are what the hourly budget counts. */
#define SCHEDULER_HOUR_MS (3600 * 1000)

static gint64
schedulerNowMs(void)
{
    return g_get_monotonic_time() / 1000;
}

/* What placement metadata says of a stored domain. */
static void
schedulerReadMetadata(shoalCluster *cluster,
                      const unsigned char *uuid,
                      shoalSchedDomain *dom)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(GError) error = NULL;

    if (!cluster->store || !(sd = shoalStoreLookup(cluster->store, uuid, NULL)))
        return;
    if (!(meta = shoalPlacementMetadataParse(sd->xml, &error))) {
        /* an unknown mode: leave the domain alone rather than guess */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_DOMAIN(sd->name), "MESSAGE",
                         "placement metadata of '%s' ignored: %s", sd->name,
                         error->message);
        dom->mode = g_strdup("off");
        return;
    }
    dom->mode = g_strdup(meta->mode);
    dom->affinity = g_strdupv(meta->affinity);
    dom->antiAffinity = g_strdupv(meta->antiAffinity);
    dom->pinned =
        meta->pinned && meta->pinned[0] ? g_strdupv(meta->pinned) : NULL;
}

static void
schedulerAddNodes(shoalCluster *cluster, shoalSchedSnapshot *snap)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalSchedNode *node = shoalSchedNodeNew(host->name);

        g_mutex_lock(&host->lock);
        node->online = host->state == SHOAL_HOST_STATE_ONLINE && host->facts;
        node->maintenance = host->maintenance;
        if (host->facts) {
            node->cpus = host->facts->nodeInfo.cpus;
            node->memoryKiB = host->facts->nodeInfo.memory;
        }
        /* configured capacity models bigger or smaller hosts */
        if (host->capacityCpus)
            node->cpus = host->capacityCpus;
        if (host->capacityMemoryKiB)
            node->memoryKiB = host->capacityMemoryKiB;
        g_mutex_unlock(&host->lock);
        g_array_unref(node->samples);
        node->samples = shoalStatsHostSamples(cluster->stats, host->name);
        g_ptr_array_add(snap->nodes, node);
    }
}

static void
schedulerAddDomains(shoalCluster *cluster, shoalSchedSnapshot *snap)
{
    g_autoptr(GPtrArray) entries = shoalInventoryListAll(cluster->inventory);
    g_autoptr(GPtrArray) stats = shoalStatsListDomains(cluster->stats);
    g_autoptr(GHashTable) byUUID =
        g_hash_table_new(g_bytes_hash, g_bytes_equal);
    g_autoptr(GPtrArray) keys =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    guint i;
    guint j;

    for (i = 0; i < stats->len; i++) {
        shoalStatsDomain *sd = stats->pdata[i];
        GBytes *key = g_bytes_new(sd->uuid, VIR_UUID_BUFLEN);

        g_ptr_array_add(keys, key);
        g_hash_table_insert(byUUID, key, sd);
    }
    g_mutex_lock(&cluster->schedLock);
    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *e = entries->pdata[i];
        g_autoptr(GBytes) key = g_bytes_new(e->rec.uuid, VIR_UUID_BUFLEN);
        shoalStatsDomain *sd = g_hash_table_lookup(byUUID, key);
        shoalSchedDomain *dom = shoalSchedDomainNew(e->rec.name);
        char uuid[SHOAL_UUID_STRING_BUFLEN];
        gpointer when;

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
            for (j = 0; j < sd->samples->len; j++) {
                const shoalStatsSample *s =
                    &g_array_index(sd->samples, shoalStatsSample, j);
                shoalSchedSample out = { s->cpuCores, s->vcpuBusy,
                                         s->vcpuDelay };

                g_array_append_val(dom->samples, out);
            }
        }
        if ((when = g_hash_table_lookup(cluster->schedLastMove, key)))
            dom->lastMoveMs = *(gint64 *) when;
        if ((when = g_hash_table_lookup(cluster->schedLastResize, key)))
            dom->lastResizeMs = *(gint64 *) when;
        schedulerReadMetadata(cluster, e->rec.uuid, dom);
        g_ptr_array_add(snap->domains, dom);
    }
    for (i = 0; i < cluster->schedMoves->len; i++) {
        gint64 at = g_array_index(cluster->schedMoves, gint64, i);

        if (snap->nowMs - at < SCHEDULER_HOUR_MS)
            g_array_append_val(snap->recentMovesMs, at);
    }
    g_mutex_unlock(&cluster->schedLock);
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
    g_autoptr(GPtrArray) migrations = shoalExecList(cluster->exec);
    guint i;

    snap->nowMs = schedulerNowMs();
    snap->intervalMs = cluster->config.statsIntervalMs;
    schedulerAddNodes(cluster, snap);
    schedulerAddDomains(cluster, snap);
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
    gint64 now = schedulerNowMs();
    GHashTable *table;
    guint i;

    g_mutex_lock(&cluster->schedLock);
    table = moved ? cluster->schedLastMove : cluster->schedLastResize;
    g_hash_table_insert(table, g_bytes_new(uuid, VIR_UUID_BUFLEN),
                        g_memdup2(&now, sizeof(now)));
    if (moved) {
        g_array_append_val(cluster->schedMoves, now);
        for (i = 0; i < cluster->schedMoves->len; i++) {
            if (now - g_array_index(cluster->schedMoves, gint64, i) <
                SCHEDULER_HOUR_MS)
                break;
        }
        g_array_remove_range(cluster->schedMoves, 0, i);
    }
    g_mutex_unlock(&cluster->schedLock);
}

/* Carries out one step; a stale one fails its re-check and is dropped. */
static bool
schedulerRunStep(shoalCluster *cluster,
                 const shoalSchedStep *step,
                 GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    shoalExecStep exec = { 0 };
    unsigned char uuid[VIR_UUID_BUFLEN];
    bool ok;

    if (!(entry = shoalInventoryLookupByName(cluster->inventory, step->domain,
                                             error)))
        return false;
    memcpy(uuid, entry->rec.uuid, VIR_UUID_BUFLEN);
    switch (step->action) {
    case SHOAL_SCHED_ACTION_MIGRATE:
        memcpy(exec.uuid, uuid, VIR_UUID_BUFLEN);
        exec.domain = g_strdup(step->domain);
        exec.from = g_strdup(step->from);
        exec.to = g_strdup(step->to);
        exec.reason = g_strdup(step->reason);
        exec.memoryKiB = step->memoryKiB;
        ok = shoalClusterMigrateStep(cluster, &exec, NULL,
                                     VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER |
                                         cluster->config.migrateExtraFlags,
                                     error);
        shoalExecStepClear(&exec);
        return ok;
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        if (entry->id <= 0 || entry->rec.vcpus + 1 != step->value) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                        _("Requested operation is not valid: domain '%1$s' changed since the plan"),
                        step->domain);
            return false;
        }
        /* hot-add, and keep it in the definition */
        ok = shoalClusterDomainApply(cluster, uuid, SHOAL_DOMAIN_OP_SET_VCPUS,
                                     step->value, VIR_DOMAIN_AFFECT_LIVE,
                                     error) &&
             shoalClusterDomainApply(cluster, uuid, SHOAL_DOMAIN_OP_SET_VCPUS,
                                     step->value, VIR_DOMAIN_AFFECT_CONFIG,
                                     error);
        shoalClusterNoteChange(cluster, uuid, false);
        return ok;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
        ok =
            shoalClusterDomainApply(cluster, uuid, SHOAL_DOMAIN_OP_SET_MEMORY,
                                    step->value, VIR_DOMAIN_AFFECT_LIVE, error);
        shoalClusterNoteChange(cluster, uuid, false);
        return ok;
    case SHOAL_SCHED_ACTION_LAST:
        break;
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                _("internal error: unknown plan step"));
    return false;
}

/**
 * shoalClusterRebalance:
 * @execute: carry out the steps whose mode is automatic
 * @failed: (out) (optional): how many steps failed
 *
 * One round: snapshot, plan, and (in automatic mode) execution. The plan
 * is kept for shoalClusterGetPlan(). Worker thread.
 * Returns: (transfer full): the plan.
 */
shoalSchedPlan *
shoalClusterRebalance(shoalCluster *cluster,
                      bool execute,
                      unsigned *failed,
                      GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);
    g_autoptr(shoalSchedConfig) config = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    unsigned failures = 0;
    guint i;

    g_mutex_lock(&cluster->schedLock);
    config = shoalSchedConfigRef(cluster->schedConfig);
    g_mutex_unlock(&cluster->schedLock);
    plan = shoalSchedPlanCompute(snap, config, error);
    if (!plan) {
        shoalClusterSchedErrorConvert(error);
        return NULL;
    }
    g_mutex_lock(&cluster->schedLock);
    g_clear_pointer(&cluster->schedPlan, shoalSchedPlanUnref);
    cluster->schedPlan = shoalSchedPlanRef(plan);
    g_mutex_unlock(&cluster->schedLock);

    for (i = 0; execute && i < plan->steps->len; i++) {
        const shoalSchedStep *step = plan->steps->pdata[i];
        g_autoptr(GError) err = NULL;

        if (step->mode != SHOAL_SCHED_MODE_AUTOMATIC ||
            config->mode != SHOAL_SCHED_MODE_AUTOMATIC)
            continue;
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                         "plan step: %s '%s': %s",
                         shoalSchedActionToString(step->action), step->domain,
                         step->reason);
        if (!schedulerRunStep(cluster, step, &err)) {
            failures++;
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                             "plan step for '%s' dropped: %s", step->domain,
                             err->message);
        }
    }
    if (failed)
        *failed = failures;
    return g_steal_pointer(&plan);
}

/**
 * shoalClusterGetPlan:
 * Returns: (transfer full) (nullable): the plan of the last round.
 */
shoalSchedPlan *
shoalClusterGetPlan(shoalCluster *cluster)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cluster->schedLock);

    return cluster->schedPlan ? shoalSchedPlanRef(cluster->schedPlan) : NULL;
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

    config = shoalSchedConfigLoad(kf, "scheduler", error);
    if (!config) {
        shoalClusterSchedErrorConvert(error);
        return false;
    }
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
    g_mutex_lock(&cluster->schedLock);
    g_clear_pointer(&cluster->schedConfig, shoalSchedConfigUnref);
    cluster->schedConfig = shoalSchedConfigRef(config);
    g_mutex_unlock(&cluster->schedLock);
}

static void
schedulerRound(gpointer data, gpointer opaque)
{
    shoalCluster *cluster = opaque;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;

    plan = shoalClusterRebalance(cluster, true, NULL, &error);
    if (!plan)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "scheduler round failed: %s", error->message);
}

/* Main thread timer: one round, unless the last one still runs. */
gboolean
shoalClusterSchedulerTick(gpointer opaque)
{
    shoalCluster *cluster = opaque;

    if (g_thread_pool_unprocessed(cluster->schedPool) == 0 &&
        g_thread_pool_get_num_threads(cluster->schedPool) == 0)
        g_thread_pool_push(cluster->schedPool, GINT_TO_POINTER(1), NULL);
    return G_SOURCE_CONTINUE;
}

void
shoalClusterSchedulerInit(shoalCluster *cluster)
{
    g_mutex_init(&cluster->schedLock);
    cluster->schedConfig = shoalSchedConfigNew();
    cluster->schedLastMove =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, g_free);
    cluster->schedLastResize =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, g_free);
    cluster->schedMoves = g_array_new(FALSE, FALSE, sizeof(gint64));
    /* one round at a time: a round waits for its own migrations */
    cluster->schedPool =
        g_thread_pool_new(schedulerRound, cluster, 1, FALSE, NULL);
}

void
shoalClusterSchedulerClear(shoalCluster *cluster)
{
    if (cluster->schedPool) {
        g_thread_pool_free(cluster->schedPool, TRUE, TRUE);
        cluster->schedPool = NULL;
    }
    g_clear_pointer(&cluster->schedPlan, shoalSchedPlanUnref);
    g_clear_pointer(&cluster->schedConfig, shoalSchedConfigUnref);
    g_clear_pointer(&cluster->schedLastMove, g_hash_table_unref);
    g_clear_pointer(&cluster->schedLastResize, g_hash_table_unref);
    g_clear_pointer(&cluster->schedMoves, g_array_unref);
}
