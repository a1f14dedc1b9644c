/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Storage pools and their volumes through the cluster. A pool is a
 * cluster object (cluster_objects.h); it is shared when every host sees
 * the same volumes (netfs and the network types), local otherwise. A
 * volume of a shared pool is reached through any host that runs the
 * pool; one of a local pool lives on one host.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_objects.h"

/* A volume as a client names it. */
typedef struct _shoalVolRef {
    char *pool;
    char *name;
    char *key;
} shoalVolRef;

void shoalVolRefFree(shoalVolRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalVolRef, shoalVolRefFree)

bool shoalClusterPoolIsShared(shoalCluster *cluster, const unsigned char *uuid);

bool shoalClusterPoolGetInfo(shoalCluster *cluster,
                             const unsigned char *uuid,
                             virStoragePoolInfo *info,
                             GError **error);

bool shoalClusterPoolBuild(shoalCluster *cluster,
                           const unsigned char *uuid,
                           unsigned flags,
                           GError **error);

bool shoalClusterPoolDelete(shoalCluster *cluster,
                            const unsigned char *uuid,
                            unsigned flags,
                            GError **error);

bool shoalClusterPoolRefresh(shoalCluster *cluster,
                             const unsigned char *uuid,
                             GError **error);

GPtrArray *shoalClusterPoolListVolumes(shoalCluster *cluster,
                                       const unsigned char *uuid,
                                       GError **error);

shoalVolRef *shoalClusterVolLookupByName(shoalCluster *cluster,
                                         const unsigned char *poolUUID,
                                         const char *name,
                                         GError **error);

shoalVolRef *shoalClusterVolLookupByKey(shoalCluster *cluster,
                                        const char *key,
                                        GError **error);

shoalVolRef *shoalClusterVolLookupByPath(shoalCluster *cluster,
                                         const char *path,
                                         GError **error);

shoalVolRef *shoalClusterVolCreateXML(shoalCluster *cluster,
                                      const unsigned char *poolUUID,
                                      const char *xml,
                                      const shoalVolRef *clone,
                                      unsigned flags,
                                      GError **error);

bool shoalClusterVolDelete(shoalCluster *cluster,
                           const shoalVolRef *vol,
                           unsigned flags,
                           GError **error);

/* One libvirt call on a volume's handle; as shoalClusterObjectFunc. */
typedef int (*shoalClusterVolFunc)(virStorageVolPtr vol, gpointer opaque);

int shoalClusterVolCall(shoalCluster *cluster,
                        const shoalVolRef *vol,
                        shoalClusterVolFunc func,
                        gpointer opaque,
                        GError **error);

bool shoalClusterVolGetInfo(shoalCluster *cluster,
                            const shoalVolRef *vol,
                            unsigned flags,
                            virStorageVolInfo *info,
                            GError **error);

char *shoalClusterVolGetXMLDesc(shoalCluster *cluster,
                                const shoalVolRef *vol,
                                unsigned flags,
                                GError **error);

char *shoalClusterVolGetPath(shoalCluster *cluster,
                             const shoalVolRef *vol,
                             GError **error);

bool shoalClusterVolResize(shoalCluster *cluster,
                           const shoalVolRef *vol,
                           unsigned long long capacity,
                           unsigned flags,
                           GError **error);

bool shoalClusterVolWipe(shoalCluster *cluster,
                         const shoalVolRef *vol,
                         unsigned algorithm,
                         unsigned flags,
                         GError **error);
