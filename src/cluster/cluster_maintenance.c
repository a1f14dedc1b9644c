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
#include "cluster_numapin.h"
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

static int
maintenanceCallUndefine(virDomainPtr dom, gpointer opaque)
{
    return virDomainUndefine(dom);
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
    g_autofree char *pinned = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    bool removed = false;

    if (!cluster->store ||
        !(sd = shoalStoreLookup(cluster->store, entry->rec.uuid, error)))
        return false;
    if (!(conn = shoalHostGetConnection(to, error)))
        return false;
    /* the NUMA pin for @to's cells; without one, the definition as is */
    if (!shoalClusterNumaPin(cluster, to->name, sd->xml, true, &pinned, NULL))
        g_clear_pointer(&pinned, g_free);
    dom = virDomainDefineXML(conn, pinned ? pinned : sd->xml);
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

    /* asked by name: the inventory names @to the owner now */
    from = shoalClusterLookupHost(cluster, entry->hostName, NULL);
    if (from)
        removed = shoalClusterHostDomainCall(cluster, from, entry->rec.uuid, 0,
                                             maintenanceCallUndefine, NULL,
                                             NULL) == 0;
    if (removed)
        shoalHostForgetDomain(from, entry->rec.uuid);
    /* the copy left behind is Shoal's to remove when its host is back */
    if (!removed)
        shoalReconcileNoteLeftover(cluster->reconcile, entry->hostName,
                                   entry->rec.uuid, sd->xml);
    return true;
}

/* Re-homes a shut-off domain (a shut-off transient one does not exist),
 * under its job. */
static bool
maintenanceRehome(shoalCluster *cluster,
                  const shoalInventoryEntry *entry,
                  shoalHost *to,
                  GError **error)
{
    bool ok;

    if (!shoalDomainJobsBegin(cluster->jobs, entry->rec.uuid, error))
        return false;
    /* the copy defined on @to is this domain, not a conflict */
    shoalInventorySetMoving(cluster->inventory, entry->rec.uuid, true);
    ok = shoalClusterRehome(cluster, entry, to, error);
    shoalInventorySetMoving(cluster->inventory, entry->rec.uuid, false);
    shoalDomainJobsEnd(cluster->jobs, entry->rec.uuid);
    return ok;
}

static void
maintenanceNoteFailure(shoalMaintenanceResult *result,
                       const shoalInventoryEntry *entry,
                       const GError *error)
{
    result->failed++;
    g_ptr_array_add(result->errors,
                    g_strdup_printf("%s: %s", entry->rec.name, error->message));
}

/*
 * Moves @entries away from (or back to) a host and counts the outcome:
 * shut-off ones are re-homed here, one after another (a define on the
 * destination), running ones are queued to the executor together, whose
 * limits decide how many move at once. Returns the UUIDs that moved.
 */
static GPtrArray *
maintenanceMoveAll(shoalCluster *cluster,
                   GPtrArray *entries,
                   const char *target,
                   const char *reason,
                   shoalMaintenanceResult *result)
{
    shoalClusterStepCtx ctx;
    g_autoptr(shoalExecBatch) batch = NULL;
    g_autoptr(GPtrArray) queued = g_ptr_array_new();
    GPtrArray *moved = g_ptr_array_new_with_free_func(g_free);
    guint i;

    shoalClusterStepCtxInit(&ctx, cluster);
    batch =
        shoalExecBatchNew(cluster->exec, shoalClusterStepOps(), &ctx, false);
    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *entry = entries->pdata[i];
        g_autoptr(GError) err = NULL;
        g_autoptr(shoalHost) to = NULL;
        shoalExecStep *step;

        if (target)
            to = shoalClusterLookupHost(cluster, target, &err);
        else
            to = shoalClusterPickDestination(cluster, entry, &err);
        if (!to) {
            maintenanceNoteFailure(result, entry, err);
            continue;
        }
        if (entry->id <= 0) {
            if (!maintenanceRehome(cluster, entry, to, &err)) {
                maintenanceNoteFailure(result, entry, err);
                continue;
            }
            result->rehomed++;
            g_ptr_array_add(moved, g_memdup2(entry->rec.uuid, 16));
            continue;
        }
        step = shoalExecStepNew(SHOAL_SCHED_ACTION_MIGRATE, entry->rec.uuid,
                                entry->rec.name, entry->hostName, to->name,
                                reason);
        step->plan->memoryKiB = entry->rec.memoryKiB;
        shoalExecStepAddMoveChecks(step);
        shoalExecBatchAdd(batch, step);
        g_ptr_array_add(queued, (gpointer) entry);
    }
    shoalExecBatchWait(batch);
    for (i = 0; i < queued->len; i++) {
        const shoalInventoryEntry *entry = queued->pdata[i];
        const GError *err = shoalExecBatchGetError(batch, i);

        if (err) {
            maintenanceNoteFailure(result, entry, err);
            continue;
        }
        result->migrated++;
        g_ptr_array_add(moved, g_memdup2(entry->rec.uuid, 16));
    }
    return moved;
}

/* The domains that left @host for maintenance and still exist elsewhere. */
static GPtrArray *
maintenanceReturning(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GPtrArray) uuids = shoalHostTakeEvacuated(host);
    GPtrArray *entries = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryEntryFree);
    guint i;

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
        for (i = 0; i < moved->len; i++)
            shoalHostAddEvacuated(host, moved->pdata[i]);
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
