/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The admin interface: newline-delimited JSON requests on a UNIX socket
 * that only root may use, served for shoalctl. One request per line, one
 * response line each, in order; a connection stays open until EOF.
 */

#include <gio/gio.h>

#include "cluster.h"
#include "util_socket.h"

/* Its file in the socket directory, next to virtshoald-sock. */
#define SHOAL_ADMIN_SOCKET_NAME "virtshoald-admin-sock"

typedef struct _shoalAdminServer shoalAdminServer;

shoalAdminServer *shoalAdminServerNew(shoalCluster *cluster,
                                      const char *socketPath,
                                      const shoalSocketConfig *sockets,
                                      GMainContext *context,
                                      GError **error);

bool shoalAdminServerIsIdle(shoalAdminServer *server);

void shoalAdminServerFree(shoalAdminServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalAdminServer, shoalAdminServerFree)
