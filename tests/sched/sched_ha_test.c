/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include <glib.h>

#include "sched.h"

/* failed: unanswered for the timeout, not in maintenance, once online */
static void
haTestHostFailed(void)
{
    shoalSchedHaConfig config;
    shoalSchedHaHost host = { "h1", false, false, 1000 };

    shoalSchedHaConfigInit(&config);
    g_assert_cmpuint(config.failureTimeoutMs, ==, 30000);
    g_assert_false(shoalSchedHaHostFailed(&host, &config, 30999));
    g_assert_true(shoalSchedHaHostFailed(&host, &config, 31000));
    host.maintenance = true;
    g_assert_false(shoalSchedHaHostFailed(&host, &config, 100000));
    host.maintenance = false;
    host.online = true;
    g_assert_false(shoalSchedHaHostFailed(&host, &config, 100000));
    host.online = false;
    host.lostMs = 0;
    g_assert_false(shoalSchedHaHostFailed(&host, &config, 100000));
}

static shoalSchedHaDomain
haTestDomain(const char *name, int restart, int priority)
{
    shoalSchedHaDomain d = { 0 };

    d.name = name;
    d.key = name;
    d.running = true;
    d.persistent = true;
    d.restart = restart;
    d.hasPriority = priority >= 0;
    d.priority = priority;
    d.leasedDisks = 1;
    return d;
}

static const shoalSchedHaDecision *
haTestFind(GArray *out, const char *name)
{
    guint i;

    for (i = 0; i < out->len; i++) {
        const shoalSchedHaDecision *d =
            &g_array_index(out, shoalSchedHaDecision, i);

        if (g_str_equal(d->domain->name, name))
            return d;
    }
    g_assert_not_reached();
    return NULL;
}

/* which domains: marked, running, stored, leased; the default decides
 * for the unmarked */
static void
haTestWhich(void)
{
    shoalSchedHaConfig config;
    shoalSchedHaDomain doms[6];
    g_autoptr(GArray) out = NULL;

    shoalSchedHaConfigInit(&config);
    doms[0] = haTestDomain("yes", 1, -1);
    doms[1] = haTestDomain("no", 0, -1);
    doms[2] = haTestDomain("unmarked", -1, -1);
    doms[3] = haTestDomain("off", 1, -1);
    doms[3].running = false;
    doms[4] = haTestDomain("transient", 1, -1);
    doms[4].persistent = false;
    doms[5] = haTestDomain("diskless", 1, -1);
    doms[5].leasedDisks = 0;

    out = shoalSchedHaDecide(doms, G_N_ELEMENTS(doms), &config, 0);
    g_assert_cmpuint(out->len, ==, 6);
    g_assert_cmpint(haTestFind(out, "yes")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NONE);
    g_assert_cmpint(haTestFind(out, "no")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NOT_MARKED);
    g_assert_cmpint(haTestFind(out, "unmarked")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NOT_MARKED);
    g_assert_cmpint(haTestFind(out, "off")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NOT_RUNNING);
    g_assert_cmpint(haTestFind(out, "transient")->reason, ==,
                    SHOAL_SCHED_HA_REASON_TRANSIENT);
    g_assert_cmpint(haTestFind(out, "diskless")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NO_LEASE);
    g_clear_pointer(&out, g_array_unref);

    config.defaultRestart = true;
    out = shoalSchedHaDecide(doms, G_N_ELEMENTS(doms), &config, 0);
    g_assert_cmpint(haTestFind(out, "unmarked")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NONE);
    g_assert_cmpint(haTestFind(out, "no")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NOT_MARKED);
    g_assert_cmpstr(shoalSchedHaReasonToString(
                        haTestFind(out, "diskless")->reason),
                    ==, "no-lease");
}

/* order: the starts first, highest priority first, then by name; the
 * default priority for domains without one */
static void
haTestOrder(void)
{
    shoalSchedHaConfig config;
    shoalSchedHaDomain doms[5];
    g_autoptr(GArray) out = NULL;
    static const char *const expected[] = { "p10", "a-default", "b-default",
                                            "p-5", "p9-no" };
    guint i;

    shoalSchedHaConfigInit(&config);
    config.defaultPriority = 3;
    doms[0] = haTestDomain("p-5", 1, -1);
    doms[0].priority = -5;
    doms[0].hasPriority = true;
    doms[1] = haTestDomain("b-default", 1, -1);
    doms[2] = haTestDomain("p10", 1, 10);
    doms[3] = haTestDomain("a-default", 1, -1);
    doms[4] = haTestDomain("p9-no", 0, 9);

    out = shoalSchedHaDecide(doms, G_N_ELEMENTS(doms), &config, 0);
    for (i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_cmpstr(g_array_index(out, shoalSchedHaDecision, i).domain->name,
                        ==, expected[i]);
    g_assert_cmpint(haTestFind(out, "a-default")->priority, ==, 3);
}

/* back-off: doubles from the minimum up to the cap; bounded attempts */
static void
haTestBackoff(void)
{
    shoalSchedHaConfig config;
    shoalSchedHaDomain dom = haTestDomain("d", 1, -1);
    g_autoptr(GArray) out = NULL;

    shoalSchedHaConfigInit(&config);
    g_assert_cmpuint(shoalSchedHaBackoffMs(&config, 1), ==, 5000);
    g_assert_cmpuint(shoalSchedHaBackoffMs(&config, 2), ==, 10000);
    g_assert_cmpuint(shoalSchedHaBackoffMs(&config, 4), ==, 40000);
    g_assert_cmpuint(shoalSchedHaBackoffMs(&config, 5), ==, 60000);
    g_assert_cmpuint(shoalSchedHaBackoffMs(&config, 50), ==, 60000);

    dom.attempts = 2;
    dom.lastTryMs = 100000;
    out = shoalSchedHaDecide(&dom, 1, &config, 109999);
    g_assert_cmpint(haTestFind(out, "d")->reason, ==,
                    SHOAL_SCHED_HA_REASON_BACKOFF);
    g_assert_cmpint(haTestFind(out, "d")->nextTryMs, ==, 110000);
    g_clear_pointer(&out, g_array_unref);
    out = shoalSchedHaDecide(&dom, 1, &config, 110000);
    g_assert_cmpint(haTestFind(out, "d")->reason, ==,
                    SHOAL_SCHED_HA_REASON_NONE);
    g_clear_pointer(&out, g_array_unref);
    dom.attempts = config.maxAttempts;
    out = shoalSchedHaDecide(&dom, 1, &config, G_MAXINT64 / 2);
    g_assert_cmpint(haTestFind(out, "d")->reason, ==,
                    SHOAL_SCHED_HA_REASON_GAVE_UP);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/ha/host-failed", haTestHostFailed);
    g_test_add_func("/sched/ha/which", haTestWhich);
    g_test_add_func("/sched/ha/order", haTestOrder);
    g_test_add_func("/sched/ha/backoff", haTestBackoff);
    return g_test_run();
}
