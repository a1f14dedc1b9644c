/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_placementcache.c: the placement metadata of a stored
 * domain is parsed once per change of its stored definition, follows
 * every change, and leaves with the domain.
 */

#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_placementcache.h"
#include "testutil_file.h"

#define CACHE_TEST_PLACEMENT(mode)                                  \
    "<domain type='kvm'><name>web</name><metadata>"                 \
    "<shoal:placement xmlns:shoal='http://shoal.example.org/xmlns/" \
    "placement/1' mode='" mode "'><shoal:affinity group='front'/>"  \
    "<shoal:pin host='h1'/></shoal:placement></metadata></domain>"

typedef struct {
    char *dir;
    shoalStore *store;
    shoalPlacementCache *cache;
} cacheTestFixture;

static void
cacheTestSetup(cacheTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fixture->dir = g_dir_make_tmp("shoal-placementcache-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->store = shoalStoreOpen(fixture->dir, &error);
    g_assert_no_error(error);
    fixture->cache = shoalPlacementCacheNew();
}

static void
cacheTestTeardown(cacheTestFixture *fixture, gconstpointer data)
{
    shoalPlacementCacheFree(fixture->cache);
    shoalStoreFree(fixture->store);
    testRemoveTree(fixture->dir);
    g_free(fixture->dir);
}

static void
cacheTestPut(cacheTestFixture *fixture, unsigned n, const char *xml)
{
    g_autoptr(shoalStoreDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN] = { 0x5a };

    uuid[15] = n;
    dom = shoalStoreDomainNew("web", uuid, "h1", xml, false);
    g_assert_true(shoalStorePut(fixture->store, dom, &error));
    g_assert_no_error(error);
}

/* The mode the cache gives domain @n; "" for none. */
static char *
cacheTestMode(cacheTestFixture *fixture, unsigned n)
{
    g_autoptr(shoalSchedDomain) dom = shoalSchedDomainNew("web");
    unsigned char uuid[VIR_UUID_BUFLEN] = { 0x5a };

    uuid[15] = n;
    shoalPlacementCacheFill(fixture->cache, fixture->store, uuid, dom, NULL);
    if (dom->mode && !g_str_equal(dom->mode, "off")) {
        g_assert_nonnull(dom->affinity);
        g_assert_cmpstr(dom->affinity[0], ==, "front");
        g_assert_nonnull(dom->pinned);
        g_assert_cmpstr(dom->pinned[0], ==, "h1");
    }
    return g_strdup(dom->mode ? dom->mode : "");
}

#define CACHE_TEST_MODE(n, expected)                       \
    do {                                                   \
        g_autofree char *mode = cacheTestMode(fixture, n); \
        g_assert_cmpstr(mode, ==, expected);               \
    } while (0)

/* Parsed once, however often asked; parsed again when it changes. */
static void
testFollowsStore(cacheTestFixture *fixture, gconstpointer data)
{
    cacheTestPut(fixture, 1, CACHE_TEST_PLACEMENT("advise"));
    CACHE_TEST_MODE(1, "advise");
    CACHE_TEST_MODE(1, "advise");
    shoalPlacementCacheSweep(fixture->cache);
    CACHE_TEST_MODE(1, "advise");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 1);

    /* an equal put is no change */
    cacheTestPut(fixture, 1, CACHE_TEST_PLACEMENT("advise"));
    CACHE_TEST_MODE(1, "advise");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 1);

    cacheTestPut(fixture, 1, CACHE_TEST_PLACEMENT("automatic"));
    CACHE_TEST_MODE(1, "automatic");
    CACHE_TEST_MODE(1, "automatic");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 2);
}

/* Invalid metadata leaves the domain alone (mode off), also cached; a
 * domain the store does not hold gets nothing. */
static void
testInvalidAndAbsent(cacheTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN] = { 0x5a };

    cacheTestPut(fixture, 1, CACHE_TEST_PLACEMENT("sometimes"));
    CACHE_TEST_MODE(1, "off");
    CACHE_TEST_MODE(1, "off");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 1);

    CACHE_TEST_MODE(2, "");
    uuid[15] = 1;
    g_assert_true(shoalStoreRemove(fixture->store, uuid, &error));
    g_assert_no_error(error);
    CACHE_TEST_MODE(1, "");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 1);
}

/* A domain no fill asked for between two sweeps leaves the cache. */
static void
testSweep(cacheTestFixture *fixture, gconstpointer data)
{
    cacheTestPut(fixture, 1, CACHE_TEST_PLACEMENT("advise"));
    cacheTestPut(fixture, 2, CACHE_TEST_PLACEMENT("advise"));
    CACHE_TEST_MODE(1, "advise");
    CACHE_TEST_MODE(2, "advise");
    shoalPlacementCacheSweep(fixture->cache);
    CACHE_TEST_MODE(1, "advise");
    shoalPlacementCacheSweep(fixture->cache);
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 2);
    CACHE_TEST_MODE(1, "advise");
    CACHE_TEST_MODE(2, "advise");
    g_assert_cmpuint(shoalPlacementCacheGetParses(fixture->cache), ==, 3);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define CACHE_TEST_ADD(path, func)                                 \
    g_test_add(path, cacheTestFixture, NULL, cacheTestSetup, func, \
               cacheTestTeardown)
    CACHE_TEST_ADD("/cluster/placementcache/follows-store", testFollowsStore);
    CACHE_TEST_ADD("/cluster/placementcache/invalid-absent",
                   testInvalidAndAbsent);
    CACHE_TEST_ADD("/cluster/placementcache/sweep", testSweep);
    return g_test_run();
}
