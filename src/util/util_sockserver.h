/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <gio/gio.h>

#include "util_socket.h"

/*
 * The socket-server core shared by the driver's and the admin's servers:
 * a GSocketService that listens on UNIX sockets (read-write or
 * read-only), refuses connections over a client limit, hands each
 * accepted one to its server with the peer's credentials, and on free
 * stops and removes the socket files it bound. The protocol on the
 * connections is the server's. Used on the thread of the server's
 * context (the thread-default one while listening starts).
 */
typedef struct _shoalSockServer shoalSockServer;

/*
 * A connection accepted: @readOnly if it came in on a read-only socket;
 * @creds (nullable) the peer's.
 */
typedef void (*shoalSockServerIncomingFunc)(GSocketConnection *conn,
                                            bool readOnly,
                                            GCredentials *creds,
                                            gpointer opaque);

/* How many clients the server has now. */
typedef guint (*shoalSockServerCountFunc)(gpointer opaque);

shoalSockServer *shoalSockServerNew(const shoalSocketConfig *sockets,
                                    const char *what,
                                    guint maxClients,
                                    shoalSockServerCountFunc count,
                                    shoalSockServerIncomingFunc incoming,
                                    gpointer opaque);

bool shoalSockServerListen(shoalSockServer *server,
                           const char *path,
                           bool restricted,
                           bool readOnly,
                           GError **error);

void shoalSockServerStart(shoalSockServer *server);

void shoalSockServerFree(shoalSockServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSockServer, shoalSockServerFree)

/* The most one shoalSockServerReceive() reads */
#define SHOAL_SOCK_RECV_MAX 65536

/* What one read of a client's socket gave. */
typedef enum {
    SHOAL_SOCK_RECV_DATA,  /* bytes appended */
    SHOAL_SOCK_RECV_AGAIN, /* nothing to read yet */
    SHOAL_SOCK_RECV_EOF,   /* the peer closed */
    SHOAL_SOCK_RECV_ERROR, /* @error set */
} shoalSockRecv;

shoalSockRecv shoalSockServerReceive(GSocket *socket,
                                     GByteArray *into,
                                     gsize max,
                                     GError **error);

GSource *shoalSockServerWatch(GSocket *socket,
                              GIOCondition cond,
                              GSourceFunc func,
                              gpointer data,
                              GMainContext *context);
