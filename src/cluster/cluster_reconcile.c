/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host reconciliation: on every read of a host, the store and the host's
 * definitions are brought into agreement.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_sync.h"
#include "util_error.h"
#include "util_log.h"

static bool
reconcileRecordHas(GPtrArray *records, const unsigned char *uuid)
{
    guint i;

    for (i = 0; i < records->len; i++) {
        const shoalInventoryRecord *rec = records->pdata[i];

        if (memcmp(rec->uuid, uuid, VIR_UUID_BUFLEN) == 0)
            return true;
    }
    return false;
}

/* Whether another reachable host is known to hold @uuid. */
static bool
reconcileElsewhere(shoalCluster *cluster,
                   const char *hostName,
                   const unsigned char *uuid)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);

    return entry && entry->reachable && !g_str_equal(entry->hostName, hostName);
}

static void
reconcileLog(const char *hostName, const char *name, const char *what)
{
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_HOST(hostName), SHOAL_LOG_DOMAIN(name),
                     "MESSAGE", "host '%s', domain '%s': %s", hostName, name,
                     what);
}

/*
 * A persistent domain the store places on this host: keep the store's
 * definition equal to the host's, which a change can leave behind when
 * its host died before Shoal re-read it. Under the domain's job, so no
 * change in flight is overwritten with what preceded it; a busy domain
 * waits for the next read.
 */
static void
reconcileStored(shoalCluster *cluster,
                shoalHost *host,
                virConnectPtr conn,
                const shoalInventoryRecord *rec)
{
    g_autoptr(shoalStoreDomain) before = NULL;
    g_autoptr(shoalStoreDomain) after = NULL;
    g_autoptr(GError) error = NULL;
    virDomainPtr dom;

    if (!rec->persistent || !shoalClusterJobTryBegin(cluster, rec->uuid))
        return;
    before = shoalStoreLookup(cluster->store, rec->uuid, NULL);
    if (before && g_strcmp0(before->hostName, host->name) == 0 &&
        (dom = virDomainLookupByUUID(conn, rec->uuid))) {
        if (!shoalClusterStorePut(cluster, dom, host->name, &error))
            reconcileLog(host->name, rec->name, error->message);
        virDomainFree(dom);
        after = shoalStoreLookup(cluster->store, rec->uuid, NULL);
        if (after && (g_strcmp0(before->xml, after->xml) != 0 ||
                      before->autostart != after->autostart))
            reconcileLog(host->name, rec->name,
                         "stored the definition the host has");
    }
    virResetLastError();
    shoalClusterJobEnd(cluster, rec->uuid);
}

/* A domain of the host that the store does not know: adopt or drop it. */
static bool
reconcileRecord(shoalCluster *cluster,
                shoalHost *host,
                virConnectPtr conn,
                const shoalInventoryRecord *rec)
{
    g_autoptr(shoalStoreDomain) stored = NULL;
    g_autoptr(GError) error = NULL;
    virDomainPtr dom;
    bool changed = false;

    stored = shoalStoreLookup(cluster->store, rec->uuid, NULL);
    if (stored && g_strcmp0(stored->hostName, host->name) == 0) {
        reconcileStored(cluster, host, conn, rec);
        return false;
    }
    if (!(dom = virDomainLookupByUUID(conn, rec->uuid))) {
        virResetLastError();
        return false;
    }
    if (stored && reconcileElsewhere(cluster, host->name, rec->uuid)) {
        /* the store places it elsewhere and it is there: this copy is
         * stale (left by a re-home while this host was away) */
        if (rec->state == VIR_DOMAIN_SHUTOFF && virDomainUndefine(dom) == 0) {
            reconcileLog(host->name, rec->name,
                         "removed a stale copy of a domain that lives elsewhere");
            changed = true;
        }
        virResetLastError();
    } else if (rec->persistent) {
        /* new to Shoal, or moved here behind its back: this host owns it */
        if (shoalClusterStorePut(cluster, dom, host->name, &error))
            reconcileLog(host->name, rec->name,
                         stored ? "definition now belongs to this host"
                                : "adopted a domain defined on the host");
        else
            reconcileLog(host->name, rec->name, error->message);
    }
    virDomainFree(dom);
    return changed;
}

/* Whether @host says it has no domain @uuid; false when it cannot say. */
static bool
reconcileHostLacks(shoalHost *host, const unsigned char *uuid)
{
    virConnectPtr conn = shoalHostGetConnection(host, NULL);
    virDomainPtr dom;
    bool lacks;

    if (!conn)
        return false;
    dom = virDomainLookupByUUID(conn, uuid);
    lacks = !dom && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN;
    if (dom)
        virDomainFree(dom);
    virResetLastError();
    virConnectClose(conn);
    return lacks;
}

/*
 * Restoring is safe only when no host could hold the domain: every member
 * answers and none has it. Each is asked, not the inventory: a migration
 * Shoal did not drive (virsh on the hosts, or one that ended while Shoal
 * was down) reaches the inventory only with the destination's events,
 * which may come after the source's. Otherwise the next re-read decides.
 */
static bool
reconcileMayRestore(shoalCluster *cluster,
                    shoalHost *reading,
                    const unsigned char *uuid)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(shoalInventoryEntry) entry = NULL;
    guint i;

    /* @reading is being read now, so it answers */
    for (i = 0; i < hosts->len; i++) {
        if (hosts->pdata[i] != reading &&
            shoalHostGetState(hosts->pdata[i]) != SHOAL_HOST_STATE_ONLINE)
            return false;
    }
    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    if (entry)
        return false;
    for (i = 0; i < hosts->len; i++) {
        if (hosts->pdata[i] != reading &&
            !reconcileHostLacks(hosts->pdata[i], uuid))
            return false;
    }
    return true;
}

/* A stored definition the host has lost: define it again from the store. */
static bool
reconcileRestore(shoalHost *host,
                 virConnectPtr conn,
                 const shoalStoreDomain *sd)
{
    virDomainPtr dom = virDomainDefineXML(conn, sd->xml);

    if (!dom) {
        g_autoptr(GError) error = NULL;

        shoalErrorFromLibvirt(&error, host->name);
        reconcileLog(host->name, sd->name, error->message);
        return false;
    }
    if (sd->autostart && virDomainSetAutostart(dom, 1) < 0)
        virResetLastError();
    virDomainFree(dom);
    reconcileLog(host->name, sd->name,
                 "restored the definition from the store");
    return true;
}

/**
 * shoalClusterReconcileHost:
 * @records: (inout): what the host has; re-read if reconciling changed it
 *
 * Worker thread, on every read of a host: adopts persistent domains the
 * store does not know, brings stored definitions up to date, restores
 * those the host lost, and removes stale shut-off copies of domains that
 * live elsewhere.
 */
void
shoalClusterReconcileHost(shoalCluster *cluster,
                          shoalHost *host,
                          virConnectPtr conn,
                          GPtrArray **records)
{
    g_autoptr(GPtrArray) stored = NULL;
    bool changed = false;
    guint i;

    if (!cluster->store)
        return;
    for (i = 0; i < (*records)->len; i++)
        changed |= reconcileRecord(cluster, host, conn, (*records)->pdata[i]);

    stored = shoalStoreList(cluster->store);
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];

        if (g_strcmp0(sd->hostName, host->name) != 0 ||
            reconcileRecordHas(*records, sd->uuid) ||
            !reconcileMayRestore(cluster, host, sd->uuid))
            continue;
        changed |= reconcileRestore(host, conn, sd);
    }
    if (changed) {
        g_autoptr(GPtrArray) fresh = shoalSyncReadHost(conn, host->name, NULL);

        virResetLastError();
        if (fresh) {
            g_ptr_array_unref(*records);
            *records = g_steal_pointer(&fresh);
        }
    }
}
