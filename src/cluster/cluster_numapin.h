/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster.h"

GArray *shoalClusterNumaSchedCells(shoalCluster *cluster, const char *hostName);
bool shoalClusterNumaPin(shoalCluster *cluster,
                         const char *hostName,
                         const char *xml,
                         bool replace,
                         char **pinned,
                         GError **error);
int shoalClusterNumaMigrate(shoalCluster *cluster,
                            virDomainPtr dom,
                            const char *destName,
                            const char *uri,
                            virTypedParameterPtr params,
                            int nparams,
                            unsigned flags);
