/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for power-saving mode (sched_power.c). Cases in
 * tests/data/sched/power/:
 *   <case>.snapshot.json  the cluster, with power_saving in its config
 *   <case>.plan.json      the expected plan, compared exactly
 *   <case>.summary        the plan as text
 * and flap.snapshot.json, the base of a generated load trace whose
 * simulation (flap.txt) must change the hosts' power only as the load
 * really changes. SHOAL_TEST_REGENERATE=1 rewrites the expected files.
 */

#include <config.h>

#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_testutil.h"

static const char *const powerCases[] = {
    "consolidate",
    "wake",
    NULL,
};

static shoalSchedSnapshot *
powerLoad(const char *name, shoalSchedConfig *config)
{
    g_autofree char *file = g_strconcat(name, ".snapshot.json", NULL);
    g_autofree char *path = schedTestDataPath("power", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(GError) error = NULL;
    shoalSchedSnapshot *snap = shoalSchedSnapshotParseJSON(text, &error);

    g_assert_no_error(error);
    shoalSchedSnapshotGetConfig(snap, config);
    g_assert_true(config->powerSaving);
    return snap;
}

static shoalSchedPlan *
powerPlan(const shoalSchedSnapshot *snap, const shoalSchedConfig *config)
{
    g_autoptr(GError) error = NULL;
    shoalSchedPlan *plan = shoalSchedPlanCompute(snap, config, &error);

    g_assert_no_error(error);
    return plan;
}

/* After @plan: no domain on a host in standby, every counted host within
 * the band's top (the snapshots' samples are flat: median = peak). */
static void
powerCheckAfter(const shoalSchedSnapshot *snap,
                const shoalSchedConfig *config,
                const shoalSchedPlan *plan)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) after = NULL;
    g_autoptr(shoalSchedPressureReport) report = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    unsigned stale = 0;
    size_t i;

    /* a domain moves once in a plan */
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);

        if (step->domain) {
            g_assert_false(g_hash_table_contains(seen, step->domain));
            g_hash_table_add(seen, step->domain);
        }
    }
    after = shoalSchedSimulateApply(snap, plan, &stale);
    g_assert_cmpuint(stale, ==, 0);
    for (i = 0; i < after->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(after->domains, i);
        const shoalSchedNode *node =
            shoalSchedSnapshotFindNode(after, dom->host);

        g_assert_nonnull(node);
        g_assert_false(node->standby);
    }
    if (plan->powerOffs == 0)
        return;
    report = shoalSchedPressureCompute(after, config, &error);
    g_assert_no_error(error);
    for (i = 0; i < report->nodes->len; i++) {
        const shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure, i);

        if (!np->scored)
            continue;
        g_assert_cmpfloat(np->pressure.cpu, <=, config->powerBandHigh + 1e-9);
        g_assert_cmpfloat(np->pressure.memory, <=,
                          config->powerBandHigh + 1e-9);
    }
}

static void
testPowerCase(gconstpointer data)
{
    const char *name = data;
    g_autofree char *planFile = g_strconcat(name, ".plan.json", NULL);
    g_autofree char *planPath = schedTestDataPath("power", planFile);
    g_autofree char *summaryFile = g_strconcat(name, ".summary", NULL);
    g_autofree char *summaryPath = schedTestDataPath("power", summaryFile);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(shoalSchedPlan) reparsed = NULL;
    g_autoptr(shoalSchedPlan) off = NULL;
    g_autofree char *json = NULL;
    g_autofree char *again = NULL;
    g_autofree char *text = NULL;
    shoalSchedConfig config;
    g_autoptr(shoalSchedSnapshot) snap = powerLoad(name, &config);
    shoalSchedConfig offConfig;

    plan = powerPlan(snap, &config);
    schedTestCheckPlan(snap, &config, plan);
    powerCheckAfter(snap, &config, plan);
    g_assert_cmpuint(plan->powerOffs + plan->powerOns, >, 0);

    json = shoalSchedPlanFormatJSON(plan);
    schedTestCompare(planPath, json);
    reparsed = shoalSchedPlanParseJSON(json, &error);
    g_assert_no_error(error);
    again = shoalSchedPlanFormatJSON(reparsed);
    g_assert_cmpstr(again, ==, json);
    text = shoalSchedPlanFormatText(plan);
    schedTestCompare(summaryPath, text);

    /* the mode off: no power step */
    offConfig = config;
    offConfig.powerSaving = false;
    off = powerPlan(snap, &offConfig);
    g_assert_cmpuint(off->powerOffs + off->powerOns, ==, 0);
}

/* Consolidation: a host is emptied and powered off; the pinned domain's
 * host stays; the databases stay apart. */
static void
testPowerConsolidate(void)
{
    shoalSchedConfig config;
    g_autoptr(shoalSchedSnapshot) snap = powerLoad("consolidate", &config);
    g_autoptr(shoalSchedPlan) plan = powerPlan(snap, &config);
    g_autoptr(shoalSchedSnapshot) after = NULL;
    const shoalSchedDomain *db1;
    const shoalSchedDomain *db2;
    size_t i;

    g_assert_cmpuint(plan->powerOffs, >=, 1);
    g_assert_cmpuint(plan->powerOns, ==, 0);
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);

        if (step->action == SHOAL_SCHED_ACTION_POWER_OFF)
            g_assert_cmpstr(step->from, !=, "h4");
    }
    after = shoalSchedSimulateApply(snap, plan, NULL);
    db1 = shoalSchedSnapshotFindDomain(after, "db1");
    db2 = shoalSchedSnapshotFindDomain(after, "db2");
    g_assert_cmpstr(db1->host, !=, db2->host);
    g_assert_cmpstr(shoalSchedSnapshotFindDomain(after, "pinned")->host, ==,
                    "h4");

    /* without power commands no host is emptied */
    for (i = 0; i < snap->nodes->len; i++)
        ((shoalSchedNode *) g_ptr_array_index(snap->nodes, i))->powerControl =
            false;
    g_clear_pointer(&plan, shoalSchedPlanUnref);
    plan = powerPlan(snap, &config);
    g_assert_cmpuint(plan->powerOffs, ==, 0);
    g_assert_cmpuint(plan->moves, ==, 0);
}

/* Domains kept on their hosts by their snapshots are never moved to
 * empty a host, so no host is emptied. */
static void
testPowerUnmovable(void)
{
    shoalSchedConfig config;
    g_autoptr(shoalSchedSnapshot) snap = powerLoad("consolidate", &config);
    g_autoptr(shoalSchedPlan) plan = NULL;
    size_t i;

    for (i = 0; i < snap->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        dom->unmovable = g_strdup("a snapshot's memory file");
    }
    plan = powerPlan(snap, &config);
    g_assert_cmpuint(plan->powerOffs, ==, 0);
    g_assert_cmpuint(plan->moves, ==, 0);
}

/* Waking: enough hosts in standby to bring the cluster under the band's
 * top, most cores first, then by name; none while the hold or a
 * migration would stop a power-off: waking never waits. */
static void
testPowerWake(void)
{
    shoalSchedConfig config;
    g_autoptr(shoalSchedSnapshot) snap = powerLoad("wake", &config);
    g_autoptr(shoalSchedPlan) plan = powerPlan(snap, &config);
    const shoalSchedStep *last;

    g_assert_cmpuint(plan->powerOns, ==, 1);
    g_assert_cmpuint(plan->powerOffs, ==, 0);
    last = g_ptr_array_index(plan->steps, plan->steps->len - 1);
    g_assert_cmpint(last->action, ==, SHOAL_SCHED_ACTION_POWER_ON);
    g_assert_cmpstr(last->from, ==, "h3");

    /* just changed: still woken */
    shoalSchedSnapshotFindNode(snap, "h3")->powerChangedMs = snap->nowMs - 1;
    shoalSchedSnapshotFindNode(snap, "h4")->powerChangedMs = snap->nowMs - 1;
    g_clear_pointer(&plan, shoalSchedPlanUnref);
    plan = powerPlan(snap, &config);
    g_assert_cmpuint(plan->powerOns, ==, 1);

    /* a host in maintenance stays off: the next one is woken */
    shoalSchedSnapshotFindNode(snap, "h3")->maintenance = true;
    g_clear_pointer(&plan, shoalSchedPlanUnref);
    plan = powerPlan(snap, &config);
    g_assert_cmpuint(plan->powerOns, ==, 1);
    last = g_ptr_array_index(plan->steps, plan->steps->len - 1);
    g_assert_cmpstr(last->from, ==, "h4");
}

/* The load factor of round @r of the flapping trace: quiet, a ramp up,
 * busy, a ramp down, quiet again; every round flips a noise of 0.5
 * cores around it. */
static double
powerFlapLoad(int r)
{
    double base;

    if (r < 60)
        base = 2.5;
    else if (r < 90)
        base = 2.5 + 2.5 * (r - 60) / 30.0;
    else if (r < 130)
        base = 5.0;
    else if (r < 160)
        base = 5.0 - 2.5 * (r - 130) / 30.0;
    else
        base = 2.5;
    return base + (r % 2 != 0 ? 0.5 : -0.5);
}

#define POWER_FLAP_ROUNDS 200

static GPtrArray *
powerFlapTrace(const shoalSchedSnapshot *base)
{
    GPtrArray *arr = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedSnapshotUnref);
    unsigned r;
    size_t i;
    size_t k;

    for (r = 0; r < POWER_FLAP_ROUNDS; r++) {
        shoalSchedSnapshot *copy = shoalSchedSnapshotCopy(base);

        copy->nowMs = base->nowMs + (gint64) r * base->intervalMs;
        for (i = 0; i < copy->domains->len; i++) {
            shoalSchedDomain *dom = g_ptr_array_index(copy->domains, i);

            /* the window: this round's load and the four before it */
            for (k = 0; k < dom->samples->len; k++) {
                shoalSchedSample *s =
                    &g_array_index(dom->samples, shoalSchedSample, k);
                int back = (int) (dom->samples->len - 1 - k);

                s->cpuCores = powerFlapLoad((int) r - back);
                s->vcpuBusy = s->cpuCores / dom->vcpus;
            }
        }
        g_ptr_array_add(arr, copy);
    }
    return arr;
}

/* A load that flaps within the band changes no power; the ramps change
 * it once each way; nothing is overloaded; no host's power changes twice
 * within the hold. */
static void
testPowerFlap(void)
{
    g_autofree char *expected = schedTestDataPath("power", "flap.txt");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) trace = NULL;
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autofree char *text = NULL;
    shoalSchedConfig config;
    g_autoptr(shoalSchedSnapshot) base = powerLoad("flap", &config);
    gint64 last = -1;
    size_t i;

    trace = powerFlapTrace(base);
    sim = shoalSchedSimulate(trace, &config, &error);
    g_assert_no_error(error);
    text = shoalSchedSimulationFormatText(sim);
    schedTestCompare(expected, text);
    g_assert_cmpuint(sim->powerOffs, ==, 2);
    g_assert_cmpuint(sim->powerOns, ==, 1);
    g_assert_cmpuint(sim->overloadedIntervals, ==, 0);
    g_assert_cmpuint(sim->stale, ==, 0);

    /* power changes rest: none within the hold of the one before */
    for (i = 0; i < sim->rounds->len; i++) {
        const shoalSchedRound *r =
            &g_array_index(sim->rounds, shoalSchedRound, i);

        if (r->powerOffs + r->powerOns == 0)
            continue;
        if (last >= 0)
            g_assert_cmpint(r->nowMs - last, >=, config.powerHoldMs);
        last = r->nowMs;
    }
}

static void
testPowerDataUsed(void)
{
    static const char *const suffixes[] = {
        ".snapshot.json", ".plan.json", ".summary", ".txt", NULL,
    };
    static const char *const all[] = {
        "consolidate",
        "wake",
        "flap",
        NULL,
    };

    schedTestCheckDataUsed("power", all, suffixes);
}

/* The band's edges must leave a gap. */
static void
testPowerConfig(void)
{
    g_autoptr(GError) error = NULL;
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    config.powerBandLow = 0.8;
    config.powerBandHigh = 0.8;
    g_assert_false(shoalSchedConfigValidate(&config, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "power_band_low"));
}

/* A host in standby is not online; the power fields round-trip. */
static void
testPowerSnapshot(void)
{
    static const char *const bad =
        "{\"format\": \"shoal-snapshot/1\", \"now_ms\": 0, "
        "\"interval_ms\": 0, \"nodes\": [{\"name\": \"h1\", "
        "\"online\": true, \"standby\": true, \"cpus\": 1, "
        "\"memory_kib\": 1}], \"domains\": []}";
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedSnapshot) again = NULL;
    g_autofree char *json = NULL;
    g_autofree char *json2 = NULL;
    shoalSchedConfig config;

    snap = shoalSchedSnapshotParseJSON(bad, &error);
    g_assert_null(snap);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "standby"));

    snap = powerLoad("wake", &config);
    json = shoalSchedSnapshotFormatJSON(snap);
    g_assert_nonnull(strstr(json, "\"standby\": true"));
    g_assert_nonnull(strstr(json, "\"power_control\": true"));
    g_clear_error(&error);
    again = shoalSchedSnapshotParseJSON(json, &error);
    g_assert_no_error(error);
    json2 = shoalSchedSnapshotFormatJSON(again);
    g_assert_cmpstr(json, ==, json2);
    g_assert_true(shoalSchedSnapshotFindNode(again, "h3")->standby);
    g_assert_false(shoalSchedSnapshotFindNode(again, "h3")->online);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; powerCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/power/case/%s", powerCases[i]);

        g_test_add_data_func(path, powerCases[i], testPowerCase);
    }
    g_test_add_func("/sched/power/consolidate", testPowerConsolidate);
    g_test_add_func("/sched/power/unmovable", testPowerUnmovable);
    g_test_add_func("/sched/power/wake", testPowerWake);
    g_test_add_func("/sched/power/flap", testPowerFlap);
    g_test_add_func("/sched/power/data-used", testPowerDataUsed);
    g_test_add_func("/sched/power/config", testPowerConfig);
    g_test_add_func("/sched/power/snapshot", testPowerSnapshot);
    return g_test_run();
}
