/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Node calls with cluster meaning. The cluster is one node whose NUMA
 * cells and CPUs are its online hosts' in host name order, as in
 * shoalClusterGetNodeInfo(): sums where a call asks for the whole node,
 * the one host that holds it where a call names a cell or a CPU, and what
 * every host supports where a call asks what a guest may use.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_domcaps.h"
#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

/* One online host, as the node calls see it. */
typedef struct {
    shoalHost *host;    /* a reference */
    virConnectPtr conn; /* a reference */
    unsigned cells;     /* NUMA cells, at least one */
    unsigned cpus;
} nodeMember;

static void
nodeMemberFree(nodeMember *m)
{
    virConnectClose(m->conn);
    shoalHostUnref(m->host);
    g_free(m);
}

/* The online hosts in host name order, each with its connection. */
static GPtrArray *
nodeListMembers(shoalCluster *cluster, GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(GPtrArray) members =
        g_ptr_array_new_with_free_func((GDestroyNotify) nodeMemberFree);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        g_autoptr(shoalHostFacts) facts = shoalHostCopyFacts(host);
        virConnectPtr conn;
        nodeMember *m;

        /* gone offline since it was listed: not part of the node now */
        if (!facts || !(conn = shoalHostGetConnection(host, NULL)))
            continue;
        m = g_new0(nodeMember, 1);
        m->host = shoalHostRef(host);
        m->conn = conn;
        m->cells = MAX(facts->nodeInfo.nodes, 1);
        m->cpus = facts->nodeInfo.cpus;
        g_ptr_array_add(members, m);
    }
    if (members->len == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: no member host is online"));
        return NULL;
    }
    return g_steal_pointer(&members);
}

/*
 * The member that holds cell (or CPU) @num of the cluster; @local gets
 * its number on that host. Returns: (transfer none) or NULL.
 */
static nodeMember *
nodeFindMember(GPtrArray *members, int num, bool cpus, int *local)
{
    unsigned offset = 0;
    guint i;

    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        unsigned count = cpus ? m->cpus : m->cells;

        if ((unsigned) num < offset + count) {
            *local = num - offset;
            return m;
        }
        offset += count;
    }
    return NULL;
}

/* virNodeCPUStats and virNodeMemoryStats are the same pair. */
G_STATIC_ASSERT(sizeof(virNodeCPUStats) == sizeof(virNodeMemoryStats));

typedef int (*nodeStatsFunc)(virConnectPtr conn,
                             int num,
                             virNodeCPUStatsPtr params,
                             int *nparams,
                             unsigned flags);

static int
nodeCPUStats(virConnectPtr conn,
             int num,
             virNodeCPUStatsPtr params,
             int *nparams,
             unsigned flags)
{
    return virNodeGetCPUStats(conn, num, params, nparams, flags);
}

static int
nodeMemoryStats(virConnectPtr conn,
                int num,
                virNodeCPUStatsPtr params,
                int *nparams,
                unsigned flags)
{
    return virNodeGetMemoryStats(conn, num, (virNodeMemoryStatsPtr) params,
                                 nparams, flags);
}

/* Adds @add to @sum, field by field; fields new to @sum are appended. */
static void
nodeStatsAdd(GArray *sum, const virNodeCPUStats *add, int n)
{
    int i;
    guint j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < sum->len; j++) {
            virNodeCPUStats *s = &g_array_index(sum, virNodeCPUStats, j);

            if (g_str_equal(s->field, add[i].field)) {
                s->value += add[i].value;
                break;
            }
        }
        if (j == sum->len)
            g_array_append_val(sum, add[i]);
    }
}

/*
 * libvirt's semantics for both statistics calls: *@nparams 0 asks how
 * many fields there are; @num -1 is the whole node (the hosts' sums),
 * any other number one cell or CPU, answered by the host that holds it.
 */
static bool
nodeGetStats(shoalCluster *cluster,
             nodeStatsFunc func,
             bool cpus,
             int num,
             virNodeCPUStats *params,
             int *nparams,
             unsigned flags,
             GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    g_autoptr(GArray) sum = NULL;
    nodeMember *m;
    guint i;
    int local;

    if (!members)
        return false;
    if (num >= 0) {
        if (!(m = nodeFindMember(members, num, cpus, &local))) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        cpus
                            ? _("invalid argument: no CPU %1$d in the cluster")
                            : _("invalid argument: no cell %1$d in the cluster"),
                        num);
            return false;
        }
        if (func(m->conn, local, params, nparams, flags) < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return false;
        }
        return true;
    }
    sum = g_array_new(FALSE, TRUE, sizeof(virNodeCPUStats));
    for (i = 0; i < members->len; i++) {
        g_autofree virNodeCPUStats *got = NULL;
        int n = *nparams;

        m = members->pdata[i];
        /* the host checks the count and the flags */
        if (n == 0 && func(m->conn, num, NULL, &n, flags) < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return false;
        }
        got = g_new0(virNodeCPUStats, MAX(n, 1));
        if (func(m->conn, num, got, &n, flags) < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return false;
        }
        nodeStatsAdd(sum, got, n);
    }
    if (*nparams == 0) {
        *nparams = sum->len;
        return true;
    }
    *nparams = MIN((guint) *nparams, sum->len);
    memcpy(params, sum->data, *nparams * sizeof(virNodeCPUStats));
    return true;
}

/**
 * shoalClusterNodeGetCPUStats:
 * @cpuNum: a CPU of the cluster, or VIR_NODE_CPU_STATS_ALL_CPUS
 * @params: room for *@nparams fields
 * @nparams: (inout): 0 asks for the number of fields
 *
 * As virNodeGetCPUStats() on the cluster: the online hosts' sums, or the
 * one CPU's figures from its host.
 */
bool
shoalClusterNodeGetCPUStats(shoalCluster *cluster,
                            int cpuNum,
                            virNodeCPUStatsPtr params,
                            int *nparams,
                            unsigned flags,
                            GError **error)
{
    return nodeGetStats(cluster, nodeCPUStats, true, cpuNum, params, nparams,
                        flags, error);
}

/**
 * shoalClusterNodeGetMemoryStats:
 * @cellNum: a cell of the cluster, or VIR_NODE_MEMORY_STATS_ALL_CELLS
 *
 * As virNodeGetMemoryStats() on the cluster, as
 * shoalClusterNodeGetCPUStats() does for CPUs.
 */
bool
shoalClusterNodeGetMemoryStats(shoalCluster *cluster,
                               int cellNum,
                               virNodeMemoryStatsPtr params,
                               int *nparams,
                               unsigned flags,
                               GError **error)
{
    return nodeGetStats(cluster, nodeMemoryStats, false, cellNum,
                        (virNodeCPUStats *) params, nparams, flags, error);
}

/**
 * shoalClusterNodeGetCellsFreeMemory:
 * @freeMems: room for @maxCells figures
 *
 * Free memory of cells @startCell on, each from the host that holds it.
 * Returns: the number of cells filled in, or -1 with @error.
 */
int
shoalClusterNodeGetCellsFreeMemory(shoalCluster *cluster,
                                   unsigned long long *freeMems,
                                   int startCell,
                                   int maxCells,
                                   GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    unsigned offset = 0;
    int filled = 0;
    guint i;

    if (!members)
        return -1;
    if (startCell < 0 || maxCells < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: start cell %1$d, %2$d cells"),
                    startCell, maxCells);
        return -1;
    }
    for (i = 0; i < members->len && filled < maxCells; i++) {
        nodeMember *m = members->pdata[i];
        int first = MAX(startCell + filled - (int) offset, 0);
        int want = MIN((int) m->cells - first, maxCells - filled);
        int got;

        offset += m->cells;
        if (first >= (int) m->cells || want <= 0)
            continue;
        got =
            virNodeGetCellsFreeMemory(m->conn, freeMems + filled, first, want);
        if (got < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return -1;
        }
        filled += got;
    }
    if (filled == 0 && maxCells > 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("start cell %1$d out of range (0-%2$d)"), startCell,
                    (int) offset - 1);
        return -1;
    }
    return filled;
}

/**
 * shoalClusterNodeGetFreeMemory:
 *
 * The free memory of every online host, in bytes, added up.
 */
bool
shoalClusterNodeGetFreeMemory(shoalCluster *cluster,
                              unsigned long long *freeMem,
                              GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    unsigned long long total = 0;
    guint i;

    if (!members)
        return false;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        unsigned long long n;

        /* 0 is both a figure and libvirt's failure: its error tells */
        virResetLastError();
        n = virNodeGetFreeMemory(m->conn);
        if (n == 0 && virGetLastError()) {
            shoalErrorFromLibvirt(error, m->host->name);
            return false;
        }
        total += n;
    }
    *freeMem = total;
    return true;
}

/**
 * shoalClusterNodeGetCPUMap:
 * @cpumap: (out) (optional): the hosts' maps one after another
 * @online: (out) (optional): online CPUs of all hosts
 *
 * Returns: the number of CPUs of the cluster, or -1 with @error.
 */
int
shoalClusterNodeGetCPUMap(shoalCluster *cluster,
                          unsigned char **cpumap,
                          unsigned *online,
                          unsigned flags,
                          GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    g_autoptr(GByteArray) map = g_byte_array_new();
    unsigned totalOnline = 0;
    int total = 0;
    guint i;

    if (!members)
        return -1;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        unsigned char *hostMap = NULL;
        unsigned hostOnline = 0;
        int n = virNodeGetCPUMap(m->conn, cpumap ? &hostMap : NULL, &hostOnline,
                                 flags);
        int cpu;

        if (n < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return -1;
        }
        if (VIR_CPU_MAPLEN(total + n) > (int) map->len) {
            guint old = map->len;

            g_byte_array_set_size(map, VIR_CPU_MAPLEN(total + n));
            memset(map->data + old, 0, map->len - old);
        }
        for (cpu = 0; hostMap && cpu < n; cpu++) {
            if (VIR_CPU_USED(hostMap, cpu))
                VIR_USE_CPU(map->data, total + cpu);
        }
        free(hostMap);
        total += n;
        totalOnline += hostOnline;
    }
    if (cpumap)
        *cpumap = g_byte_array_steal(map, NULL);
    if (online)
        *online = totalOnline;
    return total;
}

/**
 * shoalClusterGetDomainCapabilities:
 *
 * As virConnectGetDomainCapabilities(): what every online host supports.
 * Returns: (transfer full): the XML, or NULL with @error.
 */
char *
shoalClusterGetDomainCapabilities(shoalCluster *cluster,
                                  const char *emulatorbin,
                                  const char *arch,
                                  const char *machine,
                                  const char *virttype,
                                  unsigned flags,
                                  GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    g_autoptr(GPtrArray) xmls = g_ptr_array_new_with_free_func(free);
    guint i;

    if (!members)
        return NULL;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        char *xml = virConnectGetDomainCapabilities(m->conn, emulatorbin, arch,
                                                    machine, virttype, flags);

        if (!xml) {
            shoalErrorFromLibvirt(error, m->host->name);
            return NULL;
        }
        g_ptr_array_add(xmls, xml);
    }
    return shoalDomcapsIntersect((const char *const *) xmls->pdata, xmls->len,
                                 error);
}

/**
 * shoalClusterGetCPUModelNames:
 * @models: (out) (optional): the names every online host knows, in the
 *   first host's order
 *
 * Returns: the number of names, or -1 with @error.
 */
int
shoalClusterGetCPUModelNames(shoalCluster *cluster,
                             const char *arch,
                             GStrv *models,
                             unsigned flags,
                             GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    g_autoptr(GPtrArray) common = g_ptr_array_new_with_free_func(g_free);
    guint i;

    if (!members)
        return -1;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        g_autoptr(GHashTable) known =
            g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
        char **names = NULL;
        int n = virConnectGetCPUModelNames(m->conn, arch, &names, flags);
        int j;

        if (n < 0) {
            shoalErrorFromLibvirt(error, m->host->name);
            return -1;
        }
        for (j = 0; j < n; j++) {
            if (i == 0)
                g_ptr_array_add(common, g_strdup(names[j]));
            g_hash_table_add(known, names[j]);
        }
        free(names);
        for (j = common->len - 1; i > 0 && j >= 0; j--) {
            if (!g_hash_table_contains(known, common->pdata[j]))
                g_ptr_array_remove_index(common, j);
        }
    }
    if (models) {
        g_ptr_array_add(common, NULL);
        *models = (GStrv) g_ptr_array_steal(common, NULL);
        return g_strv_length(*models);
    }
    return common->len;
}

/**
 * shoalClusterCompareHypervisorCPU:
 *
 * As virConnectCompareHypervisorCPU() on every online host: incompatible
 * if one host cannot run @xmlCPU, identical only if identical on all.
 * Returns: a virCPUCompareResult, or VIR_CPU_COMPARE_ERROR with @error.
 */
int
shoalClusterCompareHypervisorCPU(shoalCluster *cluster,
                                 const char *emulator,
                                 const char *arch,
                                 const char *machine,
                                 const char *virttype,
                                 const char *xmlCPU,
                                 unsigned flags,
                                 GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    int result = VIR_CPU_COMPARE_IDENTICAL;
    guint i;

    if (!members)
        return VIR_CPU_COMPARE_ERROR;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        int r = virConnectCompareHypervisorCPU(m->conn, emulator, arch, machine,
                                               virttype, xmlCPU, flags);

        if (r == VIR_CPU_COMPARE_ERROR) {
            shoalErrorFromLibvirt(error, m->host->name);
            return VIR_CPU_COMPARE_ERROR;
        }
        if (r == VIR_CPU_COMPARE_INCOMPATIBLE)
            return r;
        if (r == VIR_CPU_COMPARE_SUPERSET)
            result = r;
    }
    return result;
}

/**
 * shoalClusterBaselineHypervisorCPU:
 *
 * As virConnectBaselineHypervisorCPU(), across the hosts: each online
 * host in turn narrows the CPU the one before it computed to what its
 * hypervisor can run, so the result runs on all of them (the CPU a live
 * migration in a mixed cluster needs).
 * Returns: (transfer full): the CPU's XML, or NULL with @error.
 */
char *
shoalClusterBaselineHypervisorCPU(shoalCluster *cluster,
                                  const char *emulator,
                                  const char *arch,
                                  const char *machine,
                                  const char *virttype,
                                  const char *const *xmlCPUs,
                                  unsigned ncpus,
                                  unsigned flags,
                                  GError **error)
{
    g_autoptr(GPtrArray) members = nodeListMembers(cluster, error);
    g_autofree char *cpu = NULL;
    guint i;

    if (!members)
        return NULL;
    for (i = 0; i < members->len; i++) {
        nodeMember *m = members->pdata[i];
        const char *prev[] = { cpu };
        char *next =
            virConnectBaselineHypervisorCPU(m->conn, emulator, arch, machine,
                                            virttype,
                                            i == 0 ? (const char **) xmlCPUs
                                                   : prev,
                                            i == 0 ? ncpus : 1, flags);

        if (!next) {
            shoalErrorFromLibvirt(error, m->host->name);
            return NULL;
        }
        g_free(cpu);
        cpu = g_strdup(next);
        free(next);
    }
    return g_steal_pointer(&cpu);
}
