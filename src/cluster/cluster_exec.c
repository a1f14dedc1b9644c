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
    config->timeoutBaseS = 60;
    config->timeoutPerGiBS = 120;
}

void
shoalExecStepClear(shoalExecStep *step)
{
    g_clear_pointer(&step->domain, g_free);
    g_clear_pointer(&step->from, g_free);
    g_clear_pointer(&step->to, g_free);
    g_clear_pointer(&step->reason, g_free);
}

/* One migration; its fields are protected by the executor's lock. */
struct _shoalExecRecord {
    shoalExec *exec; /* borrowed: records die with the executor */
    shoalMigrationInfo info;
    unsigned char uuid[16];
    gint64 startMonoUs;
    gint64 deadlineMonoUs;
};

struct _shoalExec {
    shoalExecConfig config; /* immutable */
    GMutex lock;
    GCond cond;
    GHashTable *perSource; /* protected by lock: host → running count */
    GHashTable *perDest;   /* protected by lock: host → running count */
    unsigned total;        /* protected by lock */
    unsigned nextId;       /* protected by lock */
    GPtrArray *active;     /* protected by lock: shoalExecRecord */
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
    g_free(rec);
}

shoalExec *
shoalExecNew(const shoalExecConfig *config)
{
    shoalExec *exec = g_new0(shoalExec, 1);

    exec->config = *config;
    g_mutex_init(&exec->lock);
    g_cond_init(&exec->cond);
    exec->perSource =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    exec->perDest =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    exec->active = g_ptr_array_new();
    exec->nextId = 1;
    g_queue_init(&exec->history);
    return exec;
}

/* After every caller of shoalExecRun() returned. */
void
shoalExecFree(shoalExec *exec)
{
    if (!exec)
        return;
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
execSlotFree(shoalExec *exec, const shoalExecStep *step)
{
    return exec->total < exec->config.maxTotal &&
           execCount(exec->perSource, step->from) < exec->config.maxPerSource &&
           execCount(exec->perDest, step->to) < exec->config.maxPerDestination;
}

bool
shoalExecIsMigrating(shoalExec *exec, const unsigned char *uuid)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);
    guint i;

    for (i = 0; i < exec->active->len; i++) {
        shoalExecRecord *rec = exec->active->pdata[i];

        if (memcmp(rec->uuid, uuid, 16) == 0)
            return true;
    }
    return false;
}

static void
execFinish(shoalExec *exec, shoalExecRecord *rec, const GError *error)
{
    g_mutex_lock(&exec->lock);
    if (rec->info.state == SHOAL_MIGRATION_RUNNING) {
        exec->total--;
        execAdjust(exec->perSource, rec->info.from, -1);
        execAdjust(exec->perDest, rec->info.to, -1);
    }
    rec->info.durationMs = (g_get_monotonic_time() - rec->startMonoUs) / 1000;
    rec->info.state = error ? SHOAL_MIGRATION_FAILED : SHOAL_MIGRATION_DONE;
    rec->info.error = error ? g_strdup(error->message) : NULL;
    g_ptr_array_remove(exec->active, rec);
    g_queue_push_head(&exec->history, rec);
    while (g_queue_get_length(&exec->history) > EXEC_HISTORY)
        execRecordFree(g_queue_pop_tail(&exec->history));
    g_cond_broadcast(&exec->cond);
    g_mutex_unlock(&exec->lock);
}

/**
 * shoalExecRun:
 *
 * Runs one migration step, blocking: refuses a domain already migrating,
 * waits for a concurrency slot, re-checks the step's preconditions (a
 * stale step fails), then moves the domain with @ops. Every outcome is
 * recorded. Worker thread.
 */
bool
shoalExecRun(shoalExec *exec,
             const shoalExecOps *ops,
             gpointer opaque,
             const shoalExecStep *step,
             GError **error)
{
    shoalExecRecord *rec;
    g_autoptr(GError) err = NULL;
    gint64 limitS;

    if (shoalExecIsMigrating(exec, step->uuid)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' is already being migrated"),
                    step->domain);
        return false;
    }
    rec = g_new0(shoalExecRecord, 1);
    rec->exec = exec;
    memcpy(rec->uuid, step->uuid, 16);
    rec->info.domain = g_strdup(step->domain);
    rec->info.from = g_strdup(step->from);
    rec->info.to = g_strdup(step->to);
    rec->info.reason = g_strdup(step->reason);
    rec->info.state = SHOAL_MIGRATION_QUEUED;
    rec->info.startedUs = g_get_real_time();
    rec->startMonoUs = g_get_monotonic_time();

    g_mutex_lock(&exec->lock);
    rec->info.id = exec->nextId++;
    g_ptr_array_add(exec->active, rec);
    while (!execSlotFree(exec, step))
        g_cond_wait(&exec->cond, &exec->lock);
    exec->total++;
    execAdjust(exec->perSource, step->from, 1);
    execAdjust(exec->perDest, step->to, 1);
    rec->info.state = SHOAL_MIGRATION_RUNNING;
    limitS =
        exec->config.timeoutBaseS + (gint64) exec->config.timeoutPerGiBS *
                                        ((step->memoryKiB + 1048575) / 1048576);
    rec->deadlineMonoUs = g_get_monotonic_time() + limitS * G_USEC_PER_SEC;
    g_mutex_unlock(&exec->lock);

    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                     "migrating '%s' from '%s' to '%s' (%s)", step->domain,
                     step->from, step->to, step->reason);
    if (ops->check(opaque, step, &err))
        ops->migrate(opaque, step, rec, &err);
    execFinish(exec, rec, err);
    if (err) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_DOMAIN(step->domain), "MESSAGE",
                         "migration of '%s' to '%s' failed: %s", step->domain,
                         step->to, err->message);
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    return true;
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
shoalExecRecordOverdue(shoalExecRecord *rec)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->exec->lock);

    return g_get_monotonic_time() > rec->deadlineMonoUs;
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
 * Returns: (transfer full): shoalMigrationInfo of migrations in flight,
 *   oldest first, then of finished ones, newest first.
 */
GPtrArray *
shoalExecList(shoalExec *exec)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalMigrationInfoFree);
    GList *l;
    guint i;

    g_mutex_lock(&exec->lock);
    for (i = 0; i < exec->active->len; i++)
        g_ptr_array_add(out, execCopyInfo(exec->active->pdata[i]));
    for (l = exec->history.head; l; l = l->next)
        g_ptr_array_add(out, execCopyInfo(l->data));
    g_mutex_unlock(&exec->lock);
    return out;
}

unsigned
shoalExecRunning(shoalExec *exec)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&exec->lock);

    return exec->total;
}
