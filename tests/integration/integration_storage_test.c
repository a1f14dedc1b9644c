/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Storage pools and volumes through virtshoald in-process (shoal+unix://),
 * with two member hosts on libvirt's test driver: what virsh's pool-* and
 * vol-* commands call, end to end over the wire.
 */

#include <config.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_eventloop.h"
#include "driver_server.h"
#include "testutil_daemon.h"
#include "testutil_file.h"
#include "testutil_loop.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)

#define STORAGE_DIR_POOL                   \
    "<pool type='dir'><name>images</name>" \
    "<target><path>/var/lib/shoal-test/images</path></target></pool>"
#define STORAGE_NETFS_POOL                                    \
    "<pool type='netfs'><name>shared</name>"                  \
    "<source><host name='nfs.example'/><dir path='/export'/>" \
    "<format type='nfs'/></source>"                           \
    "<target><path>/var/lib/shoal-test/shared</path></target></pool>"
#define STORAGE_VOL                                                    \
    "<volume><name>disk1.img</name><capacity unit='MiB'>64</capacity>" \
    "</volume>"

typedef struct {
    char *dir;
    char *storeDir;
    testDaemon daemon;
    virConnectPtr shoal;
} storageFixture;

static char *
storageDataURI(const char *file)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "data", "integration", file, NULL);
    g_autofree char *abs = g_canonicalize_filename(path, NULL);

    return g_strdup_printf("test://%s", abs);
}

static bool
storageDaemonReady(gpointer opaque, gconstpointer data)
{
    storageFixture *fixture = opaque;
    g_autoptr(GPtrArray) doms =
        shoalClusterListDomains(fixture->daemon.cluster, 0, NULL);

    return doms && doms->len == 3;
}

static void
storageSetUp(storageFixture *fixture, gconstpointer data)
{
    shoalClusterConfig config;
    g_autoptr(GError) error = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *host1 = storageDataURI("host1.xml");
    g_autofree char *host2 = storageDataURI("host2.xml");

    fixture->dir = g_dir_make_tmp("shoal-storage-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->storeDir = g_dir_make_tmp("shoal-storage-store-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->daemon.loop = testLoopNew();
    shoalClusterConfigInit(&config);
    fixture->daemon.cluster =
        shoalClusterNew(&config, testLoopGetContext(fixture->daemon.loop));
    g_assert_true(shoalClusterOpenStore(fixture->daemon.cluster,
                                        fixture->storeDir, &error));
    g_assert_no_error(error);
    g_assert_true(shoalClusterAddHost(fixture->daemon.cluster, "host1", host1,
                                      NULL, &error));
    g_assert_true(shoalClusterAddHost(fixture->daemon.cluster, "host2", host2,
                                      NULL, &error));
    g_assert_no_error(error);
    testDaemonListen(&fixture->daemon, fixture->dir, "storage-loop");
    testLoopWaitFor(storageDaemonReady, fixture, NULL,
                    "the member hosts to come online");
    uri = g_strdup_printf("shoal+unix:///system?socket=%s/virtshoald-sock",
                          fixture->dir);
    fixture->shoal = virConnectOpen(uri);
    g_assert_nonnull(fixture->shoal);
}

static void
storageTearDown(storageFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->shoal, virConnectClose);
    testLoopInvoke(fixture->daemon.loop, testDaemonStopOnLoop,
                   &fixture->daemon);
    g_clear_pointer(&fixture->daemon.loop, testLoopFree);
    g_clear_pointer(&fixture->daemon.cluster, shoalClusterFree);
    g_assert_cmpint(g_rmdir(fixture->dir), ==, 0);
    g_free(fixture->dir);
    testRemoveTree(fixture->storeDir);
    g_free(fixture->storeDir);
}

static virStoragePoolPtr
storageDefineStarted(virConnectPtr conn, const char *xml)
{
    virStoragePoolPtr pool = virStoragePoolDefineXML(conn, xml, 0);

    g_assert_nonnull(pool);
    g_assert_cmpint(virStoragePoolBuild(pool, 0), ==, 0);
    g_assert_cmpint(virStoragePoolCreate(pool, 0), ==, 0);
    g_assert_cmpint(virStoragePoolSetAutostart(pool, 1), ==, 0);
    return pool;
}

/* virsh pool-define, pool-build, pool-start, pool-autostart, pool-list,
 * pool-info, pool-dumpxml, pool-destroy, pool-undefine */
static void
storageTestPoolLifecycle(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virStoragePool) pool =
        storageDefineStarted(fixture->shoal, STORAGE_DIR_POOL);
    g_autoptr(virStoragePool) byName = NULL;
    g_autoptr(virStoragePool) byUUID = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virStoragePoolPtr *pools = NULL;
    virStoragePoolInfo info;
    g_autofree char *xml = NULL;
    char *names[4];
    int autostart = 0;
    int n;

    g_assert_cmpint(virStoragePoolGetUUID(pool, uuid), ==, 0);
    byName = virStoragePoolLookupByName(fixture->shoal, "images");
    g_assert_nonnull(byName);
    byUUID = virStoragePoolLookupByUUID(fixture->shoal, uuid);
    g_assert_nonnull(byUUID);
    g_assert_cmpstr(virStoragePoolGetName(byUUID), ==, "images");
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, 1);
    g_assert_cmpint(virStoragePoolIsPersistent(pool), ==, 1);
    g_assert_cmpint(virStoragePoolGetAutostart(pool, &autostart), ==, 0);
    g_assert_cmpint(autostart, ==, 1);

    n = virConnectListAllStoragePools(fixture->shoal, &pools, 0);
    g_assert_cmpint(n, ==, 1);
    g_assert_cmpstr(virStoragePoolGetName(pools[0]), ==, "images");
    virStoragePoolFree(pools[0]);
    free(pools);
    g_assert_cmpint(virConnectNumOfStoragePools(fixture->shoal), ==, 1);
    g_assert_cmpint(virConnectNumOfDefinedStoragePools(fixture->shoal), ==, 0);
    g_assert_cmpint(virConnectListStoragePools(fixture->shoal, names, 4), ==,
                    1);
    g_assert_cmpstr(names[0], ==, "images");
    free(names[0]);

    g_assert_cmpint(virStoragePoolGetInfo(pool, &info), ==, 0);
    g_assert_cmpint(info.state, ==, VIR_STORAGE_POOL_RUNNING);
    g_assert_cmpuint(info.capacity, >, 0);
    xml = virStoragePoolGetXMLDesc(pool, 0);
    g_assert_nonnull(strstr(xml, "/var/lib/shoal-test/images"));
    g_assert_cmpint(virStoragePoolRefresh(pool, 0), ==, 0);

    g_assert_cmpint(virStoragePoolUndefine(pool), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    /* pool-delete: the hosts refuse while it runs */
    g_assert_cmpint(virStoragePoolDelete(pool, 0), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpint(virStoragePoolDestroy(pool), ==, 0);
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, 0);
    g_assert_cmpint(virStoragePoolDelete(pool, 0), ==, 0);
    g_assert_cmpint(virStoragePoolUndefine(pool), ==, 0);
    g_assert_null(virStoragePoolLookupByName(fixture->shoal, "images"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_STORAGE_POOL);
}

/* A shared pool's capacity is counted once, a local pool's per host. */
static void
storageTestCapacity(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virStoragePool) local =
        storageDefineStarted(fixture->shoal, STORAGE_DIR_POOL);
    g_autoptr(virStoragePool) shared =
        storageDefineStarted(fixture->shoal, STORAGE_NETFS_POOL);
    virStoragePoolInfo localInfo;
    virStoragePoolInfo sharedInfo;

    g_assert_cmpint(virStoragePoolGetInfo(local, &localInfo), ==, 0);
    g_assert_cmpint(virStoragePoolGetInfo(shared, &sharedInfo), ==, 0);
    /* the test driver gives every pool the same figures */
    g_assert_cmpuint(localInfo.capacity, ==, 2 * sharedInfo.capacity);
}

/* virsh vol-create-as, vol-list, vol-info, vol-path, vol-key,
 * vol-dumpxml, lookups by path and key, vol-resize, vol-wipe,
 * vol-delete */
static void
storageTestVolumes(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virStoragePool) pool =
        storageDefineStarted(fixture->shoal, STORAGE_DIR_POOL);
    g_autoptr(virStorageVol) vol = NULL;
    g_autoptr(virStorageVol) byName = NULL;
    g_autoptr(virStorageVol) byPath = NULL;
    g_autoptr(virStorageVol) byKey = NULL;
    g_autoptr(virStoragePool) owner = NULL;
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    virStorageVolPtr *vols = NULL;
    virStorageVolInfo info;
    char *names[4];

    vol = virStorageVolCreateXML(pool, STORAGE_VOL, 0);
    g_assert_nonnull(vol);
    /* a name that exists is refused, as libvirt does */
    g_assert_null(virStorageVolCreateXML(pool, STORAGE_VOL, 0));
    g_assert_cmpint(virStoragePoolNumOfVolumes(pool), ==, 1);
    g_assert_cmpint(virStoragePoolListVolumes(pool, names, 4), ==, 1);
    g_assert_cmpstr(names[0], ==, "disk1.img");
    free(names[0]);
    g_assert_cmpint(virStoragePoolListAllVolumes(pool, &vols, 0), ==, 1);
    g_assert_cmpstr(virStorageVolGetName(vols[0]), ==, "disk1.img");
    virStorageVolFree(vols[0]);
    free(vols);

    byName = virStorageVolLookupByName(pool, "disk1.img");
    g_assert_nonnull(byName);
    path = virStorageVolGetPath(byName);
    g_assert_cmpstr(path, ==, "/var/lib/shoal-test/images/disk1.img");
    byPath = virStorageVolLookupByPath(fixture->shoal, path);
    g_assert_nonnull(byPath);
    byKey =
        virStorageVolLookupByKey(fixture->shoal, virStorageVolGetKey(byName));
    g_assert_nonnull(byKey);
    owner = virStoragePoolLookupByVolume(byPath);
    g_assert_cmpstr(virStoragePoolGetName(owner), ==, "images");
    g_assert_cmpint(virStorageVolGetInfo(vol, &info), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 64 * 1024 * 1024);
    xml = virStorageVolGetXMLDesc(vol, 0);
    g_assert_nonnull(strstr(xml, "disk1.img"));
    /* the test driver has neither: its error comes back unchanged */
    g_assert_cmpint(virStorageVolResize(vol, 128 * 1024 * 1024, 0), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_SUPPORT);
    g_assert_nonnull(strstr(virGetLastErrorMessage(), "virStorageVolResize"));
    g_assert_cmpint(virStorageVolWipe(vol, 0), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_SUPPORT);

    g_assert_null(virStorageVolLookupByPath(fixture->shoal, "/nowhere"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_STORAGE_VOL);

    g_assert_cmpint(virStorageVolDelete(vol, 0), ==, 0);
    g_assert_cmpint(virStoragePoolNumOfVolumes(pool), ==, 0);
    g_assert_null(virStorageVolLookupByName(pool, "disk1.img"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_STORAGE_VOL);
}

/* A volume a domain uses is not deleted; the error names the domain. */
static void
storageTestDeleteInUse(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virStoragePool) pool =
        storageDefineStarted(fixture->shoal, STORAGE_DIR_POOL);
    g_autoptr(virStorageVol) vol = virStorageVolCreateXML(pool, STORAGE_VOL, 0);
    g_autofree char *path = virStorageVolGetPath(vol);
    g_autofree char *domXML =
        g_strdup_printf("<domain type='test'><name>user</name><memory>65536</memory>"
                        "<vcpu>1</vcpu><os><type>hvm</type></os><devices>"
                        "<disk type='file' device='disk'><source file='%s'/>"
                        "<target dev='vda' bus='virtio'/></disk></devices></domain>",
                        path);
    virDomainPtr dom = virDomainDefineXML(fixture->shoal, domXML);
    const char *msg;

    g_assert_nonnull(dom);
    g_assert_cmpint(virStorageVolDelete(vol, 0), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    msg = virGetLastErrorMessage();
    g_assert_nonnull(strstr(msg, "'user'"));
    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    virDomainFree(dom);
    g_assert_cmpint(virStorageVolDelete(vol, 0), ==, 0);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)

/* The read-only socket lists and reads pools, and changes none. */
static void
storageTestReadOnly(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virStoragePool) pool =
        storageDefineStarted(fixture->shoal, STORAGE_DIR_POOL);
    g_autofree char *uri =
        g_strdup_printf("shoal+unix:///system?socket=%s/virtshoald-sock-ro",
                        fixture->dir);
    virConnectPtr ro = virConnectOpenReadOnly(uri);
    virStoragePoolPtr roPool;
    virStoragePoolInfo info;

    g_assert_nonnull(ro);
    g_assert_cmpint(virConnectNumOfStoragePools(ro), ==, 1);
    roPool = virStoragePoolLookupByName(ro, "images");
    g_assert_nonnull(roPool);
    g_assert_cmpint(virStoragePoolGetInfo(roPool, &info), ==, 0);
    g_assert_cmpint(virStoragePoolDestroy(roPool), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_assert_null(virStoragePoolDefineXML(ro, STORAGE_NETFS_POOL, 0));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_assert_null(virStorageVolCreateXML(roPool, STORAGE_VOL, 0));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_assert_cmpint(virStoragePoolIsActive(pool), ==, 1);
    virStoragePoolFree(roPool);
    virConnectClose(ro);
}

/* virsh net-define, net-start, net-autostart, net-list, net-dumpxml,
 * net-info, net-destroy, net-undefine: networks are cluster objects too */
static void
storageTestNetwork(storageFixture *fixture, gconstpointer data)
{
    g_autoptr(virNetwork) net =
        virNetworkDefineXML(fixture->shoal,
                            "<network><name>lan</name><forward mode='bridge'/>"
                            "<bridge name='br0'/></network>");
    g_autoptr(virNetwork) byName = NULL;
    virNetworkPtr *nets = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *bridge = NULL;
    int autostart = 0;

    g_assert_nonnull(net);
    g_assert_cmpint(virNetworkCreate(net), ==, 0);
    g_assert_cmpint(virNetworkSetAutostart(net, 1), ==, 0);
    g_assert_cmpint(virNetworkGetAutostart(net, &autostart), ==, 0);
    g_assert_cmpint(autostart, ==, 1);
    g_assert_cmpint(virNetworkIsActive(net), ==, 1);
    g_assert_cmpint(virConnectListAllNetworks(fixture->shoal, &nets, 0), ==, 1);
    virNetworkFree(nets[0]);
    free(nets);
    g_assert_cmpint(virConnectNumOfNetworks(fixture->shoal), ==, 1);
    byName = virNetworkLookupByName(fixture->shoal, "lan");
    g_assert_nonnull(byName);
    xml = virNetworkGetXMLDesc(byName, 0);
    g_assert_nonnull(strstr(xml, "br0"));
    bridge = virNetworkGetBridgeName(net);
    g_assert_cmpstr(bridge, ==, "br0");

    g_assert_null(
        virNetworkDefineXML(fixture->shoal,
                            "<network><name>nat</name><forward mode='nat'/>"
                            "</network>"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_CONFIG_UNSUPPORTED);

    g_assert_cmpint(virNetworkDestroy(net), ==, 0);
    g_assert_cmpint(virNetworkUndefine(net), ==, 0);
    g_assert_null(virNetworkLookupByName(fixture->shoal, "lan"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_NETWORK);
}

static void
storageAdd(const char *path,
           void (*test)(storageFixture *fixture, gconstpointer data))
{
    g_test_add(path, storageFixture, NULL, storageSetUp, test, storageTearDown);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalEventLoop) events = NULL;

    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);

    storageAdd("/integration/storage/pool-lifecycle", storageTestPoolLifecycle);
    storageAdd("/integration/storage/capacity", storageTestCapacity);
    storageAdd("/integration/storage/volumes", storageTestVolumes);
    storageAdd("/integration/storage/delete-in-use", storageTestDeleteInUse);
    storageAdd("/integration/storage/network", storageTestNetwork);
    storageAdd("/integration/storage/read-only", storageTestReadOnly);
    return g_test_run();
}
