/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_sockserver.h"

#include <glib/gstdio.h>

struct _shoalSockServer {
    GSocketService *service;          /* stopped until Start */
    const shoalSocketConfig *sockets; /* borrowed, nullable */
    char *what;                       /* for logs: "client", ... */
    guint maxClients;
    shoalSockServerCountFunc count;
    shoalSockServerIncomingFunc incoming;
    gpointer opaque;
    GPtrArray *paths; /* the files bound: ours to remove */
};

static gboolean
sockServerOnIncoming(GSocketService *service,
                     GSocketConnection *conn,
                     GObject *source,
                     gpointer opaque)
{
    shoalSockServer *server = opaque;
    GSocket *socket = g_socket_connection_get_socket(conn);
    g_autoptr(GCredentials) creds = NULL;

    if (server->count(server->opaque) >= server->maxClients) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "refusing %s: %u clients connected", server->what,
                         server->maxClients);
        return TRUE;
    }
    creds = g_socket_get_credentials(socket, NULL);
    /* read-only sockets carry a tag, read-write ones none */
    server->incoming(conn, source != NULL, creds, server->opaque);
    return TRUE;
}

/**
 * shoalSockServerNew:
 * @sockets: (nullable): the access group and sockets from systemd; must
 *   outlive the server
 * @what: what a client is called in logs
 * @maxClients: connections beyond @count's this many are closed at once
 *
 * Returns: (transfer full): a server that does not listen yet.
 */
shoalSockServer *
shoalSockServerNew(const shoalSocketConfig *sockets,
                   const char *what,
                   guint maxClients,
                   shoalSockServerCountFunc count,
                   shoalSockServerIncomingFunc incoming,
                   gpointer opaque)
{
    shoalSockServer *server = g_new0(shoalSockServer, 1);

    server->sockets = sockets;
    server->what = g_strdup(what);
    server->maxClients = maxClients;
    server->count = count;
    server->incoming = incoming;
    server->opaque = opaque;
    server->paths = g_ptr_array_new_with_free_func(g_free);
    server->service = g_socket_service_new();
    /* before any socket: a burst of clients connecting at once (a
     * script's fan-out) must queue, not see ECONNREFUSED */
    g_socket_listener_set_backlog(G_SOCKET_LISTENER(server->service),
                                  SHOAL_SOCKET_BACKLOG);
    g_socket_service_stop(server->service);
    g_signal_connect(server->service, "incoming",
                     G_CALLBACK(sockServerOnIncoming), server);
    return server;
}

/*
 * Listens on @path (see shoalSocketListen()); nothing is accepted before
 * shoalSockServerStart(), so clients never see one socket without the
 * others.
 */
bool
shoalSockServerListen(shoalSockServer *server,
                      const char *path,
                      bool restricted,
                      bool readOnly,
                      GError **error)
{
    if (!shoalSocketListen(G_SOCKET_LISTENER(server->service), server->sockets,
                           path, restricted,
                           readOnly ? G_OBJECT(server->service) : NULL, error))
        return false;
    g_ptr_array_add(server->paths, g_strdup(path));
    return true;
}

void
shoalSockServerStart(shoalSockServer *server)
{
    g_socket_service_start(server->service);
}

/*
 * Stops listening and removes the socket files it bound, but not
 * systemd's: those keep listening for the next start.
 */
void
shoalSockServerFree(shoalSockServer *server)
{
    guint i;

    if (!server)
        return;
    g_socket_service_stop(server->service);
    g_socket_listener_close(G_SOCKET_LISTENER(server->service));
    g_signal_handlers_disconnect_by_data(server->service, server);
    g_clear_object(&server->service);
    for (i = 0; i < server->paths->len; i++) {
        if (!shoalSocketIsInherited(server->sockets, server->paths->pdata[i]))
            g_unlink(server->paths->pdata[i]);
    }
    g_ptr_array_unref(server->paths);
    g_free(server->what);
    g_free(server);
}

/*
 * One read of up to @max (at most SHOAL_SOCK_RECV_MAX) bytes from a client's non-blocking @socket,
 * appended to @into.
 */
shoalSockRecv
shoalSockServerReceive(GSocket *socket,
                       GByteArray *into,
                       gsize max,
                       GError **error)
{
    g_autoptr(GError) err = NULL;
    /* on the stack: an idle client's buffer stays as small as its input */
    guint8 buf[SHOAL_SOCK_RECV_MAX];
    gssize n;

    n = g_socket_receive(socket, (char *) buf, MIN(max, sizeof(buf)), NULL,
                         &err);
    if (n > 0) {
        g_byte_array_append(into, buf, n);
        return SHOAL_SOCK_RECV_DATA;
    }
    if (n == 0)
        return SHOAL_SOCK_RECV_EOF;
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return SHOAL_SOCK_RECV_AGAIN;
    g_propagate_error(error, g_steal_pointer(&err));
    return SHOAL_SOCK_RECV_ERROR;
}

/*
 * Returns: (transfer full): a source calling @func (a GSocketSourceFunc)
 * with @data when @cond holds on @socket, attached to @context.
 */
GSource *
shoalSockServerWatch(GSocket *socket,
                     GIOCondition cond,
                     GSourceFunc func,
                     gpointer data,
                     GMainContext *context)
{
    GSource *source = g_socket_create_source(socket, cond, NULL);

    g_source_set_callback(source, func, data, NULL);
    g_source_attach(source, context);
    return source;
}
