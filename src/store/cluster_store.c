/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The store above its backend: every record in memory, indexed by UUID
 * and by host, so lookups and lists never wait for the disk; each change
 * goes through the backend (cluster_store_backend.h) before the table
 * shows it. Changes of different domains run in parallel; changes of
 * one domain are serialized by a claim on its UUID.
 */

#include <config.h>

#include "cluster_store.h"

#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_store_backend.h"
#include "util_error.h"
#include "util_uuid.h"

struct _shoalStore {
    shoalStoreBackend *backend; /* immutable, self-locking */
    char *hosts;                /* protected by lock: the host records */

    /*
     * Held across a whole change of the host records in the backend and
     * the copy in memory that follows. Taken before lock.
     */
    GMutex writeLock;

    /* Held only to read or change the table, never across I/O, so
     * lookups and lists never wait for the disk. */
    GMutex lock;
    GHashTable *domains; /* protected by lock: uuid → shoalStoreDomain */
    /*
     * protected by lock: the UUIDs whose record a put or remove is
     * changing in the backend. Each claims its UUID for the whole change
     * (backend write, table update), so one domain's changes reach the
     * backend and the table in one order, while different domains'
     * changes run in parallel: a host read at start may adopt all its
     * domains at once.
     */
    GHashTable *claimed;
    GCond claimCond; /* claimed lost a UUID */
    /* protected by lock: host name → (uuid → shoalStoreDomain, borrowed
     * from domains), the records placed on each host, so reading one host
     * costs what it holds, not what the cluster holds */
    GHashTable *byHost;
    /* protected by lock: the generation the next changed record gets */
    guint64 nextGeneration;
};

/* Call with the lock held, or before the store is shared. */
static void
storeIndexAdd(shoalStore *store, shoalStoreDomain *dom)
{
    GHashTable *set;

    if (!dom->hostName)
        return;
    set = g_hash_table_lookup(store->byHost, dom->hostName);
    if (!set) {
        set = g_hash_table_new(shoalUUIDHash, shoalUUIDEqual);
        g_hash_table_insert(store->byHost, g_strdup(dom->hostName), set);
    }
    g_hash_table_insert(set, dom->uuid, dom);
}

/* Call with the lock held. */
static void
storeIndexRemove(shoalStore *store, const shoalStoreDomain *dom)
{
    GHashTable *set;

    if (!dom->hostName ||
        !(set = g_hash_table_lookup(store->byHost, dom->hostName)))
        return;
    g_hash_table_remove(set, dom->uuid);
    if (g_hash_table_size(set) == 0)
        g_hash_table_remove(store->byHost, dom->hostName);
}

/* Call with the lock held, or before the store is shared: @dom (transfer
 * full) replaces the record of its UUID, in the table and the index,
 * with a new generation. */
static void
storeTableReplace(shoalStore *store, shoalStoreDomain *dom)
{
    const shoalStoreDomain *old =
        g_hash_table_lookup(store->domains, dom->uuid);

    dom->generation = ++store->nextGeneration;
    if (old)
        storeIndexRemove(store, old);
    /* the key lives in the value: replace, not insert */
    g_hash_table_replace(store->domains, dom->uuid, dom);
    storeIndexAdd(store, dom);
}

/* Call with the lock held: waits until no change of @uuid is under way,
 * then claims it. */
static void
storeClaim(shoalStore *store, const unsigned char *uuid)
{
    while (g_hash_table_contains(store->claimed, uuid))
        g_cond_wait(&store->claimCond, &store->lock);
    g_hash_table_add(store->claimed, g_memdup2(uuid, VIR_UUID_BUFLEN));
}

/* Call with the lock held. */
static void
storeRelease(shoalStore *store, const unsigned char *uuid)
{
    g_hash_table_remove(store->claimed, uuid);
    g_cond_broadcast(&store->claimCond);
}

/* Call with the lock held. */
static void
storeTableRemove(shoalStore *store, const unsigned char *uuid)
{
    const shoalStoreDomain *old = g_hash_table_lookup(store->domains, uuid);

    if (!old)
        return;
    storeIndexRemove(store, old);
    g_hash_table_remove(store->domains, uuid);
}

void
shoalStoreBackendFree(shoalStoreBackend *backend)
{
    if (backend)
        backend->ops->free(backend);
}

/**
 * shoalStoreNew:
 * @backend: (transfer full): where the records live
 * @error: return location for an error
 *
 * Loads every record of @backend. Fails as the backend's load does; the
 * backend is freed then.
 *
 * Returns: (transfer full): the store, or NULL.
 */
shoalStore *
shoalStoreNew(shoalStoreBackend *backend, GError **error)
{
    g_autoptr(shoalStore) store = g_new0(shoalStore, 1);
    g_autoptr(GPtrArray) loaded =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    guint i;

    store->backend = backend;
    g_mutex_init(&store->writeLock);
    g_mutex_init(&store->lock);
    g_cond_init(&store->claimCond);
    store->claimed =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, g_free, NULL);
    /* the key lives in the value: update with g_hash_table_replace() */
    store->domains =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, NULL,
                              (GDestroyNotify) shoalStoreDomainFree);
    store->byHost = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_hash_table_unref);

    if (!backend->ops->load(backend, loaded, &store->hosts, error))
        return NULL;
    /* the store is not shared yet: no lock */
    for (i = 0; i < loaded->len; i++)
        storeTableReplace(store, g_steal_pointer(&loaded->pdata[i]));
    return g_steal_pointer(&store);
}

void
shoalStoreFree(shoalStore *store)
{
    if (!store)
        return;
    shoalStoreBackendFree(store->backend);
    g_free(store->hosts);
    g_hash_table_unref(store->byHost);
    g_hash_table_unref(store->domains);
    g_hash_table_unref(store->claimed);
    g_cond_clear(&store->claimCond);
    g_mutex_clear(&store->lock);
    g_mutex_clear(&store->writeLock);
    g_free(store);
}

/**
 * shoalStorePutHosts:
 * @json: the cluster's host records, stored as given
 *
 * Durable on return, like shoalStorePut().
 */
bool
shoalStorePutHosts(shoalStore *store, const char *json, GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);
    bool applied = false;
    bool ok;

    ok = store->backend->ops->putHosts(store->backend, json, &applied, error);
    if (applied) {
        g_mutex_lock(&store->lock);
        g_free(store->hosts);
        store->hosts = g_strdup(json);
        g_mutex_unlock(&store->lock);
    }
    return ok;
}

/**
 * shoalStoreGetHosts:
 * Returns: (transfer full) (nullable): what shoalStorePutHosts() last
 *   stored, or NULL if it never did.
 */
char *
shoalStoreGetHosts(shoalStore *store)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);

    return g_strdup(store->hosts);
}

/**
 * shoalStorePutDocument:
 * @name: the document, a plain name ("objects")
 * @json: stored as given
 *
 * One whole-cluster record of another layer (its cluster objects, say),
 * opaque to the store. Durable on return, like shoalStorePut().
 */
bool
shoalStorePutDocument(shoalStore *store,
                      const char *name,
                      const char *json,
                      GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);

    return store->backend->ops->putDocument(store->backend, name, json, error);
}

/**
 * shoalStoreGetDocument:
 * Returns: (transfer full) (nullable): what shoalStorePutDocument() last
 *   stored under @name; NULL with @error unset if it never did.
 */
char *
shoalStoreGetDocument(shoalStore *store, const char *name, GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);

    return store->backend->ops->getDocument(store->backend, name, error);
}

/**
 * shoalStoreMayAct:
 *
 * Any thread, right before a step that changes a host (start, destroy,
 * migrate): whether this daemon may take it; a daemon another may have
 * replaced as leader must not (fencing of host actions: the store's own
 * writes are fenced by the backend).
 */
bool
shoalStoreMayAct(shoalStore *store, GError **error)
{
    return !store->backend->ops->mayAct ||
           store->backend->ops->mayAct(store->backend, error);
}

/**
 * shoalStorePut:
 * @store: the store
 * @dom: the record to add or replace, keyed by its UUID; copied
 * @error: return location for an error
 *
 * Stores @dom durably: when this returns true, the record survives a
 * crash of the daemon or of the machine. A record equal to the stored
 * one is not written again (most changes leave the definition). Fails
 * with VIR_ERR_INVALID_ARG if a name, host or XML is empty or not UTF-8,
 * and VIR_ERR_SYSTEM_ERROR on an I/O error; the store then holds the
 * previous record or @dom, in the backend and in memory alike, and a
 * caller who wants neither removes it. Callable from any thread; it
 * waits for the disk, so not from the main loop.
 */
static bool
storeCheckDomain(const shoalStoreDomain *dom, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *field = shoalStoreDomainInvalidField(dom);

    if (!field)
        return true;
    shoalUUIDFormat(dom->uuid, uuid);
    g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                _("invalid argument: field '%1$s' of domain '%2$s' is empty or not valid UTF-8"),
                field, uuid);
    return false;
}

bool
shoalStorePut(shoalStore *store, const shoalStoreDomain *dom, GError **error)
{
    const shoalStoreDomain *old;
    bool applied = false;
    bool same;
    bool ok;

    if (!storeCheckDomain(dom, error))
        return false;
    g_mutex_lock(&store->lock);
    storeClaim(store, dom->uuid);
    old = g_hash_table_lookup(store->domains, dom->uuid);
    same = old && shoalStoreDomainEqual(old, dom);
    if (same)
        storeRelease(store, dom->uuid);
    g_mutex_unlock(&store->lock);
    /* every re-read of a host puts each of its definitions, and nearly
     * all are unchanged: the backend sees only changes */
    if (same)
        return true;
    ok = store->backend->ops->put(store->backend, dom, &applied, error);
    g_mutex_lock(&store->lock);
    if (applied)
        storeTableReplace(store, shoalStoreDomainCopy(dom));
    storeRelease(store, dom->uuid);
    g_mutex_unlock(&store->lock);
    return ok;
}

static gint
storeCompareUUIDs(gconstpointer a, gconstpointer b)
{
    const shoalStoreDomain *da = *(const shoalStoreDomain *const *) a;
    const shoalStoreDomain *db = *(const shoalStoreDomain *const *) b;

    return memcmp(da->uuid, db->uuid, VIR_UUID_BUFLEN);
}

/*
 * Sorts @doms by UUID into @sorted (borrowed pointers); fails with
 * VIR_ERR_INVALID_ARG on an invalid record or a UUID given twice.
 */
static bool
storeBatchSort(GPtrArray *doms, GPtrArray *sorted, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    guint i;

    for (i = 0; i < doms->len; i++) {
        if (!storeCheckDomain(doms->pdata[i], error))
            return false;
        g_ptr_array_add(sorted, doms->pdata[i]);
    }
    g_ptr_array_sort(sorted, storeCompareUUIDs);
    for (i = 1; i < sorted->len; i++) {
        const shoalStoreDomain *dom = sorted->pdata[i];

        if (storeCompareUUIDs(&sorted->pdata[i - 1], &sorted->pdata[i]) != 0)
            continue;
        shoalUUIDFormat(dom->uuid, uuid);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: domain '%1$s' is given twice"), uuid);
        return false;
    }
    return true;
}

/* The backend's batch put, or one put per record if it has none. */
static bool
storeBackendPutBatch(shoalStoreBackend *backend,
                     GPtrArray *doms,
                     bool *applied,
                     GError **error)
{
    guint i;

    if (backend->ops->putBatch)
        return backend->ops
            ->putBatch(backend, (const shoalStoreDomain *const *) doms->pdata,
                       doms->len, applied, error);
    for (i = 0; i < doms->len; i++) {
        if (!backend->ops->put(backend, doms->pdata[i], &applied[i], error))
            return false;
    }
    return true;
}

/**
 * shoalStorePutBatch:
 * @store: the store
 * @doms: (element-type shoalStoreDomain): the records to add or replace,
 *   of distinct UUIDs; copied
 * @error: return location for an error
 *
 * shoalStorePut() of each of @doms, durable on return, with the
 * backend's durability step shared between them (the local backend syncs
 * its directory once, not once per record): a host's domains adopted at
 * its first read. Unchanged records are skipped as by shoalStorePut().
 * Fails with VIR_ERR_INVALID_ARG, storing none, if a record is invalid
 * or a UUID comes twice, and with VIR_ERR_SYSTEM_ERROR on an I/O error;
 * each record is then the previous one or the new one, in the backend
 * and in memory alike. Callable from any thread; it waits for the disk.
 */
bool
shoalStorePutBatch(shoalStore *store, GPtrArray *doms, GError **error)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(doms->len);
    g_autoptr(GPtrArray) changed = g_ptr_array_sized_new(doms->len);
    g_autofree bool *applied = NULL;
    bool ok;
    guint i;

    if (!storeBatchSort(doms, sorted, error))
        return false;
    g_mutex_lock(&store->lock);
    /* claims in UUID order: two batches never wait for each other */
    for (i = 0; i < sorted->len; i++) {
        const shoalStoreDomain *dom = sorted->pdata[i];
        const shoalStoreDomain *old;

        storeClaim(store, dom->uuid);
        old = g_hash_table_lookup(store->domains, dom->uuid);
        if (old && shoalStoreDomainEqual(old, dom))
            storeRelease(store, dom->uuid);
        else
            g_ptr_array_add(changed, sorted->pdata[i]);
    }
    g_mutex_unlock(&store->lock);
    if (changed->len == 0)
        return true;
    applied = g_new0(bool, changed->len);
    ok = storeBackendPutBatch(store->backend, changed, applied, error);
    g_mutex_lock(&store->lock);
    for (i = 0; i < changed->len; i++) {
        const shoalStoreDomain *dom = changed->pdata[i];

        if (applied[i])
            storeTableReplace(store, shoalStoreDomainCopy(dom));
        storeRelease(store, dom->uuid);
    }
    g_mutex_unlock(&store->lock);
    return ok;
}

/**
 * shoalStoreRemove:
 * @store: the store
 * @uuid: the UUID of the record to remove
 * @error: return location for an error
 *
 * Removes a record durably; removing an absent one succeeds. Fails with
 * VIR_ERR_SYSTEM_ERROR on an I/O error, leaving the record or not, in
 * the backend and in memory alike. Callable from any thread; it waits
 * for the disk, so not from the main loop.
 */
bool
shoalStoreRemove(shoalStore *store, const unsigned char *uuid, GError **error)
{
    bool applied = false;
    bool ok;

    g_mutex_lock(&store->lock);
    storeClaim(store, uuid);
    g_mutex_unlock(&store->lock);
    ok = store->backend->ops->remove(store->backend, uuid, &applied, error);
    g_mutex_lock(&store->lock);
    if (applied)
        storeTableRemove(store, uuid);
    storeRelease(store, uuid);
    g_mutex_unlock(&store->lock);
    return ok;
}

/**
 * shoalStoreLookup:
 * @store: the store
 * @uuid: the UUID to look for
 * @error: return location for an error
 *
 * Fails with VIR_ERR_NO_DOMAIN if no record has @uuid. Callable from any
 * thread; never waits for the disk.
 *
 * Returns: (transfer full): a copy of the record, or NULL.
 */
shoalStoreDomain *
shoalStoreLookup(shoalStore *store, const unsigned char *uuid, GError **error)
{
    shoalStoreDomain *copy = NULL;
    const shoalStoreDomain *dom;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    g_mutex_lock(&store->lock);
    dom = g_hash_table_lookup(store->domains, uuid);
    if (dom)
        copy = shoalStoreDomainCopy(dom);
    g_mutex_unlock(&store->lock);

    if (!copy) {
        shoalUUIDFormat(uuid, uuidstr);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: no domain with matching uuid '%1$s'"),
                    uuidstr);
    }
    return copy;
}

/**
 * shoalStoreGetGeneration:
 * @store: the store
 * @uuid: a domain's UUID
 *
 * Lets a caller keep what it derived from a record (its parsed XML, say)
 * until the record changes, without copying the record. Callable from
 * any thread; never waits for the disk.
 *
 * Returns: the generation of the record of @uuid, which changes whenever
 *   the record does and is never reused by a store; 0 if there is none.
 */
guint64
shoalStoreGetGeneration(shoalStore *store, const unsigned char *uuid)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    const shoalStoreDomain *dom = g_hash_table_lookup(store->domains, uuid);

    return dom ? dom->generation : 0;
}

static gint
storeCompareDomains(gconstpointer a, gconstpointer b)
{
    const shoalStoreDomain *da = *(const shoalStoreDomain *const *) a;
    const shoalStoreDomain *db = *(const shoalStoreDomain *const *) b;
    int cmp = strcmp(da->name, db->name);

    if (cmp != 0)
        return cmp;
    return memcmp(da->uuid, db->uuid, VIR_UUID_BUFLEN);
}

/**
 * shoalStoreList:
 * @store: the store
 *
 * Callable from any thread; never waits for the disk.
 *
 * Returns: (transfer full): copies of every record (shoalStoreDomain),
 * sorted by name, then UUID.
 */
GPtrArray *
shoalStoreList(shoalStore *store)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&store->lock);
    g_hash_table_iter_init(&iter, store->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(out, shoalStoreDomainCopy(value));
    g_mutex_unlock(&store->lock);

    g_ptr_array_sort(out, storeCompareDomains);
    return out;
}

/**
 * shoalStoreListHost:
 * @store: the store
 * @hostName: a member host
 *
 * Costs what @hostName holds, not what the store holds. Callable from
 * any thread; never waits for the disk.
 *
 * Returns: (transfer full): copies of the records placed on @hostName
 * (shoalStoreDomain), sorted by name, then UUID.
 */
GPtrArray *
shoalStoreListHost(shoalStore *store, const char *hostName)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    GHashTable *set;
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&store->lock);
    if ((set = g_hash_table_lookup(store->byHost, hostName))) {
        g_hash_table_iter_init(&iter, set);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            g_ptr_array_add(out, shoalStoreDomainCopy(value));
    }
    g_mutex_unlock(&store->lock);

    g_ptr_array_sort(out, storeCompareDomains);
    return out;
}
