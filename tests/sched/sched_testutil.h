/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers shared by the scheduler's tests: expected files (compared, or
 * rewritten with SHOAL_TEST_REGENERATE=1), the check that every data
 * file is used, and generated clusters for property tests.
 */
#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "sched.h"

char *schedTestDataPath(const char *dir, const char *file);
char *schedTestReadFile(const char *path);
unsigned schedTestForeachFile(const char *dir,
                              const char *suffix,
                              void (*check)(const char *text));
void schedTestCompare(const char *path, const char *actual);
void schedTestCheckDataUsed(const char *dir,
                            const char *const *cases,
                            const char *const *suffixes);

/* A document a parser must reject, and the message it must give. */
typedef struct {
    const char *json;
    const char *message;
} schedTestParseError;

/* A parser such as shoalSchedPlanParseJSON(): NULL with @error set. */
typedef gpointer (*schedTestParseFunc)(const char *json, GError **error);

void schedTestCheckParseErrors(const schedTestParseError *cases,
                               size_t ncases,
                               schedTestParseFunc parse);

shoalSchedSnapshot *schedTestRandomCluster(GRand *rand,
                                           shoalSchedConfig *config);
shoalSchedSnapshot *schedTestShuffled(const shoalSchedSnapshot *snap,
                                      GRand *rand);
GPtrArray *schedTestRepeat(const shoalSchedSnapshot *snap, unsigned rounds);
void schedTestCheckPlan(const shoalSchedSnapshot *snap,
                        const shoalSchedConfig *config,
                        const shoalSchedPlan *plan);
