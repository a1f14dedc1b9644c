/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storage pools and volumes through the cluster: what a pool adds to a
 * cluster object (build, refresh, capacity) and its volumes, reached on a
 * host that runs the pool.
 */
#include <config.h>

#include "cluster_storage.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_xpath.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_log.h"

void
shoalVolRefFree(shoalVolRef *ref)
{
    if (!ref)
        return;
    g_free(ref->pool);
    g_free(ref->name);
    g_free(ref->key);
    g_free(ref);
}

/* Returns: (transfer full): a reference on @vol, in pool @poolName. */
static shoalVolRef *
storageVolRefNew(const char *poolName, virStorageVolPtr vol)
{
    shoalVolRef *ref = g_new0(shoalVolRef, 1);

    ref->pool = g_strdup(poolName);
    ref->name = g_strdup(virStorageVolGetName(vol));
    ref->key = g_strdup(virStorageVolGetKey(vol));
    return ref;
}

/* The pool types whose volumes every host sees alike. */
static const char *const storageSharedTypes[] = {
    "netfs", "gluster",      "rbd",      "sheepdog",
    "iscsi", "iscsi-direct", "vstorage", NULL,
};

/**
 * shoalClusterPoolIsShared:
 *
 * Whether every host sees the same volumes in the pool: netfs and the
 * network types. A pool Shoal does not know is not.
 */
bool
shoalClusterPoolIsShared(shoalCluster *cluster, const unsigned char *uuid)
{
    g_autofree char *xml =
        shoalClusterObjectGetDefinition(cluster, SHOAL_OBJECT_POOL, uuid);
    g_autofree char *type = shoalXPathString(xml, "string(/pool/@type)");

    return type && g_strv_contains(storageSharedTypes, type);
}

typedef struct {
    virStoragePoolInfo sum;
    unsigned hosts;
} storageInfoRun;

static int
storageInfoOne(void *pool, const char *hostName, gpointer opaque)
{
    storageInfoRun *run = opaque;
    virStoragePoolInfo info;

    if (virStoragePoolGetInfo(pool, &info) < 0)
        return -1;
    if (info.state != VIR_STORAGE_POOL_RUNNING)
        return 0;
    run->sum.capacity += info.capacity;
    run->sum.allocation += info.allocation;
    run->sum.available += info.available;
    run->hosts++;
    return 0;
}

/**
 * shoalClusterPoolGetInfo:
 *
 * A shared pool's capacity as one host sees it (counted once); a local
 * pool's, the sum over the hosts that run it. The state is what Shoal
 * keeps the pool at.
 */
bool
shoalClusterPoolGetInfo(shoalCluster *cluster,
                        const unsigned char *uuid,
                        virStoragePoolInfo *info,
                        GError **error)
{
    storageInfoRun run = { { 0 }, 0 };
    bool active = false;

    if (!shoalClusterObjectGetState(cluster, SHOAL_OBJECT_POOL, uuid, &active,
                                    NULL, error))
        return false;
    if (active &&
        shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, uuid,
                               !shoalClusterPoolIsShared(cluster, uuid),
                               storageInfoOne, &run, NULL, error) < 0)
        return false;
    *info = run.sum;
    info->state = active && run.hosts > 0 ? VIR_STORAGE_POOL_RUNNING
                                          : VIR_STORAGE_POOL_INACTIVE;
    return true;
}

static int
storageBuildOne(void *pool, const char *hostName, gpointer opaque)
{
    return virStoragePoolBuild(pool, GPOINTER_TO_UINT(opaque));
}

/**
 * shoalClusterPoolBuild:
 *
 * Builds the pool on every online host that has it (a shared pool too:
 * building a netfs or dir target is each host's own mount point).
 */
bool
shoalClusterPoolBuild(shoalCluster *cluster,
                      const unsigned char *uuid,
                      unsigned flags,
                      GError **error)
{
    return shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, uuid, true,
                                  storageBuildOne, GUINT_TO_POINTER(flags),
                                  NULL, error) >= 0;
}

static int
storagePoolDeleteOne(void *pool, const char *hostName, gpointer opaque)
{
    return virStoragePoolDelete(pool, GPOINTER_TO_UINT(opaque));
}

/**
 * shoalClusterPoolDelete:
 *
 * Deletes the pool's storage, as build made it: on every online host
 * that has a local pool, on one host for a shared one (its storage is
 * the same on every host). The hosts refuse while it runs.
 */
bool
shoalClusterPoolDelete(shoalCluster *cluster,
                       const unsigned char *uuid,
                       unsigned flags,
                       GError **error)
{
    return shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, uuid,
                                  !shoalClusterPoolIsShared(cluster, uuid),
                                  storagePoolDeleteOne, GUINT_TO_POINTER(flags),
                                  NULL, error) >= 0;
}

static int
storageRefreshOne(void *pool, const char *hostName, gpointer opaque)
{
    if (virStoragePoolIsActive(pool) != 1)
        return 0;
    return virStoragePoolRefresh(pool, 0);
}

/* Refreshes the pool on every online host that runs it. */
bool
shoalClusterPoolRefresh(shoalCluster *cluster,
                        const unsigned char *uuid,
                        GError **error)
{
    return shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, uuid, true,
                                  storageRefreshOne, NULL, NULL, error) >= 0;
}

/*
 * After a volume was created or deleted through one host: the others
 * re-read the pool. A shared pool needs it; so does a local pool whose
 * target is a directory every host sees (storage shared by path, which
 * libvirt cannot tell), and for a truly local one it is harmless.
 */
static void
storageRefreshOthers(shoalCluster *cluster, const unsigned char *uuid)
{
    g_autoptr(GError) err = NULL;

    if (!shoalClusterPoolRefresh(cluster, uuid, &err))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE",
                         "cannot refresh a pool after a volume changed: %s",
                         err->message);
}

typedef struct {
    const char *poolName;
    GPtrArray *vols; /* shoalVolRef */
} storageListRun;

static int
storageListOne(void *pool, const char *hostName, gpointer opaque)
{
    storageListRun *run = opaque;
    virStorageVolPtr *vols = NULL;
    int n;
    int i;
    guint j;

    if (virStoragePoolIsActive(pool) != 1)
        return 0;
    if ((n = virStoragePoolListAllVolumes(pool, &vols, 0)) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        const char *name = virStorageVolGetName(vols[i]);
        bool seen = false;

        for (j = 0; j < run->vols->len && !seen; j++)
            seen =
                g_str_equal(((shoalVolRef *) run->vols->pdata[j])->name, name);
        if (!seen)
            g_ptr_array_add(run->vols,
                            storageVolRefNew(run->poolName, vols[i]));
        virStorageVolFree(vols[i]);
    }
    free(vols);
    return n;
}

static gint
storageVolRefCompare(gconstpointer a, gconstpointer b)
{
    const shoalVolRef *ra = *(shoalVolRef *const *) a;
    const shoalVolRef *rb = *(shoalVolRef *const *) b;

    return g_strcmp0(ra->name, rb->name);
}

/**
 * shoalClusterPoolListVolumes:
 *
 * A shared pool's volumes as one host sees them; a local pool's, those of
 * every host that runs it.
 * Returns: (transfer full): shoalVolRef, sorted by name.
 */
GPtrArray *
shoalClusterPoolListVolumes(shoalCluster *cluster,
                            const unsigned char *uuid,
                            GError **error)
{
    g_autoptr(shoalObjectRef) pool =
        shoalClusterObjectLookupByUUID(cluster, SHOAL_OBJECT_POOL, uuid, error);
    g_autoptr(GPtrArray) vols =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalVolRefFree);
    storageListRun run;
    bool active = false;

    if (!pool || !shoalClusterObjectGetState(cluster, SHOAL_OBJECT_POOL, uuid,
                                             &active, NULL, error))
        return NULL;
    if (!active) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: storage pool '%1$s' is not active"),
                    pool->name);
        return NULL;
    }
    run.poolName = pool->name;
    run.vols = vols;
    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, uuid,
                               !shoalClusterPoolIsShared(cluster, uuid),
                               storageListOne, &run, NULL, error) < 0)
        return NULL;
    g_ptr_array_sort(vols, storageVolRefCompare);
    return g_steal_pointer(&vols);
}

/* One volume call on the first host whose pool has the volume. */
typedef struct {
    const char *name;
    shoalClusterVolFunc func;
    gpointer opaque;
    bool found;
    int rc;
    /* freed by the caller after the host's error was read: a libvirt
     * call, even a free, resets it */
    virStorageVolPtr vol;
} storageVolRun;

static int
storageVolOne(void *pool, const char *hostName, gpointer opaque)
{
    storageVolRun *run = opaque;
    virStorageVolPtr vol;

    if (run->found)
        return 0;
    if (virStoragePoolIsActive(pool) != 1)
        return 0;
    vol = virStorageVolLookupByName(pool, run->name);
    run->vol = vol;
    if (!vol) {
        if (virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL) {
            virResetLastError();
            return 0;
        }
        return -1;
    }
    run->found = true;
    run->rc = run->func(vol, run->opaque);
    return run->rc;
}

/**
 * shoalClusterVolCall:
 * @func: one libvirt call on the volume's handle
 *
 * Runs @func on the volume, on the host that has it (a shared pool: on
 * one host that runs the pool).
 * Returns: @func's result, or -1 with @error set.
 */
int
shoalClusterVolCall(shoalCluster *cluster,
                    const shoalVolRef *vol,
                    shoalClusterVolFunc func,
                    gpointer opaque,
                    GError **error)
{
    g_autoptr(shoalObjectRef) pool =
        shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_POOL, vol->pool,
                                       error);
    storageVolRun run = { vol->name, func, opaque, false, -1, NULL };
    int rc;

    if (!pool)
        return -1;
    rc = shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, pool->uuid,
                                !shoalClusterPoolIsShared(cluster, pool->uuid),
                                storageVolOne, &run, NULL, error);
    if (run.vol)
        virStorageVolFree(run.vol);
    if (rc < 0)
        return -1;
    if (!run.found) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_STORAGE_VOL,
                    _("Storage volume not found: no storage vol with matching name '%1$s'"),
                    vol->name);
        return -1;
    }
    return run.rc;
}

static int
storageVolNop(virStorageVolPtr vol, gpointer opaque)
{
    char **key = opaque;

    *key = g_strdup(virStorageVolGetKey(vol));
    return 0;
}

shoalVolRef *
shoalClusterVolLookupByName(shoalCluster *cluster,
                            const unsigned char *poolUUID,
                            const char *name,
                            GError **error)
{
    g_autoptr(shoalObjectRef) pool =
        shoalClusterObjectLookupByUUID(cluster, SHOAL_OBJECT_POOL, poolUUID,
                                       error);
    g_autoptr(shoalVolRef) ref = g_new0(shoalVolRef, 1);

    if (!pool)
        return NULL;
    ref->pool = g_strdup(pool->name);
    ref->name = g_strdup(name);
    if (shoalClusterVolCall(cluster, ref, storageVolNop, &ref->key, error) < 0)
        return NULL;
    return g_steal_pointer(&ref);
}

/*
 * A volume found on some host by @lookup (key or path), in a pool Shoal
 * keeps: a volume of a host's own pool is not the cluster's.
 */
static shoalVolRef *
storageVolFind(shoalCluster *cluster,
               virStorageVolPtr (*lookup)(virConnectPtr, const char *),
               const char *what,
               GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        virConnectPtr conn = shoalHostGetConnection(host, NULL);
        virStorageVolPtr vol;
        virStoragePoolPtr pool = NULL;
        shoalVolRef *ref = NULL;
        unsigned char uuid[VIR_UUID_BUFLEN];

        if (!conn)
            continue;
        if ((vol = lookup(conn, what)) &&
            (pool = virStoragePoolLookupByVolume(vol)) &&
            virStoragePoolGetUUID(pool, uuid) == 0) {
            g_autoptr(shoalObjectRef) obj =
                shoalClusterObjectLookupByUUID(cluster, SHOAL_OBJECT_POOL, uuid,
                                               NULL);

            if (obj)
                ref = storageVolRefNew(obj->name, vol);
        }
        virResetLastError();
        if (pool)
            virStoragePoolFree(pool);
        if (vol)
            virStorageVolFree(vol);
        virConnectClose(conn);
        if (ref)
            return ref;
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_STORAGE_VOL,
                _("Storage volume not found: no storage vol with matching key or path '%1$s'"),
                what);
    return NULL;
}

static virStorageVolPtr
storageLookupByKey(virConnectPtr conn, const char *key)
{
    return virStorageVolLookupByKey(conn, key);
}

static virStorageVolPtr
storageLookupByPath(virConnectPtr conn, const char *path)
{
    return virStorageVolLookupByPath(conn, path);
}

shoalVolRef *
shoalClusterVolLookupByKey(shoalCluster *cluster,
                           const char *key,
                           GError **error)
{
    return storageVolFind(cluster, storageLookupByKey, key, error);
}

shoalVolRef *
shoalClusterVolLookupByPath(shoalCluster *cluster,
                            const char *path,
                            GError **error)
{
    return storageVolFind(cluster, storageLookupByPath, path, error);
}

/* Where a new volume of a local pool goes: the host with most room. */
typedef struct {
    char *best;
    unsigned long long available;
} storagePickRun;

static int
storagePickOne(void *pool, const char *hostName, gpointer opaque)
{
    storagePickRun *run = opaque;
    virStoragePoolInfo info;

    if (virStoragePoolGetInfo(pool, &info) < 0)
        return -1;
    if (info.state == VIR_STORAGE_POOL_RUNNING &&
        (!run->best || info.available > run->available)) {
        g_free(run->best);
        run->best = g_strdup(hostName);
        run->available = info.available;
    }
    return 0;
}

typedef struct {
    const char *host; /* NULL: any */
    const char *poolName;
    const char *xml;
    virStorageVolPtr clone; /* borrowed, or NULL */
    unsigned flags;
    shoalVolRef *result;
} storageCreateRun;

static int
storageCreateOne(void *pool, const char *hostName, gpointer opaque)
{
    storageCreateRun *run = opaque;
    virStorageVolPtr vol;

    if (run->result || (run->host && !g_str_equal(run->host, hostName)))
        return 0;
    if (run->clone)
        vol =
            virStorageVolCreateXMLFrom(pool, run->xml, run->clone, run->flags);
    else
        vol = virStorageVolCreateXML(pool, run->xml, run->flags);
    if (!vol)
        return -1;
    run->result = storageVolRefNew(run->poolName, vol);
    virStorageVolFree(vol);
    return 0;
}

/* Creates from a clone source: on the pool of the host that has it. */
typedef struct {
    shoalCluster *cluster;
    const unsigned char *poolUUID;
    storageCreateRun *create;
    virStoragePoolPtr pool; /* freed by the caller, as storageVolRun's */
} storageCloneRun;

static int
storageCloneOne(virStorageVolPtr src, gpointer opaque)
{
    storageCloneRun *run = opaque;
    virStoragePoolPtr srcPool = virStoragePoolLookupByVolume(src);
    virConnectPtr conn = virStorageVolGetConnect(src);

    if (!srcPool)
        return -1;
    virStoragePoolFree(srcPool);
    /* the target pool on the same host as the source volume */
    if (!(run->pool = virStoragePoolLookupByUUID(conn, run->poolUUID)))
        return -1;
    run->create->clone = src;
    return storageCreateOne(run->pool, "", run->create);
}

/*
 * Whether a local pool has a volume of that name on some host: a name is
 * the cluster's, as each host refuses one it has.
 */
static bool
storageVolExists(shoalCluster *cluster,
                 const char *poolName,
                 const char *xml,
                 GError **error)
{
    g_autofree char *name = shoalClusterObjectXMLName(xml);
    g_autofree char *key = NULL;
    shoalVolRef ref = { (char *) poolName, name, NULL };

    if (!name ||
        shoalClusterVolCall(cluster, &ref, storageVolNop, &key, NULL) < 0)
        return false;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_STORAGE_VOL_EXIST,
                _("storage volume '%1$s' exists already"), name);
    return true;
}

/**
 * shoalClusterVolCreateXML:
 * @clone: (nullable): the volume to copy, as virStorageVolCreateXMLFrom
 *
 * Creates a volume: in a shared pool through one host that runs it, then
 * refreshed on the others; in a local pool on the host with most room
 * (a clone: on the host that has its source).
 * Returns: (transfer full): the new volume.
 */
shoalVolRef *
shoalClusterVolCreateXML(shoalCluster *cluster,
                         const unsigned char *poolUUID,
                         const char *xml,
                         const shoalVolRef *clone,
                         unsigned flags,
                         GError **error)
{
    g_autoptr(shoalObjectRef) pool =
        shoalClusterObjectLookupByUUID(cluster, SHOAL_OBJECT_POOL, poolUUID,
                                       error);
    storageCreateRun run = { NULL, NULL, xml, NULL, flags, NULL };
    storagePickRun pick = { NULL, 0 };
    bool shared;
    int rc;

    if (!pool)
        return NULL;
    run.poolName = pool->name;
    shared = shoalClusterPoolIsShared(cluster, poolUUID);
    if (clone) {
        storageCloneRun cr = { cluster, poolUUID, &run, NULL };

        rc = shoalClusterVolCall(cluster, clone, storageCloneOne, &cr, error);
        if (cr.pool)
            virStoragePoolFree(cr.pool);
    } else if (shared) {
        rc = shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, poolUUID, false,
                                    storageCreateOne, &run, NULL, error);
    } else if (storageVolExists(cluster, pool->name, xml, error)) {
        rc = -1;
    } else {
        rc = shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, poolUUID, true,
                                    storagePickOne, &pick, NULL, error);
        if (rc >= 0 && !pick.best) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                        _("Requested operation is not valid: storage pool '%1$s' is not active"),
                        pool->name);
            rc = -1;
        }
        if (rc >= 0) {
            run.host = pick.best;
            rc = shoalClusterObjectCall(cluster, SHOAL_OBJECT_POOL, poolUUID,
                                        true, storageCreateOne, &run, NULL,
                                        error);
        }
    }
    g_free(pick.best);
    if (rc < 0 || !run.result) {
        if (rc >= 0)
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                        _("Requested operation is not valid: storage pool '%1$s' is not active"),
                        pool->name);
        shoalVolRefFree(run.result);
        return NULL;
    }
    storageRefreshOthers(cluster, poolUUID);
    return run.result;
}

static int
storageGetPath(virStorageVolPtr vol, gpointer opaque)
{
    char **path = opaque;
    char *p = virStorageVolGetPath(vol);

    if (!p)
        return -1;
    *path = g_strdup(p);
    free(p);
    return 0;
}

static int
storageDeleteOne(virStorageVolPtr vol, gpointer opaque)
{
    return virStorageVolDelete(vol, GPOINTER_TO_UINT(opaque));
}

/* Returns: (transfer full) (nullable): a stored domain whose XML names
 * @path as a disk source. */
static char *
storageVolUser(shoalCluster *cluster, const char *path)
{
    g_autoptr(GPtrArray) stored = shoalStoreList(cluster->store);
    g_autofree char *sq = g_strdup_printf("'%s'", path);
    g_autofree char *dq = g_strdup_printf("\"%s\"", path);
    guint i;

    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *dom = stored->pdata[i];

        if (dom->xml && (strstr(dom->xml, sq) || strstr(dom->xml, dq)))
            return g_strdup(dom->name);
    }
    return NULL;
}

/**
 * shoalClusterVolDelete:
 *
 * Deletes a volume no domain uses; one a domain's definition names is
 * refused with the domain named.
 */
bool
shoalClusterVolDelete(shoalCluster *cluster,
                      const shoalVolRef *vol,
                      unsigned flags,
                      GError **error)
{
    g_autoptr(shoalObjectRef) pool =
        shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_POOL, vol->pool,
                                       error);
    g_autofree char *path = NULL;
    g_autofree char *user = NULL;

    if (!pool ||
        shoalClusterVolCall(cluster, vol, storageGetPath, &path, error) < 0)
        return false;
    if ((user = storageVolUser(cluster, path))) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: storage volume '%1$s' is in use by domain '%2$s'"),
                    vol->name, user);
        return false;
    }
    if (shoalClusterVolCall(cluster, vol, storageDeleteOne,
                            GUINT_TO_POINTER(flags), error) < 0)
        return false;
    storageRefreshOthers(cluster, pool->uuid);
    return true;
}

typedef struct {
    unsigned flags;
    virStorageVolInfo info;
} storageInfoVolRun;

static int
storageVolGetInfoOne(virStorageVolPtr vol, gpointer opaque)
{
    storageInfoVolRun *run = opaque;

    /* the older call where it is enough: not every driver has both */
    if (run->flags == 0)
        return virStorageVolGetInfo(vol, &run->info);
    return virStorageVolGetInfoFlags(vol, &run->info, run->flags);
}

bool
shoalClusterVolGetInfo(shoalCluster *cluster,
                       const shoalVolRef *vol,
                       unsigned flags,
                       virStorageVolInfo *info,
                       GError **error)
{
    storageInfoVolRun run = { flags, { 0 } };

    if (shoalClusterVolCall(cluster, vol, storageVolGetInfoOne, &run, error) <
        0)
        return false;
    *info = run.info;
    return true;
}

typedef struct {
    unsigned flags;
    char *xml;
} storageXMLRun;

static int
storageVolGetXMLOne(virStorageVolPtr vol, gpointer opaque)
{
    storageXMLRun *run = opaque;
    char *xml = virStorageVolGetXMLDesc(vol, run->flags);

    if (!xml)
        return -1;
    run->xml = g_strdup(xml);
    free(xml);
    return 0;
}

/* Returns: (transfer full): the volume's XML, as its host gives it. */
char *
shoalClusterVolGetXMLDesc(shoalCluster *cluster,
                          const shoalVolRef *vol,
                          unsigned flags,
                          GError **error)
{
    storageXMLRun run = { flags, NULL };

    if (shoalClusterVolCall(cluster, vol, storageVolGetXMLOne, &run, error) < 0)
        return NULL;
    return run.xml;
}

/* Returns: (transfer full): the volume's path on its host(s). */
char *
shoalClusterVolGetPath(shoalCluster *cluster,
                       const shoalVolRef *vol,
                       GError **error)
{
    char *path = NULL;

    if (shoalClusterVolCall(cluster, vol, storageGetPath, &path, error) < 0)
        return NULL;
    return path;
}

typedef struct {
    unsigned long long capacity;
    unsigned algorithm;
    unsigned flags;
} storageChangeRun;

static int
storageVolResizeOne(virStorageVolPtr vol, gpointer opaque)
{
    storageChangeRun *run = opaque;

    return virStorageVolResize(vol, run->capacity, run->flags);
}

bool
shoalClusterVolResize(shoalCluster *cluster,
                      const shoalVolRef *vol,
                      unsigned long long capacity,
                      unsigned flags,
                      GError **error)
{
    storageChangeRun run = { capacity, 0, flags };

    return shoalClusterVolCall(cluster, vol, storageVolResizeOne, &run,
                               error) >= 0;
}

static int
storageVolWipeOne(virStorageVolPtr vol, gpointer opaque)
{
    storageChangeRun *run = opaque;

    return virStorageVolWipePattern(vol, run->algorithm, run->flags);
}

/* virStorageVolWipe() is the pattern VIR_STORAGE_VOL_WIPE_ALG_ZERO. */
bool
shoalClusterVolWipe(shoalCluster *cluster,
                    const shoalVolRef *vol,
                    unsigned algorithm,
                    unsigned flags,
                    GError **error)
{
    storageChangeRun run = { 0, algorithm, flags };

    return shoalClusterVolCall(cluster, vol, storageVolWipeOne, &run, error) >=
           0;
}
