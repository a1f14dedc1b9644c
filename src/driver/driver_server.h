/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <gio/gio.h>

#include "cluster.h"
#include "driver_dispatch.h"
#include "util_socket.h"
#include "util_sockserver.h"

/* the sockets' names in the socket directory */
#define SHOAL_DRIVER_SOCKET_RW "virtshoald-sock"
#define SHOAL_DRIVER_SOCKET_RO "virtshoald-sock-ro"

typedef struct _shoalDriverServerConfig {
    char *socketDir;
    const shoalSocketConfig *sockets; /* borrowed, nullable: access group,
                                         sockets from systemd */
    unsigned maxClients;
    unsigned maxClientRequests;  /* calls in flight per client */
    unsigned workers;            /* calls that may talk to hosts */
    unsigned prioWorkers;        /* cheap calls answered from memory */
    unsigned keepaliveIntervalS; /* 0 disables server-side pings */
    unsigned keepaliveCount;
    bool dropin; /* also the QEMU driver's sockets and qemu:///system */
} shoalDriverServerConfig;

void shoalDriverServerConfigInit(shoalDriverServerConfig *config);

struct _shoalDriverServer {
    shoalCluster *cluster;          /* borrowed */
    GMainContext *context;          /* immutable */
    shoalDriverServerConfig config; /* immutable */
    char *sockPath;                 /* immutable */
    char *sockRoPath;               /* immutable */
    GPtrArray *extraPaths;          /* immutable: more read-write sockets */
    GPtrArray *extraRoPaths;        /* immutable: more read-only sockets */
    shoalSockServer *listener;      /* main thread only */
    GThreadPool *workers;           /* immutable after start */
    GThreadPool *prioWorkers;       /* immutable after start */
    guint keepaliveTimer;           /* main thread only */
    char *hostname;                 /* immutable */

    GMutex lock;
    GHashTable *clients;   /* protected by lock: id → client */
    unsigned nextClientId; /* protected by lock */
};

shoalDriverServer *shoalDriverServerNew(shoalCluster *cluster,
                                        const shoalDriverServerConfig *config,
                                        GMainContext *context,
                                        GError **error);

bool shoalDriverServerListen(shoalDriverServer *server, GError **error);

bool shoalDriverServerHasPath(shoalDriverServer *server, const char *path);

void shoalDriverServerFree(shoalDriverServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDriverServer, shoalDriverServerFree)

unsigned shoalDriverServerCountClients(shoalDriverServer *server);

void shoalDriverServerRemoveClient(shoalDriverServer *server,
                                   shoalDriverClient *client);

void shoalDriverServerForeachClient(shoalDriverServer *server,
                                    GFunc func,
                                    gpointer data);
