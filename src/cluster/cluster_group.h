/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Issue 12 part 5: elastic VM groups, the cluster side. A group is
 * declared in its template's placement metadata (cluster_groupmeta.h).
 */
typedef struct _shoalCluster shoalCluster;
typedef struct _shoalDomainRef shoalDomainRef;

bool shoalClusterGroupCheckTemplate(shoalCluster *cluster,
                                    const char *xml,
                                    GError **error);

shoalDomainRef *shoalClusterGroupAddMember(shoalCluster *cluster,
                                           const char *template,
                                           const char *member,
                                           GError **error);

bool shoalClusterGroupRemoveMember(shoalCluster *cluster,
                                   const char *member,
                                   unsigned graceSeconds,
                                   GError **error);
