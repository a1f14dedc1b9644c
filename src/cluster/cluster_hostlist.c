/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The member hosts by name, whether the cluster still takes work for
 * them, and whether each has been read once since the start.
 */
#include <config.h>

#include "cluster_hostlist.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

struct _shoalHostList {
    GMutex lock;
    GCond cond;         /* signalled when busy drops or a first read ends */
    GHashTable *hosts;  /* protected by lock: name → shoalHost */
    bool stopping;      /* protected by lock */
    unsigned busy;      /* protected by lock: callers between Enter and
                          Leave, who may still hand work to the host pool */
    bool started;       /* protected by lock */
    bool autostartDone; /* protected by lock */
    /* protected by lock: hosts not read yet since the start; the cluster
     * answers lists once this is empty or firstReadDeadline passed */
    GHashTable *firstReads;
    gint64 firstReadDeadline; /* protected by lock: monotonic µs */
    bool seeding; /* protected by lock: the late hosts are being listed
                     from the store; answers wait for that */
};

shoalHostList *
shoalHostListNew(void)
{
    shoalHostList *list = g_new0(shoalHostList, 1);

    g_mutex_init(&list->lock);
    g_cond_init(&list->cond);
    list->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) shoalHostUnref);
    list->firstReads =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return list;
}

void
shoalHostListFree(shoalHostList *list)
{
    if (!list)
        return;
    g_hash_table_unref(list->hosts);
    g_hash_table_unref(list->firstReads);
    g_cond_clear(&list->cond);
    g_mutex_clear(&list->lock);
    g_free(list);
}

/* Adds @host (a new reference is taken); its name must be new. */
bool
shoalHostListAdd(shoalHostList *list, shoalHost *host, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    if (g_hash_table_contains(list->hosts, host->name)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: host '%1$s' is already defined"),
                    host->name);
        return false;
    }
    g_hash_table_insert(list->hosts, host->name, shoalHostRef(host));
    return true;
}

/* Returns: (transfer full) (nullable): the host taken out of the list. */
shoalHost *
shoalHostListTake(shoalHostList *list, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);
    shoalHost *host = NULL;

    if (!g_hash_table_steal_extended(list->hosts, name, NULL,
                                     (gpointer *) &host))
        return NULL;
    g_hash_table_remove(list->firstReads, name);
    g_cond_broadcast(&list->cond);
    return host;
}

/**
 * shoalHostListLookup:
 * Returns: (transfer full): a reference on the named host.
 */
shoalHost *
shoalHostListLookup(shoalHostList *list, const char *name, GError **error)
{
    shoalHost *host;

    g_mutex_lock(&list->lock);
    host = g_hash_table_lookup(list->hosts, name);
    if (host)
        shoalHostRef(host);
    g_mutex_unlock(&list->lock);
    if (!host)
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: no host named '%1$s'"), name);
    return host;
}

static gint
hostListCompare(gconstpointer a, gconstpointer b)
{
    const shoalHost *x = *(shoalHost *const *) a;
    const shoalHost *y = *(shoalHost *const *) b;

    return g_strcmp0(x->name, y->name);
}

/**
 * shoalHostListGetAll:
 * Returns: (transfer full): references on every host, sorted by name.
 */
GPtrArray *
shoalHostListGetAll(shoalHostList *list)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalHostUnref);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&list->lock);
    g_hash_table_iter_init(&iter, list->hosts);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(out, shoalHostRef(value));
    g_mutex_unlock(&list->lock);
    g_ptr_array_sort(out, hostListCompare);
    return out;
}

/*
 * Whether the cluster still takes work; if so, the caller may hand work
 * to the host pool or attach a timer until shoalHostListLeave(), and
 * shoalHostListClose() waits for that.
 */
bool
shoalHostListEnter(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    if (list->stopping)
        return false;
    list->busy++;
    return true;
}

void
shoalHostListLeave(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    list->busy--;
    g_cond_broadcast(&list->cond);
}

/*
 * Takes no more work, and waits until no one hands any on. Returns false
 * if it was closed already.
 */
bool
shoalHostListClose(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    if (list->stopping)
        return false;
    list->stopping = true;
    while (list->busy > 0)
        g_cond_wait(&list->cond, &list->lock);
    /* nobody waits for first reads of a stopped cluster */
    g_hash_table_remove_all(list->firstReads);
    g_cond_broadcast(&list->cond);
    return true;
}

/* True exactly once: the caller runs autostart. */
bool
shoalHostListClaimAutostart(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);
    bool claimed = !list->autostartDone;

    list->autostartDone = true;
    return claimed;
}

/* Whether autostart was claimed: no host's read need look again. */
bool
shoalHostListAutostartClaimed(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    return list->autostartDone;
}

bool
shoalHostListIsStarted(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    return list->started;
}

/**
 * shoalHostListBeginFirstReads:
 * @waitUs: how long lists may wait for the hosts' first reads
 *
 * At start: every member now is to be read once before the cluster
 * answers lists and lookups, up to @waitUs from now.
 */
void
shoalHostListBeginFirstReads(shoalHostList *list, gint64 waitUs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);
    GHashTableIter iter;
    gpointer key;

    list->started = true;
    list->firstReadDeadline = g_get_monotonic_time() + waitUs;
    g_hash_table_iter_init(&iter, list->hosts);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_hash_table_add(list->firstReads, g_strdup(key));
}

/* The host's first attempt ended: it was read, or it failed. */
void
shoalHostListFirstReadDone(shoalHostList *list, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    if (g_hash_table_remove(list->firstReads, name))
        g_cond_broadcast(&list->cond);
}

/* Whether @name's first read since the start is still awaited. */
bool
shoalHostListFirstReadPending(shoalHostList *list, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    return g_hash_table_contains(list->firstReads, name);
}

/*
 * Whether the start's first reads still run: some host has not answered
 * yet and the start's deadline has not passed.
 */
bool
shoalHostListFirstReadsRunning(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    return g_hash_table_size(list->firstReads) > 0 &&
           g_get_monotonic_time() < list->firstReadDeadline;
}

/**
 * shoalHostListWaitFirstReads:
 *
 * Waits until every host has answered once since the start, or until the
 * start's deadline. The one caller that finds hosts still unread when
 * the deadline has passed gets their names, to list their stored
 * domains, and calls shoalHostListSeeded() when done; the others wait
 * for that. Returns: (transfer full) (nullable): those names, or NULL.
 */
GStrv
shoalHostListWaitFirstReads(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);
    g_autoptr(GStrvBuilder) late = NULL;
    GHashTableIter iter;
    gpointer key;

    while (list->seeding || g_hash_table_size(list->firstReads) > 0) {
        if (list->seeding)
            g_cond_wait(&list->cond, &list->lock);
        else if (!g_cond_wait_until(&list->cond, &list->lock,
                                    list->firstReadDeadline))
            break;
    }
    if (g_hash_table_size(list->firstReads) == 0)
        return NULL;
    late = g_strv_builder_new();
    g_hash_table_iter_init(&iter, list->firstReads);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_strv_builder_add(late, key);
    g_hash_table_remove_all(list->firstReads);
    list->seeding = true;
    return g_strv_builder_end(late);
}

/* The late hosts' stored domains are listed: answers may go out. */
void
shoalHostListSeeded(shoalHostList *list)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&list->lock);

    list->seeding = false;
    g_cond_broadcast(&list->cond);
}
