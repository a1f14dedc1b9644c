/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_group.h"

/*
 * An elastic group under a load trace, through shoalSchedGroupDecide(),
 * against the oracle: in each interval, the fewest members (within min
 * and max) whose vCPUs at target carry the demand.
 */
typedef struct _shoalSchedGroupTrace {
    unsigned min;
    unsigned max;
    double target;  /* 0..1 */
    unsigned vcpus; /* per member */
    unsigned intervalSeconds;
    unsigned graceSeconds; /* a removed member runs this long */
    shoalSchedGroupPolicy policy;
    GArray *demand; /* of double: vCPUs busy per interval */
} shoalSchedGroupTrace;

void shoalSchedGroupTraceFree(shoalSchedGroupTrace *trace);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedGroupTrace, shoalSchedGroupTraceFree)

shoalSchedGroupTrace *shoalSchedGroupTraceParseJSON(const char *json,
                                                    GError **error);

typedef struct _shoalSchedGroupRun {
    double vmHours; /* members, booting and leaving ones too */
    double oracleHours;
    unsigned fewest; /* the fewest members in any interval */
    unsigned most;
    unsigned adds; /* members added */
    unsigned removes;
    unsigned reversals;  /* a change opposite to the one before it,
                             within the cool-down plus the hold */
    unsigned overloaded; /* intervals whose demand exceeded the members */
    GArray *members;     /* of unsigned: members per interval */
} shoalSchedGroupRun;

void shoalSchedGroupRunFree(shoalSchedGroupRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedGroupRun, shoalSchedGroupRunFree)

shoalSchedGroupRun *shoalSchedGroupSimulate(const shoalSchedGroupTrace *trace);
char *shoalSchedGroupRunFormat(const shoalSchedGroupRun *run, bool json);
char *shoalSchedCliSimulateGroup(const char *path, bool json, GError **error);
