/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster_admin_types.h"

/*
 * The executor: the one path every migration takes, whoever asks. It
 * limits concurrency, keeps the record of each migration, and runs the
 * step functions it is given (real hosts or a simulator).
 */

typedef struct _shoalExecConfig {
    unsigned maxPerSource;      /* default 2 */
    unsigned maxPerDestination; /* default 1 */
    unsigned maxTotal;          /* default 4 */
    unsigned timeoutBaseS;      /* abort after base + per GiB of memory */
    unsigned timeoutPerGiBS;
} shoalExecConfig;

void shoalExecConfigInit(shoalExecConfig *config);

/* One step of a plan: move a domain. Plain data. */
typedef struct _shoalExecStep {
    unsigned char uuid[16];
    char *domain;
    char *from;
    char *to;
    char *reason;
    unsigned long long memoryKiB;
} shoalExecStep;

void shoalExecStepClear(shoalExecStep *step);

typedef struct _shoalExecRecord shoalExecRecord;

/* Updates a running migration's progress; any thread. */
void shoalExecRecordProgress(shoalExecRecord *rec,
                             unsigned long long total,
                             unsigned long long processed);

void shoalExecRecordDowntime(shoalExecRecord *rec,
                             unsigned long long downtimeMs);

/* Whether the migration ran past its time limit; the step aborts it. */
bool shoalExecRecordOverdue(shoalExecRecord *rec);

/*
 * The step functions, a table passed in: precondition re-checks against
 * live state (a stale step fails, it is never repaired), then the move.
 */
typedef struct _shoalExecOps {
    bool (*check)(gpointer opaque, const shoalExecStep *step, GError **error);
    bool (*migrate)(gpointer opaque,
                    const shoalExecStep *step,
                    shoalExecRecord *rec,
                    GError **error);
} shoalExecOps;

typedef struct _shoalExec shoalExec;

shoalExec *shoalExecNew(const shoalExecConfig *config);

void shoalExecFree(shoalExec *exec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalExec, shoalExecFree)

bool shoalExecRun(shoalExec *exec,
                  const shoalExecOps *ops,
                  gpointer opaque,
                  const shoalExecStep *step,
                  GError **error);

bool shoalExecIsMigrating(shoalExec *exec, const unsigned char *uuid);

GPtrArray *shoalExecList(shoalExec *exec);

unsigned shoalExecRunning(shoalExec *exec);
