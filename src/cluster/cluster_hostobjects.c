/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node devices, host interfaces and network filter bindings: each
 * host's own, listed read-only and named "host/name", so that two hosts' eth0 stay two objects. Each
 * call goes to the host the name's prefix gives.
 */
#include <config.h>

#include "cluster_hostobjects.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

/* One kind's libvirt calls, on untyped handles. */
typedef struct {
    int (*listAll)(virConnectPtr conn, void ***objs, unsigned flags);
    void *(*lookupByName)(virConnectPtr conn, const char *name);
    const char *(*getName)(void *obj);
    /* an interface's MAC, a binding's filter; NULL: the kind has none */
    const char *(*getMAC)(void *obj);
    char *(*getXML)(void *obj, unsigned flags);
    void (*free)(void *obj);
} hostObjectOps;

static int
nodedevListAll(virConnectPtr conn, void ***objs, unsigned flags)
{
    return virConnectListAllNodeDevices(conn, (virNodeDevicePtr **) objs,
                                        flags);
}

static void *
nodedevLookupByName(virConnectPtr conn, const char *name)
{
    return virNodeDeviceLookupByName(conn, name);
}

static const char *
nodedevGetName(void *obj)
{
    return virNodeDeviceGetName(obj);
}

static char *
nodedevGetXML(void *obj, unsigned flags)
{
    return virNodeDeviceGetXMLDesc(obj, flags);
}

static void
nodedevFree(void *obj)
{
    virNodeDeviceFree(obj);
}

static int
ifaceListAll(virConnectPtr conn, void ***objs, unsigned flags)
{
    return virConnectListAllInterfaces(conn, (virInterfacePtr **) objs, flags);
}

static void *
ifaceLookupByName(virConnectPtr conn, const char *name)
{
    return virInterfaceLookupByName(conn, name);
}

static const char *
ifaceGetName(void *obj)
{
    return virInterfaceGetName(obj);
}

static const char *
ifaceGetMAC(void *obj)
{
    return virInterfaceGetMACString(obj);
}

static char *
ifaceGetXML(void *obj, unsigned flags)
{
    return virInterfaceGetXMLDesc(obj, flags);
}

static void
ifaceFree(void *obj)
{
    virInterfaceFree(obj);
}

static int
bindingListAll(virConnectPtr conn, void ***objs, unsigned flags)
{
    return virConnectListAllNWFilterBindings(conn,
                                             (virNWFilterBindingPtr **) objs,
                                             flags);
}

static void *
bindingLookupByName(virConnectPtr conn, const char *name)
{
    return virNWFilterBindingLookupByPortDev(conn, name);
}

static const char *
bindingGetName(void *obj)
{
    return virNWFilterBindingGetPortDev(obj);
}

static const char *
bindingGetFilter(void *obj)
{
    return virNWFilterBindingGetFilterName(obj);
}

static char *
bindingGetXML(void *obj, unsigned flags)
{
    return virNWFilterBindingGetXMLDesc(obj, flags);
}

static void
bindingFree(void *obj)
{
    virNWFilterBindingFree(obj);
}

static const hostObjectOps hostObjectOpsTable[SHOAL_HOST_OBJECT_KIND_LAST] = {
    [SHOAL_HOST_OBJECT_NODE_DEVICE] = {
        .listAll = nodedevListAll,
        .lookupByName = nodedevLookupByName,
        .getName = nodedevGetName,
        .getXML = nodedevGetXML,
        .free = nodedevFree,
    },
    [SHOAL_HOST_OBJECT_INTERFACE] = {
        .listAll = ifaceListAll,
        .lookupByName = ifaceLookupByName,
        .getName = ifaceGetName,
        .getMAC = ifaceGetMAC,
        .getXML = ifaceGetXML,
        .free = ifaceFree,
    },
    [SHOAL_HOST_OBJECT_NWFILTER_BINDING] = {
        .listAll = bindingListAll,
        .lookupByName = bindingLookupByName,
        .getName = bindingGetName,
        .getMAC = bindingGetFilter,
        .getXML = bindingGetXML,
        .free = bindingFree,
    },
};

void
shoalHostObjectFree(shoalHostObject *obj)
{
    if (!obj)
        return;
    g_free(obj->name);
    g_free(obj->mac);
    g_free(obj);
}

static shoalHostObject *
hostObjectNew(const hostObjectOps *ops, const char *hostName, void *obj)
{
    shoalHostObject *out = g_new0(shoalHostObject, 1);

    out->name = g_strdup_printf("%s/%s", hostName, ops->getName(obj));
    if (ops->getMAC)
        out->mac = g_strdup(ops->getMAC(obj));
    return out;
}

static void
hostObjectNoSuch(shoalHostObjectKind kind, const char *name, GError **error)
{
    switch (kind) {
    case SHOAL_HOST_OBJECT_NODE_DEVICE:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NODE_DEVICE,
                    _("Node device not found: no node device with matching name '%1$s'"),
                    name);
        break;
    case SHOAL_HOST_OBJECT_NWFILTER_BINDING:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NWFILTER_BINDING,
                    _("Network filter binding not found: no nwfilter binding for port dev '%1$s'"),
                    name);
        break;
    case SHOAL_HOST_OBJECT_INTERFACE:
    case SHOAL_HOST_OBJECT_KIND_LAST:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_INTERFACE,
                    _("Interface not found: no interface with matching name '%1$s'"),
                    name);
        break;
    }
}

/* The handle @name ("host/local") names, and its host's name. */
static void *
hostObjectOpen(shoalCluster *cluster,
               shoalHostObjectKind kind,
               const char *name,
               char **hostName,
               GError **error)
{
    const hostObjectOps *ops = &hostObjectOpsTable[kind];
    const char *slash = strchr(name, '/');
    g_autofree char *host = NULL;
    g_autoptr(shoalHost) h = NULL;
    virConnectPtr conn;
    void *obj;

    if (!slash || slash == name || !slash[1]) {
        hostObjectNoSuch(kind, name, error);
        return NULL;
    }
    host = g_strndup(name, slash - name);
    if (!(h = shoalClusterLookupHost(cluster, host, NULL))) {
        hostObjectNoSuch(kind, name, error);
        return NULL;
    }
    if (!(conn = shoalHostGetConnection(h, error)))
        return NULL;
    obj = ops->lookupByName(conn, slash + 1);
    if (!obj)
        shoalClusterObjectHostError(error, host);
    virConnectClose(conn);
    if (obj)
        *hostName = g_steal_pointer(&host);
    return obj;
}

static gint
hostObjectCompare(gconstpointer a, gconstpointer b)
{
    const shoalHostObject *oa = *(shoalHostObject *const *) a;
    const shoalHostObject *ob = *(shoalHostObject *const *) b;

    return g_strcmp0(oa->name, ob->name);
}

/* Whether the node device has the capability @cap. */
static bool
hostObjectHasCap(virNodeDevicePtr dev, const char *cap)
{
    char *caps[64];
    int n = virNodeDeviceListCaps(dev, caps, G_N_ELEMENTS(caps));
    bool found = false;
    int i;

    for (i = 0; i < n; i++) {
        found = found || g_str_equal(caps[i], cap);
        free(caps[i]);
    }
    virResetLastError();
    return found;
}

/**
 * shoalClusterHostObjectList:
 * @flags: the kind's virConnectListAll* flags, which each host judges
 * @cap: node devices: only those with this capability; or NULL
 *
 * Every online host's objects of @kind, named "host/name".
 * Returns: (transfer full): shoalHostObject sorted by name, or NULL
 *   with @error set if a host refused.
 */
GPtrArray *
shoalClusterHostObjectList(shoalCluster *cluster,
                           shoalHostObjectKind kind,
                           unsigned flags,
                           const char *cap,
                           GError **error)
{
    const hostObjectOps *ops = &hostObjectOpsTable[kind];
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalHostObjectFree);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        virConnectPtr conn = shoalHostGetConnection(host, NULL);
        void **objs = NULL;
        int n;
        int m;

        if (!conn)
            continue; /* offline: its objects are not there to use */
        n = ops->listAll(conn, &objs, flags);
        if (n < 0) {
            shoalClusterObjectHostError(error, host->name);
            virConnectClose(conn);
            return NULL;
        }
        for (m = 0; m < n; m++) {
            if (!cap || hostObjectHasCap(objs[m], cap))
                g_ptr_array_add(out, hostObjectNew(ops, host->name, objs[m]));
            ops->free(objs[m]);
        }
        free(objs);
        virConnectClose(conn);
    }
    g_ptr_array_sort(out, hostObjectCompare);
    return g_steal_pointer(&out);
}

/**
 * shoalClusterHostObjectLookup:
 * Returns: (transfer full): the object @name ("host/name") names.
 */
shoalHostObject *
shoalClusterHostObjectLookup(shoalCluster *cluster,
                             shoalHostObjectKind kind,
                             const char *name,
                             GError **error)
{
    const hostObjectOps *ops = &hostObjectOpsTable[kind];
    g_autofree char *hostName = NULL;
    void *obj = hostObjectOpen(cluster, kind, name, &hostName, error);
    shoalHostObject *out;

    if (!obj)
        return NULL;
    out = hostObjectNew(ops, hostName, obj);
    ops->free(obj);
    return out;
}

/**
 * shoalClusterInterfaceLookupByMAC:
 * Returns: (transfer full): the first interface by host name with @mac.
 */
shoalHostObject *
shoalClusterInterfaceLookupByMAC(shoalCluster *cluster,
                                 const char *mac,
                                 GError **error)
{
    const hostObjectOps *ops = &hostObjectOpsTable[SHOAL_HOST_OBJECT_INTERFACE];
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        virConnectPtr conn = shoalHostGetConnection(host, NULL);
        virInterfacePtr iface;
        shoalHostObject *out;

        if (!conn)
            continue;
        iface = virInterfaceLookupByMACString(conn, mac);
        virResetLastError();
        virConnectClose(conn);
        if (!iface)
            continue;
        out = hostObjectNew(ops, host->name, iface);
        virInterfaceFree(iface);
        return out;
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_INTERFACE,
                _("Interface not found: no interface with matching mac '%1$s'"),
                mac);
    return NULL;
}

/**
 * shoalClusterHostObjectGetXML:
 * Returns: (transfer full): the XML as the host gives it (with the
 *   host's own names inside).
 */
char *
shoalClusterHostObjectGetXML(shoalCluster *cluster,
                             shoalHostObjectKind kind,
                             const char *name,
                             unsigned flags,
                             GError **error)
{
    const hostObjectOps *ops = &hostObjectOpsTable[kind];
    g_autofree char *hostName = NULL;
    void *obj = hostObjectOpen(cluster, kind, name, &hostName, error);
    char *xml;
    char *out = NULL;

    if (!obj)
        return NULL;
    if ((xml = ops->getXML(obj, flags))) {
        out = g_strdup(xml);
        free(xml);
    } else {
        shoalClusterObjectHostError(error, hostName);
    }
    ops->free(obj);
    return out;
}

/* Returns: 1 or 0, or -1 with @error set. */
int
shoalClusterInterfaceIsActive(shoalCluster *cluster,
                              const char *name,
                              GError **error)
{
    g_autofree char *hostName = NULL;
    virInterfacePtr iface = hostObjectOpen(cluster, SHOAL_HOST_OBJECT_INTERFACE,
                                           name, &hostName, error);
    int rc;

    if (!iface)
        return -1;
    if ((rc = virInterfaceIsActive(iface)) < 0)
        shoalClusterObjectHostError(error, hostName);
    virInterfaceFree(iface);
    return rc;
}

/**
 * shoalClusterNodeDeviceGetParent:
 * @parent: (out) (transfer full): "host/parent", or NULL for a root
 */
bool
shoalClusterNodeDeviceGetParent(shoalCluster *cluster,
                                const char *name,
                                char **parent,
                                GError **error)
{
    g_autofree char *hostName = NULL;
    virNodeDevicePtr dev =
        hostObjectOpen(cluster, SHOAL_HOST_OBJECT_NODE_DEVICE, name, &hostName,
                       error);
    const char *p;

    if (!dev)
        return false;
    p = virNodeDeviceGetParent(dev);
    *parent = p ? g_strdup_printf("%s/%s", hostName, p) : NULL;
    virResetLastError();
    virNodeDeviceFree(dev);
    return true;
}

/**
 * shoalClusterNodeDeviceListCaps:
 * Returns: (transfer full): the device's capabilities, as its host
 *   names them.
 */
GStrv
shoalClusterNodeDeviceListCaps(shoalCluster *cluster,
                               const char *name,
                               GError **error)
{
    g_autofree char *hostName = NULL;
    virNodeDevicePtr dev =
        hostObjectOpen(cluster, SHOAL_HOST_OBJECT_NODE_DEVICE, name, &hostName,
                       error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    char **caps = NULL;
    int n;
    int i;

    if (!dev)
        return NULL;
    n = virNodeDeviceNumOfCaps(dev);
    if (n >= 0) {
        caps = g_new0(char *, n + 1);
        n = virNodeDeviceListCaps(dev, caps, n);
    }
    if (n < 0)
        shoalClusterObjectHostError(error, hostName);
    for (i = 0; i < n; i++) {
        g_ptr_array_add(out, g_strdup(caps[i]));
        free(caps[i]);
    }
    g_free(caps);
    virNodeDeviceFree(dev);
    if (n < 0)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
