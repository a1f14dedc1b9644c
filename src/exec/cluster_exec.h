/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster_migration.h"
#include "sched.h"

/*
 * The executor: the one path every plan step takes, whoever asks (a
 * client's migration, maintenance, the scheduler round). Steps are queued;
 * a fixed pool of workers runs those whose concurrency slot is free, so a
 * host with 200 domains in maintenance costs 200 queue entries, not 200
 * threads. Before a step runs, the executor checks the step's own
 * preconditions against live state with shoalSchedPreconditionCheck(),
 * the test sched's simulator uses: a stale step is dropped, never
 * repaired. Every outcome is recorded; a step that fails is logged here,
 * once, and its callers only count or return the error.
 */

typedef struct _shoalExecConfig {
    unsigned maxPerSource;      /* migrations, default 2 */
    unsigned maxPerDestination; /* migrations, default 1 */
    unsigned maxTotal;          /* migrations, default 4 */
    unsigned maxResizes;        /* vCPU and balloon steps, default 4 */
    unsigned timeoutBaseS;      /* abort after base + per GiB of memory */
    unsigned timeoutPerGiBS;
} shoalExecConfig;

void shoalExecConfigInit(shoalExecConfig *config);

/* One step: move a domain, or change its vCPUs or balloon; a plan's
 * step, or one made alike for a move no plan made. Plain data. */
typedef struct _shoalExecStep {
    unsigned char uuid[16];
    shoalSchedStep *plan; /* owned: action, hosts, value, preconditions */
} shoalExecStep;

shoalExecStep *shoalExecStepNew(shoalSchedAction action,
                                const unsigned char *uuid,
                                const char *domain,
                                const char *from,
                                const char *to,
                                const char *reason);

shoalExecStep *shoalExecStepNewFromPlan(const shoalSchedStep *step,
                                        const unsigned char *uuid);

void shoalExecStepAddMoveChecks(shoalExecStep *step);

void shoalExecStepFree(shoalExecStep *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalExecStep, shoalExecStepFree)

typedef struct _shoalExecRecord shoalExecRecord;

/* Updates a running migration's progress; any thread. */
void shoalExecRecordProgress(shoalExecRecord *rec,
                             unsigned long long total,
                             unsigned long long processed);

void shoalExecRecordDowntime(shoalExecRecord *rec,
                             unsigned long long downtimeMs);

/* Whether the step ran past its time limit or was cancelled: the step
 * function then aborts it. */
bool shoalExecRecordShouldAbort(shoalExecRecord *rec);

/*
 * The step functions, a table passed in (real hosts, or a test's fakes).
 * Worker threads. begin, end and check may be NULL.
 */
typedef struct _shoalExecOps {
    /* The live state the preconditions are checked against, or NULL if
     * the domain or host is unknown. (transfer full) */
    shoalSchedDomain *(*lookupDomain)(gpointer opaque, const char *name);
    shoalSchedNode *(*lookupNode)(gpointer opaque, const char *name);
    /* Takes what the step holds while it runs (the domain's job), before
     * its checks; end releases it, @ran: the step's action was tried. */
    bool (*begin)(gpointer opaque, const shoalExecStep *step, GError **error);
    void (*end)(gpointer opaque, const shoalExecStep *step, bool ran);
    /* Live checks the plan cannot state, e.g. room on the destination. */
    bool (*check)(gpointer opaque, const shoalExecStep *step, GError **error);
    bool (*migrate)(gpointer opaque,
                    const shoalExecStep *step,
                    shoalExecRecord *rec,
                    GError **error);
    bool (*setVcpus)(gpointer opaque,
                     const shoalExecStep *step,
                     GError **error);
    bool (*setBalloon)(gpointer opaque,
                       const shoalExecStep *step,
                       GError **error);
    /* Requests step->plan->value KiB of the domain's virtio-mem device;
     * NULL: not supported (the step fails). */
    bool (*setVirtioMem)(gpointer opaque,
                         const shoalExecStep *step,
                         GError **error);
    /* Around a migration's action (its override's too), after the fence:
     * record it as in flight durably, so that a successor follows it;
     * failing keeps the migration from starting. Both or neither. */
    bool (*recordMigration)(gpointer opaque,
                            const shoalExecStep *step,
                            GError **error);
    void (*forgetMigration)(gpointer opaque, const shoalExecStep *step);
} shoalExecOps;

typedef struct _shoalExec shoalExec;

shoalExec *shoalExecNew(const shoalExecConfig *config);

void shoalExecFree(shoalExec *exec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalExec, shoalExecFree)

void shoalExecSetMigrateOverride(shoalExec *exec,
                                 const shoalExecOps *ops,
                                 gpointer opaque);

/* Whether this daemon may change hosts now; false with @error set stops
 * the step before its action (see shoalExecSetFence()). Any thread. */
typedef bool (*shoalExecFenceFunc)(gpointer opaque, GError **error);

void shoalExecSetFence(shoalExec *exec,
                       shoalExecFenceFunc fence,
                       gpointer opaque);

/*
 * A set of steps queued together, waited for together. An ordered batch
 * runs its steps one after another, in order (a plan's steps may depend on
 * the ones before); an unordered one as the limits allow. Steps of one
 * domain never overlap, whatever batch they belong to.
 */
typedef struct _shoalExecBatch shoalExecBatch;

shoalExecBatch *shoalExecBatchNew(shoalExec *exec,
                                  const shoalExecOps *ops,
                                  gpointer opaque,
                                  bool ordered);

void shoalExecBatchAdd(shoalExecBatch *batch, shoalExecStep *step);

unsigned shoalExecBatchWait(shoalExecBatch *batch);

const GError *shoalExecBatchGetError(shoalExecBatch *batch, guint index);

void shoalExecBatchFree(shoalExecBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalExecBatch, shoalExecBatchFree)

bool shoalExecRun(shoalExec *exec,
                  const shoalExecOps *ops,
                  gpointer opaque,
                  shoalExecStep *step,
                  GError **error);

bool shoalExecCancel(shoalExec *exec, const unsigned char *uuid);

bool shoalExecIsMigrating(shoalExec *exec, const unsigned char *uuid);

GPtrArray *shoalExecList(shoalExec *exec, bool all);

unsigned shoalExecRunning(shoalExec *exec);
