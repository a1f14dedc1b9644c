/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* HA restart inside src/cluster (see cluster_ha.c); the driver and the
 * admin interface see the functions in cluster.h. */

#include <glib.h>

#include "cluster.h"

typedef struct _shoalClusterHa shoalClusterHa;

shoalClusterHa *shoalClusterHaNew(void);

void shoalClusterHaFree(shoalClusterHa *ha);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterHa, shoalClusterHaFree)

void shoalClusterHaStart(shoalCluster *cluster);

void shoalClusterHaStop(shoalCluster *cluster);
