/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

/* The client library's own open flags: read-only, session, autostart. */
#define SHOAL_CONNECT_OPEN_FLAGS (VIR_CONNECT_RO | 2 | 4)

#define SHOAL_LIST_DOMAINS_FLAGS                                             \
    (VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE |   \
     VIR_CONNECT_LIST_DOMAINS_PERSISTENT |                                   \
     VIR_CONNECT_LIST_DOMAINS_TRANSIENT | VIR_CONNECT_LIST_DOMAINS_RUNNING | \
     VIR_CONNECT_LIST_DOMAINS_PAUSED | VIR_CONNECT_LIST_DOMAINS_SHUTOFF |    \
     VIR_CONNECT_LIST_DOMAINS_OTHER | VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE | \
     VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE |                               \
     VIR_CONNECT_LIST_DOMAINS_AUTOSTART |                                    \
     VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART |                                 \
     VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT |                                 \
     VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT |                                  \
     VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT |                               \
     VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT)

bool shoalDriverCheckFlags(unsigned flags,
                           unsigned supported,
                           const char *function,
                           GError **error);
