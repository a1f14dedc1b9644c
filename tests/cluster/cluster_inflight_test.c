/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Migrations in flight (cluster_inflight.c), in-process with libvirt's
 * test driver: a migration is in the store while it runs and gone after;
 * a daemon that starts on the records a dead leader left follows them to
 * their end (here: ended already, one moved, one not) without starting a
 * migration, and releases the domains' jobs.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define ALPHA_UUID "11111111-1111-4111-8111-111111111111"
#define GAMMA_UUID "33333333-3333-4333-8333-333333333333"

typedef struct {
    shoalCluster *cluster;
    gint migrations; /* the override's calls */
    char *docDuring; /* the document while the migration ran */
} inflightTest;

static bool
inflightTestMigrate(gpointer opaque,
                    const shoalExecStep *step,
                    shoalExecRecord *rec,
                    GError **error)
{
    inflightTest *t = opaque;

    g_atomic_int_inc(&t->migrations);
    g_free(t->docDuring);
    t->docDuring =
        shoalStoreGetDocument(t->cluster->store, "migrations", error);
    return t->docDuring != NULL;
}

static const shoalExecOps inflightTestOps = {
    .migrate = inflightTestMigrate,
};

/* The document holds no migration (or was never written). */
static bool
inflightTestNoneLeft(gpointer opaque, gconstpointer data)
{
    shoalCluster *cluster = opaque;
    g_autofree char *doc =
        shoalStoreGetDocument(cluster->store, "migrations", NULL);

    return !doc || g_str_equal(doc, "{}");
}

static void
inflightTestAssertOn(shoalCluster *cluster,
                     const char *uuidstr,
                     const char *hostName)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory,
                                   testClusterUUID(uuidstr, uuid), &error);

    g_assert_no_error(error);
    g_assert_cmpstr(entry->hostName, ==, hostName);
    /* the follower gives the job back (bounded: it forgets the record
     * just before) */
    g_assert_true(
        shoalDomainJobsBeginTimeout(cluster->jobs, uuid, 30000, &error));
    g_assert_no_error(error);
    shoalDomainJobsEnd(cluster->jobs, uuid);
}

/* A migration is recorded while it runs, forgotten once it ended. */
static void
testRecorded(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    inflightTest t = { tc->cluster, 0, NULL };
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    shoalExecSetMigrateOverride(tc->cluster->exec, &inflightTestOps, &t);
    g_assert_true(
        shoalClusterDomainMigrate(tc->cluster,
                                  testClusterUUID(ALPHA_UUID, uuid), "host2",
                                  NULL,
                                  VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER,
                                  &error));
    g_assert_no_error(error);
    g_assert_cmpint(t.migrations, ==, 1);
    g_assert_nonnull(strstr(t.docDuring, ALPHA_UUID));
    g_assert_nonnull(strstr(t.docDuring, "\"from\":\"host1\""));
    g_assert_nonnull(strstr(t.docDuring, "\"to\":\"host2\""));
    g_assert_true(inflightTestNoneLeft(tc->cluster, NULL));
    g_free(t.docDuring);
}

/*
 * A dead leader's records: alpha's migration to host2 failed (alpha is
 * still on host1, no job), gamma's from host1 succeeded (gamma is on
 * host2 only). The new daemon follows both to their end, forgets them,
 * and starts no migration.
 */
static void
testFollowed(void)
{
    g_autofree char *dir = g_dir_make_tmp("shoal-inflight-XXXXXX", NULL);
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { "host2", "host2.xml", NULL },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = NULL;
    g_autoptr(GError) error = NULL;
    inflightTest t = { NULL, 0, NULL };

    {
        g_autoptr(shoalStore) store = shoalStoreOpen(dir, &error);

        g_assert_no_error(error);
        g_assert_true(
            shoalStorePutDocument(store, "migrations",
                                  "{\"" ALPHA_UUID
                                  "\":{\"domain\":\"alpha\",\"from\":\"host1\","
                                  "\"to\":\"host2\"},\"" GAMMA_UUID
                                  "\":{\"domain\":\"gamma\","
                                  "\"from\":\"host1\",\"to\":\"host2\"},\"damaged\":{}}",
                                  &error));
        g_assert_no_error(error);
    }
    tc = testClusterNewInDir(hosts, NULL, g_steal_pointer(&dir));
    t.cluster = tc->cluster;
    shoalExecSetMigrateOverride(tc->cluster->exec, &inflightTestOps, &t);
    testClusterStart(tc);
    testLoopWaitFor(inflightTestNoneLeft, tc->cluster, NULL,
                    "the migrations in flight to be followed to their end");
    testClusterWaitDomains(tc, 3);
    inflightTestAssertOn(tc->cluster, ALPHA_UUID, "host1");
    inflightTestAssertOn(tc->cluster, GAMMA_UUID, "host2");
    g_assert_cmpint(g_atomic_int_get(&t.migrations), ==, 0);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/inflight/recorded", testRecorded);
    g_test_add_func("/cluster/inflight/followed", testFollowed);
    return g_test_run();
}
