/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handlers for the connection and the cluster as one node. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_dropin.h"
#include "driver_flags.h"
#include "driver_server.h"
#include "util_error.h"

#define SHOAL_URI "shoal:///system"

/* libvirt's virDrvFeature numbers a client asks about */
enum {
    FEATURE_MIGRATION_P2P = 4,
    FEATURE_TYPED_PARAM_STRING = 9,
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_MIGRATION_PARAMS = 13,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
};

bool
shoalDispatchAuthList(shoalDriverClient *client,
                      const void *args,
                      remote_auth_list_ret *ret,
                      GError **error)
{
    /* access is decided by the socket and its peer credentials */
    ret->types.types_len = 1;
    ret->types.types_val = g_new0(remote_auth_type, 1);
    ret->types.types_val[0] = REMOTE_AUTH_NONE;
    return true;
}

bool
shoalDispatchConnectSupportsFeature(
    shoalDriverClient *client,
    const remote_connect_supports_feature_args *args,
    remote_connect_supports_feature_ret *ret,
    GError **error)
{
    switch (args->feature) {
    case FEATURE_PROGRAM_KEEPALIVE:
        shoalDriverClientSetKeepalive(client);
        ret->supported = 1;
        break;
    case FEATURE_MIGRATION_P2P:
    case FEATURE_MIGRATION_PARAMS:
    case FEATURE_TYPED_PARAM_STRING:
    case FEATURE_REMOTE_EVENT_CALLBACK:
    case FEATURE_REMOTE_CLOSE_CALLBACK:
        ret->supported = 1;
        break;
    default:
        ret->supported = 0;
        break;
    }
    return true;
}

/* Which names this daemon serves: ours, or none (the server picks). */
static bool
connectNameIsOurs(const char *name)
{
    g_autoptr(GUri) uri = NULL;
    const char *host;

    if (!name || !*name)
        return true;
    uri = g_uri_parse(name, G_URI_FLAGS_NONE, NULL);
    if (!uri)
        return false;
    host = g_uri_get_host(uri);
    return g_strcmp0(g_uri_get_scheme(uri), "shoal") == 0 &&
           (!host || !*host) && g_strcmp0(g_uri_get_path(uri), "/system") == 0;
}

bool
shoalDispatchConnectOpen(shoalDriverClient *client,
                         const remote_connect_open_args *args,
                         void *ret,
                         GError **error)
{
    const char *name = args->name ? *args->name : NULL;
    bool asQemu =
        client->server->config.dropin && shoalDriverDropinNameIsOurs(name);

    if (!shoalDriverCheckFlags(args->flags, SHOAL_CONNECT_OPEN_FLAGS,
                               "virConnectOpen", error))
        return false;
    if (!asQemu && !connectNameIsOurs(name)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_CONNECT,
                    _("no connection driver available for %1$s (this daemon serves shoal:///system)"),
                    name);
        return false;
    }
    if (asQemu)
        shoalDriverClientSetQemu(client);
    shoalDriverClientSetOpen(client, true, args->flags & VIR_CONNECT_RO);
    return true;
}

bool
shoalDispatchConnectClose(shoalDriverClient *client,
                          const void *args,
                          void *ret,
                          GError **error)
{
    shoalDriverClientSetOpen(client, false, false);
    return true;
}

/* The close callback is a client-side notion; the RPCs only acknowledge. */
bool
shoalDispatchConnectRegisterCloseCallback(shoalDriverClient *client,
                                          const void *args,
                                          void *ret,
                                          GError **error)
{
    return true;
}

bool
shoalDispatchConnectUnregisterCloseCallback(shoalDriverClient *client,
                                            const void *args,
                                            void *ret,
                                            GError **error)
{
    return true;
}

bool
shoalDispatchConnectGetType(shoalDriverClient *client,
                            const void *args,
                            remote_connect_get_type_ret *ret,
                            GError **error)
{
    if (shoalDriverClientIsQemu(client))
        ret->type = g_strdup(SHOAL_DROPIN_TYPE);
    else
        ret->type =
            g_strdup(shoalClusterGetType(shoalDriverClientGetCluster(client)));
    return true;
}

bool
shoalDispatchConnectGetVersion(shoalDriverClient *client,
                               const void *args,
                               remote_connect_get_version_ret *ret,
                               GError **error)
{
    ret->hv_ver = shoalClusterGetVersion(shoalDriverClientGetCluster(client));
    return true;
}

bool
shoalDispatchConnectGetLibVersion(shoalDriverClient *client,
                                  const void *args,
                                  remote_connect_get_lib_version_ret *ret,
                                  GError **error)
{
    ret->lib_ver =
        shoalClusterGetLibVersion(shoalDriverClientGetCluster(client));
    return true;
}

bool
shoalDispatchConnectGetHostname(shoalDriverClient *client,
                                const void *args,
                                remote_connect_get_hostname_ret *ret,
                                GError **error)
{
    ret->hostname =
        shoalClusterGetHostname(shoalDriverClientGetCluster(client), error);
    return ret->hostname != NULL;
}

bool
shoalDispatchConnectGetUri(shoalDriverClient *client,
                           const void *args,
                           remote_connect_get_uri_ret *ret,
                           GError **error)
{
    ret->uri = g_strdup(shoalDriverClientIsQemu(client) ? SHOAL_DROPIN_URI
                                                        : SHOAL_URI);
    return true;
}

bool
shoalDispatchConnectIsSecure(shoalDriverClient *client,
                             const void *args,
                             remote_connect_is_secure_ret *ret,
                             GError **error)
{
    /* only local UNIX sockets, or SSH tunnels into them */
    ret->secure = 1;
    return true;
}

bool
shoalDispatchConnectGetCapabilities(shoalDriverClient *client,
                                    const void *args,
                                    remote_connect_get_capabilities_ret *ret,
                                    GError **error)
{
    ret->capabilities =
        shoalClusterGetCapabilities(shoalDriverClientGetCluster(client), error);
    return ret->capabilities != NULL;
}

bool
shoalDispatchConnectGetSysinfo(shoalDriverClient *client,
                               const remote_connect_get_sysinfo_args *args,
                               remote_connect_get_sysinfo_ret *ret,
                               GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virConnectGetSysinfo", error))
        return false;
    ret->sysinfo = shoalClusterGetSysinfo(shoalDriverClientGetCluster(client),
                                          args->flags, error);
    return ret->sysinfo != NULL;
}

bool
shoalDispatchConnectGetMaxVcpus(shoalDriverClient *client,
                                const remote_connect_get_max_vcpus_args *args,
                                remote_connect_get_max_vcpus_ret *ret,
                                GError **error)
{
    int n = shoalClusterGetMaxVcpus(shoalDriverClientGetCluster(client),
                                    args->type ? *args->type : NULL, error);

    if (n < 0)
        return false;
    ret->max_vcpus = n;
    return true;
}

bool
shoalDispatchNodeGetInfo(shoalDriverClient *client,
                         const void *args,
                         remote_node_get_info_ret *ret,
                         GError **error)
{
    virNodeInfo info = { 0 };

    if (!shoalClusterGetNodeInfo(shoalDriverClientGetCluster(client), &info,
                                 error))
        return false;
    memcpy(ret->model, info.model, MIN(sizeof(ret->model), sizeof(info.model)));
    ret->memory = info.memory;
    ret->cpus = info.cpus;
    ret->mhz = info.mhz;
    ret->nodes = info.nodes;
    ret->sockets = info.sockets;
    ret->cores = info.cores;
    ret->threads = info.threads;
    return true;
}

/* libvirt counts the trailing NUL in these char arrays */
static void
connectSetCharArray(const char *s, u_int *len, char **val)
{
    *len = strlen(s) + 1;
    *val = g_strdup(s);
}

bool
shoalDispatchNodeGetSecurityModel(shoalDriverClient *client,
                                  const void *args,
                                  remote_node_get_security_model_ret *ret,
                                  GError **error)
{
    /* member hosts may differ; Shoal itself applies no security model */
    connectSetCharArray("none", &ret->model.model_len, &ret->model.model_val);
    connectSetCharArray("0", &ret->doi.doi_len, &ret->doi.doi_val);
    return true;
}
