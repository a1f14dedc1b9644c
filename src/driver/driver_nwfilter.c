/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Network filters: cluster objects; one cluster call per procedure. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "util_error.h"

#define NWFILTER_UUID(n) ((const unsigned char *) (n).uuid)
#define CLUSTER(client) shoalDriverClientGetCluster(client)
#define NWFILTER SHOAL_OBJECT_NWFILTER

static void
nwfilterFill(remote_nonnull_nwfilter *out, const shoalObjectRef *ref)
{
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
}

static bool
nwfilterFillFound(remote_nonnull_nwfilter *out, shoalObjectRef *ref)
{
    if (!ref)
        return false;
    nwfilterFill(out, ref);
    shoalObjectRefFree(ref);
    return true;
}

bool
shoalDispatchConnectNumOfNwfilters(shoalDriverClient *client,
                                   const void *args,
                                   remote_connect_num_of_nwfilters_ret *ret,
                                   GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterObjectList(CLUSTER(client), NWFILTER, 0);

    ret->num = list->len;
    return true;
}

bool
shoalDispatchConnectListNwfilters(shoalDriverClient *client,
                                  const remote_connect_list_nwfilters_args *args,
                                  remote_connect_list_nwfilters_ret *ret,
                                  GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    guint i;

    if (args->maxnames < 0 || args->maxnames > REMOTE_NWFILTER_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many nwfilters '%1$d' for limit '%2$d'"),
                    args->maxnames, REMOTE_NWFILTER_LIST_MAX);
        return false;
    }
    list = shoalClusterObjectList(CLUSTER(client), NWFILTER, 0);
    if (list->len > (guint) args->maxnames)
        g_ptr_array_set_size(list, args->maxnames);
    ret->names.names_len = list->len;
    ret->names.names_val = g_new0(remote_nonnull_string, MAX(list->len, 1));
    for (i = 0; i < list->len; i++)
        ret->names.names_val[i] =
            g_strdup(((shoalObjectRef *) list->pdata[i])->name);
    return true;
}

bool
shoalDispatchConnectListAllNwfilters(
    shoalDriverClient *client,
    const remote_connect_list_all_nwfilters_args *args,
    remote_connect_list_all_nwfilters_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, 0, "virConnectListAllNWFilters",
                               error))
        return false;
    list = shoalClusterObjectList(CLUSTER(client), NWFILTER, 0);
    if (args->need_results) {
        ret->filters.filters_len = list->len;
        ret->filters.filters_val =
            g_new0(remote_nonnull_nwfilter, MAX(list->len, 1));
        for (i = 0; i < list->len; i++)
            nwfilterFill(&ret->filters.filters_val[i], list->pdata[i]);
    }
    ret->ret = list->len;
    return true;
}

bool
shoalDispatchNwfilterLookupByName(
    shoalDriverClient *client,
    const remote_nwfilter_lookup_by_name_args *args,
    remote_nwfilter_lookup_by_name_ret *ret,
    GError **error)
{
    return nwfilterFillFound(&ret->nwfilter,
                             shoalClusterObjectLookupByName(CLUSTER(client),
                                                            NWFILTER,
                                                            args->name, error));
}

bool
shoalDispatchNwfilterLookupByUuid(
    shoalDriverClient *client,
    const remote_nwfilter_lookup_by_uuid_args *args,
    remote_nwfilter_lookup_by_uuid_ret *ret,
    GError **error)
{
    return nwfilterFillFound(&ret->nwfilter,
                             shoalClusterObjectLookupByUUID(CLUSTER(client),
                                                            NWFILTER,
                                                            (const unsigned char
                                                                 *) args->uuid,
                                                            error));
}

bool
shoalDispatchNwfilterDefineXml(shoalDriverClient *client,
                               const remote_nwfilter_define_xml_args *args,
                               remote_nwfilter_define_xml_ret *ret,
                               GError **error)
{
    return nwfilterFillFound(&ret->nwfilter,
                             shoalClusterObjectDefine(CLUSTER(client), NWFILTER,
                                                      args->xml, error));
}

bool
shoalDispatchNwfilterDefineXmlFlags(
    shoalDriverClient *client,
    const remote_nwfilter_define_xml_flags_args *args,
    remote_nwfilter_define_xml_flags_ret *ret,
    GError **error)
{
    /* validation is each host's (VIR_NWFILTER_DEFINE_VALIDATE is not
     * passed on), so only flags 0 */
    if (!shoalDriverCheckFlags(args->flags, 0, "virNWFilterDefineXMLFlags",
                               error))
        return false;
    return nwfilterFillFound(&ret->nwfilter,
                             shoalClusterObjectDefine(CLUSTER(client), NWFILTER,
                                                      args->xml, error));
}

bool
shoalDispatchNwfilterGetXmlDesc(shoalDriverClient *client,
                                const remote_nwfilter_get_xml_desc_args *args,
                                remote_nwfilter_get_xml_desc_ret *ret,
                                GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virNWFilterGetXMLDesc", error))
        return false;
    ret->xml =
        shoalClusterObjectGetXML(CLUSTER(client), NWFILTER,
                                 NWFILTER_UUID(args->nwfilter), false, error);
    return ret->xml != NULL;
}

bool
shoalDispatchNwfilterUndefine(shoalDriverClient *client,
                              const remote_nwfilter_undefine_args *args,
                              void *ret,
                              GError **error)
{
    return shoalClusterObjectUndefine(CLUSTER(client), NWFILTER,
                                      NWFILTER_UUID(args->nwfilter), error);
}
