/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restore and save images: no domain argument, so not generated; the
 * cluster finds the image's domain and its host (cluster_saveimage.c).
 */
#include <config.h>

#include "cluster.h"
#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_params.h"

bool
shoalDispatchDomainRestore(shoalDriverClient *client,
                           const remote_domain_restore_args *args,
                           void *ret,
                           GError **error)
{
    return shoalClusterDomainRestore(shoalDriverClientGetCluster(client),
                                     args->from, NULL, NULL, 0, 0, error);
}

bool
shoalDispatchDomainRestoreFlags(shoalDriverClient *client,
                                const remote_domain_restore_flags_args *args,
                                void *ret,
                                GError **error)
{
    return shoalClusterDomainRestore(shoalDriverClientGetCluster(client),
                                     args->from,
                                     args->dxml ? *args->dxml : NULL, NULL, 0,
                                     args->flags, error);
}

bool
shoalDispatchDomainRestoreParams(shoalDriverClient *client,
                                 const remote_domain_restore_params_args *args,
                                 void *ret,
                                 GError **error)
{
    virTypedParameter *params = NULL;
    bool ok;

    if (!(params = shoalDriverParamsToLibvirt(args->params.params_val,
                                              args->params.params_len, error)))
        return false;
    ok = shoalClusterDomainRestore(shoalDriverClientGetCluster(client), NULL,
                                   NULL, params, args->params.params_len,
                                   args->flags, error);
    shoalDriverParamsFreeLibvirt(params, args->params.params_len);
    return ok;
}

bool
shoalDispatchDomainSaveImageGetXmlDesc(
    shoalDriverClient *client,
    const remote_domain_save_image_get_xml_desc_args *args,
    remote_domain_save_image_get_xml_desc_ret *ret,
    GError **error)
{
    ret->xml =
        shoalClusterSaveImageGetXMLDesc(shoalDriverClientGetCluster(client),
                                        args->file, args->flags, error);
    return ret->xml != NULL;
}

bool
shoalDispatchDomainSaveImageDefineXml(
    shoalDriverClient *client,
    const remote_domain_save_image_define_xml_args *args,
    void *ret,
    GError **error)
{
    return shoalClusterSaveImageDefineXML(shoalDriverClientGetCluster(client),
                                          args->file, args->dxml, args->flags,
                                          error);
}
