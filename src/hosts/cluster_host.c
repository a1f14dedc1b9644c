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

/* A cached domain handle: libvirtd looks domains up by UUID, so a handle
 * stays valid while the domain exists, whatever its state. */
typedef struct _hostDomain {
    virDomainPtr dom;
    char *osType; /* never changes while the domain exists */
} hostDomain;

static void
hostDomainFree(gpointer opaque)
{
    hostDomain *hd = opaque;

    virDomainFree(hd->dom);
    g_free(hd->osType);
    g_free(hd);
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
    host->domains =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, hostDomainFree);
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
    g_hash_table_unref(host->domains);
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

/**
 * shoalHostLookupDomain:
 *
 * Worker thread. Returns: (transfer full): a handle on the domain of this
 * host's current connection (release with virDomainFree()).
 */
virDomainPtr
shoalHostLookupDomain(shoalHost *host,
                      const unsigned char *uuid,
                      GError **error)
{
    g_autoptr(GBytes) key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    virConnectPtr conn;
    virDomainPtr dom = NULL;
    hostDomain *hd;

    g_mutex_lock(&host->lock);
    hd = g_hash_table_lookup(host->domains, key);
    if (hd && virDomainRef(hd->dom) == 0)
        dom = hd->dom;
    g_mutex_unlock(&host->lock);
    if (dom)
        return dom;

    if (!(conn = shoalHostGetConnection(host, error)))
        return NULL;
    dom = virDomainLookupByUUID(conn, uuid);
    if (!dom)
        shoalErrorFromLibvirt(error, host->name);
    g_mutex_lock(&host->lock);
    /* only while the connection it came from is still the host's */
    if (dom && host->conn == conn &&
        !g_hash_table_contains(host->domains, key) && virDomainRef(dom) == 0) {
        hd = g_new0(hostDomain, 1);
        hd->dom = dom;
        g_hash_table_insert(host->domains, g_bytes_ref(key), hd);
    }
    g_mutex_unlock(&host->lock);
    virConnectClose(conn);
    return dom;
}

/**
 * shoalHostGetOSType:
 * Returns: (transfer full): the domain's OS type, asked once.
 */
char *
shoalHostGetOSType(shoalHost *host, virDomainPtr dom, GError **error)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GBytes) key = NULL;
    hostDomain *hd;
    char *type = NULL;

    if (virDomainGetUUID(dom, uuid) == 0) {
        key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
        g_mutex_lock(&host->lock);
        hd = g_hash_table_lookup(host->domains, key);
        if (hd)
            type = g_strdup(hd->osType);
        g_mutex_unlock(&host->lock);
        if (type)
            return type;
    }
    if (!(type = virDomainGetOSType(dom))) {
        shoalErrorFromLibvirt(error, host->name);
        return NULL;
    }
    if (key) {
        g_mutex_lock(&host->lock);
        hd = g_hash_table_lookup(host->domains, key);
        if (hd && !hd->osType)
            hd->osType = g_strdup(type);
        g_mutex_unlock(&host->lock);
    }
    return type;
}

/*
 * How long after losing a host it is retried at the shortest interval: a
 * host that restarts (libvirtd upgraded or crashed, a reboot) answers
 * again within minutes, and its domains should be usable within a second
 * of that, not after a back-off that grew while it was down.
 */
#define HOST_RETRY_FAST_US (300 * G_USEC_PER_SEC)
/* The retry interval meanwhile: a refused connection costs little. */
#define HOST_RETRY_FAST_MS 500

/**
 * shoalHostNextRetryLocked:
 * @minMs: the first delay of the back-off
 * @maxMs: the cap of the doubling back-off
 * @nowUs: g_get_monotonic_time()
 *
 * Call with host->lock held. Returns: how long to wait before the next
 * connection attempt: HOST_RETRY_FAST_MS (or @minMs if shorter) for
 * HOST_RETRY_FAST_US after the host was last online, else a back-off
 * doubling from @minMs up to @maxMs.
 */
unsigned
shoalHostNextRetryLocked(shoalHost *host,
                         unsigned minMs,
                         unsigned maxMs,
                         gint64 nowUs)
{
    unsigned delayMs;

    if (host->lostUs != 0 && nowUs - host->lostUs < HOST_RETRY_FAST_US)
        return MIN(minMs, HOST_RETRY_FAST_MS);
    delayMs = host->backoffMs ? host->backoffMs : minMs;
    host->backoffMs = MIN(delayMs * 2, maxMs);
    return delayMs;
}

/* A domain gone from the host, or changed behind its handle. */
void
shoalHostForgetDomain(shoalHost *host, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    gpointer stolenKey = NULL;
    gpointer stolen = NULL;

    g_mutex_lock(&host->lock);
    g_hash_table_steal_extended(host->domains, key, &stolenKey, &stolen);
    g_mutex_unlock(&host->lock);
    /* freed outside the lock: virDomainFree() is a libvirt call */
    if (stolen) {
        g_bytes_unref(stolenKey);
        hostDomainFree(stolen);
    }
}

/* Every handle: the connection they belong to is going away. */
void
shoalHostForgetDomains(shoalHost *host)
{
    g_autoptr(GHashTable) old = NULL;

    g_mutex_lock(&host->lock);
    old = g_steal_pointer(&host->domains);
    host->domains =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, hostDomainFree);
    g_mutex_unlock(&host->lock);
}
