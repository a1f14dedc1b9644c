/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_host.c without a connection: when a lost host is
 * tried again.
 */

#include <config.h>

#include <glib.h>

#include "cluster_host.h"

#define HOST_TEST_MIN_MS 1000
#define HOST_TEST_MAX_MS 30000
#define HOST_TEST_S G_USEC_PER_SEC

static unsigned
hostTestRetry(shoalHost *host, gint64 nowUs)
{
    unsigned delayMs;

    g_mutex_lock(&host->lock);
    delayMs = shoalHostNextRetryLocked(host, HOST_TEST_MIN_MS, HOST_TEST_MAX_MS,
                                       nowUs);
    g_mutex_unlock(&host->lock);
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

    g_mutex_lock(&host->lock);
    host->lostUs = lostUs;
    g_mutex_unlock(&host->lock);
    for (i = 0; i < 20; i++)
        g_assert_cmpuint(hostTestRetry(host, lostUs + i * HOST_TEST_S), ==,
                         500);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 299 * HOST_TEST_S), ==, 500);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 300 * HOST_TEST_S), ==, 1000);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 301 * HOST_TEST_S), ==, 2000);
    g_assert_cmpuint(hostTestRetry(host, lostUs + 303 * HOST_TEST_S), ==, 4000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/host/retry/never-online", testRetryNeverOnline);
    g_test_add_func("/cluster/host/retry/recently-lost", testRetryRecentlyLost);
    return g_test_run();
}
