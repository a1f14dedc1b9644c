/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage pools and volumes: one cluster call per procedure. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "util_error.h"

#define POOL_UUID(p) ((const unsigned char *) (p).uuid)
#define CLUSTER(client) shoalDriverClientGetCluster(client)

/* What Shoal filters on itself; the pool-type flags are not served. */
#define STORAGE_LIST_POOLS_FLAGS                 \
    (VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE |     \
     VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE |   \
     VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT | \
     VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT |  \
     VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART |  \
     VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART)

static void
storageFillPool(remote_nonnull_storage_pool *out, const shoalObjectRef *ref)
{
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
}

static void
storageFillVol(remote_nonnull_storage_vol *out, const shoalVolRef *ref)
{
    out->pool = g_strdup(ref->pool);
    out->name = g_strdup(ref->name);
    out->key = g_strdup(ref->key ? ref->key : "");
}

/* The wire's volume, borrowed for one call. */
static shoalVolRef
storageVol(const remote_nonnull_storage_vol *vol)
{
    shoalVolRef ref = { vol->pool, vol->name, vol->key };

    return ref;
}

static GPtrArray *
storageListPools(shoalDriverClient *client,
                 unsigned flags,
                 int max,
                 GError **error)
{
    g_autoptr(GPtrArray) pools = NULL;

    if (max < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: maximum must not be negative"));
        return NULL;
    }
    if (max > REMOTE_STORAGE_POOL_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many storage pools '%1$d' for limit '%2$d'"), max,
                    REMOTE_STORAGE_POOL_LIST_MAX);
        return NULL;
    }
    pools = shoalClusterObjectList(CLUSTER(client), SHOAL_OBJECT_POOL, flags);
    if (pools->len > (guint) max)
        g_ptr_array_set_size(pools, max);
    return g_steal_pointer(&pools);
}

/* The legacy name lists: virConnectList(Defined)StoragePools. */
static bool
storageListNames(shoalDriverClient *client,
                 unsigned flags,
                 int max,
                 remote_nonnull_string **val,
                 u_int *len,
                 GError **error)
{
    g_autoptr(GPtrArray) pools = storageListPools(client, flags, max, error);
    guint i;

    if (!pools)
        return false;
    *len = pools->len;
    *val = g_new0(remote_nonnull_string, MAX(pools->len, 1));
    for (i = 0; i < pools->len; i++)
        (*val)[i] = g_strdup(((shoalObjectRef *) pools->pdata[i])->name);
    return true;
}

bool
shoalDispatchConnectNumOfStoragePools(
    shoalDriverClient *client,
    const void *args,
    remote_connect_num_of_storage_pools_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) pools =
        shoalClusterObjectList(CLUSTER(client), SHOAL_OBJECT_POOL,
                               VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);

    ret->num = pools->len;
    return true;
}

bool
shoalDispatchConnectNumOfDefinedStoragePools(
    shoalDriverClient *client,
    const void *args,
    remote_connect_num_of_defined_storage_pools_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) pools =
        shoalClusterObjectList(CLUSTER(client), SHOAL_OBJECT_POOL,
                               VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE);

    ret->num = pools->len;
    return true;
}

bool
shoalDispatchConnectListStoragePools(
    shoalDriverClient *client,
    const remote_connect_list_storage_pools_args *args,
    remote_connect_list_storage_pools_ret *ret,
    GError **error)
{
    return storageListNames(client, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
                            args->maxnames, &ret->names.names_val,
                            &ret->names.names_len, error);
}

bool
shoalDispatchConnectListDefinedStoragePools(
    shoalDriverClient *client,
    const remote_connect_list_defined_storage_pools_args *args,
    remote_connect_list_defined_storage_pools_ret *ret,
    GError **error)
{
    return storageListNames(client, VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE,
                            args->maxnames, &ret->names.names_val,
                            &ret->names.names_len, error);
}

bool
shoalDispatchConnectListAllStoragePools(
    shoalDriverClient *client,
    const remote_connect_list_all_storage_pools_args *args,
    remote_connect_list_all_storage_pools_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) pools = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, STORAGE_LIST_POOLS_FLAGS,
                               "virConnectListAllStoragePools", error))
        return false;
    pools =
        shoalClusterObjectList(CLUSTER(client), SHOAL_OBJECT_POOL, args->flags);
    if (args->need_results) {
        ret->pools.pools_len = pools->len;
        ret->pools.pools_val =
            g_new0(remote_nonnull_storage_pool, MAX(pools->len, 1));
        for (i = 0; i < pools->len; i++)
            storageFillPool(&ret->pools.pools_val[i], pools->pdata[i]);
    }
    ret->ret = pools->len;
    return true;
}

bool
shoalDispatchStoragePoolDefineXml(
    shoalDriverClient *client,
    const remote_storage_pool_define_xml_args *args,
    remote_storage_pool_define_xml_ret *ret,
    GError **error)
{
    g_autoptr(shoalObjectRef) ref = NULL;

    if (!shoalDriverCheckFlags(args->flags, 0, "virStoragePoolDefineXML",
                               error))
        return false;
    ref = shoalClusterObjectDefine(CLUSTER(client), SHOAL_OBJECT_POOL,
                                   args->xml, error);
    if (!ref)
        return false;
    storageFillPool(&ret->pool, ref);
    return true;
}

bool
shoalDispatchStoragePoolCreate(shoalDriverClient *client,
                               const remote_storage_pool_create_args *args,
                               void *ret,
                               GError **error)
{
    return shoalDriverCheckFlags(args->flags, 0, "virStoragePoolCreate",
                                 error) &&
           shoalClusterObjectStart(CLUSTER(client), SHOAL_OBJECT_POOL,
                                   POOL_UUID(args->pool), error);
}

bool
shoalDispatchStoragePoolBuild(shoalDriverClient *client,
                              const remote_storage_pool_build_args *args,
                              void *ret,
                              GError **error)
{
    /* flags go to the hosts unchanged: they know which they support */
    return shoalClusterPoolBuild(CLUSTER(client), POOL_UUID(args->pool),
                                 args->flags, error);
}

bool
shoalDispatchStoragePoolDelete(shoalDriverClient *client,
                               const remote_storage_pool_delete_args *args,
                               void *ret,
                               GError **error)
{
    /* flags go to the hosts unchanged, as build's */
    return shoalClusterPoolDelete(CLUSTER(client), POOL_UUID(args->pool),
                                  args->flags, error);
}

bool
shoalDispatchStoragePoolDestroy(shoalDriverClient *client,
                                const remote_storage_pool_destroy_args *args,
                                void *ret,
                                GError **error)
{
    return shoalClusterObjectDestroy(CLUSTER(client), SHOAL_OBJECT_POOL,
                                     POOL_UUID(args->pool), error);
}

bool
shoalDispatchStoragePoolUndefine(shoalDriverClient *client,
                                 const remote_storage_pool_undefine_args *args,
                                 void *ret,
                                 GError **error)
{
    return shoalClusterObjectUndefine(CLUSTER(client), SHOAL_OBJECT_POOL,
                                      POOL_UUID(args->pool), error);
}

bool
shoalDispatchStoragePoolRefresh(shoalDriverClient *client,
                                const remote_storage_pool_refresh_args *args,
                                void *ret,
                                GError **error)
{
    return shoalDriverCheckFlags(args->flags, 0, "virStoragePoolRefresh",
                                 error) &&
           shoalClusterPoolRefresh(CLUSTER(client), POOL_UUID(args->pool),
                                   error);
}

bool
shoalDispatchStoragePoolLookupByName(
    shoalDriverClient *client,
    const remote_storage_pool_lookup_by_name_args *args,
    remote_storage_pool_lookup_by_name_ret *ret,
    GError **error)
{
    g_autoptr(shoalObjectRef) ref =
        shoalClusterObjectLookupByName(CLUSTER(client), SHOAL_OBJECT_POOL,
                                       args->name, error);

    if (!ref)
        return false;
    storageFillPool(&ret->pool, ref);
    return true;
}

bool
shoalDispatchStoragePoolLookupByUuid(
    shoalDriverClient *client,
    const remote_storage_pool_lookup_by_uuid_args *args,
    remote_storage_pool_lookup_by_uuid_ret *ret,
    GError **error)
{
    g_autoptr(shoalObjectRef) ref =
        shoalClusterObjectLookupByUUID(CLUSTER(client), SHOAL_OBJECT_POOL,
                                       (const unsigned char *) args->uuid,
                                       error);

    if (!ref)
        return false;
    storageFillPool(&ret->pool, ref);
    return true;
}

bool
shoalDispatchStoragePoolLookupByVolume(
    shoalDriverClient *client,
    const remote_storage_pool_lookup_by_volume_args *args,
    remote_storage_pool_lookup_by_volume_ret *ret,
    GError **error)
{
    g_autoptr(shoalObjectRef) ref =
        shoalClusterObjectLookupByName(CLUSTER(client), SHOAL_OBJECT_POOL,
                                       args->vol.pool, error);

    if (!ref)
        return false;
    storageFillPool(&ret->pool, ref);
    return true;
}

bool
shoalDispatchStoragePoolGetInfo(shoalDriverClient *client,
                                const remote_storage_pool_get_info_args *args,
                                remote_storage_pool_get_info_ret *ret,
                                GError **error)
{
    virStoragePoolInfo info;

    if (!shoalClusterPoolGetInfo(CLUSTER(client), POOL_UUID(args->pool), &info,
                                 error))
        return false;
    ret->state = info.state;
    ret->capacity = info.capacity;
    ret->allocation = info.allocation;
    ret->available = info.available;
    return true;
}

bool
shoalDispatchStoragePoolGetXmlDesc(
    shoalDriverClient *client,
    const remote_storage_pool_get_xml_desc_args *args,
    remote_storage_pool_get_xml_desc_ret *ret,
    GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, VIR_STORAGE_XML_INACTIVE,
                               "virStoragePoolGetXMLDesc", error))
        return false;
    ret->xml =
        shoalClusterObjectGetXML(CLUSTER(client), SHOAL_OBJECT_POOL,
                                 POOL_UUID(args->pool),
                                 (args->flags & VIR_STORAGE_XML_INACTIVE) != 0,
                                 error);
    return ret->xml != NULL;
}

bool
shoalDispatchStoragePoolGetAutostart(
    shoalDriverClient *client,
    const remote_storage_pool_get_autostart_args *args,
    remote_storage_pool_get_autostart_ret *ret,
    GError **error)
{
    bool autostart = false;

    if (!shoalClusterObjectGetState(CLUSTER(client), SHOAL_OBJECT_POOL,
                                    POOL_UUID(args->pool), NULL, &autostart,
                                    error))
        return false;
    ret->autostart = autostart;
    return true;
}

bool
shoalDispatchStoragePoolSetAutostart(
    shoalDriverClient *client,
    const remote_storage_pool_set_autostart_args *args,
    void *ret,
    GError **error)
{
    return shoalClusterObjectSetAutostart(CLUSTER(client), SHOAL_OBJECT_POOL,
                                          POOL_UUID(args->pool),
                                          args->autostart != 0, error);
}

bool
shoalDispatchStoragePoolIsActive(shoalDriverClient *client,
                                 const remote_storage_pool_is_active_args *args,
                                 remote_storage_pool_is_active_ret *ret,
                                 GError **error)
{
    bool active = false;

    if (!shoalClusterObjectGetState(CLUSTER(client), SHOAL_OBJECT_POOL,
                                    POOL_UUID(args->pool), &active, NULL,
                                    error))
        return false;
    ret->active = active;
    return true;
}

bool
shoalDispatchStoragePoolIsPersistent(
    shoalDriverClient *client,
    const remote_storage_pool_is_persistent_args *args,
    remote_storage_pool_is_persistent_ret *ret,
    GError **error)
{
    /* cluster pools are always defined, never transient */
    if (!shoalClusterObjectGetState(CLUSTER(client), SHOAL_OBJECT_POOL,
                                    POOL_UUID(args->pool), NULL, NULL, error))
        return false;
    ret->persistent = 1;
    return true;
}

bool
shoalDispatchStoragePoolNumOfVolumes(
    shoalDriverClient *client,
    const remote_storage_pool_num_of_volumes_args *args,
    remote_storage_pool_num_of_volumes_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) vols =
        shoalClusterPoolListVolumes(CLUSTER(client), POOL_UUID(args->pool),
                                    error);

    if (!vols)
        return false;
    ret->num = vols->len;
    return true;
}

bool
shoalDispatchStoragePoolListVolumes(
    shoalDriverClient *client,
    const remote_storage_pool_list_volumes_args *args,
    remote_storage_pool_list_volumes_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) vols = NULL;
    guint i;

    if (args->maxnames < 0 || args->maxnames > REMOTE_STORAGE_VOL_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many storage volumes '%1$d' for limit '%2$d'"),
                    args->maxnames, REMOTE_STORAGE_VOL_LIST_MAX);
        return false;
    }
    vols = shoalClusterPoolListVolumes(CLUSTER(client), POOL_UUID(args->pool),
                                       error);
    if (!vols)
        return false;
    if (vols->len > (guint) args->maxnames)
        g_ptr_array_set_size(vols, args->maxnames);
    ret->names.names_len = vols->len;
    ret->names.names_val = g_new0(remote_nonnull_string, MAX(vols->len, 1));
    for (i = 0; i < vols->len; i++)
        ret->names.names_val[i] =
            g_strdup(((shoalVolRef *) vols->pdata[i])->name);
    return true;
}

bool
shoalDispatchStoragePoolListAllVolumes(
    shoalDriverClient *client,
    const remote_storage_pool_list_all_volumes_args *args,
    remote_storage_pool_list_all_volumes_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) vols = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, 0, "virStoragePoolListAllVolumes",
                               error))
        return false;
    vols = shoalClusterPoolListVolumes(CLUSTER(client), POOL_UUID(args->pool),
                                       error);
    if (!vols)
        return false;
    if (args->need_results) {
        ret->vols.vols_len = vols->len;
        ret->vols.vols_val =
            g_new0(remote_nonnull_storage_vol, MAX(vols->len, 1));
        for (i = 0; i < vols->len; i++)
            storageFillVol(&ret->vols.vols_val[i], vols->pdata[i]);
    }
    ret->ret = vols->len;
    return true;
}

bool
shoalDispatchStorageVolCreateXml(shoalDriverClient *client,
                                 const remote_storage_vol_create_xml_args *args,
                                 remote_storage_vol_create_xml_ret *ret,
                                 GError **error)
{
    g_autoptr(shoalVolRef) ref =
        shoalClusterVolCreateXML(CLUSTER(client), POOL_UUID(args->pool),
                                 args->xml, NULL, args->flags, error);

    if (!ref)
        return false;
    storageFillVol(&ret->vol, ref);
    return true;
}

bool
shoalDispatchStorageVolCreateXmlFrom(
    shoalDriverClient *client,
    const remote_storage_vol_create_xml_from_args *args,
    remote_storage_vol_create_xml_from_ret *ret,
    GError **error)
{
    shoalVolRef clone = storageVol(&args->clonevol);
    g_autoptr(shoalVolRef) ref =
        shoalClusterVolCreateXML(CLUSTER(client), POOL_UUID(args->pool),
                                 args->xml, &clone, args->flags, error);

    if (!ref)
        return false;
    storageFillVol(&ret->vol, ref);
    return true;
}

bool
shoalDispatchStorageVolDelete(shoalDriverClient *client,
                              const remote_storage_vol_delete_args *args,
                              void *ret,
                              GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    return shoalClusterVolDelete(CLUSTER(client), &vol, args->flags, error);
}

static bool
storageFillFound(remote_nonnull_storage_vol *out, shoalVolRef *ref)
{
    if (!ref)
        return false;
    storageFillVol(out, ref);
    shoalVolRefFree(ref);
    return true;
}

bool
shoalDispatchStorageVolLookupByName(
    shoalDriverClient *client,
    const remote_storage_vol_lookup_by_name_args *args,
    remote_storage_vol_lookup_by_name_ret *ret,
    GError **error)
{
    return storageFillFound(&ret->vol,
                            shoalClusterVolLookupByName(CLUSTER(client),
                                                        POOL_UUID(args->pool),
                                                        args->name, error));
}

bool
shoalDispatchStorageVolLookupByKey(
    shoalDriverClient *client,
    const remote_storage_vol_lookup_by_key_args *args,
    remote_storage_vol_lookup_by_key_ret *ret,
    GError **error)
{
    return storageFillFound(&ret->vol,
                            shoalClusterVolLookupByKey(CLUSTER(client),
                                                       args->key, error));
}

bool
shoalDispatchStorageVolLookupByPath(
    shoalDriverClient *client,
    const remote_storage_vol_lookup_by_path_args *args,
    remote_storage_vol_lookup_by_path_ret *ret,
    GError **error)
{
    return storageFillFound(&ret->vol,
                            shoalClusterVolLookupByPath(CLUSTER(client),
                                                        args->path, error));
}

bool
shoalDispatchStorageVolGetInfo(shoalDriverClient *client,
                               const remote_storage_vol_get_info_args *args,
                               remote_storage_vol_get_info_ret *ret,
                               GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);
    virStorageVolInfo info;

    if (!shoalClusterVolGetInfo(CLUSTER(client), &vol, 0, &info, error))
        return false;
    ret->type = info.type;
    ret->capacity = info.capacity;
    ret->allocation = info.allocation;
    return true;
}

bool
shoalDispatchStorageVolGetInfoFlags(
    shoalDriverClient *client,
    const remote_storage_vol_get_info_flags_args *args,
    remote_storage_vol_get_info_flags_ret *ret,
    GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);
    virStorageVolInfo info;

    if (!shoalClusterVolGetInfo(CLUSTER(client), &vol, args->flags, &info,
                                error))
        return false;
    ret->type = info.type;
    ret->capacity = info.capacity;
    ret->allocation = info.allocation;
    return true;
}

bool
shoalDispatchStorageVolGetXmlDesc(
    shoalDriverClient *client,
    const remote_storage_vol_get_xml_desc_args *args,
    remote_storage_vol_get_xml_desc_ret *ret,
    GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    ret->xml =
        shoalClusterVolGetXMLDesc(CLUSTER(client), &vol, args->flags, error);
    return ret->xml != NULL;
}

bool
shoalDispatchStorageVolGetPath(shoalDriverClient *client,
                               const remote_storage_vol_get_path_args *args,
                               remote_storage_vol_get_path_ret *ret,
                               GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    ret->name = shoalClusterVolGetPath(CLUSTER(client), &vol, error);
    return ret->name != NULL;
}

bool
shoalDispatchStorageVolWipe(shoalDriverClient *client,
                            const remote_storage_vol_wipe_args *args,
                            void *ret,
                            GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    return shoalClusterVolWipe(CLUSTER(client), &vol,
                               VIR_STORAGE_VOL_WIPE_ALG_ZERO, args->flags,
                               error);
}

bool
shoalDispatchStorageVolWipePattern(
    shoalDriverClient *client,
    const remote_storage_vol_wipe_pattern_args *args,
    void *ret,
    GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    return shoalClusterVolWipe(CLUSTER(client), &vol, args->algorithm,
                               args->flags, error);
}

bool
shoalDispatchStorageVolResize(shoalDriverClient *client,
                              const remote_storage_vol_resize_args *args,
                              void *ret,
                              GError **error)
{
    shoalVolRef vol = storageVol(&args->vol);

    return shoalClusterVolResize(CLUSTER(client), &vol, args->capacity,
                                 args->flags, error);
}
