/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for shoalSchedPlanCompute(), in the manner of Pacemaker's
 * cts/scheduler: each case in tests/data/sched/planner/ is
 *   <case>.snapshot.json  the cluster (shoal-snapshot/1, with its config)
 *   <case>.plan.json      the expected plan, compared exactly
 *   <case>.summary        the pressures before, the plan as text, the
 *                         pressures after applying it, and 50 rounds of
 *                         the same load through the simulator
 * SHOAL_TEST_REGENERATE=1 rewrites the expected files; review every line.
 * Then properties over generated clusters: no plan breaks a hard rule or
 * raises the score, and the plan does not depend on input order.
 */

#include <config.h>

#include <math.h>
#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_testutil.h"

static const char *const plannerCases[] = {
    "overloaded-host",
    "memory-pressure",
    "anti-affinity",
    "pinning",
    "maintenance",
    "stable-cluster",
    "hotadd-vs-migrate",
    "cooldown",
    "budget",
    "hold-time",
    "balloon-and-mode",
    "in-flight",
    NULL,
};

/* Cases whose load must never move anything, however long it lasts. */
static const char *const plannerQuietCases[] = {
    "stable-cluster",
    "hold-time",
    NULL,
};

#define PLANNER_ROUNDS 50

static void
plannerAppendPressures(GString *out,
                       const shoalSchedSnapshot *snap,
                       const shoalSchedConfig *config,
                       const char *title)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPressureReport) report =
        shoalSchedPressureCompute(snap, config, &error);
    size_t i;

    g_assert_no_error(error);
    g_string_append_printf(out, "%s: imbalance %.4f\n", title,
                           report->imbalance);
    for (i = 0; i < report->nodes->len; i++) {
        const shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure, i);

        g_string_append_printf(out, "  %-8s CPU %.2f, memory %.2f, held %u%s\n",
                               np->name, np->pressure.cpu, np->pressure.memory,
                               np->cpuHeldIntervals,
                               np->scored ? "" : " (not counted)");
    }
}

static char *
plannerSummary(const shoalSchedSnapshot *snap,
               const shoalSchedConfig *config,
               const shoalSchedPlan *plan,
               const shoalSchedSimulation *sim)
{
    GString *out = g_string_new(NULL);
    g_autofree char *text = shoalSchedPlanFormatText(plan);
    g_autoptr(shoalSchedSnapshot) after = NULL;
    unsigned stale = 0;
    unsigned lastRound = 0;
    size_t i;

    plannerAppendPressures(out, snap, config, "before");
    g_string_append(out, "plan:\n");
    g_string_append(out, text);
    after = shoalSchedSimulateApply(snap, plan, &stale);
    g_assert_cmpuint(stale, ==, 0);
    plannerAppendPressures(out, after, config, "after");
    for (i = 0; i < sim->rounds->len; i++) {
        if (g_array_index(sim->rounds, shoalSchedRound, i).moves > 0)
            lastRound = (unsigned) i + 1;
    }
    g_string_append_printf(out,
                           "%u rounds: moves %u, vCPUs added %u, balloon changes %u, moves back %u, last move in round %u, imbalance %.4f\n",
                           sim->rounds->len, sim->moves, sim->vcpusAdded,
                           sim->balloons, sim->reversals, lastRound,
                           g_array_index(sim->rounds, shoalSchedRound,
                                         sim->rounds->len - 1)
                               .imbalanceAfter);
    return g_string_free(out, FALSE);
}

static void
testPlannerCase(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strconcat(name, ".snapshot.json", NULL);
    g_autofree char *path = schedTestDataPath("planner", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autofree char *planFile = g_strconcat(name, ".plan.json", NULL);
    g_autofree char *planPath = schedTestDataPath("planner", planFile);
    g_autofree char *summaryFile = g_strconcat(name, ".summary", NULL);
    g_autofree char *summaryPath = schedTestDataPath("planner", summaryFile);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(GPtrArray) rounds = NULL;
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autofree char *json = NULL;
    g_autofree char *summary = NULL;
    shoalSchedConfig config;

    snap = shoalSchedSnapshotParseJSON(text, &error);
    g_assert_no_error(error);
    shoalSchedSnapshotGetConfig(snap, &config);
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_no_error(error);
    schedTestCheckPlan(snap, &config, plan);

    rounds = schedTestRepeat(snap, PLANNER_ROUNDS);
    sim = shoalSchedSimulate(rounds, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(sim->reversals, ==, 0);
    g_assert_cmpuint(sim->stale, ==, 0);
    if (g_strv_contains(plannerQuietCases, name)) {
        g_assert_cmpuint(plan->steps->len, ==, 0);
        g_assert_cmpuint(sim->moves, ==, 0);
    }

    json = shoalSchedPlanFormatJSON(plan);
    schedTestCompare(planPath, json);
    summary = plannerSummary(snap, &config, plan, sim);
    schedTestCompare(summaryPath, summary);
}

static void
testPlannerDataUsed(void)
{
    static const char *const suffixes[] = {
        ".snapshot.json",
        ".plan.json",
        ".summary",
        NULL,
    };

    schedTestCheckDataUsed("planner", plannerCases, suffixes);
}

/* The same cluster in any order, and computed twice, gives one plan. */
static void
plannerCheckDeterministic(const shoalSchedSnapshot *snap,
                          const shoalSchedConfig *config,
                          const char *json,
                          GRand *rand)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) again =
        shoalSchedPlanCompute(snap, config, &error);
    g_autoptr(shoalSchedSnapshot) shuffled = schedTestShuffled(snap, rand);
    g_autoptr(shoalSchedPlan) permuted = NULL;
    g_autofree char *againJson = NULL;
    g_autofree char *permutedJson = NULL;

    g_assert_no_error(error);
    againJson = shoalSchedPlanFormatJSON(again);
    g_assert_cmpstr(againJson, ==, json);
    permuted = shoalSchedPlanCompute(shuffled, config, &error);
    g_assert_no_error(error);
    permutedJson = shoalSchedPlanFormatJSON(permuted);
    g_assert_cmpstr(permutedJson, ==, json);
}

static void
testPlannerProperties(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240505);
    unsigned withSteps = 0;
    unsigned i;

    for (i = 0; i < 300; i++) {
        g_autoptr(shoalSchedSnapshot) snap = NULL;
        g_autoptr(shoalSchedPlan) plan = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *json = NULL;
        shoalSchedConfig config;

        snap = schedTestRandomCluster(rand, &config);
        plan = shoalSchedPlanCompute(snap, &config, &error);
        g_assert_no_error(error);
        schedTestCheckPlan(snap, &config, plan);
        json = shoalSchedPlanFormatJSON(plan);
        plannerCheckDeterministic(snap, &config, json, rand);
        if (plan->steps->len > 0)
            withSteps++;
    }
    /* the generator must give the planner work to do */
    g_assert_cmpuint(withSteps, >, 100);
}

/*
 * Moves must stop: the same load, round after round, settles, and no
 * domain goes back to a host it left. Without limits per round, source,
 * destination or hour, every move that pays is made at once; later ones
 * only come from domains whose rest ends (at most 20 minutes here). The
 * 100 rounds last 33 minutes, within the hour a domain may not return.
 */
static void
testPlannerSettles(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    unsigned i;

    for (i = 0; i < 60; i++) {
        g_autoptr(shoalSchedSnapshot) snap = NULL;
        g_autoptr(GPtrArray) rounds = NULL;
        g_autoptr(shoalSchedSimulation) sim = NULL;
        g_autoptr(GError) error = NULL;
        shoalSchedConfig config;
        size_t r;

        snap = schedTestRandomCluster(rand, &config);
        config.maxMovesPerRound = 0;
        config.maxPerSource = 0;
        config.maxPerDestination = 0;
        config.maxMovesPerHour = 0;
        config.tabuMs = 3600 * 1000;
        rounds = schedTestRepeat(snap, 100);
        sim = shoalSchedSimulate(rounds, &config, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(sim->reversals, ==, 0);
        for (r = 70; r < sim->rounds->len; r++)
            g_assert_cmpuint(g_array_index(sim->rounds, shoalSchedRound, r)
                                 .moves,
                             ==, 0);
    }
}

static void
testPlannerInvalid(void)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(GError) error = NULL;
    shoalSchedConfig config;
    shoalSchedDomain *dom = shoalSchedDomainNew("vm");

    shoalSchedConfigInit(&config);
    dom->host = g_strdup("nowhere");
    g_ptr_array_add(snap->domains, dom);
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_null(plan);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==,
                    "invalid snapshot: domain 'vm' is on unknown node 'nowhere'");
    g_clear_error(&error);

    g_free(dom->host);
    dom->host = NULL;
    config.cpuWeight = config.memoryWeight = 0;
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_null(plan);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
}

/* A cluster with nothing in it plans nothing. */
static void
testPlannerEmpty(void)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(GError) error = NULL;
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->steps->len, ==, 0);
    g_assert_cmpfloat(plan->imbalanceBefore, ==, 0);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; plannerCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/planner/case/%s", plannerCases[i]);

        g_test_add_data_func(path, plannerCases[i], testPlannerCase);
    }
    g_test_add_func("/sched/planner/data-used", testPlannerDataUsed);
    g_test_add_func("/sched/planner/properties", testPlannerProperties);
    g_test_add_func("/sched/planner/settles", testPlannerSettles);
    g_test_add_func("/sched/planner/invalid", testPlannerInvalid);
    g_test_add_func("/sched/planner/empty", testPlannerEmpty);
    return g_test_run();
}
