/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which hosts are members, as operators change it: adding, removing,
 * maintenance flags. Changes made at run time are stored, so that a
 * restart keeps them; the configuration file only seeds the first start.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_uuid.h"

#define MEMBERSHIP_VERSION 1

void
shoalClusterHostInfoFree(shoalClusterHostInfo *info)
{
    if (!info)
        return;
    g_free(info->name);
    g_free(info->uri);
    g_free(info->migrationUri);
    g_free(info->lastError);
    g_free(info);
}

static json_object *
membershipFormatHost(shoalCluster *cluster, shoalHost *host)
{
    json_object *obj = json_object_new_object();
    json_object *evacuated = json_object_new_array();
    g_autoptr(GPtrArray) uuids = shoalHostCopyEvacuated(host);
    guint i;

    json_object_object_add(obj, "name", json_object_new_string(host->name));
    json_object_object_add(obj, "uri", json_object_new_string(host->uri));
    json_object_object_add(obj, "migration_uri",
                           json_object_new_string(host->migrationUri));
    json_object_object_add(obj, "maintenance",
                           json_object_new_boolean(
                               shoalHostInMaintenance(host)));
    /* issue 12: a restart must not wake or hammer it */
    if (shoalClusterPowerInStandby(cluster, host->name))
        json_object_object_add(obj, "standby", json_object_new_boolean(true));
    for (i = 0; i < uuids->len; i++) {
        char uuid[SHOAL_UUID_STRING_BUFLEN];

        shoalUUIDFormat(uuids->pdata[i], uuid);
        json_object_array_add(evacuated, json_object_new_string(uuid));
    }
    json_object_object_add(obj, "evacuated", evacuated);
    return obj;
}

/**
 * membershipSave:
 * @removed: (nullable): a host name to record as removed
 *
 * Stores every member and its flags, durably. Any thread.
 */
static bool
membershipSave(shoalCluster *cluster, const char *removed, GError **error)
{
    g_autoptr(json_object) root = json_object_new_object();
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autofree char *old = NULL;
    json_object *list;
    json_object *gone;
    guint i;

    if (!cluster->store)
        return true;
    list = json_object_new_array();
    gone = json_object_new_array();
    old = shoalStoreGetHosts(cluster->store);
    if (old) {
        g_autoptr(json_object) prev = json_tokener_parse(old);
        json_object *prevGone = NULL;

        if (prev && json_object_object_get_ex(prev, "removed", &prevGone) &&
            json_object_is_type(prevGone, json_type_array)) {
            for (i = 0; i < json_object_array_length(prevGone); i++) {
                const char *name = json_object_get_string(
                    json_object_array_get_idx(prevGone, i));
                g_autoptr(shoalHost) back = NULL;

                /* a host added again is no longer removed */
                back = shoalClusterLookupHost(cluster, name, NULL);
                if (name && !back)
                    json_object_array_add(gone, json_object_new_string(name));
            }
        }
    }
    if (removed)
        json_object_array_add(gone, json_object_new_string(removed));
    for (i = 0; i < hosts->len; i++)
        json_object_array_add(list,
                              membershipFormatHost(cluster, hosts->pdata[i]));
    json_object_object_add(root, "version",
                           json_object_new_int(MEMBERSHIP_VERSION));
    json_object_object_add(root, "hosts", list);
    json_object_object_add(root, "removed", gone);
    return shoalStorePutHosts(cluster->store,
                              json_object_to_json_string_ext(root,
                                                             JSON_C_TO_STRING_PRETTY),
                              error);
}

static bool
membershipAdd(shoalCluster *cluster,
              const char *name,
              const char *uri,
              const char *migrationUri,
              shoalHost **added,
              GError **error)
{
    g_autoptr(shoalHost) host = NULL;

    if (!name || !*name || strchr(name, '/') || !uri || !*uri) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: a host needs a name without '/' and a URI"));
        return false;
    }
    host = shoalHostNew(name, uri, migrationUri);
    if (!shoalHostListAdd(cluster->hostList, host, error))
        return false;
    if (added)
        *added = g_steal_pointer(&host);
    return true;
}

/**
 * shoalClusterAddHost:
 * @migrationUri: (nullable): the URI other hosts migrate to; default @uri
 *
 * Adds a member host and stores the change; a running cluster connects
 * it at once.
 */
bool
shoalClusterAddHost(shoalCluster *cluster,
                    const char *name,
                    const char *uri,
                    const char *migrationUri,
                    GError **error)
{
    g_autoptr(shoalHost) host = NULL;

    if (!membershipAdd(cluster, name, uri, migrationUri, &host, error))
        return false;
    shoalClusterHostAdded(cluster, host);
    return membershipSave(cluster, NULL, error);
}

/**
 * shoalClusterRemoveHost:
 *
 * Removes a member that holds no domains (running or defined): evacuate
 * it with maintenance first. Its connection is closed.
 */
bool
shoalClusterRemoveHost(shoalCluster *cluster, const char *name, GError **error)
{
    g_autoptr(shoalHost) host = NULL;
    unsigned domains;

    if (!(host = shoalClusterLookupHost(cluster, name, error)))
        return false;
    domains = shoalInventoryHostCount(cluster->inventory, name, NULL);
    if (domains > 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    g_dngettext(GETTEXT_PACKAGE,
                                "Requested operation is not valid: host '%2$s' still holds %1$u domain; put it in maintenance first",
                                "Requested operation is not valid: host '%2$s' still holds %1$u domains; put it in maintenance first",
                                domains),
                    domains, name);
        return false;
    }
    g_clear_pointer(&host, shoalHostUnref);
    host = shoalHostListTake(cluster->hostList, name);
    if (host)
        shoalClusterDisconnectHost(cluster, host);
    return membershipSave(cluster, name, error);
}

/* Applies stored flags to @host; Main thread, at start. */
static void
membershipApply(shoalCluster *cluster, shoalHost *host, json_object *obj)
{
    json_object *standby = NULL;
    json_object *maint = NULL;
    json_object *evacuated = NULL;
    size_t i;

    if (json_object_object_get_ex(obj, "maintenance", &maint))
        shoalHostSetMaintenance(host, json_object_get_boolean(maint));
    if (json_object_object_get_ex(obj, "standby", &standby))
        shoalClusterPowerLoadStandby(cluster, host->name,
                                     json_object_get_boolean(standby));
    if (json_object_object_get_ex(obj, "evacuated", &evacuated) &&
        json_object_is_type(evacuated, json_type_array)) {
        for (i = 0; i < json_object_array_length(evacuated); i++) {
            const char *str =
                json_object_get_string(json_object_array_get_idx(evacuated, i));
            unsigned char uuid[SHOAL_UUID_BUFLEN];

            if (str && shoalUUIDParse(str, uuid))
                shoalHostAddEvacuated(host, uuid);
        }
    }
}

static const char *
membershipString(json_object *obj, const char *key)
{
    json_object *val = NULL;

    if (!json_object_object_get_ex(obj, key, &val) ||
        !json_object_is_type(val, json_type_string))
        return NULL;
    return json_object_get_string(val);
}

/**
 * shoalClusterLoadHosts:
 *
 * Main thread, before start: replays the stored membership over the
 * configured hosts — added hosts join, removed ones leave, maintenance
 * flags return.
 */
bool
shoalClusterLoadHosts(shoalCluster *cluster, GError **error)
{
    g_autofree char *data = shoalStoreGetHosts(cluster->store);
    g_autoptr(json_object) root = NULL;
    json_object *list = NULL;
    json_object *gone = NULL;
    size_t i;

    if (!data)
        return true;
    root = json_tokener_parse(data);
    if (!root || !json_object_is_type(root, json_type_object)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the stored host list is not valid JSON"));
        return false;
    }
    if (json_object_object_get_ex(root, "removed", &gone) &&
        json_object_is_type(gone, json_type_array)) {
        for (i = 0; i < json_object_array_length(gone); i++) {
            const char *name =
                json_object_get_string(json_object_array_get_idx(gone, i));

            if (name)
                shoalHostUnref(shoalHostListTake(cluster->hostList, name));
        }
    }
    if (!json_object_object_get_ex(root, "hosts", &list) ||
        !json_object_is_type(list, json_type_array))
        return true;
    for (i = 0; i < json_object_array_length(list); i++) {
        json_object *obj = json_object_array_get_idx(list, i);
        const char *name = membershipString(obj, "name");
        g_autoptr(shoalHost) host = NULL;

        if (!name)
            continue;
        host = shoalClusterLookupHost(cluster, name, NULL);
        if (!host && !membershipAdd(cluster, name, membershipString(obj, "uri"),
                                    membershipString(obj, "migration_uri"),
                                    &host, error))
            return false;
        membershipApply(cluster, host, obj);
    }
    return true;
}

/* Stores every member and its flags (a standby, say). Any thread. */
bool
shoalClusterSaveHosts(shoalCluster *cluster, GError **error)
{
    return membershipSave(cluster, NULL, error);
}

/**
 * shoalClusterSetHostMaintenanceFlag:
 *
 * Sets the flag placement reads and stores it. Evacuation is the
 * maintenance code's job.
 */
bool
shoalClusterSetHostMaintenanceFlag(shoalCluster *cluster,
                                   shoalHost *host,
                                   bool on,
                                   GError **error)
{
    shoalHostSetMaintenance(host, on);
    return membershipSave(cluster, NULL, error);
}

/* The last interval's CPU demand over the host's (modelled) capacity. */
static double
membershipCpuLoad(shoalCluster *cluster, shoalHost *host, unsigned capacity)
{
    g_autoptr(GArray) samples =
        shoalStatsHostSamples(cluster->stats, host->name);

    if (samples->len == 0 || capacity == 0)
        return -1;
    return g_array_index(samples, double, samples->len - 1) / capacity;
}

/**
 * shoalClusterListHostInfo:
 * Returns: (transfer full): shoalClusterHostInfo of every host, by name.
 */
GPtrArray *
shoalClusterListHostInfo(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalClusterHostInfoFree);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalClusterHostInfo *info = g_new0(shoalClusterHostInfo, 1);
        g_auto(shoalHostStatus) status = { 0 };

        info->name = g_strdup(host->name);
        info->uri = g_strdup(host->uri);
        info->migrationUri = g_strdup(host->migrationUri);
        shoalHostGetStatus(host, &status);
        info->state = shoalHostStateToString(status.state);
        info->maintenance = status.maintenance;
        info->lastError = g_steal_pointer(&status.lastError);
        info->memoryKiB = status.nodeMemoryKiB;
        info->cpus = status.nodeCpus;
        shoalInventoryHostUsage(cluster->inventory, host->name, NULL,
                                &info->committedMemoryKiB,
                                &info->committedVcpus);
        info->domains = shoalInventoryHostCount(cluster->inventory, host->name,
                                                &info->running);
        info->cpuLoad = membershipCpuLoad(cluster, host, status.cpus);
        shoalClusterPowerFillInfo(cluster, info);
        g_ptr_array_add(out, info);
    }
    return out;
}

void
shoalClusterGetStatus(shoalCluster *cluster, shoalClusterStatus *status)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHostInfo(cluster);
    guint i;

    memset(status, 0, sizeof(*status));
    for (i = 0; i < hosts->len; i++) {
        const shoalClusterHostInfo *info = hosts->pdata[i];

        status->hosts++;
        status->hostsOnline += g_str_equal(info->state, "online");
        status->hostsMaintenance += info->maintenance;
        status->domains += info->domains;
        status->running += info->running;
    }
    status->migrationsRunning = shoalClusterMigrationsRunning(cluster);
}

/**
 * shoalClusterSetHostCapacity:
 * @cpus: 0 keeps what the host reports
 * @memoryKiB: likewise
 *
 * The capacity the scheduler assumes for a host, so that a test bed of
 * equal machines can model bigger and smaller ones.
 */
bool
shoalClusterSetHostCapacity(shoalCluster *cluster,
                            const char *name,
                            unsigned cpus,
                            unsigned long long memoryKiB,
                            GError **error)
{
    g_autoptr(shoalHost) host = shoalClusterLookupHost(cluster, name, error);

    if (!host)
        return false;
    shoalHostSetCapacity(host, cpus, memoryKiB);
    return true;
}
