/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <gio/gio.h>

/* listen(2) backlog of every socket the daemon binds, as libvirtd's */
#define SHOAL_SOCKET_BACKLOG 1000

/*
 * How the daemon's servers listen: who besides root may use the
 * restricted sockets (read-write, admin), and the sockets systemd passed
 * in. Filled in by main before any server listens, immutable afterwards.
 */
typedef struct _shoalSocketConfig {
    char *accessGroup;     /* (nullable): its name, for messages */
    gid_t accessGid;       /* (gid_t) -1 without a group */
    GHashTable *inherited; /* path → GSocket from systemd */
} shoalSocketConfig;

void shoalSocketConfigInit(shoalSocketConfig *config);

void shoalSocketConfigClear(shoalSocketConfig *config);

bool shoalSocketConfigSetGroup(shoalSocketConfig *config,
                               const char *name,
                               GError **error);

bool shoalSocketConfigTakeInherited(shoalSocketConfig *config, GError **error);

bool shoalSocketListen(GSocketListener *listener,
                       const shoalSocketConfig *config,
                       const char *path,
                       bool restricted,
                       GObject *tag,
                       GError **error);

bool shoalSocketAnswers(const char *path);

bool shoalSocketIsInherited(const shoalSocketConfig *config, const char *path);

bool shoalSocketCheckPeer(const shoalSocketConfig *config, GCredentials *creds);

bool shoalSocketNotify(const char *state, GError **error);
