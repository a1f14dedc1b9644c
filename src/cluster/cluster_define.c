/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Definitions: placing new domains and keeping Shoal's durable copy of
 * them. Reconciling the store with what a host has is
 * cluster_reconcile.c's.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_diskformat.h"
#include "cluster_domainxml.h"
#include "cluster_error.h"
#include "cluster_group.h"
#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_numapin.h"
#include "cluster_objectneeds.h"
#include "sched.h"
#include "util_error.h"
#include "util_log.h"

/* The XML a restart re-defines a domain from: inactive, with secrets. */
#define DEFINE_XML_FLAGS (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)

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
placeNewDomain(shoalCluster *cluster,
               const shoalDomainXML *def,
               const char *xml)
{
    shoalSchedDomain *dom = shoalSchedDomainNew(def->name);
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(shoalDomainNeeds) needs = NULL;

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
        dom->numaOptOut = meta->numaOptOut;
    }
    if (xml && (needs = shoalDomainNeedsParse(xml))) {
        g_autoptr(shoalNeedsPools) pools = shoalNeedsPoolsNew(cluster);

        shoalNeedsResolve(pools, needs, &dom->requires);
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

    config = shoalSchedStateGetConfig(cluster->sched);
    if (except)
        dom = placeFindDomain(snap, except);
    if (!dom) {
        dom = fresh = placeNewDomain(cluster, def, xml);
        /* the hosts were asked only for what the others need */
        if (!shoalSchedObjectsIsEmpty(&fresh->requires))
            shoalClusterFillHostObjects(cluster, snap, &fresh->requires);
    }
    chosen = shoalSchedPlaceDomain(snap, config, dom, exclude, error);
    if (!chosen) {
        /* room in standby: wake it (issue 12) */
        if (error && *error &&
            g_error_matches(*error, SHOAL_SCHED_ERROR,
                            SHOAL_SCHED_ERROR_NO_HOST))
            shoalClusterPowerWakeForPlacement(cluster, snap, *error);
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
 * domain, NULL with an error for a clash. Call with the name reserved.
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

/* The record of what @hostName now holds for @dom. Worker thread. */
shoalStoreDomain *
shoalClusterStoreRead(virDomainPtr dom, const char *hostName, GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, DEFINE_XML_FLAGS);
    unsigned char uuid[VIR_UUID_BUFLEN];
    int autostart = 0;

    if (!xml || virDomainGetUUID(dom, uuid) < 0 ||
        virDomainGetAutostart(dom, &autostart) < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return NULL;
    }
    return shoalStoreDomainNew(virDomainGetName(dom), uuid, hostName, xml,
                               autostart);
}

/* Persists what the host now holds for @dom. Worker thread. */
bool
shoalClusterStorePut(shoalCluster *cluster,
                     virDomainPtr dom,
                     const char *hostName,
                     GError **error)
{
    g_autoptr(shoalStoreDomain) sd =
        shoalClusterStoreRead(dom, hostName, error);

    return sd && shoalStorePut(cluster->store, sd, error);
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
    if (persistent == 1 &&
        !shoalClusterStorePut(cluster, dom, hostName, &error))
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
    virConnectPtr conn = NULL;
    g_autofree char *filled = NULL;
    g_autofree char *pinned = NULL;
    virDomainPtr dom;
    shoalDomainRef *ref = NULL;

    /* the NUMA cells sched chose there, in the host's definition */
    if (!shoalClusterNumaPin(cluster, host->name, xml, false, &pinned, error) ||
        !(conn = shoalHostGetConnection(host, error)))
        return NULL;
    if (pinned)
        xml = pinned;
    filled = shoalClusterDiskFormatFill(cluster, conn, xml);
    dom = virDomainDefineXMLFlags(conn, filled ? filled : xml, flags);
    /* convert first: every libvirt call resets the thread's error */
    if (!dom)
        shoalErrorFromLibvirt(error, host->name);
    virConnectClose(conn);
    if (!dom)
        return NULL;
    if (!shoalClusterStorePut(cluster, dom, host->name, error)) {
        /* not durable, so not defined: the invariant over the call */
        if (isNew && virDomainUndefine(dom) < 0)
            virResetLastError();
    } else {
        ref = defineResult(cluster, dom, host->name, error);
    }
    virDomainFree(dom);
    return ref;
}

/* Starts a transient domain on @host. */
static shoalDomainRef *
defineCreateOnHost(shoalCluster *cluster,
                   shoalHost *host,
                   const char *xml,
                   unsigned flags,
                   GError **error)
{
    virConnectPtr conn = NULL;
    g_autofree char *filled = NULL;
    g_autofree char *pinned = NULL;
    virDomainPtr dom;
    shoalDomainRef *ref;

    if (!shoalClusterNumaPin(cluster, host->name, xml, false, &pinned, error) ||
        !(conn = shoalHostGetConnection(host, error)))
        return NULL;
    if (pinned)
        xml = pinned;
    filled = shoalClusterDiskFormatFill(cluster, conn, xml);
    dom = virDomainCreateXML(conn, filled ? filled : xml, flags);
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

/* What a define or create holds while it talks to the host. */
typedef struct _defineClaim {
    shoalCluster *cluster; /* borrowed */
    char *name;            /* reserved */
    bool job;              /* whether @uuid's job is held */
    unsigned char uuid[VIR_UUID_BUFLEN];
} defineClaim;

static void
defineClaimFree(defineClaim *claim)
{
    if (claim->job)
        shoalDomainJobsEnd(claim->cluster->jobs, claim->uuid);
    if (claim->name)
        shoalDomainJobsReleaseName(claim->cluster->jobs, claim->name);
    g_free(claim->name);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(defineClaim, defineClaimFree)

/*
 * Reserves @def's name and, for a domain that has a UUID already (given,
 * or the existing domain's), takes that domain's job. Names are taken
 * before jobs, so two claims never wait for each other in a circle.
 * Returns the existing domain @def replaces, NULL with no error for a new
 * one, NULL with an error for a clash or a timeout.
 */
static shoalInventoryEntry *
defineClaimTake(defineClaim *claim, const shoalDomainXML *def, GError **error)
{
    shoalCluster *cluster = claim->cluster;
    g_autoptr(shoalInventoryEntry) existing = NULL;
    g_autoptr(GError) err = NULL;

    if (!shoalDomainJobsReserveName(cluster->jobs, def->name, error))
        return NULL;
    claim->name = g_strdup(def->name);
    if (def->hasUUID) {
        if (!shoalDomainJobsBegin(cluster->jobs, def->uuid, error))
            return NULL;
        memcpy(claim->uuid, def->uuid, VIR_UUID_BUFLEN);
        claim->job = true;
        return defineFindExisting(cluster, def, error);
    }
    existing = defineFindExisting(cluster, def, &err);
    if (!existing) {
        if (err)
            g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    /* a redefinition by name: the domain's job, then look again, as a
     * change that held it may have removed the domain */
    if (!shoalDomainJobsBegin(cluster->jobs, existing->rec.uuid, error))
        return NULL;
    memcpy(claim->uuid, existing->rec.uuid, VIR_UUID_BUFLEN);
    claim->job = true;
    return defineFindExisting(cluster, def, error);
}

/* The placement metadata's vcpu-floor, if any, is a count the domain
 * can have: at least 1 (the parser's check), at most its maximum. */
static bool
defineCheckVcpuFloor(const shoalDomainXML *def,
                     const shoalPlacementMetadata *meta,
                     GError **error)
{
    unsigned floor = meta->vcpuFloor;
    unsigned most = MAX(def->maxVcpus, def->vcpus);

    if (floor > most) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: placement vcpu-floor %1$u is above the domain's %2$u maximum vCPUs"),
                    floor, most);
        return false;
    }
    return true;
}

/**
 * shoalClusterDomainDefine:
 *
 * Defines a new domain on the host placement chooses, or replaces the
 * definition of an existing one on its host. Durable before it returns.
 * Holds the name and the domain's job, never a cluster-wide lock, while
 * it talks to the host.
 * Returns: (transfer full): the domain.
 */
shoalDomainRef *
shoalClusterDomainDefine(shoalCluster *cluster,
                         const char *xml,
                         unsigned flags,
                         GError **error)
{
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(shoalInventoryEntry) existing = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_auto(defineClaim) claim = { cluster, NULL, false, { 0 } };
    g_autoptr(GError) err = NULL;

    shoalDomainRef *ref;

    /* Shoal's own metadata is Shoal's to validate: an error now, not a
     * domain the scheduler or HA restart quietly ignores later */
    if (!defineCheckStore(cluster, error) ||
        !(def = shoalDomainXMLParse(xml, error)) ||
        !(meta = shoalPlacementMetadataParse(xml, error)) ||
        !defineCheckVcpuFloor(def, meta, error) ||
        !shoalClusterGroupCheckTemplate(cluster, xml, error))
        return NULL;
    existing = defineClaimTake(&claim, def, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (existing) {
        if (!shoalInventoryEntryCheckUsable(existing, error) ||
            !(host =
                  shoalClusterLookupHost(cluster, existing->hostName, error)))
            return NULL;
        ref = defineOnHost(cluster, host, xml, flags, false, error);
    } else if (!(host =
                     shoalClusterPlace(cluster, def, xml, NULL, NULL, error))) {
        g_prefix_error(error, _("cannot place domain '%1$s': "), def->name);
        return NULL;
    } else {
        ref = defineOnHost(cluster, host, xml, flags, true, error);
    }
    /* the default floor of vertical scaling: vCPU hot-add rewrites the
     * persistent count, so what it was defined with is kept here */
    if (ref)
        shoalSchedStateNoteDefined(cluster->sched, ref->uuid,
                                   MAX(def->vcpus, 1));
    return ref;
}

/**
 * shoalClusterDomainCreateXML:
 *
 * Starts a transient domain on the host placement chooses, or an
 * existing domain of the same name and UUID on its host, as libvirtd
 * does. Transient domains are not stored: they end when they stop.
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
    g_auto(defineClaim) claim = { cluster, NULL, false, { 0 } };
    g_autoptr(GError) err = NULL;

    if (!(def = shoalDomainXMLParse(xml, error)))
        return NULL;
    existing = defineClaimTake(&claim, def, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    if (existing) {
        /* as libvirtd: an inactive persistent domain of that name and
         * UUID starts with this definition; its host says otherwise */
        if (!shoalInventoryEntryCheckUsable(existing, error) ||
            !(host =
                  shoalClusterLookupHost(cluster, existing->hostName, error)))
            return NULL;
    } else if (!(host =
                     shoalClusterPlace(cluster, def, xml, NULL, NULL, error))) {
        g_prefix_error(error, _("cannot place domain '%1$s': "), def->name);
        return NULL;
    }
    return defineCreateOnHost(cluster, host, xml, flags, error);
}

typedef struct _defineUndefine {
    shoalCluster *cluster; /* borrowed */
    const unsigned char *uuid;
    unsigned flags;
    shoalStoreDomain *stored; /* removed from the store */
    GError *error;            /* the store's, not the host's */
} defineUndefine;

static int
defineCallUndefine(virDomainPtr dom, gpointer opaque)
{
    defineUndefine *u = opaque;
    g_autoptr(shoalStoreDomain) stored = NULL;

    /* out of the store first: a host event racing with us must not find
     * a stored definition to restore */
    stored = shoalStoreLookup(u->cluster->store, u->uuid, NULL);
    if (!shoalStoreRemove(u->cluster->store, u->uuid, &u->error))
        return -1;
    u->stored = g_steal_pointer(&stored);
    return virDomainUndefineFlags(dom, u->flags);
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
    defineUndefine u = { cluster, uuid, flags, NULL, NULL };
    g_autoptr(shoalStoreDomain) stored = NULL;
    g_autoptr(GError) err = NULL;
    int rc;

    if (!defineCheckStore(cluster, error) ||
        !shoalDomainJobsBegin(cluster->jobs, uuid, error))
        return false;
    /* a definition its host lost is only the store's to forget */
    if (shoalClusterForgetMissing(cluster, uuid)) {
        shoalDomainJobsEnd(cluster->jobs, uuid);
        return true;
    }
    rc = shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_REFRESH,
                                defineCallUndefine, &u, &err);
    stored = g_steal_pointer(&u.stored);
    if (rc < 0 && stored && !shoalStorePut(cluster->store, stored, NULL))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_DOMAIN(stored->name), "MESSAGE",
                         "cannot store the definition of '%s' again",
                         stored->name);
    shoalDomainJobsEnd(cluster->jobs, uuid);
    if (u.error) {
        g_propagate_error(error, g_steal_pointer(&u.error));
        return false;
    }
    if (rc < 0) {
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    return true;
}
