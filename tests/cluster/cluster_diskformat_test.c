/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A disk on a volume of Shoal's pools defined with no <driver type>
 * (what virt-install and virt-manager write on shoal://) gets the
 * volume's format at define, on libvirt's test driver; an explicit type
 * and a file outside the pools stay as they were.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"

#define POOL_XML                           \
    "<pool type='dir'><name>images</name>" \
    "<target><path>/var/lib/shoal-test/images</path></target></pool>"

#define DOMAIN_XML                                                       \
    "<domain type='test'><name>fmt-vm</name>"                            \
    "<uuid>11111111-2222-4333-8444-777777777777</uuid>"                  \
    "<memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>"      \
    "<devices>"                                                          \
    "<disk type='file' device='disk'>"                                   \
    "<source file='/var/lib/shoal-test/images/a.qcow2'/>"                \
    "<target dev='vda'/></disk>"                                         \
    "<disk type='volume' device='disk'><driver name='qemu'/>"            \
    "<source pool='images' volume='b.qcow2'/><target dev='vdb'/></disk>" \
    "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"   \
    "<source file='/var/lib/shoal-test/images/c.qcow2'/>"                \
    "<target dev='vdc'/></disk>"                                         \
    "<disk type='file' device='disk'>"                                   \
    "<source file='/elsewhere/d.qcow2'/><target dev='vdd'/></disk>"      \
    "</devices></domain>"

/* The pool on every host, its qcow2 volumes on every host. */
static void
formatSetUpPool(testCluster *tc)
{
    static const char *const hosts[] = { "host1", "host2" };
    static const char *const vols[] = { "a.qcow2", "b.qcow2", "c.qcow2" };
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    guint h, v;

    ref = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                   &error);
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectStart(tc->cluster, SHOAL_OBJECT_POOL,
                                          ref->uuid, &error));
    g_assert_no_error(error);
    for (h = 0; h < G_N_ELEMENTS(hosts); h++) {
        virConnectPtr conn = testClusterHostConnect(tc, hosts[h]);
        virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "images");

        g_assert_nonnull(pool);
        for (v = 0; v < G_N_ELEMENTS(vols); v++) {
            g_autofree char *xml =
                g_strdup_printf("<volume><name>%s</name><capacity unit='M'>1</capacity>"
                                "<target><format type='qcow2'/></target></volume>",
                                vols[v]);
            virStorageVolPtr vol = virStorageVolCreateXML(pool, xml, 0);

            g_assert_nonnull(vol);
            virStorageVolFree(vol);
        }
        virStoragePoolFree(pool);
        virConnectClose(conn);
    }
}

/* The <disk> element of @xml whose target is @dev. */
static char *
formatDisk(const char *xml, const char *dev)
{
    g_autofree char *needle = g_strdup_printf("<target dev='%s'", dev);
    const char *at = strstr(xml, needle);
    const char *start;

    g_assert_nonnull(at);
    start = g_strrstr_len(xml, at - xml, "<disk ");
    g_assert_nonnull(start);
    return g_strndup(start, at - start);
}

static void
testDiskFormatFill(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalStoreDomain) stored = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *vda = NULL;
    g_autofree char *vdb = NULL;
    g_autofree char *vdc = NULL;
    g_autofree char *vdd = NULL;
    g_autofree char *storedVda = NULL;
    virConnectPtr conn;
    virDomainPtr dom;

    formatSetUpPool(tc);
    ref = shoalClusterDomainDefine(tc->cluster, DOMAIN_XML, 0, &error);
    g_assert_no_error(error);
    entry =
        shoalInventoryLookupByName(tc->cluster->inventory, "fmt-vm", &error);
    g_assert_no_error(error);
    conn = testClusterHostConnect(tc, entry->hostName);
    dom = virDomainLookupByName(conn, "fmt-vm");
    g_assert_nonnull(dom);
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    g_assert_nonnull(xml);
    virDomainFree(dom);
    virConnectClose(conn);

    vda = formatDisk(xml, "vda");
    vdb = formatDisk(xml, "vdb");
    vdc = formatDisk(xml, "vdc");
    vdd = formatDisk(xml, "vdd");
    g_assert_nonnull(strstr(vda, "type='qcow2'"));
    g_assert_nonnull(strstr(vdb, "type='qcow2'"));
    /* explicit: kept, even though the volume says qcow2 */
    g_assert_nonnull(strstr(vdc, "type='raw'"));
    g_assert_null(strstr(vdc, "type='qcow2'"));
    /* not a volume of Shoal's pools: nothing to go by */
    g_assert_null(strstr(vdd, "<driver"));

    /* the stored definition is the host's */
    stored = shoalStoreLookup(tc->cluster->store, entry->rec.uuid, &error);
    g_assert_no_error(error);
    storedVda = formatDisk(stored->xml, "vda");
    g_assert_nonnull(strstr(storedVda, "type='qcow2'"));
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/diskformat/fill", testDiskFormatFill);
    return g_test_run();
}
