/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Readers of the benchmark's cluster formats, behind
 * shoalSchedSnapshotParseVmcluster() and shoalSchedSnapshotParseHtools(),
 * which document what they read and validate the result; these do not.
 */
#include <glib.h>
#include <json-c/json.h>

#include "sched_snapshot.h"

shoalSchedSnapshot *shoalSchedImportVmcluster(json_object *root,
                                              GError **error);
shoalSchedSnapshot *shoalSchedImportHtools(const char *text,
                                           const char *util,
                                           GError **error);
