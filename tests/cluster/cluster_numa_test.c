/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NUMA on the hosts, in-process: a member host of libvirt's test driver
 * whose default host has two cells (cell 0: CPUs 0-7, 2 MiB free; cell
 * 1: CPUs 8-15, 4 MiB free). Its cells reach the scheduler's snapshot,
 * and a define through the cluster writes the pin sched chooses into
 * the host's definition: one cell when the domain fits, the fewest cells
 * when not, none when opted out; a pin the host cannot honour is
 * refused; a migration's destination XML is rewritten for its cells.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_numapin.h"
#include "cluster_testutil.h"
#include "util_error.h"

static char *
numaXML(const char *name, unsigned kib, const char *extra)
{
    return g_strdup_printf("<domain type='test'>\n"
                           "  <name>%s</name>\n"
                           "  <memory unit='KiB'>%u</memory>\n"
                           "  <vcpu>2</vcpu>\n"
                           "  <os><type>hvm</type></os>\n%s"
                           "</domain>\n",
                           name, kib, extra ? extra : "");
}

/* Defines @name through the cluster; returns the host's XML of it. */
static char *
numaDefine(testCluster *tc, const char *name, unsigned kib, const char *extra)
{
    g_autofree char *xml = numaXML(name, kib, extra);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref =
        shoalClusterDomainDefine(tc->cluster, xml, 0, &error);
    virConnectPtr conn;
    virDomainPtr dom;
    char *out;

    g_assert_no_error(error);
    g_assert_nonnull(ref);
    conn = testClusterHostConnect(tc, "h1");
    dom = virDomainLookupByName(conn, name);
    g_assert_nonnull(dom);
    out = virDomainGetXMLDesc(dom, 0);
    virDomainFree(dom);
    virConnectClose(conn);
    return out;
}

static void
testNumaHost(void)
{
    static const testClusterHost hosts[] = {
        { "h1", NULL, "test:///default" },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = testClusterNew(hosts, NULL);
    g_autoptr(shoalHostFacts) facts = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GArray) cells = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *one = NULL;
    g_autofree char *spread = NULL;
    g_autofree char *optout = NULL;
    g_autofree char *own = NULL;
    g_autofree char *excl = NULL;
    g_autofree char *bad = NULL;
    g_autofree char *moved = NULL;
    g_autofree char *from0 = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    const shoalSchedNode *node;
    const shoalSchedCell *cell;
    virConnectPtr conn;

    testClusterStart(tc);
    testClusterWaitDomains(tc, 1);
    testClusterWaitIdle(tc);
    /* the default host's own domain commits more than its memory */
    conn = testClusterHostConnect(tc, "h1");
    {
        virDomainPtr test = virDomainLookupByName(conn, "test");

        g_assert_nonnull(test);
        g_assert_cmpint(virDomainDestroy(test), ==, 0);
        g_assert_cmpint(virDomainUndefine(test), ==, 0);
        virDomainFree(test);
    }
    virConnectClose(conn);
    testClusterWaitDomains(tc, 0);

    /* what the stats job reads each interval, read now */
    host = shoalClusterLookupHost(tc->cluster, "h1", &error);
    g_assert_no_error(error);
    facts = shoalHostCopyFacts(host);
    g_assert_nonnull(facts);
    conn = testClusterHostConnect(tc, "h1");
    g_assert_true(shoalHostNumaCollect(tc->cluster->numa, conn, "h1",
                                       facts->capabilities, &error));
    g_assert_no_error(error);
    virConnectClose(conn);

    snap = shoalClusterSnapshot(tc->cluster);
    node = shoalSchedSnapshotFindNode(snap, "h1");
    g_assert_nonnull(node->cells);
    g_assert_cmpuint(node->cells->len, ==, 2);
    cell = &g_array_index(node->cells, shoalSchedCell, 1);
    g_assert_cmpuint(cell->id, ==, 1);
    g_assert_cmpuint(cell->cpus, ==, 8);
    g_assert_cmpuint(cell->memoryMiB, ==, 4096);
    g_assert_cmpuint(cell->freeMiB, ==, 4);

    /* 3 MiB fits in cell 1 alone */
    one = numaDefine(tc, "numa-one", 3072, NULL);
    g_assert_nonnull(strstr(one, "<memory mode='strict' nodeset='1'/>"));
    g_assert_nonnull(strstr(one, "cpuset='8-15'"));
    /* 5 MiB fits in no cell: both */
    spread = numaDefine(tc, "numa-spread", 5120, NULL);
    g_assert_nonnull(strstr(spread, "nodeset='0-1'"));
    /* opted out: no pin */
    optout =
        numaDefine(tc, "numa-optout", 3072,
                   "  <metadata><shoal:placement xmlns:shoal="
                   "'http://shoal.example.org/xmlns/placement/1'>"
                   "<shoal:numa pin='no'/></shoal:placement></metadata>\n");
    g_assert_null(strstr(optout, "<numatune>"));
    g_assert_null(strstr(optout, "cpuset="));
    /* its own pin, to a cell the host has, stays */
    own = numaDefine(tc, "numa-own", 3072,
                     "  <numatune><memory mode='strict' nodeset='0'/>"
                     "</numatune>\n");
    g_assert_nonnull(strstr(own, "nodeset='0'"));
    /* a form Shoal does not read is the host's to judge */
    excl = numaDefine(tc, "numa-excl", 3072,
                      "  <numatune><memory mode='strict' nodeset='0-1,^1'/>"
                      "</numatune>\n");
    g_assert_nonnull(strstr(excl, "nodeset='0'"));

    /* a pin the host cannot honour is refused, naming the field */
    bad = numaXML("numa-bad", 3072,
                  "  <numatune><memory mode='strict' nodeset='5'/>"
                  "</numatune>\n");
    g_assert_null(shoalClusterDomainDefine(tc->cluster, bad, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "numatune memory nodeset '5'"));
    g_clear_error(&error);
    g_clear_pointer(&bad, g_free);
    bad = numaXML("numa-bad", 3072,
                  "  <metadata><shoal:placement xmlns:shoal="
                  "'http://shoal.example.org/xmlns/placement/1'>"
                  "<shoal:numa pin='maybe'/></shoal:placement></metadata>\n");
    g_assert_null(shoalClusterDomainDefine(tc->cluster, bad, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "numa pin 'maybe'"));
    g_clear_error(&error);

    /* a migration's destination XML: the source's pin is replaced */
    from0 = numaXML("numa-moving", 3072,
                    "  <numatune><memory mode='strict' nodeset='0'/>"
                    "</numatune>\n");
    g_assert_true(
        shoalClusterNumaPin(tc->cluster, "h1", from0, true, &moved, &error));
    g_assert_no_error(error);
    g_assert_nonnull(moved);
    g_assert_nonnull(strstr(moved, "nodeset=\"1\""));
    g_assert_null(strstr(moved, "nodeset=\"0\""));
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/numa/host", testNumaHost);
    return g_test_run();
}
