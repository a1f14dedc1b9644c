/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cluster objects on libvirt's test driver: a pool defined through the
 * cluster exists with one UUID on every host, a rejection rolls back the
 * hosts that took it, the store keeps it, a host that joins gets it.
 */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_storage.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define POOL_XML                           \
    "<pool type='dir'><name>images</name>" \
    "<target><path>/var/lib/shoal-test/images</path></target></pool>"

typedef struct {
    testCluster *tc;
} objectsFixture;

static void
objectsSetUp(objectsFixture *fixture, gconstpointer data)
{
    fixture->tc = testClusterNewTwoHosts(NULL);
}

static void
objectsTearDown(objectsFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->tc, testClusterFree);
}

/* Returns: (transfer full): the pool @name on @hostName, or NULL. */
static virStoragePoolPtr
objectsHostPool(testCluster *tc, const char *hostName, const char *name)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(tc->cluster, hostName, &error);
    virConnectPtr conn;
    virStoragePoolPtr pool;

    g_assert_no_error(error);
    conn = shoalHostGetConnection(host, &error);
    g_assert_no_error(error);
    pool = virStoragePoolLookupByName(conn, name);
    virResetLastError();
    virConnectClose(conn);
    return pool;
}

static void
objectsAssertPool(testCluster *tc,
                  const char *hostName,
                  const shoalObjectRef *ref,
                  int active,
                  int autostart)
{
    virStoragePoolPtr pool = objectsHostPool(tc, hostName, ref->name);
    unsigned char uuid[VIR_UUID_BUFLEN];
    int flag = -1;

    g_assert_nonnull(pool);
    g_assert_cmpint(virStoragePoolGetUUID(pool, uuid), ==, 0);
    g_assert_cmpmem(uuid, VIR_UUID_BUFLEN, ref->uuid, VIR_UUID_BUFLEN);
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, active);
    g_assert_cmpint(virStoragePoolGetAutostart(pool, &flag), ==, 0);
    g_assert_cmpint(flag, ==, autostart);
    virStoragePoolFree(pool);
}

static void
testObjectsLifecycle(objectsFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalObjectRef) found = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *doc = NULL;
    bool active = true;
    bool autostart = true;

    ref =
        shoalClusterObjectDefine(cluster, SHOAL_OBJECT_POOL, POOL_XML, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ref->name, ==, "images");
    objectsAssertPool(fixture->tc, "host1", ref, 0, 0);
    objectsAssertPool(fixture->tc, "host2", ref, 0, 0);
    /* durable on return */
    doc = shoalStoreGetDocument(cluster->store, "objects", &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(doc, "\"images\""));

    found = shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_POOL, "images",
                                           &error);
    g_assert_no_error(error);
    g_assert_cmpmem(found->uuid, VIR_UUID_BUFLEN, ref->uuid, VIR_UUID_BUFLEN);
    g_assert_null(shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_NETWORK,
                                                 "images", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_NETWORK);
    g_clear_error(&error);

    g_assert_true(
        shoalClusterObjectStart(cluster, SHOAL_OBJECT_POOL, ref->uuid, &error));
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectSetAutostart(cluster, SHOAL_OBJECT_POOL,
                                                 ref->uuid, true, &error));
    g_assert_no_error(error);
    objectsAssertPool(fixture->tc, "host1", ref, 1, 1);
    objectsAssertPool(fixture->tc, "host2", ref, 1, 1);
    g_assert_true(shoalClusterObjectGetState(cluster, SHOAL_OBJECT_POOL,
                                             ref->uuid, &active, &autostart,
                                             &error));
    g_assert_true(active && autostart);
    list = shoalClusterObjectList(cluster, SHOAL_OBJECT_POOL,
                                  VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE);
    g_assert_cmpuint(list->len, ==, 0);
    g_clear_pointer(&list, g_ptr_array_unref);

    /* an active pool cannot be undefined: the host says so, nothing
     * changes */
    g_assert_false(shoalClusterObjectUndefine(cluster, SHOAL_OBJECT_POOL,
                                              ref->uuid, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&error);

    /* pool-delete: refused while it runs, then on every host */
    g_assert_false(shoalClusterPoolDelete(cluster, ref->uuid, 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&error);
    g_assert_true(shoalClusterObjectDestroy(cluster, SHOAL_OBJECT_POOL,
                                            ref->uuid, &error));
    g_assert_no_error(error);
    objectsAssertPool(fixture->tc, "host2", ref, 0, 1);
    g_assert_true(shoalClusterPoolDelete(cluster, ref->uuid, 0, &error));
    g_assert_no_error(error);
    objectsAssertPool(fixture->tc, "host1", ref, 0, 1);
    g_assert_true(shoalClusterObjectUndefine(cluster, SHOAL_OBJECT_POOL,
                                             ref->uuid, &error));
    g_assert_no_error(error);
    g_assert_null(objectsHostPool(fixture->tc, "host1", "images"));
    g_assert_null(objectsHostPool(fixture->tc, "host2", "images"));
    list = shoalClusterObjectList(cluster, SHOAL_OBJECT_POOL, 0);
    g_assert_cmpuint(list->len, ==, 0);
}

/* host2 has a pool of that name already, with its own UUID: it rejects
 * the definition, host1 (which took it first) loses it again */
static void
testObjectsRollback(objectsFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalHost) host2 = shoalClusterLookupHost(cluster, "host2", NULL);
    g_autoptr(GPtrArray) list = NULL;
    virConnectPtr conn = shoalHostGetConnection(host2, NULL);
    virStoragePoolPtr own;

    own = virStoragePoolDefineXML(conn, POOL_XML, 0);
    g_assert_nonnull(own);
    virStoragePoolFree(own);
    virConnectClose(conn);

    g_assert_null(
        shoalClusterObjectDefine(cluster, SHOAL_OBJECT_POOL, POOL_XML, &error));
    g_assert_nonnull(error);
    g_assert_true(error->domain == SHOAL_ERROR);
    g_assert_nonnull(strstr(error->message, "host2"));
    g_assert_null(objectsHostPool(fixture->tc, "host1", "images"));
    own = objectsHostPool(fixture->tc, "host2", "images");
    g_assert_nonnull(own);
    virStoragePoolFree(own);
    list = shoalClusterObjectList(cluster, SHOAL_OBJECT_POOL, 0);
    g_assert_cmpuint(list->len, ==, 0);
}

/* A definition the first host rejects changes nothing anywhere. */
static void
testObjectsRejected(objectsFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;

    g_assert_null(shoalClusterObjectDefine(cluster, SHOAL_OBJECT_POOL,
                                           "<pool type='nosuchtype'/>",
                                           &error));
    g_assert_nonnull(error);
    g_assert_null(objectsHostPool(fixture->tc, "host1", "images"));
}

static bool
objectsHostHasActivePool(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(tc->cluster, "host2", NULL);
    virConnectPtr conn = host ? shoalHostGetConnection(host, NULL) : NULL;
    virStoragePoolPtr pool;
    bool ok;

    if (!conn)
        return false;
    pool = virStoragePoolLookupByName(conn, data);
    virResetLastError();
    ok = pool && virStoragePoolIsActive(pool) == 1;
    if (pool)
        virStoragePoolFree(pool);
    virConnectClose(conn);
    return ok;
}

/* A host that joins later gets the pool, running as the cluster keeps
 * it; a restarted cluster reads it back from the store. */
static void
testObjectsReplay(void)
{
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = testClusterNew(hosts, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalObjectRef) again = NULL;
    g_autoptr(GPtrArray) infos = NULL;
    g_autofree char *uri = testClusterDataURI("host2.xml");
    g_autoptr(GMainContext) context = NULL;
    g_autoptr(shoalCluster) reopened = NULL;
    shoalClusterConfig config;
    const shoalObjectInfo *info;
    bool active = false;

    testClusterStart(tc);
    testClusterWaitDomains(tc, 2);
    ref = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                   &error);
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectStart(tc->cluster, SHOAL_OBJECT_POOL,
                                          ref->uuid, &error));
    g_assert_no_error(error);

    g_assert_true(shoalClusterAddHost(tc->cluster, "host2", uri, NULL, &error));
    g_assert_no_error(error);
    testLoopWaitFor(objectsHostHasActivePool, tc, "images",
                    "host2 to get the pool");
    objectsAssertPool(tc, "host2", ref, 1, 0);

    infos = shoalClusterObjectListInfo(tc->cluster);
    g_assert_cmpuint(infos->len, ==, 1);
    info = infos->pdata[0];
    g_assert_true(info->managed);
    g_assert_cmpuint(g_strv_length(info->hosts), ==, 2);
    g_assert_cmpuint(g_strv_length(info->running), ==, 2);
    g_assert_cmpuint(g_strv_length(info->lacking), ==, 0);

    /* the store outlives the daemon */
    testClusterWaitIdle(tc);
    context = g_main_context_new();
    shoalClusterConfigInit(&config);
    reopened = shoalClusterNew(&config, context);
    g_assert_true(shoalClusterOpenStore(reopened, tc->dir, &error));
    g_assert_no_error(error);
    again = shoalClusterObjectLookupByName(reopened, SHOAL_OBJECT_POOL,
                                           "images", &error);
    g_assert_no_error(error);
    g_assert_cmpmem(again->uuid, VIR_UUID_BUFLEN, ref->uuid, VIR_UUID_BUFLEN);
    g_assert_true(shoalClusterObjectGetState(reopened, SHOAL_OBJECT_POOL,
                                             ref->uuid, &active, NULL, &error));
    g_assert_true(active);
}

static void
objectsDisconnect(gpointer opaque)
{
    testCluster *tc = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(tc->cluster, "host2", NULL);

    g_assert_nonnull(host);
    /* as a lost connection */
    shoalClusterDisconnectHost(tc->cluster, host);
}

static bool
objectsHostOnline(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autoptr(shoalHost) host = shoalClusterLookupHost(tc->cluster, data, NULL);

    return host && shoalHostGetState(host) == SHOAL_HOST_STATE_ONLINE;
}

/* Whether the stored record of objects names @data (a UUID string). */
static bool
objectsStoreHas(gpointer opaque, gconstpointer data)
{
    testCluster *tc = opaque;
    g_autofree char *doc =
        shoalStoreGetDocument(tc->cluster->store, "objects", NULL);

    return doc && strstr(doc, data);
}

static bool
objectsStoreLacks(gpointer opaque, gconstpointer data)
{
    return !objectsStoreHas(opaque, data);
}

/*
 * The marker of an undefined pool stays while a member host has not
 * dropped it: a host down during the undefine drops it when it returns,
 * then the marker goes; with every host up there is none.
 */
static void
testObjectsRemovedMarker(objectsFixture *fixture, gconstpointer data)
{
    testCluster *tc = fixture->tc;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) ref = NULL;
    g_autoptr(shoalObjectRef) other = NULL;
    g_autoptr(shoalHost) host2 = NULL;
    g_autofree char *doc = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    ref = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                   &error);
    g_assert_no_error(error);
    shoalUUIDFormat(ref->uuid, uuid);
    testLoopInvoke(tc->loop, objectsDisconnect, tc);
    g_assert_true(shoalClusterObjectUndefine(tc->cluster, SHOAL_OBJECT_POOL,
                                             ref->uuid, &error));
    g_assert_no_error(error);
    g_assert_null(objectsHostPool(tc, "host1", "images"));
    doc = shoalStoreGetDocument(tc->cluster->store, "objects", &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(doc, uuid));
    g_assert_nonnull(strstr(doc, "\"pending\""));
    g_assert_null(shoalClusterObjectLookupByName(tc->cluster, SHOAL_OBJECT_POOL,
                                                 "images", &error));
    g_clear_error(&error);

    host2 = shoalClusterLookupHost(tc->cluster, "host2", &error);
    g_assert_no_error(error);
    shoalClusterHostAdded(tc->cluster, host2);
    testLoopWaitFor(objectsHostOnline, tc, "host2", "host2 back online");
    testLoopWaitFor(objectsStoreLacks, tc, uuid,
                    "the marker to go once host2 dropped the pool");
    g_assert_null(objectsHostPool(tc, "host2", "images"));

    /* every host up: no marker at all */
    other = shoalClusterObjectDefine(tc->cluster, SHOAL_OBJECT_POOL, POOL_XML,
                                     &error);
    g_assert_no_error(error);
    shoalUUIDFormat(other->uuid, uuid);
    g_assert_true(objectsStoreHas(tc, uuid));
    g_assert_true(shoalClusterObjectUndefine(tc->cluster, SHOAL_OBJECT_POOL,
                                             other->uuid, &error));
    g_assert_no_error(error);
    g_assert_true(objectsStoreLacks(tc, uuid));
}

/* A host's own pool is listed with its host, not as a cluster object. */
static void
testObjectsListHostOwn(objectsFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(shoalHost) host1 = shoalClusterLookupHost(cluster, "host1", NULL);
    virConnectPtr conn = shoalHostGetConnection(host1, NULL);
    virStoragePoolPtr own = virStoragePoolDefineXML(conn, POOL_XML, 0);
    g_autoptr(GPtrArray) infos = NULL;
    g_autoptr(GPtrArray) list = NULL;
    const shoalObjectInfo *info;

    g_assert_nonnull(own);
    virStoragePoolFree(own);
    virConnectClose(conn);
    infos = shoalClusterObjectListInfo(cluster);
    g_assert_cmpuint(infos->len, ==, 1);
    info = infos->pdata[0];
    g_assert_false(info->managed);
    g_assert_cmpstr(info->name, ==, "images");
    g_assert_cmpuint(g_strv_length(info->hosts), ==, 1);
    g_assert_cmpstr(info->hosts[0], ==, "host1");
    list = shoalClusterObjectList(cluster, SHOAL_OBJECT_POOL, 0);
    g_assert_cmpuint(list->len, ==, 0);
}

#define NET_NS "http://shoal.example.org/xmlns/network/1"

/* A bridged network is a cluster network; a NAT one gives every host its
 * own subnet and is refused unless marked host-local. */
static void
testObjectsNetworks(objectsFixture *fixture, gconstpointer data)
{
    shoalCluster *cluster = fixture->tc->cluster;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalObjectRef) bridged = NULL;
    g_autoptr(shoalObjectRef) local = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *bridge = NULL;

    g_assert_null(
        shoalClusterObjectDefine(cluster, SHOAL_OBJECT_NETWORK,
                                 "<network><name>nat</name><forward mode='nat'/>"
                                 "<ip address='192.168.150.1' netmask='255.255.255.0'/></network>",
                                 &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "'nat'"));
    g_clear_error(&error);

    bridged =
        shoalClusterObjectDefine(cluster, SHOAL_OBJECT_NETWORK,
                                 "<network><name>lan</name><forward mode='bridge'/>"
                                 "<bridge name='br0'/></network>",
                                 &error);
    g_assert_no_error(error);
    g_assert_true(shoalClusterObjectStart(cluster, SHOAL_OBJECT_NETWORK,
                                          bridged->uuid, &error));
    g_assert_no_error(error);
    bridge = shoalClusterNetworkGetBridgeName(cluster, bridged->uuid, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(bridge, ==, "br0");

    local =
        shoalClusterObjectDefine(cluster, SHOAL_OBJECT_NETWORK,
                                 "<network xmlns:shoal='" NET_NS
                                 "' shoal:scope='host-local'>"
                                 "<name>nat</name><forward mode='nat'/>"
                                 "<ip address='192.168.150.1' netmask='255.255.255.0'/></network>",
                                 &error);
    g_assert_no_error(error);
    list = shoalClusterObjectList(cluster, SHOAL_OBJECT_NETWORK,
                                  VIR_CONNECT_LIST_NETWORKS_ACTIVE);
    g_assert_cmpuint(list->len, ==, 1);
    g_assert_cmpstr(((shoalObjectRef *) list->pdata[0])->name, ==, "lan");
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add("/cluster/objects/lifecycle", objectsFixture, NULL, objectsSetUp,
               testObjectsLifecycle, objectsTearDown);
    g_test_add("/cluster/objects/rollback", objectsFixture, NULL, objectsSetUp,
               testObjectsRollback, objectsTearDown);
    g_test_add("/cluster/objects/rejected", objectsFixture, NULL, objectsSetUp,
               testObjectsRejected, objectsTearDown);
    g_test_add_func("/cluster/objects/replay", testObjectsReplay);
    g_test_add("/cluster/objects/removed-marker", objectsFixture, NULL,
               objectsSetUp, testObjectsRemovedMarker, objectsTearDown);
    g_test_add("/cluster/objects/list-host-own", objectsFixture, NULL,
               objectsSetUp, testObjectsListHostOwn, objectsTearDown);
    g_test_add("/cluster/objects/networks", objectsFixture, NULL, objectsSetUp,
               testObjectsNetworks, objectsTearDown);
    return g_test_run();
}
