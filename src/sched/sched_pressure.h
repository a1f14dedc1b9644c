/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_config.h"
#include "sched_snapshot.h"

/*
 * Pressure: how loaded a host is, per resource.
 *   CPU:    the CPU demand of its running domains (cores) over its cores;
 *           above 1 the domains wait for a host CPU.
 *   memory: the memory its domains commit (their maximum memory, running
 *           or not) over its usable memory (memoryKiB - reservedKiB).
 */
typedef struct _shoalSchedPressure {
    double cpu;
    double memory;
} shoalSchedPressure;

double shoalSchedPressureDomainDemand(const shoalSchedDomain *dom,
                                      const shoalSchedConfig *config);
bool shoalSchedPressureDomainHeld(const shoalSchedDomain *dom,
                                  unsigned intervals,
                                  double minBusy,
                                  double minDelay,
                                  double maxDelay);

/*
 * The spread of the hosts' pressures, kept as sums so that a move
 * changes it in O(1). Only hosts that are online, not in maintenance and
 * have cores and usable memory count.
 *
 * The score that a move must lower is the weighted sum of squared
 * deviations from the mean pressure, cpuWeight * SSD(cpu) + memoryWeight *
 * SSD(memory): a move changes it by about the same amount in a cluster of
 * 10 hosts or of 1000, so one minimum gain fits every size. The imbalance
 * shown to people is the weighted root-mean-square standard deviation,
 * sqrt((cpuWeight * var(cpu) + memoryWeight * var(memory)) /
 * (cpuWeight + memoryWeight)): 0 is perfectly even, 0.1 means hosts
 * typically differ from the mean by 0.1.
 */
typedef struct _shoalSchedSpread {
    double cpuWeight;
    double memoryWeight;
    unsigned count;
    double cpuSum;
    double cpuSquares;
    double memorySum;
    double memorySquares;
} shoalSchedSpread;

void shoalSchedPressureSpreadInit(shoalSchedSpread *spread,
                                  const shoalSchedConfig *config);
void shoalSchedPressureSpreadAdd(shoalSchedSpread *spread,
                                 const shoalSchedPressure *p);
void shoalSchedPressureSpreadReplace(shoalSchedSpread *spread,
                                     const shoalSchedPressure *before,
                                     const shoalSchedPressure *after);
double shoalSchedPressureSpreadScore(const shoalSchedSpread *spread);
double shoalSchedPressureSpreadImbalance(const shoalSchedSpread *spread);

/* One host of shoalSchedPressureCompute(). */
typedef struct _shoalSchedNodePressure {
    const char *name; /* borrowed from the snapshot */
    bool scored;      /* counts in the spread */
    shoalSchedPressure pressure;
    double demandCores;
    unsigned long long committedKiB;
    /* of domains with a migration in flight that leaves it: their memory
     * stays committed there until they have gone */
    unsigned long long outgoingKiB;
    unsigned long long vcpus;
    /* the latest intervals in a row with CPU pressure over cpuThreshold,
     * and the lowest pressure among them */
    unsigned cpuHeldIntervals;
    double cpuHeldPressure;
} shoalSchedNodePressure;

/* The pressures of a whole snapshot. */
typedef struct _shoalSchedPressureReport {
    GArray *nodes; /* of shoalSchedNodePressure, in the snapshot's order */
    shoalSchedSpread spread;
    double imbalance;
    double cpuMean;
    double cpuMax;
    double memoryMean;
    double memoryMax;
} shoalSchedPressureReport;

shoalSchedPressureReport *shoalSchedPressureCompute(
    const shoalSchedSnapshot *snap,
    const shoalSchedConfig *config,
    GError **error);
void shoalSchedPressureReportFree(shoalSchedPressureReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedPressureReport,
                              shoalSchedPressureReportFree)

unsigned shoalSchedPressureHeld(const double *series,
                                size_t n,
                                double capacity,
                                double threshold,
                                double *lowest);

double shoalSchedPressureUsableKiB(const shoalSchedNode *node);

/*
 * A host as the destination of a move or a placement: its limits and what
 * counts on it. The planner and shoalSchedPlaceDomain() judge a
 * destination by the same rules, shoalSchedPressureDestinationCheck().
 */
typedef struct _shoalSchedDestination {
    double cpus;
    double usableKiB;      /* shoalSchedPressureUsableKiB() */
    double memoryLimitKiB; /* floor(usableKiB * memoryOvercommit) */
    double vcpuLimit;      /* floor(cpus * vcpuRatio) */
    double demandCores;    /* of the domains that count there */
    double reservedCores;  /* promised to vCPUs that a plan adds there */
    double committedKiB;   /* of the domains that count there */
    double outgoingKiB;    /* of migrations in flight that leave it */
    double vcpus;          /* of the domains that count there */
} shoalSchedDestination;

/* The first rule a destination breaks, in the order they are checked. */
typedef enum {
    SHOAL_SCHED_DESTINATION_FITS,
    SHOAL_SCHED_DESTINATION_MEMORY_LIMIT, /* memory overcommit */
    SHOAL_SCHED_DESTINATION_VCPU_LIMIT,   /* vCPU ratio */
    SHOAL_SCHED_DESTINATION_CPU_THRESHOLD,
    SHOAL_SCHED_DESTINATION_MEMORY_THRESHOLD,
    SHOAL_SCHED_DESTINATION_LAST
} shoalSchedDestinationFit;

void shoalSchedPressureDestinationInit(shoalSchedDestination *dest,
                                       const shoalSchedNode *node,
                                       const shoalSchedNodePressure *np,
                                       const shoalSchedConfig *config);
shoalSchedDestinationFit shoalSchedPressureDestinationCheck(
    const shoalSchedDestination *dest,
    const shoalSchedConfig *config,
    double demandCores,
    double memoryKiB,
    double vcpus,
    shoalSchedPressure *after);
