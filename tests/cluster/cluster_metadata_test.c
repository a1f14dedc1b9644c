/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "cluster_metadata.h"
#include "cluster_virtiomem.h"
#include "util_error.h"

static char *
metadataTestLoad(const char *name)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "data", "cluster", "metadata", name,
                              NULL);
    char *xml = NULL;

    g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
    return xml;
}

static void
metadataTestFull(void)
{
    g_autofree char *xml = metadataTestLoad("full.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(meta->mode, ==, "automatic");
    g_assert_cmpuint(g_strv_length(meta->affinity), ==, 1);
    g_assert_cmpstr(meta->affinity[0], ==, "web");
    g_assert_cmpuint(g_strv_length(meta->antiAffinity), ==, 2);
    g_assert_cmpstr(meta->antiAffinity[0], ==, "db-replicas");
    g_assert_cmpstr(meta->antiAffinity[1], ==, "zone-a");
    g_assert_cmpuint(g_strv_length(meta->pinned), ==, 2);
    g_assert_cmpstr(meta->pinned[1], ==, "h2");
}

/* no element, or another version's: the defaults */
static void
metadataTestEmpty(gconstpointer name)
{
    g_autofree char *xml = metadataTestLoad(name);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_no_error(error);
    g_assert_null(meta->mode);
    g_assert_cmpuint(g_strv_length(meta->affinity), ==, 0);
    g_assert_cmpuint(g_strv_length(meta->antiAffinity), ==, 0);
    g_assert_cmpuint(g_strv_length(meta->pinned), ==, 0);
}

/* what virsh metadata --set writes: children without the namespace */
static void
metadataTestVirshSet(void)
{
    g_autofree char *xml = metadataTestLoad("virsh-set.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_strv_length(meta->antiAffinity), ==, 1);
    g_assert_cmpstr(meta->antiAffinity[0], ==, "peers");
}

static void
metadataTestBadMode(void)
{
    g_autofree char *xml = metadataTestLoad("bad-mode.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_null(meta);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "'automatc'"));
}

/* <ha>, and the disks a lease protects: local, writable, exclusive */
static void
metadataTestHa(void)
{
    g_autofree char *xml = metadataTestLoad("ha.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_no_error(error);
    g_assert_cmpint(meta->haRestart, ==, 1);
    g_assert_true(meta->haHasPriority);
    g_assert_cmpint(meta->haPriority, ==, -7);
    g_assert_cmpuint(meta->leasedDisks, ==, 2);
}

/* without <ha>: the cluster's defaults */
static void
metadataTestHaDefault(void)
{
    g_autofree char *xml = metadataTestLoad("full.xml");
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, NULL);
    g_assert_cmpint(meta->haRestart, ==, -1);
    g_assert_false(meta->haHasPriority);
    g_assert_cmpuint(meta->leasedDisks, ==, 0);
}

static void
metadataTestHaBad(gconstpointer data)
{
    const char *const *c = data;
    g_autofree char *xml = metadataTestLoad(c[0]);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_null(meta);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, c[1]));
}

/* vcpu-floor: the domain's, and a clear error for a bad one */
static void
metadataTestVcpuFloor(void)
{
    g_autofree char *xml = metadataTestLoad("vcpu-floor.xml");
    g_autofree char *none = metadataTestLoad("none.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(meta->vcpuFloor, ==, 2);
    g_clear_pointer(&meta, shoalPlacementMetadataFree);
    meta = shoalPlacementMetadataParse(none, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(meta->vcpuFloor, ==, 0);
}

static void
metadataTestBadVcpuFloor(void)
{
    g_autofree char *xml = metadataTestLoad("bad-vcpu-floor.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse(xml, &error);
    g_assert_null(meta);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    g_assert_nonnull(strstr(error->message, "vcpu-floor 'two'"));
}

static void
metadataTestGarbage(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalPlacementMetadata) meta = NULL;

    meta = shoalPlacementMetadataParse("<domain><metadata>", &error);
    g_assert_null(meta);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
}

static const char *const badRestart[] = { "bad-ha-restart.xml",
                                          "invalid HA restart 'always'" };
static const char *const badPriority[] = { "bad-ha-priority.xml",
                                           "invalid HA priority '1001'" };

/* the live XML of the testbed's Linux guest, a DIMM before it */
static void
virtioMemTestLive(void)
{
    g_autofree char *xml = metadataTestLoad("virtiomem-live.xml");
    shoalVirtioMem mem = { 0 };

    g_assert_true(shoalVirtioMemParse(xml, &mem));
    g_assert_cmpuint(mem.sizeKiB, ==, 524288);
    g_assert_cmpuint(mem.blockKiB, ==, 2048);
    g_assert_cmpuint(mem.requestedKiB, ==, 131072);
    g_assert_cmpuint(mem.pluggedKiB, ==, 65536);
    g_assert_cmpstr(mem.alias, ==, "virtiomem0");
    shoalVirtioMemClear(&mem);
    g_assert_null(mem.alias);
}

/* more requested than the device holds, no device, no XML: none */
static void
virtioMemTestNone(void)
{
    g_autofree char *xml = metadataTestLoad("virtiomem-too-much.xml");
    shoalVirtioMem mem = { 0 };

    g_assert_false(shoalVirtioMemParse(xml, &mem));
    g_assert_cmpuint(mem.sizeKiB, ==, 0);
    g_assert_false(shoalVirtioMemParse("<domain><devices/></domain>", &mem));
    g_assert_false(shoalVirtioMemParse("<domain><dev", &mem));
    g_assert_cmpuint(mem.requestedKiB, ==, 0);
}

/* the device as it is, with the new size requested */
static void
virtioMemTestRequest(void)
{
    g_autofree char *xml = metadataTestLoad("virtiomem-live.xml");
    g_autofree char *device = shoalVirtioMemRequestXML(xml, 262144);
    g_autofree char *none =
        shoalVirtioMemRequestXML("<domain><devices/></domain>", 1024);
    shoalVirtioMem mem = { 0 };
    g_autofree char *wrapped = NULL;

    g_assert_nonnull(device);
    g_assert_null(none);
    g_assert_true(g_str_has_prefix(device, "<memory model=\"virtio-mem\">"));
    g_assert_nonnull(
        strstr(device, "<requested unit=\"KiB\">262144</requested>"));
    g_assert_nonnull(strstr(device, "<alias name=\"virtiomem0\"/>"));
    /* nothing else changed */
    wrapped = g_strdup_printf("<domain><devices>%s</devices></domain>", device);
    g_assert_true(shoalVirtioMemParse(wrapped, &mem));
    g_assert_cmpuint(mem.sizeKiB, ==, 524288);
    g_assert_cmpuint(mem.blockKiB, ==, 2048);
    g_assert_cmpuint(mem.requestedKiB, ==, 262144);
    g_assert_cmpuint(mem.pluggedKiB, ==, 65536);
    shoalVirtioMemClear(&mem);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/metadata/full", metadataTestFull);
    g_test_add_data_func("/cluster/metadata/none", "none.xml",
                         metadataTestEmpty);
    g_test_add_data_func("/cluster/metadata/other-version", "other-version.xml",
                         metadataTestEmpty);
    g_test_add_func("/cluster/metadata/virsh-set", metadataTestVirshSet);
    g_test_add_func("/cluster/metadata/bad-mode", metadataTestBadMode);
    g_test_add_func("/cluster/metadata/garbage", metadataTestGarbage);
    g_test_add_func("/cluster/metadata/ha", metadataTestHa);
    g_test_add_func("/cluster/metadata/ha-default", metadataTestHaDefault);
    g_test_add_data_func("/cluster/metadata/bad-ha-restart", badRestart,
                         metadataTestHaBad);
    g_test_add_data_func("/cluster/metadata/bad-ha-priority", badPriority,
                         metadataTestHaBad);
    g_test_add_func("/cluster/metadata/vcpu-floor", metadataTestVcpuFloor);
    g_test_add_func("/cluster/metadata/bad-vcpu-floor",
                    metadataTestBadVcpuFloor);
    g_test_add_func("/cluster/virtiomem/live", virtioMemTestLive);
    g_test_add_func("/cluster/virtiomem/none", virtioMemTestNone);
    g_test_add_func("/cluster/virtiomem/request", virtioMemTestRequest);
    return g_test_run();
}
