/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Networks: one cluster call per procedure. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "util_error.h"

#define NET_UUID(n) ((const unsigned char *) (n).uuid)
#define CLUSTER(client) shoalDriverClientGetCluster(client)
#define NET SHOAL_OBJECT_NETWORK

/* What Shoal filters on itself (the same bits as the pools' flags). */
#define NETWORK_LIST_FLAGS                                                   \
    (VIR_CONNECT_LIST_NETWORKS_ACTIVE | VIR_CONNECT_LIST_NETWORKS_INACTIVE | \
     VIR_CONNECT_LIST_NETWORKS_PERSISTENT |                                  \
     VIR_CONNECT_LIST_NETWORKS_TRANSIENT |                                   \
     VIR_CONNECT_LIST_NETWORKS_AUTOSTART |                                   \
     VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART)

G_STATIC_ASSERT((int) VIR_CONNECT_LIST_NETWORKS_ACTIVE ==
                (int) VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
G_STATIC_ASSERT((int) VIR_CONNECT_LIST_NETWORKS_AUTOSTART ==
                (int) VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART);

static void
networkFill(remote_nonnull_network *out, const shoalObjectRef *ref)
{
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
}

static bool
networkFillFound(remote_nonnull_network *out, shoalObjectRef *ref)
{
    if (!ref)
        return false;
    networkFill(out, ref);
    shoalObjectRefFree(ref);
    return true;
}

/* The legacy name lists: virConnectList(Defined)Networks. */
static bool
networkListNames(shoalDriverClient *client,
                 unsigned flags,
                 int max,
                 remote_nonnull_string **val,
                 u_int *len,
                 GError **error)
{
    g_autoptr(GPtrArray) nets = NULL;
    guint i;

    if (max < 0 || max > REMOTE_NETWORK_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many networks '%1$d' for limit '%2$d'"), max,
                    REMOTE_NETWORK_LIST_MAX);
        return false;
    }
    nets = shoalClusterObjectList(CLUSTER(client), NET, flags);
    if (nets->len > (guint) max)
        g_ptr_array_set_size(nets, max);
    *len = nets->len;
    *val = g_new0(remote_nonnull_string, MAX(nets->len, 1));
    for (i = 0; i < nets->len; i++)
        (*val)[i] = g_strdup(((shoalObjectRef *) nets->pdata[i])->name);
    return true;
}

bool
shoalDispatchConnectNumOfNetworks(shoalDriverClient *client,
                                  const void *args,
                                  remote_connect_num_of_networks_ret *ret,
                                  GError **error)
{
    g_autoptr(GPtrArray) nets =
        shoalClusterObjectList(CLUSTER(client), NET,
                               VIR_CONNECT_LIST_NETWORKS_ACTIVE);

    ret->num = nets->len;
    return true;
}

bool
shoalDispatchConnectNumOfDefinedNetworks(
    shoalDriverClient *client,
    const void *args,
    remote_connect_num_of_defined_networks_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) nets =
        shoalClusterObjectList(CLUSTER(client), NET,
                               VIR_CONNECT_LIST_NETWORKS_INACTIVE);

    ret->num = nets->len;
    return true;
}

bool
shoalDispatchConnectListNetworks(shoalDriverClient *client,
                                 const remote_connect_list_networks_args *args,
                                 remote_connect_list_networks_ret *ret,
                                 GError **error)
{
    return networkListNames(client, VIR_CONNECT_LIST_NETWORKS_ACTIVE,
                            args->maxnames, &ret->names.names_val,
                            &ret->names.names_len, error);
}

bool
shoalDispatchConnectListDefinedNetworks(
    shoalDriverClient *client,
    const remote_connect_list_defined_networks_args *args,
    remote_connect_list_defined_networks_ret *ret,
    GError **error)
{
    return networkListNames(client, VIR_CONNECT_LIST_NETWORKS_INACTIVE,
                            args->maxnames, &ret->names.names_val,
                            &ret->names.names_len, error);
}

bool
shoalDispatchConnectListAllNetworks(
    shoalDriverClient *client,
    const remote_connect_list_all_networks_args *args,
    remote_connect_list_all_networks_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) nets = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, NETWORK_LIST_FLAGS,
                               "virConnectListAllNetworks", error))
        return false;
    nets = shoalClusterObjectList(CLUSTER(client), NET, args->flags);
    if (args->need_results) {
        ret->nets.nets_len = nets->len;
        ret->nets.nets_val = g_new0(remote_nonnull_network, MAX(nets->len, 1));
        for (i = 0; i < nets->len; i++)
            networkFill(&ret->nets.nets_val[i], nets->pdata[i]);
    }
    ret->ret = nets->len;
    return true;
}

bool
shoalDispatchNetworkDefineXml(shoalDriverClient *client,
                              const remote_network_define_xml_args *args,
                              remote_network_define_xml_ret *ret,
                              GError **error)
{
    return networkFillFound(&ret->net,
                            shoalClusterObjectDefine(CLUSTER(client), NET,
                                                     args->xml, error));
}

bool
shoalDispatchNetworkCreate(shoalDriverClient *client,
                           const remote_network_create_args *args,
                           void *ret,
                           GError **error)
{
    return shoalClusterObjectStart(CLUSTER(client), NET, NET_UUID(args->net),
                                   error);
}

bool
shoalDispatchNetworkDestroy(shoalDriverClient *client,
                            const remote_network_destroy_args *args,
                            void *ret,
                            GError **error)
{
    return shoalClusterObjectDestroy(CLUSTER(client), NET, NET_UUID(args->net),
                                     error);
}

bool
shoalDispatchNetworkUndefine(shoalDriverClient *client,
                             const remote_network_undefine_args *args,
                             void *ret,
                             GError **error)
{
    return shoalClusterObjectUndefine(CLUSTER(client), NET, NET_UUID(args->net),
                                      error);
}

bool
shoalDispatchNetworkGetXmlDesc(shoalDriverClient *client,
                               const remote_network_get_xml_desc_args *args,
                               remote_network_get_xml_desc_ret *ret,
                               GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, VIR_NETWORK_XML_INACTIVE,
                               "virNetworkGetXMLDesc", error))
        return false;
    ret->xml =
        shoalClusterObjectGetXML(CLUSTER(client), NET, NET_UUID(args->net),
                                 (args->flags & VIR_NETWORK_XML_INACTIVE) != 0,
                                 error);
    return ret->xml != NULL;
}

bool
shoalDispatchNetworkGetBridgeName(
    shoalDriverClient *client,
    const remote_network_get_bridge_name_args *args,
    remote_network_get_bridge_name_ret *ret,
    GError **error)
{
    ret->name = shoalClusterNetworkGetBridgeName(CLUSTER(client),
                                                 NET_UUID(args->net), error);
    return ret->name != NULL;
}

bool
shoalDispatchNetworkLookupByName(shoalDriverClient *client,
                                 const remote_network_lookup_by_name_args *args,
                                 remote_network_lookup_by_name_ret *ret,
                                 GError **error)
{
    return networkFillFound(&ret->net,
                            shoalClusterObjectLookupByName(CLUSTER(client), NET,
                                                           args->name, error));
}

bool
shoalDispatchNetworkLookupByUuid(shoalDriverClient *client,
                                 const remote_network_lookup_by_uuid_args *args,
                                 remote_network_lookup_by_uuid_ret *ret,
                                 GError **error)
{
    return networkFillFound(&ret->net,
                            shoalClusterObjectLookupByUUID(CLUSTER(client), NET,
                                                           (const unsigned char
                                                                *) args->uuid,
                                                           error));
}

bool
shoalDispatchNetworkGetAutostart(shoalDriverClient *client,
                                 const remote_network_get_autostart_args *args,
                                 remote_network_get_autostart_ret *ret,
                                 GError **error)
{
    bool autostart = false;

    if (!shoalClusterObjectGetState(CLUSTER(client), NET, NET_UUID(args->net),
                                    NULL, &autostart, error))
        return false;
    ret->autostart = autostart;
    return true;
}

bool
shoalDispatchNetworkSetAutostart(shoalDriverClient *client,
                                 const remote_network_set_autostart_args *args,
                                 void *ret,
                                 GError **error)
{
    return shoalClusterObjectSetAutostart(CLUSTER(client), NET,
                                          NET_UUID(args->net),
                                          args->autostart != 0, error);
}

bool
shoalDispatchNetworkIsActive(shoalDriverClient *client,
                             const remote_network_is_active_args *args,
                             remote_network_is_active_ret *ret,
                             GError **error)
{
    bool active = false;

    if (!shoalClusterObjectGetState(CLUSTER(client), NET, NET_UUID(args->net),
                                    &active, NULL, error))
        return false;
    ret->active = active;
    return true;
}

bool
shoalDispatchNetworkIsPersistent(shoalDriverClient *client,
                                 const remote_network_is_persistent_args *args,
                                 remote_network_is_persistent_ret *ret,
                                 GError **error)
{
    /* cluster networks are always defined, never transient */
    if (!shoalClusterObjectGetState(CLUSTER(client), NET, NET_UUID(args->net),
                                    NULL, NULL, error))
        return false;
    ret->persistent = 1;
    return true;
}

static remote_string
networkOptString(const char *str)
{
    remote_string out;

    if (!str)
        return NULL;
    out = g_new0(remote_nonnull_string, 1);
    *out = g_strdup(str);
    return out;
}

/* Every host's leases; the lease's iface names its host: "h1/virbr1". */
bool
shoalDispatchNetworkGetDhcpLeases(
    shoalDriverClient *client,
    const remote_network_get_dhcp_leases_args *args,
    remote_network_get_dhcp_leases_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) leases = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, 0, "virNetworkGetDHCPLeases",
                               error))
        return false;
    leases =
        shoalClusterNetworkGetDHCPLeases(CLUSTER(client), NET_UUID(args->net),
                                         args->mac ? *args->mac : NULL,
                                         args->flags, error);
    if (!leases)
        return false;
    if (leases->len > REMOTE_NETWORK_DHCP_LEASES_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("Number of leases is %1$d, which exceeds max limit: %2$d"),
                    leases->len, REMOTE_NETWORK_DHCP_LEASES_MAX);
        return false;
    }
    if (args->need_results) {
        ret->leases.leases_len = leases->len;
        ret->leases.leases_val =
            g_new0(remote_network_dhcp_lease, MAX(leases->len, 1));
        for (i = 0; i < leases->len; i++) {
            const virNetworkDHCPLease *l = leases->pdata[i];
            remote_network_dhcp_lease *out = &ret->leases.leases_val[i];

            out->iface = g_strdup(l->iface);
            out->expirytime = l->expirytime;
            out->type = l->type;
            out->mac = networkOptString(l->mac);
            out->iaid = networkOptString(l->iaid);
            out->ipaddr = g_strdup(l->ipaddr ? l->ipaddr : "");
            out->prefix = l->prefix;
            out->hostname = networkOptString(l->hostname);
            out->clientid = networkOptString(l->clientid);
        }
    }
    ret->ret = leases->len;
    return true;
}

bool
shoalDispatchNetworkUpdate(shoalDriverClient *client,
                           const remote_network_update_args *args,
                           void *ret,
                           GError **error)
{
    /* libvirt's client sends the section in the field named command and
     * the command in section (its driver callback takes them in that
     * order); the flags (live, config) are each host's to judge */
    return shoalClusterNetworkUpdate(CLUSTER(client), NET_UUID(args->net),
                                     args->section, args->command,
                                     args->parentIndex, args->xml, args->flags,
                                     error);
}
