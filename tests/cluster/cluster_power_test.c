/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Power steps of power-saving mode (cluster_power.c) with fake commands
 * on libvirt's test driver: a power-off of an empty host puts it in
 * standby (disconnected, stored, not reconnected), a power-on brings it
 * back online; a failing command, one that runs past its bound and a
 * host that does not answer after its power-on mark the host failed.
 * On real hosts with the testbed: tests/e2e/e2e_power.sh.
 */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "testutil_file.h"
#include "util_error.h"

typedef struct {
    const char *off;
    const char *on;
    unsigned onTimeoutS;
    unsigned commandTimeoutS;
    const char *uri3;    /* nullable: host3-empty.xml */
    unsigned haTimeoutS; /* [ha] failure_timeout; 0: the default */
} powerTestSetup;

static void
powerTestStartOnLoop(gpointer data)
{
    shoalClusterStart(data);
}

static void
powerTestStopOnLoop(gpointer data)
{
    shoalClusterStop(data);
}

/* host1 with two domains, host3 empty, with @setup's commands; the store
 * in @dir (kept). */
static testCluster *
powerTestCluster(const powerTestSetup *setup, const char *dir)
{
    testCluster *tc = g_new0(testCluster, 1);
    g_autoptr(GError) error = NULL;
    g_autofree char *uri1 = testClusterDataURI("host1.xml");
    g_autofree char *file3 = g_build_filename(dir, "host3-empty.xml", NULL);
    g_autofree char *uri3 = setup->uri3 ? g_strdup(setup->uri3)
                                        : g_strdup_printf("test://%s", file3);
    shoalClusterConfig config;

    /* an empty host for libvirt's test driver, so that power-saving mode
     * may power it off */
    g_assert_true(g_file_set_contents(file3,
                                      "<node><cpu><mhz>3000</mhz>"
                                      "<model>i686</model><nodes>1</nodes>"
                                      "<sockets>1</sockets><cores>4</cores>"
                                      "<threads>1</threads></cpu>"
                                      "<memory>8388608</memory></node>",
                                      -1, NULL));

    shoalClusterConfigInit(&config);
    config.reconnectMinMs = 100;
    config.reconnectMaxMs = 200;
    tc->dir = g_strdup(dir);
    tc->loop = testLoopNew();
    tc->cluster = shoalClusterNew(&config, testLoopGetContext(tc->loop));
    g_assert_true(
        shoalClusterAddHost(tc->cluster, "host1", uri1, NULL, &error));
    g_assert_true(
        shoalClusterAddHost(tc->cluster, "host3", uri3, NULL, &error));
    g_assert_true(shoalClusterSetHostPower(tc->cluster, "host3", setup->off,
                                           setup->on, setup->onTimeoutS,
                                           setup->commandTimeoutS, &error));
    if (setup->haTimeoutS) {
        g_autoptr(shoalDaemonConfig) daemon = shoalDaemonConfigNew();

        /* no leases: failures are detected, nothing is restarted */
        daemon->ha.failureTimeoutS = setup->haTimeoutS;
        shoalClusterSetHaConfig(tc->cluster, &daemon->ha);
    }
    /* as virtshoald: the stored flags over the configured hosts */
    g_assert_true(shoalClusterOpenStore(tc->cluster, tc->dir, &error));
    g_assert_no_error(error);
    testLoopStart(tc->loop, "cluster-loop");
    testLoopInvoke(tc->loop, powerTestStartOnLoop, tc->cluster);
    tc->started = true;
    testClusterWaitDomains(tc, 2);
    testClusterWaitIdle(tc);
    return tc;
}

/* Stops and frees @tc but keeps its store, for a restart. */
static void
powerTestClusterFreeKeep(testCluster *tc)
{
    testLoopInvoke(tc->loop, powerTestStopOnLoop, tc->cluster);
    g_clear_pointer(&tc->loop, testLoopFree);
    g_clear_pointer(&tc->cluster, shoalClusterFree);
    g_free(tc->dir);
    g_free(tc);
}

static shoalHostState
powerTestState(testCluster *tc, const char *name)
{
    g_autoptr(shoalHost) host = shoalClusterLookupHost(tc->cluster, name, NULL);

    g_assert_nonnull(host);
    return shoalHostGetState(host);
}

/* What `shoalctl host list` says of @name. */
static const char *
powerTestListState(testCluster *tc, const char *name)
{
    g_autoptr(GPtrArray) infos = shoalClusterListHostInfo(tc->cluster);
    guint i;

    for (i = 0; i < infos->len; i++) {
        const shoalClusterHostInfo *info = infos->pdata[i];

        if (g_str_equal(info->name, name))
            return info->state; /* static */
    }
    g_assert_not_reached();
}

/* @name in the scheduler's snapshot. */
static void
powerTestNode(testCluster *tc,
              const char *name,
              bool *online,
              bool *standby,
              bool *control)
{
    shoalSchedSnapshot *snap = shoalClusterSnapshot(tc->cluster);
    const shoalSchedNode *node = shoalSchedSnapshotFindNode(snap, name);

    g_assert_nonnull(node);
    *online = node->online;
    *standby = node->standby;
    *control = node->powerControl;
    shoalSchedSnapshotUnref(snap);
}

static char *
powerTestDir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("shoal-power-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

static bool
powerTestIsOnline(gpointer opaque, gconstpointer data)
{
    return powerTestState(opaque, data) == SHOAL_HOST_STATE_ONLINE;
}

typedef struct {
    testCluster *tc;
    const char *name;
} powerTestHa;

static bool
powerTestHaFailed(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autoptr(shoalClusterHaStatus) status =
        shoalClusterGetHaStatus(tc->cluster);

    return g_strv_contains((const char *const *) status->failedHosts, data);
}

static bool
powerTestHaNotFailed(gpointer opaque, gconstpointer data)
{
    return !powerTestHaFailed(opaque, data);
}

/* @host lost, as if its connection broke: last seen online now */
static void
powerTestCut(testCluster *tc, shoalHost *host)
{
    shoalHostSetUnreachable(host, "cut for the test");
    shoalClusterDisconnectHost(tc->cluster, host);
}

/* HA counts a lost host as failed, never one in standby: host3, lost
 * once (HA sees that), back, then powered off, is not failed when host1,
 * lost after it, is */
static void
testPowerStandbyNotFailed(void)
{
    static const powerTestSetup setup = { "true", "true", 30, 30, NULL, 1 };
    g_autofree char *dir = powerTestDir();
    testCluster *tc = powerTestCluster(&setup, dir);
    g_autoptr(shoalHost) host1 =
        shoalClusterLookupHost(tc->cluster, "host1", NULL);
    g_autoptr(shoalHost) host3 =
        shoalClusterLookupHost(tc->cluster, "host3", NULL);
    g_autoptr(shoalClusterHaStatus) status = NULL;
    g_autoptr(GPtrArray) checks = NULL;
    g_autoptr(GError) error = NULL;

    powerTestCut(tc, host3);
    testLoopWaitFor(powerTestHaFailed, tc, "host3", "HA to fail host3");
    shoalClusterRequestConnect(tc->cluster, host3);
    testLoopWaitFor(powerTestIsOnline, tc, "host3", "host3 to be online");
    testLoopWaitFor(powerTestHaNotFailed, tc, "host3", "host3 to be back");

    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    g_assert_no_error(error);
    powerTestCut(tc, host1);
    testLoopWaitFor(powerTestHaFailed, tc, "host1", "HA to fail host1");
    status = shoalClusterGetHaStatus(tc->cluster);
    g_assert_false(
        g_strv_contains((const char *const *) status->failedHosts, "host3"));
    checks = shoalClusterCheckHosts(tc->cluster, "host3", NULL);
    g_assert_cmpuint(checks->len, ==, 1);
    g_assert_false(((shoalClusterHostCheck *) checks->pdata[0])->failed);
    testClusterFree(tc);
}

/* a domain that fits on no powered host wakes one in standby: the
 * define fails saying so, and places it there once it is online */
static void
testPowerWakeForPlacement(void)
{
    static const powerTestSetup setup = { "true", "true", 30, 30, NULL };
    static const char xml[] = "<domain type='test'><name>big</name>"
                              "<memory unit='GiB'>6</memory><vcpu>1</vcpu>"
                              "<os><type>hvm</type></os></domain>";
    g_autofree char *dir = powerTestDir();
    testCluster *tc = powerTestCluster(&setup, dir);
    g_autoptr(shoalDomainXML) def = shoalDomainXMLParse(xml, NULL);
    g_autoptr(shoalHost) chosen = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull(def);
    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    chosen = shoalClusterPlace(tc->cluster, def, xml, NULL, NULL, &error);
    g_assert_null(chosen);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "'host3' is being powered on"));
    g_clear_error(&error);
    testLoopWaitFor(powerTestIsOnline, tc, "host3", "host3 to be woken");
    chosen = shoalClusterPlace(tc->cluster, def, xml, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(chosen->name, ==, "host3");
    testClusterFree(tc);
}

/* off, on, and the standby in between: disconnected, not reconnected,
 * stored, shown, not online for the planner */
static void
testPowerOffOn(void)
{
    static const powerTestSetup setup = { "true", "true", 30, 30, NULL };
    g_autofree char *dir = powerTestDir();
    testCluster *tc = powerTestCluster(&setup, dir);
    g_autoptr(shoalHost) host3 =
        shoalClusterLookupHost(tc->cluster, "host3", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *stored = NULL;
    bool online, standby, control;

    g_assert_cmpint(powerTestState(tc, "host3"), ==, SHOAL_HOST_STATE_ONLINE);
    powerTestNode(tc, "host3", &online, &standby, &control);
    g_assert_true(online);
    g_assert_false(standby);
    g_assert_true(control);
    powerTestNode(tc, "host1", &online, &standby, &control);
    g_assert_false(control);

    /* a host with domains is not powered off, nor one without commands */
    g_assert_false(shoalClusterPowerOff(tc->cluster, "host1", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED);
    g_clear_error(&error);

    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    g_assert_no_error(error);
    g_assert_true(shoalClusterPowerInStandby(tc->cluster, "host3"));
    g_assert_cmpint(powerTestState(tc, "host3"), ==,
                    SHOAL_HOST_STATE_UNREACHABLE);
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "standby");
    powerTestNode(tc, "host3", &online, &standby, &control);
    g_assert_false(online);
    g_assert_true(standby);
    g_assert_true(control);
    stored = shoalStoreGetHosts(tc->cluster->store);
    g_assert_nonnull(strstr(stored, "\"standby\""));
    /* asked to connect, a host in standby is left alone */
    shoalClusterRequestConnect(tc->cluster, host3);
    testClusterWaitIdle(tc);
    g_assert_cmpint(powerTestState(tc, "host3"), ==,
                    SHOAL_HOST_STATE_UNREACHABLE);

    g_assert_true(shoalClusterPowerOn(tc->cluster, "host3", &error));
    g_assert_no_error(error);
    g_assert_false(shoalClusterPowerInStandby(tc->cluster, "host3"));
    g_assert_cmpint(powerTestState(tc, "host3"), ==, SHOAL_HOST_STATE_ONLINE);
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "online");
    testClusterFree(tc);
}

/* a failing power-off command: reported, the host failed, no power step
 * planned for it, still not reconnected (it may be half off) */
static void
testPowerOffFails(void)
{
    static const powerTestSetup setup = { "echo 'BMC said no' >&2; /bin/false",
                                          "true", 30, 30, NULL };
    g_autofree char *dir = powerTestDir();
    testCluster *tc = powerTestCluster(&setup, dir);
    g_autoptr(GError) error = NULL;
    bool online, standby, control;

    g_assert_false(shoalClusterPowerOff(tc->cluster, "host3", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "BMC said no"));
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "failed");
    powerTestNode(tc, "host3", &online, &standby, &control);
    g_assert_false(online);
    g_assert_false(control);
    testClusterFree(tc);
}

/* a power-on command past its bound: killed, the host failed and still
 * in standby; one that succeeds with a host that never answers: failed
 * after power_on_timeout */
static void
testPowerOnFails(void)
{
    static const powerTestSetup slow = { "true", "sleep 600", 30, 1, NULL };
    static const powerTestSetup mute = { "true", "true", 1, 30,
                                         "test:///nonexistent/host.xml" };
    g_autofree char *dir1 = powerTestDir();
    g_autofree char *dir2 = powerTestDir();
    testCluster *tc = powerTestCluster(&slow, dir1);
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    g_assert_false(shoalClusterPowerOn(tc->cluster, "host3", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "sleep 600"));
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "failed");
    g_assert_true(shoalClusterPowerInStandby(tc->cluster, "host3"));
    testClusterFree(tc);
    g_clear_error(&error);

    tc = powerTestCluster(&mute, dir2);
    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    g_assert_false(shoalClusterPowerOn(tc->cluster, "host3", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "did not answer"));
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "failed");
    g_assert_false(shoalClusterPowerInStandby(tc->cluster, "host3"));
    testClusterFree(tc);
}

/* a restart of virtshoald keeps the standby: the host is not connected
 * until a power-on */
static void
testPowerStandbyStored(void)
{
    static const powerTestSetup setup = { "true", "true", 30, 30, NULL };
    g_autofree char *dir = powerTestDir();
    testCluster *tc = powerTestCluster(&setup, dir);
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalClusterPowerOff(tc->cluster, "host3", &error));
    powerTestClusterFreeKeep(tc);

    tc = powerTestCluster(&setup, dir);
    g_assert_true(shoalClusterPowerInStandby(tc->cluster, "host3"));
    g_assert_cmpint(powerTestState(tc, "host3"), ==,
                    SHOAL_HOST_STATE_UNREACHABLE);
    g_assert_cmpstr(powerTestListState(tc, "host3"), ==, "standby");
    g_assert_true(shoalClusterPowerOn(tc->cluster, "host3", &error));
    g_assert_no_error(error);
    testLoopWaitFor(powerTestIsOnline, tc, "host3", "host3 to be online");
    testClusterFree(tc);
}

int
main(int argc, char **argv)
{
    shoalEventLoop *events = testClusterInit(&argc, &argv);
    int ret;

    g_test_add_func("/cluster/power/off-on", testPowerOffOn);
    g_test_add_func("/cluster/power/off-fails", testPowerOffFails);
    g_test_add_func("/cluster/power/on-fails", testPowerOnFails);
    g_test_add_func("/cluster/power/standby-stored", testPowerStandbyStored);
    g_test_add_func("/cluster/power/wake-for-placement",
                    testPowerWakeForPlacement);
    g_test_add_func("/cluster/power/standby-not-failed",
                    testPowerStandbyNotFailed);
    ret = g_test_run();
    shoalEventLoopFree(events);
    return ret;
}
