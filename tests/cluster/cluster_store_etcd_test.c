/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the etcd backend of the store (cluster_store_etcd.c) against
 * a real etcd started here on 127.0.0.1 (skipped if etcd is not
 * installed): records survive a new daemon byte for byte, a follower's
 * writes are refused, a deposed leader's writes fail (fencing), a
 * crashed leader's lease runs out and another takes over, and with etcd
 * unreachable reads go on while writes fail, losing nothing acknowledged;
 * only a leader whose lease is fresh may act on hosts.
 */

#include <config.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_store.h"
#include "cluster_store_backend.h"
#include "cluster_store_etcd.h"
#include "etcd_client.h"
#include "testutil_etcd.h"
#include "util_error.h"

/* short, so that takeovers in tests are quick */
#define ETCD_TEST_TTL_S 2
/* generous: the machine may be loaded */
#define ETCD_TEST_CAMPAIGN_MS 30000

typedef struct {
    testEtcd *etcd;   /* borrowed: one cluster for every case */
    unsigned members; /* of that cluster */
} etcdTestData;

typedef struct {
    testEtcd *etcd; /* borrowed */
    char *prefix;   /* each case its own */
} etcdTestFixture;

static void
etcdTestSetup(etcdTestFixture *fixture, gconstpointer data)
{
    const etcdTestData *td = data;

    fixture->etcd = td->etcd;
    /* distinct per case and per run */
    fixture->prefix =
        g_strdup_printf("%s-%d/", g_test_get_path(), (int) getpid());
}

static void
etcdTestTeardown(etcdTestFixture *fixture, gconstpointer data)
{
    g_free(fixture->prefix);
}

static shoalStoreBackend *
etcdTestBackend(etcdTestFixture *fixture, const char *identity)
{
    g_autoptr(GError) error = NULL;
    shoalStoreEtcdConfig config = {
        .endpoints = testEtcdEndpoints(fixture->etcd),
        .prefix = fixture->prefix,
        .identity = identity,
        .leaseTtlS = ETCD_TEST_TTL_S,
        .timeoutMs = 1000,
    };
    shoalStoreBackend *backend = shoalStoreEtcdBackendNew(&config, &error);

    g_assert_no_error(error);
    g_assert_nonnull(backend);
    return backend;
}

/* A store on a backend that leads. */
static shoalStore *
etcdTestOpenLeader(etcdTestFixture *fixture,
                   const char *identity,
                   shoalStoreBackend **backendOut)
{
    g_autoptr(GError) error = NULL;
    shoalStoreBackend *backend = etcdTestBackend(fixture, identity);
    shoalStore *store;

    g_assert_true(
        shoalStoreEtcdCampaign(backend, ETCD_TEST_CAMPAIGN_MS, &error));
    g_assert_no_error(error);
    g_assert_true(shoalStoreEtcdIsLeader(backend));
    if (backendOut)
        *backendOut = backend;
    store = shoalStoreNew(backend, &error);
    g_assert_no_error(error);
    return store;
}

static shoalStoreDomain *
etcdTestDomain(const char *name, unsigned n, const char *host)
{
    unsigned char uuid[VIR_UUID_BUFLEN] = { 0x5a, 0, 0, 0, 0, 0, 0x40, 0, 0x80 };
    g_autofree char *xml =
        g_strdup_printf("<domain type='kvm'>\n  <name>%s</name>\n  <description>Café "
                        "\"Ω\" &amp; 日本</description>\n</domain>\n",
                        name);

    uuid[15] = (unsigned char) n;
    return shoalStoreDomainNew(name, uuid, host, xml, n % 2 == 0);
}

static void
etcdTestAssertHolds(shoalStore *store, const shoalStoreDomain *expected)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalStoreDomain) dom =
        shoalStoreLookup(store, expected->uuid, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(dom->name, ==, expected->name);
    g_assert_cmpstr(dom->hostName, ==, expected->hostName);
    g_assert_cmpstr(dom->xml, ==, expected->xml);
    g_assert_cmpint(dom->autostart, ==, expected->autostart);
}

/* What one daemon wrote, another finds, byte for byte. */
static void
testRoundTrip(etcdTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = etcdTestOpenLeader(fixture, "a", NULL);
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) db = etcdTestDomain("db", 2, NULL);
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *hosts = NULL;
    g_autofree char *doc = NULL;

    g_assert_true(shoalStorePut(store, web, &error));
    g_assert_true(shoalStorePut(store, db, &error));
    g_assert_true(shoalStorePutHosts(store, "[{\"name\":\"h1\"}]", &error));
    g_assert_true(shoalStorePutDocument(store, "objects", "{\"x\":1}", &error));
    g_assert_no_error(error);
    /* a removal reaches etcd too */
    web->uuid[15] = 3;
    g_assert_true(shoalStorePut(store, web, &error));
    g_assert_true(shoalStoreRemove(store, web->uuid, &error));
    web->uuid[15] = 1;
    g_assert_no_error(error);
    g_clear_pointer(&store, shoalStoreFree);

    store = etcdTestOpenLeader(fixture, "b", NULL);
    etcdTestAssertHolds(store, web);
    etcdTestAssertHolds(store, db);
    list = shoalStoreList(store);
    g_assert_cmpuint(list->len, ==, 2);
    hosts = shoalStoreGetHosts(store);
    g_assert_cmpstr(hosts, ==, "[{\"name\":\"h1\"}]");
    doc = shoalStoreGetDocument(store, "objects", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(doc, ==, "{\"x\":1}");
    g_clear_pointer(&doc, g_free);
    doc = shoalStoreGetDocument(store, "absent", &error);
    g_assert_no_error(error);
    g_assert_null(doc);
}

/* While one leads, another reads but neither leads nor writes. */
static void
testFollowerRefused(etcdTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) leader = etcdTestOpenLeader(fixture, "a", NULL);
    shoalStoreBackend *backend = etcdTestBackend(fixture, "b");
    g_autoptr(shoalStore) follower = NULL;
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    g_autofree char *who = NULL;

    g_assert_true(shoalStorePut(leader, web, &error));
    g_assert_false(shoalStoreEtcdCampaign(backend, 500, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_clear_error(&error);
    g_assert_false(shoalStoreEtcdIsLeader(backend));
    who = shoalStoreEtcdGetLeader(backend, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(who, ==, "a");

    follower = shoalStoreNew(backend, &error);
    g_assert_no_error(error);
    etcdTestAssertHolds(follower, web);
    web->uuid[15] = 2;
    g_assert_false(shoalStorePut(follower, web, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "does not lead"));
    g_clear_error(&error);
    /* nor acts on hosts: only the leader does */
    g_assert_false(shoalStoreMayAct(follower, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&error);
    g_assert_true(shoalStoreMayAct(leader, &error));
    g_assert_no_error(error);
}

/*
 * A leader whose lease ran out while it did not notice (paused, say)
 * cannot write once another leads: every write compares the leader key.
 */
static void
testFencing(etcdTestFixture *fixture, gconstpointer data)
{
    shoalStoreBackend *oldBackend = NULL;
    g_autoptr(shoalStore) old = etcdTestOpenLeader(fixture, "a", &oldBackend);
    g_autoptr(shoalStore) next = NULL;
    g_autoptr(shoalEtcdClient) client =
        shoalEtcdClientNew(testEtcdEndpoints(fixture->etcd), 5000, NULL);
    g_autofree char *leaderKey = g_strconcat(fixture->prefix, "leader", NULL);
    g_autoptr(shoalEtcdKeyValue) kv = NULL;
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) moved = etcdTestDomain("web", 1, "h2");
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalStorePut(old, web, &error));
    /* the old leader's lease ends behind its back */
    kv = shoalEtcdGet(client, leaderKey, &error);
    g_assert_no_error(error);
    g_assert_nonnull(kv);
    g_assert_true(shoalEtcdLeaseRevoke(client, kv->lease, &error));
    g_assert_no_error(error);

    next = etcdTestOpenLeader(fixture, "b", NULL);
    g_assert_true(shoalStorePut(next, moved, &error));
    g_assert_no_error(error);

    /* a change, or the store would not even ask the backend */
    g_free(web->hostName);
    web->hostName = g_strdup("h3");
    g_assert_false(shoalStorePut(old, web, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_false(shoalStoreEtcdIsLeader(oldBackend));
    g_clear_pointer(&old, shoalStoreFree);

    /* etcd holds the new leader's record */
    g_clear_pointer(&next, shoalStoreFree);
    next = etcdTestOpenLeader(fixture, "c", NULL);
    etcdTestAssertHolds(next, moved);
}

/*
 * A leader that dies without a word (a child process, _exit()): its
 * acknowledged write stands, and another leads once its lease ran out.
 */
static void
testTakeover(etcdTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(shoalStore) store = NULL;
    g_autoptr(GError) error = NULL;
    int ready[2];
    char byte = 0;
    gint64 start;
    pid_t pid;
    int status;

    g_assert_cmpint(pipe(ready), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        shoalStore *child = etcdTestOpenLeader(fixture, "a", NULL);

        if (!shoalStorePut(child, web, NULL))
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    g_assert_cmpint(read(ready[0], &byte, 1), ==, 1);
    close(ready[0]);
    kill(pid, SIGKILL);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);

    start = g_get_monotonic_time();
    store = etcdTestOpenLeader(fixture, "b", NULL);
    g_test_message("takeover after the leader's death: %.1f s (TTL %d s)",
                   (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC,
                   ETCD_TEST_TTL_S);
    etcdTestAssertHolds(store, web);
}

/*
 * etcd gone: reads keep serving, writes fail saying why; back: what was
 * acknowledged is there, and the daemon leads and writes again.
 */
static void
testUnreachable(etcdTestFixture *fixture, gconstpointer data)
{
    const etcdTestData *td = data;
    shoalStoreBackend *backend = NULL;
    g_autoptr(shoalStore) store = etcdTestOpenLeader(fixture, "a", &backend);
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) db = etcdTestDomain("db", 2, "h1");
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *doc = NULL;
    unsigned i;

    g_assert_true(shoalStorePut(store, web, &error));
    g_assert_true(shoalStorePutDocument(store, "objects", "{}", &error));
    doc = shoalStoreGetDocument(store, "objects", &error);
    g_assert_no_error(error);
    g_clear_pointer(&doc, g_free);

    for (i = 0; i < td->members; i++)
        testEtcdKill(fixture->etcd, i);
    etcdTestAssertHolds(store, web);
    list = shoalStoreList(store);
    g_assert_cmpuint(list->len, ==, 1);
    doc = shoalStoreGetDocument(store, "objects", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(doc, ==, "{}");
    g_assert_false(shoalStorePut(store, db, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "etcd is unreachable"));
    g_clear_error(&error);
    /* not in the table either: a failed define is not shown */
    g_assert_null(shoalStoreLookup(store, db->uuid, NULL));

    for (i = 0; i < td->members; i++)
        testEtcdRestart(fixture->etcd, i);
    testEtcdWait(fixture->etcd);
    /* the daemon may have lost its lease meanwhile: it campaigns again */
    if (!shoalStoreEtcdIsLeader(backend))
        g_assert_true(
            shoalStoreEtcdCampaign(backend, ETCD_TEST_CAMPAIGN_MS, &error));
    g_assert_no_error(error);
    g_assert_true(shoalStorePut(store, db, &error));
    g_assert_no_error(error);
    g_clear_pointer(&store, shoalStoreFree);

    store = etcdTestOpenLeader(fixture, "b", NULL);
    etcdTestAssertHolds(store, web);
    etcdTestAssertHolds(store, db);
}

static void
etcdTestCountDeposed(gpointer opaque)
{
    g_atomic_int_inc((gint *) opaque);
}

/* Waits, bounded, until @backend leads or not, as @leads says. */
static void
etcdTestWaitLeads(shoalStoreBackend *backend, bool leads)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    while (shoalStoreEtcdIsLeader(backend) != leads) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(50 * G_TIME_SPAN_MILLISECOND);
    }
}

/* Waits, bounded, until @store may act on hosts or not, as @may says. */
static void
etcdTestWaitMayAct(shoalStore *store, bool may)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    while (shoalStoreMayAct(store, NULL) != may) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(50 * G_TIME_SPAN_MILLISECOND);
    }
}

/*
 * etcd gone for longer than the lease: the leader suspends its writes,
 * saying etcd is unreachable, and keeps serving reads; etcd back with the
 * lease alive (etcd renews leases when it restarts), it leads again with
 * no word of deposition.
 */
static void
testUnreachableLong(etcdTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    gint deposed = 0;
    shoalStoreEtcdConfig config = {
        .endpoints = testEtcdEndpoints(fixture->etcd),
        .prefix = fixture->prefix,
        .identity = "a",
        .leaseTtlS = ETCD_TEST_TTL_S,
        .timeoutMs = 1000,
        .deposed = etcdTestCountDeposed,
        .deposedOpaque = &deposed,
    };
    shoalStoreBackend *backend = shoalStoreEtcdBackendNew(&config, &error);
    g_autoptr(shoalStore) store = NULL;
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) db = etcdTestDomain("db", 2, "h1");

    g_assert_no_error(error);
    g_assert_true(
        shoalStoreEtcdCampaign(backend, ETCD_TEST_CAMPAIGN_MS, &error));
    store = shoalStoreNew(backend, &error);
    g_assert_no_error(error);
    g_assert_true(shoalStorePut(store, web, &error));
    g_assert_true(shoalStoreMayAct(store, &error));

    testEtcdKill(fixture->etcd, 0);
    /* host actions stop before writes do: before the lease could have
     * run out in etcd */
    etcdTestWaitMayAct(store, false);
    etcdTestWaitLeads(backend, false);
    g_assert_false(shoalStoreMayAct(store, NULL));
    g_assert_false(shoalStorePut(store, db, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "etcd is unreachable"));
    g_clear_error(&error);
    etcdTestAssertHolds(store, web);

    testEtcdRestart(fixture->etcd, 0);
    testEtcdWait(fixture->etcd);
    etcdTestWaitLeads(backend, true);
    etcdTestWaitMayAct(store, true);
    g_assert_true(shoalStorePut(store, db, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_atomic_int_get(&deposed), ==, 0);
}

/* One member of three down: writes and reads go on through the others. */
static void
testMemberDown(etcdTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = etcdTestOpenLeader(fixture, "a", NULL);
    g_autoptr(shoalStoreDomain) web = etcdTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    testEtcdKill(fixture->etcd, 0);
    /* while etcd elects a new leader (if the killed member led), writes
     * fail, saying etcd is unreachable; then they go through */
    while (!shoalStorePut(store, web, &error)) {
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_clear_error(&error);
        g_usleep(100 * G_TIME_SPAN_MILLISECOND);
    }
    g_assert_no_error(error);
    g_clear_pointer(&store, shoalStoreFree);
    store = etcdTestOpenLeader(fixture, "b", NULL);
    etcdTestAssertHolds(store, web);
    testEtcdRestart(fixture->etcd, 0);
    testEtcdWait(fixture->etcd);
}

static void
testBadConfig(void)
{
    g_autoptr(GError) error = NULL;
    shoalStoreEtcdConfig config = { .endpoints = "127.0.0.1:2379" };

    g_assert_null(shoalStoreEtcdBackendNew(&config, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_clear_error(&error);
    config.endpoints = " , ";
    g_assert_null(shoalStoreEtcdBackendNew(&config, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
}

int
main(int argc, char **argv)
{
    etcdTestData one = { NULL, 1 };
    etcdTestData three = { NULL, 3 };
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/store/etcd/bad-config", testBadConfig);
    if (!testEtcdAvailable()) {
        g_test_message("etcd is not installed: skipping its cases");
        return g_test_run();
    }
#define ETCD_TEST_ADD(path, data, func)                          \
    g_test_add(path, etcdTestFixture, data, etcdTestSetup, func, \
               etcdTestTeardown)
    ETCD_TEST_ADD("/cluster/store/etcd/round-trip", &one, testRoundTrip);
    ETCD_TEST_ADD("/cluster/store/etcd/follower-refused", &one,
                  testFollowerRefused);
    ETCD_TEST_ADD("/cluster/store/etcd/fencing", &one, testFencing);
    ETCD_TEST_ADD("/cluster/store/etcd/takeover", &one, testTakeover);
    ETCD_TEST_ADD("/cluster/store/etcd/unreachable", &one, testUnreachable);
    ETCD_TEST_ADD("/cluster/store/etcd/unreachable-long", &one,
                  testUnreachableLong);
    ETCD_TEST_ADD("/cluster/store/etcd/three/member-down", &three,
                  testMemberDown);
    ETCD_TEST_ADD("/cluster/store/etcd/three/unreachable", &three,
                  testUnreachable);

    one.etcd = testEtcdStart(1);
    three.etcd = testEtcdStart(3);
    ret = g_test_run();
    testEtcdStop(three.etcd);
    testEtcdStop(one.etcd);
    return ret;
}
