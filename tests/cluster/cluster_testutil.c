/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_testutil.h"

#include <glib/gstdio.h>

#include "cluster_eventloop.h"
#include "cluster_internal.h"
#include "testutil_file.h"
#include "util_uuid.h"

char *
testClusterDataURI(const char *file)
{
    g_autofree char *path = NULL;
    g_autofree char *abs = NULL;

    /* the integration test's hosts: alpha (running) and beta on host1,
     * gamma on host2 */
    path =
        g_test_build_filename(G_TEST_DIST, "data", "integration", file, NULL);
    abs = g_canonicalize_filename(path, NULL);
    return g_strdup_printf("test://%s", abs);
}

/**
 * testClusterNew:
 * @hosts: ends with a NULL name
 * @config: (nullable): the defaults when NULL
 *
 * A cluster with a store and its hosts, not started.
 */
testCluster *
testClusterNew(const testClusterHost *hosts, const shoalClusterConfig *config)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("shoal-cluster-XXXXXX", &error);

    g_assert_no_error(error);
    return testClusterNewInDir(hosts, config, dir);
}

/**
 * testClusterNewInDir:
 * @dir: (transfer full): the store's directory, removed at the end
 *
 * As testClusterNew(), on a store the test prepared.
 */
testCluster *
testClusterNewInDir(const testClusterHost *hosts,
                    const shoalClusterConfig *config,
                    char *dir)
{
    testCluster *tc = g_new0(testCluster, 1);
    g_autoptr(GError) error = NULL;
    shoalClusterConfig defaults;
    size_t i;

    tc->dir = dir;
    if (!config) {
        shoalClusterConfigInit(&defaults);
        config = &defaults;
    }
    tc->loop = testLoopNew();
    tc->cluster = shoalClusterNew(config, testLoopGetContext(tc->loop));
    g_assert_true(shoalClusterOpenStore(tc->cluster, tc->dir, &error));
    g_assert_no_error(error);
    for (i = 0; hosts[i].name; i++) {
        g_autofree char *uri = hosts[i].file ? testClusterDataURI(hosts[i].file)
                                             : g_strdup(hosts[i].uri);

        g_assert_true(
            shoalClusterAddHost(tc->cluster, hosts[i].name, uri, NULL, &error));
        g_assert_no_error(error);
    }
    testLoopStart(tc->loop, "cluster-loop");
    return tc;
}

static void
testClusterStartOnLoop(gpointer data)
{
    shoalClusterStart(data);
}

/* Starts the cluster on the loop thread, as virtshoald's main does. */
void
testClusterStart(testCluster *tc)
{
    testLoopInvoke(tc->loop, testClusterStartOnLoop, tc->cluster);
    tc->started = true;
}

static bool
testClusterHasDomains(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autoptr(GPtrArray) doms = shoalClusterListDomains(tc->cluster, 0, NULL);

    return doms && doms->len == GPOINTER_TO_UINT(data);
}

void
testClusterWaitDomains(testCluster *tc, unsigned n)
{
    testLoopWaitFor(testClusterHasDomains, tc, GUINT_TO_POINTER(n),
                    "the cluster to list its domains");
}

/**
 * testClusterNewTwoHosts:
 * @config: (nullable): the defaults when NULL
 *
 * The integration test's two hosts (alpha, beta on host1; gamma on
 * host2), started, read, and with no host job left.
 */
testCluster *
testClusterNewTwoHosts(const shoalClusterConfig *config)
{
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { "host2", "host2.xml", NULL },
        { NULL, NULL, NULL },
    };
    testCluster *tc = testClusterNew(hosts, config);

    testClusterStart(tc);
    testClusterWaitDomains(tc, 3);
    testClusterWaitIdle(tc);
    return tc;
}

static bool
testClusterIsIdle(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(tc->cluster);
    bool idle = true;
    guint i;

    for (i = 0; idle && i < hosts->len; i++)
        idle = shoalHostIsIdle(hosts->pdata[i]);
    return idle;
}

/*
 * Waits until no host job runs or waits (the re-read that follows each
 * connect, event refreshes), so that none overwrites what a test does.
 */
void
testClusterWaitIdle(testCluster *tc)
{
    testLoopWaitFor(testClusterIsIdle, tc, NULL, "the host jobs to finish");
}

static void
testClusterStopOnLoop(gpointer data)
{
    shoalClusterStop(data);
}

void
testClusterFree(testCluster *tc)
{
    if (!tc)
        return;
    testLoopInvoke(tc->loop, testClusterStopOnLoop, tc->cluster);
    g_clear_pointer(&tc->loop, testLoopFree);
    g_clear_pointer(&tc->cluster, shoalClusterFree);
    testRemoveTree(tc->dir);
    g_free(tc->dir);
    g_free(tc);
}

/**
 * testClusterInit:
 *
 * Once per test program, before any cluster. Returns: (transfer full):
 * libvirt's client event loop, on its own thread, for the whole run.
 */
shoalEventLoop *
testClusterInit(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    shoalEventLoop *events;

    g_test_init(argc, argv, NULL);
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);
    return events;
}

const unsigned char *
testClusterUUID(const char *str, unsigned char *buf)
{
    g_assert_true(shoalUUIDParse(str, buf));
    return buf;
}

/* Returns: (transfer full): a connection to member @hostName's libvirt,
 * behind the cluster's back. */
virConnectPtr
testClusterHostConnect(testCluster *tc, const char *hostName)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(tc->cluster, hostName, &error);
    virConnectPtr conn;

    g_assert_no_error(error);
    conn = shoalHostGetConnection(host, &error);
    g_assert_no_error(error);
    return conn;
}
