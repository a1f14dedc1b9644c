/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_host.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "util_error.h"

static const char *const hostStateNames[SHOAL_HOST_STATE_LAST] = {
    [SHOAL_HOST_STATE_CONNECTING] = "connecting",
    [SHOAL_HOST_STATE_ONLINE] = "online",
    [SHOAL_HOST_STATE_UNREACHABLE] = "unreachable",
};

const char *
shoalHostStateToString(shoalHostState state)
{
    if (state >= SHOAL_HOST_STATE_LAST)
        return "unknown";
    return hostStateNames[state];
}

void
shoalHostFactsFree(shoalHostFacts *facts)
{
    if (!facts)
        return;
    g_free(facts->capabilities);
    g_free(facts->hostname);
    g_free(facts);
}

/**
 * shoalHostNew:
 * @migrationUri: (nullable): the URI other hosts' libvirtd reach this one
 *   at for migration; defaults to @uri
 */
shoalHost *
shoalHostNew(const char *name, const char *uri, const char *migrationUri)
{
    shoalHost *host = g_new0(shoalHost, 1);

    host->refs = 1;
    host->name = g_strdup(name);
    host->uri = g_strdup(uri);
    host->migrationUri = g_strdup(migrationUri ? migrationUri : uri);
    host->evacuated = g_ptr_array_new_with_free_func(g_free);
    host->state = SHOAL_HOST_STATE_CONNECTING;
    memset(host->eventCallbackIds, -1, sizeof(host->eventCallbackIds));
    g_mutex_init(&host->lock);
    return host;
}

shoalHost *
shoalHostRef(shoalHost *host)
{
    g_atomic_int_inc(&host->refs);
    return host;
}

void
shoalHostUnref(shoalHost *host)
{
    if (!host || !g_atomic_int_dec_and_test(&host->refs))
        return;
    if (host->conn)
        virConnectClose(host->conn);
    shoalHostFactsFree(host->facts);
    g_free(host->lastError);
    g_mutex_clear(&host->lock);
    g_ptr_array_unref(host->evacuated);
    g_free(host->name);
    g_free(host->uri);
    g_free(host->migrationUri);
    g_free(host);
}

/**
 * shoalHostGetConnection:
 * Returns: (transfer full): a reference on the host's connection (release
 *   it with virConnectClose()), or NULL if the host is not online.
 */
virConnectPtr
shoalHostGetConnection(shoalHost *host, GError **error)
{
    virConnectPtr conn = NULL;
    g_autofree char *why = NULL;

    g_mutex_lock(&host->lock);
    if (host->state == SHOAL_HOST_STATE_ONLINE && host->conn) {
        conn = host->conn;
        virConnectRef(conn);
    } else {
        why = g_strdup(host->lastError);
    }
    g_mutex_unlock(&host->lock);

    if (!conn) {
        if (why)
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                        _("operation failed: host '%1$s' is unreachable: %2$s"),
                        host->name, why);
        else
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                        _("operation failed: host '%1$s' is unreachable"),
                        host->name);
    }
    return conn;
}

shoalHostState
shoalHostGetState(shoalHost *host)
{
    shoalHostState state;

    g_mutex_lock(&host->lock);
    state = host->state;
    g_mutex_unlock(&host->lock);
    return state;
}

/**
 * shoalHostCopyFacts:
 * Returns: (transfer full) (nullable): a copy of the host's facts, or NULL
 *   before it was first online.
 */
shoalHostFacts *
shoalHostCopyFacts(shoalHost *host)
{
    shoalHostFacts *copy = NULL;

    g_mutex_lock(&host->lock);
    if (host->facts) {
        copy = g_new0(shoalHostFacts, 1);
        copy->nodeInfo = host->facts->nodeInfo;
        copy->capabilities = g_strdup(host->facts->capabilities);
        copy->hostname = g_strdup(host->facts->hostname);
        copy->maxVcpus = host->facts->maxVcpus;
    }
    g_mutex_unlock(&host->lock);
    return copy;
}

/**
 * shoalHostReadFacts:
 * Worker thread: asks a host what it is, once per connection, so that node
 * queries are answered from memory.
 */
shoalHostFacts *
shoalHostReadFacts(virConnectPtr conn, const char *hostName, GError **error)
{
    g_autoptr(shoalHostFacts) facts = g_new0(shoalHostFacts, 1);

    if (virNodeGetInfo(conn, &facts->nodeInfo) < 0 ||
        !(facts->capabilities = virConnectGetCapabilities(conn)) ||
        !(facts->hostname = virConnectGetHostname(conn))) {
        shoalErrorFromLibvirt(error, hostName);
        return NULL;
    }
    facts->maxVcpus = virConnectGetMaxVcpus(conn, NULL);
    if (facts->maxVcpus < 0) {
        /* not every driver answers; the cluster then has no bound */
        virResetLastError();
    }
    return g_steal_pointer(&facts);
}
