/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secrets, network filters, node devices and host interfaces on
 * libvirt's test driver. The test driver has no secret or nwfilter
 * driver: a definition it refuses reaches the caller naming the host and
 * leaves nothing behind; a secret's value goes to the store and comes
 * back from it. Node devices and interfaces are listed per host, named
 * "host/name".
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define SECRET_UUID "1b9a7a9c-3f7c-4c1a-9e62-5a4f2f0e0b11"
/* the stored record below writes the usage type as a number */
G_STATIC_ASSERT(VIR_SECRET_USAGE_TYPE_CEPH == 2);

/* host1 from a file; dflt is libvirt's test:///default, which has node
 * devices and an interface (eth1) */
static testCluster *
hostObjectsCluster(void)
{
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { "dflt", NULL, "test:///default" },
        { NULL, NULL, NULL },
    };
    testCluster *tc = testClusterNew(hosts, NULL);

    testClusterStart(tc);
    testClusterWaitDomains(tc, 3);
    testClusterWaitIdle(tc);
    return tc;
}

static bool
hostObjectsHas(GPtrArray *list, const char *name)
{
    guint i;

    for (i = 0; i < list->len; i++) {
        if (g_str_equal(((shoalHostObject *) list->pdata[i])->name, name))
            return true;
    }
    return false;
}

static void
testHostObjectsNodeDevices(void)
{
    g_autoptr(testCluster) tc = hostObjectsCluster();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GPtrArray) scsi = NULL;
    g_autoptr(shoalHostObject) dev = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *rootParent = NULL;
    g_auto(GStrv) caps = NULL;
    guint i;

    list =
        shoalClusterHostObjectList(tc->cluster, SHOAL_HOST_OBJECT_NODE_DEVICE,
                                   0, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(hostObjectsHas(list, "dflt/computer"));
    for (i = 0; i < list->len; i++) {
        const char *name = ((shoalHostObject *) list->pdata[i])->name;

        g_assert_true(g_str_has_prefix(name, "dflt/") ||
                      g_str_has_prefix(name, "host1/"));
    }
    scsi =
        shoalClusterHostObjectList(tc->cluster, SHOAL_HOST_OBJECT_NODE_DEVICE,
                                   0, "scsi_host", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(scsi->len, >, 0);
    g_assert_cmpuint(scsi->len, <, list->len);
    g_assert_false(hostObjectsHas(scsi, "dflt/computer"));

    dev =
        shoalClusterHostObjectLookup(tc->cluster, SHOAL_HOST_OBJECT_NODE_DEVICE,
                                     "dflt/computer", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(dev->name, ==, "dflt/computer");
    xml =
        shoalClusterHostObjectGetXML(tc->cluster, SHOAL_HOST_OBJECT_NODE_DEVICE,
                                     "dflt/computer", 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(xml, "<name>computer</name>"));
    caps = shoalClusterNodeDeviceListCaps(tc->cluster, "dflt/computer", &error);
    g_assert_no_error(error);
    g_assert_true(g_strv_contains((const char *const *) caps, "system"));
    g_assert_true(shoalClusterNodeDeviceGetParent(tc->cluster, "dflt/computer",
                                                  &rootParent, &error));
    g_assert_null(rootParent);
    g_assert_true(
        shoalClusterNodeDeviceGetParent(tc->cluster,
                                        ((shoalHostObject *) scsi->pdata[0])
                                            ->name,
                                        &parent, &error));
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(parent, "dflt/"));

    /* a name without its host, or with a host that is not a member,
     * names nothing */
    g_assert_null(shoalClusterHostObjectLookup(tc->cluster,
                                               SHOAL_HOST_OBJECT_NODE_DEVICE,
                                               "computer", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_NODE_DEVICE);
    g_clear_error(&error);
    g_assert_null(shoalClusterHostObjectLookup(tc->cluster,
                                               SHOAL_HOST_OBJECT_NODE_DEVICE,
                                               "nosuch/computer", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_NODE_DEVICE);
    g_clear_error(&error);
    /* host1 has no such device: the host's own error */
    g_assert_null(shoalClusterHostObjectLookup(tc->cluster,
                                               SHOAL_HOST_OBJECT_NODE_DEVICE,
                                               "host1/nosuch", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_NODE_DEVICE);
}

static void
testHostObjectsInterfaces(void)
{
    g_autoptr(testCluster) tc = hostObjectsCluster();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GPtrArray) inactive = NULL;
    g_autoptr(shoalHostObject) iface = NULL;
    g_autoptr(shoalHostObject) byMAC = NULL;
    g_autofree char *xml = NULL;

    list = shoalClusterHostObjectList(tc->cluster, SHOAL_HOST_OBJECT_INTERFACE,
                                      VIR_CONNECT_LIST_INTERFACES_ACTIVE, NULL,
                                      &error);
    g_assert_no_error(error);
    g_assert_true(hostObjectsHas(list, "dflt/eth1"));
    inactive =
        shoalClusterHostObjectList(tc->cluster, SHOAL_HOST_OBJECT_INTERFACE,
                                   VIR_CONNECT_LIST_INTERFACES_INACTIVE, NULL,
                                   &error);
    g_assert_no_error(error);
    g_assert_false(hostObjectsHas(inactive, "dflt/eth1"));

    iface =
        shoalClusterHostObjectLookup(tc->cluster, SHOAL_HOST_OBJECT_INTERFACE,
                                     "dflt/eth1", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(iface->mac, ==, "aa:bb:cc:dd:ee:ff");
    byMAC = shoalClusterInterfaceLookupByMAC(tc->cluster, "aa:bb:cc:dd:ee:ff",
                                             &error);
    g_assert_no_error(error);
    g_assert_cmpstr(byMAC->name, ==, "dflt/eth1");
    g_assert_cmpint(shoalClusterInterfaceIsActive(tc->cluster, "dflt/eth1",
                                                  &error),
                    ==, 1);
    xml = shoalClusterHostObjectGetXML(tc->cluster, SHOAL_HOST_OBJECT_INTERFACE,
                                       "dflt/eth1", 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(xml, "name='eth1'"));
    g_assert_null(shoalClusterInterfaceLookupByMAC(tc->cluster,
                                                   "00:00:00:00:00:01",
                                                   &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_INTERFACE);
}

/* The hosts refuse: nothing is defined, stored or listed. */
static void
testHostObjectsSecretRefused(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *doc = NULL;
    static const shoalObjectKind kinds[] = { SHOAL_OBJECT_SECRET,
                                             SHOAL_OBJECT_NWFILTER };
    static const char *const xmls[] = {
        "<secret><usage type='ceph'><name>c</name></usage></secret>",
        "<filter name='f' chain='root'/>",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(kinds); i++) {
        g_assert_null(
            shoalClusterObjectDefine(tc->cluster, kinds[i], xmls[i], &error));
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
        g_assert_nonnull(strstr(error->message, "host1"));
        g_clear_error(&error);
        list = shoalClusterObjectList(tc->cluster, kinds[i], 0);
        g_assert_cmpuint(list->len, ==, 0);
        g_clear_pointer(&list, g_ptr_array_unref);
    }
    doc = shoalStoreGetDocument(tc->cluster->store, "objects", &error);
    g_assert_no_error(error);
    g_assert_null(doc);
}

static shoalCluster *
hostObjectsReopen(const char *dir, GMainContext *context)
{
    shoalClusterConfig config;
    shoalCluster *cluster;
    g_autoptr(GError) error = NULL;

    shoalClusterConfigInit(&config);
    cluster = shoalClusterNew(&config, context);
    g_assert_true(shoalClusterOpenStore(cluster, dir, &error));
    g_assert_no_error(error);
    return cluster;
}

/* A secret's record keeps its usage and value in the store; a value set
 * while no host has it is kept for the hosts that will; a secret and a
 * filter never run. */
static void
testHostObjectsSecretStore(void)
{
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = testClusterNew(hosts, NULL);
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(shoalCluster) reopened = NULL;
    g_autoptr(shoalCluster) again = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalObjectRef) found = NULL;
    g_autoptr(GBytes) value = g_bytes_new_static("s3cr3t", 6);
    g_autofree char *doc = NULL;
    g_autofree char *b64 = g_base64_encode((const guchar *) "s3cr3t", 6);

    g_assert_true(
        shoalStorePutDocument(tc->cluster->store, "objects",
                              "{ \"version\": 1, \"objects\": [ { \"kind\": \"secret\","
                              " \"name\": \"client.e2e\", \"uuid\": \"" SECRET_UUID
                              "\","
                              " \"xml\": \"<secret/>\", \"usageType\": 2 } ] }",
                              &error));
    g_assert_no_error(error);
    reopened = hostObjectsReopen(tc->dir, context);

    ref = shoalClusterObjectLookupByUsage(reopened, SHOAL_OBJECT_SECRET,
                                          VIR_SECRET_USAGE_TYPE_CEPH,
                                          "client.e2e", &error);
    g_assert_no_error(error);
    g_assert_cmpint(ref->usageType, ==, VIR_SECRET_USAGE_TYPE_CEPH);
    g_assert_null(shoalClusterObjectLookupByUsage(reopened, SHOAL_OBJECT_SECRET,
                                                  VIR_SECRET_USAGE_TYPE_VOLUME,
                                                  "client.e2e", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SECRET);
    g_clear_error(&error);

    g_assert_true(shoalClusterObjectSetValue(reopened, SHOAL_OBJECT_SECRET,
                                             ref->uuid, value, &error));
    g_assert_no_error(error);
    doc = shoalStoreGetDocument(reopened->store, "objects", &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(doc, b64));

    /* the value survives a restart, and a redefinition keeps it */
    g_clear_pointer(&reopened, shoalClusterFree);
    again = hostObjectsReopen(tc->dir, context);
    found = shoalClusterObjectLookupByUUID(again, SHOAL_OBJECT_SECRET,
                                           ref->uuid, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(found->name, ==, "client.e2e");
    g_clear_pointer(&doc, g_free);
    g_assert_true(shoalClusterObjectUndefine(again, SHOAL_OBJECT_SECRET,
                                             ref->uuid, &error));
    g_assert_no_error(error);

    g_assert_false(
        shoalClusterObjectStart(again, SHOAL_OBJECT_SECRET, ref->uuid, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
    g_clear_error(&error);
    g_assert_false(shoalClusterObjectSetValue(again, SHOAL_OBJECT_NWFILTER,
                                              ref->uuid, value, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/hostobjects/node-devices",
                    testHostObjectsNodeDevices);
    g_test_add_func("/cluster/hostobjects/interfaces",
                    testHostObjectsInterfaces);
    g_test_add_func("/cluster/hostobjects/secret-refused",
                    testHostObjectsSecretRefused);
    g_test_add_func("/cluster/hostobjects/secret-store",
                    testHostObjectsSecretStore);
    return g_test_run();
}
