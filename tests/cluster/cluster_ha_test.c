/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The [ha] configuration, and what the admin interface shows of HA before
 * any host failed (the policy itself: tests/sched/sched_ha_test.c; a
 * restart on real hosts: tests/e2e/e2e_ha.sh). */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "util_error.h"

static shoalCluster *
haTestCluster(const char *conf, GError **error)
{
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(shoalCluster) cluster = NULL;

    if (!shoalDaemonConfigLoadData(config, conf, error))
        return NULL;
    cluster = shoalClusterNew(&config->cluster, context);
    g_assert_true(
        shoalClusterAddHost(cluster, "h1", "test:///default", NULL, NULL));
    shoalClusterSetHaConfig(cluster, &config->ha);
    return g_steal_pointer(&cluster);
}

/* without a declared lock manager HA restart is off, and says why */
static void
haTestOffWithoutLeases(void)
{
    g_autoptr(shoalCluster) cluster =
        haTestCluster("[ha]\nrestart=true\n", NULL);
    g_autoptr(shoalClusterHaStatus) status = shoalClusterGetHaStatus(cluster);
    g_autoptr(GPtrArray) checks = shoalClusterCheckHosts(cluster, NULL, NULL);
    const shoalClusterHostCheck *c;

    g_assert_false(status->enabled);
    g_assert_nonnull(strstr(status->disabledReason, "[ha] leases"));
    g_assert_null(status->leases);
    g_assert_cmpuint(status->records->len, ==, 0);
    g_assert_cmpuint(checks->len, ==, 1);
    c = checks->pdata[0];
    g_assert_cmpstr(c->name, ==, "h1");
    g_assert_null(c->leases);
    g_assert_false(c->failed);
}

static void
haTestOn(void)
{
    g_autoptr(shoalCluster) cluster =
        haTestCluster("[ha]\nleases=lockd\nfailure_timeout=12\n", NULL);
    g_autoptr(shoalClusterHaStatus) status = shoalClusterGetHaStatus(cluster);
    g_autoptr(GPtrArray) checks = shoalClusterCheckHosts(cluster, "h1", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) none = NULL;

    g_assert_true(status->enabled);
    g_assert_null(status->disabledReason);
    g_assert_cmpstr(status->leases, ==, "lockd");
    g_assert_cmpuint(status->failureTimeoutS, ==, 12);
    g_assert_cmpuint(g_strv_length(status->failedHosts), ==, 0);
    g_assert_cmpstr(((shoalClusterHostCheck *) checks->pdata[0])->leases, ==,
                    "lockd");
    none = shoalClusterCheckHosts(cluster, "h9", &error);
    g_assert_null(none);
    g_assert_nonnull(error);
}

static void
haTestOffByConfig(void)
{
    g_autoptr(shoalCluster) cluster =
        haTestCluster("[ha]\nleases=sanlock\nenabled=false\n", NULL);
    g_autoptr(shoalClusterHaStatus) status = shoalClusterGetHaStatus(cluster);

    g_assert_false(status->enabled);
    g_assert_nonnull(strstr(status->disabledReason, "enabled=false"));
}

/* bad values: a configuration error naming the key, never a guess */
static void
haTestBad(gconstpointer data)
{
    const char *const *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalCluster) cluster = haTestCluster(c[0], &error);

    g_assert_null(cluster);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX);
    g_assert_nonnull(strstr(error->message, c[1]));
}

static const char *const badLeases[] = { "[ha]\nleases=flock\n", "'flock'" };
static const char *const badTimeout[] = { "[ha]\nfailure_timeout=0\n",
                                          "failure_timeout" };
static const char *const badPriority[] = { "[ha]\npriority=5000\n",
                                           "priority" };
static const char *const badEnabled[] = { "[ha]\nenabled=maybe\n", "enabled" };
static const char *const badAttempts[] = { "[ha]\nmax_attempts=x\n",
                                           "max_attempts" };

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/ha/off-without-leases", haTestOffWithoutLeases);
    g_test_add_func("/cluster/ha/on", haTestOn);
    g_test_add_func("/cluster/ha/off-by-config", haTestOffByConfig);
    g_test_add_data_func("/cluster/ha/bad-leases", badLeases, haTestBad);
    g_test_add_data_func("/cluster/ha/bad-timeout", badTimeout, haTestBad);
    g_test_add_data_func("/cluster/ha/bad-priority", badPriority, haTestBad);
    g_test_add_data_func("/cluster/ha/bad-enabled", badEnabled, haTestBad);
    g_test_add_data_func("/cluster/ha/bad-attempts", badAttempts, haTestBad);
    return g_test_run();
}
