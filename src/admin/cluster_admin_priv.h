/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#ifndef SHOAL_CLUSTER_ADMIN_PRIV_H_ALLOW
#error "cluster_admin_priv.h may only be included by cluster_admin.c or tests"
#endif

#include <stdbool.h>

#include <gio/gio.h>

#include "cluster.h"
#include "util_socket.h"

/* The longest request line, without its newline. */
#define SHOAL_ADMIN_LINE_MAX (1024 * 1024)

char *shoalAdminHandleRequest(shoalCluster *cluster, const char *line);

bool shoalAdminCheckAccess(const shoalSocketConfig *sockets,
                           GCredentials *creds,
                           GError **error);
