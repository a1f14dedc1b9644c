/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the simulator (src/sched/sched_simulate.c): applying a plan,
 * stale steps, and replays of planner cases over 50 rounds, whose reports
 * are compared with tests/data/sched/simulate/<case>.{txt,json}
 * (SHOAL_TEST_REGENERATE=1 rewrites them).
 */

#include <config.h>

#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "sched.h"
#include "sched_testutil.h"

static const char *const simulateCases[] = {
    "overloaded-host",
    "budget",
    "hotadd-vs-migrate",
    /* NUMA (numa12): the move goes to the host where it fits in one cell */
    "numa-keeps-fit",
    NULL,
};

static shoalSchedSnapshot *
simulateLoad(const char *name)
{
    g_autofree char *file = g_strconcat(name, ".snapshot.json", NULL);
    g_autofree char *path = schedTestDataPath("planner", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(GError) error = NULL;
    shoalSchedSnapshot *snap = shoalSchedSnapshotParseJSON(text, &error);

    g_assert_no_error(error);
    return snap;
}

static void
testSimulateApply(void)
{
    g_autoptr(shoalSchedSnapshot) snap = simulateLoad("overloaded-host");
    g_autoptr(shoalSchedSnapshot) after = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(GError) error = NULL;
    const shoalSchedDomain *dom;
    shoalSchedNode *h1 = shoalSchedSnapshotFindNode(snap, "h1");
    shoalSchedConfig config;
    double sample = 3;
    unsigned stale = 99;

    g_array_append_val(h1->samples, sample);
    shoalSchedSnapshotGetConfig(snap, &config);
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->moves, ==, 2);
    after = shoalSchedSimulateApply(snap, plan, &stale);
    g_assert_cmpuint(stale, ==, 0);

    dom = shoalSchedSnapshotFindDomain(after, "vm-a");
    g_assert_cmpstr(dom->host, ==, "h2");
    g_assert_cmpstr(dom->lastHost, ==, "h1");
    g_assert_cmpint(dom->lastMoveMs, ==, snap->nowMs);
    g_assert_cmpuint(after->recentMovesMs->len, ==, 2);
    /* the source's own history no longer describes it */
    g_assert_cmpuint(shoalSchedSnapshotFindNode(after, "h1")->samples->len, ==,
                     0);
    /* the input is untouched */
    g_assert_cmpstr(shoalSchedSnapshotFindDomain(snap, "vm-a")->host, ==, "h1");
    g_assert_cmpuint(h1->samples->len, ==, 1);
}

static shoalSchedStep *
simulateStep(shoalSchedAction action,
             const char *domain,
             const char *from,
             const char *to,
             unsigned long long value)
{
    shoalSchedStep *step = shoalSchedStepNew(action, domain);

    step->from = g_strdup(from);
    step->to = g_strdup(to);
    step->value = value;
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_ON_HOST,
                                  domain, from, 0);
    if (to)
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_HOST_AVAILABLE,
                                      NULL, to, 0);
    if (action == SHOAL_SCHED_ACTION_ADD_VCPU)
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_VCPUS,
                                      domain, NULL, value - 1);
    if (action == SHOAL_SCHED_ACTION_SET_BALLOON)
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_BALLOON_BELOW,
                                      domain, NULL, value);
    return step;
}

/* Steps whose preconditions fail are skipped, never repaired. */
static void
testSimulateStale(void)
{
    g_autoptr(shoalSchedSnapshot) snap = simulateLoad("overloaded-host");
    g_autoptr(shoalSchedSnapshot) after = NULL;
    g_autoptr(shoalSchedPlan) plan = shoalSchedPlanNew(0);
    const shoalSchedDomain *dom;
    const shoalSchedSample *s;
    unsigned stale = 0;

    snap->nowMs = 0;
    shoalSchedSnapshotFindNode(snap, "h3")->maintenance = true;
    /* not on h2 */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_MIGRATE,
                                                "vm-a", "h2", "h3", 0));
    /* h3 is in maintenance */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_MIGRATE,
                                                "vm-a", "h1", "h3", 0));
    /* no such domain */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_MIGRATE,
                                                "vm-z", "h1", "h2", 0));
    /* moves at time 0 are recorded at 1 ms */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_MIGRATE,
                                                "vm-b", "h1", "h2", 0));
    /* once moved, a second step for the same source is stale */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_MIGRATE,
                                                "vm-b", "h1", "h2", 0));
    /* 4 vCPUs now: a step expecting 2 is stale, one expecting 4 applies */
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_ADD_VCPU,
                                                "vm-c", "h1", NULL, 3));
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_ADD_VCPU,
                                                "vm-c", "h1", NULL, 5));
    shoalSchedPlanAppendStep(plan, simulateStep(SHOAL_SCHED_ACTION_SET_BALLOON,
                                                "vm-d", "h1", NULL, 1048576));
    after = shoalSchedSimulateApply(snap, plan, &stale);
    g_assert_cmpuint(stale, ==, 5);

    dom = shoalSchedSnapshotFindDomain(after, "vm-a");
    g_assert_cmpstr(dom->host, ==, "h1");
    dom = shoalSchedSnapshotFindDomain(after, "vm-b");
    g_assert_cmpstr(dom->host, ==, "h2");
    g_assert_cmpint(dom->lastMoveMs, ==, 1);
    dom = shoalSchedSnapshotFindDomain(after, "vm-c");
    g_assert_cmpuint(dom->vcpus, ==, 5);
    g_assert_cmpuint(dom->maxVcpus, ==, 5);
    g_assert_cmpint(dom->lastResizeMs, ==, 1);
    /* 4.0 cores on 4 vCPUs were 100 % busy; on 5 they are 80 % */
    s = &g_array_index(dom->samples, shoalSchedSample, 0);
    g_assert_cmpfloat(fabs(s->vcpuBusy - 0.8), <, 1e-12);
    g_assert_cmpfloat(s->cpuCores, ==, 4.0);
    dom = shoalSchedSnapshotFindDomain(after, "vm-d");
    g_assert_cmpuint(dom->balloonKiB, ==, 1048576);
}

static void
testSimulateCase(gconstpointer data)
{
    const char *name = data;
    g_autoptr(shoalSchedSnapshot) snap = simulateLoad(name);
    g_autoptr(GPtrArray) rounds = schedTestRepeat(snap, 50);
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *txtFile = g_strconcat(name, ".txt", NULL);
    g_autofree char *txtPath = schedTestDataPath("simulate", txtFile);
    g_autofree char *jsonFile = g_strconcat(name, ".json", NULL);
    g_autofree char *jsonPath = schedTestDataPath("simulate", jsonFile);
    g_autofree char *text = NULL;
    g_autofree char *json = NULL;
    shoalSchedConfig config;

    shoalSchedSnapshotGetConfig(snap, &config);
    sim = shoalSchedSimulate(rounds, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(sim->rounds->len, ==, 50);
    g_assert_cmpuint(sim->reversals, ==, 0);
    g_assert_nonnull(sim->final);
    text = shoalSchedSimulationFormatText(sim);
    schedTestCompare(txtPath, text);
    json = shoalSchedSimulationFormatJSON(sim);
    schedTestCompare(jsonPath, json);
}

/* The placement of one round carries into the next recorded snapshot. */
static void
testSimulateCarry(void)
{
    g_autoptr(shoalSchedSnapshot) snap = simulateLoad("budget");
    g_autoptr(GPtrArray) rounds = schedTestRepeat(snap, 2);
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autoptr(GError) error = NULL;
    const shoalSchedDomain *dom;
    shoalSchedConfig config;

    shoalSchedSnapshotGetConfig(snap, &config);
    sim = shoalSchedSimulate(rounds, &config, &error);
    g_assert_no_error(error);
    /* the budget allows one move in the first round, none in the second,
     * whose recent moves include the first round's */
    g_assert_cmpuint(g_array_index(sim->rounds, shoalSchedRound, 0).moves, ==,
                     1);
    g_assert_cmpuint(g_array_index(sim->rounds, shoalSchedRound, 1).moves, ==,
                     0);
    dom = shoalSchedSnapshotFindDomain(sim->final, "vm-a");
    g_assert_cmpstr(dom->host, ==, "h2");
    g_assert_cmpuint(sim->final->recentMovesMs->len, ==, 4);
    g_assert_cmpuint(sim->maxMovesInHour, ==, 1);
}

/* Round @i of the flapping trace: 6 busy intervals, 6 idle, until round
 * @calmFrom, then idle; each snapshot holds the latest 12 intervals. */
static shoalSchedSnapshot *
simulateFlapRound(unsigned i, unsigned calmFrom)
{
    shoalSchedSnapshot *snap = shoalSchedSnapshotNew();
    shoalSchedNode *node = shoalSchedNodeNew("h1");
    shoalSchedDomain *dom = shoalSchedDomainNew("vm-flap");
    unsigned j;

    snap->intervalMs = 20000;
    snap->nowMs = 1700000000000 + (gint64) i * snap->intervalMs;
    node->cpus = 16;
    node->memoryKiB = G_GUINT64_CONSTANT(64) << 20;
    g_ptr_array_add(snap->nodes, node);
    dom->host = g_strdup("h1");
    dom->vcpus = 2;
    dom->maxVcpus = 4;
    dom->vcpuFloor = 2;
    dom->memoryKiB = (G_GUINT64_CONSTANT(1) << 20) + (2048 << 10);
    dom->virtioMemMaxKiB = 2048 << 10;
    dom->virtioMemBlockKiB = 2048;
    for (j = i < 11 ? 0 : i - 11; j <= i; j++) {
        bool busy = j < calmFrom && (j / 6) % 2 == 0;
        shoalSchedSample s = { 0 };

        s.vcpuBusy = busy ? 0.95 : 0.02;
        s.cpuCores = s.vcpuBusy * dom->vcpus;
        s.memoryUsed = busy ? 0.95 : 0.2;
        g_array_append_val(dom->samples, s);
    }
    g_ptr_array_add(snap->domains, dom);
    return snap;
}

/*
 * A load that flaps faster than the idle hold: the guest gets vCPUs and
 * memory while it flaps and keeps them (nothing goes up and down), then
 * gives them back once the load has gone for good.
 */
static void
testSimulateFlapping(void)
{
    g_autoptr(GPtrArray) trace = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedSnapshotUnref);
    g_autoptr(GPtrArray) calm = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedSnapshotUnref);
    g_autoptr(shoalSchedSimulation) flapping = NULL;
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autoptr(GError) error = NULL;
    const shoalSchedDomain *peak;
    const shoalSchedDomain *last;
    shoalSchedConfig config;
    unsigned i;

    shoalSchedConfigInit(&config);
    config.mode = SHOAL_SCHED_MODE_AUTOMATIC;
    config.cooldownMs = 120000;
    config.idleIntervals = 10;
    for (i = 0; i < 200; i++) {
        g_ptr_array_add(trace, simulateFlapRound(i, 120));
        if (i < 120)
            g_ptr_array_add(calm, simulateFlapRound(i, 120));
    }
    flapping = shoalSchedSimulate(calm, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(flapping->vcpusAdded, >=, 1);
    g_assert_cmpuint(flapping->resizes, >=, 1);
    g_assert_cmpuint(flapping->resizeReversals, ==, 0);
    peak = shoalSchedSnapshotFindDomain(flapping->final, "vm-flap");
    g_assert_cmpuint(peak->virtioMemRequestedKiB, >, 0);
    g_assert_cmpuint(peak->vcpus, >, 2);

    sim = shoalSchedSimulate(trace, &config, &error);
    g_assert_no_error(error);
    last = shoalSchedSnapshotFindDomain(sim->final, "vm-flap");
    g_assert_cmpuint(last->vcpus, ==, 2);
    g_assert_cmpuint(last->virtioMemRequestedKiB, <,
                     peak->virtioMemRequestedKiB);
    /* once each way per resource: up while it flapped, down when calm */
    g_assert_cmpuint(sim->resizeReversals, <=, 2);
    g_assert_cmpuint(sim->stale, ==, 0);
}

static void
testSimulateInvalid(void)
{
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSimulation) sim = NULL;
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    sim = shoalSchedSimulate(none, &config, &error);
    g_assert_null(sim);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_clear_error(&error);

    g_ptr_array_add(snap->nodes, shoalSchedNodeNew("h"));
    g_ptr_array_add(snap->nodes, shoalSchedNodeNew("h"));
    g_ptr_array_add(none, snap);
    sim = shoalSchedSimulate(none, &config, &error);
    g_assert_null(sim);
    g_assert_cmpstr(error->message, ==,
                    "round 1: invalid snapshot: two nodes are called 'h'");
}

static void
testSimulateDataUsed(void)
{
    static const char *const suffixes[] = { ".txt", ".json", NULL };

    schedTestCheckDataUsed("simulate", simulateCases, suffixes);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/simulate/apply", testSimulateApply);
    g_test_add_func("/sched/simulate/stale", testSimulateStale);
    g_test_add_func("/sched/simulate/carry", testSimulateCarry);
    g_test_add_func("/sched/simulate/invalid", testSimulateInvalid);
    g_test_add_func("/sched/simulate/flapping", testSimulateFlapping);
    for (i = 0; simulateCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/simulate/case/%s", simulateCases[i]);

        g_test_add_data_func(path, simulateCases[i], testSimulateCase);
    }
    g_test_add_func("/sched/simulate/data-used", testSimulateDataUsed);
    return g_test_run();
}
