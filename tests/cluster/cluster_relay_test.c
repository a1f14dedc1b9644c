/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Generated relays: which take the domain's job. A call on the job a
 * domain runs now (migrate-setspeed, domjobabort --postcopy during a
 * migration) must not wait for that job, as in libvirt; a change does.
 */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define ALPHA_UUID "11111111-1111-4111-8111-111111111111"

typedef struct {
    testCluster *tc;
    unsigned char uuid[VIR_UUID_BUFLEN];
} relayFixture;

static void
relaySetUp(relayFixture *fixture, gconstpointer data)
{
    shoalClusterConfig config;

    shoalClusterConfigInit(&config);
    config.resyncIntervalMs = 3600 * 1000;
    config.statsIntervalMs = 3600 * 1000;
    fixture->tc = testClusterNewTwoHosts(&config);
    testClusterUUID(ALPHA_UUID, fixture->uuid);
}

static void
relayTearDown(relayFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->tc, testClusterFree);
}

/* A migration's tunables and its abort reach the host while the domain's
 * job is held (by the migration), and get the host's own answer. */
static void
testRelayOnRunningJob(relayFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalDomainJobsBegin(cluster->jobs, fixture->uuid, NULL));

    if (shoalClusterRelayDomainMigrateSetMaxSpeed(cluster, fixture->uuid, 100,
                                                  0, &error) < 0) {
        g_assert_false(
            g_error_matches(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT));
        g_assert_cmpint(shoalErrorGetOrigin(error), !=, VIR_FROM_NONE);
    }
    g_clear_error(&error);
    if (shoalClusterRelayDomainAbortJobFlags(cluster, fixture->uuid, 0,
                                             &error) < 0) {
        g_assert_false(
            g_error_matches(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT));
        g_assert_cmpint(shoalErrorGetOrigin(error), !=, VIR_FROM_NONE);
    }
    /* the job is still the migration's */
    g_assert_true(shoalDomainJobsIsActive(cluster->jobs, fixture->uuid));
    shoalDomainJobsEnd(cluster->jobs, fixture->uuid);
}

/* A change runs under the domain's job. */
static int
relaySeeJob(virDomainPtr dom, gpointer opaque)
{
    shoalCluster *cluster = opaque;
    unsigned char uuid[VIR_UUID_BUFLEN];

    g_assert_cmpint(virDomainGetUUID(dom, uuid), ==, 0);
    return shoalDomainJobsIsActive(cluster->jobs, uuid) ? 1 : 0;
}

static void
testRelayChangeTakesJob(relayFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;

    g_assert_cmpint(shoalClusterDomainCall(cluster, fixture->uuid,
                                           SHOAL_CALL_JOB, relaySeeJob, cluster,
                                           NULL),
                    ==, 1);
    g_assert_cmpint(shoalClusterDomainCall(cluster, fixture->uuid, 0,
                                           relaySeeJob, cluster, NULL),
                    ==, 0);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add("/cluster/relay/on-running-job", relayFixture, NULL, relaySetUp,
               testRelayOnRunningJob, relayTearDown);
    g_test_add("/cluster/relay/change-takes-job", relayFixture, NULL,
               relaySetUp, testRelayChangeTakesJob, relayTearDown);
    return g_test_run();
}
