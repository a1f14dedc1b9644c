/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shoalClusterDomainCall(): the one way to a domain's host, with its job,
 * retry and refresh options, on libvirt's test driver.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define ALPHA_UUID "11111111-1111-4111-8111-111111111111"
#define UNKNOWN_UUID "44444444-4444-4444-8444-444444444444"

typedef struct {
    testCluster *tc;
} callFixture;

static void
callSetUp(callFixture *fixture, gconstpointer data)
{
    shoalClusterConfig config;

    /* no periodic re-read during a case: the retry cases move a domain
     * behind the hosts' backs */
    shoalClusterConfigInit(&config);
    config.resyncIntervalMs = 3600 * 1000;
    config.statsIntervalMs = 3600 * 1000;
    fixture->tc = testClusterNewTwoHosts(&config);
}

static void
callTearDown(callFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->tc, testClusterFree);
}

/* What a call saw of the cluster while it ran. */
typedef struct {
    shoalCluster *cluster; /* borrowed */
    unsigned calls;
    bool jobHeld;
    char *name;
} callSeen;

static int
callName(virDomainPtr dom, gpointer opaque)
{
    callSeen *seen = opaque;
    unsigned char uuid[VIR_UUID_BUFLEN];

    seen->calls++;
    g_assert_cmpint(virDomainGetUUID(dom, uuid), ==, 0);
    seen->jobHeld = shoalDomainJobsIsActive(seen->cluster->jobs, uuid);
    g_free(seen->name);
    seen->name = g_strdup(virDomainGetName(dom));
    return 7;
}

static void
testCallPlain(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    callSeen seen = { cluster, 0, false, NULL };
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autofree char *host = NULL;

    testClusterUUID(ALPHA_UUID, uuid);
    g_assert_cmpint(shoalClusterDomainCallFull(cluster, uuid, 0, callName,
                                               &seen, &host, &error),
                    ==, 7);
    g_assert_no_error(error);
    g_assert_cmpuint(seen.calls, ==, 1);
    g_assert_cmpstr(seen.name, ==, "alpha");
    g_assert_cmpstr(host, ==, "host1");
    g_assert_false(seen.jobHeld);

    /* with SHOAL_CALL_JOB the domain's job is held around the call, and
     * released after it */
    g_assert_cmpint(shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_JOB,
                                           callName, &seen, &error),
                    ==, 7);
    g_assert_no_error(error);
    g_assert_true(seen.jobHeld);
    g_assert_false(shoalDomainJobsIsActive(cluster->jobs, uuid));
    g_free(seen.name);
}

/* An unknown domain fails before the host is called. */
static void
testCallUnknown(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    callSeen seen = { cluster, 0, false, NULL };
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    testClusterUUID(UNKNOWN_UUID, uuid);
    g_assert_cmpint(shoalClusterDomainCall(cluster, uuid,
                                           SHOAL_CALL_JOB | SHOAL_CALL_RETRY |
                                               SHOAL_CALL_REFRESH,
                                           callName, &seen, &error),
                    ==, -1);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpuint(seen.calls, ==, 0);
    g_assert_false(shoalDomainJobsIsActive(cluster->jobs, uuid));
}

static int
callStart(virDomainPtr dom, gpointer opaque)
{
    return virDomainCreate(dom);
}

/* The host's error comes back with its code and message. */
static void
testCallHostError(callFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    testClusterUUID(ALPHA_UUID, uuid);
    g_assert_cmpint(shoalClusterDomainCall(fixture->tc->cluster, uuid,
                                           SHOAL_CALL_JOB, callStart, NULL,
                                           &error),
                    ==, -1);
    /* the test driver's code and message, unchanged: only errors of the
     * connection to the host name it */
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(error->message, ==,
                    "internal error: Domain 'alpha' is already running");
    g_assert_cmpint(shoalErrorGetOrigin(error), ==, VIR_FROM_TEST);
}

static int
callSuspendAndDescribe(virDomainPtr dom, gpointer opaque)
{
    if (virDomainSuspend(dom) < 0)
        return -1;
    return virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_DESCRIPTION,
                                "refreshed by the call", NULL, NULL,
                                VIR_DOMAIN_AFFECT_CONFIG);
}

/* SHOAL_CALL_REFRESH: the inventory and the store show the change as
 * soon as the call returns, without waiting for the host's event. */
static void
testCallRefresh(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalStoreDomain) stored = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int state = -1;
    int reason = -1;

    testClusterUUID(ALPHA_UUID, uuid);
    g_assert_cmpint(shoalClusterDomainCall(cluster, uuid,
                                           SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                                           callSuspendAndDescribe, NULL,
                                           &error),
                    ==, 0);
    g_assert_no_error(error);
    g_assert_true(
        shoalClusterDomainGetState(cluster, uuid, &state, &reason, &error));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    stored = shoalStoreLookup(cluster->store, uuid, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(stored->xml, "refreshed by the call"));
}

/*
 * A migration Shoal did not run, modelled on the test driver: the first
 * call finds the domain gone from host1, where a copy now exists on
 * host2 and the inventory has settled there.
 */
typedef struct {
    shoalCluster *cluster; /* borrowed */
    unsigned calls;
    char *lastHost;
} callMove;

static void
callMoveAlpha(shoalCluster *cluster, virDomainPtr dom)
{
    g_autoptr(shoalHost) to = shoalClusterLookupHost(cluster, "host2", NULL);
    g_autoptr(shoalInventoryRecord) rec = NULL;
    g_autofree char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    virConnectPtr conn = shoalHostGetConnection(to, NULL);
    virDomainPtr copy;
    unsigned char uuid[VIR_UUID_BUFLEN];

    g_assert_nonnull(xml);
    g_assert_nonnull(conn);
    /* as a migration: the incoming copy is no conflict */
    virDomainGetUUID(dom, uuid);
    shoalInventorySetMoving(cluster->inventory, uuid, true);
    copy = virDomainDefineXML(conn, xml);
    g_assert_nonnull(copy);
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    rec = shoalInventoryRecordNew("alpha", uuid);
    rec->state = VIR_DOMAIN_SHUTOFF;
    rec->persistent = true;
    shoalInventoryMove(cluster->inventory, "host1", "host2", rec);
    virDomainFree(copy);
    virConnectClose(conn);
}

static int
callInfoAfterMove(virDomainPtr dom, gpointer opaque)
{
    callMove *move = opaque;
    virDomainInfo info;

    move->calls++;
    g_free(move->lastHost);
    move->lastHost = virConnectGetURI(virDomainGetConnect(dom));
    if (move->calls == 1)
        callMoveAlpha(move->cluster, dom);
    return virDomainGetInfo(dom, &info);
}

static void
testCallRetry(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    bool retry = GPOINTER_TO_INT(data);
    callMove move = { cluster, 0, NULL };
    g_autoptr(GError) error = NULL;
    g_autofree char *host2 = testClusterDataURI("host2.xml");
    unsigned char uuid[VIR_UUID_BUFLEN];
    int rc;

    testClusterUUID(ALPHA_UUID, uuid);
    rc = shoalClusterDomainCall(cluster, uuid, retry ? SHOAL_CALL_RETRY : 0,
                                callInfoAfterMove, &move, &error);
    if (retry) {
        /* once more, on the host the domain went to */
        g_assert_no_error(error);
        g_assert_cmpint(rc, ==, 0);
        g_assert_cmpuint(move.calls, ==, 2);
        g_assert_cmpstr(move.lastHost, ==, host2);
    } else {
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
        g_assert_cmpint(rc, ==, -1);
        g_assert_cmpuint(move.calls, ==, 1);
    }
    g_free(move.lastHost);
}

/* shoalClusterHostDomainCall(): the host asked, not the owner. */
static void
testCallHost(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    callSeen seen = { cluster, 0, false, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalHost) host1 = shoalClusterLookupHost(cluster, "host1", NULL);
    g_autoptr(shoalHost) host2 = shoalClusterLookupHost(cluster, "host2", NULL);
    unsigned char uuid[VIR_UUID_BUFLEN];

    testClusterUUID(ALPHA_UUID, uuid);
    /* host2 has no alpha: libvirt's answer, and @func never runs */
    g_assert_cmpint(shoalClusterHostDomainCall(cluster, host2, uuid,
                                               SHOAL_CALL_JOB, callName, &seen,
                                               &error),
                    ==, -1);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpuint(seen.calls, ==, 0);
    g_assert_false(shoalDomainJobsIsActive(cluster->jobs, uuid));
    g_clear_error(&error);

    g_assert_cmpint(shoalClusterHostDomainCall(cluster, host1, uuid,
                                               SHOAL_CALL_JOB, callName, &seen,
                                               &error),
                    ==, 7);
    g_assert_no_error(error);
    g_assert_cmpuint(seen.calls, ==, 1);
    g_assert_true(seen.jobHeld);
    g_assert_cmpstr(seen.name, ==, "alpha");
    g_assert_false(shoalDomainJobsIsActive(cluster->jobs, uuid));
    g_free(seen.name);
}

static int
callSuspendThenFail(virDomainPtr dom, gpointer opaque)
{
    if (virDomainSuspend(dom) < 0)
        return -1;
    /* already defined and running: the test driver refuses */
    return virDomainCreate(dom);
}

/* SHOAL_CALL_REFRESH_FAILED: a change that failed half way is re-read,
 * and the caller still gets the host's error. */
static void
testCallRefreshFailed(callFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) stateError = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int state = -1;
    int reason = -1;

    testClusterUUID(ALPHA_UUID, uuid);
    g_assert_cmpint(shoalClusterDomainCall(cluster, uuid,
                                           SHOAL_CALL_JOB |
                                               SHOAL_CALL_REFRESH_FAILED,
                                           callSuspendThenFail, NULL, &error),
                    ==, -1);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_assert_true(shoalClusterDomainGetState(cluster, uuid, &state, &reason,
                                             &stateError));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
}

static void
callAdd(const char *path,
        gconstpointer data,
        void (*func)(callFixture *, gconstpointer))
{
    g_test_add(path, callFixture, data, callSetUp, func, callTearDown);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    callAdd("/cluster/call/plain", NULL, testCallPlain);
    callAdd("/cluster/call/unknown", NULL, testCallUnknown);
    callAdd("/cluster/call/host-error", NULL, testCallHostError);
    callAdd("/cluster/call/refresh", NULL, testCallRefresh);
    callAdd("/cluster/call/refresh-failed", NULL, testCallRefreshFailed);
    callAdd("/cluster/call/host", NULL, testCallHost);
    callAdd("/cluster/call/retry", GINT_TO_POINTER(TRUE), testCallRetry);
    callAdd("/cluster/call/no-retry", GINT_TO_POINTER(FALSE), testCallRetry);
    return g_test_run();
}
