/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_server.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dropin.h"
#include "driver_event.h"
#include "util_error.h"
#include "util_log.h"
#include "util_socket.h"

void
shoalDriverServerConfigInit(shoalDriverServerConfig *config)
{
    /* libvirtd's defaults: max_clients, max_client_requests, workers */
    config->socketDir = NULL;
    config->sockets = NULL;
    config->maxClients = 5000;
    config->maxClientRequests = 5;
    config->workers = 20;
    config->prioWorkers = 5;
    config->keepaliveIntervalS = 5;
    config->keepaliveCount = 5;
    config->dropin = false;
}

static void
serverClientRelease(gpointer client)
{
    shoalDriverClientUnref(client);
}

/**
 * shoalDriverServerNew:
 * @cluster: (transfer none): must outlive the server
 *
 * Returns: (transfer full): a server that does not listen yet.
 */
shoalDriverServer *
shoalDriverServerNew(shoalCluster *cluster,
                     const shoalDriverServerConfig *config,
                     GMainContext *context,
                     GError **error)
{
    g_autoptr(shoalDriverServer) server = g_new0(shoalDriverServer, 1);

    server->cluster = cluster;
    server->context = g_main_context_ref(context);
    server->config = *config;
    server->config.socketDir = g_strdup(config->socketDir);
    server->sockPath =
        g_build_filename(config->socketDir, SHOAL_DRIVER_SOCKET_RW, NULL);
    server->sockRoPath =
        g_build_filename(config->socketDir, SHOAL_DRIVER_SOCKET_RO, NULL);
    server->extraPaths = g_ptr_array_new_with_free_func(g_free);
    server->extraRoPaths = g_ptr_array_new_with_free_func(g_free);
    if (config->dropin)
        shoalDriverDropinAddPaths(config->socketDir, server->extraPaths,
                                  server->extraRoPaths);
    server->hostname = g_strdup(g_get_host_name());
    g_mutex_init(&server->lock);
    server->clients = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                            serverClientRelease);
    server->workers = g_thread_pool_new(shoalDispatchRun, server,
                                        config->workers, FALSE, error);
    if (!server->workers)
        return NULL;
    server->prioWorkers = g_thread_pool_new(shoalDispatchRun, server,
                                            config->prioWorkers, FALSE, error);
    if (!server->prioWorkers)
        return NULL;
    shoalClusterAddEventHandler(cluster, shoalDriverEventRelay, server);
    return g_steal_pointer(&server);
}

/*
 * The read-write socket is for root and the access group; the socket's
 * permissions normally keep anyone else out already. Returns NULL for a
 * peer it admits, else why not: the peer's calls get that as their error,
 * then the connection closes (closing at once would kill the client with
 * SIGPIPE before it could say why).
 */
static char *
serverCheckAccess(shoalDriverServer *server, GCredentials *creds)
{
    const shoalSocketConfig *sockets = server->config.sockets;

    if (shoalSocketCheckPeer(sockets, creds))
        return NULL;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                     "refusing client pid=%d uid=%d on the read-write socket",
                     creds ? (int) g_credentials_get_unix_pid(creds, NULL) : -1,
                     creds ? (int) g_credentials_get_unix_user(creds, NULL)
                           : -1);
    if (sockets && sockets->accessGroup)
        return g_strdup_printf(_("access denied: only root and group '%1$s' may use the read-write socket"),
                               sockets->accessGroup);
    return g_strdup(
        _("access denied: only root may use the read-write socket"));
}

static guint
serverCountClients(gpointer opaque)
{
    return shoalDriverServerCountClients(opaque);
}

/* Main thread, from the socket-server core: a client under the limit. */
static void
serverOnIncoming(GSocketConnection *conn,
                 bool readOnly,
                 GCredentials *creds,
                 gpointer opaque)
{
    shoalDriverServer *server = opaque;
    g_autofree char *denied = NULL;
    shoalDriverClient *client;
    unsigned id;

    if (!readOnly)
        denied = serverCheckAccess(server, creds);
    g_mutex_lock(&server->lock);
    id = ++server->nextClientId;
    client = shoalDriverClientNew(server, id, conn, readOnly);
    client->denied = g_steal_pointer(&denied);
    g_hash_table_insert(server->clients, GUINT_TO_POINTER(id), client);
    g_mutex_unlock(&server->lock);

    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                     SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                     "client connected uid=%d readonly=%d", (int) client->uid,
                     readOnly);
    shoalDriverClientStart(client);
}

static gboolean
serverKeepaliveTick(gpointer opaque)
{
    shoalDriverServer *server = opaque;
    g_autoptr(GPtrArray) dead =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDriverClientUnref);
    g_autoptr(GPtrArray) all =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDriverClientUnref);
    gint64 now = g_get_monotonic_time();
    GHashTableIter iter;
    gpointer value;
    guint i;

    g_mutex_lock(&server->lock);
    g_hash_table_iter_init(&iter, server->clients);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(all, shoalDriverClientRef(value));
    g_mutex_unlock(&server->lock);

    for (i = 0; i < all->len; i++) {
        shoalDriverClient *client = all->pdata[i];

        if (!shoalDriverClientKeepaliveTick(client, now,
                                            server->config.keepaliveIntervalS,
                                            server->config.keepaliveCount))
            g_ptr_array_add(dead, shoalDriverClientRef(client));
    }
    for (i = 0; i < dead->len; i++) {
        shoalDriverClient *client = dead->pdata[i];

        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "closing client: no keepalive response");
        shoalDriverClientClose(client);
    }
    return G_SOURCE_CONTINUE;
}

/* The extra sockets (drop-in mode's). */
static bool
serverListenExtra(shoalDriverServer *server, GError **error)
{
    guint i;

    for (i = 0; i < server->extraPaths->len; i++) {
        if (!shoalSockServerListen(server->listener,
                                   server->extraPaths->pdata[i], true, false,
                                   error))
            return false;
    }
    for (i = 0; i < server->extraRoPaths->len; i++) {
        if (!shoalSockServerListen(server->listener,
                                   server->extraRoPaths->pdata[i], false, true,
                                   error))
            return false;
    }
    return true;
}

/* Whether @path is one of the server's sockets. */
bool
shoalDriverServerHasPath(shoalDriverServer *server, const char *path)
{
    guint i;

    if (g_str_equal(path, server->sockPath) ||
        g_str_equal(path, server->sockRoPath))
        return true;
    for (i = 0; i < server->extraPaths->len; i++) {
        if (g_str_equal(path, server->extraPaths->pdata[i]))
            return true;
    }
    for (i = 0; i < server->extraRoPaths->len; i++) {
        if (g_str_equal(path, server->extraRoPaths->pdata[i]))
            return true;
    }
    return false;
}

/**
 * shoalDriverServerListen:
 * Creates all sockets before accepting anything, so that clients never
 * see one without the other. Main thread.
 */
bool
shoalDriverServerListen(shoalDriverServer *server, GError **error)
{
    if (g_mkdir_with_parents(server->config.socketDir, 0755) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot create directory '%1$s': %2$s"),
                    server->config.socketDir, g_strerror(errno));
        return false;
    }
    /* before binding anything: on refusal, no socket file of a rival's
     * is ours to remove */
    if (server->config.dropin &&
        !shoalDriverDropinCheckFree(server->config.socketDir,
                                    server->config.sockets, error))
        return false;
    server->listener =
        shoalSockServerNew(server->config.sockets, "client",
                           server->config.maxClients, serverCountClients,
                           serverOnIncoming, server);
    /* the read-write socket is restricted */
    if (!shoalSockServerListen(server->listener, server->sockPath, true, false,
                               error) ||
        !shoalSockServerListen(server->listener, server->sockRoPath, false,
                               true, error) ||
        !serverListenExtra(server, error))
        return false;
    shoalSockServerStart(server->listener);
    if (server->config.keepaliveIntervalS > 0) {
        g_autoptr(GSource) tick = g_timeout_source_new_seconds(1);

        g_source_set_callback(tick, serverKeepaliveTick, server, NULL);
        server->keepaliveTimer = g_source_attach(tick, server->context);
    }
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                     "listening on '%s' and '%s'", server->sockPath,
                     server->sockRoPath);
    return true;
}

/* Any thread: the clients connected now. */
unsigned
shoalDriverServerCountClients(shoalDriverServer *server)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&server->lock);

    return g_hash_table_size(server->clients);
}

/* Main thread: drops the server's reference to a closed client. */
void
shoalDriverServerRemoveClient(shoalDriverServer *server,
                              shoalDriverClient *client)
{
    g_mutex_lock(&server->lock);
    g_hash_table_remove(server->clients, GUINT_TO_POINTER(client->id));
    g_mutex_unlock(&server->lock);
}

/**
 * shoalDriverServerForeachClient:
 * Calls @func with a reference held on each client, without the server
 * lock held.
 */
void
shoalDriverServerForeachClient(shoalDriverServer *server,
                               GFunc func,
                               gpointer data)
{
    g_autoptr(GPtrArray) all =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDriverClientUnref);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&server->lock);
    g_hash_table_iter_init(&iter, server->clients);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(all, shoalDriverClientRef(value));
    g_mutex_unlock(&server->lock);
    g_ptr_array_foreach(all, func, data);
}

/*
 * Main thread: stops listening, closes clients, removes the sockets
 * unless systemd owns them (it keeps listening for the next start).
 */
void
shoalDriverServerFree(shoalDriverServer *server)
{
    g_autoptr(GPtrArray) all = NULL;
    GHashTableIter iter;
    gpointer value;
    guint i;

    if (!server)
        return;
    if (server->keepaliveTimer) {
        GSource *tick =
            g_main_context_find_source_by_id(server->context,
                                             server->keepaliveTimer);

        if (tick)
            g_source_destroy(tick);
    }
    if (server->cluster)
        shoalClusterRemoveEventHandler(server->cluster, shoalDriverEventRelay,
                                       server);
    g_clear_pointer(&server->listener, shoalSockServerFree);
    all =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDriverClientUnref);
    if (server->clients) {
        g_mutex_lock(&server->lock);
        g_hash_table_iter_init(&iter, server->clients);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            g_ptr_array_add(all, shoalDriverClientRef(value));
        g_mutex_unlock(&server->lock);
    }
    for (i = 0; i < all->len; i++)
        shoalDriverClientClose(all->pdata[i]);
    /* wait for calls in flight: they hold client references */
    if (server->workers)
        g_thread_pool_free(server->workers, FALSE, TRUE);
    if (server->prioWorkers)
        g_thread_pool_free(server->prioWorkers, FALSE, TRUE);
    if (server->clients)
        g_hash_table_unref(server->clients);
    g_mutex_clear(&server->lock);
    g_main_context_unref(server->context);
    g_free(server->sockPath);
    g_free(server->sockRoPath);
    g_clear_pointer(&server->extraPaths, g_ptr_array_unref);
    g_clear_pointer(&server->extraRoPaths, g_ptr_array_unref);
    g_free(server->hostname);
    g_free(server->config.socketDir);
    g_free(server);
}
