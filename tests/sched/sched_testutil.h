/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers shared by the scheduler's tests: expected files (compared, or
 * rewritten with SHOAL_TEST_REGENERATE=1), the check that every data
 * file is used, and generated clusters for property tests.
 */
#include <stdbool.h>

#include <glib.h>

#include "sched.h"

char *schedTestDataPath(const char *dir, const char *file);
char *schedTestReadFile(const char *path);
void schedTestCompare(const char *path, const char *actual);
void schedTestCheckDataUsed(const char *dir,
                            const char *const *cases,
                            const char *const *suffixes);

shoalSchedSnapshot *schedTestRandomCluster(GRand *rand,
                                           shoalSchedConfig *config);
shoalSchedSnapshot *schedTestShuffled(const shoalSchedSnapshot *snap,
                                      GRand *rand);
GPtrArray *schedTestRepeat(const shoalSchedSnapshot *snap, unsigned rounds);
void schedTestCheckPlan(const shoalSchedSnapshot *snap,
                        const shoalSchedConfig *config,
                        const shoalSchedPlan *plan);
