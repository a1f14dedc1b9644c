/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sched_config.h"
#include "sched_plan.h"
#include "sched_snapshot.h"

bool shoalSchedPreconditionCheck(const shoalSchedPrecondition *pre,
                                 const shoalSchedDomain *dom,
                                 const shoalSchedNode *node,
                                 GError **error);

shoalSchedSnapshot *shoalSchedSimulateApply(const shoalSchedSnapshot *snap,
                                            const shoalSchedPlan *plan,
                                            unsigned *stale);

/* One round of a simulation: a snapshot, its plan, the plan applied. */
typedef struct _shoalSchedRound {
    gint64 nowMs;
    double imbalanceBefore;
    double imbalanceAfter;
    double cpuMaxAfter;    /* the highest host CPU pressure after */
    double memoryMaxAfter; /* the highest host memory pressure after */
    unsigned moves;
    unsigned vcpusAdded;
    unsigned balloons;
    unsigned stale;     /* steps whose preconditions no longer held */
    unsigned reversals; /* moves back to a host the domain left earlier */
    unsigned resizes;   /* set-virtio-mem and remove-vcpu steps */
    /* in-place steps that undo the direction of the domain's previous
     * one of the same resource (memory up then down, or the reverse) */
    unsigned resizeReversals;
    unsigned long long memoryMovedKiB;
    /* power: hosts not in standby during the round's interval, whether
     * one of them was overloaded by the interval's load (its latest
     * samples over its cores or its memory limit), power steps */
    unsigned powered;
    bool overloaded;
    unsigned powerOffs;
    unsigned powerOns;
} shoalSchedRound;

typedef struct _shoalSchedSimulation {
    GArray *rounds; /* of shoalSchedRound */
    unsigned moves;
    unsigned vcpusAdded;
    unsigned balloons;
    unsigned stale;
    unsigned reversals; /* ping-pong: should stay 0 */
    unsigned resizes;
    unsigned resizeReversals; /* resizes that flap: should stay low */
    unsigned maxMovesInHour;  /* the most moves in any hour-long window */
    unsigned long long memoryMovedKiB;
    double hostHours;             /* powered hosts * interval, summed */
    unsigned overloadedIntervals; /* rounds with an overloaded host */
    unsigned powerOffs;
    unsigned powerOns;
    /* migrations with a NUMA decision (sched_numa.c): pinned to one cell
     * of the destination, or spread over several */
    unsigned numaOneCell;
    unsigned numaSpread;
    double hours;        /* from the first snapshot to the end of the last */
    double movesPerHour; /* moves / hours */
    shoalSchedSnapshot *final; /* the last round with its plan applied */
} shoalSchedSimulation;

void shoalSchedSimulationFree(shoalSchedSimulation *sim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedSimulation, shoalSchedSimulationFree)

shoalSchedSimulation *shoalSchedSimulate(GPtrArray *snapshots,
                                         const shoalSchedConfig *config,
                                         GError **error);
char *shoalSchedSimulationFormatText(const shoalSchedSimulation *sim);
char *shoalSchedSimulationFormatJSON(const shoalSchedSimulation *sim);
