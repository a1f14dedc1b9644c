/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handlers that change one domain; its host carries the change out. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "util_error.h"

#define DOM_UUID(d) ((const unsigned char *) (d).uuid)

static bool
lifecycleApply(shoalDriverClient *client,
               const remote_nonnull_domain *dom,
               shoalDomainOp op,
               unsigned long long value,
               unsigned flags,
               GError **error)
{
    return shoalClusterDomainApply(shoalDriverClientGetCluster(client),
                                   DOM_UUID(*dom), op, value, flags, error);
}

/* The domain as it is now: its id changes when it starts. */
static bool
lifecycleFillRef(shoalDriverClient *client,
                 const remote_nonnull_domain *dom,
                 remote_nonnull_domain *out,
                 GError **error)
{
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByUUID(shoalDriverClientGetCluster(client),
                                       DOM_UUID(*dom), error);

    if (!ref)
        return false;
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
    out->id = ref->id;
    return true;
}

bool
shoalDispatchDomainCreate(shoalDriverClient *client,
                          const remote_domain_create_args *args,
                          void *ret,
                          GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_CREATE, 0, 0,
                          error);
}

bool
shoalDispatchDomainCreateWithFlags(
    shoalDriverClient *client,
    const remote_domain_create_with_flags_args *args,
    remote_domain_create_with_flags_ret *ret,
    GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_CREATE, 0,
                          args->flags, error) &&
           lifecycleFillRef(client, &args->dom, &ret->dom, error);
}

bool
shoalDispatchDomainDestroy(shoalDriverClient *client,
                           const remote_domain_destroy_args *args,
                           void *ret,
                           GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_DESTROY, 0, 0,
                          error);
}

bool
shoalDispatchDomainDestroyFlags(shoalDriverClient *client,
                                const remote_domain_destroy_flags_args *args,
                                void *ret,
                                GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_DESTROY, 0,
                          args->flags, error);
}

bool
shoalDispatchDomainShutdown(shoalDriverClient *client,
                            const remote_domain_shutdown_args *args,
                            void *ret,
                            GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SHUTDOWN, 0, 0,
                          error);
}

bool
shoalDispatchDomainReboot(shoalDriverClient *client,
                          const remote_domain_reboot_args *args,
                          void *ret,
                          GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_REBOOT, 0,
                          args->flags, error);
}

bool
shoalDispatchDomainReset(shoalDriverClient *client,
                         const remote_domain_reset_args *args,
                         void *ret,
                         GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_RESET, 0,
                          args->flags, error);
}

bool
shoalDispatchDomainSuspend(shoalDriverClient *client,
                           const remote_domain_suspend_args *args,
                           void *ret,
                           GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SUSPEND, 0, 0,
                          error);
}

bool
shoalDispatchDomainResume(shoalDriverClient *client,
                          const remote_domain_resume_args *args,
                          void *ret,
                          GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_RESUME, 0, 0,
                          error);
}

bool
shoalDispatchDomainSetAutostart(shoalDriverClient *client,
                                const remote_domain_set_autostart_args *args,
                                void *ret,
                                GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_AUTOSTART,
                          args->autostart != 0, 0, error);
}

/* The flag-less calls mean the live domain, as libvirt's drivers do. */
bool
shoalDispatchDomainSetVcpus(shoalDriverClient *client,
                            const remote_domain_set_vcpus_args *args,
                            void *ret,
                            GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_VCPUS,
                          args->nvcpus, VIR_DOMAIN_AFFECT_LIVE, error);
}

bool
shoalDispatchDomainSetVcpusFlags(shoalDriverClient *client,
                                 const remote_domain_set_vcpus_flags_args *args,
                                 void *ret,
                                 GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_VCPUS,
                          args->nvcpus, args->flags, error);
}

bool
shoalDispatchDomainSetMemory(shoalDriverClient *client,
                             const remote_domain_set_memory_args *args,
                             void *ret,
                             GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_MEMORY,
                          args->memory, VIR_DOMAIN_AFFECT_LIVE, error);
}

bool
shoalDispatchDomainSetMemoryFlags(
    shoalDriverClient *client,
    const remote_domain_set_memory_flags_args *args,
    void *ret,
    GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_MEMORY,
                          args->memory, args->flags, error);
}

bool
shoalDispatchDomainSetMaxMemory(shoalDriverClient *client,
                                const remote_domain_set_max_memory_args *args,
                                void *ret,
                                GError **error)
{
    return lifecycleApply(client, &args->dom, SHOAL_DOMAIN_OP_SET_MAX_MEMORY,
                          args->memory, 0, error);
}

bool
shoalDispatchDomainSetMetadata(shoalDriverClient *client,
                               const remote_domain_set_metadata_args *args,
                               void *ret,
                               GError **error)
{
    return shoalClusterDomainSetMetadata(shoalDriverClientGetCluster(client),
                                         DOM_UUID(args->dom), args->type,
                                         args->metadata ? *args->metadata
                                                        : NULL,
                                         args->key ? *args->key : NULL,
                                         args->uri ? *args->uri : NULL,
                                         args->flags, error);
}

bool
shoalDispatchDomainGetMetadata(shoalDriverClient *client,
                               const remote_domain_get_metadata_args *args,
                               remote_domain_get_metadata_ret *ret,
                               GError **error)
{
    ret->metadata =
        shoalClusterDomainGetMetadata(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), args->type,
                                      args->uri ? *args->uri : NULL,
                                      args->flags, error);
    return ret->metadata != NULL;
}

bool
shoalDispatchDomainRename(shoalDriverClient *client,
                          const remote_domain_rename_args *args,
                          remote_domain_rename_ret *ret,
                          GError **error)
{
    if (!args->new_name) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: new_name in virDomainRename must not be NULL"));
        return false;
    }
    if (!shoalClusterDomainRename(shoalDriverClientGetCluster(client),
                                  DOM_UUID(args->dom), *args->new_name,
                                  args->flags, error))
        return false;
    ret->retcode = 0;
    return true;
}
