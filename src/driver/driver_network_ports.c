/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A network's ports, each on the host where it was plugged: one cluster
 * call per procedure. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "driver_params.h"
#include "util_error.h"

#define CLUSTER(client) shoalDriverClientGetCluster(client)
#define NET_UUID(n) ((const unsigned char *) (n).uuid)
#define PORT_UUID(p) ((const unsigned char *) (p).uuid)

static void
portFill(remote_nonnull_network_port *out,
         const remote_nonnull_network *net,
         const unsigned char *uuid)
{
    out->net.name = g_strdup(net->name);
    memcpy(out->net.uuid, net->uuid, VIR_UUID_BUFLEN);
    memcpy(out->uuid, uuid, VIR_UUID_BUFLEN);
}

bool
shoalDispatchNetworkListAllPorts(shoalDriverClient *client,
                                 const remote_network_list_all_ports_args *args,
                                 remote_network_list_all_ports_ret *ret,
                                 GError **error)
{
    g_autoptr(GPtrArray) uuids = NULL;
    guint i;

    uuids =
        shoalClusterNetworkListPorts(CLUSTER(client), NET_UUID(args->network),
                                     args->flags, error);
    if (!uuids)
        return false;
    if (args->need_results) {
        ret->ports.ports_len = uuids->len;
        ret->ports.ports_val =
            g_new0(remote_nonnull_network_port, MAX(uuids->len, 1));
        for (i = 0; i < uuids->len; i++)
            portFill(&ret->ports.ports_val[i], &args->network,
                     g_bytes_get_data(uuids->pdata[i], NULL));
    }
    ret->ret = uuids->len;
    return true;
}

bool
shoalDispatchNetworkPortLookupByUuid(
    shoalDriverClient *client,
    const remote_network_port_lookup_by_uuid_args *args,
    remote_network_port_lookup_by_uuid_ret *ret,
    GError **error)
{
    const unsigned char *uuid = (const unsigned char *) args->uuid;

    if (!shoalClusterNetworkPortLookup(CLUSTER(client), NET_UUID(args->network),
                                       uuid, error))
        return false;
    portFill(&ret->port, &args->network, uuid);
    return true;
}

bool
shoalDispatchNetworkPortCreateXml(
    shoalDriverClient *client,
    const remote_network_port_create_xml_args *args,
    remote_network_port_create_xml_ret *ret,
    GError **error)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (!shoalClusterNetworkPortCreate(CLUSTER(client), NET_UUID(args->network),
                                       args->xml, args->flags, uuid, error))
        return false;
    portFill(&ret->port, &args->network, uuid);
    return true;
}

bool
shoalDispatchNetworkPortGetXmlDesc(
    shoalDriverClient *client,
    const remote_network_port_get_xml_desc_args *args,
    remote_network_port_get_xml_desc_ret *ret,
    GError **error)
{
    ret->xml =
        shoalClusterNetworkPortGetXML(CLUSTER(client), NET_UUID(args->port.net),
                                      PORT_UUID(args->port), args->flags,
                                      error);
    return ret->xml != NULL;
}

bool
shoalDispatchNetworkPortDelete(shoalDriverClient *client,
                               const remote_network_port_delete_args *args,
                               void *ret,
                               GError **error)
{
    return shoalClusterNetworkPortDelete(CLUSTER(client),
                                         NET_UUID(args->port.net),
                                         PORT_UUID(args->port), args->flags,
                                         error);
}

bool
shoalDispatchNetworkPortGetParameters(
    shoalDriverClient *client,
    const remote_network_port_get_parameters_args *args,
    remote_network_port_get_parameters_ret *ret,
    GError **error)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;

    if (!shoalClusterNetworkPortGetParameters(CLUSTER(client),
                                              NET_UUID(args->port.net),
                                              PORT_UUID(args->port), &params,
                                              &nparams, args->flags, error))
        return false;
    shoalDriverParamsFromLibvirt(params, nparams, args->flags,
                                 &ret->params.params_val,
                                 &ret->params.params_len);
    ret->nparams = ret->params.params_len;
    virTypedParamsFree(params, nparams);
    return true;
}

bool
shoalDispatchNetworkPortSetParameters(
    shoalDriverClient *client,
    const remote_network_port_set_parameters_args *args,
    void *ret,
    GError **error)
{
    virTypedParameter *params = NULL;
    bool ok;

    if (args->params.params_len > REMOTE_NETWORK_PORT_PARAMETERS_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many parameters '%1$u' for limit '%2$d'"),
                    args->params.params_len,
                    REMOTE_NETWORK_PORT_PARAMETERS_MAX);
        return false;
    }
    params = shoalDriverParamsToLibvirt(args->params.params_val,
                                        args->params.params_len, error);
    if (!params)
        return false;
    ok = shoalClusterNetworkPortSetParameters(CLUSTER(client),
                                              NET_UUID(args->port.net),
                                              PORT_UUID(args->port), params,
                                              args->params.params_len,
                                              args->flags, error);
    shoalDriverParamsFreeLibvirt(params, args->params.params_len);
    return ok;
}
