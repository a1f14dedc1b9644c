/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handlers for peer-to-peer migration and the jobs it runs as. */
#include <config.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_params.h"
#include "util_error.h"

#define DOM_UUID(d) ((const unsigned char *) (d).uuid)

/*
 * virsh migrate --p2p: the client only talks to the source, which is
 * Shoal; Shoal has the member host migrate. No cookies: the client does
 * not take part in the protocol between the hosts.
 */
bool
shoalDispatchDomainMigratePerform3Params(
    shoalDriverClient *client,
    const remote_domain_migrate_perform3_params_args *args,
    remote_domain_migrate_perform3_params_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) params = NULL;

    params = shoalDriverParamsParse(args->params.params_val,
                                    args->params.params_len, error);
    if (!params)
        return false;
    return shoalClusterDomainMigrate(shoalDriverClientGetCluster(client),
                                     DOM_UUID(args->dom),
                                     args->dconnuri ? *args->dconnuri : NULL,
                                     params, args->flags, error);
}

/*
 * A client-driven migration (virsh migrate without --p2p) would need the
 * client to talk to the destination host itself: refuse it clearly
 * instead of as an unknown procedure.
 */
bool
shoalDispatchDomainMigrateBegin3Params(
    shoalDriverClient *client,
    const remote_domain_migrate_begin3_params_args *args,
    remote_domain_migrate_begin3_params_ret *ret,
    GError **error)
{
    g_set_error(error, SHOAL_ERROR, VIR_ERR_ARGUMENT_UNSUPPORTED,
                _("argument unsupported: Shoal migrates peer-to-peer only: use virsh migrate --p2p"));
    return false;
}

bool
shoalDispatchDomainGetJobInfo(shoalDriverClient *client,
                              const remote_domain_get_job_info_args *args,
                              remote_domain_get_job_info_ret *ret,
                              GError **error)
{
    virDomainJobInfo info = { 0 };

    if (!shoalClusterDomainGetJobInfo(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), &info, error))
        return false;
    ret->type = info.type;
    ret->timeElapsed = info.timeElapsed;
    ret->timeRemaining = info.timeRemaining;
    ret->dataTotal = info.dataTotal;
    ret->dataProcessed = info.dataProcessed;
    ret->dataRemaining = info.dataRemaining;
    ret->memTotal = info.memTotal;
    ret->memProcessed = info.memProcessed;
    ret->memRemaining = info.memRemaining;
    ret->fileTotal = info.fileTotal;
    ret->fileProcessed = info.fileProcessed;
    ret->fileRemaining = info.fileRemaining;
    return true;
}

bool
shoalDispatchDomainGetJobStats(shoalDriverClient *client,
                               const remote_domain_get_job_stats_args *args,
                               remote_domain_get_job_stats_ret *ret,
                               GError **error)
{
    g_autoptr(GPtrArray) params = NULL;
    int type = 0;

    /* flags go to the host unchanged: it knows which it supports */
    params = shoalClusterDomainGetJobStats(shoalDriverClientGetCluster(client),
                                           DOM_UUID(args->dom), args->flags,
                                           &type, error);
    if (!params)
        return false;
    ret->type = type;
    shoalDriverParamsFill(params, &ret->params.params_val,
                          &ret->params.params_len);
    return true;
}

bool
shoalDispatchDomainAbortJob(shoalDriverClient *client,
                            const remote_domain_abort_job_args *args,
                            void *ret,
                            GError **error)
{
    return shoalClusterDomainAbortJob(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), error);
}
