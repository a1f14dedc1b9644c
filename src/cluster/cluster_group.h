/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster.h"
#include "cluster_domain.h"
#include "sched.h"

/*
 * Issue 12 part 5: elastic VM groups, the cluster side. A group is
 * declared in its template's placement metadata (cluster_groupmeta.h).
 */
typedef struct _shoalCluster shoalCluster;

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

/* Each group's last change, for its cool-down; has its own lock. */
typedef struct _shoalGroupState shoalGroupState;

shoalGroupState *shoalGroupStateNew(void);
void shoalGroupStateFree(shoalGroupState *state);

void shoalClusterGroupRound(shoalCluster *cluster,
                            const shoalSchedSnapshot *snap,
                            const shoalSchedConfig *config);
