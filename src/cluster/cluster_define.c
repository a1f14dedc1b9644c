/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Definitions: placing new domains, keeping Shoal's durable copy and the
 * hosts in agreement. The store is the source of truth for persistent
 * domains; hosts are reconciled with it whenever they are (re-)read.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_domainxml.h"
#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_sync.h"
#include "sched.h"
#include "util_error.h"
#include "util_log.h"

/* The XML a restart re-defines a domain from: inactive, with secrets. */
#define DEFINE_XML_FLAGS (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)

/**
 * shoalClusterOpenStore:
 * Main thread, before shoalClusterStart(): opens the durable store of
 * definitions in @dir.
 */
bool
shoalClusterOpenStore(shoalCluster *cluster, const char *dir, GError **error)
{
    cluster->store = shoalStoreOpen(dir, error);
    return cluster->store && shoalClusterLoadHosts(cluster, error);
}

static bool
defineCheckStore(shoalCluster *cluster, GError **error)
{
    if (cluster->store)
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                _("Operation not supported: this daemon has no durable store for definitions"));
    return false;
}

/* The one place where sched's errors become libvirt's. */
void
shoalClusterSchedErrorConvert(GError **error)
{
    if (!error || !*error || (*error)->domain != SHOAL_SCHED_ERROR)
        return;
    if ((*error)->code == SHOAL_SCHED_ERROR_INVALID) {
        shoalErrorRetarget(error, VIR_ERR_INVALID_ARG);
        g_prefix_error(error, _("invalid argument: "));
    } else {
        shoalErrorRetarget(error, VIR_ERR_OPERATION_FAILED);
        g_prefix_error(error, _("operation failed: "));
    }
}

/* The snapshot's entry of an existing domain, by UUID. */
static const shoalSchedDomain *
placeFindDomain(const shoalSchedSnapshot *snap, const unsigned char *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];
    guint i;

    shoalUUIDFormat(uuid, str);
    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = snap->domains->pdata[i];

        if (g_strcmp0(dom->uuid, str) == 0)
            return dom;
    }
    return NULL;
}

/* A domain that is not on any host yet, as sched sees it. */
static shoalSchedDomain *
placeNewDomain(const shoalDomainXML *def, const char *xml)
{
    shoalSchedDomain *dom = shoalSchedDomainNew(def->name);
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    dom->memoryKiB = MAX(def->memoryKiB, 1);
    dom->vcpus = MAX(def->vcpus, 1);
    dom->maxVcpus = MAX(def->maxVcpus, dom->vcpus);
    /* groups and pins bind a new domain too; a bad mode is define's
     * business, the host refuses nothing for it */
    if (xml && (meta = shoalPlacementMetadataParse(xml, NULL))) {
        dom->affinity = g_strdupv(meta->affinity);
        dom->antiAffinity = g_strdupv(meta->antiAffinity);
        dom->pinned =
            meta->pinned && meta->pinned[0] ? g_strdupv(meta->pinned) : NULL;
    }
    return dom;
}

/**
 * shoalClusterPlace:
 * @xml: (nullable): a new domain's XML, for its placement metadata
 * @except: (nullable): an existing domain to place elsewhere (its own
 *   load leaves its host)
 * @exclude: (nullable): a host not to choose, e.g. the one it leaves
 *
 * Asks sched, on a snapshot of the live cluster, for the host where the
 * domain leaves the cluster's imbalance lowest: the planner's scoring
 * and hard constraints. Returns: (transfer full): the chosen host.
 */
shoalHost *
shoalClusterPlace(shoalCluster *cluster,
                  const shoalDomainXML *def,
                  const char *xml,
                  const unsigned char *except,
                  const char *exclude,
                  GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);
    g_autoptr(shoalSchedConfig) config = NULL;
    g_autoptr(shoalSchedDomain) fresh = NULL;
    const shoalSchedDomain *dom = NULL;
    const char *chosen;

    g_mutex_lock(&cluster->schedLock);
    config = shoalSchedConfigRef(cluster->schedConfig);
    g_mutex_unlock(&cluster->schedLock);
    if (except)
        dom = placeFindDomain(snap, except);
    if (!dom)
        dom = fresh = placeNewDomain(def, xml);
    chosen = shoalSchedPlaceDomain(snap, config, dom, exclude, error);
    if (!chosen) {
        shoalClusterSchedErrorConvert(error);
        return NULL;
    }
    return shoalClusterLookupHost(cluster, chosen, error);
}

/*
 * A stored definition whose host has not shown it yet (unreachable, or
 * not re-read since) still owns its name and UUID.
 */
static bool
defineCheckStoreClash(shoalCluster *cluster,
                      const shoalDomainXML *def,
                      GError **error)
{
    g_autoptr(GPtrArray) stored = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    guint i;

    if (!cluster->store)
        return true;
    stored = shoalStoreList(cluster->store);
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];
        bool sameName = g_str_equal(sd->name, def->name);
        bool sameUUID =
            def->hasUUID && memcmp(sd->uuid, def->uuid, VIR_UUID_BUFLEN) == 0;

        shoalUUIDFormat(sd->uuid, uuid);
        if (sameName && def->hasUUID && !sameUUID) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                        _("operation failed: domain '%1$s' already exists with uuid %2$s"),
                        def->name, uuid);
            return false;
        }
        if (sameUUID && !sameName) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                        _("operation failed: domain '%1$s' is already defined with uuid %2$s"),
                        sd->name, uuid);
            return false;
        }
    }
    return true;
}

/*
 * Names and UUIDs are unique cluster-wide. Returns the existing entry a
 * definition replaces (same name and UUID), NULL with no error for a new
 * domain, NULL with an error for a clash. Call with defineLock held.
 */
static shoalInventoryEntry *
defineFindExisting(shoalCluster *cluster,
                   const shoalDomainXML *def,
                   GError **error)
{
    g_autoptr(shoalInventoryEntry) byName = NULL;
    g_autoptr(shoalInventoryEntry) byUUID = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (!defineCheckStoreClash(cluster, def, error))
        return NULL;
    byName = shoalInventoryLookupByName(cluster->inventory, def->name, NULL);
    if (def->hasUUID)
        byUUID =
            shoalInventoryLookupByUUID(cluster->inventory, def->uuid, NULL);
    if (byName && def->hasUUID &&
        memcmp(byName->rec.uuid, def->uuid, VIR_UUID_BUFLEN) != 0) {
        shoalUUIDFormat(byName->rec.uuid, uuid);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: domain '%1$s' already exists with uuid %2$s"),
                    def->name, uuid);
        return NULL;
    }
    if (byUUID && !byName) {
        shoalUUIDFormat(def->uuid, uuid);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: domain '%1$s' is already defined with uuid %2$s"),
                    byUUID->rec.name, uuid);
        return NULL;
    }
    return g_steal_pointer(&byName);
}

/* Persists what the host now holds for @dom. Worker thread. */
static bool
defineStorePut(shoalCluster *cluster,
               virDomainPtr dom,
               const char *hostName,
               GError **error)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autofree char *xml = virDomainGetXMLDesc(dom, DEFINE_XML_FLAGS);
    unsigned char uuid[VIR_UUID_BUFLEN];
    int autostart = 0;

    if (!xml || virDomainGetUUID(dom, uuid) < 0 ||
        virDomainGetAutostart(dom, &autostart) < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    sd = shoalStoreDomainNew(virDomainGetName(dom), uuid, hostName, xml,
                             autostart);
    return shoalStorePut(cluster->store, sd, error);
}

/**
 * shoalClusterStoreRefresh:
 *
 * After a change that may touch a persistent domain's definition, keeps
 * the store's copy equal to the host's. Worker thread; failures are
 * logged, the host's state stands and the next re-read retries.
 */
void
shoalClusterStoreRefresh(shoalCluster *cluster,
                         virDomainPtr dom,
                         const char *hostName)
{
    g_autoptr(GError) error = NULL;
    int persistent;

    if (!cluster->store)
        return;
    persistent = virDomainIsPersistent(dom);
    if (persistent < 0) {
        virResetLastError();
        return;
    }
    if (persistent == 1 && !defineStorePut(cluster, dom, hostName, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(hostName),
                         SHOAL_LOG_DOMAIN(virDomainGetName(dom)), "MESSAGE",
                         "cannot store the definition of '%s': %s",
                         virDomainGetName(dom), error->message);
}

static shoalDomainRef *
defineResult(shoalCluster *cluster,
             virDomainPtr dom,
             const char *hostName,
             GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    shoalClusterRefreshDomain(cluster, dom, hostName);
    virDomainGetUUID(dom, uuid);
    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, error);
    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

/* Defines on @host and stores; undoes the host's side if storing fails. */
static shoalDomainRef *
defineOnHost(shoalCluster *cluster,
             shoalHost *host,
             const char *xml,
             unsigned flags,
             bool isNew,
             GError **error)
{
    virConnectPtr conn = shoalHostGetConnection(host, error);
    virDomainPtr dom;
    shoalDomainRef *ref = NULL;

    if (!conn)
        return NULL;
    dom = virDomainDefineXMLFlags(conn, xml, flags);
    /* convert first: every libvirt call resets the thread's error */
    if (!dom)
        shoalErrorFromLibvirt(error, host->name);
    virConnectClose(conn);
    if (!dom)
        return NULL;
    if (!defineStorePut(cluster, dom, host->name, error)) {
        /* not durable, so not defined: the invariant over the call */
        if (isNew && virDomainUndefine(dom) < 0)
            virResetLastError();
    } else {
        ref = defineResult(cluster, dom, host->name, error);
    }
    virDomainFree(dom);
    return ref;
}

/**
 * shoalClusterDomainDefine:
 *
 * Defines a new domain on the host placement chooses, or replaces the
 * definition of an existing one on its host. Durable before it returns.
 * Returns: (transfer full): the domain.
 */
shoalDomainRef *
shoalClusterDomainDefine(shoalCluster *cluster,
                         const char *xml,
                         unsigned flags,
                         GError **error)
{
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalInventoryEntry) existing = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    g_autoptr(GError) err = NULL;

    if (!defineCheckStore(cluster, error) ||
        !(def = shoalDomainXMLParse(xml, error)))
        return NULL;

    locker = g_mutex_locker_new(&cluster->defineLock);
    existing = defineFindExisting(cluster, def, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (existing) {
        if (!shoalInventoryEntryCheckUsable(existing, error) ||
            !(host =
                  shoalClusterLookupHost(cluster, existing->hostName, error)))
            return NULL;
        return defineOnHost(cluster, host, xml, flags, false, error);
    }
    if (!(host = shoalClusterPlace(cluster, def, xml, NULL, NULL, error))) {
        g_prefix_error(error, _("cannot place domain '%1$s': "), def->name);
        return NULL;
    }
    return defineOnHost(cluster, host, xml, flags, true, error);
}

/**
 * shoalClusterDomainCreateXML:
 *
 * Starts a transient domain on the host placement chooses. Transient
 * domains are not stored: they end when they stop.
 */
shoalDomainRef *
shoalClusterDomainCreateXML(shoalCluster *cluster,
                            const char *xml,
                            unsigned flags,
                            GError **error)
{
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalInventoryEntry) existing = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    g_autoptr(GError) err = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    shoalDomainRef *ref;

    if (!(def = shoalDomainXMLParse(xml, error)))
        return NULL;
    locker = g_mutex_locker_new(&cluster->defineLock);
    existing = defineFindExisting(cluster, def, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (existing) {
        /* a defined domain of that name can only be started */
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: domain '%1$s' already exists on host '%2$s'"),
                    def->name, existing->hostName);
        return NULL;
    }
    if (!(host = shoalClusterPlace(cluster, def, xml, NULL, NULL, error))) {
        g_prefix_error(error, _("cannot place domain '%1$s': "), def->name);
        return NULL;
    }
    if (!(conn = shoalHostGetConnection(host, error)))
        return NULL;
    dom = virDomainCreateXML(conn, xml, flags);
    /* convert first: every libvirt call resets the thread's error */
    if (!dom)
        shoalErrorFromLibvirt(error, host->name);
    virConnectClose(conn);
    if (!dom)
        return NULL;
    ref = defineResult(cluster, dom, host->name, error);
    virDomainFree(dom);
    return ref;
}

/**
 * shoalClusterDomainUndefine:
 *
 * Removes the definition from its host and from the store. A running
 * domain goes on as a transient one, as with libvirt.
 */
bool
shoalClusterDomainUndefine(shoalCluster *cluster,
                           const unsigned char *uuid,
                           unsigned flags,
                           GError **error)
{
    g_autofree char *hostName = NULL;
    g_autoptr(shoalStoreDomain) stored = NULL;
    virDomainPtr dom;
    int rc;

    if (!defineCheckStore(cluster, error) ||
        !shoalClusterJobBegin(cluster, uuid, error))
        return false;
    dom = shoalClusterAcquireDomain(cluster, uuid, &hostName, error);
    if (!dom) {
        shoalClusterJobEnd(cluster, uuid);
        return false;
    }
    /* out of the store first: a host event racing with us must not find
     * a stored definition to restore */
    stored = shoalStoreLookup(cluster->store, uuid, NULL);
    if (!shoalStoreRemove(cluster->store, uuid, error)) {
        rc = -1;
    } else if ((rc = virDomainUndefineFlags(dom, flags)) < 0) {
        shoalErrorFromLibvirt(error, hostName);
        if (stored && !shoalStorePut(cluster->store, stored, NULL))
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_DOMAIN(stored->name), "MESSAGE",
                             "cannot store the definition of '%s' again",
                             stored->name);
    }
    shoalClusterRefreshDomain(cluster, dom, hostName);
    virDomainFree(dom);
    shoalClusterJobEnd(cluster, uuid);
    return rc == 0;
}

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
        if (!defineStorePut(cluster, dom, host->name, &error))
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
        if (defineStorePut(cluster, dom, host->name, &error))
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
