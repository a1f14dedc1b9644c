/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host maintenance: a host in maintenance takes no new domains; switching
 * it on empties it (running domains move live, shut-off ones are defined
 * elsewhere), switching it off with --return brings back what left.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_sync.h"
#include "util_error.h"
#include "util_log.h"

void
shoalMaintenanceResultFree(shoalMaintenanceResult *result)
{
    if (!result)
        return;
    g_ptr_array_unref(result->errors);
    g_free(result);
}

/*
 * Defines a shut-off domain on @to from the store's copy and removes it
 * from @from. If @from does not answer, its copy is removed when it comes
 * back, if still shut off and the definition moved (cluster_reconcile.c).
 */
bool
shoalClusterRehome(shoalCluster *cluster,
                   const shoalInventoryEntry *entry,
                   shoalHost *to,
                   GError **error)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalHost) from = NULL;
    g_autoptr(shoalInventoryRecord) rec = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    bool removed = false;

    if (!cluster->store ||
        !(sd = shoalStoreLookup(cluster->store, entry->rec.uuid, error)))
        return false;
    if (!(conn = shoalHostGetConnection(to, error)))
        return false;
    dom = virDomainDefineXML(conn, sd->xml);
    /* convert first: every libvirt call resets the thread's error */
    if (!dom)
        shoalErrorFromLibvirt(error, to->name);
    virConnectClose(conn);
    if (!dom)
        return false;
    if (sd->autostart && virDomainSetAutostart(dom, 1) < 0)
        virResetLastError();
    shoalClusterStoreRefresh(cluster, dom, to->name);
    rec = shoalSyncReadDomain(dom, to->name, NULL);
    virDomainFree(dom);
    virResetLastError();
    if (rec)
        shoalInventoryMove(cluster->inventory, entry->hostName, to->name, rec);

    from = shoalClusterLookupHost(cluster, entry->hostName, NULL);
    conn = from ? shoalHostGetConnection(from, NULL) : NULL;
    if (conn) {
        dom = virDomainLookupByUUID(conn, entry->rec.uuid);
        if (dom) {
            removed = virDomainUndefine(dom) == 0;
            virDomainFree(dom);
        }
        virResetLastError();
        virConnectClose(conn);
    }
    /* the copy left behind is Shoal's to remove when its host is back */
    if (!removed)
        shoalReconcileNoteLeftover(cluster->reconcile, entry->hostName,
                                   entry->rec.uuid, sd->xml);
    return true;
}

/* Moves one domain away from (or back to) a host. */
static bool
maintenanceMoveOne(shoalCluster *cluster,
                   const shoalInventoryEntry *entry,
                   const char *target,
                   const char *reason,
                   bool *live,
                   GError **error)
{
    g_autoptr(shoalHost) to = NULL;
    shoalExecStep step = { 0 };
    bool ok;

    if (target)
        to = shoalClusterLookupHost(cluster, target, error);
    else
        to = shoalClusterPickDestination(cluster, entry, error);
    if (!to)
        return false;

    *live = entry->id > 0;
    if (!*live) {
        /* a shut-off transient domain does not exist */
        if (!shoalClusterJobBegin(cluster, entry->rec.uuid, error))
            return false;
        ok = shoalClusterRehome(cluster, entry, to, error);
        shoalClusterJobEnd(cluster, entry->rec.uuid);
        return ok;
    }
    memcpy(step.uuid, entry->rec.uuid, 16);
    step.domain = g_strdup(entry->rec.name);
    step.from = g_strdup(entry->hostName);
    step.to = g_strdup(to->name);
    step.reason = g_strdup(reason);
    step.memoryKiB = entry->rec.memoryKiB;
    ok = shoalClusterMigrateStep(cluster, &step, NULL,
                                 VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER |
                                     cluster->config.migrateExtraFlags,
                                 error);
    shoalExecStepClear(&step);
    return ok;
}

/* One domain's move, run on its own thread: the executor's limits decide
 * how many move at once. */
typedef struct _maintenanceTask {
    shoalCluster *cluster;      /* borrowed */
    shoalInventoryEntry *entry; /* owned */
    char *target;               /* NULL: placement decides */
    char *reason;
    bool live;
    GError *error;
} maintenanceTask;

static void
maintenanceTaskFree(maintenanceTask *task)
{
    shoalInventoryEntryFree(task->entry);
    g_free(task->target);
    g_free(task->reason);
    g_clear_error(&task->error);
    g_free(task);
}

static gpointer
maintenanceTaskRun(gpointer opaque)
{
    maintenanceTask *task = opaque;

    maintenanceMoveOne(task->cluster, task->entry, task->target, task->reason,
                       &task->live, &task->error);
    return NULL;
}

/* Moves @entries, all at once, and counts the outcome. Returns the UUIDs
 * that moved. */
static GPtrArray *
maintenanceMoveAll(shoalCluster *cluster,
                   GPtrArray *entries,
                   const char *target,
                   const char *reason,
                   shoalMaintenanceResult *result)
{
    g_autoptr(GPtrArray) threads = g_ptr_array_new();
    g_autoptr(GPtrArray) tasks =
        g_ptr_array_new_with_free_func((GDestroyNotify) maintenanceTaskFree);
    GPtrArray *moved = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < entries->len; i++) {
        maintenanceTask *task = g_new0(maintenanceTask, 1);

        task->cluster = cluster;
        task->entry = g_steal_pointer(&entries->pdata[i]);
        task->target = g_strdup(target);
        task->reason = g_strdup(reason);
        g_ptr_array_add(tasks, task);
        g_ptr_array_add(threads,
                        g_thread_new("maintenance", maintenanceTaskRun, task));
    }
    for (i = 0; i < tasks->len; i++) {
        maintenanceTask *task = tasks->pdata[i];

        g_thread_join(threads->pdata[i]);
        if (task->error) {
            result->failed++;
            g_ptr_array_add(result->errors,
                            g_strdup_printf("%s: %s", task->entry->rec.name,
                                            task->error->message));
            continue;
        }
        if (task->live)
            result->migrated++;
        else
            result->rehomed++;
        g_ptr_array_add(moved, g_memdup2(task->entry->rec.uuid, 16));
    }
    return moved;
}

/* The domains that left @host for maintenance and still exist elsewhere. */
static GPtrArray *
maintenanceReturning(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GPtrArray) uuids = NULL;
    GPtrArray *entries = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryEntryFree);
    guint i;

    g_mutex_lock(&host->lock);
    uuids = g_steal_pointer(&host->evacuated);
    host->evacuated = g_ptr_array_new_with_free_func(g_free);
    g_mutex_unlock(&host->lock);
    for (i = 0; i < uuids->len; i++) {
        shoalInventoryEntry *entry =
            shoalInventoryLookupByUUID(cluster->inventory, uuids->pdata[i],
                                       NULL);

        if (entry && !g_str_equal(entry->hostName, host->name))
            g_ptr_array_add(entries, entry);
        else
            shoalInventoryEntryFree(entry);
    }
    return entries;
}

/**
 * shoalClusterSetMaintenance:
 * @returnDomains: with @on false, bring back the domains that left
 * @result: (out) (optional): what moved and what failed
 *
 * Blocks until every move is done. Moves that fail are reported in
 * @result and leave their domain where it was; the call itself fails only
 * for an unknown host or when the flag cannot be stored. Worker thread.
 */
bool
shoalClusterSetMaintenance(shoalCluster *cluster,
                           const char *name,
                           bool on,
                           bool returnDomains,
                           shoalMaintenanceResult **result,
                           GError **error)
{
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(shoalMaintenanceResult) res = g_new0(shoalMaintenanceResult, 1);
    g_autoptr(GPtrArray) entries = NULL;
    g_autoptr(GPtrArray) moved = NULL;
    g_autofree char *reason = NULL;
    guint i;

    res->errors = g_ptr_array_new_with_free_func(g_free);
    if (!(host = shoalClusterLookupHost(cluster, name, error)) ||
        !shoalClusterSetHostMaintenanceFlag(cluster, host, on, error))
        return false;

    if (on) {
        reason = g_strdup_printf(_("maintenance of '%1$s'"), name);
        entries = shoalInventoryListHost(cluster->inventory, name);
        moved = maintenanceMoveAll(cluster, entries, NULL, reason, res);
        g_mutex_lock(&host->lock);
        for (i = 0; i < moved->len; i++)
            g_ptr_array_add(host->evacuated, g_memdup2(moved->pdata[i], 16));
        g_mutex_unlock(&host->lock);
    } else if (returnDomains) {
        reason = g_strdup_printf(_("return to '%1$s'"), name);
        entries = maintenanceReturning(cluster, host);
        moved = maintenanceMoveAll(cluster, entries, name, reason, res);
    }
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, SHOAL_LOG_HOST(name),
                     "MESSAGE",
                     "host '%s' maintenance %s: %u migrated, %u re-homed, %u failed",
                     name, on ? "on" : "off", res->migrated, res->rehomed,
                     res->failed);
    /* what moved is recorded for --return; failing to store it is not
     * worth failing the switch over */
    if (!shoalClusterSetHostMaintenanceFlag(cluster, host, on, NULL))
        g_warning("cannot store the maintenance state of host '%s'", name);
    if (result)
        *result = g_steal_pointer(&res);
    return true;
}
