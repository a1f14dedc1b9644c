/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#define SHOAL_CLUSTER_HOST_PRIV_H_ALLOW
#include "cluster_host_priv.h"
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

    host->priv = g_new0(shoalHostPriv, 1);
    host->refs = 1;
    host->name = g_strdup(name);
    host->uri = g_strdup(uri);
    host->migrationUri = g_strdup(migrationUri ? migrationUri : uri);
    host->priv->evacuated = g_ptr_array_new_with_free_func(g_free);
    host->priv->domains =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, hostDomainFree);
    host->priv->state = SHOAL_HOST_STATE_CONNECTING;
    memset(host->priv->eventCallbackIds, -1,
           sizeof(host->priv->eventCallbackIds));
    g_mutex_init(&host->priv->lock);
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
    if (host->priv->conn)
        virConnectClose(host->priv->conn);
    shoalHostFactsFree(host->priv->facts);
    g_free(host->priv->lastError);
    g_mutex_clear(&host->priv->lock);
    g_ptr_array_unref(host->priv->evacuated);
    g_hash_table_unref(host->priv->domains);
    g_free(host->name);
    g_free(host->uri);
    g_free(host->migrationUri);
    g_free(host->priv);
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

    g_mutex_lock(&host->priv->lock);
    if (host->priv->state == SHOAL_HOST_STATE_ONLINE && host->priv->conn) {
        conn = host->priv->conn;
        virConnectRef(conn);
    } else {
        why = g_strdup(host->priv->lastError);
    }
    g_mutex_unlock(&host->priv->lock);

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

    g_mutex_lock(&host->priv->lock);
    state = host->priv->state;
    g_mutex_unlock(&host->priv->lock);
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

    g_mutex_lock(&host->priv->lock);
    if (host->priv->facts) {
        copy = g_new0(shoalHostFacts, 1);
        copy->nodeInfo = host->priv->facts->nodeInfo;
        copy->capabilities = g_strdup(host->priv->facts->capabilities);
        copy->hostname = g_strdup(host->priv->facts->hostname);
        copy->maxVcpus = host->priv->facts->maxVcpus;
    }
    g_mutex_unlock(&host->priv->lock);
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

    g_mutex_lock(&host->priv->lock);
    hd = g_hash_table_lookup(host->priv->domains, key);
    if (hd && virDomainRef(hd->dom) == 0)
        dom = hd->dom;
    g_mutex_unlock(&host->priv->lock);
    if (dom)
        return dom;

    if (!(conn = shoalHostGetConnection(host, error)))
        return NULL;
    dom = virDomainLookupByUUID(conn, uuid);
    if (!dom)
        shoalErrorFromLibvirt(error, host->name);
    g_mutex_lock(&host->priv->lock);
    /* only while the connection it came from is still the host's */
    if (dom && host->priv->conn == conn &&
        !g_hash_table_contains(host->priv->domains, key) &&
        virDomainRef(dom) == 0) {
        hd = g_new0(hostDomain, 1);
        hd->dom = dom;
        g_hash_table_insert(host->priv->domains, g_bytes_ref(key), hd);
    }
    g_mutex_unlock(&host->priv->lock);
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
        g_mutex_lock(&host->priv->lock);
        hd = g_hash_table_lookup(host->priv->domains, key);
        if (hd)
            type = g_strdup(hd->osType);
        g_mutex_unlock(&host->priv->lock);
        if (type)
            return type;
    }
    if (!(type = virDomainGetOSType(dom))) {
        shoalErrorFromLibvirt(error, host->name);
        return NULL;
    }
    if (key) {
        g_mutex_lock(&host->priv->lock);
        hd = g_hash_table_lookup(host->priv->domains, key);
        if (hd && !hd->osType)
            hd->osType = g_strdup(type);
        g_mutex_unlock(&host->priv->lock);
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
 * Call with host->priv->lock held. Returns: how long to wait before the next
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

    if (host->priv->lostUs != 0 &&
        nowUs - host->priv->lostUs < HOST_RETRY_FAST_US)
        return MIN(minMs, HOST_RETRY_FAST_MS);
    delayMs = host->priv->backoffMs ? host->priv->backoffMs : minMs;
    host->priv->backoffMs = MIN(delayMs * 2, maxMs);
    return delayMs;
}

/* A domain gone from the host, or changed behind its handle. */
void
shoalHostForgetDomain(shoalHost *host, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    gpointer stolenKey = NULL;
    gpointer stolen = NULL;

    g_mutex_lock(&host->priv->lock);
    g_hash_table_steal_extended(host->priv->domains, key, &stolenKey, &stolen);
    g_mutex_unlock(&host->priv->lock);
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

    g_mutex_lock(&host->priv->lock);
    old = g_steal_pointer(&host->priv->domains);
    host->priv->domains =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, hostDomainFree);
    g_mutex_unlock(&host->priv->lock);
}

void
shoalHostStatusClear(shoalHostStatus *status)
{
    g_clear_pointer(&status->lastError, g_free);
}

/**
 * shoalHostGetStatus:
 * @status: (out caller-allocates): cleared with shoalHostStatusClear()
 *
 * One consistent copy of the host's state. The configured capacity,
 * where set, replaces what the host says in @status->cpus and
 * @status->memoryKiB: the planner, placement and reports all model the
 * host the same way.
 */
void
shoalHostGetStatus(shoalHost *host, shoalHostStatus *status)
{
    shoalHostPriv *priv = host->priv;

    memset(status, 0, sizeof(*status));
    g_mutex_lock(&priv->lock);
    status->state = priv->state;
    status->maintenance = priv->maintenance;
    status->lastError = g_strdup(priv->lastError);
    status->lostUs = priv->lostUs;
    if (priv->facts) {
        status->hasFacts = true;
        status->nodeCpus = priv->facts->nodeInfo.cpus;
        status->nodeMemoryKiB = priv->facts->nodeInfo.memory;
    }
    status->cpus = priv->capacityCpus ? priv->capacityCpus : status->nodeCpus;
    status->memoryKiB = priv->capacityMemoryKiB ? priv->capacityMemoryKiB
                                                : status->nodeMemoryKiB;
    g_mutex_unlock(&priv->lock);
}

bool
shoalHostInMaintenance(shoalHost *host)
{
    bool on;

    g_mutex_lock(&host->priv->lock);
    on = host->priv->maintenance;
    g_mutex_unlock(&host->priv->lock);
    return on;
}

/* No placement here while @on; storing the flag is the caller's. */
void
shoalHostSetMaintenance(shoalHost *host, bool on)
{
    g_mutex_lock(&host->priv->lock);
    host->priv->maintenance = on;
    g_mutex_unlock(&host->priv->lock);
}

/* @cpus, @memoryKiB: 0 keeps what the host says. */
void
shoalHostSetCapacity(shoalHost *host,
                     unsigned cpus,
                     unsigned long long memoryKiB)
{
    g_mutex_lock(&host->priv->lock);
    host->priv->capacityCpus = cpus;
    host->priv->capacityMemoryKiB = memoryKiB;
    g_mutex_unlock(&host->priv->lock);
}

/* A domain that left for maintenance, to bring back with --return. */
void
shoalHostAddEvacuated(shoalHost *host, const unsigned char *uuid)
{
    g_mutex_lock(&host->priv->lock);
    g_ptr_array_add(host->priv->evacuated, g_memdup2(uuid, VIR_UUID_BUFLEN));
    g_mutex_unlock(&host->priv->lock);
}

/**
 * shoalHostCopyEvacuated:
 * Returns: (transfer full): the UUIDs (16 bytes each) that left for
 *   maintenance.
 */
GPtrArray *
shoalHostCopyEvacuated(shoalHost *host)
{
    GPtrArray *copy = g_ptr_array_new_with_free_func(g_free);
    guint i;

    g_mutex_lock(&host->priv->lock);
    for (i = 0; i < host->priv->evacuated->len; i++)
        g_ptr_array_add(copy, g_memdup2(host->priv->evacuated->pdata[i],
                                        VIR_UUID_BUFLEN));
    g_mutex_unlock(&host->priv->lock);
    return copy;
}

/**
 * shoalHostTakeEvacuated:
 * Returns: (transfer full): like shoalHostCopyEvacuated(), and forgets
 *   them.
 */
GPtrArray *
shoalHostTakeEvacuated(shoalHost *host)
{
    GPtrArray *taken;

    g_mutex_lock(&host->priv->lock);
    taken = g_steal_pointer(&host->priv->evacuated);
    host->priv->evacuated = g_ptr_array_new_with_free_func(g_free);
    g_mutex_unlock(&host->priv->lock);
    return taken;
}

/**
 * shoalHostPushJob:
 * @job: (transfer full): the caller's job, opaque here
 *
 * Any thread. Returns: true when no worker runs the host's jobs: the
 * caller then starts one, which pops until shoalHostPopJob() says none.
 */
bool
shoalHostPushJob(shoalHost *host, gpointer job)
{
    bool start = false;

    g_mutex_lock(&host->priv->lock);
    g_queue_push_tail(&host->priv->jobs, job);
    if (!host->priv->draining)
        start = host->priv->draining = true;
    g_mutex_unlock(&host->priv->lock);
    return start;
}

/**
 * shoalHostPopJob:
 * Returns: (transfer full) (nullable): the next job, or NULL, and then
 *   the worker is done: the next push starts another.
 */
gpointer
shoalHostPopJob(shoalHost *host)
{
    gpointer job;

    g_mutex_lock(&host->priv->lock);
    job = g_queue_pop_head(&host->priv->jobs);
    if (!job)
        host->priv->draining = false;
    g_mutex_unlock(&host->priv->lock);
    return job;
}

/* Drops the jobs not started yet. */
void
shoalHostClearJobs(shoalHost *host, GDestroyNotify jobFree)
{
    g_mutex_lock(&host->priv->lock);
    g_queue_clear_full(&host->priv->jobs, jobFree);
    g_mutex_unlock(&host->priv->lock);
}

/* No job queued or running. */
bool
shoalHostIsIdle(shoalHost *host)
{
    bool idle;

    g_mutex_lock(&host->priv->lock);
    idle = !host->priv->draining && g_queue_is_empty(&host->priv->jobs);
    g_mutex_unlock(&host->priv->lock);
    return idle;
}

/* The number of the current (or last) connection: a new one has a new number. */
unsigned
shoalHostGetGeneration(shoalHost *host)
{
    unsigned generation;

    g_mutex_lock(&host->priv->lock);
    generation = host->priv->generation;
    g_mutex_unlock(&host->priv->lock);
    return generation;
}

/**
 * shoalHostBeginConnect:
 * @generation: (out): the number the new connection will have
 *
 * Returns: false when the host is online or another attempt runs;
 *   otherwise end the attempt with shoalHostEndConnect().
 */
bool
shoalHostBeginConnect(shoalHost *host, unsigned *generation)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&host->priv->lock);

    if (host->priv->busy || host->priv->state == SHOAL_HOST_STATE_ONLINE)
        return false;
    host->priv->busy = true;
    *generation = host->priv->generation + 1;
    return true;
}

void
shoalHostEndConnect(shoalHost *host)
{
    g_mutex_lock(&host->priv->lock);
    host->priv->busy = false;
    g_mutex_unlock(&host->priv->lock);
}

/**
 * shoalHostSetOnline:
 * @conn: (transfer full): the new connection
 * @eventCallbackIds: SHOAL_HOST_EVENT_IDS callback IDs on @conn
 * @closeCtx: (transfer full): the close callback's opaque
 * @facts: (transfer full): what the host said about itself
 *
 * Publishes a connection read in full; the handles of the one before
 * are forgotten first.
 */
void
shoalHostSetOnline(shoalHost *host,
                   virConnectPtr conn,
                   unsigned generation,
                   const int *eventCallbackIds,
                   void *closeCtx,
                   shoalHostFacts *facts)
{
    shoalHostPriv *priv = host->priv;

    shoalHostForgetDomains(host);
    g_mutex_lock(&priv->lock);
    priv->conn = conn;
    memcpy(priv->eventCallbackIds, eventCallbackIds,
           sizeof(priv->eventCallbackIds));
    priv->closeCtx = closeCtx;
    priv->generation = generation;
    priv->state = SHOAL_HOST_STATE_ONLINE;
    priv->answeredUs = g_get_monotonic_time();
    shoalHostFactsFree(priv->facts);
    priv->facts = facts;
    g_clear_pointer(&priv->lastError, g_free);
    priv->backoffMs = 0;
    g_mutex_unlock(&priv->lock);
}

/**
 * shoalHostNoteAnswered:
 * @sinceUs: monotonic time the call that was answered was made
 *
 * Any thread: an online host answered; its loss, if any, counts from the
 * last such answer.
 */
void
shoalHostNoteAnswered(shoalHost *host, gint64 sinceUs)
{
    shoalHostPriv *priv = host->priv;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&priv->lock);

    if (priv->state == SHOAL_HOST_STATE_ONLINE && sinceUs > priv->answeredUs)
        priv->answeredUs = sinceUs;
}

/**
 * shoalHostSetUnreachable:
 * @why: the reason, as shoalHostGetConnection() will tell
 *
 * Returns: whether the host was online until now (its loss is then
 *   news, and its retries start fast).
 */
bool
shoalHostSetUnreachable(shoalHost *host, const char *why)
{
    shoalHostPriv *priv = host->priv;
    bool wasOnline;

    g_mutex_lock(&priv->lock);
    wasOnline = priv->state == SHOAL_HOST_STATE_ONLINE;
    /* not answering since its last answer, not since we noticed */
    if (wasOnline)
        priv->lostUs =
            priv->answeredUs ? priv->answeredUs : g_get_monotonic_time();
    priv->state = SHOAL_HOST_STATE_UNREACHABLE;
    g_free(priv->lastError);
    priv->lastError = g_strdup(why);
    g_mutex_unlock(&priv->lock);
    return wasOnline;
}

/* Takes the connection's parts out; the caller holds the lock. */
static virConnectPtr
hostStealConnectionLocked(shoalHost *host,
                          int *eventCallbackIds,
                          void **closeCtx)
{
    memcpy(eventCallbackIds, host->priv->eventCallbackIds,
           sizeof(host->priv->eventCallbackIds));
    *closeCtx = g_steal_pointer(&host->priv->closeCtx);
    return g_steal_pointer(&host->priv->conn);
}

/*
 * Any thread: forgets the event callbacks of the online connection, which
 * stays; @eventCallbackIds (SHOAL_HOST_EVENT_IDS entries) gets them, for
 * the caller to deregister.
 */
void
shoalHostTakeEventCallbacks(shoalHost *host, int *eventCallbackIds)
{
    size_t i;

    g_mutex_lock(&host->priv->lock);
    memcpy(eventCallbackIds, host->priv->eventCallbackIds,
           sizeof(host->priv->eventCallbackIds));
    for (i = 0; i < SHOAL_HOST_EVENT_IDS; i++)
        host->priv->eventCallbackIds[i] = -1;
    g_mutex_unlock(&host->priv->lock);
}

/**
 * shoalHostStealConnection:
 * @generation: the connection that was lost
 * @eventCallbackIds: (out caller-allocates): SHOAL_HOST_EVENT_IDS entries
 * @closeCtx: (out) (transfer full)
 *
 * Returns: (transfer full) (nullable): the connection, when it is still
 *   the host's online one (not a later one); its handles are forgotten.
 *   The caller closes it and marks the host unreachable.
 */
virConnectPtr
shoalHostStealConnection(shoalHost *host,
                         unsigned generation,
                         int *eventCallbackIds,
                         void **closeCtx)
{
    virConnectPtr conn = NULL;

    g_mutex_lock(&host->priv->lock);
    if (host->priv->generation == generation &&
        host->priv->state == SHOAL_HOST_STATE_ONLINE)
        conn = hostStealConnectionLocked(host, eventCallbackIds, closeCtx);
    g_mutex_unlock(&host->priv->lock);
    if (conn)
        shoalHostForgetDomains(host);
    return conn;
}

/**
 * shoalHostDisconnect:
 * @context: where the reconnect timer was attached
 *
 * Main thread: cancels a pending reconnect and marks the host
 * unreachable. Returns: (transfer full) (nullable): its connection, as
 * shoalHostStealConnection().
 */
virConnectPtr
shoalHostDisconnect(shoalHost *host,
                    GMainContext *context,
                    int *eventCallbackIds,
                    void **closeCtx)
{
    virConnectPtr conn;

    g_mutex_lock(&host->priv->lock);
    if (host->priv->reconnectSource) {
        GSource *s =
            g_main_context_find_source_by_id(context,
                                             host->priv->reconnectSource);

        if (s)
            g_source_destroy(s);
        host->priv->reconnectSource = 0;
    }
    conn = hostStealConnectionLocked(host, eventCallbackIds, closeCtx);
    host->priv->state = SHOAL_HOST_STATE_UNREACHABLE;
    g_mutex_unlock(&host->priv->lock);
    shoalHostForgetDomains(host);
    return conn;
}

/**
 * shoalHostScheduleReconnect:
 * @minMs: the first delay of the back-off
 * @maxMs: the cap of the doubling back-off
 * @func: called on @context once the delay is over; it calls
 *   shoalHostReconnectFired() first
 * @data: (transfer full): for @func, freed with @notify
 *
 * Any thread. Returns: false, with @data freed, when a reconnect is
 * already pending.
 */
bool
shoalHostScheduleReconnect(shoalHost *host,
                           unsigned minMs,
                           unsigned maxMs,
                           GMainContext *context,
                           GSourceFunc func,
                           gpointer data,
                           GDestroyNotify notify)
{
    g_autoptr(GSource) source = NULL;
    unsigned delayMs;

    g_mutex_lock(&host->priv->lock);
    if (host->priv->reconnectSource) {
        g_mutex_unlock(&host->priv->lock);
        notify(data);
        return false;
    }
    delayMs =
        shoalHostNextRetryLocked(host, minMs, maxMs, g_get_monotonic_time());
    source = g_timeout_source_new(delayMs);
    g_source_set_callback(source, func, data, notify);
    /* attached under the lock, so a disconnect finds it to cancel */
    host->priv->reconnectSource = g_source_attach(source, context);
    g_mutex_unlock(&host->priv->lock);
    return true;
}

void
shoalHostReconnectFired(shoalHost *host)
{
    g_mutex_lock(&host->priv->lock);
    host->priv->reconnectSource = 0;
    g_mutex_unlock(&host->priv->lock);
}
