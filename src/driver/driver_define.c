/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handlers that define, create and undefine domains. */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"

static void
defineFillRef(remote_nonnull_domain *out, const shoalDomainRef *ref)
{
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
    out->id = ref->id;
}

static bool
defineReply(shoalDomainRef *ref, remote_nonnull_domain *out)
{
    if (!ref)
        return false;
    defineFillRef(out, ref);
    shoalDomainRefFree(ref);
    return true;
}

/* Flags are the host's to check: Shoal passes them through. */
bool
shoalDispatchDomainDefineXml(shoalDriverClient *client,
                             const remote_domain_define_xml_args *args,
                             remote_domain_define_xml_ret *ret,
                             GError **error)
{
    return defineReply(shoalClusterDomainDefine(shoalDriverClientGetCluster(
                                                    client),
                                                args->xml, 0, error),
                       &ret->dom);
}

bool
shoalDispatchDomainDefineXmlFlags(
    shoalDriverClient *client,
    const remote_domain_define_xml_flags_args *args,
    remote_domain_define_xml_flags_ret *ret,
    GError **error)
{
    return defineReply(shoalClusterDomainDefine(shoalDriverClientGetCluster(
                                                    client),
                                                args->xml, args->flags, error),
                       &ret->dom);
}

bool
shoalDispatchDomainCreateXml(shoalDriverClient *client,
                             const remote_domain_create_xml_args *args,
                             remote_domain_create_xml_ret *ret,
                             GError **error)
{
    return defineReply(shoalClusterDomainCreateXML(shoalDriverClientGetCluster(
                                                       client),
                                                   args->xml_desc, args->flags,
                                                   error),
                       &ret->dom);
}

bool
shoalDispatchDomainUndefine(shoalDriverClient *client,
                            const remote_domain_undefine_args *args,
                            void *ret,
                            GError **error)
{
    return shoalClusterDomainUndefine(shoalDriverClientGetCluster(client),
                                      (const unsigned char *) args->dom.uuid, 0,
                                      error);
}

bool
shoalDispatchDomainUndefineFlags(shoalDriverClient *client,
                                 const remote_domain_undefine_flags_args *args,
                                 void *ret,
                                 GError **error)
{
    return shoalClusterDomainUndefine(shoalDriverClientGetCluster(client),
                                      (const unsigned char *) args->dom.uuid,
                                      args->flags, error);
}
