/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_group_sim.h"

#include <math.h>

#include <glib/gi18n.h>
#include <json-c/json.h>

#include "sched_error.h"
#include "sched_json.h"

/*
 * The model: the demand of an interval spreads evenly over the members
 * that run (busy = demand / their vCPUs, at most 1). A member added in a
 * round starts sharing the load in the next interval; a removed one
 * leaves at once but is counted for its grace period (its shutdown).
 */

void
shoalSchedGroupTraceFree(shoalSchedGroupTrace *trace)
{
    if (!trace)
        return;
    if (trace->demand)
        g_array_unref(trace->demand);
    g_free(trace);
}

void
shoalSchedGroupRunFree(shoalSchedGroupRun *run)
{
    if (!run)
        return;
    if (run->members)
        g_array_unref(run->members);
    g_free(run);
}

static bool
groupTraceDemand(json_object *item,
                 const char *path,
                 gpointer data,
                 GError **error)
{
    GArray *demand = data;
    double d;

    if (!shoalSchedJsonToDouble(item, path, &d, error))
        return false;
    if (d < 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must not be negative"), path);
        return false;
    }
    g_array_append_val(demand, d);
    return true;
}

/**
 * shoalSchedGroupTraceParseJSON:
 *
 * Reads {"min", "max", "target_cpu" (percent), "vcpus", "interval_s",
 * "hold", "cooldown_s", "grace_s", "demand": [vCPUs busy, ...]}.
 */
shoalSchedGroupTrace *
shoalSchedGroupTraceParseJSON(const char *json, GError **error)
{
    static const char *const known[] = {
        "min",  "max",        "target_cpu", "vcpus",  "interval_s",
        "hold", "cooldown_s", "grace_s",    "demand", NULL
    };
    g_autoptr(json_object) obj = shoalSchedJsonParse(json, error);
    g_autoptr(shoalSchedGroupTrace) trace = g_new0(shoalSchedGroupTrace, 1);
    guint64 min, max, target, vcpus, interval, hold, cooldown, grace;

    if (!obj || !shoalSchedJsonCheckType(obj, "", json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, "", known, error) ||
        !shoalSchedJsonGetUInt64(obj, "", "min", true, 1000, &min, error) ||
        !shoalSchedJsonGetUInt64(obj, "", "max", true, 1000, &max, error) ||
        !shoalSchedJsonGetUInt64(obj, "", "target_cpu", true, 100, &target,
                                 error) ||
        !shoalSchedJsonGetUInt64(obj, "", "vcpus", true, 1024, &vcpus, error) ||
        !shoalSchedJsonGetUInt64(obj, "", "interval_s", true, 86400, &interval,
                                 error) ||
        !shoalSchedJsonGetUInt64(obj, "", "hold", true, 1000, &hold, error) ||
        !shoalSchedJsonGetUInt64(obj, "", "cooldown_s", true, 86400, &cooldown,
                                 error) ||
        !shoalSchedJsonGetUInt64(obj, "", "grace_s", true, 86400, &grace,
                                 error))
        return NULL;
    if (max == 0 || min > max || target == 0 || vcpus == 0 || interval == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("a group trace needs 1 <= max, min <= max, and a target, vCPUs and interval above 0"));
        return NULL;
    }
    trace->demand = g_array_new(FALSE, TRUE, sizeof(double));
    if (!shoalSchedJsonParseList(obj, "", "demand", true, groupTraceDemand,
                                 trace->demand, error))
        return NULL;
    trace->min = min;
    trace->max = max;
    trace->target = target / 100.0;
    trace->vcpus = vcpus;
    trace->intervalSeconds = interval;
    trace->graceSeconds = grace;
    trace->policy.holdIntervals = hold;
    trace->policy.cooldownMs = (gint64) cooldown * 1000;
    return g_steal_pointer(&trace);
}

/* A simulated member: its samples, and whether it shares the load yet. */
typedef struct {
    char *name;
    GArray *busy; /* of double */
} groupSimMember;

static void
groupSimMemberFree(groupSimMember *m)
{
    g_free(m->name);
    g_array_unref(m->busy);
    g_free(m);
}

/* The snapshot of the round ending interval @t: the members' samples. */
static shoalSchedSnapshot *
groupSimSnapshot(const shoalSchedGroupTrace *trace,
                 GPtrArray *members,
                 size_t t)
{
    shoalSchedSnapshot *snap = shoalSchedSnapshotNew();
    guint i, j;

    snap->intervalMs = trace->intervalSeconds * 1000;
    snap->nowMs = (gint64) (t + 1) * snap->intervalMs;
    for (i = 0; i < members->len; i++) {
        const groupSimMember *m = members->pdata[i];
        shoalSchedDomain *dom = shoalSchedDomainNew(m->name);

        dom->vcpus = trace->vcpus;
        for (j = 0; j < m->busy->len; j++) {
            shoalSchedSample s = { 0 };

            s.vcpuBusy = g_array_index(m->busy, double, j);
            g_array_append_val(dom->samples, s);
        }
        g_ptr_array_add(snap->domains, dom);
    }
    return snap;
}

static shoalSchedGroup *
groupSimGroup(const shoalSchedGroupTrace *trace,
              GPtrArray *members,
              gint64 lastChangeMs)
{
    shoalSchedGroup *group =
        shoalSchedGroupNew("sim", trace->min, trace->max, trace->target);
    g_autoptr(GStrvBuilder) names = g_strv_builder_new();
    guint i;

    for (i = 0; i < members->len; i++)
        g_strv_builder_add(names, ((groupSimMember *) members->pdata[i])->name);
    g_strfreev(group->members);
    group->members = g_strv_builder_end(names);
    group->lastChangeMs = lastChangeMs;
    return group;
}

typedef struct {
    const shoalSchedGroupTrace *trace;
    shoalSchedGroupRun *run;
    GPtrArray *members; /* of groupSimMember, oldest first */
    unsigned serial;
    int lastDirection; /* +1 added, -1 removed, 0 none yet */
    gint64 lastChangeMs;
    double leavingSeconds; /* grace of removed members, still counted */
} groupSim;

static void
groupSimApply(groupSim *sim, const shoalSchedGroupDecision *d, gint64 nowMs)
{
    int direction = d->action == SHOAL_SCHED_GROUP_ADD ? 1 : -1;
    gint64 window = sim->trace->policy.cooldownMs +
                    (gint64) sim->trace->policy.holdIntervals *
                        sim->trace->intervalSeconds * 1000;
    unsigned i;

    if (sim->lastDirection == -direction && nowMs - sim->lastChangeMs <= window)
        sim->run->reversals++;
    sim->lastDirection = direction;
    sim->lastChangeMs = nowMs;
    if (d->action == SHOAL_SCHED_GROUP_ADD) {
        for (i = 0; i < d->count; i++) {
            groupSimMember *m = g_new0(groupSimMember, 1);

            m->name = g_strdup_printf("m-%u", ++sim->serial);
            m->busy = g_array_new(FALSE, TRUE, sizeof(double));
            g_ptr_array_add(sim->members, m);
        }
        sim->run->adds += d->count;
        return;
    }
    g_ptr_array_remove_index(sim->members, sim->members->len - 1);
    sim->run->removes++;
    sim->leavingSeconds += sim->trace->graceSeconds;
}

/* One interval: the load over the members, then the round after it. */
static void
groupSimInterval(groupSim *sim, size_t t)
{
    const shoalSchedGroupTrace *trace = sim->trace;
    double demand = g_array_index(trace->demand, double, t);
    double hours = trace->intervalSeconds / 3600.0;
    unsigned n = sim->members->len;
    unsigned need =
        (unsigned) ceil(demand / (trace->target * trace->vcpus) - 1e-9);
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedGroup) group = NULL;
    g_auto(shoalSchedGroupDecision) d = { 0 };
    double busy = n ? MIN(1.0, demand / ((double) n * trace->vcpus)) : 1;
    guint i;

    for (i = 0; i < n; i++)
        g_array_append_val(((groupSimMember *) sim->members->pdata[i])->busy,
                           busy);
    if (demand > (double) n * trace->vcpus)
        sim->run->overloaded++;
    sim->run->vmHours += n * hours;
    sim->run->oracleHours += CLAMP(need, trace->min, trace->max) * hours;
    sim->run->fewest = MIN(sim->run->fewest, n);
    sim->run->most = MAX(sim->run->most, n);
    g_array_append_val(sim->run->members, n);
    snap = groupSimSnapshot(trace, sim->members, t);
    group = groupSimGroup(trace, sim->members, sim->lastChangeMs);
    if (shoalSchedGroupDecide(group, snap, &trace->policy, &d))
        groupSimApply(sim, &d, snap->nowMs);
}

/**
 * shoalSchedGroupSimulate:
 *
 * Runs the group policy over @trace, starting at min members (at least
 * one), one round after each interval.
 *
 * Returns: (transfer full): the VM-hours, the oracle's and the changes.
 */
shoalSchedGroupRun *
shoalSchedGroupSimulate(const shoalSchedGroupTrace *trace)
{
    g_autoptr(GPtrArray) members =
        g_ptr_array_new_with_free_func((GDestroyNotify) groupSimMemberFree);
    groupSim sim = { trace, g_new0(shoalSchedGroupRun, 1), members, 0, 0, 0, 0 };
    unsigned start = MAX(trace->min, 1);
    size_t t;

    sim.run->members = g_array_new(FALSE, TRUE, sizeof(unsigned));
    sim.run->fewest = G_MAXUINT;
    for (; sim.serial < start;) {
        groupSimMember *m = g_new0(groupSimMember, 1);

        m->name = g_strdup_printf("m-%u", ++sim.serial);
        m->busy = g_array_new(FALSE, TRUE, sizeof(double));
        g_ptr_array_add(members, m);
    }
    for (t = 0; t < trace->demand->len; t++)
        groupSimInterval(&sim, t);
    sim.run->vmHours += sim.leavingSeconds / 3600.0;
    if (sim.run->fewest == G_MAXUINT)
        sim.run->fewest = 0;
    return sim.run;
}

/* Returns: (transfer full): the run as text or as JSON. */
char *
shoalSchedGroupRunFormat(const shoalSchedGroupRun *run, bool json)
{
    double ratio = run->oracleHours > 0 ? run->vmHours / run->oracleHours : 0;

    if (json) {
        g_autoptr(json_object) obj = json_object_new_object();

        json_object_object_add(obj, "vm_hours",
                               shoalSchedJsonNewRounded(run->vmHours, 3));
        json_object_object_add(obj, "oracle_hours",
                               shoalSchedJsonNewRounded(run->oracleHours, 3));
        json_object_object_add(obj, "ratio",
                               shoalSchedJsonNewRounded(ratio, 4));
        json_object_object_add(obj, "fewest",
                               json_object_new_int64(run->fewest));
        json_object_object_add(obj, "most", json_object_new_int64(run->most));
        json_object_object_add(obj, "adds", json_object_new_int64(run->adds));
        json_object_object_add(obj, "removes",
                               json_object_new_int64(run->removes));
        json_object_object_add(obj, "reversals",
                               json_object_new_int64(run->reversals));
        json_object_object_add(obj, "overloaded_intervals",
                               json_object_new_int64(run->overloaded));
        return shoalSchedJsonFormat(obj);
    }
    return g_strdup_printf(_("VM-hours: %1$.2f (oracle %2$.2f, ratio %3$.3f)\n"
                             "Members: %4$u to %5$u, %6$u added, %7$u removed, %8$u reversals\n"
                             "Overloaded intervals: %9$u\n"),
                           run->vmHours, run->oracleHours, ratio, run->fewest,
                           run->most, run->adds, run->removes, run->reversals,
                           run->overloaded);
}

/**
 * shoalSchedCliSimulateGroup:
 * @path: a group trace (shoalSchedGroupTraceParseJSON())
 *
 * Returns: (transfer full): what `shoalctl simulate-group` prints, or
 *   NULL with @error set.
 */
char *
shoalSchedCliSimulateGroup(const char *path, bool json, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(shoalSchedGroupTrace) trace = NULL;
    g_autoptr(shoalSchedGroupRun) run = NULL;

    if (!g_file_get_contents(path, &text, NULL, error) ||
        !(trace = shoalSchedGroupTraceParseJSON(text, error)))
        return NULL;
    run = shoalSchedGroupSimulate(trace);
    return shoalSchedGroupRunFormat(run, json);
}
