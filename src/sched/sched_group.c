/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_group.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

/*
 * Elastic groups: a group below its min grows and one above its max
 * shrinks at once. Otherwise, out of the cool-down after its last change:
 *
 * - out: when the members' average vCPU busy was above target in each of
 *   the latest holdIntervals, it grows to as many members as would carry
 *   the least loaded of those intervals at target, up to max;
 * - in: when it was below target in each of them and the busiest of them,
 *   spread over one member fewer, would still be under
 *   GROUP_SCALE_IN_BAND of target, the newest member goes.
 *
 * The second condition of scale-in is the hysteresis: a group that shrank
 * is well under target afterwards, so neither a load that flaps nor the
 * noise of one that hovers makes it grow and shrink in turn. Members without samples yet (just started)
 * count in no interval.
 */

/* after a scale-in, the busiest interval of the hold stays this far
 * under target */
#define GROUP_SCALE_IN_BAND 0.85

shoalSchedGroup *
shoalSchedGroupNew(const char *name, unsigned min, unsigned max, double target)
{
    shoalSchedGroup *group = g_new0(shoalSchedGroup, 1);

    group->name = g_strdup(name);
    group->min = min;
    group->max = max;
    group->target = target;
    group->members = g_new0(char *, 1);
    return group;
}

void
shoalSchedGroupFree(shoalSchedGroup *group)
{
    if (!group)
        return;
    g_free(group->name);
    g_strfreev(group->members);
    g_free(group);
}

void
shoalSchedGroupDecisionClear(shoalSchedGroupDecision *decision)
{
    g_clear_pointer(&decision->member, g_free);
    g_clear_pointer(&decision->reason, g_free);
}

/* The members' average vCPU busy @back intervals before the newest
 * (0: the newest), weighted by vCPUs; -1 when no member has it.
 * @sampled: set to how many members have it. */
static double
groupAverage(const shoalSchedGroup *group,
             const shoalSchedSnapshot *snap,
             unsigned back,
             unsigned *sampled)
{
    double busy = 0;
    double vcpus = 0;
    size_t i;

    *sampled = 0;
    for (i = 0; group->members[i]; i++) {
        const shoalSchedDomain *dom =
            shoalSchedSnapshotFindDomain(snap, group->members[i]);
        const shoalSchedSample *s;

        if (!dom || !dom->running || dom->samples->len <= back)
            continue;
        s = &g_array_index(dom->samples, shoalSchedSample,
                           dom->samples->len - 1 - back);
        busy += s->vcpuBusy * MAX(dom->vcpus, 1);
        vcpus += MAX(dom->vcpus, 1);
        (*sampled)++;
    }
    return vcpus > 0 ? busy / vcpus : -1;
}

static void
groupRemoveNewest(const shoalSchedGroup *group,
                  unsigned n,
                  const char *rule,
                  char *reason,
                  shoalSchedGroupDecision *decision)
{
    decision->action = SHOAL_SCHED_GROUP_REMOVE;
    decision->count = 1;
    decision->member = g_strdup(group->members[n - 1]);
    decision->rule = rule;
    decision->reason = reason;
}

/* Scale out or in on the load of the latest hold. */
static bool
groupDecideLoad(const shoalSchedGroup *group,
                const shoalSchedSnapshot *snap,
                const shoalSchedGroupPolicy *policy,
                unsigned n,
                shoalSchedGroupDecision *decision)
{
    unsigned hold = MAX(policy->holdIntervals, 1);
    double low = INFINITY;
    double high = 0;
    unsigned sampled = 0;
    unsigned i;

    for (i = 0; i < hold; i++) {
        unsigned count;
        double avg = groupAverage(group, snap, i, &count);

        if (i == 0)
            sampled = count;

        if (avg < 0)
            return false;
        low = MIN(low, avg);
        high = MAX(high, avg);
    }
    if (low > group->target && n < group->max) {
        /* the load the sampled members carry, at target; members still
         * starting carry none of it yet */
        unsigned want = (unsigned) ceil(low * sampled / group->target - 1e-9);

        decision->action = SHOAL_SCHED_GROUP_ADD;
        decision->count = CLAMP(want, n + 1, group->max) - n;
        decision->rule = "group-load";
        decision->reason =
            g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                        "its members' vCPUs were at least %1$.0f%% busy, above the target of %2$.0f%%, in each of the last %3$u interval",
                                        "its members' vCPUs were at least %1$.0f%% busy, above the target of %2$.0f%%, in each of the last %3$u intervals",
                                        hold),
                            low * 100, group->target * 100, hold);
        return true;
    }
    if (high < group->target && n > group->min && n > 1 &&
        high * n / (n - 1) < group->target * GROUP_SCALE_IN_BAND) {
        groupRemoveNewest(group, n, "group-idle",
                          g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                      "its members' vCPUs were at most %1$.0f%% busy in each of the last %2$u interval: one member fewer stays well under the target of %3$.0f%%",
                                                      "its members' vCPUs were at most %1$.0f%% busy in each of the last %2$u intervals: one member fewer stays well under the target of %3$.0f%%",
                                                      hold),
                                          high * 100, hold,
                                          group->target * 100),
                          decision);
        return true;
    }
    return false;
}

/**
 * shoalSchedGroupDecide:
 * @group: the group and its members
 * @snap: the cluster, with the members' samples
 * @policy: hold and cool-down
 * @decision: (out caller-allocates): what to do, when it returns true
 *
 * Decides whether @group grows or shrinks now (see the top of this
 * file). Pure: the caller adds or removes the members.
 *
 * Returns: whether @decision holds a change.
 */
bool
shoalSchedGroupDecide(const shoalSchedGroup *group,
                      const shoalSchedSnapshot *snap,
                      const shoalSchedGroupPolicy *policy,
                      shoalSchedGroupDecision *decision)
{
    unsigned n = g_strv_length(group->members);

    memset(decision, 0, sizeof(*decision));
    if (n < group->min) {
        decision->action = SHOAL_SCHED_GROUP_ADD;
        decision->count = group->min - n;
        decision->rule = "group-min";
        decision->reason =
            g_strdup_printf(_("the group has %1$u members, fewer than its minimum of %2$u"),
                            n, group->min);
        return true;
    }
    if (n > group->max) {
        groupRemoveNewest(group, n, "group-max",
                          g_strdup_printf(_("the group has %1$u members, more than its maximum of %2$u"),
                                          n, group->max),
                          decision);
        return true;
    }
    if (group->lastChangeMs != 0 &&
        snap->nowMs - group->lastChangeMs < policy->cooldownMs)
        return false;
    return groupDecideLoad(group, snap, policy, n, decision);
}
