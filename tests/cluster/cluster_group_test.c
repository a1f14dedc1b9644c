/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Elastic groups (issue 12 part 5) on libvirt's test driver: a member is
 * a clone of the template on overlays of its disks, started; removing it
 * undefines it and deletes its overlays; a clone that fails half-way
 * leaves nothing behind.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_admin_group.h"
#include "cluster_group.h"
#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_storage.h"
#include "cluster_testutil.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_uuid.h"

#define POOL_DIR "/var/lib/shoal-test/images"
#define POOL_XML                           \
    "<pool type='dir'><name>images</name>" \
    "<target><path>" POOL_DIR "</path></target></pool>"

#define TEMPLATE_XML                                                     \
    "<domain type='test'><name>tmpl</name>"                              \
    "<memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>"      \
    "<metadata><s:placement xmlns:s='" SHOAL_PLACEMENT_NS "'>"           \
    "<group name='web' min='1' max='3'/></s:placement></metadata>"       \
    "<devices><disk type='file' device='disk'>"                          \
    "<driver name='qemu' type='qcow2'/>"                                 \
    "<source file='" POOL_DIR "/base.qcow2'/><target dev='vda'/></disk>" \
    "</devices></domain>"

#define OVERLAY POOL_DIR "/tmpl-1-base.qcow2.qcow2"

/* The pool on every host, the template's disk in it, the template. */
static void
groupSetUp(testCluster *tc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) pool = NULL;
    g_autoptr(shoalVolRef) base = NULL;
    g_autoptr(shoalDomainRef) tmpl = NULL;

    pool = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                    &error);
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectStart(tc->cluster, SHOAL_OBJECT_POOL,
                                          pool->uuid, &error));
    g_assert_no_error(error);
    base =
        shoalClusterVolCreateXML(tc->cluster, pool->uuid,
                                 "<volume><name>base.qcow2</name><capacity unit='M'>8</capacity>"
                                 "<target><format type='qcow2'/></target></volume>",
                                 NULL, 0, &error);
    g_assert_no_error(error);
    tmpl = shoalClusterDomainDefine(tc->cluster, TEMPLATE_XML, 0, &error);
    g_assert_no_error(error);
}

static bool
groupHasVolume(testCluster *tc, const char *path)
{
    g_autoptr(shoalVolRef) vol =
        shoalClusterVolLookupByPath(tc->cluster, path, NULL);

    return vol != NULL;
}

static void
testGroupAddRemove(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) member = NULL;
    g_autoptr(shoalDomainRef) tmpl = NULL;
    g_autoptr(shoalDomainRef) gone = NULL;
    g_autofree char *xml = NULL;

    groupSetUp(tc);
    member = shoalClusterGroupAddMember(tc->cluster, "tmpl", "tmpl-1", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(member->name, ==, "tmpl-1");
    tmpl = shoalClusterLookupDomainByName(tc->cluster, "tmpl", &error);
    g_assert_no_error(error);
    g_assert_false(memcmp(tmpl->uuid, member->uuid, sizeof(tmpl->uuid)) == 0);
    g_assert_cmpint(shoalClusterDomainIsActive(tc->cluster, member->uuid,
                                               &error),
                    ==, 1);
    xml = shoalClusterDomainGetXMLDesc(tc->cluster, member->uuid,
                                       VIR_DOMAIN_XML_INACTIVE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(xml, OVERLAY));
    g_assert_nonnull(strstr(xml, "template=\"tmpl\""));
    g_assert_nonnull(strstr(xml, "group=\"group-web\""));
    g_assert_null(strstr(xml, "<group "));
    g_assert_true(groupHasVolume(tc, OVERLAY));

    g_assert_true(
        shoalClusterGroupRemoveMember(tc->cluster, "tmpl-1", 5, &error));
    g_assert_no_error(error);
    gone = shoalClusterLookupDomainByName(tc->cluster, "tmpl-1", &error);
    g_assert_null(gone);
    g_clear_error(&error);
    g_assert_false(groupHasVolume(tc, OVERLAY));
}

/* A member named as an existing domain cannot be defined: its overlay
 * goes again and no member is left. */
static void
testGroupHalfWay(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) member = NULL;
    g_autoptr(GPtrArray) before = NULL;
    g_autoptr(GPtrArray) doms = NULL;

    groupSetUp(tc);
    before = shoalClusterListDomains(tc->cluster, 0, &error);
    g_assert_no_error(error);
    member = shoalClusterGroupAddMember(tc->cluster, "tmpl", "tmpl", &error);
    g_assert_null(member);
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_false(groupHasVolume(tc, POOL_DIR "/tmpl-base.qcow2.qcow2"));
    doms = shoalClusterListDomains(tc->cluster, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(doms->len, ==, before->len);
    member = shoalClusterGroupAddMember(tc->cluster, "nosuch", "x-1", &error);
    g_assert_null(member);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
}

static void
groupRound(testCluster *tc)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(tc->cluster);
    g_autoptr(shoalSchedConfig) config =
        shoalSchedStateGetConfig(tc->cluster->sched);

    shoalClusterGroupRound(tc->cluster, snap, config);
}

static const shoalGroupInfo *
groupOnly(GPtrArray *groups)
{
    const shoalGroupInfo *info;

    g_assert_cmpuint(groups->len, ==, 1);
    info = groups->pdata[0];
    g_assert_cmpstr(info->name, ==, "web");
    g_assert_cmpstr(info->template, ==, "tmpl");
    return info;
}

/* What shoalctl group list and show get. */
static void
groupCheckAdmin(testCluster *tc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) result = NULL;
    json_object *group;
    json_object *val = NULL;

    g_assert_true(
        shoalAdminCommandGroupList(tc->cluster, NULL, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(json_object_array_length(result), ==, 1);
    group = json_object_array_get_idx(result, 0);
    g_assert_true(json_object_object_get_ex(group, "template", &val));
    g_assert_cmpstr(json_object_get_string(val), ==, "tmpl");
    g_assert_true(json_object_object_get_ex(group, "max", &val));
    g_assert_cmpint(json_object_get_int(val), ==, 3);
    g_assert_true(json_object_object_get_ex(group, "members", &val));
    g_assert_cmpuint(json_object_array_length(val), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(val, 0)),
                    ==, "tmpl-1");
}

/*
 * The round: a group below its min grows to it, one above its max (the
 * template redefined) loses its newest member; the list shows them.
 */
static void
testGroupRound(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) groups = NULL;
    g_autoptr(shoalDomainRef) tmpl = NULL;
    g_autoptr(shoalDomainRef) again = NULL;
    g_autoptr(shoalDomainRef) gone = NULL;
    g_autofree char *xml = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    const shoalGroupInfo *info;
    char *p;

    groupSetUp(tc);
    groups = shoalClusterGroupList(tc->cluster);
    info = groupOnly(groups);
    g_assert_cmpuint(g_strv_length(info->members), ==, 0);
    g_assert_cmpuint(info->max, ==, 3);
    g_clear_pointer(&groups, g_ptr_array_unref);

    groupRound(tc);
    groups = shoalClusterGroupList(tc->cluster);
    info = groupOnly(groups);
    g_assert_cmpstrv(info->members, ((const char *const[]){ "tmpl-1", NULL }));
    g_assert_cmpint(info->lastChangeMs, >, 0);
    g_clear_pointer(&groups, g_ptr_array_unref);
    groupCheckAdmin(tc);

    /* min 2, max 1 is refused; min 2 max 2 grows it by one */
    tmpl = shoalClusterLookupDomainByName(tc->cluster, "tmpl", &error);
    g_assert_no_error(error);
    shoalUUIDFormat(tmpl->uuid, uuid);
    xml = g_strdup(TEMPLATE_XML);
    p = strstr(xml, "min='1' max='3'");
    memcpy(p, "min='2' max='2'", strlen("min='2' max='2'"));
    p = g_strdup_printf("%.*s<uuid>%s</uuid>%s",
                        (int) (strstr(xml, "<memory>") - xml), xml, uuid,
                        strstr(xml, "<memory>"));
    g_free(xml);
    xml = p;
    again = shoalClusterDomainDefine(tc->cluster, xml, 0, &error);
    g_assert_no_error(error);
    groupRound(tc);
    groups = shoalClusterGroupList(tc->cluster);
    info = groupOnly(groups);
    g_assert_cmpstrv(info->members,
                     ((const char *const[]){ "tmpl-1", "tmpl-2", NULL }));
    g_clear_pointer(&groups, g_ptr_array_unref);

    /* max 1 (and min 1): the newest goes, cool-down or not */
    p = strstr(xml, "min='2' max='2'");
    memcpy(p, "min='1' max='1'", strlen("min='1' max='1'"));
    g_clear_pointer(&again, shoalDomainRefFree);
    again = shoalClusterDomainDefine(tc->cluster, xml, 0, &error);
    g_assert_no_error(error);
    groupRound(tc);
    groups = shoalClusterGroupList(tc->cluster);
    info = groupOnly(groups);
    g_assert_cmpstrv(info->members, ((const char *const[]){ "tmpl-1", NULL }));
    gone = shoalClusterLookupDomainByName(tc->cluster, "tmpl-2", NULL);
    g_assert_null(gone);
    g_assert_false(groupHasVolume(tc, POOL_DIR "/tmpl-2-base.qcow2.qcow2"));
    g_assert_true(groupHasVolume(tc, OVERLAY));
}

static bool
groupHasPlan(gpointer opaque, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(shoalSchedPlan) plan = shoalClusterGetPlan(opaque);

    return plan != NULL;
}

/* ticks on: a tick while a round still runs is dropped */
static bool
groupHasMember(gpointer opaque, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) groups = shoalClusterGroupList(opaque);

    shoalClusterSchedulerTick(opaque);
    return g_strv_length(groupOnly(groups)->members) == 1;
}

static void
groupSetMode(testCluster *tc, shoalSchedMode mode)
{
    g_autoptr(shoalSchedConfig) old =
        shoalSchedStateGetConfig(tc->cluster->sched);
    g_autoptr(shoalSchedConfig) config = shoalSchedConfigCopy(old);

    config->mode = mode;
    /* no moves: the test driver's hosts cannot migrate */
    config->balance = false;
    shoalClusterSetSchedConfig(tc->cluster, config);
}

/*
 * The scheduler's own rounds change groups in automatic mode only: in
 * advise mode a round plans, and the group below its min stays empty.
 */
static void
testGroupMode(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GPtrArray) groups = NULL;

    groupSetUp(tc);
    groupSetMode(tc, SHOAL_SCHED_MODE_ADVISE);
    shoalClusterSchedulerTick(tc->cluster);
    testLoopWaitFor(groupHasPlan, tc->cluster, NULL, "an advise round");
    groups = shoalClusterGroupList(tc->cluster);
    g_assert_cmpuint(g_strv_length(groupOnly(groups)->members), ==, 0);

    groupSetMode(tc, SHOAL_SCHED_MODE_AUTOMATIC);
    testLoopWaitFor(groupHasMember, tc->cluster, NULL,
                    "an automatic round to add the group's first member");
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/group/add-remove", testGroupAddRemove);
    g_test_add_func("/cluster/group/half-way", testGroupHalfWay);
    g_test_add_func("/cluster/group/round", testGroupRound);
    g_test_add_func("/cluster/group/mode", testGroupMode);
    return g_test_run();
}
