/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <json-c/json.h>

#include "sched_plan.h"
#include "sched_snapshot.h"

/* The most NUMA cells a host may describe: cell ids are bits of a
 * guint64 nodeset. */
#define SHOAL_SCHED_NUMA_MAX_CELLS 64

/* One NUMA cell of a host. */
typedef struct _shoalSchedCell {
    unsigned id;                  /* the host's cell number, < 64 */
    unsigned cpus;                /* its CPUs */
    unsigned long long memoryMiB; /* its memory */
    unsigned long long freeMiB;   /* its free memory */
} shoalSchedCell;

/* Where a domain's vCPUs and memory go on one host. */
typedef struct _shoalSchedNumaFit {
    /* cells it needs there: 1 = fits in one; 0 = no NUMA decision (the
     * host describes no cells, or the domain opted out) */
    unsigned ncells;
    guint64 cells; /* the chosen cells, bit = cell id */
} shoalSchedNumaFit;

bool shoalSchedCellsParseJSON(json_object *obj,
                              const char *path,
                              const char *key,
                              GArray **cells,
                              GError **error);
void shoalSchedCellsFormatJSON(json_object *obj,
                               const char *key,
                               const GArray *cells);

void shoalSchedNumaFitCompute(const shoalSchedNode *node,
                              const shoalSchedDomain *dom,
                              shoalSchedNumaFit *fit);
unsigned shoalSchedNumaRank(const shoalSchedNode *node,
                            const shoalSchedDomain *dom);
char *shoalSchedNumaFormatNodeset(guint64 cells);
bool shoalSchedNumaParseNodeset(const char *text,
                                guint64 *cells,
                                GError **error);
GHashTable *shoalSchedNumaBestNodes(const shoalSchedSnapshot *snap,
                                    const shoalSchedDomain *dom);
void shoalSchedNumaAnnotatePlan(const shoalSchedSnapshot *snap,
                                shoalSchedPlan *plan);
void shoalSchedNumaCountSteps(const shoalSchedPlan *plan,
                              unsigned *one,
                              unsigned *spread);
