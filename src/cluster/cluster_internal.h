/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of src/cluster/ only; the driver sees cluster.h. */

#include "cluster.h"
#include "cluster_host.h"
#include "cluster_inventory.h"

typedef struct _clusterEventHandler {
    shoalClusterEventFunc func;
    gpointer opaque;
} clusterEventHandler;

struct _shoalCluster {
    shoalClusterConfig config; /* immutable */
    GMainContext *context;     /* immutable */
    shoalInventory *inventory; /* has its own lock */
    GThreadPool *hostPool;     /* immutable: connects, re-reads */
    GThreadPool *queryPool;    /* immutable: fan-out queries */
    GArray *handlers;          /* immutable once started */
    guint resyncSource;        /* main thread only */

    GMutex lock;
    GHashTable *hosts; /* protected by lock: name → shoalHost */
    bool stopping;     /* protected by lock */

    GMutex jobLock;
    GCond jobCond;
    GHashTable *jobs; /* protected by jobLock: uuids with a job */
};

shoalHost *shoalClusterLookupHost(shoalCluster *cluster,
                                  const char *name,
                                  GError **error);

GPtrArray *shoalClusterListHosts(shoalCluster *cluster);

virDomainPtr shoalClusterAcquireDomain(shoalCluster *cluster,
                                       const unsigned char *uuid,
                                       char **hostName,
                                       GError **error);

bool shoalClusterJobBegin(shoalCluster *cluster,
                          const unsigned char *uuid,
                          GError **error);

void shoalClusterJobEnd(shoalCluster *cluster, const unsigned char *uuid);

void shoalClusterRefreshDomain(shoalCluster *cluster,
                               virDomainPtr dom,
                               const char *hostName);

void shoalClusterQueryRun(gpointer job, gpointer cluster);

void shoalClusterRequestResync(shoalCluster *cluster, shoalHost *host);
