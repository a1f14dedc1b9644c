/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host reconciliation: what Shoal does to its store and to the hosts when
 * it sees a host's domains change, through an event or a re-read. The
 * principle (doc/internals/reconcile.md): Shoal changes a host's
 * definitions only to finish what it started itself, or when an operator
 * asks; what a person or a tool does on a host is followed. The rules are
 * one table, reconcileRules[], read top to bottom.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_leftover.h"
#include "cluster_sync.h"
#define SHOAL_CLUSTER_RECONCILE_PRIV_H_ALLOW
#include "cluster_reconcile_priv.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

/* The XML a definition is stored and compared as: inactive, secrets. */
#define RECONCILE_XML_FLAGS (VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)

struct _shoalReconcile {
    GMutex lock;
    GHashTable *missing;       /* protected by lock: "host/uuid" → name */
    GHashTable *conflicts;     /* protected by lock: "host/uuid" → name,
                              reported already */
    shoalLeftovers *leftovers; /* own lock: the copies Shoal's re-homes
                                  left, durable */
};

/* How Shoal learnt of the domain. */
typedef enum {
    RECONCILE_SEEN_ANY = 0,
    RECONCILE_SEEN_REREAD,    /* a full read of the host, no event */
    RECONCILE_SEEN_UNDEFINED, /* the host's undefine event */
    RECONCILE_SEEN_LEFT,      /* stopped by a migration, and gone */
    RECONCILE_SEEN_LEAVING,   /* stopped by a migration, still there */
    RECONCILE_SEEN_EVENT,     /* any other event */
} reconcileSeen;

/* What the host has of it. */
typedef enum {
    RECONCILE_HOST_ANY = 0,
    RECONCILE_HOST_NONE, /* the host says it has no such domain */
    RECONCILE_HOST_TRANSIENT,
    RECONCILE_HOST_PERSISTENT,
} reconcileHostHas;

/* Where the store places it. */
typedef enum {
    RECONCILE_STORED_ANY = 0,
    RECONCILE_STORED_ABSENT,
    RECONCILE_STORED_HERE,
    RECONCILE_STORED_THERE, /* on another member host */
} reconcileStored;

/* Whether another member holds a copy. */
typedef enum {
    RECONCILE_OTHER_ANY = 0,
    RECONCILE_OTHER_NO,
    RECONCILE_OTHER_YES,
    RECONCILE_OTHER_UNKNOWN, /* a host that may hold it does not answer */
} reconcileOther;

typedef enum {
    RECONCILE_DO_NOTHING = 0,
    RECONCILE_DO_ADOPT,      /* store the host's definition, here */
    RECONCILE_DO_UPDATE,     /* store the host's definition if changed */
    RECONCILE_DO_MOVE_HERE,  /* the store names this host */
    RECONCILE_DO_MOVE_THERE, /* the store names the other host */
    RECONCILE_DO_FORGET,     /* remove from the store */
    RECONCILE_DO_MISSING,    /* keep, show missing on this host */
    RECONCILE_DO_LEFTOVER,   /* remove Shoal's own leftover, or conflict */
    RECONCILE_DO_CONFLICT,   /* report; change nothing */
} reconcileAction;

typedef struct {
    reconcileSeen seen;
    reconcileHostHas host;
    reconcileStored stored;
    reconcileOther other;
    reconcileAction action;
    const char *why; /* for the log and doc/internals/reconcile.md */
} reconcileRule;

/* The first row that matches decides; _ANY matches everything. */
static const reconcileRule reconcileRules[] = {
    { RECONCILE_SEEN_LEAVING, RECONCILE_HOST_ANY, RECONCILE_STORED_ANY,
      RECONCILE_OTHER_ANY, RECONCILE_DO_NOTHING,
      "a migration's source keeps its copy until the migration ends: the next read decides" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_ANY, RECONCILE_STORED_ANY,
      RECONCILE_OTHER_UNKNOWN, RECONCILE_DO_NOTHING,
      "a host that may hold it does not answer: the next read decides" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_PERSISTENT, RECONCILE_STORED_ABSENT,
      RECONCILE_OTHER_NO, RECONCILE_DO_ADOPT,
      "adopted a domain defined on the host" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_PERSISTENT, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_NO, RECONCILE_DO_UPDATE,
      "stored the definition the host has" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_PERSISTENT, RECONCILE_STORED_THERE,
      RECONCILE_OTHER_NO, RECONCILE_DO_MOVE_HERE,
      "definition now belongs to this host" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_PERSISTENT, RECONCILE_STORED_THERE,
      RECONCILE_OTHER_YES, RECONCILE_DO_LEFTOVER, "defined on two hosts" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_PERSISTENT, RECONCILE_STORED_ANY,
      RECONCILE_OTHER_YES, RECONCILE_DO_CONFLICT, "defined on two hosts" },
    { RECONCILE_SEEN_UNDEFINED, RECONCILE_HOST_TRANSIENT, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_ANY, RECONCILE_DO_FORGET,
      "followed an undefine on the host: the domain runs on, transient" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_TRANSIENT, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_ANY, RECONCILE_DO_MISSING,
      "the host lost the definition, no undefine seen: kept as missing" },
    { RECONCILE_SEEN_UNDEFINED, RECONCILE_HOST_NONE, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_NO, RECONCILE_DO_FORGET,
      "followed an undefine on the host" },
    { RECONCILE_SEEN_LEFT, RECONCILE_HOST_NONE, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_NO, RECONCILE_DO_FORGET,
      "followed a migration to a host outside the cluster" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_NONE, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_YES, RECONCILE_DO_MOVE_THERE,
      "definition now belongs to the host that has it" },
    { RECONCILE_SEEN_REREAD, RECONCILE_HOST_NONE, RECONCILE_STORED_HERE,
      RECONCILE_OTHER_NO, RECONCILE_DO_MISSING,
      "the host lacks it, no undefine seen: kept as missing" },
    { RECONCILE_SEEN_ANY, RECONCILE_HOST_ANY, RECONCILE_STORED_ANY,
      RECONCILE_OTHER_ANY, RECONCILE_DO_NOTHING,
      "nothing of this host's for the store" },
};

size_t
shoalReconcileRuleCount(void)
{
    return G_N_ELEMENTS(reconcileRules);
}

const char *
shoalReconcileRuleWhy(size_t i)
{
    return reconcileRules[i].why;
}

static const reconcileRule *
reconcileRuleLookup(reconcileSeen seen,
                    reconcileHostHas host,
                    reconcileStored stored,
                    reconcileOther other)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(reconcileRules); i++) {
        const reconcileRule *r = &reconcileRules[i];

        if ((r->seen == RECONCILE_SEEN_ANY || r->seen == seen) &&
            (r->host == RECONCILE_HOST_ANY || r->host == host) &&
            (r->stored == RECONCILE_STORED_ANY || r->stored == stored) &&
            (r->other == RECONCILE_OTHER_ANY || r->other == other))
            return r;
    }
    g_assert_not_reached();
}

/* The reconcile object */

shoalReconcile *
shoalReconcileNew(void)
{
    shoalReconcile *rec = g_new0(shoalReconcile, 1);

    g_mutex_init(&rec->lock);
    rec->missing =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    rec->conflicts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    rec->leftovers = shoalLeftoversNew();
    return rec;
}

void
shoalReconcileFree(shoalReconcile *rec)
{
    if (!rec)
        return;
    g_hash_table_unref(rec->missing);
    g_hash_table_unref(rec->conflicts);
    shoalLeftoversFree(rec->leftovers);
    g_mutex_clear(&rec->lock);
    g_free(rec);
}

static char *
reconcileKey(const char *hostName, const unsigned char *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(uuid, str);
    return g_strdup_printf("%s/%s", hostName, str);
}

/* Sets (or with @name NULL clears) a mark; returns whether it is new. */
static bool
reconcileMark(shoalReconcile *rec,
              GHashTable *table,
              const char *hostName,
              const unsigned char *uuid,
              const char *name)
{
    g_autofree char *key = reconcileKey(hostName, uuid);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);
    bool had = g_hash_table_contains(table, key);

    if (name)
        g_hash_table_replace(table, g_steal_pointer(&key), g_strdup(name));
    else
        g_hash_table_remove(table, key);
    return !had;
}

/* Removes @hostName's marks from @table; returns them, to tell new from
 * known ones while a read recomputes them. */
static GHashTable *
reconcileTakeHost(shoalReconcile *rec, GHashTable *table, const char *hostName)
{
    g_autofree char *prefix = g_strconcat(hostName, "/", NULL);
    GHashTable *old =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (g_str_has_prefix(key, prefix)) {
            g_hash_table_add(old, g_strdup(key));
            g_hash_table_iter_remove(&iter);
        }
    }
    return old;
}

/**
 * shoalReconcileOpen:
 * @dir: the state directory
 *
 * Main thread, before start: what reconciling keeps across restarts (the
 * leftovers of re-homes) is read from and kept in @dir.
 */
bool
shoalReconcileOpen(shoalReconcile *rec, const char *dir, GError **error)
{
    return shoalLeftoversOpen(rec->leftovers, dir, error);
}

/**
 * shoalReconcileNoteLeftover:
 * @xml: the definition Shoal moved away, as @hostName had it
 *
 * Any thread: Shoal re-homed the domain away from @hostName but could not
 * remove its copy there. That copy, if it is still this definition and
 * shut off, is removed when the host is read again: the end of Shoal's own
 * migration. Kept in the state directory: a restart in between changes
 * nothing.
 */
void
shoalReconcileNoteLeftover(shoalReconcile *rec,
                           const char *hostName,
                           const unsigned char *uuid,
                           const char *xml)
{
    g_autofree char *key = reconcileKey(hostName, uuid);

    shoalLeftoversNote(rec->leftovers, key, xml);
}

static bool
reconcileIsLeftover(shoalReconcile *rec,
                    const char *hostName,
                    const unsigned char *uuid)
{
    g_autofree char *key = reconcileKey(hostName, uuid);

    return shoalLeftoversHas(rec->leftovers, key);
}

static char *
reconcileTakeLeftover(shoalReconcile *rec,
                      const char *hostName,
                      const unsigned char *uuid)
{
    g_autofree char *key = reconcileKey(hostName, uuid);

    return shoalLeftoversTake(rec->leftovers, key);
}

/* Whether a read found the store's domain missing on @hostName. */
bool
shoalReconcileIsMissing(shoalReconcile *rec,
                        const char *hostName,
                        const unsigned char *uuid)
{
    g_autofree char *key = reconcileKey(hostName, uuid);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);

    return g_hash_table_contains(rec->missing, key);
}

void
shoalClusterConflictInfoFree(shoalClusterConflictInfo *info)
{
    if (!info)
        return;
    g_free(info->domain);
    g_free(info->uuid);
    g_strfreev(info->hosts);
    g_free(info);
}

const char *
shoalConflictKindToString(shoalConflictKind kind)
{
    switch (kind) {
    case SHOAL_CONFLICT_DUPLICATE:
        return "duplicate";
    case SHOAL_CONFLICT_MISSING:
        return "missing";
    case SHOAL_CONFLICT_LAST:
        break;
    }
    return "unknown";
}

static gint
reconcileCompareConflicts(gconstpointer a, gconstpointer b)
{
    const shoalClusterConflictInfo *x = *(shoalClusterConflictInfo *const *) a;
    const shoalClusterConflictInfo *y = *(shoalClusterConflictInfo *const *) b;
    int c = g_strcmp0(x->domain, y->domain);

    return c ? c : g_strcmp0(x->hosts[0], y->hosts[0]);
}

/**
 * shoalReconcileListMissing:
 * Returns: (transfer full): shoalClusterConflictInfo of every stored
 *   domain a read found missing on its host.
 */
GPtrArray *
shoalReconcileListMissing(shoalReconcile *rec)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalClusterConflictInfoFree);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);
    GHashTableIter iter;
    gpointer key;
    gpointer name;

    g_hash_table_iter_init(&iter, rec->missing);
    while (g_hash_table_iter_next(&iter, &key, &name)) {
        shoalClusterConflictInfo *info = g_new0(shoalClusterConflictInfo, 1);
        const char *slash = strrchr(key, '/');

        info->kind = SHOAL_CONFLICT_MISSING;
        info->domain = g_strdup(name);
        info->uuid = g_strdup(slash + 1);
        info->hosts = g_new0(char *, 2);
        info->hosts[0] = g_strndup(key, slash - (const char *) key);
        g_ptr_array_add(out, info);
    }
    return out;
}

/**
 * shoalClusterListConflicts:
 *
 * What waits for an operator: every UUID defined on more than one host,
 * and every stored domain its host lacks.
 * Returns: (transfer full): shoalClusterConflictInfo, by domain name.
 */
GPtrArray *
shoalClusterListConflicts(shoalCluster *cluster)
{
    GPtrArray *out = shoalReconcileListMissing(cluster->reconcile);
    g_autoptr(GPtrArray) all = shoalInventoryListAll(cluster->inventory);
    guint i;

    for (i = 0; i < all->len; i++) {
        const shoalInventoryEntry *entry = all->pdata[i];
        shoalClusterConflictInfo *info;
        char str[VIR_UUID_STRING_BUFLEN];

        if (!entry->conflictHosts)
            continue;
        shoalUUIDFormat(entry->rec.uuid, str);
        info = g_new0(shoalClusterConflictInfo, 1);
        info->kind = SHOAL_CONFLICT_DUPLICATE;
        info->domain = g_strdup(entry->rec.name);
        info->uuid = g_strdup(str);
        info->hosts = g_strdupv(entry->conflictHosts);
        g_ptr_array_add(out, info);
    }
    g_ptr_array_sort(out, reconcileCompareConflicts);
    return out;
}

/* Applying the rules */

static void
reconcileLog(const char *hostName, const char *name, const char *what)
{
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_HOST(hostName), SHOAL_LOG_DOMAIN(name),
                     "MESSAGE", "host '%s', domain '%s': %s", hostName, name,
                     what);
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

/* Whether a member is online; a host no longer a member answers "no". */
static bool
reconcileHostAnswers(shoalCluster *cluster, const char *hostName)
{
    g_autoptr(shoalHost) host = shoalClusterLookupHost(cluster, hostName, NULL);

    return !host || shoalHostGetState(host) == SHOAL_HOST_STATE_ONLINE;
}

/*
 * Whether a member other than @hostName holds @uuid, by the inventory; a
 * copy a read found missing is none. The store's host counts as unknown
 * until it has answered once.
 */
static reconcileOther
reconcileOtherHas(shoalCluster *cluster,
                  const char *hostName,
                  const unsigned char *uuid,
                  const shoalStoreDomain *stored,
                  char **otherName)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    guint i;

    for (i = 0; entry && entry->conflictHosts && entry->conflictHosts[i]; i++) {
        const char *h = entry->conflictHosts[i];

        if (!g_str_equal(h, hostName) &&
            !shoalReconcileIsMissing(cluster->reconcile, h, uuid)) {
            *otherName = g_strdup(h);
            return RECONCILE_OTHER_YES;
        }
    }
    if (entry && !g_str_equal(entry->hostName, hostName) &&
        !shoalReconcileIsMissing(cluster->reconcile, entry->hostName, uuid)) {
        if (!entry->reachable ||
            !reconcileHostAnswers(cluster, entry->hostName))
            return RECONCILE_OTHER_UNKNOWN;
        *otherName = g_strdup(entry->hostName);
        return RECONCILE_OTHER_YES;
    }
    if (stored && stored->hostName &&
        !g_str_equal(stored->hostName, hostName) &&
        !reconcileHostAnswers(cluster, stored->hostName))
        return RECONCILE_OTHER_UNKNOWN;
    return RECONCILE_OTHER_NO;
}

/* Logs @why if the store's record of @uuid is no longer @before. */
static void
reconcileLogStored(shoalCluster *cluster,
                   const char *hostName,
                   const unsigned char *uuid,
                   const shoalStoreDomain *before,
                   const char *why)
{
    g_autoptr(shoalStoreDomain) after =
        shoalStoreLookup(cluster->store, uuid, NULL);

    if (after && (!before || g_strcmp0(before->xml, after->xml) != 0 ||
                  g_strcmp0(before->name, after->name) != 0 ||
                  g_strcmp0(before->hostName, after->hostName) != 0 ||
                  before->autostart != after->autostart))
        reconcileLog(hostName, after->name, why);
}

/*
 * What @hostName has of @uuid, for the store; NULL (logged) if it cannot
 * be read.
 */
static shoalStoreDomain *
reconcileReadHost(const char *hostName,
                  virConnectPtr conn,
                  const unsigned char *uuid)
{
    g_autoptr(GError) error = NULL;
    shoalStoreDomain *sd;
    virDomainPtr dom = virDomainLookupByUUID(conn, uuid);

    if (!dom) {
        virResetLastError();
        return NULL;
    }
    sd = shoalClusterStoreRead(dom, hostName, &error);
    if (!sd)
        reconcileLog(hostName, virDomainGetName(dom), error->message);
    virDomainFree(dom);
    virResetLastError();
    return sd;
}

/* One definition a host's read stores with the others of that read. */
typedef struct {
    shoalStoreDomain *sd;     /* what the host has */
    shoalStoreDomain *before; /* nullable: what the store had */
    const char *why;          /* static */
} reconcileBatchItem;

static void
reconcileBatchItemFree(reconcileBatchItem *item)
{
    shoalStoreDomainFree(item->sd);
    shoalStoreDomainFree(item->before);
    g_free(item);
}

/*
 * A read of a host stores the definitions it adopts or updates at once
 * (shoalStorePutBatch(): one directory sync, not one per domain), each
 * under its domain's job until then. Returns whether @uuid was added,
 * its job now the batch's.
 */
static bool
reconcileBatchAdd(GPtrArray *batch,
                  const char *hostName,
                  virConnectPtr conn,
                  const unsigned char *uuid,
                  const shoalStoreDomain *before,
                  const char *why)
{
    reconcileBatchItem *item;
    shoalStoreDomain *sd = reconcileReadHost(hostName, conn, uuid);

    if (!sd)
        return false;
    item = g_new0(reconcileBatchItem, 1);
    item->sd = sd;
    item->before = before ? shoalStoreDomainCopy(before) : NULL;
    item->why = why;
    g_ptr_array_add(batch, item);
    return true;
}

/* Stores the batch, logs what changed and ends the jobs it held. */
static void
reconcileBatchFlush(shoalCluster *cluster,
                    const char *hostName,
                    GPtrArray *batch)
{
    g_autoptr(GPtrArray) doms = g_ptr_array_sized_new(batch->len);
    g_autoptr(GError) error = NULL;
    bool ok;
    guint i;

    if (batch->len == 0)
        return;
    for (i = 0; i < batch->len; i++)
        g_ptr_array_add(doms, ((reconcileBatchItem *) batch->pdata[i])->sd);
    ok = shoalStorePutBatch(cluster->store, doms, &error);
    for (i = 0; i < batch->len; i++) {
        const reconcileBatchItem *item = batch->pdata[i];

        if (!ok)
            reconcileLog(hostName, item->sd->name, error->message);
        reconcileLogStored(cluster, hostName, item->sd->uuid, item->before,
                           item->why);
        shoalDomainJobsEnd(cluster->jobs, item->sd->uuid);
    }
    g_ptr_array_set_size(batch, 0);
}

static int
reconcileCallIsPersistent(virDomainPtr dom, gpointer opaque)
{
    return virDomainIsPersistent(dom);
}

/*
 * Whether @host says it has no domain @uuid; false when it cannot say.
 * (The reads below that take a virConnectPtr run inside a host's re-read
 * and use the connection that read came from, so that what they decide
 * matches what was read; they reach no owner the inventory names.)
 */
static bool
reconcileHostLacks(shoalCluster *cluster,
                   shoalHost *host,
                   const unsigned char *uuid)
{
    g_autoptr(GError) error = NULL;

    /* a round trip: a cached handle alone does not say the host has it */
    return shoalClusterHostDomainCall(cluster, host, uuid, 0,
                                      reconcileCallIsPersistent, NULL,
                                      &error) < 0 &&
           g_error_matches(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
}

/*
 * Restoring unasked is safe only when no host could hold the domain:
 * every member answers and none has it. Each is asked, not the inventory:
 * a migration Shoal did not drive reaches the inventory only with the
 * destination's events, which may come after the source's.
 */
static bool
reconcileMayRestore(shoalCluster *cluster,
                    shoalHost *reading,
                    const unsigned char *uuid)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        if (hosts->pdata[i] == reading)
            continue;
        if (shoalHostGetState(hosts->pdata[i]) != SHOAL_HOST_STATE_ONLINE ||
            !reconcileHostLacks(cluster, hosts->pdata[i], uuid))
            return false;
    }
    return true;
}

/* Defines @sd on @hostName from the store, as Shoal defined it. */
static bool
reconcileRestore(const char *hostName,
                 virConnectPtr conn,
                 const shoalStoreDomain *sd,
                 GError **error)
{
    virDomainPtr dom = virDomainDefineXML(conn, sd->xml);

    if (!dom) {
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    if (sd->autostart && virDomainSetAutostart(dom, 1) < 0)
        virResetLastError();
    virDomainFree(dom);
    reconcileLog(hostName, sd->name, "restored the definition from the store");
    return true;
}

/*
 * The shut-off copy Shoal's own re-home left on @hostName, when it is
 * still the definition Shoal moved: removed, which ends that re-home.
 */
static bool
reconcileRemoveLeftover(shoalCluster *cluster,
                        const char *hostName,
                        virConnectPtr conn,
                        const shoalInventoryRecord *rec)
{
    g_autofree char *xml = NULL;
    g_autofree char *current = NULL;
    virDomainPtr dom;
    bool removed = false;

    if (rec->state != VIR_DOMAIN_SHUTOFF ||
        !(xml = reconcileTakeLeftover(cluster->reconcile, hostName, rec->uuid)))
        return false;
    if ((dom = virDomainLookupByUUID(conn, rec->uuid))) {
        current = virDomainGetXMLDesc(dom, RECONCILE_XML_FLAGS);
        if (g_strcmp0(current, xml) == 0 && virDomainIsActive(dom) == 0 &&
            virDomainUndefine(dom) == 0) {
            reconcileLog(hostName, rec->name,
                         "removed the shut-off copy Shoal's re-home left here");
            removed = true;
        }
        virDomainFree(dom);
    }
    virResetLastError();
    return removed;
}

/* Whether a conflict of @uuid is marked on any host; call with the lock. */
static bool
reconcileConflictMarkedLocked(shoalReconcile *rec, const char *uuidStr)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, rec->conflicts);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        const char *slash = strrchr(key, '/');

        if (slash && g_str_equal(slash + 1, uuidStr))
            return true;
    }
    return false;
}

/*
 * Marks a conflict of @uuid seen from @hostName; returns whether it is
 * new: no host had it marked, and @known (the marks a re-read of
 * @hostName took to recompute) did not have it either.
 */
static bool
reconcileConflictMark(shoalReconcile *rec,
                      const char *hostName,
                      const unsigned char *uuid,
                      const char *name,
                      GHashTable *known)
{
    g_autofree char *key = reconcileKey(hostName, uuid);
    char str[VIR_UUID_STRING_BUFLEN];
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);
    bool isNew;

    shoalUUIDFormat(uuid, str);
    isNew = !reconcileConflictMarkedLocked(rec, str) &&
            !(known && g_hash_table_contains(known, key));
    g_hash_table_replace(rec->conflicts, g_steal_pointer(&key), g_strdup(name));
    return isNew;
}

/* The conflict of @uuid is over: every host's mark goes. */
static void
reconcileConflictClear(shoalReconcile *rec, const unsigned char *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&rec->lock);
    GHashTableIter iter;
    gpointer key;

    shoalUUIDFormat(uuid, str);
    g_hash_table_iter_init(&iter, rec->conflicts);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        const char *slash = strrchr(key, '/');

        if (slash && g_str_equal(slash + 1, str))
            g_hash_table_iter_remove(&iter);
    }
}

/*
 * Reports a conflict once per domain, however many hosts see it: logged,
 * and a metadata-change event in Shoal's conflict namespace to clients
 * (libvirt has no conflict event; doc/internals/reconcile.md).
 */
static void
reconcileConflict(shoalCluster *cluster,
                  const char *hostName,
                  const char *other,
                  const unsigned char *uuid,
                  const char *name,
                  GHashTable *known)
{
    g_autofree char *what = NULL;
    shoalClusterEmit *emit;

    if (!reconcileConflictMark(cluster->reconcile, hostName, uuid, name, known))
        return;
    what =
        g_strdup_printf("also defined on host '%s': a conflict, left for an operator to resolve",
                        other);
    reconcileLog(hostName, name, what);
    emit = shoalClusterEmitNew(cluster, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                               name, uuid);
    emit->event = VIR_DOMAIN_METADATA_ELEMENT;
    emit->str = g_strdup(SHOAL_CONFLICT_NS);
    shoalClusterEmitPost(emit);
}

/* What one observation of @uuid on @host is, in the table's terms. */
typedef struct {
    reconcileSeen seen;
    const shoalInventoryRecord *rec; /* nullable: the host lacks it */
    GHashTable *knownConflicts;      /* nullable: reported before */
    GHashTable *knownMissing;        /* nullable: reported before */
    /* nullable: reconcileBatchItem, what a host's read stores at once */
    GPtrArray *batch;
} reconcileObservation;

/* Which row of the table @obs of @uuid on @host is, as of now. */
static const reconcileRule *
reconcileClassify(shoalCluster *cluster,
                  shoalHost *host,
                  const unsigned char *uuid,
                  const reconcileObservation *obs,
                  shoalStoreDomain **stored,
                  char **other)
{
    reconcileHostHas has = RECONCILE_HOST_NONE;
    reconcileStored where = RECONCILE_STORED_ABSENT;
    reconcileOther otherHas;

    g_clear_pointer(stored, shoalStoreDomainFree);
    g_clear_pointer(other, g_free);
    if (obs->rec)
        has = obs->rec->persistent ? RECONCILE_HOST_PERSISTENT
                                   : RECONCILE_HOST_TRANSIENT;
    *stored = shoalStoreLookup(cluster->store, uuid, NULL);
    if (*stored)
        where = g_strcmp0((*stored)->hostName, host->name) == 0
                    ? RECONCILE_STORED_HERE
                    : RECONCILE_STORED_THERE;
    otherHas = reconcileOtherHas(cluster, host->name, uuid, *stored, other);
    return reconcileRuleLookup(obs->seen, has, where, otherHas);
}

/* How long Shoal's own leftover waits for the domain's job: another
 * host's read of it holds it briefly. */
#define RECONCILE_LEFTOVER_WAIT_US (2 * G_USEC_PER_SEC)

/*
 * Applies the rule for one domain. Under the domain's job: a change Shoal
 * itself makes keeps the store in step and is never overtaken; a busy
 * domain waits for the next read, but for Shoal's own leftover, which
 * waits (bounded) for the job, as its removal checks the host's copy
 * again. Returns whether the host changed.
 */
static bool
reconcileApply(shoalCluster *cluster,
               shoalHost *host,
               virConnectPtr conn,
               const unsigned char *uuid,
               const reconcileObservation *obs)
{
    g_autoptr(shoalStoreDomain) stored = NULL;
    g_autoptr(shoalStoreDomain) moved = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *other = NULL;
    g_autofree char *key = reconcileKey(host->name, uuid);
    const reconcileRule *rule;
    const char *name;
    g_autoptr(GPtrArray) own = NULL;
    bool changed = false;
    bool batched = false;

    rule = reconcileClassify(cluster, host, uuid, obs, &stored, &other);
    if (rule->action == RECONCILE_DO_NOTHING)
        return false;
    if (!shoalDomainJobsTryBegin(cluster->jobs, uuid)) {
        if (rule->action != RECONCILE_DO_LEFTOVER ||
            !shoalDomainJobsBeginTimeout(cluster->jobs, uuid,
                                         RECONCILE_LEFTOVER_WAIT_US, NULL))
            return false;
        rule = reconcileClassify(cluster, host, uuid, obs, &stored, &other);
        if (rule->action != RECONCILE_DO_LEFTOVER) {
            shoalDomainJobsEnd(cluster->jobs, uuid);
            return false;
        }
    }
    name = obs->rec ? obs->rec->name : stored->name;
    if (rule->action != RECONCILE_DO_MISSING)
        reconcileMark(cluster->reconcile, cluster->reconcile->missing,
                      host->name, uuid, NULL);
    /* one copy left: the next conflict of this domain is reported again */
    if (rule->action != RECONCILE_DO_LEFTOVER &&
        rule->action != RECONCILE_DO_CONFLICT)
        reconcileConflictClear(cluster->reconcile, uuid);

    switch (rule->action) {
    case RECONCILE_DO_ADOPT:
    case RECONCILE_DO_UPDATE:
    case RECONCILE_DO_MOVE_HERE:
        /* an event's change is a batch of its own */
        if (!obs->batch)
            own = g_ptr_array_new_with_free_func(
                (GDestroyNotify) reconcileBatchItemFree);
        batched = reconcileBatchAdd(obs->batch ? obs->batch : own, host->name,
                                    conn, uuid, stored, rule->why);
        /* a missing mark of the host the store named is over */
        if (stored && stored->hostName &&
            rule->action == RECONCILE_DO_MOVE_HERE &&
            shoalReconcileIsMissing(cluster->reconcile, stored->hostName,
                                    uuid)) {
            reconcileMark(cluster->reconcile, cluster->reconcile->missing,
                          stored->hostName, uuid, NULL);
            shoalInventoryRemove(cluster->inventory, stored->hostName, uuid);
        }
        break;
    case RECONCILE_DO_MOVE_THERE:
        moved = shoalStoreDomainCopy(stored);
        g_free(moved->hostName);
        moved->hostName = g_strdup(other);
        if (shoalStorePut(cluster->store, moved, &error))
            reconcileLog(host->name, name, rule->why);
        else
            reconcileLog(host->name, name, error->message);
        break;
    case RECONCILE_DO_FORGET:
        if (shoalStoreRemove(cluster->store, uuid, &error))
            reconcileLog(host->name, name, rule->why);
        else
            reconcileLog(host->name, name, error->message);
        break;
    case RECONCILE_DO_MISSING:
        if (cluster->config.restoreMissing &&
            obs->seen == RECONCILE_SEEN_REREAD && !obs->rec &&
            reconcileMayRestore(cluster, host, uuid)) {
            if (reconcileRestore(host->name, conn, stored, &error)) {
                changed = true;
                break;
            }
            reconcileLog(host->name, name, error->message);
        }
        if (reconcileMark(cluster->reconcile, cluster->reconcile->missing,
                          host->name, uuid, name) &&
            !(obs->knownMissing &&
              g_hash_table_contains(obs->knownMissing, key)))
            reconcileLog(host->name, name, rule->why);
        break;
    case RECONCILE_DO_LEFTOVER:
        if (reconcileRemoveLeftover(cluster, host->name, conn, obs->rec)) {
            changed = true;
            break;
        }
        reconcileConflict(cluster, host->name, other, uuid, name,
                          obs->knownConflicts);
        break;
    case RECONCILE_DO_CONFLICT:
        /* the other copy is Shoal's leftover: its host's read removes it */
        if (!reconcileIsLeftover(cluster->reconcile, other, uuid))
            reconcileConflict(cluster, host->name, other, uuid, name,
                              obs->knownConflicts);
        break;
    case RECONCILE_DO_NOTHING:
        break;
    }
    if (batched && own)
        reconcileBatchFlush(cluster, host->name, own); /* ends the job */
    else if (!batched)
        shoalDomainJobsEnd(cluster->jobs, uuid);
    return changed;
}

/* How long a domain defined by a migration may stay on its source. */
#define RECONCILE_SOURCE_WAIT_US (2 * G_USEC_PER_SEC)
#define RECONCILE_SOURCE_POLL_US (100 * 1000)

/*
 * A domain defined on @host that another member lists shut off: an
 * offline migration between members that Shoal did not run defines it on
 * its destination first and removes it from its source only at the end
 * (libvirt's confirm step), quietly. Waits, bounded, for the source to
 * let go, so the move is followed and not reported as a conflict; a copy
 * that stays is one.
 */
static void
reconcileAwaitSource(shoalCluster *cluster,
                     shoalHost *host,
                     const unsigned char *uuid)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    g_autoptr(shoalHost) source = NULL;
    gint64 deadline = g_get_monotonic_time() + RECONCILE_SOURCE_WAIT_US;

    if (!entry || g_str_equal(entry->hostName, host->name) ||
        entry->rec.state != VIR_DOMAIN_SHUTOFF ||
        shoalDomainJobsIsActive(cluster->jobs, uuid) ||
        !(source = shoalClusterLookupHost(cluster, entry->hostName, NULL)) ||
        shoalHostGetState(source) != SHOAL_HOST_STATE_ONLINE)
        return;
    while (!reconcileHostLacks(cluster, source, uuid)) {
        if (g_get_monotonic_time() >= deadline)
            return;
        g_usleep(RECONCILE_SOURCE_POLL_US);
    }
    shoalHostForgetDomain(source, uuid);
    shoalInventoryRemove(cluster->inventory, source->name, uuid);
}

/**
 * shoalClusterReconcileEvent:
 * @rec: (nullable): what the host has of @uuid after the event
 * @gone: the host said it has no such domain
 *
 * Host pool, after a domain's lifecycle event was read back: follows what
 * was done on the host (doc/internals/reconcile.md). A domain that Shoal
 * itself is changing is left to that change.
 */
void
shoalClusterReconcileEvent(shoalCluster *cluster,
                           shoalHost *host,
                           virConnectPtr conn,
                           const unsigned char *uuid,
                           int event,
                           int detail,
                           const shoalInventoryRecord *rec,
                           bool gone)
{
    reconcileObservation obs = { RECONCILE_SEEN_EVENT, rec, NULL, NULL, NULL };

    if (!cluster->store || (!rec && !gone))
        return;
    /* a copy went: what is left of a conflict is reported anew */
    if (gone)
        reconcileConflictClear(cluster->reconcile, uuid);
    if (event == VIR_DOMAIN_EVENT_DEFINED && rec && rec->persistent)
        reconcileAwaitSource(cluster, host, uuid);
    if (event == VIR_DOMAIN_EVENT_UNDEFINED)
        obs.seen = RECONCILE_SEEN_UNDEFINED;
    else if (event == VIR_DOMAIN_EVENT_STOPPED &&
             detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED)
        obs.seen = rec ? RECONCILE_SEEN_LEAVING : RECONCILE_SEEN_LEFT;
    reconcileApply(cluster, host, conn, uuid, &obs);
}

/* A stored domain its host lacks, listed with no state on that host. */
static shoalInventoryRecord *
reconcileMissingRecord(const shoalStoreDomain *sd)
{
    g_autoptr(shoalDomainXML) def = shoalDomainXMLParse(sd->xml, NULL);
    shoalInventoryRecord *rec = shoalInventoryRecordNew(sd->name, sd->uuid);

    rec->state = VIR_DOMAIN_NOSTATE;
    rec->persistent = true;
    rec->autostart = sd->autostart;
    if (def) {
        rec->memoryKiB = def->memoryKiB;
        rec->vcpus = def->vcpus;
    }
    return rec;
}

/**
 * shoalClusterReconcileHost:
 * @records: (inout): what the host has; re-read if reconciling changed it,
 *   and with a record of no state for each stored domain it lacks
 *
 * Worker thread, on every read of a host, events or not: the same rules
 * as for events, with what a read cannot tell (an undefine) taken as
 * unknown: a stored domain the host lacks is shown missing, never
 * forgotten and never defined again unasked (unless restore_missing).
 */
void
shoalClusterReconcileHost(shoalCluster *cluster,
                          shoalHost *host,
                          virConnectPtr conn,
                          GPtrArray **records)
{
    g_autoptr(GPtrArray) stored = NULL;
    g_autoptr(GHashTable) knownMissing = NULL;
    g_autoptr(GHashTable) knownConflicts = NULL;
    g_autoptr(GPtrArray) batch =
        g_ptr_array_new_with_free_func((GDestroyNotify) reconcileBatchItemFree);
    reconcileObservation obs = { RECONCILE_SEEN_REREAD, NULL, NULL, NULL,
                                 batch };
    bool changed = false;
    guint i;

    if (!cluster->store)
        return;
    knownMissing = reconcileTakeHost(cluster->reconcile,
                                     cluster->reconcile->missing, host->name);
    knownConflicts =
        reconcileTakeHost(cluster->reconcile, cluster->reconcile->conflicts,
                          host->name);
    obs.knownMissing = knownMissing;
    obs.knownConflicts = knownConflicts;
    for (i = 0; i < (*records)->len; i++) {
        const shoalInventoryRecord *rec = (*records)->pdata[i];

        obs.rec = rec;
        changed |= reconcileApply(cluster, host, conn, rec->uuid, &obs);
    }
    reconcileBatchFlush(cluster, host->name, batch);
    obs.rec = NULL;
    obs.batch = NULL;
    stored = shoalStoreListHost(cluster->store, host->name);
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];

        if (g_strcmp0(sd->hostName, host->name) != 0 ||
            reconcileRecordHas(*records, sd->uuid))
            continue;
        changed |= reconcileApply(cluster, host, conn, sd->uuid, &obs);
    }
    if (changed) {
        g_autoptr(GPtrArray) fresh = shoalSyncReadHost(conn, host->name, NULL);

        virResetLastError();
        if (fresh) {
            g_ptr_array_unref(*records);
            *records = g_steal_pointer(&fresh);
        }
    }
    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];

        if (g_strcmp0(sd->hostName, host->name) == 0 &&
            !reconcileRecordHas(*records, sd->uuid) &&
            shoalReconcileIsMissing(cluster->reconcile, host->name, sd->uuid))
            g_ptr_array_add(*records, reconcileMissingRecord(sd));
    }
}

/* Whether the host that owns @uuid lost its definition (missing). */
bool
shoalClusterIsMissing(shoalCluster *cluster, const unsigned char *uuid)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);

    return entry &&
           shoalReconcileIsMissing(cluster->reconcile, entry->hostName, uuid);
}

/**
 * shoalClusterForgetMissing:
 *
 * An undefine through Shoal of a domain its host lacks (missing): removes
 * it from the store and the list. Call under the domain's job. Returns
 * false, changing nothing, for a domain that is not missing.
 */
bool
shoalClusterForgetMissing(shoalCluster *cluster, const unsigned char *uuid)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GError) error = NULL;

    if (!cluster->store ||
        !(sd = shoalStoreLookup(cluster->store, uuid, NULL)) || !sd->hostName ||
        !shoalReconcileIsMissing(cluster->reconcile, sd->hostName, uuid) ||
        !(host = shoalClusterLookupHost(cluster, sd->hostName, NULL)) ||
        !reconcileHostLacks(cluster, host, uuid))
        return false;
    if (!shoalStoreRemove(cluster->store, uuid, &error)) {
        reconcileLog(sd->hostName, sd->name, error->message);
        return false;
    }
    reconcileMark(cluster->reconcile, cluster->reconcile->missing, sd->hostName,
                  uuid, NULL);
    shoalInventoryRemove(cluster->inventory, sd->hostName, uuid);
    reconcileLog(sd->hostName, sd->name,
                 "forgot the missing definition, as an operator asked");
    return true;
}

/* Restoring on request */

static bool
reconcileNamed(const char *const *domains, const char *name)
{
    return !domains || g_strv_contains(domains, name);
}

/* Defines @sd on @host again if the host lacks its definition. */
static bool
reconcileRestoreOne(shoalCluster *cluster,
                    shoalHost *host,
                    virConnectPtr conn,
                    const shoalStoreDomain *sd,
                    bool *restored,
                    GError **error)
{
    g_autofree char *other = NULL;
    virDomainPtr dom;
    int persistent = 0;
    bool ok = true;

    *restored = false;
    if (!shoalDomainJobsBegin(cluster->jobs, sd->uuid, error))
        return false;
    if ((dom = virDomainLookupByUUID(conn, sd->uuid))) {
        persistent = virDomainIsPersistent(dom);
        virDomainFree(dom);
    }
    virResetLastError();
    if (persistent != 1 && reconcileOtherHas(cluster, host->name, sd->uuid, sd,
                                             &other) == RECONCILE_OTHER_YES) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' is defined on host '%2$s'"),
                    sd->name, other);
        ok = false;
    } else if (persistent != 1) {
        ok = *restored = reconcileRestore(host->name, conn, sd, error);
    }
    if (ok)
        reconcileMark(cluster->reconcile, cluster->reconcile->missing,
                      host->name, sd->uuid, NULL);
    shoalDomainJobsEnd(cluster->jobs, sd->uuid);
    return ok;
}

/**
 * shoalClusterRestoreHost:
 * @domains: (nullable): names of domains to restore; NULL: all
 * @restored: (out) (transfer full): names of the domains defined again
 *
 * An operator's request: defines again, from the store, the domains the
 * store places on @hostName that the host lacks (a reinstalled host, a
 * lost event). A domain another member holds is not defined twice.
 */
bool
shoalClusterRestoreHost(shoalCluster *cluster,
                        const char *hostName,
                        const char *const *domains,
                        GPtrArray **restored,
                        GError **error)
{
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GPtrArray) stored = NULL;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    virConnectPtr conn;
    bool ok = true;
    guint i;

    if (!cluster->store) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: this daemon has no durable store for definitions"));
        return false;
    }
    if (!(host = shoalClusterLookupHost(cluster, hostName, error)) ||
        !(conn = shoalHostGetConnection(host, error)))
        return false;
    stored = shoalStoreListHost(cluster->store, hostName);
    for (i = 0; domains && domains[i]; i++) {
        guint j;
        bool found = false;

        for (j = 0; j < stored->len && !found; j++) {
            const shoalStoreDomain *sd = stored->pdata[j];

            found = g_str_equal(sd->name, domains[i]) &&
                    g_strcmp0(sd->hostName, hostName) == 0;
        }
        if (!found) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                        _("Domain not found: no domain with matching name '%1$s' stored for host '%2$s'"),
                        domains[i], hostName);
            virConnectClose(conn);
            return false;
        }
    }
    for (i = 0; ok && i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];
        bool done = false;

        if (g_strcmp0(sd->hostName, hostName) != 0 ||
            !reconcileNamed(domains, sd->name))
            continue;
        ok = reconcileRestoreOne(cluster, host, conn, sd, &done, error);
        if (done)
            g_ptr_array_add(out, g_strdup(sd->name));
    }
    virConnectClose(conn);
    /* the restored domains are listed once the host is read again */
    shoalClusterRequestResync(cluster, host);
    if (!ok)
        return false;
    *restored = g_steal_pointer(&out);
    return true;
}
