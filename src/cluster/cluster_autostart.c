/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Autostart at the cluster's start: once every host has answered or
 * failed, the stored domains marked autostart that are not running are
 * started, on their host or, if it is unreachable, on a host placement
 * picks. Like libvirtd, once per boot: a marker in the runtime directory
 * keeps a daemon restart from starting domains an operator stopped.
 */
#include <config.h>

#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_log.h"

static void
autostartOne(shoalCluster *cluster, const shoalStoreDomain *sd)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(GError) error = NULL;

    entry = shoalInventoryLookupByUUID(cluster->inventory, sd->uuid, NULL);
    if (!entry || entry->id > 0)
        return;
    /* its host lost it: an operator restores it first */
    if (shoalReconcileIsMissing(cluster->reconcile, entry->hostName,
                                sd->uuid)) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(sd->name), "MESSAGE",
                         "not autostarting '%s': missing on host '%s'",
                         sd->name, entry->hostName);
        return;
    }
    /* starting re-homes a shut-off domain of an unreachable host */
    if (!shoalClusterDomainApply(cluster, sd->uuid, SHOAL_DOMAIN_OP_CREATE, 0,
                                 0, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_DOMAIN(sd->name), "MESSAGE",
                         "cannot autostart '%s': %s", sd->name, error->message);
    else
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(sd->name), "MESSAGE",
                         "autostarted '%s'", sd->name);
}

/* Host pool: one pass over the stored autostart domains. */
void
shoalClusterAutostartRun(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) stored = NULL;
    guint i;

    if (!cluster->store || !cluster->autostartMarker ||
        g_file_test(cluster->autostartMarker, G_FILE_TEST_EXISTS))
        return;
    if (!g_file_set_contents(cluster->autostartMarker, "", 0, NULL))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "cannot create '%s': autostart may run again",
                         cluster->autostartMarker);
    stored = shoalStoreList(cluster->store);
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];

        if (sd->autostart)
            autostartOne(cluster, sd);
    }
}
