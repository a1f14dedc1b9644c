/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Issue 12 part 5: elastic VM groups, the cluster side. A group is
 * declared in its template's placement metadata (cluster_groupmeta.h).
 */
typedef struct _shoalCluster shoalCluster;

bool shoalClusterGroupCheckTemplate(shoalCluster *cluster,
                                    const char *xml,
                                    GError **error);
