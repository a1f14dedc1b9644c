/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_exec.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"
#include "util_log.h"

/* How many finished migrations the record keeps. */
#define EXEC_HISTORY 100

static const char *const migrationStateNames[SHOAL_MIGRATION_LAST] = {
    [SHOAL_MIGRATION_QUEUED] = "queued",
    [SHOAL_MIGRATION_RUNNING] = "running",
    [SHOAL_MIGRATION_DONE] = "done",
    [SHOAL_MIGRATION_FAILED] = "failed",
};

const char *
shoalMigrationStateToString(shoalMigrationState state)
{
    if (state >= SHOAL_MIGRATION_LAST)
        return "unknown";
    return migrationStateNames[state];
}

void
shoalMigrationInfoFree(shoalMigrationInfo *info)
{
    if (!info)
        return;
    g_free(info->domain);
    g_free(info->from);
    g_free(info->to);
    g_free(info->reason);
    g_free(info->error);
    g_free(info);
}

void
shoalExecConfigInit(shoalExecConfig *config)
{
    config->maxPerSource = 2;
    config->maxPerDestination = 1;
    config->maxTotal = 4;
    config->maxResizes = 4;
    config->timeoutBaseS = 60;
    config->timeoutPerGiBS = 120;
}

shoalExecStep *
shoalExecStepNew(shoalSchedAction action,
                 const unsigned char *uuid,
                 const char *domain,
                 const char *from,
                 const char *to,
                 const char *reason)
{
    shoalExecStep *step = g_new0(shoalExecStep, 1);

    memcpy(step->uuid, uuid, 16);
    step->plan = shoalSchedStepNew(action, domain);
    step->plan->from = g_strdup(from);
    step->plan->to = g_strdup(to);
    step->plan->reason = g_strdup(reason);
    step->plan->mode = SHOAL_SCHED_MODE_AUTOMATIC;
    return step;
}

/**
 * shoalExecStepNewFromPlan:
 * @uuid: the domain's, as the inventory knows it
 *
 * Returns: (transfer full): the executor's copy of a plan step, with the
 *   plan's preconditions.
 */
shoalExecStep *
shoalExecStepNewFromPlan(const shoalSchedStep *plan, const unsigned char *uuid)
{
    shoalExecStep *step = g_new0(shoalExecStep, 1);

    memcpy(step->uuid, uuid, 16);
    step->plan = shoalSchedStepCopy(plan);
    return step;
}

/* What the planner asks of a move, for a move no plan made (a client's,
 * maintenance's): the same checks then hold whoever asked. */
void
shoalExecStepAddMoveChecks(shoalExecStep *step)
{
    shoalSchedStep *plan = step->plan;

    shoalSchedStepAddPrecondition(plan, SHOAL_SCHED_CHECK_DOMAIN_ON_HOST,
                                  plan->domain, plan->from, 0);
    shoalSchedStepAddPrecondition(plan, SHOAL_SCHED_CHECK_DOMAIN_RUNNING,
                                  plan->domain, NULL, 0);
    shoalSchedStepAddPrecondition(plan, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                  plan->domain, NULL, 0);
    shoalSchedStepAddPrecondition(plan, SHOAL_SCHED_CHECK_HOST_AVAILABLE, NULL,
                                  plan->to, 0);
}

void
shoalExecStepFree(shoalExecStep *step)
{
    if (!step)
        return;
    shoalSchedStepFree(step->plan);
    g_free(step);
}

/* One step; its fields are protected by the executor's lock. */
struct _shoalExecRecord {
    shoalExec *exec; /* borrowed: records die with the executor */
    shoalMigrationInfo info;
    unsigned char uuid[16];
    shoalSchedAction action;
    gint64 startMonoUs;
    gint64 deadlineMonoUs;
    bool cancelled;
    /* while queued or running, else NULL */
    shoalExecStep *step;
    shoalExecBatch *batch; /* borrowed: waits for its steps */
    guint index;           /* in the batch */
};

struct _shoalExecBatch {
    shoalExec *exec;         /* borrowed */
    const shoalExecOps *ops; /* immutable */
    gpointer opaque;         /* immutable */
    bool ordered;            /* immutable */
    unsigned queued;         /* protected by exec->lock: not finished */
    unsigned running;        /* protected by exec->lock */
    unsigned failed;         /* protected by exec->lock */
    guint pass;              /* protected by exec->lock: see execPump */
    GPtrArray *errors;       /* protected by exec->lock: GError or NULL */
};

/* The lock is a leaf: nothing is called out while it is held, not the
 * step functions, not a log writer. */
struct _shoalExec {
    shoalExecConfig config; /* immutable */
    /* immutable once a step ran: see shoalExecSetMigrateOverride() */
    const shoalExecOps *migrateOverride;
    gpointer migrateOverrideOpaque;
    /* immutable once a step ran: see shoalExecSetFence() */
    shoalExecFenceFunc fence;
    gpointer fenceOpaque;
    GThreadPool *workers; /* immutable: runs steps whose slot is taken */
    GMutex lock;
    GCond cond;
    GHashTable *perSource; /* protected by lock: host → running count */
    GHashTable *perDest;   /* protected by lock: host → running count */
    unsigned total;        /* protected by lock: migrations running */
    unsigned resizes;      /* protected by lock: other steps running */
    unsigned nextId;       /* protected by lock */
    guint pass;            /* protected by lock */
    GPtrArray *active;     /* protected by lock: queued and running */
    GQueue pending;        /* protected by lock: queued, oldest first */
    GQueue history;        /* protected by lock: finished, newest first */
};

static void
execRecordFree(shoalExecRecord *rec)
{
    g_free(rec->info.domain);
    g_free(rec->info.from);
    g_free(rec->info.to);
    g_free(rec->info.reason);
    g_free(rec->info.error);
    shoalExecStepFree(rec->step);
    g_free(rec);
}

static void execWork(gpointer data, gpointer opaque);

shoalExec *
shoalExecNew(const shoalExecConfig *config)
{
    shoalExec *exec = g_new0(shoalExec, 1);

    exec->config = *config;
    exec->config.maxTotal = MAX(exec->config.maxTotal, 1);
    exec->config.maxPerSource = MAX(exec->config.maxPerSource, 1);
    exec->config.maxPerDestination = MAX(exec->config.maxPerDestination, 1);
    exec->config.maxResizes = MAX(exec->config.maxResizes, 1);
    g_mutex_init(&exec->lock);
    g_cond_init(&exec->cond);
    exec->perSource =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    exec->perDest =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    exec->active = g_ptr_array_new();
    exec->nextId = 1;
    g_queue_init(&exec->pending);
    g_queue_init(&exec->history);
    /* a step is pushed only once its slot is taken: never more than this */
    exec->workers =
        g_thread_pool_new(execWork, exec,
                          exec->config.maxTotal + exec->config.maxResizes,
                          FALSE, NULL);
    return exec;
}

/* After every batch was waited for. */
void
shoalExecFree(shoalExec *exec)
{
    if (!exec)
        return;
    g_thread_pool_free(exec->workers, FALSE, TRUE);
    g_queue_clear_full(&exec->history, (GDestroyNotify) execRecordFree);
    g_ptr_array_free(exec->active, TRUE);
    g_hash_table_unref(exec->perSource);
    g_hash_table_unref(exec->perDest);
    g_cond_clear(&exec->cond);
    g_mutex_clear(&exec->lock);
    g_free(exec);
}

static unsigned
execCount(GHashTable *counts, const char *host)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(counts, host));
}

static void
execAdjust(GHashTable *counts, const char *host, int delta)
{
    unsigned n = execCount(counts, host) + delta;

    if (n == 0)
        g_hash_table_remove(counts, host);
    else
        g_hash_table_insert(counts, g_strdup(host), GUINT_TO_POINTER(n));
}

/* Call with the lock held. */
static bool
execSlotFree(shoalExec *exec, const shoalExecRecord *rec)
{
    if (rec->action != SHOAL_SCHED_ACTION_MIGRATE)
        return exec->resizes < exec->config.maxResizes;
    return exec->total < exec->config.maxTotal &&
           execCount(exec->perSource, rec->info.from) <
               exec->config.maxPerSource &&
           execCount(exec->perDest, rec->info.to) <
               exec->config.maxPerDestination;
}

/* Call with the lock held. */
static void
execSlotTake(shoalExec *exec, shoalExecRecord *rec, int delta)
{
    if (rec->action != SHOAL_SCHED_ACTION_MIGRATE) {
        exec->resizes += delta;
        return;
    }
    exec->total += delta;
    execAdjust(exec->perSource, rec->info.from, delta);
    execAdjust(exec->perDest, rec->info.to, delta);
}

/* Call with the lock held. Another step of @rec's domain in flight;
 * with @queuedToo, also one queued. */
static bool
execDomainBusy(shoalExec *exec,
               const shoalExecRecord *rec,
               bool migrationsOnly,
               bool queuedToo)
{
    guint i;

    for (i = 0; i < exec->active->len; i++) {
        const shoalExecRecord *other = exec->active->pdata[i];

        if (other == rec || memcmp(other->uuid, rec->uuid, 16) != 0)
            continue;
        if (migrationsOnly && other->action != SHOAL_SCHED_ACTION_MIGRATE)
            continue;
        if (queuedToo || other->info.state == SHOAL_MIGRATION_RUNNING)
            return true;
    }
    return false;
}

/*
 * Call with the lock held. Starts every queued step that may start now,
 * oldest first: its slot is free, its domain has no step in flight, and in
 * an ordered batch every step before it is done.
 */
static void
execPump(shoalExec *exec)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    g_autoptr(GPtrArray) keys =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    GList *l = exec->pending.head;

    exec->pass++;
    while (l) {
        GList *next = l->next;
        shoalExecRecord *rec = l->data;
        shoalExecBatch *batch = rec->batch;
        GBytes *key = g_bytes_new(rec->uuid, 16);
        bool blocked = g_hash_table_contains(seen, key) ||
                       execDomainBusy(exec, rec, false, false) ||
                       (batch->ordered &&
                        (batch->running > 0 || batch->pass == exec->pass));

        g_ptr_array_add(keys, key);
        g_hash_table_add(seen, key);
        batch->pass = exec->pass;
        if (!blocked && execSlotFree(exec, rec)) {
            gint64 limitS =
                exec->config.timeoutBaseS +
                (gint64) exec->config.timeoutPerGiBS *
                    ((rec->step->plan->memoryKiB + 1048575) / 1048576);

            g_queue_delete_link(&exec->pending, l);
            execSlotTake(exec, rec, 1);
            batch->running++;
            rec->info.state = SHOAL_MIGRATION_RUNNING;
            rec->deadlineMonoUs =
                g_get_monotonic_time() + limitS * G_USEC_PER_SEC;
            g_thread_pool_push(exec->workers, rec, NULL);
        }
        l = next;
    }
}

/* Call with the lock held: the step is over, @error says how. */
static void
execFinish(shoalExec *exec, shoalExecRecord *rec, GError *error)
{
    shoalExecBatch *batch = rec->batch;

    if (rec->info.state == SHOAL_MIGRATION_RUNNING) {
        execSlotTake(exec, rec, -1);
        batch->running--;
    }
    rec->info.durationMs = (g_get_monotonic_time() - rec->startMonoUs) / 1000;
    rec->info.state = error ? SHOAL_MIGRATION_FAILED : SHOAL_MIGRATION_DONE;
    rec->info.error = error ? g_strdup(error->message) : NULL;
    if (error)
        batch->failed++;
    batch->errors->pdata[rec->index] = error;
    batch->queued--;
    rec->batch = NULL;
    g_clear_pointer(&rec->step, shoalExecStepFree);
    g_ptr_array_remove(exec->active, rec);
    g_queue_push_head(&exec->history, rec);
    while (g_queue_get_length(&exec->history) > EXEC_HISTORY)
        execRecordFree(g_queue_pop_tail(&exec->history));
    execPump(exec);
    g_cond_broadcast(&exec->cond);
}

/* A sched error (a stale step) as the cluster reports it. */
static void
execStaleError(GError **error)
{
    if (!error || !*error || (*error)->domain != SHOAL_SCHED_ERROR)
        return;
    shoalErrorRetarget(error, VIR_ERR_OPERATION_INVALID);
    g_prefix_error(error, _("Requested operation is not valid: "));
}

/* Call with the lock held. A migration of @domain other than @self runs. */
static bool
execMigrating(shoalExec *exec, const char *domain, const shoalExecRecord *self)
{
    guint i;

    for (i = 0; i < exec->active->len; i++) {
        const shoalExecRecord *other = exec->active->pdata[i];

        if (other != self && other->action == SHOAL_SCHED_ACTION_MIGRATE &&
            other->info.state == SHOAL_MIGRATION_RUNNING &&
            g_str_equal(other->info.domain, domain))
            return true;
    }
    return false;
}

/* Worker thread. The plan's preconditions, against live state. */
static bool
execCheckPreconditions(shoalExec *exec,
                       const shoalExecOps *ops,
                       gpointer opaque,
                       shoalExecRecord *rec,
                       GError **error)
{
    const shoalExecStep *step = rec->step;
    guint i;

    for (i = 0; i < step->plan->preconditions->len; i++) {
        const shoalSchedPrecondition *pre = step->plan->preconditions->pdata[i];
        g_autoptr(shoalSchedDomain) dom = NULL;
        g_autoptr(shoalSchedNode) node = NULL;

        if (pre->domain && (dom = ops->lookupDomain(opaque, pre->domain))) {
            /* the executor knows best which migrations are in flight; the
             * step itself does not count */
            g_mutex_lock(&exec->lock);
            dom->migrating = execMigrating(exec, pre->domain, rec);
            g_mutex_unlock(&exec->lock);
        }
        if (pre->host)
            node = ops->lookupNode(opaque, pre->host);
        if (!shoalSchedPreconditionCheck(pre, dom, node, error)) {
            execStaleError(error);
            return false;
        }
    }
    return true;
}

/* Worker thread: one step whose slot is taken. */
static void
execRunStep(shoalExec *exec, shoalExecRecord *rec, GError **error)
{
    const shoalExecOps *ops = rec->batch->ops;
    gpointer opaque = rec->batch->opaque;
    const shoalExecStep *step = rec->step;
    bool ran = false;

    if (ops->begin && !ops->begin(opaque, step, error))
        return;
    if (execCheckPreconditions(exec, ops, opaque, rec, error) &&
        (!ops->check || ops->check(opaque, step, error)) &&
        (!exec->fence || exec->fence(exec->fenceOpaque, error))) {
        ran = true;
        switch (step->plan->action) {
        case SHOAL_SCHED_ACTION_MIGRATE:
            if (ops->recordMigration &&
                !ops->recordMigration(opaque, step, error))
                break;
            if (exec->migrateOverride)
                exec->migrateOverride->migrate(exec->migrateOverrideOpaque,
                                               step, rec, error);
            else
                ops->migrate(opaque, step, rec, error);
            if (ops->forgetMigration)
                ops->forgetMigration(opaque, step);
            break;
        case SHOAL_SCHED_ACTION_ADD_VCPU:
        case SHOAL_SCHED_ACTION_REMOVE_VCPU:
            ops->setVcpus(opaque, step, error);
            break;
        case SHOAL_SCHED_ACTION_SET_BALLOON:
            ops->setBalloon(opaque, step, error);
            break;
        case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
            if (ops->setVirtioMem)
                ops->setVirtioMem(opaque, step, error);
            else
                g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT,
                            _("this function is not supported by the connection driver: resizing a virtio-mem device"));
            break;
        case SHOAL_SCHED_ACTION_LAST:
        default:
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                        _("internal error: unknown plan step"));
            break;
        }
    }
    if (ops->end)
        ops->end(opaque, step, ran);
}

static void
execWork(gpointer data, gpointer opaque)
{
    shoalExecRecord *rec = data;
    shoalExec *exec = opaque;
    const shoalExecStep *step = rec->step;
    GError *err = NULL;

    if (step->plan->action == SHOAL_SCHED_ACTION_MIGRATE)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(step->plan->domain), "MESSAGE",
                         "migrating '%s' from '%s' to '%s' (%s)",
                         step->plan->domain, step->plan->from, step->plan->to,
                         step->plan->reason);
    else
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(step->plan->domain), "MESSAGE",
                         "%s of '%s' to %llu (%s)",
                         shoalSchedActionToString(step->plan->action),
                         step->plan->domain, step->plan->value,
                         step->plan->reason);
    execRunStep(exec, rec, &err);
    /* the one place a step's failure is logged */
    if (err)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_DOMAIN(step->plan->domain), "MESSAGE",
                         "%s of '%s' failed: %s",
                         shoalSchedActionToString(step->plan->action),
                         step->plan->domain, err->message);
    g_mutex_lock(&exec->lock);
    execFinish(exec, rec, err);
    g_mutex_unlock(&exec->lock);
}

/**
 * shoalExecSetMigrateOverride:
 *
 * Tests, before any step: every migration goes to @ops->migrate with
 * @opaque instead of its batch's, for hosts that cannot migrate
 * (libvirt's test driver); the rest of the batch's step functions, the
 * checks, limits and records stay as they are.
 */
void
shoalExecSetMigrateOverride(shoalExec *exec,
                            const shoalExecOps *ops,
                            gpointer opaque)
{
    exec->migrateOverride = ops;
    exec->migrateOverrideOpaque = opaque;
}

/**
 * shoalExecSetFence:
 * @fence: asked right before each step's action, after its checks
 *
 * Before any step: a daemon that may have lost the lead (another may act
 * on the hosts now) must not start a migration or a restart; the step
 * fails with @fence's error, recorded as any failure.
 */
void
shoalExecSetFence(shoalExec *exec, shoalExecFenceFunc fence, gpointer opaque)
{
    exec->fence = fence;
    exec->fenceOpaque = opaque;
}

/* A batch's outcome: NULL for a step that succeeded. */
static void
execErrorFree(gpointer error)
{
    if (error)
        g_error_free(error);
}

shoalExecBatch *
shoalExecBatchNew(shoalExec *exec,
                  const shoalExecOps *ops,
                  gpointer opaque,
                  bool ordered)
{
    shoalExecBatch *batch = g_new0(shoalExecBatch, 1);

    batch->exec = exec;
    batch->ops = ops;
    batch->opaque = opaque;
    batch->ordered = ordered;
    batch->errors = g_ptr_array_new_with_free_func(execErrorFree);
    return batch;
}

/**
 * shoalExecBatchAdd:
 * @step: (transfer full): the step
 *
 * Queues @step; it starts when the limits allow. A migration of a domain
 * already migrating fails at once. Any thread.
 */
void
shoalExecBatchAdd(shoalExecBatch *batch, shoalExecStep *step)
{
    shoalExec *exec = batch->exec;
    shoalExecRecord *rec = g_new0(shoalExecRecord, 1);

    rec->exec = exec;
    rec->step = step;
    rec->action = step->plan->action;
    memcpy(rec->uuid, step->uuid, 16);
    rec->info.domain = g_strdup(step->plan->domain);
    rec->info.from = g_strdup(step->plan->from);
    rec->info.to = g_strdup(step->plan->to);
    rec->info.reason = g_strdup(step->plan->reason);
    rec->info.state = SHOAL_MIGRATION_QUEUED;
    rec->info.startedUs = g_get_real_time();
    rec->startMonoUs = g_get_monotonic_time();
    rec->batch = batch;

    g_mutex_lock(&exec->lock);
    rec->info.id = exec->nextId++;
    rec->index = batch->errors->len;
    g_ptr_array_add(batch->errors, NULL);
    batch->queued++;
    g_ptr_array_add(exec->active, rec);
    if (step->plan->action == SHOAL_SCHED_ACTION_MIGRATE &&
        execDomainBusy(exec, rec, true, true)) {
        GError *err =
            g_error_new(SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                        _("Requested operation is not valid: domain '%1$s' is already being migrated"),
                        step->plan->domain);

        execFinish(exec, rec, err);
    } else {
        g_queue_push_tail(&exec->pending, rec);
        execPump(exec);
    }
    g_mutex_unlock(&exec->lock);
}

/**
 * shoalExecBatchWait:
 *
 * Blocks until every step of @batch is over. Not on a worker of the
 * executor. Returns: how many failed.
 */
unsigned
shoalExecBatchWait(shoalExecBatch *batch)
{
    shoalExec *exec = batch->exec;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);

    while (batch->queued > 0)
        g_cond_wait(&exec->cond, &exec->lock);
    return batch->failed;
}

/* After shoalExecBatchWait(): why step @index (in the order added)
 * failed, or NULL. */
const GError *
shoalExecBatchGetError(shoalExecBatch *batch, guint index)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&batch->exec->lock);

    return index < batch->errors->len ? batch->errors->pdata[index] : NULL;
}

/* Waits for the batch's steps first: they point at it. */
void
shoalExecBatchFree(shoalExecBatch *batch)
{
    if (!batch)
        return;
    shoalExecBatchWait(batch);
    g_ptr_array_unref(batch->errors);
    g_free(batch);
}

/**
 * shoalExecRun:
 * @step: (transfer full): the step
 *
 * Runs one step through the queue and blocks until it is over. Worker
 * thread, not one of the executor's.
 */
bool
shoalExecRun(shoalExec *exec,
             const shoalExecOps *ops,
             gpointer opaque,
             shoalExecStep *step,
             GError **error)
{
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(exec, ops, opaque, true);

    shoalExecBatchAdd(batch, step);
    if (shoalExecBatchWait(batch) == 0)
        return true;
    if (error)
        *error = g_error_copy(shoalExecBatchGetError(batch, 0));
    return false;
}

/**
 * shoalExecCancel:
 *
 * Cancels the steps of a domain: queued ones fail at once, a running one
 * is told to abort (shoalExecRecordShouldAbort()). Returns: whether there
 * was one. Any thread.
 */
bool
shoalExecCancel(shoalExec *exec, const unsigned char *uuid)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);
    bool found = false;
    guint i = 0;

    while (i < exec->active->len) {
        shoalExecRecord *rec = exec->active->pdata[i];

        if (memcmp(rec->uuid, uuid, 16) != 0) {
            i++;
            continue;
        }
        found = true;
        rec->cancelled = true;
        if (rec->info.state == SHOAL_MIGRATION_RUNNING) {
            i++;
            continue;
        }
        g_queue_remove(&exec->pending, rec);
        execFinish(exec, rec,
                   g_error_new(SHOAL_ERROR, VIR_ERR_OPERATION_ABORTED,
                               _("operation aborted: %1$s of '%2$s' cancelled"),
                               shoalSchedActionToString(rec->action),
                               rec->info.domain));
    }
    return found;
}

bool
shoalExecIsMigrating(shoalExec *exec, const unsigned char *uuid)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);
    guint i;

    for (i = 0; i < exec->active->len; i++) {
        shoalExecRecord *rec = exec->active->pdata[i];

        if (rec->action == SHOAL_SCHED_ACTION_MIGRATE &&
            memcmp(rec->uuid, uuid, 16) == 0)
            return true;
    }
    return false;
}

void
shoalExecRecordProgress(shoalExecRecord *rec,
                        unsigned long long total,
                        unsigned long long processed)
{
    g_mutex_lock(&rec->exec->lock);
    rec->info.dataTotal = total;
    rec->info.dataProcessed = processed;
    g_mutex_unlock(&rec->exec->lock);
}

void
shoalExecRecordDowntime(shoalExecRecord *rec, unsigned long long downtimeMs)
{
    g_mutex_lock(&rec->exec->lock);
    rec->info.downtimeMs = downtimeMs;
    g_mutex_unlock(&rec->exec->lock);
}

bool
shoalExecRecordShouldAbort(shoalExecRecord *rec)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->exec->lock);

    return rec->cancelled || g_get_monotonic_time() > rec->deadlineMonoUs;
}

static shoalMigrationInfo *
execCopyInfo(const shoalExecRecord *rec)
{
    shoalMigrationInfo *info = g_new0(shoalMigrationInfo, 1);

    *info = rec->info;
    info->domain = g_strdup(rec->info.domain);
    info->from = g_strdup(rec->info.from);
    info->to = g_strdup(rec->info.to);
    info->reason = g_strdup(rec->info.reason);
    info->error = g_strdup(rec->info.error);
    if (rec->info.state <= SHOAL_MIGRATION_RUNNING)
        info->durationMs = (g_get_monotonic_time() - rec->startMonoUs) / 1000;
    return info;
}

/**
 * shoalExecList:
 * @all: also vCPU and balloon steps (their @to is NULL)
 *
 * Returns: (transfer full): shoalMigrationInfo of steps queued or in
 *   flight, oldest first, then of finished ones, newest first.
 */
GPtrArray *
shoalExecList(shoalExec *exec, bool all)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalMigrationInfoFree);
    GList *l;
    guint i;

    g_mutex_lock(&exec->lock);
    for (i = 0; i < exec->active->len; i++) {
        const shoalExecRecord *rec = exec->active->pdata[i];

        if (all || rec->action == SHOAL_SCHED_ACTION_MIGRATE)
            g_ptr_array_add(out, execCopyInfo(rec));
    }
    for (l = exec->history.head; l; l = l->next) {
        const shoalExecRecord *rec = l->data;

        if (all || rec->action == SHOAL_SCHED_ACTION_MIGRATE)
            g_ptr_array_add(out, execCopyInfo(rec));
    }
    g_mutex_unlock(&exec->lock);
    return out;
}

/* Migrations in flight. */
unsigned
shoalExecRunning(shoalExec *exec)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);

    return exec->total;
}
