/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The etcd backend of the store (cluster_store_etcd.h). Keys, under the
 * configured prefix:
 *   domains/<uuid>    a domain's record, the codec's JSON
 *   hosts             the host records
 *   documents/<name>  another layer's whole-cluster document
 *   leader            the leading daemon's identity, on its lease
 *
 * A write is acknowledged only once etcd committed it (a quorum of its
 * members holds it), so an acknowledged define survives the loss of this
 * daemon and of a minority of etcd. etcd unreachable: writes fail with
 * VIR_ERR_OPERATION_FAILED; the store above keeps serving reads from its
 * table, and documents from the last copy seen here.
 */

#include <config.h>

#include "cluster_store_etcd.h"

#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "etcd_client.h"
#include "util_error.h"
#include "util_uuid.h"

/* how often a follower tries for the leader key while campaigning */
#define STORE_ETCD_CAMPAIGN_POLL_MS 200
/* host actions stop once the lease's last renewal is older than this
 * share of its TTL; renewals come every third */
#define STORE_ETCD_ACT_TTL_PERCENT 75

typedef struct {
    shoalStoreBackend parent;
    shoalEtcdClient *client;          /* immutable, self-locking */
    char *prefix;                     /* immutable: ends with '/' */
    char *leaderKey;                  /* immutable */
    char *identity;                   /* immutable */
    unsigned leaseTtlS;               /* immutable */
    void (*deposed)(gpointer opaque); /* immutable, nullable */
    gpointer deposedOpaque;           /* immutable */

    GMutex lock;
    gint64 lease; /* protected by lock: this daemon's lease, 0: none */
    /* protected by lock: the leader key's create_revision while this
     * daemon leads, 0 while it does not; every write compares it */
    gint64 leaderRevision;
    /* protected by lock: leaderRevision while etcd has not answered for
     * the lease's TTL (writes refused); back once it renews the lease */
    gint64 suspendedRevision;
    /* protected by lock: when the last keepalive answered was sent; the
     * lease lasts at least its TTL from then */
    gint64 renewedUs;
    GHashTable *documents; /* protected by lock: name → last JSON seen */
    bool stopping;         /* protected by lock */
    GCond stopCond;        /* stopping was set */
    GThread *keepalive;    /* from the first lease on */
} storeEtcd;

static const shoalStoreBackendOps storeEtcdOps;

static storeEtcd *
storeEtcdFrom(shoalStoreBackend *backend)
{
    g_assert(backend->ops == &storeEtcdOps);
    return (storeEtcd *) backend;
}

static char *
storeEtcdDomainKey(storeEtcd *etcd, const unsigned char *uuid)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(uuid, uuidstr);
    return g_strdup_printf("%sdomains/%s", etcd->prefix, uuidstr);
}

/*
 * Call with the lock held: this daemon no longer leads. Returns whether
 * it did until now: the caller then calls storeEtcdNotifyDeposed() once
 * it dropped the lock.
 */
static bool
storeEtcdDepose(storeEtcd *etcd, const char *why)
{
    bool was = etcd->leaderRevision != 0;

    if (was)
        g_message("this daemon no longer leads the cluster in etcd: %s", why);
    etcd->leaderRevision = 0;
    return was;
}

/* Call without the lock. */
static void
storeEtcdNotifyDeposed(storeEtcd *etcd, bool deposed)
{
    if (deposed && etcd->deposed)
        etcd->deposed(etcd->deposedOpaque);
}

/*
 * Keeps the lease alive at a third of its TTL. A lease etcd says expired
 * deposes this daemon: another may lead by now. One that could not be
 * renewed for its whole TTL suspends writes (etcd unreachable: reads go
 * on from memory) until etcd answers: a lease that survived gives the
 * lead back, one that expired deposes.
 */
static gpointer
storeEtcdKeepAliveRun(gpointer opaque)
{
    storeEtcd *etcd = opaque;
    gint64 intervalUs = (gint64) etcd->leaseTtlS * G_USEC_PER_SEC / 3;

    g_mutex_lock(&etcd->lock);
    while (!etcd->stopping) {
        gint64 lease = etcd->lease;
        gint64 ttl;
        gint64 sentUs;
        bool deposed = false;
        g_autoptr(GError) err = NULL;

        g_cond_wait_until(&etcd->stopCond, &etcd->lock,
                          g_get_monotonic_time() + intervalUs);
        if (etcd->stopping)
            break;
        if (etcd->lease == 0)
            continue;
        lease = etcd->lease;
        sentUs = g_get_monotonic_time();
        g_mutex_unlock(&etcd->lock);
        ttl = shoalEtcdLeaseKeepAlive(etcd->client, lease, &err);
        g_mutex_lock(&etcd->lock);
        if (etcd->lease != lease)
            continue;
        if (ttl > 0) {
            etcd->renewedUs = sentUs;
            if (etcd->suspendedRevision) {
                g_message("etcd answers again: this daemon still leads");
                etcd->leaderRevision = etcd->suspendedRevision;
                etcd->suspendedRevision = 0;
            }
        } else if (ttl == 0) {
            etcd->lease = 0;
            if (etcd->suspendedRevision) {
                etcd->leaderRevision = etcd->suspendedRevision;
                etcd->suspendedRevision = 0;
            }
            deposed = storeEtcdDepose(etcd, "its lease expired");
        } else if (etcd->leaderRevision &&
                   g_get_monotonic_time() - etcd->renewedUs >=
                       (gint64) etcd->leaseTtlS * G_USEC_PER_SEC) {
            g_message("etcd has not answered for the lease's %u s, writes "
                      "are refused until it does: %s",
                      etcd->leaseTtlS, err->message);
            etcd->suspendedRevision = etcd->leaderRevision;
            etcd->leaderRevision = 0;
        }
        if (deposed) {
            g_mutex_unlock(&etcd->lock);
            storeEtcdNotifyDeposed(etcd, deposed);
            g_mutex_lock(&etcd->lock);
        }
    }
    g_mutex_unlock(&etcd->lock);
    return NULL;
}

/* Returns: this daemon's lease, granted if it has none, or 0. */
static gint64
storeEtcdEnsureLease(storeEtcd *etcd, GError **error)
{
    gint64 lease;
    gint64 sentUs;

    g_mutex_lock(&etcd->lock);
    lease = etcd->lease;
    g_mutex_unlock(&etcd->lock);
    if (lease)
        return lease;

    sentUs = g_get_monotonic_time();
    lease = shoalEtcdLeaseGrant(etcd->client, etcd->leaseTtlS, error);
    if (!lease)
        return 0;
    g_mutex_lock(&etcd->lock);
    etcd->lease = lease;
    etcd->renewedUs = sentUs;
    /* one thread serves every lease: it idles while there is none */
    if (!etcd->keepalive)
        etcd->keepalive =
            g_thread_new("etcd-keepalive", storeEtcdKeepAliveRun, etcd);
    g_mutex_unlock(&etcd->lock);
    return lease;
}

/*
 * One try for the leader key: created on this daemon's lease if no one
 * holds it. Sets @leads.
 */
static bool
storeEtcdTryLead(storeEtcd *etcd, bool *leads, GError **error)
{
    g_autoptr(shoalEtcdKeyValue) kv = NULL;
    g_autoptr(GError) err = NULL;
    json_object *compare = json_object_new_array();
    json_object *success = json_object_new_array();
    bool succeeded = false;
    gint64 lease = storeEtcdEnsureLease(etcd, error);

    *leads = false;
    if (!lease) {
        json_object_put(compare);
        json_object_put(success);
        return false;
    }
    json_object_array_add(compare, shoalEtcdCompareCreate(etcd->leaderKey, 0));
    json_object_array_add(success,
                          shoalEtcdOpPut(etcd->leaderKey, etcd->identity,
                                         strlen(etcd->identity), lease));
    if (!shoalEtcdTxn(etcd->client, compare, success, &succeeded, error))
        return false;
    /* the key as it stands: ours if it carries our lease, whether this
     * txn made it or a lost reply of an earlier one did */
    kv = shoalEtcdGet(etcd->client, etcd->leaderKey, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    if (!kv || kv->lease != lease)
        return true;
    g_mutex_lock(&etcd->lock);
    if (etcd->lease == lease) {
        etcd->leaderRevision = kv->createRevision;
        etcd->suspendedRevision = 0;
        *leads = true;
    }
    g_mutex_unlock(&etcd->lock);
    return true;
}

/**
 * shoalStoreEtcdCampaign:
 * @backend: an etcd backend (shoalStoreEtcdBackendNew())
 * @timeoutMs: how long to wait, 0: until it leads
 *
 * Waits until this daemon leads: it holds the leader key, on its lease.
 * Fails with VIR_ERR_OPERATION_TIMEOUT if another still leads after
 * @timeoutMs, and with VIR_ERR_OPERATION_FAILED if etcd does not answer
 * meanwhile.
 */
bool
shoalStoreEtcdCampaign(shoalStoreBackend *backend,
                       unsigned timeoutMs,
                       GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    gint64 deadline =
        g_get_monotonic_time() + (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;
    g_autoptr(GError) last = NULL;

    for (;;) {
        bool leads = false;

        g_clear_error(&last);
        if (storeEtcdTryLead(etcd, &leads, &last) && leads)
            return true;
        if (timeoutMs && g_get_monotonic_time() >= deadline)
            break;
        g_usleep(STORE_ETCD_CAMPAIGN_POLL_MS * G_TIME_SPAN_MILLISECOND);
    }
    if (last) {
        g_propagate_error(error, g_steal_pointer(&last));
        return false;
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                _("operation timed out: another daemon still leads the cluster in etcd"));
    return false;
}

/**
 * shoalStoreEtcdIsLeader:
 * Returns: whether this daemon holds the leader key, as far as it knows:
 *   a write's fencing has the last word.
 */
bool
shoalStoreEtcdIsLeader(shoalStoreBackend *backend)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&etcd->lock);

    return etcd->leaderRevision != 0;
}

/**
 * shoalStoreEtcdGetLeader:
 * Returns: (transfer full) (nullable): the leading daemon's identity, or
 *   NULL with @error unset if none leads.
 */
char *
shoalStoreEtcdGetLeader(shoalStoreBackend *backend, GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autoptr(shoalEtcdKeyValue) kv =
        shoalEtcdGet(etcd->client, etcd->leaderKey, error);
    gsize len;
    const char *data;

    if (!kv)
        return NULL;
    data = g_bytes_get_data(kv->value, &len);
    return g_strndup(data ? data : "", len);
}

/*
 * Runs @ops (transfer full) if this daemon still leads. Fails with
 * VIR_ERR_OPERATION_INVALID if it does not (the change is not made), and
 * with VIR_ERR_OPERATION_FAILED if etcd does not answer (the change may
 * have been made: a lost reply).
 */
static bool
storeEtcdFencedWrite(storeEtcd *etcd, json_object *ops, GError **error)
{
    json_object *compare = json_object_new_array();
    bool succeeded = false;
    bool suspended;
    gint64 revision;

    g_mutex_lock(&etcd->lock);
    revision = etcd->leaderRevision;
    suspended = etcd->suspendedRevision != 0;
    g_mutex_unlock(&etcd->lock);
    if (suspended) {
        json_object_put(compare);
        json_object_put(ops);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: etcd is unreachable: writes are refused until it answers"));
        return false;
    }
    if (revision == 0) {
        json_object_put(compare);
        json_object_put(ops);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: this daemon does not lead the cluster; writes go to the leader"));
        return false;
    }
    json_object_array_add(compare,
                          shoalEtcdCompareCreate(etcd->leaderKey, revision));
    if (!shoalEtcdTxn(etcd->client, compare, ops, &succeeded, error))
        return false;
    if (!succeeded) {
        bool deposed = false;

        g_mutex_lock(&etcd->lock);
        if (etcd->leaderRevision == revision)
            deposed =
                storeEtcdDepose(etcd, "another daemon holds the leader key");
        g_mutex_unlock(&etcd->lock);
        storeEtcdNotifyDeposed(etcd, deposed);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: this daemon no longer leads the cluster; writes go to the leader"));
        return false;
    }
    return true;
}

static bool
storeEtcdLoad(shoalStoreBackend *backend,
              GPtrArray *domains,
              char **hosts,
              GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *domainsPrefix =
        g_strconcat(etcd->prefix, "domains/", NULL);
    g_autofree char *hostsKey = g_strconcat(etcd->prefix, "hosts", NULL);
    g_autoptr(GPtrArray) kvs = NULL;
    g_autoptr(shoalEtcdKeyValue) hostsKv = NULL;
    g_autoptr(GError) hostsErr = NULL;
    guint i;

    kvs = shoalEtcdRange(etcd->client, domainsPrefix, true, error);
    if (!kvs)
        return false;
    for (i = 0; i < kvs->len; i++) {
        const shoalEtcdKeyValue *kv = kvs->pdata[i];
        g_autoptr(GError) err = NULL;
        g_autoptr(shoalStoreDomain) dom = NULL;
        g_autofree char *expected = NULL;
        gsize len;
        const char *data = g_bytes_get_data(kv->value, &len);

        dom = shoalStoreDomainParse(data ? data : "", len, &err);
        if (dom) {
            expected = storeEtcdDomainKey(etcd, dom->uuid);
            if (!g_str_equal(expected, kv->key)) {
                g_set_error(&err, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                            _("internal error: the record's UUID does not match its key"));
                g_clear_pointer(&dom, shoalStoreDomainFree);
            }
        }
        if (!dom) {
            if (!g_error_matches(err, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR)) {
                g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                           _("cannot load etcd key '%1$s': "),
                                           kv->key);
                return false;
            }
            /* left in etcd for an operator, as the file store keeps
             * NAME.corrupt */
            g_warning("etcd key '%s' is corrupt, ignored: %s", kv->key,
                      err->message);
            continue;
        }
        g_ptr_array_add(domains, g_steal_pointer(&dom));
    }

    hostsKv = shoalEtcdGet(etcd->client, hostsKey, &hostsErr);
    if (hostsErr) {
        g_propagate_error(error, g_steal_pointer(&hostsErr));
        return false;
    }
    if (hostsKv) {
        gsize len;
        const char *data = g_bytes_get_data(hostsKv->value, &len);

        *hosts = g_strndup(data ? data : "", len);
    }
    return true;
}

static bool
storeEtcdPut(shoalStoreBackend *backend,
             const shoalStoreDomain *dom,
             bool *applied,
             GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *data = shoalStoreDomainFormat(dom);
    g_autofree char *key = storeEtcdDomainKey(etcd, dom->uuid);
    json_object *ops = json_object_new_array();

    json_object_array_add(ops, shoalEtcdOpPut(key, data, strlen(data), 0));
    *applied = storeEtcdFencedWrite(etcd, ops, error);
    return *applied;
}

static bool
storeEtcdRemove(shoalStoreBackend *backend,
                const unsigned char *uuid,
                bool *applied,
                GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *key = storeEtcdDomainKey(etcd, uuid);
    json_object *ops = json_object_new_array();

    json_object_array_add(ops, shoalEtcdOpDelete(key));
    *applied = storeEtcdFencedWrite(etcd, ops, error);
    return *applied;
}

static bool
storeEtcdPutHosts(shoalStoreBackend *backend,
                  const char *json,
                  bool *applied,
                  GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *key = g_strconcat(etcd->prefix, "hosts", NULL);
    json_object *ops = json_object_new_array();

    json_object_array_add(ops, shoalEtcdOpPut(key, json, strlen(json), 0));
    *applied = storeEtcdFencedWrite(etcd, ops, error);
    return *applied;
}

static bool
storeEtcdPutDocument(shoalStoreBackend *backend,
                     const char *name,
                     const char *json,
                     GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *key = g_strconcat(etcd->prefix, "documents/", name, NULL);
    json_object *ops = json_object_new_array();

    json_object_array_add(ops, shoalEtcdOpPut(key, json, strlen(json), 0));
    if (!storeEtcdFencedWrite(etcd, ops, error))
        return false;
    g_mutex_lock(&etcd->lock);
    g_hash_table_replace(etcd->documents, g_strdup(name), g_strdup(json));
    g_mutex_unlock(&etcd->lock);
    return true;
}

/* etcd unreachable: the last copy seen here, as the store's table serves
 * domains. */
static char *
storeEtcdGetDocument(shoalStoreBackend *backend,
                     const char *name,
                     GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autofree char *key = g_strconcat(etcd->prefix, "documents/", name, NULL);
    g_autoptr(shoalEtcdKeyValue) kv = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    const char *cached;
    char *json;
    gsize len;
    const char *data;

    kv = shoalEtcdGet(etcd->client, key, &err);
    locker = g_mutex_locker_new(&etcd->lock);
    if (err) {
        if (!g_hash_table_lookup_extended(etcd->documents, name, NULL,
                                          (gpointer *) &cached)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return NULL;
        }
        g_debug("document '%s' from memory: %s", name, err->message);
        return g_strdup(cached);
    }
    if (!kv) {
        g_hash_table_replace(etcd->documents, g_strdup(name), NULL);
        return NULL;
    }
    data = g_bytes_get_data(kv->value, &len);
    json = g_strndup(data ? data : "", len);
    g_hash_table_replace(etcd->documents, g_strdup(name), g_strdup(json));
    return json;
}

/* Stops the keepalive and gives the leader key up at once (its lease's
 * revocation deletes it), so a follower need not wait for the TTL. */
static void
storeEtcdFree(shoalStoreBackend *backend)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autoptr(GError) err = NULL;
    gint64 lease;

    g_mutex_lock(&etcd->lock);
    etcd->stopping = true;
    g_cond_broadcast(&etcd->stopCond);
    lease = etcd->lease;
    g_mutex_unlock(&etcd->lock);
    if (etcd->keepalive)
        g_thread_join(etcd->keepalive);
    if (lease && !shoalEtcdLeaseRevoke(etcd->client, lease, &err))
        g_info("cannot revoke the etcd lease, it expires by itself: %s",
               err->message);
    shoalEtcdClientFree(etcd->client);
    g_hash_table_unref(etcd->documents);
    g_free(etcd->prefix);
    g_free(etcd->leaderKey);
    g_free(etcd->identity);
    g_cond_clear(&etcd->stopCond);
    g_mutex_clear(&etcd->lock);
    g_free(etcd);
}

/*
 * Host actions stop well before the lease could have run out in etcd
 * (TTL from the last renewal's request): a successor campaigns only once
 * it did, so this daemon never acts on hosts while another leads, even
 * if it was paused or cut off from etcd and does not know it yet.
 */
static bool
storeEtcdMayAct(shoalStoreBackend *backend, GError **error)
{
    storeEtcd *etcd = storeEtcdFrom(backend);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&etcd->lock);
    gint64 ageUs = g_get_monotonic_time() - etcd->renewedUs;

    if (etcd->leaderRevision == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: this daemon does not lead the cluster in etcd, it does not act on hosts"));
        return false;
    }
    if (ageUs >= (gint64) etcd->leaseTtlS * G_USEC_PER_SEC *
                     STORE_ETCD_ACT_TTL_PERCENT / 100) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: this daemon's lease in etcd was last renewed %.1f s ago, it does not act on hosts until it is renewed"),
                    (double) ageUs / G_USEC_PER_SEC);
        return false;
    }
    return true;
}

static const shoalStoreBackendOps storeEtcdOps = {
    .load = storeEtcdLoad,
    .put = storeEtcdPut,
    .remove = storeEtcdRemove,
    .putHosts = storeEtcdPutHosts,
    .putDocument = storeEtcdPutDocument,
    .getDocument = storeEtcdGetDocument,
    .mayAct = storeEtcdMayAct,
    .free = storeEtcdFree,
};

/**
 * shoalStoreEtcdBackendNew:
 * @config: where etcd is and what this daemon is called there
 *
 * The etcd backend, for shoalStoreNew(). It reads at once; it writes only
 * after shoalStoreEtcdCampaign() made this daemon the leader. Fails with
 * VIR_ERR_CONFIG_UNSUPPORTED on a bad endpoint or prefix; contacts no
 * one yet.
 *
 * Returns: (transfer full): the backend, or NULL.
 */
shoalStoreBackend *
shoalStoreEtcdBackendNew(const shoalStoreEtcdConfig *config, GError **error)
{
    g_autoptr(shoalEtcdClient) client = NULL;
    const char *prefix = config->prefix ? config->prefix : "/shoal/";
    storeEtcd *etcd;

    if (!*prefix) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: the etcd prefix is empty"));
        return NULL;
    }
    client = shoalEtcdClientNew(config->endpoints,
                                config->timeoutMs ? config->timeoutMs
                                                  : SHOAL_STORE_ETCD_TIMEOUT_MS,
                                error);
    if (!client)
        return NULL;
    etcd = g_new0(storeEtcd, 1);
    etcd->parent.ops = &storeEtcdOps;
    etcd->client = g_steal_pointer(&client);
    etcd->prefix = g_str_has_suffix(prefix, "/")
                       ? g_strdup(prefix)
                       : g_strconcat(prefix, "/", NULL);
    etcd->leaderKey = g_strconcat(etcd->prefix, "leader", NULL);
    etcd->identity = g_strdup(config->identity ? config->identity : "");
    etcd->leaseTtlS =
        config->leaseTtlS ? config->leaseTtlS : SHOAL_STORE_ETCD_LEASE_TTL_S;
    etcd->deposed = config->deposed;
    etcd->deposedOpaque = config->deposedOpaque;
    g_mutex_init(&etcd->lock);
    g_cond_init(&etcd->stopCond);
    etcd->documents =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return &etcd->parent;
}
