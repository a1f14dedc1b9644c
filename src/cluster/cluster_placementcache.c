/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsed placement metadata per stored domain, valid for one generation
 * of its stored record (shoalStoreGetGeneration()): a changed definition
 * has a new generation, so a stale entry is never used.
 */
#include <config.h>

#include "cluster_placementcache.h"

#include <string.h>

#include <glib.h>

#include "cluster_metadata.h"
#include "util_log.h"
#include "util_uuid.h"

typedef struct {
    unsigned char uuid[SHOAL_UUID_BUFLEN]; /* the key */
    guint64 generation; /* of the stored record it was parsed from */
    guint64 sweep;      /* the sweep it was last used in */
    /* NULL: the metadata is invalid and the domain is left alone */
    shoalPlacementMetadata *meta;
    shoalDomainNeeds *needs; /* NULL: not XML */
} placementCacheEntry;

struct _shoalPlacementCache {
    GMutex lock;
    GHashTable *entries; /* protected by lock: uuid → placementCacheEntry */
    guint64 sweep;       /* protected by lock: the current sweep */
    guint64 parses;      /* protected by lock: definitions parsed so far */
};

static void
placementCacheEntryFree(placementCacheEntry *entry)
{
    shoalPlacementMetadataFree(entry->meta);
    shoalDomainNeedsFree(entry->needs);
    g_free(entry);
}

shoalPlacementCache *
shoalPlacementCacheNew(void)
{
    shoalPlacementCache *cache = g_new0(shoalPlacementCache, 1);

    g_mutex_init(&cache->lock);
    /* the key lives in the value */
    cache->entries =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, NULL,
                              (GDestroyNotify) placementCacheEntryFree);
    return cache;
}

void
shoalPlacementCacheFree(shoalPlacementCache *cache)
{
    if (!cache)
        return;
    g_hash_table_unref(cache->entries);
    g_mutex_clear(&cache->lock);
    g_free(cache);
}

/* Sets @dom's placement fields from @meta; NULL: invalid metadata. */
static void
placementCacheApply(const shoalPlacementMetadata *meta, shoalSchedDomain *dom)
{
    if (!meta) {
        /* an unknown mode: leave the domain alone rather than guess */
        dom->mode = g_strdup("off");
        return;
    }
    dom->mode = g_strdup(meta->mode);
    dom->affinity = g_strdupv(meta->affinity);
    dom->antiAffinity = g_strdupv(meta->antiAffinity);
    dom->pinned =
        meta->pinned && meta->pinned[0] ? g_strdupv(meta->pinned) : NULL;
    /* an explicit floor wins over the vCPUs it was defined with */
    if (meta->vcpuFloor)
        dom->vcpuFloor = meta->vcpuFloor;
    dom->numaOptOut = meta->numaOptOut;
}

/*
 * Parses the stored definition of @uuid. Returns: (transfer full): its
 * entry, or NULL if the store holds none.
 */
static placementCacheEntry *
placementCacheParse(shoalStore *store, const unsigned char *uuid)
{
    g_autoptr(shoalStoreDomain) sd = shoalStoreLookup(store, uuid, NULL);
    g_autoptr(GError) error = NULL;
    placementCacheEntry *entry;

    if (!sd)
        return NULL;
    entry = g_new0(placementCacheEntry, 1);
    memcpy(entry->uuid, uuid, SHOAL_UUID_BUFLEN);
    entry->generation = sd->generation;
    entry->meta = shoalPlacementMetadataParse(sd->xml, &error);
    entry->needs = shoalDomainNeedsParse(sd->xml);
    if (!entry->meta)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_DOMAIN(sd->name), "MESSAGE",
                         "placement metadata of '%s' ignored: %s", sd->name,
                         error->message);
    return entry;
}

/**
 * shoalPlacementCacheFill:
 * @store: where the domain's definition is
 * @uuid: the domain
 * @dom: the snapshot's domain, whose mode, affinity, anti-affinity,
 *   pinning and explicit vCPU floor are set
 * @needs: (out) (optional) (transfer full) (nullable): the host objects
 *   its definition refers to
 *
 * Sets what the placement metadata of the stored definition of @uuid
 * says; nothing if the store holds none. Parses the definition only if it
 * changed since the last call for @uuid.
 */
void
shoalPlacementCacheFill(shoalPlacementCache *cache,
                        shoalStore *store,
                        const unsigned char *uuid,
                        shoalSchedDomain *dom,
                        shoalDomainNeeds **needs)
{
    guint64 generation = shoalStoreGetGeneration(store, uuid);
    placementCacheEntry *entry;

    if (needs)
        *needs = NULL;
    if (generation == 0)
        return;
    g_mutex_lock(&cache->lock);
    entry = g_hash_table_lookup(cache->entries, uuid);
    if (entry && entry->generation == generation) {
        entry->sweep = cache->sweep;
        placementCacheApply(entry->meta, dom);
        if (needs && entry->needs)
            *needs = shoalDomainNeedsCopy(entry->needs);
        g_mutex_unlock(&cache->lock);
        return;
    }
    g_mutex_unlock(&cache->lock);

    /* parsed unlocked: rounds and snapshots on other threads go on */
    entry = placementCacheParse(store, uuid);
    if (!entry)
        return;
    placementCacheApply(entry->meta, dom);
    if (needs && entry->needs)
        *needs = shoalDomainNeedsCopy(entry->needs);
    g_mutex_lock(&cache->lock);
    cache->parses++;
    entry->sweep = cache->sweep;
    /* the key lives in the value: replace, not insert */
    g_hash_table_replace(cache->entries, entry->uuid, entry);
    g_mutex_unlock(&cache->lock);
}

static gboolean
placementCacheUnused(gpointer key, gpointer value, gpointer opaque)
{
    const placementCacheEntry *entry = value;
    const guint64 *sweep = opaque;

    return entry->sweep != *sweep;
}

/**
 * shoalPlacementCacheSweep:
 *
 * Drops the entries no fill used since the last sweep: the domains that
 * are gone. Called once a round, after its fills.
 */
void
shoalPlacementCacheSweep(shoalPlacementCache *cache)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache->lock);

    g_hash_table_foreach_remove(cache->entries, placementCacheUnused,
                                &cache->sweep);
    cache->sweep++;
}

/* Returns: how many definitions the cache parsed since it was made. */
guint64
shoalPlacementCacheGetParses(shoalPlacementCache *cache)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cache->lock);

    return cache->parses;
}
