/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A running domain with a snapshot whose memory state is in a file of
 * its own is unmovable in the scheduler's snapshot (issue 10 part 5), on
 * libvirt's test driver. The reason is cached: a change on the host
 * behind Shoal's back is not seen, a writing call through Shoal makes
 * the next snapshot ask the host again.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"

/* A snapshot's metadata, as a redefine takes it: with the domain. */
static char *
pinsSnapshotXML(virDomainPtr dom)
{
    g_autofree char *domXml = virDomainGetXMLDesc(dom, 0);

    g_assert_nonnull(domXml);
    return g_strdup_printf("<domainsnapshot><name>with-memory</name><state>running</state>"
                           "<memory snapshot='external' file='/var/lib/shoal-test/mem.img'/>"
                           "<creationTime>1700000000</creationTime>%s</domainsnapshot>",
                           domXml);
}

/* The unmovable reason of @name in a fresh scheduler snapshot. */
static char *
pinsReason(shoalCluster *cluster, const char *name)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);
    const shoalSchedDomain *dom = shoalSchedSnapshotFindDomain(snap, name);

    g_assert_nonnull(dom);
    g_assert_true(dom->running);
    return g_strdup(dom->unmovable);
}

/* On the host, behind Shoal's back. */
static virDomainPtr
pinsHostDomain(testCluster *tc, const char *hostName, const char *name)
{
    virConnectPtr conn = testClusterHostConnect(tc, hostName);
    virDomainPtr dom = virDomainLookupByName(conn, name);

    g_assert_nonnull(dom);
    virConnectClose(conn);
    return dom;
}

static int
pinsDeleteSnapshot(virDomainPtr dom, gpointer opaque)
{
    virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom, opaque, 0);
    int rc;

    if (!snap)
        return -1;
    /* the test driver keeps no state: a delete drops the metadata */
    rc = virDomainSnapshotDelete(snap, 0);
    virDomainSnapshotFree(snap);
    return rc;
}

static void
testSnapshotPins(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *before = NULL;
    g_autofree char *pinned = NULL;
    g_autofree char *cached = NULL;
    g_autofree char *after = NULL;
    g_autofree char *snapXml = NULL;
    char missing[] = "nothing-such";
    char withMemory[] = "with-memory";
    virDomainSnapshotPtr snap;
    virDomainPtr dom;

    entry = shoalInventoryLookupByName(tc->cluster->inventory, "alpha", &error);
    g_assert_no_error(error);
    before = pinsReason(tc->cluster, "alpha");
    g_assert_null(before);

    /* made on the host: the cached answer stands until Shoal changes
     * the domain */
    dom = pinsHostDomain(tc, entry->hostName, "alpha");
    snapXml = pinsSnapshotXML(dom);
    snap = virDomainSnapshotCreateXML(dom, snapXml,
                                      VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);
    g_assert_nonnull(snap);
    virDomainSnapshotFree(snap);
    virDomainFree(dom);
    cached = pinsReason(tc->cluster, "alpha");
    g_assert_null(cached);

    /* a writing call through Shoal: asked again */
    g_assert_cmpint(shoalClusterDomainCall(tc->cluster, entry->rec.uuid,
                                           SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                                           pinsDeleteSnapshot, missing, NULL),
                    <, 0);
    pinned = pinsReason(tc->cluster, "alpha");
    g_assert_cmpstr(pinned, ==,
                    "snapshot 'with-memory' keeps its memory state in "
                    "'/var/lib/shoal-test/mem.img', which cannot follow the "
                    "domain");

    /* deleted through Shoal: movable again */
    g_assert_cmpint(shoalClusterDomainCall(tc->cluster, entry->rec.uuid,
                                           SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                                           pinsDeleteSnapshot, withMemory,
                                           &error),
                    ==, 0);
    g_assert_no_error(error);
    after = pinsReason(tc->cluster, "alpha");
    g_assert_null(after);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/snapshotpins/cache", testSnapshotPins);
    return g_test_run();
}
