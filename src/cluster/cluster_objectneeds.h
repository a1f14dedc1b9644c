/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cluster_domainneeds.h"
#include "sched.h"

/*
 * Part of issue 11: a domain runs only where its pools, volumes,
 * networks and secrets are. What a definition refers to becomes the
 * snapshot's requirements of the domain (against Shoal's pools: a file
 * in a pool's target is that pool's volume; a volume of a pool that is
 * not shared pins the domain to the hosts that hold it), and each
 * online host's active objects become its node's objects.
 */
typedef struct _shoalCluster shoalCluster;

/* Shoal's pools as needs resolve against them. */
typedef struct _shoalNeedsPools shoalNeedsPools;

shoalNeedsPools *shoalNeedsPoolsNew(shoalCluster *cluster);
void shoalNeedsPoolsFree(shoalNeedsPools *pools);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalNeedsPools, shoalNeedsPoolsFree)

bool shoalNeedsPoolsHas(const shoalNeedsPools *pools, const char *name);
const char *shoalNeedsPoolsOfPath(const shoalNeedsPools *pools,
                                  const char *path);

void shoalNeedsResolve(const shoalNeedsPools *pools,
                       const shoalDomainNeeds *needs,
                       shoalSchedObjects *out);

void shoalClusterFillHostObjects(shoalCluster *cluster,
                                 shoalSchedSnapshot *snap,
                                 const shoalSchedObjects *extra);

bool shoalClusterCheckObjects(shoalCluster *cluster,
                              const unsigned char *uuid,
                              const char *domName,
                              const char *hostName,
                              GError **error);
