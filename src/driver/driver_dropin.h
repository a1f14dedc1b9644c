/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Drop-in mode: virtshoald also serves the QEMU driver's sockets and the
 * name qemu:///system, so tools that hard-code it drive the cluster.
 */

#include <stdbool.h>

#include <glib.h>

#include "util_socket.h"

#define SHOAL_DROPIN_URI "qemu:///system"
#define SHOAL_DROPIN_TYPE "QEMU"

bool shoalDriverDropinNameIsOurs(const char *name);

void shoalDriverDropinAddPaths(const char *socketDir,
                               GPtrArray *paths,
                               GPtrArray *roPaths);

bool shoalDriverDropinCheckFree(const char *socketDir,
                                const shoalSocketConfig *sockets,
                                GError **error);
