/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a network adds to a cluster object: only a network a domain can
 * take to every host is a cluster network.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "cluster_internal.h"
#include "util_cleanup.h"
#include "util_error.h"

/* Shoal's attribute on <network>: shoal:scope='host-local'. */
#define NETWORK_NS "http://shoal.example.org/xmlns/network/1"

/* Forward modes that attach to a host device of the same name on every
 * host: the L2 segment is the same wherever the domain runs. */
static const char *const networkClusterModes[] = {
    "bridge", "passthrough", "private", "vepa", "hostdev", NULL,
};

static char *
networkXPathString(xmlXPathContext *ctxt, const char *expr)
{
    g_autoptr(xmlXPathObject) res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);

    if (!res || res->type != XPATH_STRING || !res->stringval)
        return g_strdup("");
    return g_strdup((const char *) res->stringval);
}

/**
 * shoalClusterNetworkCheck:
 * @xml: a network definition a client gave
 *
 * A NAT, routed, open or isolated network gives every host its own
 * subnet, so a migrated domain would change segment: refused unless
 * marked host-local (shoal:scope='host-local' on <network>, in the
 * namespace NETWORK_NS). Anything else is the hosts' to judge.
 */
bool
shoalClusterNetworkCheck(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *mode = NULL;
    g_autofree char *scope = NULL;
    g_autofree char *name = NULL;

    doc = xmlReadMemory(xml, strlen(xml), "network.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctxt = xmlXPathNewContext(doc)))
        return true; /* the host says what is wrong with it */
    xmlXPathRegisterNs(ctxt, BAD_CAST "s", BAD_CAST NETWORK_NS);
    mode = networkXPathString(ctxt, "string(/network/forward/@mode)");
    scope = networkXPathString(ctxt, "string(/network/@s:scope)");
    name = networkXPathString(ctxt, "string(/network/name)");
    if (g_str_equal(scope, "host-local") ||
        g_strv_contains(networkClusterModes, mode))
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                _("unsupported configuration: network '%1$s' with forward mode '%2$s' gives every host its own subnet; a cluster network must use <forward mode='bridge'> on a bridge every host has, or be marked host-local with shoal:scope='host-local' (xmlns:shoal='%3$s')"),
                name, *mode ? mode : "none", NETWORK_NS);
    return false;
}

static int
networkBridgeOne(void *net, const char *hostName, gpointer opaque)
{
    char **bridge = opaque;
    char *name = virNetworkGetBridgeName(net);

    if (!name)
        return -1;
    *bridge = g_strdup(name);
    free(name);
    return 0;
}

/* Returns: (transfer full): the bridge as a host that runs it names it. */
char *
shoalClusterNetworkGetBridgeName(shoalCluster *cluster,
                                 const unsigned char *uuid,
                                 GError **error)
{
    char *bridge = NULL;

    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_NETWORK, uuid, false,
                               networkBridgeOne, &bridge, NULL, error) < 0)
        return NULL;
    return bridge;
}

typedef struct {
    unsigned command;
    unsigned section;
    int parentIndex;
    const char *xml;
    unsigned flags;
} networkUpdateRun;

static int
networkUpdateOne(void *net, const char *hostName, gpointer opaque)
{
    const networkUpdateRun *run = opaque;

    return virNetworkUpdate(net, run->command, run->section, run->parentIndex,
                            run->xml, run->flags);
}

/**
 * shoalClusterNetworkUpdate:
 *
 * virNetworkUpdate() on every online host that has the network; the
 * stored definition follows (see shoalClusterObjectUpdate()).
 */
bool
shoalClusterNetworkUpdate(shoalCluster *cluster,
                          const unsigned char *uuid,
                          unsigned command,
                          unsigned section,
                          int parentIndex,
                          const char *xml,
                          unsigned flags,
                          GError **error)
{
    networkUpdateRun run = { command, section, parentIndex, xml, flags };

    return shoalClusterObjectUpdate(cluster, SHOAL_OBJECT_NETWORK, uuid,
                                    networkUpdateOne, &run, error);
}
