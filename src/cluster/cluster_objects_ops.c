/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libvirt calls of each kind of cluster object, behind one table. */
#include <config.h>

#include "cluster_objects_ops.h"

#include <libvirt/virterror.h>

static void *
poolLookupByName(virConnectPtr conn, const char *name)
{
    return virStoragePoolLookupByName(conn, name);
}

static void *
poolLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    return virStoragePoolLookupByUUID(conn, uuid);
}

static void *
poolDefine(virConnectPtr conn, const char *xml)
{
    return virStoragePoolDefineXML(conn, xml, 0);
}

static int
poolUndefine(void *obj)
{
    return virStoragePoolUndefine(obj);
}

static int
poolCreate(void *obj)
{
    return virStoragePoolCreate(obj, 0);
}

static int
poolDestroy(void *obj)
{
    return virStoragePoolDestroy(obj);
}

static int
poolSetAutostart(void *obj, int on)
{
    return virStoragePoolSetAutostart(obj, on);
}

static int
poolIsActive(void *obj)
{
    return virStoragePoolIsActive(obj);
}

/* The inactive XML, or the only one of drivers without the flag
 * (test://): @flag is the kind's VIR_*_XML_INACTIVE. */
static char *
objectGetXMLFallback(char *(*getXML)(void *obj, unsigned flags),
                     void *obj,
                     bool inactive,
                     unsigned flag)
{
    char *xml = NULL;

    if (inactive) {
        xml = getXML(obj, flag);
        if (xml || virGetLastErrorCode() != VIR_ERR_INVALID_ARG)
            return xml;
    }
    return getXML(obj, 0);
}

static char *
poolGetXMLFlags(void *obj, unsigned flags)
{
    return virStoragePoolGetXMLDesc(obj, flags);
}

static char *
poolGetXML(void *obj, bool inactive)
{
    return objectGetXMLFallback(poolGetXMLFlags, obj, inactive,
                                VIR_STORAGE_XML_INACTIVE);
}

static int
poolGetUUID(void *obj, unsigned char *uuid)
{
    return virStoragePoolGetUUID(obj, uuid);
}

static const char *
poolGetName(void *obj)
{
    return virStoragePoolGetName(obj);
}

static void
poolFree(void *obj)
{
    virStoragePoolFree(obj);
}

static int
poolListAll(virConnectPtr conn, void ***objs)
{
    return virConnectListAllStoragePools(conn, (virStoragePoolPtr **) objs, 0);
}

static void *
netLookupByName(virConnectPtr conn, const char *name)
{
    return virNetworkLookupByName(conn, name);
}

static void *
netLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    return virNetworkLookupByUUID(conn, uuid);
}

static void *
netDefine(virConnectPtr conn, const char *xml)
{
    return virNetworkDefineXML(conn, xml);
}

static int
netUndefine(void *obj)
{
    return virNetworkUndefine(obj);
}

static int
netCreate(void *obj)
{
    return virNetworkCreate(obj);
}

static int
netDestroy(void *obj)
{
    return virNetworkDestroy(obj);
}

static int
netSetAutostart(void *obj, int on)
{
    return virNetworkSetAutostart(obj, on);
}

static int
netIsActive(void *obj)
{
    return virNetworkIsActive(obj);
}

static char *
netGetXMLFlags(void *obj, unsigned flags)
{
    return virNetworkGetXMLDesc(obj, flags);
}

static char *
netGetXML(void *obj, bool inactive)
{
    return objectGetXMLFallback(netGetXMLFlags, obj, inactive,
                                VIR_NETWORK_XML_INACTIVE);
}

static int
netGetUUID(void *obj, unsigned char *uuid)
{
    return virNetworkGetUUID(obj, uuid);
}

static const char *
netGetName(void *obj)
{
    return virNetworkGetName(obj);
}

static void
netFree(void *obj)
{
    virNetworkFree(obj);
}

static int
netListAll(virConnectPtr conn, void ***objs)
{
    return virConnectListAllNetworks(conn, (virNetworkPtr **) objs, 0);
}

static void *
secretLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    return virSecretLookupByUUID(conn, uuid);
}

static void *
secretDefine(virConnectPtr conn, const char *xml)
{
    return virSecretDefineXML(conn, xml, 0);
}

static int
secretUndefine(void *obj)
{
    return virSecretUndefine(obj);
}

static char *
secretGetXML(void *obj, bool inactive)
{
    return virSecretGetXMLDesc(obj, 0);
}

static int
secretGetUUID(void *obj, unsigned char *uuid)
{
    return virSecretGetUUID(obj, uuid);
}

/* The usage ID stands for the name a secret lacks ("" for usage none). */
static const char *
secretGetName(void *obj)
{
    const char *id = virSecretGetUsageID(obj);

    return id ? id : "";
}

static void
secretFree(void *obj)
{
    virSecretFree(obj);
}

static int
secretListAll(virConnectPtr conn, void ***objs)
{
    return virConnectListAllSecrets(conn, (virSecretPtr **) objs, 0);
}

static int
secretGetUsageType(void *obj)
{
    return virSecretGetUsageType(obj);
}

static int
secretSetValue(void *obj, GBytes *value)
{
    gsize len = 0;
    const unsigned char *data = g_bytes_get_data(value, &len);

    return virSecretSetValue(obj, data, len, 0);
}

static void *
nwfilterLookupByName(virConnectPtr conn, const char *name)
{
    return virNWFilterLookupByName(conn, name);
}

static void *
nwfilterLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    return virNWFilterLookupByUUID(conn, uuid);
}

static void *
nwfilterDefine(virConnectPtr conn, const char *xml)
{
    return virNWFilterDefineXML(conn, xml);
}

static int
nwfilterUndefine(void *obj)
{
    return virNWFilterUndefine(obj);
}

static char *
nwfilterGetXML(void *obj, bool inactive)
{
    return virNWFilterGetXMLDesc(obj, 0);
}

static int
nwfilterGetUUID(void *obj, unsigned char *uuid)
{
    return virNWFilterGetUUID(obj, uuid);
}

static const char *
nwfilterGetName(void *obj)
{
    return virNWFilterGetName(obj);
}

static void
nwfilterFree(void *obj)
{
    virNWFilterFree(obj);
}

static int
nwfilterListAll(virConnectPtr conn, void ***objs)
{
    return virConnectListAllNWFilters(conn, (virNWFilterPtr **) objs, 0);
}

static const shoalObjectOps objectOps[SHOAL_OBJECT_KIND_LAST] = {
    [SHOAL_OBJECT_POOL] = {
        .name = "pool",
        .noObjectCode = VIR_ERR_NO_STORAGE_POOL,
        .lookupByName = poolLookupByName,
        .lookupByUUID = poolLookupByUUID,
        .define = poolDefine,
        .undefine = poolUndefine,
        .create = poolCreate,
        .destroy = poolDestroy,
        .setAutostart = poolSetAutostart,
        .isActive = poolIsActive,
        .getXML = poolGetXML,
        .getUUID = poolGetUUID,
        .getName = poolGetName,
        .free = poolFree,
        .listAll = poolListAll,
    },
    [SHOAL_OBJECT_NETWORK] = {
        .name = "network",
        .noObjectCode = VIR_ERR_NO_NETWORK,
        .lookupByName = netLookupByName,
        .lookupByUUID = netLookupByUUID,
        .define = netDefine,
        .undefine = netUndefine,
        .create = netCreate,
        .destroy = netDestroy,
        .setAutostart = netSetAutostart,
        .isActive = netIsActive,
        .getXML = netGetXML,
        .getUUID = netGetUUID,
        .getName = netGetName,
        .free = netFree,
        .listAll = netListAll,
    },
    [SHOAL_OBJECT_SECRET] = {
        .name = "secret",
        .noObjectCode = VIR_ERR_NO_SECRET,
        .lookupByUUID = secretLookupByUUID,
        .define = secretDefine,
        .undefine = secretUndefine,
        .getXML = secretGetXML,
        .getUUID = secretGetUUID,
        .getName = secretGetName,
        .free = secretFree,
        .listAll = secretListAll,
        .getUsageType = secretGetUsageType,
        .setValue = secretSetValue,
    },
    [SHOAL_OBJECT_NWFILTER] = {
        .name = "nwfilter",
        .noObjectCode = VIR_ERR_NO_NWFILTER,
        .lookupByName = nwfilterLookupByName,
        .lookupByUUID = nwfilterLookupByUUID,
        .define = nwfilterDefine,
        .undefine = nwfilterUndefine,
        .getXML = nwfilterGetXML,
        .getUUID = nwfilterGetUUID,
        .getName = nwfilterGetName,
        .free = nwfilterFree,
        .listAll = nwfilterListAll,
    },
};

/* Returns: (transfer none): the table of @kind, which must be valid. */
const shoalObjectOps *
shoalObjectOpsGet(shoalObjectKind kind)
{
    g_return_val_if_fail(kind < SHOAL_OBJECT_KIND_LAST, NULL);
    return &objectOps[kind];
}

const char *
shoalObjectKindToString(shoalObjectKind kind)
{
    if (kind >= SHOAL_OBJECT_KIND_LAST)
        return "?";
    return objectOps[kind].name;
}
