/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_snapshot.h"

/*
 * Issue 12 part 5: elastic VM groups, the policy. A group is a template
 * and its members (clones of the template); this decides from the
 * members' CPU in the snapshot whether the group grows or shrinks.
 */
typedef struct _shoalSchedGroup {
    char *name;
    unsigned min;
    unsigned max;
    double target;       /* fraction of the members' vCPUs busy, 0..1 */
    GStrv members;       /* member domain names, oldest first */
    gint64 lastChangeMs; /* when a member was last added or removed, 0 = never */
} shoalSchedGroup;

shoalSchedGroup *shoalSchedGroupNew(const char *name,
                                    unsigned min,
                                    unsigned max,
                                    double target);
void shoalSchedGroupFree(shoalSchedGroup *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedGroup, shoalSchedGroupFree)

/* How the group policy waits: the hold and the cool-down. */
typedef struct _shoalSchedGroupPolicy {
    unsigned holdIntervals; /* the average stays beyond target this long */
    gint64 cooldownMs;      /* after a change, no other for this long */
} shoalSchedGroupPolicy;

typedef enum {
    SHOAL_SCHED_GROUP_KEEP,
    SHOAL_SCHED_GROUP_ADD,    /* add count members */
    SHOAL_SCHED_GROUP_REMOVE, /* remove member, the newest */
} shoalSchedGroupAction;

typedef struct _shoalSchedGroupDecision {
    shoalSchedGroupAction action;
    unsigned count;   /* add: members to add */
    char *member;     /* remove: the member to remove */
    const char *rule; /* static: group-min, group-max, group-load,
                           group-idle */
    char *reason;     /* one translated sentence */
} shoalSchedGroupDecision;

void shoalSchedGroupDecisionClear(shoalSchedGroupDecision *decision);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(shoalSchedGroupDecision,
                                 shoalSchedGroupDecisionClear)

bool shoalSchedGroupDecide(const shoalSchedGroup *group,
                           const shoalSchedSnapshot *snap,
                           const shoalSchedGroupPolicy *policy,
                           shoalSchedGroupDecision *decision);
