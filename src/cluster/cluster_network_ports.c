/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cluster network's ports: each host makes its own when a domain's
 * interface is plugged there, so a port lives on one host. A port is
 * found by its UUID on the hosts that have the network, and every call
 * on it goes to that host; a new port goes to the host of the domain
 * that owns it.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_error.h"
#include "util_uuid.h"

typedef enum {
    PORT_OP_LOOKUP = 0,
    PORT_OP_GET_XML,
    PORT_OP_DELETE,
    PORT_OP_GET_PARAMETERS,
    PORT_OP_SET_PARAMETERS,
} portOp;

/* One call on a port, on whichever host has it. */
typedef struct {
    const unsigned char *uuid;
    portOp op;
    unsigned flags;
    virTypedParameterPtr params; /* set: borrowed; get: (out) */
    int nparams;
    char *xml; /* (out) */
    bool found;
} portRun;

static int
portRunOne(virNetworkPortPtr port, portRun *run)
{
    char *xml;

    switch (run->op) {
    case PORT_OP_LOOKUP:
        return 0;
    case PORT_OP_GET_XML:
        if (!(xml = virNetworkPortGetXMLDesc(port, run->flags)))
            return -1;
        run->xml = g_strdup(xml);
        free(xml);
        return 0;
    case PORT_OP_DELETE:
        return virNetworkPortDelete(port, run->flags);
    case PORT_OP_GET_PARAMETERS:
        return virNetworkPortGetParameters(port, &run->params, &run->nparams,
                                           run->flags);
    case PORT_OP_SET_PARAMETERS:
        return virNetworkPortSetParameters(port, run->params, run->nparams,
                                           run->flags);
    }
    return -1;
}

static int
portOne(void *net, const char *hostName, gpointer opaque)
{
    portRun *run = opaque;
    virNetworkPortPtr port;
    int rc;

    if (run->found)
        return 0;
    if (!(port = virNetworkPortLookupByUUID(net, run->uuid))) {
        virResetLastError(); /* not on this host */
        return 0;
    }
    run->found = true;
    rc = portRunOne(port, run);
    virNetworkPortFree(port);
    return rc;
}

static bool
portCall(shoalCluster *cluster,
         const unsigned char *netUUID,
         portRun *run,
         GError **error)
{
    char str[VIR_UUID_STRING_BUFLEN];

    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_NETWORK, netUUID, true,
                               portOne, run, NULL, error) < 0)
        return false;
    if (!run->found) {
        shoalUUIDFormat(run->uuid, str);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NETWORK_PORT,
                    _("Network port not found: no network port with matching uuid '%1$s'"),
                    str);
        return false;
    }
    return true;
}

bool
shoalClusterNetworkPortLookup(shoalCluster *cluster,
                              const unsigned char *netUUID,
                              const unsigned char *portUUID,
                              GError **error)
{
    portRun run = { .uuid = portUUID, .op = PORT_OP_LOOKUP };

    return portCall(cluster, netUUID, &run, error);
}

/* Returns: (transfer full): the port's XML, as its host gives it. */
char *
shoalClusterNetworkPortGetXML(shoalCluster *cluster,
                              const unsigned char *netUUID,
                              const unsigned char *portUUID,
                              unsigned flags,
                              GError **error)
{
    portRun run = { .uuid = portUUID, .op = PORT_OP_GET_XML, .flags = flags };

    if (!portCall(cluster, netUUID, &run, error))
        return NULL;
    return run.xml;
}

bool
shoalClusterNetworkPortDelete(shoalCluster *cluster,
                              const unsigned char *netUUID,
                              const unsigned char *portUUID,
                              unsigned flags,
                              GError **error)
{
    portRun run = { .uuid = portUUID, .op = PORT_OP_DELETE, .flags = flags };

    return portCall(cluster, netUUID, &run, error);
}

/**
 * shoalClusterNetworkPortGetParameters:
 * @params: (out) (transfer full): free with virTypedParamsFree()
 */
bool
shoalClusterNetworkPortGetParameters(shoalCluster *cluster,
                                     const unsigned char *netUUID,
                                     const unsigned char *portUUID,
                                     virTypedParameterPtr *params,
                                     int *nparams,
                                     unsigned flags,
                                     GError **error)
{
    portRun run = { .uuid = portUUID,
                    .op = PORT_OP_GET_PARAMETERS,
                    .flags = flags };

    if (!portCall(cluster, netUUID, &run, error))
        return false;
    *params = run.params;
    *nparams = run.nparams;
    return true;
}

bool
shoalClusterNetworkPortSetParameters(shoalCluster *cluster,
                                     const unsigned char *netUUID,
                                     const unsigned char *portUUID,
                                     virTypedParameterPtr params,
                                     int nparams,
                                     unsigned flags,
                                     GError **error)
{
    portRun run = { .uuid = portUUID,
                    .op = PORT_OP_SET_PARAMETERS,
                    .flags = flags,
                    .params = params,
                    .nparams = nparams };

    return portCall(cluster, netUUID, &run, error);
}

typedef struct {
    GPtrArray *uuids; /* GBytes */
    unsigned flags;
} portListRun;

static int
portListOne(void *net, const char *hostName, gpointer opaque)
{
    portListRun *run = opaque;
    virNetworkPortPtr *ports = NULL;
    int n = virNetworkListAllPorts(net, &ports, run->flags);
    int i;

    for (i = 0; i < n; i++) {
        unsigned char uuid[VIR_UUID_BUFLEN];

        if (virNetworkPortGetUUID(ports[i], uuid) == 0)
            g_ptr_array_add(run->uuids, g_bytes_new(uuid, VIR_UUID_BUFLEN));
        virNetworkPortFree(ports[i]);
    }
    free(ports);
    return n;
}

/**
 * shoalClusterNetworkListPorts:
 * Returns: (transfer full): the UUIDs (GBytes) of the ports of every
 *   online host that has the network.
 */
GPtrArray *
shoalClusterNetworkListPorts(shoalCluster *cluster,
                             const unsigned char *netUUID,
                             unsigned flags,
                             GError **error)
{
    g_autoptr(GPtrArray) uuids =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    portListRun run = { uuids, flags };

    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_NETWORK, netUUID, true,
                               portListOne, &run, NULL, error) < 0)
        return NULL;
    return g_steal_pointer(&uuids);
}

/**
 * shoalClusterNetworkPortCreate:
 * @portUUID: (out): the new port's UUID
 *
 * Creates the port on the host of the domain that owns it (the
 * <owner> of @xml): a port is plugged where its domain runs.
 */
bool
shoalClusterNetworkPortCreate(shoalCluster *cluster,
                              const unsigned char *netUUID,
                              const char *xml,
                              unsigned flags,
                              unsigned char *portUUID,
                              GError **error)
{
    g_autofree char *owner =
        shoalClusterObjectXMLString(xml, "string(/networkport/owner/uuid)");
    unsigned char domUUID[VIR_UUID_BUFLEN];
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) host = NULL;
    virConnectPtr conn;
    virNetworkPtr net = NULL;
    virNetworkPortPtr port = NULL;
    bool ok = false;

    if (!owner || !shoalUUIDParse(owner, domUUID)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: a network port needs its owner's <uuid>: Shoal creates it on the host of that domain"));
        return false;
    }
    if (!(entry =
              shoalInventoryLookupByUUID(cluster->inventory, domUUID, error)) ||
        !(host = shoalClusterLookupHost(cluster, entry->hostName, error)) ||
        !(conn = shoalHostGetConnection(host, error)))
        return false;
    if ((net = virNetworkLookupByUUID(conn, netUUID)) &&
        (port = virNetworkPortCreateXML(net, xml, flags)) &&
        virNetworkPortGetUUID(port, portUUID) == 0)
        ok = true;
    else
        shoalClusterObjectHostError(error, entry->hostName);
    if (port)
        virNetworkPortFree(port);
    if (net)
        virNetworkFree(net);
    virConnectClose(conn);
    return ok;
}
