/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The leftovers of Shoal's re-homes: when Shoal moved a shut-off domain
 * away from a host it could not reach, the copy there is Shoal's to
 * remove once the host is back, and only while it is still the
 * definition Shoal moved. That is remembered in
 * STATEDIR/reconcile-leftovers (a key file: one group per "host/uuid",
 * the XML in it), rewritten whole and durably on every change: after a
 * restart such a copy is still removed, not reported as a conflict.
 */
#include <config.h>

#include "cluster_leftover.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

#define LEFTOVERS_FILE "reconcile-leftovers"
#define LEFTOVERS_XML_KEY "xml"

struct _shoalLeftovers {
    GMutex lock;
    GHashTable *copies; /* protected by lock: "host/uuid" → XML */
    char *path;         /* immutable once open; NULL: memory only */
};

shoalLeftovers *
shoalLeftoversNew(void)
{
    shoalLeftovers *lo = g_new0(shoalLeftovers, 1);

    g_mutex_init(&lo->lock);
    lo->copies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return lo;
}

void
shoalLeftoversFree(shoalLeftovers *lo)
{
    if (!lo)
        return;
    g_hash_table_unref(lo->copies);
    g_free(lo->path);
    g_mutex_clear(&lo->lock);
    g_free(lo);
}

/**
 * shoalLeftoversOpen:
 * @dir: the state directory
 *
 * Main thread, before start: loads what an earlier run remembered. A
 * damaged file is an error: forgetting it would report Shoal's own
 * leftovers as conflicts.
 */
bool
shoalLeftoversOpen(shoalLeftovers *lo, const char *dir, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) groups = NULL;
    guint i;

    lo->path = g_build_filename(dir, LEFTOVERS_FILE, NULL);
    if (!g_key_file_load_from_file(kf, lo->path, G_KEY_FILE_NONE, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return true;
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("cannot read '%1$s': %2$s"), lo->path, err->message);
        return false;
    }
    groups = g_key_file_get_groups(kf, NULL);
    for (i = 0; groups[i]; i++) {
        char *xml =
            g_key_file_get_string(kf, groups[i], LEFTOVERS_XML_KEY, NULL);

        if (xml)
            g_hash_table_replace(lo->copies, g_strdup(groups[i]), xml);
    }
    return true;
}

/* Call with the lock held: the file says what the table says. */
static void
leftoversSaveLocked(shoalLeftovers *lo)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    GHashTableIter iter;
    gpointer key;
    gpointer xml;
    gsize len;

    if (!lo->path)
        return;
    g_hash_table_iter_init(&iter, lo->copies);
    while (g_hash_table_iter_next(&iter, &key, &xml))
        g_key_file_set_string(kf, key, LEFTOVERS_XML_KEY, xml);
    data = g_key_file_to_data(kf, &len, NULL);
    if (!g_file_set_contents_full(lo->path, data, len,
                                  G_FILE_SET_CONTENTS_CONSISTENT |
                                      G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &err))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "cannot save the leftovers of re-homes: %s",
                         err->message);
}

/* Any thread: the copy @key ("host/uuid") is Shoal's, as @xml. */
void
shoalLeftoversNote(shoalLeftovers *lo, const char *key, const char *xml)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lo->lock);

    g_hash_table_replace(lo->copies, g_strdup(key), g_strdup(xml));
    leftoversSaveLocked(lo);
}

/* Any thread: whether the copy @key is a leftover of Shoal's. */
bool
shoalLeftoversHas(shoalLeftovers *lo, const char *key)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lo->lock);

    return g_hash_table_contains(lo->copies, key);
}

/* Any thread: the XML of leftover @key, forgotten; NULL if none. */
char *
shoalLeftoversTake(shoalLeftovers *lo, const char *key)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lo->lock);
    g_autofree char *stolenKey = NULL;
    gpointer xml = NULL;

    if (!g_hash_table_steal_extended(lo->copies, key, (gpointer *) &stolenKey,
                                     &xml))
        return NULL;
    leftoversSaveLocked(lo);
    return xml;
}
