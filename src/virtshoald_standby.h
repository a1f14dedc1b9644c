/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster_store_etcd.h"
#include "util_socket.h"

typedef struct _shoalStandby shoalStandby;

shoalStandby *shoalStandbyStart(const shoalStoreEtcdConfig *config,
                                const char *socketDir,
                                const shoalSocketConfig *sockets,
                                GError **error);

void shoalStandbyStop(shoalStandby *standby);

void shoalStandbyFree(shoalStandby *standby);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStandby, shoalStandbyFree)

bool shoalStandbyPublish(shoalStoreBackend *backend,
                         const char *identity,
                         const char *socketDir,
                         GError **error);
