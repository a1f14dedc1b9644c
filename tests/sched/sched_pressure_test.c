/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests for host pressure and the spread (src/sched/sched_pressure.c). */

#include <config.h>

#include <math.h>

#include <glib.h>

#include "sched.h"

static shoalSchedDomain *
pressureDomain(const char *name,
               const char *host,
               unsigned vcpus,
               const double *cores,
               const double *delay,
               size_t n)
{
    shoalSchedDomain *dom = shoalSchedDomainNew(name);
    size_t i;

    dom->host = g_strdup(host);
    dom->vcpus = dom->maxVcpus = vcpus;
    dom->memoryKiB = 1048576;
    for (i = 0; i < n; i++) {
        shoalSchedSample s = { cores[i], cores[i] / vcpus,
                               delay ? delay[i] : 0 };

        g_array_append_val(dom->samples, s);
    }
    return dom;
}

static void
testPressureDemand(void)
{
    static const double cores[] = { 1, 9, 2, 3, 2 };
    static const double delay[] = { 0, 0, 0, 0.5, 0.25 };
    g_autoptr(shoalSchedDomain) dom =
        pressureDomain("d", "h", 2, cores, NULL, 5);
    g_autoptr(shoalSchedDomain) waits =
        pressureDomain("w", "h", 2, cores, delay, 5);
    g_autoptr(shoalSchedDomain) none =
        pressureDomain("n", "h", 2, cores, NULL, 0);
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    /* the median of 1 9 2 3 2 is 2: the spike of 9 does not count */
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(dom, &config), ==, 2);
    config.windowIntervals = 2;
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(dom, &config), ==, 2.5);
    config.windowIntervals = 1;
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(dom, &config), ==, 2);
    config.windowIntervals = 100;
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(dom, &config), ==, 2);
    /* waiting counts: 2 + 0.25 * 2 vCPUs and 3 + 0.5 * 2 */
    config.windowIntervals = 2;
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(waits, &config), ==, 3.25);
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(none, &config), ==, 0);
    dom->running = false;
    g_assert_cmpfloat(shoalSchedPressureDomainDemand(dom, &config), ==, 0);
}

static void
testPressureDomainHeld(void)
{
    static const double cores[] = { 0.2, 1.9, 1.9, 1.9 };
    static const double delay[] = { 0, 0.01, 0.3, 0.01 };
    g_autoptr(shoalSchedDomain) dom =
        pressureDomain("d", "h", 2, cores, delay, 4);

    g_assert_true(shoalSchedPressureDomainHeld(dom, 1, 0.9, 0, 0.05));
    g_assert_false(shoalSchedPressureDomainHeld(dom, 2, 0.9, 0, 0.05));
    g_assert_true(shoalSchedPressureDomainHeld(dom, 3, 0.9, 0, 1));
    g_assert_false(shoalSchedPressureDomainHeld(dom, 4, 0.9, 0, 1));
    g_assert_false(shoalSchedPressureDomainHeld(dom, 5, 0, 0, 1));
    g_assert_false(shoalSchedPressureDomainHeld(dom, 0, 0, 0, 1));
    g_assert_true(shoalSchedPressureDomainHeld(dom, 2, 0, 0.01, 1));
}

static void
testPressureHeld(void)
{
    static const double series[] = { 10, 2, 9, 13, 12 };
    double lowest = -1;

    g_assert_cmpuint(shoalSchedPressureHeld(series, 5, 10, 0.8, &lowest), ==,
                     3);
    g_assert_cmpfloat(lowest, ==, 0.9);
    g_assert_cmpuint(shoalSchedPressureHeld(series, 5, 10, 1.25, &lowest), ==,
                     0);
    g_assert_cmpfloat(lowest, ==, 0);
    g_assert_cmpuint(shoalSchedPressureHeld(series, 1, 10, 0.8, NULL), ==, 1);
    g_assert_cmpuint(shoalSchedPressureHeld(series, 0, 10, 0.8, NULL), ==, 0);
    g_assert_cmpuint(shoalSchedPressureHeld(series, 5, 0, 0.8, NULL), ==, 0);
}

/* The sums give the same spread as computing it directly. */
static void
testPressureSpread(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(3);
    unsigned round;

    for (round = 0; round < 100; round++) {
        shoalSchedConfig config;
        shoalSchedSpread spread;
        shoalSchedPressure p[20];
        unsigned n = g_rand_int_range(rand, 1, 20);
        double cpuMean = 0;
        double memMean = 0;
        double ssdCpu = 0;
        double ssdMem = 0;
        double expect;
        shoalSchedPressure moved;
        unsigned i;

        shoalSchedConfigInit(&config);
        config.cpuWeight = g_rand_double_range(rand, 0, 2);
        config.memoryWeight = g_rand_double_range(rand, 0.1, 2);
        shoalSchedPressureSpreadInit(&spread, &config);
        for (i = 0; i < n; i++) {
            p[i].cpu = g_rand_double_range(rand, 0, 2);
            p[i].memory = g_rand_double_range(rand, 0, 1);
            shoalSchedPressureSpreadAdd(&spread, &p[i]);
        }
        /* change one host, as a move does */
        moved.cpu = g_rand_double_range(rand, 0, 2);
        moved.memory = g_rand_double_range(rand, 0, 1);
        shoalSchedPressureSpreadReplace(&spread, &p[0], &moved);
        p[0] = moved;
        for (i = 0; i < n; i++) {
            cpuMean += p[i].cpu / n;
            memMean += p[i].memory / n;
        }
        for (i = 0; i < n; i++) {
            ssdCpu += (p[i].cpu - cpuMean) * (p[i].cpu - cpuMean);
            ssdMem += (p[i].memory - memMean) * (p[i].memory - memMean);
        }
        expect = config.cpuWeight * ssdCpu + config.memoryWeight * ssdMem;
        g_assert_cmpfloat(fabs(shoalSchedPressureSpreadScore(&spread) - expect),
                          <, 1e-9);
        /* the square root magnifies rounding near 0 (a single host) */
        expect = sqrt(expect / (n * (config.cpuWeight + config.memoryWeight)));
        g_assert_cmpfloat(fabs(shoalSchedPressureSpreadImbalance(&spread) -
                               expect),
                          <, 1e-7);
    }
}

static void
testPressureCompute(void)
{
    static const double busy[] = { 4, 4, 4 };
    static const double light[] = { 1, 1, 1 };
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedPressureReport) report = NULL;
    g_autoptr(GError) error = NULL;
    shoalSchedNode *h1 = shoalSchedNodeNew("h1");
    shoalSchedNode *h2 = shoalSchedNodeNew("h2");
    shoalSchedNode *h3 = shoalSchedNodeNew("h3");
    shoalSchedConfig config;
    const shoalSchedNodePressure *np;
    double sample = 7;

    shoalSchedConfigInit(&config);
    h1->cpus = h2->cpus = h3->cpus = 8;
    h1->memoryKiB = h2->memoryKiB = h3->memoryKiB = 4 * 1048576;
    h1->reservedKiB = 2 * 1048576;
    h3->maintenance = true;
    g_array_append_val(h2->samples, sample);
    g_ptr_array_add(snap->nodes, h1);
    g_ptr_array_add(snap->nodes, h2);
    g_ptr_array_add(snap->nodes, h3);
    g_ptr_array_add(snap->domains, pressureDomain("a", "h1", 4, busy, NULL, 3));
    g_ptr_array_add(snap->domains, pressureDomain("b", "h1", 4, busy, NULL, 3));
    g_ptr_array_add(snap->domains,
                    pressureDomain("c", "h2", 2, light, NULL, 3));
    /* in flight from h1 to h2: counts on h2 */
    g_ptr_array_add(snap->domains,
                    pressureDomain("d", "h1", 2, light, NULL, 3));
    ((shoalSchedDomain *) g_ptr_array_index(snap->domains, 3))->migrating =
        true;
    g_ptr_array_add(snap->migrations, shoalSchedMigrationNew("d", "h1", "h2"));

    report = shoalSchedPressureCompute(snap, &config, &error);
    g_assert_no_error(error);
    np = &g_array_index(report->nodes, shoalSchedNodePressure, 0);
    g_assert_cmpstr(np->name, ==, "h1");
    g_assert_true(np->scored);
    g_assert_cmpfloat(np->pressure.cpu, ==, 1.0);
    g_assert_cmpfloat(np->pressure.memory, ==, 1.0);
    /* its history still has d, which ran there: (4 + 4 + 1) / 8 */
    g_assert_cmpuint(np->cpuHeldIntervals, ==, 3);
    g_assert_cmpfloat(np->cpuHeldPressure, ==, 9.0 / 8);
    np = &g_array_index(report->nodes, shoalSchedNodePressure, 1);
    g_assert_cmpfloat(np->pressure.cpu, ==, 2.0 / 8);
    g_assert_cmpfloat(np->pressure.memory, ==, 0.5);
    /* its own samples: 7 of 8 cores in the last interval only */
    g_assert_cmpuint(np->cpuHeldIntervals, ==, 1);
    np = &g_array_index(report->nodes, shoalSchedNodePressure, 2);
    g_assert_false(np->scored);
    g_assert_cmpuint(report->spread.count, ==, 2);
    g_assert_cmpfloat(report->cpuMax, ==, 1.0);
    g_assert_cmpfloat(report->memoryMean, ==, 0.75);
    g_assert_cmpfloat(fabs(report->imbalance -
                           sqrt((0.375 * 0.375 + 0.25 * 0.25) / 2)),
                      <, 1e-12);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/pressure/demand", testPressureDemand);
    g_test_add_func("/sched/pressure/domain-held", testPressureDomainHeld);
    g_test_add_func("/sched/pressure/held", testPressureHeld);
    g_test_add_func("/sched/pressure/spread", testPressureSpread);
    g_test_add_func("/sched/pressure/compute", testPressureCompute);
    return g_test_run();
}
