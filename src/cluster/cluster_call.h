/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one way to reach a domain's host. Every call on a domain, hand
 * written or generated, is a shoalClusterDomainFunc run through
 * shoalClusterDomainCall(); see doc/internals/threads.md.
 */

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster.h"
#include "cluster_host.h"

typedef enum {
    /* under the domain's job: for changes; a query takes none */
    SHOAL_CALL_JOB = 1 << 0,
    /* once more when the host no longer has the domain because a
     * migration just moved it (waits, bounded, for the move to settle) */
    SHOAL_CALL_RETRY = 1 << 1,
    /* afterwards re-read the domain into the inventory and, when the
     * call succeeded, its definition into the store */
    SHOAL_CALL_REFRESH = 1 << 2,
    /* after a failure only, re-read the domain into the inventory: a
     * change that failed half way (a migration) leaves it changed */
    SHOAL_CALL_REFRESH_FAILED = 1 << 3,
} shoalClusterCallFlags;

/*
 * One libvirt call on @dom, the owning host's handle (borrowed: valid for
 * the call). Returns < 0 on failure with libvirt's error of this thread
 * set, as libvirt's own functions do; >= 0 is handed back to the caller.
 */
typedef int (*shoalClusterDomainFunc)(virDomainPtr dom, gpointer opaque);

int shoalClusterDomainCall(shoalCluster *cluster,
                           const unsigned char *uuid,
                           unsigned opts,
                           shoalClusterDomainFunc func,
                           gpointer opaque,
                           GError **error);

int shoalClusterDomainCallFull(shoalCluster *cluster,
                               const unsigned char *uuid,
                               unsigned opts,
                               shoalClusterDomainFunc func,
                               gpointer opaque,
                               char **hostName,
                               GError **error);

/* The same on a given host's handle, not the owner's; see cluster_call.c. */
int shoalClusterHostDomainCall(shoalCluster *cluster,
                               shoalHost *host,
                               const unsigned char *uuid,
                               unsigned opts,
                               shoalClusterDomainFunc func,
                               gpointer opaque,
                               GError **error);

bool shoalClusterDomainMoved(shoalCluster *cluster,
                             const unsigned char *uuid,
                             const char *hostName);
