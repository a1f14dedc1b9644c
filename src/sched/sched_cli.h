/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The offline scheduler for the command line (shoalctl plan, shoalctl
 * simulate): read snapshot files, plan or simulate, return what to print.
 */
#include <stdbool.h>

#include <glib.h>

char *shoalSchedCliPlan(const char *snapshotPath,
                        const char *utilPath,
                        bool json,
                        GError **error);
char *shoalSchedCliSimulate(const char *const *paths,
                            bool json,
                            GError **error);
