/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node calls with cluster meaning: the wire side of cluster_node.c, with
 * the limits libvirt's own server checks.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "util_error.h"

/* An optional string argument, NULL when the client sent none. */
#define NODE_OPT(s) ((s) ? *(s) : NULL)

static bool
nodeCheckCount(int n, int max, GError **error)
{
    if (n < 0 || n > max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC, _("nparams too large"));
        return false;
    }
    return true;
}

/* The two statistics replies are the same pair of field and value. */
G_STATIC_ASSERT(sizeof(remote_node_get_cpu_stats) ==
                sizeof(remote_node_get_memory_stats));

/*
 * Both statistics calls: @num is a CPU (@cpus) or a cell; nparams 0 asks
 * how many fields there are, which comes back in *@outN alone.
 */
static bool
nodeGetStats(shoalDriverClient *client,
             bool cpus,
             int num,
             int nparams,
             unsigned flags,
             u_int *outLen,
             remote_node_get_cpu_stats **outVal,
             int *outN,
             GError **error)
{
    shoalCluster *cluster = shoalDriverClientGetCluster(client);
    g_autofree virNodeCPUStats *params = NULL;
    int n = nparams;
    int i;

    if (!nodeCheckCount(nparams,
                        cpus ? REMOTE_NODE_CPU_STATS_MAX
                             : REMOTE_NODE_MEMORY_STATS_MAX,
                        error))
        return false;
    params = g_new0(virNodeCPUStats, MAX(nparams, 1));
    if (cpus ? !shoalClusterNodeGetCPUStats(cluster, num, params, &n, flags,
                                            error)
             : !shoalClusterNodeGetMemoryStats(cluster, num,
                                               (virNodeMemoryStats *) params,
                                               &n, flags, error))
        return false;
    *outN = n;
    if (nparams == 0)
        return true;
    *outLen = n;
    *outVal = g_new0(remote_node_get_cpu_stats, n);
    for (i = 0; i < n; i++) {
        (*outVal)[i].field = g_strdup(params[i].field);
        (*outVal)[i].value = params[i].value;
    }
    return true;
}

bool
shoalDispatchNodeGetCpuStats(shoalDriverClient *client,
                             const remote_node_get_cpu_stats_args *args,
                             remote_node_get_cpu_stats_ret *ret,
                             GError **error)
{
    return nodeGetStats(client, true, args->cpuNum, args->nparams, args->flags,
                        &ret->params.params_len, &ret->params.params_val,
                        &ret->nparams, error);
}

bool
shoalDispatchNodeGetMemoryStats(shoalDriverClient *client,
                                const remote_node_get_memory_stats_args *args,
                                remote_node_get_memory_stats_ret *ret,
                                GError **error)
{
    return nodeGetStats(client, false, args->cellNum, args->nparams,
                        args->flags, &ret->params.params_len,
                        (remote_node_get_cpu_stats **) &ret->params.params_val,
                        &ret->nparams, error);
}

bool
shoalDispatchNodeGetCellsFreeMemory(
    shoalDriverClient *client,
    const remote_node_get_cells_free_memory_args *args,
    remote_node_get_cells_free_memory_ret *ret,
    GError **error)
{
    g_autofree unsigned long long *cells = NULL;
    int n;

    if (args->maxcells > REMOTE_NODE_MAX_CELLS) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("maxCells > REMOTE_NODE_MAX_CELLS"));
        return false;
    }
    cells = g_new0(unsigned long long, MAX(args->maxcells, 1));
    n = shoalClusterNodeGetCellsFreeMemory(shoalDriverClientGetCluster(client),
                                           cells, args->startCell,
                                           args->maxcells, error);
    if (n < 0)
        return false;
    ret->cells.cells_len = n;
    ret->cells.cells_val = (u_quad_t *) g_steal_pointer(&cells);
    return true;
}

bool
shoalDispatchNodeGetFreeMemory(shoalDriverClient *client,
                               const void *args,
                               remote_node_get_free_memory_ret *ret,
                               GError **error)
{
    unsigned long long freeMem = 0;

    if (!shoalClusterNodeGetFreeMemory(shoalDriverClientGetCluster(client),
                                       &freeMem, error))
        return false;
    ret->freeMem = freeMem;
    return true;
}

bool
shoalDispatchNodeGetCpuMap(shoalDriverClient *client,
                           const remote_node_get_cpu_map_args *args,
                           remote_node_get_cpu_map_ret *ret,
                           GError **error)
{
    g_autofree unsigned char *cpumap = NULL;
    unsigned online = 0;
    int n = shoalClusterNodeGetCPUMap(shoalDriverClientGetCluster(client),
                                      args->need_map ? &cpumap : NULL, &online,
                                      args->flags, error);

    if (n < 0)
        return false;
    if (args->need_map) {
        if (VIR_CPU_MAPLEN(n) > REMOTE_CPUMAP_MAX) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                        _("too many CPUs in the cluster for one CPU map: %1$d"),
                        n);
            return false;
        }
        ret->cpumap.cpumap_len = VIR_CPU_MAPLEN(n);
        ret->cpumap.cpumap_val = (char *) g_steal_pointer(&cpumap);
    }
    if (args->need_online)
        ret->online = online;
    ret->ret = n;
    return true;
}

bool
shoalDispatchConnectGetDomainCapabilities(
    shoalDriverClient *client,
    const remote_connect_get_domain_capabilities_args *args,
    remote_connect_get_domain_capabilities_ret *ret,
    GError **error)
{
    ret->capabilities =
        shoalClusterGetDomainCapabilities(shoalDriverClientGetCluster(client),
                                          NODE_OPT(args->emulatorbin),
                                          NODE_OPT(args->arch),
                                          NODE_OPT(args->machine),
                                          NODE_OPT(args->virttype), args->flags,
                                          error);
    return ret->capabilities != NULL;
}

bool
shoalDispatchConnectGetCpuModelNames(
    shoalDriverClient *client,
    const remote_connect_get_cpu_model_names_args *args,
    remote_connect_get_cpu_model_names_ret *ret,
    GError **error)
{
    g_auto(GStrv) models = NULL;
    int n = shoalClusterGetCPUModelNames(shoalDriverClientGetCluster(client),
                                         args->arch,
                                         args->need_results ? &models : NULL,
                                         args->flags, error);

    if (n < 0)
        return false;
    if (n > REMOTE_CONNECT_CPU_MODELS_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many CPU models '%1$d' for limit '%2$d'"), n,
                    REMOTE_CONNECT_CPU_MODELS_MAX);
        return false;
    }
    if (models) {
        ret->models.models_len = n;
        ret->models.models_val = g_steal_pointer(&models);
    }
    ret->ret = n;
    return true;
}

bool
shoalDispatchConnectCompareHypervisorCpu(
    shoalDriverClient *client,
    const remote_connect_compare_hypervisor_cpu_args *args,
    remote_connect_compare_hypervisor_cpu_ret *ret,
    GError **error)
{
    int r =
        shoalClusterCompareHypervisorCPU(shoalDriverClientGetCluster(client),
                                         NODE_OPT(args->emulator),
                                         NODE_OPT(args->arch),
                                         NODE_OPT(args->machine),
                                         NODE_OPT(args->virttype), args->xmlCPU,
                                         args->flags, error);

    if (r == VIR_CPU_COMPARE_ERROR)
        return false;
    ret->result = r;
    return true;
}

bool
shoalDispatchConnectBaselineHypervisorCpu(
    shoalDriverClient *client,
    const remote_connect_baseline_hypervisor_cpu_args *args,
    remote_connect_baseline_hypervisor_cpu_ret *ret,
    GError **error)
{
    ret->cpu =
        shoalClusterBaselineHypervisorCPU(shoalDriverClientGetCluster(client),
                                          NODE_OPT(args->emulator),
                                          NODE_OPT(args->arch),
                                          NODE_OPT(args->machine),
                                          NODE_OPT(args->virttype),
                                          (const char *const *)
                                              args->xmlCPUs.xmlCPUs_val,
                                          args->xmlCPUs.xmlCPUs_len,
                                          args->flags, error);
    return ret->cpu != NULL;
}
