/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Fencing of host actions (issue 13): with a shared store, a daemon that
 * may have lost the lead must not start, stop or move anything on the
 * hosts, since another daemon may lead them by now. The store's writes
 * are fenced by the backend; the steps that change hosts ask here first:
 * the executor before each step's action, a call under a domain's job
 * before it reaches the host.
 */

#include <config.h>

#include "cluster_internal.h"

/**
 * shoalClusterMayAct:
 *
 * Any thread. Returns: whether this daemon may change hosts now; false
 * with @error saying why.
 */
bool
shoalClusterMayAct(shoalCluster *cluster, GError **error)
{
    return !cluster->store || shoalStoreMayAct(cluster->store, error);
}

static bool
clusterExecFence(gpointer opaque, GError **error)
{
    return shoalClusterMayAct(opaque, error);
}

/* Before start: the executor asks before each step's action. */
void
shoalClusterFenceInit(shoalCluster *cluster)
{
    shoalExecSetFence(cluster->exec, clusterExecFence, cluster);
}
