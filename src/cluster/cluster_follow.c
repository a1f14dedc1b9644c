/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Following what a host does without an event. libvirt 9.0 sends none on
 * the source of an offline migration (virsh migrate --offline --persistent
 * --undefinesource): qemuMigrationSrcConfirm() deletes the definition of
 * the shut-off domain quietly (doc/internals/reconcile.md lists every
 * migration's events). Every follow_poll_ms each online host is asked how
 * many persistent inactive domains it has, one small call. When that
 * number changed, or an event of the host came in between, or the
 * connection is new, the host's list of them is read, and a shut-off
 * domain Shoal lists there that the host no longer has is re-read like
 * after an event, as one that left. A quiet removal always changes the
 * number unless something else on the host happened too, and that sent
 * an event.
 */
#include <config.h>

#include "cluster_follow.h"

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_uuid.h"

typedef struct {
    unsigned generation; /* of the connection @count was read on */
    int count;           /* persistent inactive domains; -1: not read */
    bool changed;        /* an event came since the last poll */
    bool queued;         /* a poll job waits in the host's queue */
} followHost;

struct _shoalFollow {
    GMutex lock;
    GHashTable *hosts; /* protected by lock: name → followHost */
    guint cursor;      /* protected by lock: where the next tick starts */
};

shoalFollow *
shoalFollowNew(void)
{
    shoalFollow *follow = g_new0(shoalFollow, 1);

    g_mutex_init(&follow->lock);
    follow->hosts =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return follow;
}

void
shoalFollowFree(shoalFollow *follow)
{
    if (!follow)
        return;
    g_hash_table_unref(follow->hosts);
    g_mutex_clear(&follow->lock);
    g_free(follow);
}

/* Call with the lock held. */
static followHost *
followHostGet(shoalFollow *follow, const char *hostName)
{
    followHost *fh = g_hash_table_lookup(follow->hosts, hostName);

    if (!fh) {
        fh = g_new0(followHost, 1);
        fh->count = -1;
        g_hash_table_insert(follow->hosts, g_strdup(hostName), fh);
    }
    return fh;
}

/**
 * shoalFollowClaim:
 *
 * Main thread, each poll tick: whether to queue a poll of @hostName; not
 * while one still waits in its queue (a slow host gets no pile of them).
 */
bool
shoalFollowClaim(shoalFollow *follow, const char *hostName)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&follow->lock);
    followHost *fh = followHostGet(follow, hostName);

    if (fh->queued)
        return false;
    fh->queued = true;
    return true;
}

/**
 * shoalFollowNextStart:
 * @nhosts: how many hosts the tick looks at
 * @max: how many it may poll
 *
 * Main thread, each poll tick: the index in the list of hosts where this
 * tick starts; the next one starts @max further. With more hosts than a
 * tick may poll, they take turns: the polls a second stay bounded
 * (follow_polls_per_s), and each host's interval grows instead.
 */
guint
shoalFollowNextStart(shoalFollow *follow, guint nhosts, guint max)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&follow->lock);
    guint start;

    if (nhosts == 0)
        return 0;
    start = follow->cursor % nhosts;
    follow->cursor = (start + max) % nhosts;
    return start;
}

/* Event thread: a domain event of @hostName; the next poll looks closer. */
void
shoalFollowMarkChanged(shoalFollow *follow, const char *hostName)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&follow->lock);

    followHostGet(follow, hostName)->changed = true;
}

/* The host's persistent inactive domains, as a set of UUIDs, or NULL. */
static GHashTable *
followReadInactive(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    GHashTable *set;
    int n;
    int i;

    n = virConnectListAllDomains(conn, &doms,
                                 VIR_CONNECT_LIST_DOMAINS_INACTIVE |
                                     VIR_CONNECT_LIST_DOMAINS_PERSISTENT);
    if (n < 0) {
        virResetLastError();
        return NULL;
    }
    set = g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, g_free, NULL);
    for (i = 0; i < n; i++) {
        unsigned char *uuid = g_new0(unsigned char, VIR_UUID_BUFLEN);

        if (virDomainGetUUID(doms[i], uuid) == 0)
            g_hash_table_add(set, uuid);
        else
            g_free(uuid);
        virDomainFree(doms[i]);
    }
    g_free(doms);
    return set;
}

/**
 * shoalClusterFollowHost:
 *
 * Host pool, in @host's queue: one poll. Returns nothing; a domain found
 * gone is queued for a re-read behind this job.
 */
void
shoalClusterFollowHost(shoalCluster *cluster, shoalHost *host)
{
    g_autoptr(GHashTable) now = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    virConnectPtr conn = shoalHostGetConnection(host, NULL);
    unsigned generation;
    bool look = false;
    followHost *fh;
    int count = -1;
    guint i;

    generation = shoalHostGetGeneration(host);
    if (conn && (count = virConnectNumOfDefinedDomains(conn)) < 0)
        virResetLastError();

    g_mutex_lock(&cluster->follow->lock);
    fh = followHostGet(cluster->follow, host->name);
    fh->queued = false;
    if (count >= 0) {
        look =
            fh->count != count || fh->generation != generation || fh->changed;
        fh->count = count;
        fh->generation = generation;
        fh->changed = false;
    }
    g_mutex_unlock(&cluster->follow->lock);
    if (look)
        now = followReadInactive(conn);
    if (conn)
        virConnectClose(conn);
    if (!now)
        return;

    entries = shoalInventoryListHost(cluster->inventory, host->name);
    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *entry = entries->pdata[i];

        if (entry->rec.persistent && entry->rec.state == VIR_DOMAIN_SHUTOFF &&
            !g_hash_table_contains(now, entry->rec.uuid))
            shoalClusterQueueVanished(cluster, host, entry->rec.name,
                                      entry->rec.uuid);
    }
}
