/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_inventory.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_domainxml.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

/*
 * Which domain is where. Keyed by UUID; a UUID that two hosts report is a
 * conflict and stays one entry with every host listed, never merged.
 */
typedef struct _inventoryDomain {
    shoalInventoryRecord rec; /* from the owning host */
    int id;                   /* Shoal's id, -1 when inactive */
    bool moving;              /* migrating: other copies are its own */
    /* CPU time the guest used on hosts it left: libvirt counts anew on
     * each host, clients expect the counter to go on */
    unsigned long long cpuOffsetNs;
    GPtrArray *hosts; /* host names: [0] owns; more = conflict */
    /* host name → shoalInventoryRecord: the last of each other copy, so
     * that the next owner's state is known when the owner's copy goes */
    GHashTable *others;
} inventoryDomain;

struct _shoalInventory {
    GMutex lock;
    GHashTable *domains;     /* protected by lock: uuid → inventoryDomain */
    GHashTable *unreachable; /* protected by lock: host names */
    GHashTable *read;        /* protected by lock: hosts read at least once */
    int nextId;              /* protected by lock */
    /* protected by lock: host name → (uuid → inventoryDomain, borrowed
     * from domains), every domain the host has a copy of, owned or not,
     * so that reading one host costs what it holds */
    GHashTable *byHost;
    GHashTable *emptySet; /* immutable: what a host with no domain has */
    /* protected by lock: name → GPtrArray of inventoryDomain (borrowed
     * from domains), one per UUID that has the name: lookups by name,
     * what every virsh command on a domain starts with */
    GHashTable *byName;
};

shoalInventoryRecord *
shoalInventoryRecordNew(const char *name, const unsigned char *uuid)
{
    shoalInventoryRecord *rec = g_new0(shoalInventoryRecord, 1);

    rec->name = g_strdup(name);
    memcpy(rec->uuid, uuid, VIR_UUID_BUFLEN);
    rec->hostId = -1;
    return rec;
}

void
shoalInventoryRecordFree(shoalInventoryRecord *record)
{
    if (!record)
        return;
    g_free(record->name);
    g_free(record);
}

void
shoalInventoryEntryFree(shoalInventoryEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->rec.name);
    g_free(entry->hostName);
    g_strfreev(entry->conflictHosts);
    g_free(entry);
}

static void
inventoryDomainFree(gpointer opaque)
{
    inventoryDomain *dom = opaque;

    g_free(dom->rec.name);
    g_ptr_array_unref(dom->hosts);
    g_hash_table_unref(dom->others);
    g_free(dom);
}

/* Call with the lock held: @hostName has a copy of @dom too. */
static void
inventoryHostAdd(shoalInventory *inv,
                 inventoryDomain *dom,
                 const char *hostName)
{
    GHashTable *set = g_hash_table_lookup(inv->byHost, hostName);

    if (!set) {
        set = g_hash_table_new(shoalUUIDHash, shoalUUIDEqual);
        g_hash_table_insert(inv->byHost, g_strdup(hostName), set);
    }
    g_hash_table_insert(set, dom->rec.uuid, dom);
    g_ptr_array_add(dom->hosts, g_strdup(hostName));
}

/* Call with the lock held: the host at @index no longer has @dom. */
static void
inventoryHostRemove(shoalInventory *inv, inventoryDomain *dom, guint index)
{
    const char *hostName = dom->hosts->pdata[index];
    GHashTable *set = g_hash_table_lookup(inv->byHost, hostName);

    if (set) {
        g_hash_table_remove(set, dom->rec.uuid);
        if (g_hash_table_size(set) == 0)
            g_hash_table_remove(inv->byHost, hostName);
    }
    g_ptr_array_remove_index(dom->hosts, index);
}

/* Call with the lock held. Returns: (nullable): the domains @hostName has
 * a copy of, uuid → inventoryDomain. */
static GHashTable *
inventoryHostDomains(shoalInventory *inv, const char *hostName)
{
    return g_hash_table_lookup(inv->byHost, hostName);
}

shoalInventory *
shoalInventoryNew(void)
{
    shoalInventory *inv = g_new0(shoalInventory, 1);

    g_mutex_init(&inv->lock);
    inv->domains = g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, NULL,
                                         inventoryDomainFree);
    inv->unreachable =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    inv->read = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    inv->byHost = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
    inv->emptySet = g_hash_table_new(shoalUUIDHash, shoalUUIDEqual);
    inv->byName = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
    inv->nextId = 1;
    return inv;
}

void
shoalInventoryFree(shoalInventory *inv)
{
    if (!inv)
        return;
    g_hash_table_unref(inv->byHost);
    g_hash_table_unref(inv->emptySet);
    g_hash_table_unref(inv->byName);
    g_hash_table_unref(inv->domains);
    g_hash_table_unref(inv->unreachable);
    g_hash_table_unref(inv->read);
    g_mutex_clear(&inv->lock);
    g_free(inv);
}

static bool
inventoryStateActive(int state)
{
    return state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_NOSTATE;
}

static bool
inventoryHasHost(inventoryDomain *dom, const char *hostName)
{
    guint i;

    for (i = 0; i < dom->hosts->len; i++) {
        if (g_str_equal(dom->hosts->pdata[i], hostName))
            return true;
    }
    return false;
}

/*
 * A copy that a migration has in flight: the destination's incoming one,
 * or the source's during the hand-over. Two hosts holding the domain
 * that way are one guest moving, not a conflict.
 */
static bool
inventoryIsMigrationCopy(const shoalInventoryRecord *rec)
{
    return (rec->state == VIR_DOMAIN_PAUSED &&
            rec->reason == VIR_DOMAIN_PAUSED_MIGRATION) ||
           (rec->state == VIR_DOMAIN_SHUTOFF &&
            rec->reason == VIR_DOMAIN_SHUTOFF_MIGRATED);
}

/* Call with the lock held: @dom has two copies, one migrating. */
static bool
inventoryHandingOver(const inventoryDomain *dom)
{
    const shoalInventoryRecord *other;

    if (dom->hosts->len != 2)
        return false;
    other = g_hash_table_lookup(dom->others, dom->hosts->pdata[1]);
    return inventoryIsMigrationCopy(&dom->rec) ||
           (other && inventoryIsMigrationCopy(other));
}

/* @dst becomes a copy of @src, its own name included. */
static void
inventoryRecordSet(shoalInventoryRecord *dst, const shoalInventoryRecord *src)
{
    g_free(dst->name);
    *dst = *src;
    dst->name = g_strdup(src->name);
}

/* Call with the lock held: @dom no longer goes by its name. */
static void
inventoryNameRemove(shoalInventory *inv, inventoryDomain *dom)
{
    GPtrArray *doms;

    if (!dom->rec.name ||
        !(doms = g_hash_table_lookup(inv->byName, dom->rec.name)))
        return;
    g_ptr_array_remove_fast(doms, dom);
    if (doms->len == 0)
        g_hash_table_remove(inv->byName, dom->rec.name);
}

/* Call with the lock held: the owner's record of @dom becomes @rec, and
 * the name index follows a new name. */
static void
inventorySetRecord(shoalInventory *inv,
                   inventoryDomain *dom,
                   const shoalInventoryRecord *rec)
{
    GPtrArray *doms;

    if (dom->rec.name && g_str_equal(dom->rec.name, rec->name)) {
        inventoryRecordSet(&dom->rec, rec);
        return;
    }
    inventoryNameRemove(inv, dom);
    inventoryRecordSet(&dom->rec, rec);
    doms = g_hash_table_lookup(inv->byName, dom->rec.name);
    if (!doms) {
        doms = g_ptr_array_new();
        g_hash_table_insert(inv->byName, g_strdup(dom->rec.name), doms);
    }
    g_ptr_array_add(doms, dom);
}

/* Call with the lock held: @rec becomes the owner's record. */
static void
inventorySetOwnerRecord(shoalInventory *inv,
                        inventoryDomain *dom,
                        const shoalInventoryRecord *rec)
{
    bool wasActive = dom->id > 0;
    bool restarted = wasActive && dom->rec.hostId != rec->hostId;

    inventorySetRecord(inv, dom, rec);
    if (!inventoryStateActive(rec->state))
        dom->id = -1;
    else if (!wasActive || restarted)
        dom->id = inv->nextId++;
}

/* Call with the lock held: keeps @rec as @hostName's non-owner copy. */
static void
inventoryKeepOther(inventoryDomain *dom,
                   const char *hostName,
                   const shoalInventoryRecord *rec)
{
    shoalInventoryRecord *copy = g_new0(shoalInventoryRecord, 1);

    inventoryRecordSet(copy, rec);
    g_hash_table_replace(dom->others, g_strdup(hostName), copy);
}

/*
 * Call with the lock held. The owner reports its copy migrated away
 * (@rec): if the other host runs the guest already, that host owns it
 * now, under the same id, and the source's copy waits to go.
 */
static bool
inventoryHandOver(shoalInventory *inv,
                  inventoryDomain *dom,
                  const shoalInventoryRecord *rec)
{
    const shoalInventoryRecord *other;
    g_autoptr(shoalInventoryRecord) next = NULL;
    g_autofree char *nextHost = NULL;

    if (rec->state != VIR_DOMAIN_SHUTOFF ||
        rec->reason != VIR_DOMAIN_SHUTOFF_MIGRATED || dom->hosts->len != 2)
        return false;
    other = g_hash_table_lookup(dom->others, dom->hosts->pdata[1]);
    if (!other || !inventoryStateActive(other->state))
        return false;
    g_hash_table_steal_extended(dom->others, dom->hosts->pdata[1],
                                (gpointer *) &nextHost, (gpointer *) &next);
    inventoryKeepOther(dom, dom->hosts->pdata[0], rec);
    g_ptr_array_add(dom->hosts, g_ptr_array_steal_index(dom->hosts, 0));
    inventorySetRecord(inv, dom, next);
    if (dom->id <= 0)
        dom->id = inv->nextId++;
    return true;
}

/* Call with the lock held. */
static void
inventoryUpdateLocked(shoalInventory *inv,
                      const char *hostName,
                      const shoalInventoryRecord *rec)
{
    inventoryDomain *dom = g_hash_table_lookup(inv->domains, rec->uuid);
    bool added = false;

    if (!dom) {
        dom = g_new0(inventoryDomain, 1);
        dom->id = -1;
        dom->hosts = g_ptr_array_new_with_free_func(g_free);
        dom->others =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) shoalInventoryRecordFree);
        dom->rec.state = VIR_DOMAIN_SHUTOFF;
        dom->rec.hostId = -1;
        memcpy(dom->rec.uuid, rec->uuid, VIR_UUID_BUFLEN);
        g_hash_table_insert(inv->domains, dom->rec.uuid, dom);
        inventoryHostAdd(inv, dom, hostName);
    } else if (!inventoryHasHost(dom, hostName)) {
        inventoryHostAdd(inv, dom, hostName);
        added = true;
    }
    if (g_str_equal(dom->hosts->pdata[0], hostName)) {
        if (!inventoryHandOver(inv, dom, rec))
            inventorySetOwnerRecord(inv, dom, rec);
        return;
    }
    inventoryKeepOther(dom, hostName, rec);
    if (added && !dom->moving && !inventoryHandingOver(dom))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(hostName), SHOAL_LOG_DOMAIN(rec->name),
                         "MESSAGE",
                         "domain '%s' is also on host '%s': conflict",
                         rec->name, (char *) dom->hosts->pdata[0]);
}

/* Call with the lock held. */
static void
inventoryRemoveLocked(shoalInventory *inv,
                      const char *hostName,
                      const unsigned char *uuid)
{
    inventoryDomain *dom = g_hash_table_lookup(inv->domains, uuid);
    guint i;

    if (!dom)
        return;
    /* a migrating domain leaves its source when the migration settles,
     * not when the source's copy goes: calls wait for that */
    if (dom->moving && g_str_equal(dom->hosts->pdata[0], hostName))
        return;
    for (i = 0; i < dom->hosts->len; i++) {
        if (g_str_equal(dom->hosts->pdata[i], hostName)) {
            inventoryHostRemove(inv, dom, i);
            break;
        }
    }
    g_hash_table_remove(dom->others, hostName);
    if (dom->hosts->len == 0) {
        inventoryNameRemove(inv, dom);
        g_hash_table_remove(inv->domains, uuid);
    } else if (i == 0) {
        /* the owner left (a migration behind Shoal's back ends so): the
         * next host's last record, if it sent one, is the domain's now */
        g_autoptr(shoalInventoryRecord) next = NULL;
        g_autofree char *nextHost = NULL;

        g_hash_table_steal_extended(dom->others, dom->hosts->pdata[0],
                                    (gpointer *) &nextHost, (gpointer *) &next);
        if (next) {
            inventorySetOwnerRecord(inv, dom, next);
        } else {
            dom->id = -1;
            dom->rec.state = VIR_DOMAIN_NOSTATE;
            dom->rec.reason = 0;
        }
    }
}

/**
 * shoalInventorySyncHost:
 * @records: (transfer none): every domain @hostName has now
 *
 * Replaces what the inventory knows of @hostName with @records.
 */
void
shoalInventorySyncHost(shoalInventory *inv,
                       const char *hostName,
                       GPtrArray *records)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new(shoalUUIDHash, shoalUUIDEqual);
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
    GHashTable *set;
    GHashTableIter iter;
    gpointer value;
    guint i;

    g_mutex_lock(&inv->lock);
    for (i = 0; i < records->len; i++) {
        shoalInventoryRecord *rec = records->pdata[i];

        g_hash_table_add(seen, rec->uuid);
        inventoryUpdateLocked(inv, hostName, rec);
    }
    if ((set = inventoryHostDomains(inv, hostName))) {
        g_hash_table_iter_init(&iter, set);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            inventoryDomain *dom = value;

            if (!g_hash_table_contains(seen, dom->rec.uuid))
                g_ptr_array_add(gone,
                                g_memdup2(dom->rec.uuid, VIR_UUID_BUFLEN));
        }
    }
    for (i = 0; i < gone->len; i++)
        inventoryRemoveLocked(inv, hostName, gone->pdata[i]);
    g_hash_table_remove(inv->unreachable, hostName);
    g_hash_table_add(inv->read, g_strdup(hostName));
    g_mutex_unlock(&inv->lock);
}

/**
 * shoalInventorySeedHost:
 * @records: (transfer none): what the store says @hostName holds
 *
 * For a host never read: lists @records under it as unreachable (no
 * state), except domains another host has reported. The host's first
 * read replaces them; once it was read, this does nothing.
 */
void
shoalInventorySeedHost(shoalInventory *inv,
                       const char *hostName,
                       GPtrArray *records)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&inv->lock);
    guint i;

    if (g_hash_table_contains(inv->read, hostName))
        return;
    for (i = 0; i < records->len; i++) {
        const shoalInventoryRecord *rec = records->pdata[i];

        if (!g_hash_table_contains(inv->domains, rec->uuid))
            inventoryUpdateLocked(inv, hostName, rec);
    }
    g_hash_table_add(inv->unreachable, g_strdup(hostName));
}

void
shoalInventoryUpdate(shoalInventory *inv,
                     const char *hostName,
                     const shoalInventoryRecord *record)
{
    g_mutex_lock(&inv->lock);
    inventoryUpdateLocked(inv, hostName, record);
    g_mutex_unlock(&inv->lock);
}

/* While @uuid migrates, its incoming copy on the destination is not a
 * conflict: calls keep going to the source. */
void
shoalInventorySetMoving(shoalInventory *inv,
                        const unsigned char *uuid,
                        bool moving)
{
    inventoryDomain *dom;

    g_mutex_lock(&inv->lock);
    if ((dom = g_hash_table_lookup(inv->domains, uuid)))
        dom->moving = moving;
    g_mutex_unlock(&inv->lock);
}

/* After a move: what the guest had used where it ran before. */
void
shoalInventoryAddCPUTime(shoalInventory *inv,
                         const unsigned char *uuid,
                         unsigned long long cpuTimeNs)
{
    inventoryDomain *dom;

    g_mutex_lock(&inv->lock);
    if ((dom = g_hash_table_lookup(inv->domains, uuid)))
        dom->cpuOffsetNs += cpuTimeNs;
    g_mutex_unlock(&inv->lock);
}

unsigned long long
shoalInventoryGetCPUOffset(shoalInventory *inv, const unsigned char *uuid)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&inv->lock);
    inventoryDomain *dom = g_hash_table_lookup(inv->domains, uuid);

    return dom ? dom->cpuOffsetNs : 0;
}

/**
 * shoalInventoryMove:
 *
 * A domain moved from @from to @to (migration, re-home): the new owner's
 * record replaces the old one, and the domain keeps its Shoal id while it
 * stays active, as it is the same running guest.
 */
void
shoalInventoryMove(shoalInventory *inv,
                   const char *from,
                   const char *to,
                   const shoalInventoryRecord *record)
{
    inventoryDomain *dom;
    unsigned long long offset;
    bool moving;
    int id;

    g_mutex_lock(&inv->lock);
    dom = g_hash_table_lookup(inv->domains, record->uuid);
    id = dom && g_str_equal(dom->hosts->pdata[0], from) ? dom->id : -1;
    offset = dom ? dom->cpuOffsetNs : 0;
    moving = dom && dom->moving;
    if (dom)
        dom->moving = false; /* this is the settling */
    inventoryRemoveLocked(inv, from, record->uuid);
    inventoryUpdateLocked(inv, to, record);
    dom = g_hash_table_lookup(inv->domains, record->uuid);
    if (dom) {
        dom->cpuOffsetNs = offset;
        dom->moving = moving;
    }
    if (dom && id > 0 && dom->id > 0 && g_str_equal(dom->hosts->pdata[0], to))
        dom->id = id;
    g_mutex_unlock(&inv->lock);
}

void
shoalInventoryRemove(shoalInventory *inv,
                     const char *hostName,
                     const unsigned char *uuid)
{
    g_mutex_lock(&inv->lock);
    inventoryRemoveLocked(inv, hostName, uuid);
    g_mutex_unlock(&inv->lock);
}

/* A host's domains stay listed while it is unreachable, with no state. */
void
shoalInventorySetHostReachable(shoalInventory *inv,
                               const char *hostName,
                               bool reachable)
{
    g_mutex_lock(&inv->lock);
    if (reachable)
        g_hash_table_remove(inv->unreachable, hostName);
    else
        g_hash_table_add(inv->unreachable, g_strdup(hostName));
    g_mutex_unlock(&inv->lock);
}

static shoalInventoryEntry *
inventoryCopyLocked(shoalInventory *inv, const inventoryDomain *dom)
{
    shoalInventoryEntry *entry = g_new0(shoalInventoryEntry, 1);
    guint i;

    entry->rec = dom->rec;
    entry->rec.name = g_strdup(dom->rec.name);
    entry->id = dom->id;
    entry->hostName = g_strdup(dom->hosts->pdata[0]);
    entry->reachable =
        !g_hash_table_contains(inv->unreachable, entry->hostName);
    entry->lastState = entry->rec.state;
    if (!entry->reachable) {
        entry->rec.state = VIR_DOMAIN_NOSTATE;
        entry->rec.reason = 0;
    }
    if (dom->hosts->len > 1 && !dom->moving && !inventoryHandingOver(dom)) {
        entry->conflictHosts = g_new0(char *, dom->hosts->len + 1);
        for (i = 0; i < dom->hosts->len; i++)
            entry->conflictHosts[i] = g_strdup(dom->hosts->pdata[i]);
    }
    return entry;
}

static bool
inventoryMatchFlags(shoalInventory *inv,
                    const inventoryDomain *dom,
                    unsigned flags)
{
    bool active = dom->id > 0;
    int st;

#define FILTER(a, b, cond)                                   \
    if ((flags & (a | b)) && (flags & (a | b)) != (a | b)) { \
        if ((flags & a) && !(cond))                          \
            return false;                                    \
        if ((flags & b) && (cond))                           \
            return false;                                    \
    }
    FILTER(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE,
           active);
    FILTER(VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
           VIR_CONNECT_LIST_DOMAINS_TRANSIENT, dom->rec.persistent);
    FILTER(VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
           VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, dom->rec.managedSave);
    FILTER(VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
           VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, dom->rec.autostart);
    FILTER(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
           VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, dom->rec.hasSnapshot);
    /* Shoal sees no checkpoints: every domain has none */
    FILTER(VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
           VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, false);
#undef FILTER

    if (flags &
        (VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
         VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER)) {
        bool running;
        bool paused;
        bool shutoff;

        /* as shoalInventoryLookup*() report it: no state while
         * unreachable; looked up only here, as a plain list of 16 000
         * domains must not pay a host lookup for each */
        st = g_hash_table_contains(inv->unreachable, dom->hosts->pdata[0])
                 ? VIR_DOMAIN_NOSTATE
                 : dom->rec.state;
        running = st == VIR_DOMAIN_RUNNING;
        paused = st == VIR_DOMAIN_PAUSED;
        shutoff = st == VIR_DOMAIN_SHUTOFF;

        if (!((flags & VIR_CONNECT_LIST_DOMAINS_RUNNING && running) ||
              (flags & VIR_CONNECT_LIST_DOMAINS_PAUSED && paused) ||
              (flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF && shutoff) ||
              (flags & VIR_CONNECT_LIST_DOMAINS_OTHER && !running && !paused &&
               !shutoff)))
            return false;
    }
    return true;
}

static gint
inventoryCompareRefs(gconstpointer a, gconstpointer b)
{
    const shoalDomainRef *x = *(shoalDomainRef *const *) a;
    const shoalDomainRef *y = *(shoalDomainRef *const *) b;

    /* running domains by id, then the others by name, as virsh shows */
    if ((x->id > 0) != (y->id > 0))
        return x->id > 0 ? -1 : 1;
    if (x->id > 0)
        return x->id - y->id;
    return g_strcmp0(x->name, y->name);
}

/**
 * shoalInventoryList:
 * @flags: virConnectListAllDomainsFlags filters
 *
 * Returns: (transfer full): shoalDomainRef of every matching domain.
 */
GPtrArray *
shoalInventoryList(shoalInventory *inv, unsigned flags)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDomainRefFree);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&inv->lock);
    g_hash_table_iter_init(&iter, inv->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        inventoryDomain *dom = value;

        if (inventoryMatchFlags(inv, dom, flags))
            g_ptr_array_add(out, shoalDomainRefNew(dom->rec.name, dom->rec.uuid,
                                                   dom->id));
    }
    g_mutex_unlock(&inv->lock);
    g_ptr_array_sort(out, inventoryCompareRefs);
    return out;
}

shoalInventoryEntry *
shoalInventoryLookupByUUID(shoalInventory *inv,
                           const unsigned char *uuid,
                           GError **error)
{
    inventoryDomain *dom;
    shoalInventoryEntry *entry = NULL;

    g_mutex_lock(&inv->lock);
    dom = g_hash_table_lookup(inv->domains, uuid);
    if (dom)
        entry = inventoryCopyLocked(inv, dom);
    g_mutex_unlock(&inv->lock);

    if (!entry) {
        char str[VIR_UUID_STRING_BUFLEN];

        shoalUUIDFormat(uuid, str);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: no domain with matching uuid '%1$s'"),
                    str);
    }
    return entry;
}

shoalInventoryEntry *
shoalInventoryLookupByName(shoalInventory *inv,
                           const char *name,
                           GError **error)
{
    shoalInventoryEntry *entry = NULL;
    unsigned matches = 0;
    GPtrArray *doms;

    g_mutex_lock(&inv->lock);
    if ((doms = g_hash_table_lookup(inv->byName, name))) {
        matches = doms->len;
        if (matches == 1)
            entry = inventoryCopyLocked(inv, doms->pdata[0]);
    }
    g_mutex_unlock(&inv->lock);

    if (matches == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: no domain with matching name '%1$s'"),
                    name);
        return NULL;
    }
    if (matches > 1) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_MULTIPLE_DOMAINS,
                    _("multiple matching domains found: %1$u domains with different UUIDs are named '%2$s'; use the UUID"),
                    matches, name);
        return NULL;
    }
    return entry;
}

shoalInventoryEntry *
shoalInventoryLookupByID(shoalInventory *inv, int id, GError **error)
{
    GHashTableIter iter;
    gpointer value;
    shoalInventoryEntry *entry = NULL;

    g_mutex_lock(&inv->lock);
    g_hash_table_iter_init(&iter, inv->domains);
    while (!entry && g_hash_table_iter_next(&iter, NULL, &value)) {
        inventoryDomain *dom = value;

        if (id > 0 && dom->id == id)
            entry = inventoryCopyLocked(inv, dom);
    }
    g_mutex_unlock(&inv->lock);

    if (!entry)
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: no domain with matching id %1$d"), id);
    return entry;
}

/*
 * Call with the lock held: @iter goes over the domains @hostName has a
 * copy of (callers keep those it owns), none if it has none.
 */
static void
inventoryIterHost(shoalInventory *inv,
                  const char *hostName,
                  GHashTableIter *iter)
{
    GHashTable *set = inventoryHostDomains(inv, hostName);

    g_hash_table_iter_init(iter, set ? set : inv->emptySet);
}

/* Call with the lock held: the next domain of @iter that @hostName owns. */
static inventoryDomain *
inventoryIterOwnedNext(GHashTableIter *iter, const char *hostName)
{
    gpointer value;

    while (g_hash_table_iter_next(iter, NULL, &value)) {
        inventoryDomain *dom = value;

        if (g_str_equal(dom->hosts->pdata[0], hostName))
            return dom;
    }
    return NULL;
}

/**
 * shoalInventoryHostUsage:
 * @except: (nullable): a domain to leave out, e.g. the one being placed
 *
 * What the domains defined on @hostName commit: the sum of their maximum
 * memory and of their vCPUs, running or not.
 */
void
shoalInventoryHostUsage(shoalInventory *inv,
                        const char *hostName,
                        const unsigned char *except,
                        unsigned long long *memoryKiB,
                        unsigned *vcpus)
{
    GHashTableIter iter;
    inventoryDomain *dom;

    *memoryKiB = 0;
    *vcpus = 0;
    g_mutex_lock(&inv->lock);
    inventoryIterHost(inv, hostName, &iter);
    while ((dom = inventoryIterOwnedNext(&iter, hostName))) {
        if (except && memcmp(dom->rec.uuid, except, VIR_UUID_BUFLEN) == 0)
            continue;
        *memoryKiB += dom->rec.memoryKiB;
        *vcpus += dom->rec.vcpus;
    }
    g_mutex_unlock(&inv->lock);
}

/**
 * shoalInventoryHostCount:
 * @running: (out) (optional): how many of them are active
 *
 * Returns: how many domains @hostName owns.
 */
unsigned
shoalInventoryHostCount(shoalInventory *inv,
                        const char *hostName,
                        unsigned *running)
{
    GHashTableIter iter;
    inventoryDomain *dom;
    unsigned n = 0;
    unsigned active = 0;

    g_mutex_lock(&inv->lock);
    inventoryIterHost(inv, hostName, &iter);
    while ((dom = inventoryIterOwnedNext(&iter, hostName))) {
        n++;
        active += dom->id > 0;
    }
    g_mutex_unlock(&inv->lock);
    if (running)
        *running = active;
    return n;
}

/**
 * shoalInventoryListHost:
 * Returns: (transfer full): copies (shoalInventoryEntry) of the domains
 *   @hostName owns, by name.
 */
GPtrArray *
shoalInventoryListHost(shoalInventory *inv, const char *hostName)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryEntryFree);
    GHashTableIter iter;
    inventoryDomain *dom;

    g_mutex_lock(&inv->lock);
    inventoryIterHost(inv, hostName, &iter);
    while ((dom = inventoryIterOwnedNext(&iter, hostName)))
        g_ptr_array_add(out, inventoryCopyLocked(inv, dom));
    g_mutex_unlock(&inv->lock);
    return out;
}

/**
 * shoalInventoryListAll:
 * Returns: (transfer full): copies (shoalInventoryEntry) of every domain.
 */
GPtrArray *
shoalInventoryListAll(shoalInventory *inv)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryEntryFree);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&inv->lock);
    g_hash_table_iter_init(&iter, inv->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(out, inventoryCopyLocked(inv, value));
    g_mutex_unlock(&inv->lock);
    return out;
}

shoalDomainRef *
shoalInventoryEntryToRef(const shoalInventoryEntry *entry)
{
    return shoalDomainRefNew(entry->rec.name, entry->rec.uuid, entry->id);
}

/**
 * shoalInventoryEntryCheckUsable:
 * Fails for a domain whose host does not answer or that two hosts claim:
 * calls on it cannot be routed.
 */
bool
shoalInventoryEntryCheckUsable(const shoalInventoryEntry *entry, GError **error)
{
    if (entry->conflictHosts) {
        g_autofree char *hosts = g_strjoinv("', '", entry->conflictHosts);

        g_set_error(error, SHOAL_ERROR, VIR_ERR_MULTIPLE_DOMAINS,
                    _("multiple matching domains found: domain '%1$s' exists on hosts '%2$s'; remove all but one copy"),
                    entry->rec.name, hosts);
        return false;
    }
    if (!entry->reachable) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: host '%1$s' of domain '%2$s' is unreachable"),
                    entry->hostName, entry->rec.name);
        return false;
    }
    return true;
}
