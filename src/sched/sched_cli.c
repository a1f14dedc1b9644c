/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_cli.h"

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_planner.h"
#include "sched_simulate.h"
#include "sched_snapshot.h"

/**
 * shoalSchedCliPlan:
 * @snapshotPath: a snapshot file (see shoalSchedSnapshotLoad())
 * @utilPath: (nullable): an htools utilisation file
 * @json: the plan as JSON (shoalSchedPlanFormatJSON()) rather than text
 * @error: return location for an error
 *
 * Plans one round for the snapshot, with the configuration recorded in
 * it (a benchmark file's limits) or the defaults.
 *
 * Returns: (transfer full): what to print, or NULL with @error set as
 * shoalSchedSnapshotLoad() and shoalSchedPlanCompute() set it.
 */
char *
shoalSchedCliPlan(const char *snapshotPath,
                  const char *utilPath,
                  bool json,
                  GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    shoalSchedConfig config;

    snap = shoalSchedSnapshotLoad(snapshotPath, utilPath, error);
    if (!snap)
        return NULL;
    shoalSchedSnapshotGetConfig(snap, &config);
    plan = shoalSchedPlanCompute(snap, &config, error);
    if (!plan)
        return NULL;
    return json ? shoalSchedPlanFormatJSON(plan)
                : shoalSchedPlanFormatText(plan);
}

/**
 * shoalSchedCliSimulate:
 * @paths: snapshot files in time order, NULL-terminated
 * @json: the result as JSON rather than text
 * @error: return location for an error
 *
 * Replays the snapshots through the planner (shoalSchedSimulate()), with
 * the configuration recorded in the first or the defaults.
 *
 * Returns: (transfer full): what to print, or NULL with @error set.
 */
char *
shoalSchedCliSimulate(const char *const *paths, bool json, GError **error)
{
    g_autoptr(GPtrArray) snaps = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedSnapshotUnref);
    g_autoptr(shoalSchedSimulation) sim = NULL;
    shoalSchedConfig config;
    size_t i;

    for (i = 0; paths && paths[i]; i++) {
        shoalSchedSnapshot *snap =
            shoalSchedSnapshotLoad(paths[i], NULL, error);

        if (!snap)
            return NULL;
        g_ptr_array_add(snaps, snap);
    }
    if (snaps->len == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("a simulation needs at least one snapshot"));
        return NULL;
    }
    shoalSchedSnapshotGetConfig(g_ptr_array_index(snaps, 0), &config);
    sim = shoalSchedSimulate(snaps, &config, error);
    if (!sim)
        return NULL;
    return json ? shoalSchedSimulationFormatJSON(sim)
                : shoalSchedSimulationFormatText(sim);
}
