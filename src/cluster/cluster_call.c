/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reaching a domain's host: the one primitive every domain call uses. */
#include <config.h>

#include "cluster_call.h"

#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

/* How long a call waits for a migration that just moved its domain to be
 * settled: the moment between libvirt's end and Shoal's records. */
#define CALL_MOVE_WAIT_US (10 * G_USEC_PER_SEC)
#define CALL_MOVE_POLL_US (20 * 1000)

/**
 * shoalClusterDomainMoved:
 *
 * Whether @uuid moved away from @hostName, which answered for it: it was
 * migrating (waits, bounded, for the move to settle), or it has settled
 * already on another host (the move ended while the call was on its way).
 */
bool
shoalClusterDomainMoved(shoalCluster *cluster,
                        const unsigned char *uuid,
                        const char *hostName)
{
    gint64 deadline = g_get_monotonic_time() + CALL_MOVE_WAIT_US;
    g_autoptr(shoalInventoryEntry) entry = NULL;

    if (shoalExecIsMigrating(cluster->exec, uuid)) {
        while (shoalExecIsMigrating(cluster->exec, uuid) &&
               g_get_monotonic_time() < deadline)
            g_usleep(CALL_MOVE_POLL_US);
        return true;
    }
    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    return entry && !g_str_equal(entry->hostName, hostName);
}

/*
 * The owning host's handle on a domain. Returns: (transfer full): release
 * with virDomainFree(); @hostName gets the host's name.
 */
static virDomainPtr
callAcquireDomain(shoalCluster *cluster,
                  const unsigned char *uuid,
                  char **hostName,
                  GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GError) err = NULL;
    virDomainPtr dom;

    if (!(entry =
              shoalInventoryLookupByUUID(cluster->inventory, uuid, error)) ||
        !shoalInventoryEntryCheckUsable(entry, error) ||
        !(host = shoalClusterLookupHost(cluster, entry->hostName, error)))
        return NULL;
    dom = shoalHostLookupDomain(host, uuid, &err);
    if (!dom) {
        /* the inventory was stale: learn what the host has now */
        if (g_error_matches(err, SHOAL_ERROR, VIR_ERR_NO_DOMAIN))
            shoalClusterRequestResync(cluster, host);
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    *hostName = g_strdup(host->name);
    return dom;
}

/* @func on @dom of @hostName, refreshed after as @opts ask. */
static int
callRun(shoalCluster *cluster,
        virDomainPtr dom,
        const char *hostName,
        unsigned opts,
        shoalClusterDomainFunc func,
        gpointer opaque,
        GError **error)
{
    int rc = func(dom, opaque);

    /* before any other libvirt call, which resets the thread's error */
    if (rc < 0)
        shoalErrorFromLibvirt(error, hostName);
    if ((opts & SHOAL_CALL_REFRESH) ||
        (rc < 0 && (opts & SHOAL_CALL_REFRESH_FAILED))) {
        unsigned char uuid[VIR_UUID_BUFLEN];

        if (rc >= 0)
            shoalClusterStoreRefresh(cluster, dom, hostName);
        shoalClusterRefreshDomain(cluster, dom, hostName);
        /* a change may have made or removed a snapshot */
        if (virDomainGetUUID(dom, uuid) == 0)
            shoalSnapshotPinsForget(cluster->snapshotPins, uuid);
    }
    return rc;
}

/* One attempt: @func on the owner's handle. */
static int
callOnce(shoalCluster *cluster,
         const unsigned char *uuid,
         unsigned opts,
         shoalClusterDomainFunc func,
         gpointer opaque,
         char **hostName,
         GError **error)
{
    virDomainPtr dom = callAcquireDomain(cluster, uuid, hostName, error);
    int rc;

    if (!dom)
        return -1;
    rc = callRun(cluster, dom, *hostName, opts, func, opaque, error);
    virDomainFree(dom);
    return rc;
}

/**
 * shoalClusterDomainCallFull:
 * @opts: shoalClusterCallFlags
 * @hostName: (out) (optional): the host that answered
 *
 * As shoalClusterDomainCall(), and tells which host answered.
 */
int
shoalClusterDomainCallFull(shoalCluster *cluster,
                           const unsigned char *uuid,
                           unsigned opts,
                           shoalClusterDomainFunc func,
                           gpointer opaque,
                           char **hostName,
                           GError **error)
{
    g_autofree char *answered = NULL;
    g_autoptr(GError) err = NULL;
    int rc;

    /* a change: only while this daemon surely leads */
    if ((opts & SHOAL_CALL_JOB) &&
        (!shoalClusterMayAct(cluster, error) ||
         !shoalDomainJobsBegin(cluster->jobs, uuid, error)))
        return -1;
    rc = callOnce(cluster, uuid, opts, func, opaque, &answered, &err);
    if (rc < 0 && (opts & SHOAL_CALL_RETRY) && answered &&
        g_error_matches(err, SHOAL_ERROR, VIR_ERR_NO_DOMAIN) &&
        shoalClusterDomainMoved(cluster, uuid, answered)) {
        g_clear_error(&err);
        g_clear_pointer(&answered, g_free);
        rc = callOnce(cluster, uuid, opts, func, opaque, &answered, &err);
    }
    if (opts & SHOAL_CALL_JOB)
        shoalDomainJobsEnd(cluster->jobs, uuid);
    if (rc < 0) {
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    if (hostName)
        *hostName = g_steal_pointer(&answered);
    return rc;
}

/**
 * shoalClusterDomainCall:
 * @uuid: the domain, as the inventory knows it
 * @opts: shoalClusterCallFlags
 * @func: one libvirt call on the owning host's handle
 *
 * Runs @func on the host that owns the domain, on the calling thread
 * (a worker, never the main loop), with the job, retry and refresh that
 * @opts ask for. A failure of @func is libvirt's error, converted with
 * its code and message; a domain that is unknown, or whose host is
 * unreachable, fails before @func runs.
 * Returns: @func's result, or -1 with @error set.
 */
int
shoalClusterDomainCall(shoalCluster *cluster,
                       const unsigned char *uuid,
                       unsigned opts,
                       shoalClusterDomainFunc func,
                       gpointer opaque,
                       GError **error)
{
    return shoalClusterDomainCallFull(cluster, uuid, opts, func, opaque, NULL,
                                      error);
}

/**
 * shoalClusterHostDomainCall:
 * @host: the host to ask, whatever the inventory says owns @uuid
 * @opts: shoalClusterCallFlags but SHOAL_CALL_RETRY
 *
 * As shoalClusterDomainCall(), on @host's handle on the domain. For the
 * moments the owner is not the host to ask: a migration's destination
 * before the inventory names it, the host a re-home left, a host asked
 * whether it lacks a domain. A host without the domain fails with
 * VIR_ERR_NO_DOMAIN; no re-read is asked for then, as the caller knew
 * the inventory may not match.
 * Returns: @func's result, or -1 with @error set.
 */
int
shoalClusterHostDomainCall(shoalCluster *cluster,
                           shoalHost *host,
                           const unsigned char *uuid,
                           unsigned opts,
                           shoalClusterDomainFunc func,
                           gpointer opaque,
                           GError **error)
{
    virDomainPtr dom;
    int rc = -1;

    g_return_val_if_fail(!(opts & SHOAL_CALL_RETRY), -1);
    /* a change: only while this daemon surely leads */
    if ((opts & SHOAL_CALL_JOB) &&
        (!shoalClusterMayAct(cluster, error) ||
         !shoalDomainJobsBegin(cluster->jobs, uuid, error)))
        return -1;
    if ((dom = shoalHostLookupDomain(host, uuid, error))) {
        rc = callRun(cluster, dom, host->name, opts, func, opaque, error);
        virDomainFree(dom);
    }
    if (opts & SHOAL_CALL_JOB)
        shoalDomainJobsEnd(cluster->jobs, uuid);
    return rc;
}
