/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_query.c on libvirt's test driver (no root, no
 * libvirtd): statistics of explicitly named domains fail when a host
 * cannot give them, instead of leaving that host's records out.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_eventloop.h"
#include "cluster_internal.h"
#include "cluster_inventory.h"
#include "testutil_loop.h"
#include "util_error.h"

typedef struct {
    testLoop *loop;
    shoalCluster *cluster;
    bool started; /* loop thread only */
} queryTestFixture;

/* Loop thread, as in virtshoald: starts the cluster, or stops it. */
static void
queryTestStartOrStop(gpointer opaque)
{
    queryTestFixture *fixture = opaque;

    if (fixture->started)
        shoalClusterStop(fixture->cluster);
    else
        shoalClusterStart(fixture->cluster);
    fixture->started = !fixture->started;
}

static bool
queryTestHostOnline(gpointer opaque, gconstpointer data G_GNUC_UNUSED)
{
    queryTestFixture *fixture = opaque;
    g_autoptr(GPtrArray) doms =
        shoalClusterListDomains(fixture->cluster, 0, NULL);

    return doms && doms->len == 1;
}

/* One host, test:///default with its domain "test", online. */
static void
queryTestSetUp(queryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    shoalClusterConfig config;

    shoalClusterConfigInit(&config);
    /* no periodic re-read or sample while a test runs */
    config.resyncIntervalMs = 3600 * 1000;
    config.statsIntervalMs = 3600 * 1000;
    fixture->loop = testLoopNew();
    fixture->cluster =
        shoalClusterNew(&config, testLoopGetContext(fixture->loop));
    g_assert_true(shoalClusterAddHost(fixture->cluster, "h1", "test:///default",
                                      NULL, &error));
    g_assert_no_error(error);
    testLoopStart(fixture->loop, "query-test-loop");
    testLoopInvoke(fixture->loop, queryTestStartOrStop, fixture);
    testLoopWaitFor(queryTestHostOnline, fixture, NULL,
                    "host 'h1' to come online with its domain");
}

static void
queryTestTearDown(queryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    testLoopInvoke(fixture->loop, queryTestStartOrStop, fixture);
    g_clear_pointer(&fixture->loop, testLoopFree);
    g_clear_pointer(&fixture->cluster, shoalClusterFree);
}

static GPtrArray *
queryTestUUIDs(void)
{
    return g_ptr_array_new_with_free_func(g_free);
}

/*
 * Named domains: their records come back; a domain the inventory places
 * on a host that no longer has it fails the whole call with the host's
 * error (it used to leave the host's records out, with no error).
 */
static void
testStatsNamedLookupFails(queryTestFixture *fixture,
                          gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(shoalDomainRef) test = NULL;
    g_autoptr(shoalInventoryRecord) ghost = NULL;
    g_autoptr(GPtrArray) uuids = queryTestUUIDs();
    g_autoptr(GPtrArray) stats = NULL;
    g_autoptr(GError) error = NULL;
    static const unsigned char ghostUUID[VIR_UUID_BUFLEN] = {
        0x5a, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0x99
    };

    test = shoalClusterLookupDomainByName(fixture->cluster, "test", &error);
    g_assert_no_error(error);
    g_ptr_array_add(uuids, g_memdup2(test->uuid, VIR_UUID_BUFLEN));
    stats =
        shoalClusterGetAllDomainStats(fixture->cluster, uuids, 0, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(stats);
    g_assert_cmpuint(stats->len, ==, 1);
    g_clear_pointer(&stats, g_ptr_array_unref);

    /* the inventory says h1 has "ghost", h1 says it has no such domain
     * (as after an undefine on the host that Shoal has not read yet) */
    ghost = shoalInventoryRecordNew("ghost", ghostUUID);
    ghost->state = VIR_DOMAIN_SHUTOFF;
    ghost->persistent = true;
    shoalInventoryUpdate(fixture->cluster->inventory, "h1", ghost);
    g_ptr_array_add(uuids, g_memdup2(ghostUUID, VIR_UUID_BUFLEN));
    stats =
        shoalClusterGetAllDomainStats(fixture->cluster, uuids, 0, 0, &error);
    g_assert_null(stats);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);

    /* every domain, none named: the host's records come back */
    g_clear_error(&error);
    stats = shoalClusterGetAllDomainStats(fixture->cluster, NULL, 0, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(stats);
    g_assert_cmpuint(stats->len, ==, 1);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    shoalEventLoop *events;
    int ret;

    g_test_init(&argc, &argv, NULL);
    /* host connections register with libvirt's event loop, as in main */
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);

    g_test_add("/cluster/query/stats/named-lookup-fails", queryTestFixture,
               NULL, queryTestSetUp, testStatsNamedLookupFails,
               queryTestTearDown);

    ret = g_test_run();
    shoalEventLoopFree(events);
    return ret;
}
