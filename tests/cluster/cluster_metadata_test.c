/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "cluster_metadata.h"
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
    return g_test_run();
}
