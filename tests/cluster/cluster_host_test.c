/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_host.c without a connection: when a lost host is
 * tried again, its job queue, and the state it reports.
 */

#include <config.h>

#include <glib.h>

#define SHOAL_CLUSTER_HOST_PRIV_H_ALLOW
#include "cluster_host_priv.h"

#define HOST_TEST_MIN_MS 1000
#define HOST_TEST_MAX_MS 30000
#define HOST_TEST_S G_USEC_PER_SEC

static unsigned
hostTestRetry(shoalHost *host, gint64 nowUs)
{
    unsigned delayMs;

    g_mutex_lock(&host->priv->lock);
    delayMs = shoalHostNextRetryLocked(host, HOST_TEST_MIN_MS, HOST_TEST_MAX_MS,
                                       nowUs);
    g_mutex_unlock(&host->priv->lock);
    return delayMs;
}

/* A host never online (a daemon starting, a typo in a URI): the back-off
 * doubles from the minimum to the cap. */
static void
testRetryNeverOnline(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    static const unsigned expected[] = { 1000,  2000,  4000, 8000,
                                         16000, 30000, 30000 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(expected); i++)
        g_assert_cmpuint(hostTestRetry(host, 100 * HOST_TEST_S), ==,
                         expected[i]);
}

/*
 * A host lost a moment ago (libvirtd restarting) is tried every 500 ms
 * for five minutes, however many attempts failed: it is used again soon
 * after it answers. Then the back-off doubles as for any other host.
 */
static void
testRetryRecentlyLost(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    gint64 lostUs = 1000 * HOST_TEST_S;
    unsigned i;

    g_mutex_lock(&host->priv->lock);
    host->priv->lostUs = lostUs;
    g_mutex_unlock(&host->priv->lock);
    for (i = 0; i < 20; i++)
        g_assert_cmpuint(hostTestRetry(host, lostUs + i * HOST_TEST_S), ==,
                         500);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 299 * HOST_TEST_S), ==, 500);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 300 * HOST_TEST_S), ==, 1000);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 301 * HOST_TEST_S), ==, 2000);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 303 * HOST_TEST_S), ==, 4000);
}

/* A host's jobs run one worker at a time: the first push starts it, the
 * worker pops in order, and once it found none the next push starts
 * another. */
static void
testJobQueue(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    int a = 1, b = 2, c = 3;

    g_assert_true(shoalHostIsIdle(host));
    g_assert_true(shoalHostPushJob(host, &a));
    g_assert_false(shoalHostPushJob(host, &b));
    g_assert_false(shoalHostIsIdle(host));
    g_assert_true(shoalHostPopJob(host) == &a);
    g_assert_false(shoalHostPushJob(host, &c));
    g_assert_true(shoalHostPopJob(host) == &b);
    g_assert_true(shoalHostPopJob(host) == &c);
    g_assert_false(shoalHostIsIdle(host));
    g_assert_null(shoalHostPopJob(host));
    g_assert_true(shoalHostIsIdle(host));
    g_assert_true(shoalHostPushJob(host, &a));
    shoalHostClearJobs(host, NULL);
    g_assert_null(shoalHostPopJob(host));
    g_assert_true(shoalHostIsIdle(host));
}

/* The configured capacity replaces what the host says, and only that. */
static void
testStatusCapacity(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    g_auto(shoalHostStatus) status = { 0 };

    shoalHostGetStatus(host, &status);
    g_assert_cmpint(status.state, ==, SHOAL_HOST_STATE_CONNECTING);
    g_assert_false(status.hasFacts);
    g_assert_cmpuint(status.cpus, ==, 0);
    shoalHostStatusClear(&status);

    shoalHostSetCapacity(host, 64, 1024 * 1024);
    shoalHostSetMaintenance(host, true);
    shoalHostSetUnreachable(host, "refused");
    shoalHostGetStatus(host, &status);
    g_assert_cmpint(status.state, ==, SHOAL_HOST_STATE_UNREACHABLE);
    g_assert_true(status.maintenance);
    g_assert_cmpstr(status.lastError, ==, "refused");
    g_assert_cmpuint(status.cpus, ==, 64);
    g_assert_cmpuint(status.memoryKiB, ==, 1024 * 1024);
    g_assert_cmpuint(status.nodeCpus, ==, 0);
    g_assert_true(shoalHostInMaintenance(host));
}

/*
 * A host that stops answering (power lost: noticed only when the
 * keepalive gives up) is lost since its last answer, not since noticed;
 * one that never answered a call since it came online, since noticed.
 */
static void
testLostSinceAnswer(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    g_auto(shoalHostStatus) status = { 0 };
    gint64 before;

    host->priv->state = SHOAL_HOST_STATE_ONLINE;
    shoalHostNoteAnswered(host, 5 * HOST_TEST_S);
    shoalHostNoteAnswered(host, 3 * HOST_TEST_S);
    g_assert_true(shoalHostSetUnreachable(host, "keepalive timeout"));
    shoalHostGetStatus(host, &status);
    g_assert_cmpint(status.lostUs, ==, 5 * HOST_TEST_S);
    shoalHostStatusClear(&status);
    /* not online: answers are not noted, the loss is not news */
    shoalHostNoteAnswered(host, 7 * HOST_TEST_S);
    g_assert_false(shoalHostSetUnreachable(host, "refused"));
    shoalHostGetStatus(host, &status);
    g_assert_cmpint(status.lostUs, ==, 5 * HOST_TEST_S);
    shoalHostStatusClear(&status);

    g_clear_pointer(&host, shoalHostUnref);
    host = shoalHostNew("h2", "test:///default", NULL);
    host->priv->state = SHOAL_HOST_STATE_ONLINE;
    before = g_get_monotonic_time();
    g_assert_true(shoalHostSetUnreachable(host, "keepalive timeout"));
    shoalHostGetStatus(host, &status);
    g_assert_cmpint(status.lostUs, >=, before);
}

/* What left for maintenance is remembered until --return takes it. */
static void
testEvacuated(void)
{
    g_autoptr(shoalHost) host = shoalHostNew("h1", "test:///default", NULL);
    const unsigned char one[VIR_UUID_BUFLEN] = { 1 };
    const unsigned char two[VIR_UUID_BUFLEN] = { 2 };
    g_autoptr(GPtrArray) copy = NULL;
    g_autoptr(GPtrArray) taken = NULL;

    shoalHostAddEvacuated(host, one);
    shoalHostAddEvacuated(host, two);
    copy = shoalHostCopyEvacuated(host);
    g_assert_cmpuint(copy->len, ==, 2);
    g_assert_cmpmem(copy->pdata[1], VIR_UUID_BUFLEN, two, VIR_UUID_BUFLEN);
    taken = shoalHostTakeEvacuated(host);
    g_assert_cmpuint(taken->len, ==, 2);
    g_assert_cmpmem(taken->pdata[0], VIR_UUID_BUFLEN, one, VIR_UUID_BUFLEN);
    g_clear_pointer(&copy, g_ptr_array_unref);
    copy = shoalHostCopyEvacuated(host);
    g_assert_cmpuint(copy->len, ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/host/retry/never-online", testRetryNeverOnline);
    g_test_add_func("/cluster/host/retry/recently-lost", testRetryRecentlyLost);
    g_test_add_func("/cluster/host/jobs", testJobQueue);
    g_test_add_func("/cluster/host/status/capacity", testStatusCapacity);
    g_test_add_func("/cluster/host/evacuated", testEvacuated);
    g_test_add_func("/cluster/host/lost-since-answer", testLostSinceAnswer);
    return g_test_run();
}
