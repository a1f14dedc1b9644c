/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading what a host has: worker threads only, every call is host I/O. */
#include <config.h>

#include "cluster_sync.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "util_error.h"

/* UUIDs of the domains a filtered listing returns. */
static GHashTable *
syncListUUIDs(virConnectPtr conn,
              unsigned flags,
              const char *hostName,
              GError **error)
{
    virDomainPtr *doms = NULL;
    GHashTable *set;
    int n;
    int i;

    n = virConnectListAllDomains(conn, &doms, flags);
    if (n < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return NULL;
    }
    set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                (GDestroyNotify) g_bytes_unref, NULL);
    for (i = 0; i < n; i++) {
        unsigned char uuid[VIR_UUID_BUFLEN];

        if (virDomainGetUUID(doms[i], uuid) == 0)
            g_hash_table_add(set, g_bytes_new(uuid, VIR_UUID_BUFLEN));
        virDomainFree(doms[i]);
    }
    free(doms);
    return set;
}

static bool
syncInSet(GHashTable *set, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new_static(uuid, VIR_UUID_BUFLEN);

    return g_hash_table_contains(set, key);
}

/* Maximum memory and current vCPUs; drivers that leave them out of the
 * statistics are asked directly. */
static void
syncReadSize(virDomainStatsRecordPtr stats, shoalInventoryRecord *rec)
{
    unsigned long long maxKiB = 0;
    unsigned vcpus = 0;
    virDomainInfo info;

    virTypedParamsGetULLong(stats->params, stats->nparams, "balloon.maximum",
                            &maxKiB);
    virTypedParamsGetUInt(stats->params, stats->nparams, "vcpu.current",
                          &vcpus);
    if ((maxKiB == 0 || vcpus == 0) &&
        virDomainGetInfo(stats->dom, &info) == 0) {
        maxKiB = info.maxMem;
        vcpus = info.nrVirtCpu;
    }
    virResetLastError();
    rec->memoryKiB = maxKiB;
    rec->vcpus = vcpus;
}

/**
 * shoalSyncReadHost:
 *
 * Reads every domain of a host with a fixed number of calls, whatever the
 * number of domains: one listing per property, one state query.
 *
 * Returns: (transfer full): shoalInventoryRecord of each domain.
 */
GPtrArray *
shoalSyncReadHost(virConnectPtr conn, const char *hostName, GError **error)
{
    g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryRecordFree);
    g_autoptr(GHashTable) persistent = NULL;
    g_autoptr(GHashTable) autostart = NULL;
    g_autoptr(GHashTable) managedSave = NULL;
    g_autoptr(GHashTable) snapshot = NULL;
    virDomainStatsRecordPtr *stats = NULL;
    int n;
    int i;

    if (!(persistent = syncListUUIDs(conn, VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
                                     hostName, error)) ||
        !(autostart = syncListUUIDs(conn, VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
                                    hostName, error)) ||
        !(managedSave =
              syncListUUIDs(conn, VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
                            hostName, error)) ||
        !(snapshot = syncListUUIDs(conn, VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
                                   hostName, error)))
        return NULL;

    n = virConnectGetAllDomainStats(conn,
                                    VIR_DOMAIN_STATS_STATE |
                                        VIR_DOMAIN_STATS_BALLOON |
                                        VIR_DOMAIN_STATS_VCPU,
                                    &stats, 0);
    if (n < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        virDomainPtr dom = stats[i]->dom;
        unsigned char uuid[VIR_UUID_BUFLEN];
        shoalInventoryRecord *rec;
        int state = VIR_DOMAIN_NOSTATE;
        int reason = 0;

        if (virDomainGetUUID(dom, uuid) < 0)
            continue;
        rec = shoalInventoryRecordNew(virDomainGetName(dom), uuid);
        virTypedParamsGetInt(stats[i]->params, stats[i]->nparams, "state.state",
                             &state);
        virTypedParamsGetInt(stats[i]->params, stats[i]->nparams,
                             "state.reason", &reason);
        rec->state = state;
        rec->reason = reason;
        syncReadSize(stats[i], rec);
        rec->hostId = virDomainGetID(dom) == (unsigned) -1
                          ? -1
                          : (int) virDomainGetID(dom);
        rec->persistent = syncInSet(persistent, uuid);
        rec->autostart = syncInSet(autostart, uuid);
        rec->managedSave = syncInSet(managedSave, uuid);
        rec->hasSnapshot = syncInSet(snapshot, uuid);
        g_ptr_array_add(records, rec);
    }
    virDomainStatsRecordListFree(stats);
    return g_steal_pointer(&records);
}

/**
 * shoalSyncReadDomain:
 * Returns: (transfer full): what the host says of one domain now, or NULL
 *   with VIR_ERR_NO_DOMAIN when it has none (or one it is removing).
 */
shoalInventoryRecord *
shoalSyncReadDomain(virDomainPtr dom, const char *hostName, GError **error)
{
    g_autoptr(shoalInventoryRecord) rec = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int state;
    int reason;
    int persistent;
    int autostart = 0;
    int managedSave;
    int snapshots;
    virDomainInfo info;

    if (virDomainGetUUID(dom, uuid) < 0 || virDomainGetInfo(dom, &info) < 0 ||
        virDomainGetState(dom, &state, &reason, 0) < 0 ||
        (persistent = virDomainIsPersistent(dom)) < 0 ||
        virDomainGetAutostart(dom, &autostart) < 0 ||
        (managedSave = virDomainHasManagedSaveImage(dom, 0)) < 0 ||
        (snapshots = virDomainSnapshotNum(dom, 0)) < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return NULL;
    }
    if (state == VIR_DOMAIN_SHUTOFF && persistent == 0) {
        /* libvirt keeps no inactive transient domain: this one (stopped,
         * or a migration's source) is being removed, with no event */
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: domain '%1$s' is being removed"),
                    virDomainGetName(dom));
        return NULL;
    }
    rec = shoalInventoryRecordNew(virDomainGetName(dom), uuid);
    rec->state = state;
    rec->reason = reason;
    rec->hostId =
        virDomainGetID(dom) == (unsigned) -1 ? -1 : (int) virDomainGetID(dom);
    rec->persistent = persistent;
    rec->autostart = autostart;
    rec->managedSave = managedSave;
    rec->hasSnapshot = snapshots > 0;
    rec->memoryKiB = info.maxMem;
    rec->vcpus = info.nrVirtCpu;
    return g_steal_pointer(&rec);
}
