/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node calls of the cluster (cluster_node.c) on libvirt's test driver:
 * h1 is test:///default (16 CPUs, 2 cells), h2 the integration test's
 * host1 (2 CPUs, 1 cell). Cells and CPUs are numbered h1's first.
 */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

typedef struct {
    testCluster *tc;
} nodeFixture;

static void
nodeSetUp(nodeFixture *fixture, gconstpointer data)
{
    static const testClusterHost hosts[] = {
        { "h1", NULL, "test:///default" },
        { "h2", "host1.xml", NULL },
        { NULL, NULL, NULL },
    };
    shoalClusterConfig config;

    shoalClusterConfigInit(&config);
    config.resyncIntervalMs = 3600 * 1000;
    config.statsIntervalMs = 3600 * 1000;
    fixture->tc = testClusterNew(hosts, &config);
    testClusterStart(fixture->tc);
    /* "test" on h1, alpha and beta on h2 */
    testClusterWaitDomains(fixture->tc, 3);
    testClusterWaitIdle(fixture->tc);
}

static void
nodeTearDown(nodeFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->tc, testClusterFree);
}

/* The host's own figures, straight from libvirt. */
static void
nodeHostCPUStats(virNodeCPUStats *params, int *nparams)
{
    virConnectPtr conn = virConnectOpen("test:///default");

    g_assert_nonnull(conn);
    g_assert_cmpint(virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS,
                                       params, nparams, 0),
                    ==, 0);
    virConnectClose(conn);
}

static void
testNodeCPUStatsSum(nodeFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    virNodeCPUStats host[4] = { 0 };
    virNodeCPUStats params[4] = { 0 };
    int hostN = 4;
    int n = 0;
    int i;

    nodeHostCPUStats(host, &hostN);
    g_assert_true(shoalClusterNodeGetCPUStats(cluster,
                                              VIR_NODE_CPU_STATS_ALL_CPUS, NULL,
                                              &n, 0, NULL));
    g_assert_cmpint(n, ==, hostN);
    g_assert_true(shoalClusterNodeGetCPUStats(cluster,
                                              VIR_NODE_CPU_STATS_ALL_CPUS,
                                              params, &n, 0, NULL));
    g_assert_cmpint(n, ==, hostN);
    /* both hosts answer the test driver's figures: twice each */
    for (i = 0; i < n; i++) {
        g_assert_cmpstr(params[i].field, ==, host[i].field);
        g_assert_cmpuint(params[i].value, ==, 2 * host[i].value);
    }
}

static void
testNodeCPUStatsOneCPU(nodeFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    virNodeCPUStats host[4] = { 0 };
    virNodeCPUStats params[4] = { 0 };
    g_autoptr(GError) error = NULL;
    int hostN = 4;
    int n = 4;

    nodeHostCPUStats(host, &hostN);
    /* CPU 17 is h2's second: the host's own figures, not a sum */
    g_assert_true(
        shoalClusterNodeGetCPUStats(cluster, 17, params, &n, 0, &error));
    g_assert_no_error(error);
    g_assert_cmpint(n, ==, hostN);
    g_assert_cmpuint(params[0].value, ==, host[0].value);
    /* 16 + 2 CPUs: there is no CPU 18 */
    n = 4;
    g_assert_false(
        shoalClusterNodeGetCPUStats(cluster, 18, params, &n, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
}

/* The test driver has no memory statistics: its own error comes back. */
static void
testNodeMemoryStatsHostError(nodeFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    virNodeMemoryStats params[4];
    int n = 0;

    g_assert_false(
        shoalClusterNodeGetMemoryStats(fixture->tc->cluster,
                                       VIR_NODE_MEMORY_STATS_ALL_CELLS, params,
                                       &n, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
}

static void
testNodeCellsFreeMemory(nodeFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    unsigned long long cells[4] = { 0 };
    unsigned long long free1 = 0;

    /* h1's two cells, as the host says */
    g_assert_cmpint(shoalClusterNodeGetCellsFreeMemory(cluster, cells, 0, 2,
                                                       &error),
                    ==, 2);
    g_assert_no_error(error);
    g_assert_cmpuint(cells[0], ==, 2048ULL * 1024);
    g_assert_cmpuint(cells[1], ==, 4096ULL * 1024);
    g_assert_cmpint(shoalClusterNodeGetCellsFreeMemory(cluster, cells, 1, 1,
                                                       &error),
                    ==, 1);
    g_assert_cmpuint(cells[0], ==, 4096ULL * 1024);
    /* 2 + 1 cells */
    g_assert_cmpint(shoalClusterNodeGetCellsFreeMemory(cluster, cells, 3, 1,
                                                       &error),
                    ==, -1);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_clear_error(&error);
    /* h2's test driver has no cells: its failure is the call's */
    g_assert_false(shoalClusterNodeGetFreeMemory(cluster, &free1, &error));
    g_assert_nonnull(error);
}

static void
testNodeCPUMap(nodeFixture *fixture, gconstpointer data)
{
    g_autofree unsigned char *map = NULL;
    unsigned online = 0;
    int n =
        shoalClusterNodeGetCPUMap(fixture->tc->cluster, &map, &online, 0, NULL);

    /* each test host: 8 CPUs present, 0, 2 and 4 online */
    g_assert_cmpint(n, ==, 16);
    g_assert_cmpuint(online, ==, 6);
    g_assert_cmpuint(map[0], ==, 0x15);
    g_assert_cmpuint(map[1], ==, 0x15);
}

static void
testNodeCPUModelNames(nodeFixture *fixture, gconstpointer data)
{
    g_auto(GStrv) models = NULL;
    virConnectPtr conn = virConnectOpen("test:///default");
    char **hostModels = NULL;
    int hostN;
    int n;
    int i;

    g_assert_nonnull(conn);
    hostN = virConnectGetCPUModelNames(conn, "x86_64", &hostModels, 0);
    virConnectClose(conn);
    g_assert_cmpint(hostN, >, 0);
    n = shoalClusterGetCPUModelNames(fixture->tc->cluster, "x86_64", &models, 0,
                                     NULL);
    /* the same driver on both hosts: all of them, in the host's order */
    g_assert_cmpint(n, ==, hostN);
    for (i = 0; i < n; i++) {
        g_assert_cmpstr(models[i], ==, hostModels[i]);
        free(hostModels[i]);
    }
    free(hostModels);
    g_assert_cmpint(shoalClusterGetCPUModelNames(fixture->tc->cluster, "x86_64",
                                                 NULL, 0, NULL),
                    ==, hostN);
}

/* No domain capabilities nor hypervisor CPUs in the test driver: the
 * host's error, never a made-up answer. */
static void
testNodeUnsupported(nodeFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autofree char *caps = NULL;
    const char *cpus[] = { "<cpu><model>qemu64</model></cpu>" };

    caps = shoalClusterGetDomainCapabilities(cluster, NULL, NULL, NULL, NULL, 0,
                                             &error);
    g_assert_null(caps);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
    g_clear_error(&error);
    g_assert_cmpint(shoalClusterCompareHypervisorCPU(cluster, NULL, NULL, NULL,
                                                     NULL, cpus[0], 0, &error),
                    ==, VIR_CPU_COMPARE_ERROR);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
    g_clear_error(&error);
    g_assert_null(shoalClusterBaselineHypervisorCPU(cluster, NULL, NULL, NULL,
                                                    NULL, cpus, 1, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add("/cluster/node/cpu-stats-sum", nodeFixture, NULL, nodeSetUp,
               testNodeCPUStatsSum, nodeTearDown);
    g_test_add("/cluster/node/cpu-stats-one-cpu", nodeFixture, NULL, nodeSetUp,
               testNodeCPUStatsOneCPU, nodeTearDown);
    g_test_add("/cluster/node/memory-stats-host-error", nodeFixture, NULL,
               nodeSetUp, testNodeMemoryStatsHostError, nodeTearDown);
    g_test_add("/cluster/node/cells-free-memory", nodeFixture, NULL, nodeSetUp,
               testNodeCellsFreeMemory, nodeTearDown);
    g_test_add("/cluster/node/cpu-map", nodeFixture, NULL, nodeSetUp,
               testNodeCPUMap, nodeTearDown);
    g_test_add("/cluster/node/cpu-model-names", nodeFixture, NULL, nodeSetUp,
               testNodeCPUModelNames, nodeTearDown);
    g_test_add("/cluster/node/unsupported", nodeFixture, NULL, nodeSetUp,
               testNodeUnsupported, nodeTearDown);
    return g_test_run();
}
