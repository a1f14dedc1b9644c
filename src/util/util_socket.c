/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_socket.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/*
 * A socket file that exists is either served by a live daemon, which we
 * must not steal, or left behind by a dead one, which we remove.
 */
static bool
socketClaimPath(const char *path, GError **error)
{
    g_autoptr(GSocketClient) sc = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketConnection) conn = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return true;
    sc = g_socket_client_new();
    addr = g_unix_socket_address_new(path);
    conn = g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(addr), NULL, NULL);
    if (conn) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("another daemon is already listening on '%1$s'"), path);
        return false;
    }
    if (g_unlink(path) < 0 && errno != ENOENT) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot remove stale socket '%1$s': %2$s"), path,
                    g_strerror(errno));
        return false;
    }
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                     "removed stale socket '%s'", path);
    return true;
}

/**
 * shoalSocketListen:
 * @listener: a listener that does not accept yet (a stopped GSocketService)
 * @path: the UNIX socket's file
 * @mode: its permissions
 * @tag: (nullable): the source object of connections accepted on it
 *
 * Listens on @path: refuses if a live daemon answers there, removes a
 * stale socket file, binds, then sets @mode. The caller removes the file
 * when it stops listening. Any thread.
 */
bool
shoalSocketListen(GSocketListener *listener,
                  const char *path,
                  unsigned mode,
                  GObject *tag,
                  GError **error)
{
    g_autoptr(GSocketAddress) addr = NULL;

    if (!socketClaimPath(path, error))
        return false;
    addr = g_unix_socket_address_new(path);
    if (!g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_DEFAULT, tag, NULL,
                                       error)) {
        shoalErrorConvert(error);
        g_prefix_error(error, _("cannot listen on '%1$s': "), path);
        return false;
    }
    if (g_chmod(path, mode) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot set permissions of '%1$s': %2$s"), path,
                    g_strerror(errno));
        return false;
    }
    return true;
}
