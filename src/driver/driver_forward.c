/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Forwarded domain procedures: what the generated handlers
 * (driver_forward_procs.c, from gen_forward.py) share, and the handlers
 * of calls that answer arrays of structures.
 */
#include <config.h>

#include "driver_forward.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_dispatch_procs.h"
#include "driver_params.h"
#include "util_error.h"

#define DOM_UUID(d) ((const unsigned char *) (d).uuid)

/* The domain as this client sees it: Shoal's name and id, not the host's. */
static void
forwardFillDomain(shoalDriverClient *client,
                  const remote_nonnull_domain *dom,
                  remote_nonnull_domain *out)
{
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByUUID(shoalDriverClientGetCluster(client),
                                       DOM_UUID(*dom), NULL);

    memcpy(out->uuid, dom->uuid, VIR_UUID_BUFLEN);
    /* gone since the call: answer with what the client sent */
    out->name = g_strdup(ref ? ref->name : dom->name);
    out->id = ref ? ref->id : dom->id;
}

/**
 * shoalDriverForwardFillObject:
 * @name: (transfer full): the snapshot's or checkpoint's name
 *
 * A returned snapshot or checkpoint: its name and its domain with Shoal's
 * id.
 */
void
shoalDriverForwardFillObject(shoalDriverClient *client,
                             const remote_nonnull_domain *dom,
                             char *name,
                             remote_nonnull_string *outName,
                             remote_nonnull_domain *outDom)
{
    *outName = name;
    forwardFillDomain(client, dom, outDom);
}

/**
 * shoalDriverForwardNamesAlloc:
 *
 * The buffer of a legacy "list names" call, checked against the
 * protocol's limit as libvirt does. Returns: (transfer full): an array of
 * @maxnames (at least one) for the host's answer, or NULL with @error.
 */
char **
shoalDriverForwardNamesAlloc(int maxnames, int max, GError **error)
{
    if (maxnames < 0 || maxnames > max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many names '%1$d' for limit '%2$d'"), maxnames, max);
        return NULL;
    }
    return g_new0(char *, MAX(maxnames, 1));
}

/**
 * shoalDriverForwardBufferAlloc:
 *
 * The buffer of a peek call. Returns: (transfer full): @size bytes (at
 * least one), or NULL with @error when the reply could not carry them.
 */
char *
shoalDriverForwardBufferAlloc(unsigned size, unsigned max, GError **error)
{
    if (size > max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("size '%1$u' exceeds the maximum '%2$u'"), size, max);
        return NULL;
    }
    return g_new0(char, MAX(size, 1));
}

static bool
forwardCheckMax(long long value, long long max, const char *what, GError **error)
{
    if (value < 0 || value > max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("%1$s too large"), what);
        return false;
    }
    return true;
}

bool
shoalDispatchDomainMemoryStats(shoalDriverClient *client,
                               const remote_domain_memory_stats_args *args,
                               remote_domain_memory_stats_ret *ret,
                               GError **error)
{
    g_autofree virDomainMemoryStatStruct *stats = NULL;
    int n;
    int i;

    if (!forwardCheckMax(args->maxStats, REMOTE_DOMAIN_MEMORY_STATS_MAX,
                         "maxStats", error))
        return false;
    stats = g_new0(virDomainMemoryStatStruct, MAX(args->maxStats, 1));
    n = shoalClusterRelayDomainMemoryStats(shoalDriverClientGetCluster(client),
                                           DOM_UUID(args->dom), stats,
                                           args->maxStats, args->flags, error);
    if (n < 0)
        return false;
    ret->stats.stats_val = g_new0(remote_domain_memory_stat, MAX(n, 1));
    for (i = 0; i < n; i++) {
        ret->stats.stats_val[i].tag = stats[i].tag;
        ret->stats.stats_val[i].val = stats[i].val;
    }
    ret->stats.stats_len = n;
    return true;
}

bool
shoalDispatchDomainGetVcpus(shoalDriverClient *client,
                            const remote_domain_get_vcpus_args *args,
                            remote_domain_get_vcpus_ret *ret,
                            GError **error)
{
    g_autofree virVcpuInfo *info = NULL;
    g_autofree unsigned char *cpumaps = NULL;
    int n;
    int i;

    if (!forwardCheckMax(args->maxinfo, REMOTE_VCPUINFO_MAX, "maxinfo",
                         error) ||
        !forwardCheckMax(args->maplen, REMOTE_CPUMAPS_MAX, "maplen", error) ||
        !forwardCheckMax((long long) args->maxinfo * args->maplen,
                         REMOTE_CPUMAPS_MAX, "maxinfo * maplen", error))
        return false;
    info = g_new0(virVcpuInfo, MAX(args->maxinfo, 1));
    if (args->maplen > 0)
        cpumaps = g_new0(unsigned char, MAX(args->maxinfo * args->maplen, 1));
    n = shoalClusterRelayDomainGetVcpus(shoalDriverClientGetCluster(client),
                                        DOM_UUID(args->dom), info,
                                        args->maxinfo, cpumaps, args->maplen,
                                        error);
    if (n < 0)
        return false;
    ret->info.info_val = g_new0(remote_vcpu_info, MAX(n, 1));
    for (i = 0; i < n; i++) {
        ret->info.info_val[i].number = info[i].number;
        ret->info.info_val[i].state = info[i].state;
        ret->info.info_val[i].cpu_time = info[i].cpuTime;
        ret->info.info_val[i].cpu = info[i].cpu;
    }
    ret->info.info_len = n;
    ret->cpumaps.cpumaps_len = args->maxinfo * args->maplen;
    ret->cpumaps.cpumaps_val = (char *) g_steal_pointer(&cpumaps);
    return true;
}

bool
shoalDispatchDomainGetVcpuPinInfo(
    shoalDriverClient *client,
    const remote_domain_get_vcpu_pin_info_args *args,
    remote_domain_get_vcpu_pin_info_ret *ret,
    GError **error)
{
    g_autofree unsigned char *cpumaps = NULL;
    int n;

    if (!forwardCheckMax(args->ncpumaps, REMOTE_VCPUINFO_MAX, "ncpumaps",
                         error) ||
        !forwardCheckMax(args->maplen, REMOTE_CPUMAPS_MAX, "maplen", error) ||
        !forwardCheckMax((long long) args->ncpumaps * args->maplen,
                         REMOTE_CPUMAPS_MAX, "ncpumaps * maplen", error))
        return false;
    if (args->maplen > 0)
        cpumaps = g_new0(unsigned char, MAX(args->ncpumaps * args->maplen, 1));
    n = shoalClusterRelayDomainGetVcpuPinInfo(shoalDriverClientGetCluster(
                                                  client),
                                              DOM_UUID(args->dom),
                                              args->ncpumaps, cpumaps,
                                              args->maplen, args->flags, error);
    if (n < 0)
        return false;
    ret->num = n;
    ret->cpumaps.cpumaps_len = args->ncpumaps * args->maplen;
    ret->cpumaps.cpumaps_val = (char *) g_steal_pointer(&cpumaps);
    return true;
}

bool
shoalDispatchDomainGetCpuStats(shoalDriverClient *client,
                               const remote_domain_get_cpu_stats_args *args,
                               remote_domain_get_cpu_stats_ret *ret,
                               GError **error)
{
    virTypedParameter *params = NULL;
    unsigned total;
    int n;
    int i;

    if (!forwardCheckMax(args->nparams, REMOTE_NODE_CPU_STATS_MAX, "nparams",
                         error) ||
        !forwardCheckMax(args->ncpus, REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX,
                         "ncpus", error))
        return false;
    total = args->nparams * args->ncpus;
    if (total > 0)
        params = g_new0(virTypedParameter, total);
    n = shoalClusterRelayDomainGetCPUStats(shoalDriverClientGetCluster(client),
                                           DOM_UUID(args->dom), params,
                                           args->nparams, args->start_cpu,
                                           args->ncpus, args->flags, error);
    if (n < 0) {
        shoalDriverParamsFreeLibvirt(params, total);
        return false;
    }
    ret->nparams = n;
    if (args->nparams > 0) {
        shoalDriverParamsFromLibvirt(params, total, args->flags,
                                     &ret->params.params_val,
                                     &ret->params.params_len);
        /* strings left out for an old client are not counted either */
        for (i = 0; i < n && !(args->flags & VIR_TYPED_PARAM_STRING_OKAY);
             i++) {
            if (params[i].type == VIR_TYPED_PARAM_STRING)
                ret->nparams--;
        }
    }
    shoalDriverParamsFreeLibvirt(params, total);
    return true;
}

bool
shoalDispatchDomainGetIothreadInfo(
    shoalDriverClient *client,
    const remote_domain_get_iothread_info_args *args,
    remote_domain_get_iothread_info_ret *ret,
    GError **error)
{
    virDomainIOThreadInfoPtr *info = NULL;
    bool ok = true;
    int n;
    int i;

    n = shoalClusterRelayDomainGetIOThreadInfo(shoalDriverClientGetCluster(
                                                   client),
                                               DOM_UUID(args->dom), &info,
                                               args->flags, error);
    if (n < 0)
        return false;
    if (n > REMOTE_IOTHREAD_INFO_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("Too many IOThreads in info: %1$d for limit %2$d"), n,
                    REMOTE_IOTHREAD_INFO_MAX);
        ok = false;
    }
    ret->info.info_val = g_new0(remote_domain_iothread_info, MAX(n, 1));
    for (i = 0; i < n; i++) {
        remote_domain_iothread_info *out = &ret->info.info_val[i];

        if (ok) {
            out->iothread_id = info[i]->iothread_id;
            out->cpumap.cpumap_len = info[i]->cpumaplen;
            out->cpumap.cpumap_val = (char *) g_steal_pointer(&info[i]->cpumap);
        }
        g_free(info[i]->cpumap);
        g_free(info[i]);
    }
    g_free(info);
    if (!ok)
        return false;
    ret->info.info_len = n;
    ret->ret = n;
    return true;
}

static void
forwardFSInfoFree(virDomainFSInfoPtr fs)
{
    size_t i;

    g_free(fs->mountpoint);
    g_free(fs->name);
    g_free(fs->fstype);
    for (i = 0; i < fs->ndevAlias; i++)
        g_free(fs->devAlias[i]);
    g_free(fs->devAlias);
    g_free(fs);
}

bool
shoalDispatchDomainGetFsinfo(shoalDriverClient *client,
                             const remote_domain_get_fsinfo_args *args,
                             remote_domain_get_fsinfo_ret *ret,
                             GError **error)
{
    virDomainFSInfoPtr *info = NULL;
    bool ok = true;
    int n;
    int i;

    n = shoalClusterRelayDomainGetFSInfo(shoalDriverClientGetCluster(client),
                                         DOM_UUID(args->dom), &info,
                                         args->flags, error);
    if (n < 0)
        return false;
    if (n > REMOTE_DOMAIN_FSINFO_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many mountpoints in fsinfo: %1$d for limit %2$d"), n,
                    REMOTE_DOMAIN_FSINFO_MAX);
        ok = false;
    }
    ret->info.info_val = g_new0(remote_domain_fsinfo, MAX(n, 1));
    for (i = 0; i < n; i++) {
        virDomainFSInfoPtr fs = info[i];
        remote_domain_fsinfo *out = &ret->info.info_val[i];
        size_t j;

        if (ok) {
            out->mountpoint = g_strdup(fs->mountpoint);
            out->name = g_strdup(fs->name);
            out->fstype = g_strdup(fs->fstype);
            out->dev_aliases.dev_aliases_val =
                g_new0(remote_nonnull_string, MAX(fs->ndevAlias, 1));
            for (j = 0; j < fs->ndevAlias; j++)
                out->dev_aliases.dev_aliases_val[j] = g_strdup(fs->devAlias[j]);
            out->dev_aliases.dev_aliases_len = fs->ndevAlias;
        }
        forwardFSInfoFree(fs);
    }
    g_free(info);
    if (!ok)
        return false;
    ret->info.info_len = n;
    ret->ret = n;
    return true;
}

static void
forwardInterfaceFree(virDomainInterfacePtr iface)
{
    size_t i;

    for (i = 0; i < iface->naddrs; i++)
        g_free(iface->addrs[i].addr);
    g_free(iface->addrs);
    g_free(iface->name);
    g_free(iface->hwaddr);
    g_free(iface);
}

static void
forwardFillInterface(remote_domain_interface *out,
                     const virDomainInterface *iface)
{
    size_t j;

    out->name = g_strdup(iface->name);
    if (iface->hwaddr) {
        out->hwaddr = g_new0(char *, 1);
        *out->hwaddr = g_strdup(iface->hwaddr);
    }
    out->addrs.addrs_val = g_new0(remote_domain_ip_addr, MAX(iface->naddrs, 1));
    for (j = 0; j < iface->naddrs; j++) {
        out->addrs.addrs_val[j].type = iface->addrs[j].type;
        out->addrs.addrs_val[j].addr = g_strdup(iface->addrs[j].addr);
        out->addrs.addrs_val[j].prefix = iface->addrs[j].prefix;
    }
    out->addrs.addrs_len = iface->naddrs;
}

bool
shoalDispatchDomainInterfaceAddresses(
    shoalDriverClient *client,
    const remote_domain_interface_addresses_args *args,
    remote_domain_interface_addresses_ret *ret,
    GError **error)
{
    virDomainInterfacePtr *ifaces = NULL;
    bool ok = true;
    int n;
    int i;

    /* asking the guest agent writes to the guest: libvirt refuses it to
     * read-only connections, the other sources are fine */
    if (args->source == VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT &&
        shoalDriverClientIsReadOnly(client)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_DENIED,
                    _("operation forbidden: read only access prevents virDomainInterfaceAddresses"));
        return false;
    }
    n = shoalClusterRelayDomainInterfaceAddresses(shoalDriverClientGetCluster(
                                                      client),
                                                  DOM_UUID(args->dom), &ifaces,
                                                  args->source, args->flags,
                                                  error);
    if (n < 0)
        return false;
    if (n > REMOTE_DOMAIN_INTERFACE_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Number of interfaces, %1$d exceeds the max limit: %2$d"),
                    n, REMOTE_DOMAIN_INTERFACE_MAX);
        ok = false;
    }
    ret->ifaces.ifaces_val = g_new0(remote_domain_interface, MAX(n, 1));
    for (i = 0; i < n; i++) {
        if (ok)
            forwardFillInterface(&ret->ifaces.ifaces_val[i], ifaces[i]);
        forwardInterfaceFree(ifaces[i]);
    }
    g_free(ifaces);
    if (!ok)
        return false;
    ret->ifaces.ifaces_len = n;
    return true;
}

bool
shoalDispatchDomainGetDiskErrors(shoalDriverClient *client,
                                 const remote_domain_get_disk_errors_args *args,
                                 remote_domain_get_disk_errors_ret *ret,
                                 GError **error)
{
    g_autofree virDomainDiskError *errors = NULL;
    int n;
    int i;

    if (!forwardCheckMax(args->maxerrors, REMOTE_DOMAIN_DISK_ERRORS_MAX,
                         "maxerrors", error))
        return false;
    /* maxerrors 0 asks for the count */
    if (args->maxerrors > 0)
        errors = g_new0(virDomainDiskError, args->maxerrors);
    n = shoalClusterRelayDomainGetDiskErrors(shoalDriverClientGetCluster(
                                                 client),
                                             DOM_UUID(args->dom), errors,
                                             args->maxerrors, args->flags,
                                             error);
    if (n < 0)
        return false;
    ret->nerrors = n;
    ret->errors.errors_val =
        g_new0(remote_domain_disk_error, MAX(errors ? n : 0, 1));
    for (i = 0; errors && i < n; i++) {
        ret->errors.errors_val[i].disk = g_steal_pointer(&errors[i].disk);
        ret->errors.errors_val[i].error = errors[i].error;
    }
    ret->errors.errors_len = errors ? n : 0;
    return true;
}

bool
shoalDispatchDomainGetEmulatorPinInfo(
    shoalDriverClient *client,
    const remote_domain_get_emulator_pin_info_args *args,
    remote_domain_get_emulator_pin_info_ret *ret,
    GError **error)
{
    g_autofree unsigned char *cpumap = NULL;
    int rc;

    if (!forwardCheckMax(args->maplen, REMOTE_CPUMAPS_MAX, "maplen", error))
        return false;
    if (args->maplen > 0)
        cpumap = g_new0(unsigned char, args->maplen);
    rc = shoalClusterRelayDomainGetEmulatorPinInfo(shoalDriverClientGetCluster(
                                                       client),
                                                   DOM_UUID(args->dom), cpumap,
                                                   args->maplen, args->flags,
                                                   error);
    if (rc < 0)
        return false;
    ret->ret = rc;
    ret->cpumaps.cpumaps_len = args->maplen;
    ret->cpumaps.cpumaps_val = (char *) g_steal_pointer(&cpumap);
    return true;
}
