/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node devices, host interfaces and network filter bindings: every
 * host's, named "host/name" (a binding by its port), read-only (src/cluster/cluster_hostobjects.c). One cluster call per
 * procedure; the writing procedures are refused.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "util_error.h"

#define CLUSTER(client) shoalDriverClientGetCluster(client)
#define NODEDEV SHOAL_HOST_OBJECT_NODE_DEVICE
#define IFACE SHOAL_HOST_OBJECT_INTERFACE
#define BINDING SHOAL_HOST_OBJECT_NWFILTER_BINDING

/* Names of a listing, at most @max (checked against @limit). */
static bool
hostObjectNames(GPtrArray *list,
                int max,
                int limit,
                remote_nonnull_string **val,
                u_int *len,
                GError **error)
{
    guint i;

    if (!list)
        return false;
    if (max < 0 || max > limit) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many names '%1$d' for limit '%2$d'"), max, limit);
        return false;
    }
    if (list->len > (guint) max)
        g_ptr_array_set_size(list, max);
    *len = list->len;
    *val = g_new0(remote_nonnull_string, MAX(list->len, 1));
    for (i = 0; i < list->len; i++)
        (*val)[i] = g_strdup(((shoalHostObject *) list->pdata[i])->name);
    return true;
}

static bool
hostObjectCount(GPtrArray *list, int *num)
{
    if (!list)
        return false;
    *num = list->len;
    return true;
}

/* Refuses a writing procedure: these objects are each host's own. */
static bool
hostObjectRefuse(shoalHostObjectKind kind, GError **error)
{
    switch (kind) {
    case NODEDEV:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: node devices are each host's own and Shoal lists them read-only; change them on the host itself"));
        break;
    case BINDING:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: network filter bindings are each host's own and Shoal lists them read-only; change them on the host itself"));
        break;
    case IFACE:
    case SHOAL_HOST_OBJECT_KIND_LAST:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: host interfaces are each host's own and Shoal lists them read-only; change them on the host itself"));
        break;
    }
    return false;
}

#define HOST_OBJECT_REFUSE(camel, argsType, retType, kind)                     \
    bool shoalDispatch##camel(shoalDriverClient *client, const argsType *args, \
                              retType *ret, GError **error)                    \
    {                                                                          \
        return hostObjectRefuse(kind, error);                                  \
    }

HOST_OBJECT_REFUSE(NodeDeviceDettach,
                   remote_node_device_dettach_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceReAttach,
                   remote_node_device_re_attach_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceReset, remote_node_device_reset_args, void, NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceCreateXml,
                   remote_node_device_create_xml_args,
                   remote_node_device_create_xml_ret,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceDestroy,
                   remote_node_device_destroy_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceDetachFlags,
                   remote_node_device_detach_flags_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceDefineXml,
                   remote_node_device_define_xml_args,
                   remote_node_device_define_xml_ret,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceUndefine,
                   remote_node_device_undefine_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(NodeDeviceCreate,
                   remote_node_device_create_args,
                   void,
                   NODEDEV)
HOST_OBJECT_REFUSE(InterfaceDefineXml,
                   remote_interface_define_xml_args,
                   remote_interface_define_xml_ret,
                   IFACE)
HOST_OBJECT_REFUSE(InterfaceUndefine,
                   remote_interface_undefine_args,
                   void,
                   IFACE)
HOST_OBJECT_REFUSE(InterfaceCreate, remote_interface_create_args, void, IFACE)
HOST_OBJECT_REFUSE(InterfaceDestroy, remote_interface_destroy_args, void, IFACE)
HOST_OBJECT_REFUSE(InterfaceChangeBegin,
                   remote_interface_change_begin_args,
                   void,
                   IFACE)
HOST_OBJECT_REFUSE(InterfaceChangeCommit,
                   remote_interface_change_commit_args,
                   void,
                   IFACE)
HOST_OBJECT_REFUSE(InterfaceChangeRollback,
                   remote_interface_change_rollback_args,
                   void,
                   IFACE)
HOST_OBJECT_REFUSE(NwfilterBindingCreateXml,
                   remote_nwfilter_binding_create_xml_args,
                   remote_nwfilter_binding_create_xml_ret,
                   BINDING)
HOST_OBJECT_REFUSE(NwfilterBindingDelete,
                   remote_nwfilter_binding_delete_args,
                   void,
                   BINDING)

bool
shoalDispatchNodeNumOfDevices(shoalDriverClient *client,
                              const remote_node_num_of_devices_args *args,
                              remote_node_num_of_devices_ret *ret,
                              GError **error)
{
    g_autoptr(GPtrArray) list = NULL;

    if (!shoalDriverCheckFlags(args->flags, 0, "virNodeNumOfDevices", error))
        return false;
    list = shoalClusterHostObjectList(CLUSTER(client), NODEDEV, 0,
                                      args->cap ? *args->cap : NULL, error);
    return hostObjectCount(list, &ret->num);
}

bool
shoalDispatchNodeListDevices(shoalDriverClient *client,
                             const remote_node_list_devices_args *args,
                             remote_node_list_devices_ret *ret,
                             GError **error)
{
    g_autoptr(GPtrArray) list = NULL;

    if (!shoalDriverCheckFlags(args->flags, 0, "virNodeListDevices", error))
        return false;
    list = shoalClusterHostObjectList(CLUSTER(client), NODEDEV, 0,
                                      args->cap ? *args->cap : NULL, error);
    return hostObjectNames(list, args->maxnames, REMOTE_NODE_DEVICE_LIST_MAX,
                           &ret->names.names_val, &ret->names.names_len, error);
}

bool
shoalDispatchConnectListAllNodeDevices(
    shoalDriverClient *client,
    const remote_connect_list_all_node_devices_args *args,
    remote_connect_list_all_node_devices_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), NODEDEV, args->flags, NULL,
                                   error);
    guint i;

    if (!list)
        return false;
    if (args->need_results) {
        ret->devices.devices_len = list->len;
        ret->devices.devices_val =
            g_new0(remote_nonnull_node_device, MAX(list->len, 1));
        for (i = 0; i < list->len; i++)
            ret->devices.devices_val[i].name =
                g_strdup(((shoalHostObject *) list->pdata[i])->name);
    }
    ret->ret = list->len;
    return true;
}

bool
shoalDispatchNodeDeviceLookupByName(
    shoalDriverClient *client,
    const remote_node_device_lookup_by_name_args *args,
    remote_node_device_lookup_by_name_ret *ret,
    GError **error)
{
    g_autoptr(shoalHostObject) dev =
        shoalClusterHostObjectLookup(CLUSTER(client), NODEDEV, args->name,
                                     error);

    if (!dev)
        return false;
    ret->dev.name = g_steal_pointer(&dev->name);
    return true;
}

bool
shoalDispatchNodeDeviceGetXmlDesc(
    shoalDriverClient *client,
    const remote_node_device_get_xml_desc_args *args,
    remote_node_device_get_xml_desc_ret *ret,
    GError **error)
{
    ret->xml = shoalClusterHostObjectGetXML(CLUSTER(client), NODEDEV,
                                            args->name, args->flags, error);
    return ret->xml != NULL;
}

bool
shoalDispatchNodeDeviceGetParent(shoalDriverClient *client,
                                 const remote_node_device_get_parent_args *args,
                                 remote_node_device_get_parent_ret *ret,
                                 GError **error)
{
    char *parent = NULL;

    if (!shoalClusterNodeDeviceGetParent(CLUSTER(client), args->name, &parent,
                                         error))
        return false;
    if (parent) {
        ret->parentName = g_new0(remote_nonnull_string, 1);
        *ret->parentName = parent;
    }
    return true;
}

bool
shoalDispatchNodeDeviceNumOfCaps(shoalDriverClient *client,
                                 const remote_node_device_num_of_caps_args *args,
                                 remote_node_device_num_of_caps_ret *ret,
                                 GError **error)
{
    g_auto(GStrv) caps =
        shoalClusterNodeDeviceListCaps(CLUSTER(client), args->name, error);

    if (!caps)
        return false;
    ret->num = g_strv_length(caps);
    return true;
}

bool
shoalDispatchNodeDeviceListCaps(shoalDriverClient *client,
                                const remote_node_device_list_caps_args *args,
                                remote_node_device_list_caps_ret *ret,
                                GError **error)
{
    g_auto(GStrv) caps = NULL;
    guint n;
    guint i;

    if (args->maxnames < 0 ||
        args->maxnames > REMOTE_NODE_DEVICE_CAPS_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many capabilities '%1$d' for limit '%2$d'"),
                    args->maxnames, REMOTE_NODE_DEVICE_CAPS_LIST_MAX);
        return false;
    }
    caps = shoalClusterNodeDeviceListCaps(CLUSTER(client), args->name, error);
    if (!caps)
        return false;
    n = MIN(g_strv_length(caps), (guint) args->maxnames);
    ret->names.names_len = n;
    ret->names.names_val = g_new0(remote_nonnull_string, MAX(n, 1));
    for (i = 0; i < n; i++)
        ret->names.names_val[i] = g_strdup(caps[i]);
    return true;
}

static void
ifaceFill(remote_nonnull_interface *out, shoalHostObject *iface)
{
    out->name = g_steal_pointer(&iface->name);
    out->mac = g_strdup(iface->mac ? iface->mac : "");
}

bool
shoalDispatchConnectNumOfInterfaces(shoalDriverClient *client,
                                    const void *args,
                                    remote_connect_num_of_interfaces_ret *ret,
                                    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), IFACE,
                                   VIR_CONNECT_LIST_INTERFACES_ACTIVE, NULL,
                                   error);

    return hostObjectCount(list, &ret->num);
}

bool
shoalDispatchConnectNumOfDefinedInterfaces(
    shoalDriverClient *client,
    const void *args,
    remote_connect_num_of_defined_interfaces_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), IFACE,
                                   VIR_CONNECT_LIST_INTERFACES_INACTIVE, NULL,
                                   error);

    return hostObjectCount(list, &ret->num);
}

bool
shoalDispatchConnectListInterfaces(
    shoalDriverClient *client,
    const remote_connect_list_interfaces_args *args,
    remote_connect_list_interfaces_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), IFACE,
                                   VIR_CONNECT_LIST_INTERFACES_ACTIVE, NULL,
                                   error);

    return hostObjectNames(list, args->maxnames, REMOTE_INTERFACE_LIST_MAX,
                           &ret->names.names_val, &ret->names.names_len, error);
}

bool
shoalDispatchConnectListDefinedInterfaces(
    shoalDriverClient *client,
    const remote_connect_list_defined_interfaces_args *args,
    remote_connect_list_defined_interfaces_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), IFACE,
                                   VIR_CONNECT_LIST_INTERFACES_INACTIVE, NULL,
                                   error);

    return hostObjectNames(list, args->maxnames, REMOTE_INTERFACE_LIST_MAX,
                           &ret->names.names_val, &ret->names.names_len, error);
}

bool
shoalDispatchConnectListAllInterfaces(
    shoalDriverClient *client,
    const remote_connect_list_all_interfaces_args *args,
    remote_connect_list_all_interfaces_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), IFACE, args->flags, NULL,
                                   error);
    guint i;

    if (!list)
        return false;
    if (args->need_results) {
        ret->ifaces.ifaces_len = list->len;
        ret->ifaces.ifaces_val =
            g_new0(remote_nonnull_interface, MAX(list->len, 1));
        for (i = 0; i < list->len; i++)
            ifaceFill(&ret->ifaces.ifaces_val[i], list->pdata[i]);
    }
    ret->ret = list->len;
    return true;
}

bool
shoalDispatchInterfaceLookupByName(
    shoalDriverClient *client,
    const remote_interface_lookup_by_name_args *args,
    remote_interface_lookup_by_name_ret *ret,
    GError **error)
{
    g_autoptr(shoalHostObject) iface =
        shoalClusterHostObjectLookup(CLUSTER(client), IFACE, args->name, error);

    if (!iface)
        return false;
    ifaceFill(&ret->iface, iface);
    return true;
}

bool
shoalDispatchInterfaceLookupByMacString(
    shoalDriverClient *client,
    const remote_interface_lookup_by_mac_string_args *args,
    remote_interface_lookup_by_mac_string_ret *ret,
    GError **error)
{
    g_autoptr(shoalHostObject) iface =
        shoalClusterInterfaceLookupByMAC(CLUSTER(client), args->mac, error);

    if (!iface)
        return false;
    ifaceFill(&ret->iface, iface);
    return true;
}

bool
shoalDispatchInterfaceGetXmlDesc(shoalDriverClient *client,
                                 const remote_interface_get_xml_desc_args *args,
                                 remote_interface_get_xml_desc_ret *ret,
                                 GError **error)
{
    ret->xml =
        shoalClusterHostObjectGetXML(CLUSTER(client), IFACE, args->iface.name,
                                     args->flags, error);
    return ret->xml != NULL;
}

bool
shoalDispatchInterfaceIsActive(shoalDriverClient *client,
                               const remote_interface_is_active_args *args,
                               remote_interface_is_active_ret *ret,
                               GError **error)
{
    int active =
        shoalClusterInterfaceIsActive(CLUSTER(client), args->iface.name, error);

    if (active < 0)
        return false;
    ret->active = active;
    return true;
}

static void
bindingFill(remote_nonnull_nwfilter_binding *out, shoalHostObject *binding)
{
    out->portdev = g_steal_pointer(&binding->name);
    out->filtername = g_strdup(binding->mac ? binding->mac : "");
}

bool
shoalDispatchConnectListAllNwfilterBindings(
    shoalDriverClient *client,
    const remote_connect_list_all_nwfilter_bindings_args *args,
    remote_connect_list_all_nwfilter_bindings_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterHostObjectList(CLUSTER(client), BINDING, args->flags, NULL,
                                   error);
    guint i;

    if (!list)
        return false;
    if (args->need_results) {
        ret->bindings.bindings_len = list->len;
        ret->bindings.bindings_val =
            g_new0(remote_nonnull_nwfilter_binding, MAX(list->len, 1));
        for (i = 0; i < list->len; i++)
            bindingFill(&ret->bindings.bindings_val[i], list->pdata[i]);
    }
    ret->ret = list->len;
    return true;
}

bool
shoalDispatchNwfilterBindingLookupByPortDev(
    shoalDriverClient *client,
    const remote_nwfilter_binding_lookup_by_port_dev_args *args,
    remote_nwfilter_binding_lookup_by_port_dev_ret *ret,
    GError **error)
{
    g_autoptr(shoalHostObject) binding =
        shoalClusterHostObjectLookup(CLUSTER(client), BINDING, args->name,
                                     error);

    if (!binding)
        return false;
    bindingFill(&ret->nwfilter, binding);
    return true;
}

bool
shoalDispatchNwfilterBindingGetXmlDesc(
    shoalDriverClient *client,
    const remote_nwfilter_binding_get_xml_desc_args *args,
    remote_nwfilter_binding_get_xml_desc_ret *ret,
    GError **error)
{
    ret->xml = shoalClusterHostObjectGetXML(CLUSTER(client), BINDING,
                                            args->nwfilter.portdev, args->flags,
                                            error);
    return ret->xml != NULL;
}
