/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain runs only where its pools, volumes and networks are (issue 11
 * part 4), on libvirt's test driver: a volume of a local pool pins its
 * domain to the host that holds it, through placement, the snapshot,
 * maintenance and a move to a chosen host.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_domainneeds.h"
#include "cluster_internal.h"
#include "cluster_objectneeds.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define POOL_XML                           \
    "<pool type='dir'><name>images</name>" \
    "<target><path>/var/lib/shoal-test/images</path></target></pool>"

#define VOL_XML                                                      \
    "<volume><name>disk.qcow2</name><capacity unit='M'>1</capacity>" \
    "</volume>"

/* A domain with a disk in the pool's target and, if @net, a network. */
static char *
needsDomainXML(const char *name, const char *uuid, const char *net)
{
    g_autofree char *iface =
        net ? g_strdup_printf("<interface type='network'><source network='%s'/>"
                              "</interface>",
                              net)
            : g_strdup("");

    return g_strdup_printf("<domain type='test'><name>%s</name>"
                           "<uuid>%s</uuid><memory>65536</memory>"
                           "<vcpu>1</vcpu><os><type>hvm</type></os>"
                           "<devices><disk type='file' device='disk'>"
                           "<source file='/var/lib/shoal-test/images/"
                           "disk.qcow2'/><target dev='vda'/></disk>%s"
                           "</devices></domain>",
                           name, uuid, iface);
}

static void
testNeedsParse(void)
{
    g_autoptr(shoalDomainNeeds) needs = shoalDomainNeedsParse(
        "<domain><devices>"
        "<disk type='volume'><source pool='p' volume='v'/>"
        "<auth username='u'><secret type='ceph' "
        "uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></auth></disk>"
        "<disk type='file'><source file='/a/b.img'/></disk>"
        "<disk type='file'><source file='/a/b.img'/></disk>"
        "<interface type='network'><source network='lan'/></interface>"
        "<interface type='bridge'><source bridge='br0'/></interface>"
        "</devices></domain>");

    g_assert_nonnull(needs);
    g_assert_cmpstrv(needs->poolVolumes, ((const char *[]){ "p/v", NULL }));
    g_assert_cmpstrv(needs->paths, ((const char *[]){ "/a/b.img", NULL }));
    g_assert_cmpstrv(needs->networks, ((const char *[]){ "lan", NULL }));
    g_assert_cmpstrv(needs->secrets,
                     ((const char *[]){ "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f",
                                        NULL }));
    g_assert_null(shoalDomainNeedsParse("not xml"));
}

/* The volume, on host2 only, of the pool every host has. */
static void
needsSetUpPool(testCluster *tc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalHost) host2 = NULL;
    virConnectPtr conn;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;

    ref = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                   &error);
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectStart(tc->cluster, SHOAL_OBJECT_POOL,
                                          ref->uuid, &error));
    g_assert_no_error(error);
    host2 = shoalClusterLookupHost(tc->cluster, "host2", &error);
    g_assert_no_error(error);
    conn = shoalHostGetConnection(host2, &error);
    g_assert_no_error(error);
    pool = virStoragePoolLookupByName(conn, "images");
    g_assert_nonnull(pool);
    vol = virStorageVolCreateXML(pool, VOL_XML, 0);
    g_assert_nonnull(vol);
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    virConnectClose(conn);
}

static const shoalSchedNode *
needsFindNode(const shoalSchedSnapshot *snap, const char *name)
{
    const shoalSchedNode *node = shoalSchedSnapshotFindNode(snap, name);

    g_assert_nonnull(node);
    return node;
}

/* The test driver cannot migrate: maintenance's move of the running
 * domain that needs nothing fails, which is not what this test is
 * about. Other warnings stay fatal (G_DEBUG=fatal-warnings). */
static GLogWriterOutput
needsLogWriter(GLogLevelFlags level,
               const GLogField *fields,
               gsize nFields,
               gpointer opaque)
{
    gsize i;

    for (i = 0; (level & G_LOG_LEVEL_WARNING) && i < nFields; i++)
        if (g_str_equal(fields[i].key, "MESSAGE") && fields[i].length < 0 &&
            strstr(fields[i].value, "p2p migration is not supported"))
            return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, nFields, opaque);
}

static void
testNeedsLocalVolume(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    shoalCluster *cluster = tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalMaintenanceResult) result = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalDomainRef) lost = NULL;
    g_autofree char *xml =
        needsDomainXML("pinned-vm", "11111111-2222-4333-8444-555555555555",
                       NULL);
    g_autofree char *netXml =
        needsDomainXML("net-vm", "11111111-2222-4333-8444-666666666666",
                       "nowhere");
    const shoalSchedDomain *dom;
    const shoalSchedNode *node;
    unsigned char uuid[VIR_UUID_BUFLEN];

    needsSetUpPool(tc);
    /* host1 has less load, but only host2 has the volume */
    ref = shoalClusterDomainDefine(cluster, xml, 0, &error);
    g_assert_no_error(error);
    entry = shoalInventoryLookupByName(cluster->inventory, "pinned-vm", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(entry->hostName, ==, "host2");

    snap = shoalClusterSnapshot(cluster);
    dom = shoalSchedSnapshotFindDomain(snap, "pinned-vm");
    g_assert_nonnull(dom);
    g_assert_cmpstrv(dom->requires.names[SHOAL_SCHED_OBJECT_POOL],
                     ((const char *[]){ "images", NULL }));
    g_assert_cmpstrv(dom->requires.names[SHOAL_SCHED_OBJECT_VOLUME],
                     ((const char *[]){ "images/disk.qcow2", NULL }));
    node = needsFindNode(snap, "host2");
    g_assert_true(g_strv_contains((const char *const *) node->objects
                                      .names[SHOAL_SCHED_OBJECT_VOLUME],
                                  "images/disk.qcow2"));
    node = needsFindNode(snap, "host1");
    g_assert_null(node->objects.names[SHOAL_SCHED_OBJECT_VOLUME]);
    g_assert_true(g_strv_contains((const char *const *) node->objects
                                      .names[SHOAL_SCHED_OBJECT_POOL],
                                  "images"));

    /* maintenance cannot move it, says why, and it stays */
    g_assert_true(shoalClusterSetMaintenance(cluster, "host2", true, false,
                                             &result, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(result->failed, >=, 1);
    g_assert_true(g_ptr_array_find_with_equal_func(
        result->errors,
        "pinned-vm: operation failed: no host can run a domain with 64 MiB "
        "and 1 vCPU: host 'host1' has no volume 'images/disk.qcow2' (its "
        "pool is local to each host); the domain is already on host 'host2'",
        g_str_equal, NULL));
    g_clear_pointer(&entry, shoalInventoryEntryFree);
    entry = shoalInventoryLookupByName(cluster->inventory, "pinned-vm", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(entry->hostName, ==, "host2");
    g_assert_true(shoalClusterSetMaintenance(cluster, "host2", false, false,
                                             NULL, &error));
    g_assert_no_error(error);

    /* a move to the host the client names is refused the same way */
    g_assert_false(shoalClusterCheckObjects(cluster, entry->rec.uuid,
                                            "pinned-vm", "host1", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "host 'host1' has no volume "
                                            "'images/disk.qcow2'"));
    g_clear_error(&error);
    g_assert_true(shoalClusterCheckObjects(cluster, entry->rec.uuid,
                                           "pinned-vm", "host2", &error));
    g_assert_no_error(error);

    /* a network no host has: no host can take it */
    lost = shoalClusterDomainDefine(cluster, netXml, 0, &error);
    g_assert_null(lost);
    g_assert_nonnull(error);
    g_assert_nonnull(
        strstr(error->message, "host 'host2' has no active network 'nowhere'"));
    g_assert_null(
        shoalInventoryLookupByUUID(cluster->inventory,
                                   testClusterUUID("11111111-2222-4333-8444-666666666666",
                                                   uuid),
                                   NULL));
}

/* A volume of a shared pool needs the pool and the pool's login secret,
 * not the volume: every host sees it. */
static void
testNeedsSharedPoolSecret(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalNeedsPools) pools = NULL;
    g_autoptr(shoalDomainNeeds) needs = NULL;
    shoalSchedObjects req = { { NULL } };

    ref =
        shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL,
                                 "<pool type='iscsi'><name>san</name><source>"
                                 "<host name='127.0.0.1'/><device path='iqn.2013-06.org.example:san'/>"
                                 "<auth type='chap' username='shoal'>"
                                 "<secret uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></auth>"
                                 "</source><target><path>/dev/disk/by-path</path></target></pool>",
                                 &error);
    g_assert_no_error(error);
    needs = shoalDomainNeedsParse(
        "<domain><devices><disk type='volume'>"
        "<source pool='san' volume='unit:0:0:1'/></disk>"
        "<interface type='network'><source network='lan'/></interface>"
        "</devices></domain>");
    pools = shoalNeedsPoolsNew(tc->cluster);
    shoalNeedsResolve(pools, needs, &req);
    g_assert_cmpstrv(req.names[SHOAL_SCHED_OBJECT_POOL],
                     ((const char *[]){ "san", NULL }));
    g_assert_null(req.names[SHOAL_SCHED_OBJECT_VOLUME]);
    g_assert_cmpstrv(req.names[SHOAL_SCHED_OBJECT_NETWORK],
                     ((const char *[]){ "lan", NULL }));
    g_assert_cmpstrv(req.names[SHOAL_SCHED_OBJECT_SECRET],
                     ((const char *[]){ "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f",
                                        NULL }));
    shoalSchedObjectsClear(&req);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = NULL;

    g_log_set_writer_func(needsLogWriter, NULL, NULL);
    events = testClusterInit(&argc, &argv);
    g_test_add_func("/cluster/objectneeds/parse", testNeedsParse);
    g_test_add_func("/cluster/objectneeds/local-volume", testNeedsLocalVolume);
    g_test_add_func("/cluster/objectneeds/shared-pool-secret",
                    testNeedsSharedPoolSecret);
    return g_test_run();
}
