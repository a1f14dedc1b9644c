/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An elastic group in a template's placement metadata (issue 12 part 5). */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "cluster_groupmeta.h"
#include "cluster_metadata.h"
#include "util_error.h"

static char *
groupXML(const char *group)
{
    return g_strdup_printf("<domain type='kvm'><name>web</name>"
                           "<memory>65536</memory>"
                           "<metadata><shoal:placement xmlns:shoal='" SHOAL_PLACEMENT_NS
                           "'>%s</shoal:placement></metadata>"
                           "<devices><disk type='block' device='cdrom'/>"
                           "</devices></domain>",
                           group);
}

static void
groupTestFull(void)
{
    g_autofree char *xml =
        groupXML("<group name='web' min='1' max='3' target-cpu='50' "
                 "scale-in-grace='20' spread='no'/>");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalGroupMetadata) group = NULL;

    g_assert_true(shoalGroupMetadataParse(xml, &group, &error));
    g_assert_no_error(error);
    g_assert_nonnull(group);
    g_assert_cmpstr(group->name, ==, "web");
    g_assert_cmpuint(group->min, ==, 1);
    g_assert_cmpuint(group->max, ==, 3);
    g_assert_cmpuint(group->targetCpu, ==, 50);
    g_assert_cmpuint(group->graceSeconds, ==, 20);
    g_assert_false(group->spread);
    /* a cdrom is not cloned */
    g_assert_cmpuint(group->unpooledDisks, ==, 0);
}

static void
groupTestDefaults(void)
{
    g_autofree char *xml = groupXML("<group name='w_1' max='4'/>");
    g_autofree char *none = groupXML("<anti-affinity group='x'/>");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalGroupMetadata) group = NULL;
    g_autoptr(shoalGroupMetadata) nothing = NULL;

    g_assert_true(shoalGroupMetadataParse(xml, &group, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(group->min, ==, 1);
    g_assert_cmpuint(group->max, ==, 4);
    g_assert_cmpuint(group->targetCpu, ==, SHOAL_GROUP_DEFAULT_TARGET_CPU);
    g_assert_cmpuint(group->graceSeconds, ==, SHOAL_GROUP_DEFAULT_GRACE);
    g_assert_true(group->spread);
    g_assert_true(shoalGroupMetadataParse(none, &nothing, &error));
    g_assert_no_error(error);
    g_assert_null(nothing);
}

typedef struct {
    const char *group;
    const char *field; /* the error names it */
} groupBadCase;

static const groupBadCase groupBadCases[] = {
    { "<group name='web' min='3' max='2'/>", "min 3 is above its max 2" },
    { "<group name='web' max='0'/>", "max '0'" },
    { "<group name='web' max='x'/>", "max 'x'" },
    { "<group name='web' target-cpu='101'/>", "target-cpu '101'" },
    { "<group name='web' scale-in-grace='-1'/>", "scale-in-grace '-1'" },
    { "<group name='a b'/>", "group name 'a b'" },
    { "<group/>", "group name ''" },
    { "<group name='a'/><group name='b'/>", "one group at most" },
};

static void
groupTestBad(gconstpointer data)
{
    const groupBadCase *c = data;
    g_autofree char *xml = groupXML(c->group);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalGroupMetadata) group = NULL;

    g_assert_false(shoalGroupMetadataParse(xml, &group, &error));
    g_assert_null(group);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR);
    if (!strstr(error->message, c->field))
        g_error("'%s' does not name '%s'", error->message, c->field);
}

static void
groupTestUnpooled(void)
{
    const char *xml =
        "<domain><name>t</name><metadata>"
        "<shoal:placement xmlns:shoal='" SHOAL_PLACEMENT_NS "'>"
        "<group name='t'/></shoal:placement></metadata><devices>"
        "<disk type='block' device='disk'><source dev='/dev/sdz'/></disk>"
        "<disk type='file'><source file='/p/a.qcow2'/></disk>"
        "</devices></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalGroupMetadata) group = NULL;

    g_assert_true(shoalGroupMetadataParse(xml, &group, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(group->unpooledDisks, ==, 1);
}

int
main(int argc, char **argv)
{
    gsize i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/groupmeta/full", groupTestFull);
    g_test_add_func("/groupmeta/defaults", groupTestDefaults);
    g_test_add_func("/groupmeta/unpooled", groupTestUnpooled);
    for (i = 0; i < G_N_ELEMENTS(groupBadCases); i++) {
        g_autofree char *path = g_strdup_printf("/groupmeta/bad/%zu", i);

        g_test_add_data_func(path, &groupBadCases[i], groupTestBad);
    }
    return g_test_run();
}
