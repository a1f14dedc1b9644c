/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Define and create hold a domain's name and job, never the cluster:
 * names stay unique under a race, and one define that waits does not
 * hold up others.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define BETA_UUID "22222222-2222-4222-8222-222222222222"

typedef struct {
    testCluster *tc;
} defineFixture;

static void
defineSetUp(defineFixture *fixture, gconstpointer data)
{
    fixture->tc = testClusterNewTwoHosts(NULL);
}

static void
defineTearDown(defineFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->tc, testClusterFree);
}

static char *
defineXML(const char *name, const char *uuid)
{
    return g_strdup_printf("<domain type='test'>\n"
                           "  <name>%s</name>\n"
                           "  <uuid>%s</uuid>\n"
                           "  <memory>65536</memory>\n"
                           "  <vcpu>1</vcpu>\n"
                           "  <os><type>hvm</type></os>\n"
                           "</domain>\n",
                           name, uuid);
}

/* One define on a thread of its own. */
typedef struct {
    shoalCluster *cluster; /* borrowed */
    char *xml;
    GError *error;
    shoalDomainRef *ref;
    gint done;
} defineRun;

static gpointer
defineRunThread(gpointer opaque)
{
    defineRun *run = opaque;

    run->ref = shoalClusterDomainDefine(run->cluster, run->xml, 0, &run->error);
    g_atomic_int_set(&run->done, 1);
    return NULL;
}

static void
defineRunClear(defineRun *run)
{
    g_free(run->xml);
    g_clear_error(&run->error);
    g_clear_pointer(&run->ref, shoalDomainRefFree);
}

/*
 * Defines of one name with different UUIDs race (and of one UUID under
 * different names): exactly one wins, the others fail as libvirt does.
 */
static void
testDefineRace(defineFixture *fixture, gconstpointer data)
{
    static const char *const uuids[] = {
        "55555555-5555-4555-8555-000000000001",
        "55555555-5555-4555-8555-000000000002",
        "55555555-5555-4555-8555-000000000003",
        "55555555-5555-4555-8555-000000000004",
    };
    bool sameName = GPOINTER_TO_INT(data);
    defineRun runs[G_N_ELEMENTS(uuids)] = { 0 };
    GThread *threads[G_N_ELEMENTS(uuids)];
    unsigned won = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(uuids); i++) {
        g_autofree char *name = g_strdup_printf("racer%zu", i);

        runs[i].cluster = fixture->tc->cluster;
        runs[i].xml =
            sameName ? defineXML("racer", uuids[i]) : defineXML(name, uuids[0]);
    }
    for (i = 0; i < G_N_ELEMENTS(uuids); i++)
        threads[i] = g_thread_new("define", defineRunThread, &runs[i]);
    for (i = 0; i < G_N_ELEMENTS(uuids); i++)
        g_thread_join(threads[i]);
    for (i = 0; i < G_N_ELEMENTS(uuids); i++) {
        if (runs[i].ref) {
            g_assert_no_error(runs[i].error);
            won++;
        } else {
            g_assert_error(runs[i].error, SHOAL_ERROR,
                           VIR_ERR_OPERATION_FAILED);
            g_assert_nonnull(strstr(runs[i].error->message, "already"));
        }
        defineRunClear(&runs[i]);
    }
    g_assert_cmpuint(won, ==, 1);
    testClusterWaitDomains(fixture->tc, 4);
}

/*
 * A define that cannot go on (modelled: the domain's job is held, as by a
 * define whose host hangs, or a migration) holds up no define of another
 * domain; the redefinition itself waits for the job, and then succeeds.
 */
static void
testDefineStuck(defineFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) other = NULL;
    g_autofree char *otherXML =
        defineXML("delta", "66666666-6666-4666-8666-666666666666");
    defineRun stuck = { cluster, defineXML("beta", BETA_UUID), NULL, NULL, 0 };
    unsigned char beta[VIR_UUID_BUFLEN];
    GThread *thread;

    testClusterUUID(BETA_UUID, beta);
    g_assert_true(shoalDomainJobsBegin(cluster->jobs, beta, &error));
    g_assert_no_error(error);
    thread = g_thread_new("define-stuck", defineRunThread, &stuck);

    other = shoalClusterDomainDefine(cluster, otherXML, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(other);
    g_assert_cmpstr(other->name, ==, "delta");
    /* the redefinition of beta is still waiting for beta's job */
    g_assert_cmpint(g_atomic_int_get(&stuck.done), ==, 0);

    shoalDomainJobsEnd(cluster->jobs, beta);
    g_thread_join(thread);
    g_assert_no_error(stuck.error);
    g_assert_nonnull(stuck.ref);
    g_assert_cmpstr(stuck.ref->name, ==, "beta");
    defineRunClear(&stuck);
}

/* The snapshot's vCPU floor of @name, or G_MAXUINT if it is not there. */
static unsigned
defineSnapshotFloor(shoalCluster *cluster, const char *name)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);
    guint i;

    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = snap->domains->pdata[i];

        if (g_str_equal(dom->name, name))
            return dom->vcpuFloor;
    }
    return G_MAXUINT;
}

static char *
defineFloorXML(const char *floor)
{
    return g_strdup_printf("<domain type='test'>\n"
                           "  <name>eps</name>\n"
                           "  <uuid>77777777-7777-4777-8777-777777777777</uuid>\n"
                           "  <memory>65536</memory>\n"
                           "  <vcpu current='2'>4</vcpu>\n"
                           "  <os><type>hvm</type></os>\n"
                           "  <metadata><s:placement xmlns:s='" SHOAL_PLACEMENT_NS
                           "'%s/>"
                           "</metadata>\n"
                           "</domain>\n",
                           floor);
}

/*
 * The vCPU floor of vertical scaling: the vCPUs a domain was defined
 * with, or its metadata's vcpu-floor, which define checks.
 */
static void
testDefineVcpuFloor(defineFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autoptr(shoalDomainRef) again = NULL;
    g_autoptr(shoalDomainRef) bad = NULL;
    g_autofree char *plain = defineFloorXML("");
    g_autofree char *three = defineFloorXML(" vcpu-floor='3'");
    g_autofree char *above = defineFloorXML(" vcpu-floor='5'");
    g_autofree char *zero = defineFloorXML(" vcpu-floor='0'");

    ref = shoalClusterDomainDefine(cluster, plain, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(defineSnapshotFloor(cluster, "eps"), ==, 2);

    bad = shoalClusterDomainDefine(cluster, above, 0, &error);
    g_assert_null(bad);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "vcpu-floor 5"));
    g_clear_error(&error);
    bad = shoalClusterDomainDefine(cluster, zero, 0, &error);
    g_assert_null(bad);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_clear_error(&error);
    g_assert_cmpuint(defineSnapshotFloor(cluster, "eps"), ==, 2);

    again = shoalClusterDomainDefine(cluster, three, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(defineSnapshotFloor(cluster, "eps"), ==, 3);
}

static char *
defineGroupXML(const char *disk, const char *group)
{
    return g_strdup_printf("<domain type='test'>\n"
                           "  <name>tmpl</name>\n"
                           "  <uuid>88888888-7777-4777-8777-777777777777</uuid>\n"
                           "  <memory>65536</memory>\n"
                           "  <vcpu>1</vcpu>\n"
                           "  <os><type>hvm</type></os>\n"
                           "  <metadata><s:placement xmlns:s='" SHOAL_PLACEMENT_NS
                           "'>%s</s:placement></metadata>\n"
                           "  <devices>%s</devices>\n"
                           "</domain>\n",
                           group, disk);
}

/*
 * A group template (issue 12 part 5): bad group metadata and disks off
 * the cluster's pools are refused at define, naming what is wrong.
 */
static void
testDefineGroupTemplate(defineFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autofree char *file =
        defineGroupXML("<disk type='file' device='disk'>"
                       "<source file='/nowhere/t.qcow2'/></disk>",
                       "<group name='web' max='2'/>");
    g_autofree char *block = defineGroupXML("<disk type='block' device='disk'>"
                                            "<source dev='/dev/sdz'/></disk>",
                                            "<group name='web' max='2'/>");
    g_autofree char *vol =
        defineGroupXML("<disk type='volume' device='disk'>"
                       "<source pool='nopool' volume='v'/></disk>",
                       "<group name='web' max='2'/>");
    g_autofree char *bounds =
        defineGroupXML("", "<group name='web' min='3' max='2'/>");
    g_autofree char *diskless =
        defineGroupXML("", "<group name='web' min='1' max='2'/>");

    g_assert_null(shoalClusterDomainDefine(cluster, file, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "/nowhere/t.qcow2"));
    g_clear_error(&error);
    g_assert_null(shoalClusterDomainDefine(cluster, block, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "cluster pool"));
    g_clear_error(&error);
    g_assert_null(shoalClusterDomainDefine(cluster, vol, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "'nopool'"));
    g_clear_error(&error);
    g_assert_null(shoalClusterDomainDefine(cluster, bounds, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "min 3"));
    g_clear_error(&error);
    ref = shoalClusterDomainDefine(cluster, diskless, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(ref);
}

static void
defineAdd(const char *path,
          gconstpointer data,
          void (*func)(defineFixture *, gconstpointer))
{
    g_test_add(path, defineFixture, data, defineSetUp, func, defineTearDown);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    defineAdd("/cluster/define/race-name", GINT_TO_POINTER(TRUE),
              testDefineRace);
    defineAdd("/cluster/define/race-uuid", GINT_TO_POINTER(FALSE),
              testDefineRace);
    defineAdd("/cluster/define/stuck", NULL, testDefineStuck);
    defineAdd("/cluster/define/vcpu-floor", NULL, testDefineVcpuFloor);
    defineAdd("/cluster/define/group-template", NULL, testDefineGroupTemplate);
    return g_test_run();
}
