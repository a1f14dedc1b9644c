/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster.h"
#include "daemon_config.h"
#include "util_socket.h"

bool shoalDaemonOpenStore(shoalCluster *cluster,
                          const shoalDaemonConfig *config,
                          const char *stateDir,
                          const char *socketDir,
                          const shoalSocketConfig *sockets,
                          void (*deposed)(gpointer opaque),
                          gpointer opaque,
                          GError **error);
