/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Elastic groups (issue 12 part 5): the policy on golden cases
 * (tests/data/sched/group/NAME.json: a group, its members' vCPU busy
 * and the decision expected), and the simulator over load traces.
 */
#include <config.h>

#include <math.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-c/json.h>

#include "sched.h"
#include "sched_group.h"
#include "sched_group_sim.h"
#include "sched_json.h"
#include "sched_testutil.h"

static const char *const groupCases[] = {
    "grow",       "grow-many",       "shrink",    "at-min",
    "at-max",     "below-min",       "above-max", "cooldown",
    "short-hold", "flap-hysteresis", "booting",   NULL,
};

static json_object *
groupGet(json_object *obj, const char *key)
{
    json_object *val = NULL;

    if (!json_object_object_get_ex(obj, key, &val))
        g_error("golden case lacks '%s'", key);
    return val;
}

static shoalSchedDomain *
groupMember(json_object *m)
{
    json_object *busy = groupGet(m, "busy");
    shoalSchedDomain *dom =
        shoalSchedDomainNew(json_object_get_string(groupGet(m, "name")));
    size_t i;

    dom->vcpus = 1;
    for (i = 0; i < json_object_array_length(busy); i++) {
        shoalSchedSample s = { 0 };

        s.vcpuBusy = json_object_get_double(json_object_array_get_idx(busy, i));
        g_array_append_val(dom->samples, s);
    }
    return dom;
}

static void
testGroupCase(gconstpointer data)
{
    g_autofree char *file = g_strconcat(data, ".json", NULL);
    g_autofree char *path = schedTestDataPath("group", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(json_object) obj = json_tokener_parse(text);
    json_object *g = groupGet(obj, "group");
    json_object *members = groupGet(obj, "members");
    json_object *expect = groupGet(obj, "expect");
    const char *action = json_object_get_string(groupGet(expect, "action"));
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedGroup) group = NULL;
    g_autoptr(GStrvBuilder) names = g_strv_builder_new();
    g_auto(shoalSchedGroupDecision) d = { 0 };
    shoalSchedGroupPolicy policy = { 0 };
    json_object *val;
    size_t i;
    bool changed;

    g_assert_nonnull(obj);
    group = shoalSchedGroupNew("web", json_object_get_int(groupGet(g, "min")),
                               json_object_get_int(groupGet(g, "max")),
                               json_object_get_int(groupGet(g, "target_cpu")) /
                                   100.0);
    group->lastChangeMs =
        json_object_get_int64(groupGet(g, "last_change_s")) * 1000;
    policy.holdIntervals = json_object_get_int(groupGet(obj, "hold"));
    policy.cooldownMs =
        json_object_get_int64(groupGet(obj, "cooldown_s")) * 1000;
    snap->nowMs = json_object_get_int64(groupGet(obj, "now_s")) * 1000;
    snap->intervalMs = 60000;
    for (i = 0; i < json_object_array_length(members); i++) {
        shoalSchedDomain *dom =
            groupMember(json_object_array_get_idx(members, i));

        g_strv_builder_add(names, dom->name);
        g_ptr_array_add(snap->domains, dom);
    }
    g_strfreev(group->members);
    group->members = g_strv_builder_end(names);

    changed = shoalSchedGroupDecide(group, snap, &policy, &d);
    if (g_str_equal(action, "keep")) {
        g_assert_false(changed);
        return;
    }
    g_assert_true(changed);
    g_assert_nonnull(d.reason);
    g_assert_cmpstr(d.rule, ==,
                    json_object_get_string(groupGet(expect, "rule")));
    if (g_str_equal(action, "add")) {
        g_assert_cmpint(d.action, ==, SHOAL_SCHED_GROUP_ADD);
        g_assert_cmpuint(d.count, ==,
                         json_object_get_int(groupGet(expect, "count")));
    } else {
        g_assert_cmpstr(action, ==, "remove");
        g_assert_cmpint(d.action, ==, SHOAL_SCHED_GROUP_REMOVE);
        g_assert_true(json_object_object_get_ex(expect, "member", &val));
        g_assert_cmpstr(d.member, ==, json_object_get_string(val));
    }
}

static shoalSchedGroupTrace *
groupTrace(unsigned min, unsigned max, size_t n)
{
    shoalSchedGroupTrace *trace = g_new0(shoalSchedGroupTrace, 1);

    trace->min = min;
    trace->max = max;
    trace->target = 0.6;
    trace->vcpus = 2;
    trace->intervalSeconds = 60;
    trace->graceSeconds = 60;
    trace->policy.holdIntervals = 3;
    trace->policy.cooldownMs = 300000;
    trace->demand = g_array_sized_new(FALSE, TRUE, sizeof(double), n);
    return trace;
}

/* A load that flaps every two intervals around what one member fewer
 * would carry: the group settles, never adds and removes in turn. */
static void
testGroupFlap(void)
{
    g_autoptr(shoalSchedGroupTrace) trace = groupTrace(1, 8, 600);
    g_autoptr(shoalSchedGroupRun) run = NULL;
    size_t t;

    for (t = 0; t < 600; t++) {
        double d = (t / 2) % 2 ? 3.0 : 4.4;

        g_array_append_val(trace->demand, d);
    }
    run = shoalSchedGroupSimulate(trace);
    g_assert_cmpuint(run->reversals, ==, 0);
    g_assert_cmpuint(run->removes, ==, 0);
    g_assert_cmpuint(run->fewest, >=, 1);
    g_assert_cmpuint(run->most, <=, 8);
}

/* A day: a daily curve with noise, from min to near max and back; the
 * VM-hours within 20 % of the oracle's, never below min. */
static void
testGroupDay(void)
{
    g_autoptr(shoalSchedGroupTrace) trace = groupTrace(2, 12, 1440);
    g_autoptr(shoalSchedGroupRun) run = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed(12);
    size_t t;

    for (t = 0; t < 1440; t++) {
        double hour = t / 60.0;
        double curve =
            0.15 + 0.85 * (0.5 - 0.5 * cos(2 * G_PI * (hour - 3) / 24));
        double d = 13.0 * curve * g_rand_double_range(rand, 0.9, 1.1);

        g_array_append_val(trace->demand, d);
    }
    run = shoalSchedGroupSimulate(trace);
    g_test_message("VM-hours %.2f, oracle %.2f, %u reversals", run->vmHours,
                   run->oracleHours, run->reversals);
    g_assert_cmpuint(run->fewest, >=, 2);
    g_assert_cmpuint(run->most, <=, 12);
    g_assert_cmpuint(run->adds, >, 0);
    g_assert_cmpuint(run->removes, >, 0);
    g_assert_cmpuint(run->reversals, ==, 0);
    g_assert_cmpuint(run->overloaded, ==, 0);
    g_assert_cmpfloat(run->vmHours, <=, run->oracleHours * 1.2);
    g_assert_cmpfloat(run->vmHours, >=, run->oracleHours * 0.8);
}

static void
testGroupTraceParse(void)
{
    static const schedTestParseError bad[] = {
        { "{\"min\":3,\"max\":2,\"target_cpu\":60,\"vcpus\":1,"
          "\"interval_s\":60,\"hold\":1,\"cooldown_s\":0,\"grace_s\":0,"
          "\"demand\":[]}",
          "a group trace needs 1 <= max, min <= max, and a target, vCPUs "
          "and interval above 0" },
        { "{\"min\":1,\"max\":2,\"target_cpu\":60,\"vcpus\":1,"
          "\"interval_s\":60,\"hold\":1,\"cooldown_s\":0,\"grace_s\":0,"
          "\"demand\":[-1]}",
          "'demand[0]' must not be negative" },
        { "{\"min\":1}", "'max' is missing" },
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedGroupTrace) trace =
        shoalSchedGroupTraceParseJSON("{\"min\":1,\"max\":2,\"target_cpu\":50,\"vcpus\":1,"
                                      "\"interval_s\":60,\"hold\":1,\"cooldown_s\":0,\"grace_s\":0,"
                                      "\"demand\":[0.2, 1.5]}",
                                      &error);

    g_assert_no_error(error);
    g_assert_cmpuint(trace->demand->len, ==, 2);
    g_assert_cmpfloat(trace->target, ==, 0.5);
    schedTestCheckParseErrors(bad, G_N_ELEMENTS(bad),
                              (schedTestParseFunc)
                                  shoalSchedGroupTraceParseJSON);
}

/* shoalctl simulate-group: a trace file in, the run out */
static void
testGroupCli(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    g_autoptr(json_object) obj = NULL;
    int fd = g_file_open_tmp("group-XXXXXX.json", &path, &error);
    const char *text =
        "{\"min\":1,\"max\":3,\"target_cpu\":50,\"vcpus\":1,"
        "\"interval_s\":60,\"hold\":1,\"cooldown_s\":0,\"grace_s\":0,"
        "\"demand\":[0.2,1.4,1.4,1.4,0.2,0.2,0.2,0.2]}";

    g_assert_no_error(error);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    out = shoalSchedCliSimulateGroup(path, true, &error);
    g_unlink(path);
    g_assert_no_error(error);
    obj = json_tokener_parse(out);
    g_assert_nonnull(obj);
    /* 1.4 vCPUs at 50 %: 3 members, then back to 1 */
    g_assert_cmpint(json_object_get_int(groupGet(obj, "most")), ==, 3);
    g_assert_cmpint(json_object_get_int(groupGet(obj, "fewest")), ==, 1);
    g_assert_cmpint(json_object_get_int(groupGet(obj, "removes")), ==, 2);
    g_clear_pointer(&out, g_free);
    g_assert_null(shoalSchedCliSimulateGroup(path, false, &error));
    g_assert_nonnull(error);
}

int
main(int argc, char **argv)
{
    static const char *const suffixes[] = { ".json", NULL };
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; groupCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/group/case/%s", groupCases[i]);

        g_test_add_data_func(path, groupCases[i], testGroupCase);
    }
    g_test_add_func("/sched/group/flap", testGroupFlap);
    g_test_add_func("/sched/group/day", testGroupDay);
    g_test_add_func("/sched/group/trace-parse", testGroupTraceParse);
    g_test_add_func("/sched/group/cli", testGroupCli);
    schedTestCheckDataUsed("group", groupCases, suffixes);
    return g_test_run();
}
