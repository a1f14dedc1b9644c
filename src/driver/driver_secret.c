/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Secrets: cluster objects; one cluster call per procedure. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "util_error.h"
#include "util_uuid.h"

#define SECRET_UUID(s) ((const unsigned char *) (s).uuid)
#define CLUSTER(client) shoalDriverClientGetCluster(client)
#define SECRET SHOAL_OBJECT_SECRET

static void
secretFill(remote_nonnull_secret *out, const shoalObjectRef *ref)
{
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
    out->usageType = ref->usageType;
    out->usageID = g_strdup(ref->name);
}

static bool
secretFillFound(remote_nonnull_secret *out, shoalObjectRef *ref)
{
    if (!ref)
        return false;
    secretFill(out, ref);
    shoalObjectRefFree(ref);
    return true;
}

bool
shoalDispatchConnectNumOfSecrets(shoalDriverClient *client,
                                 const void *args,
                                 remote_connect_num_of_secrets_ret *ret,
                                 GError **error)
{
    g_autoptr(GPtrArray) list =
        shoalClusterObjectList(CLUSTER(client), SECRET, 0);

    ret->num = list->len;
    return true;
}

bool
shoalDispatchConnectListSecrets(shoalDriverClient *client,
                                const remote_connect_list_secrets_args *args,
                                remote_connect_list_secrets_ret *ret,
                                GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    guint i;

    if (args->maxuuids < 0 || args->maxuuids > REMOTE_SECRET_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many secrets '%1$d' for limit '%2$d'"),
                    args->maxuuids, REMOTE_SECRET_LIST_MAX);
        return false;
    }
    list = shoalClusterObjectList(CLUSTER(client), SECRET, 0);
    if (list->len > (guint) args->maxuuids)
        g_ptr_array_set_size(list, args->maxuuids);
    ret->uuids.uuids_len = list->len;
    ret->uuids.uuids_val = g_new0(remote_nonnull_string, MAX(list->len, 1));
    for (i = 0; i < list->len; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];

        shoalUUIDFormat(((shoalObjectRef *) list->pdata[i])->uuid, uuid);
        ret->uuids.uuids_val[i] = g_strdup(uuid);
    }
    return true;
}

bool
shoalDispatchConnectListAllSecrets(
    shoalDriverClient *client,
    const remote_connect_list_all_secrets_args *args,
    remote_connect_list_all_secrets_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    guint i;

    /* Shoal does not know which are private or ephemeral: the filters of
     * those are refused rather than answered wrong */
    if (!shoalDriverCheckFlags(args->flags, 0, "virConnectListAllSecrets",
                               error))
        return false;
    list = shoalClusterObjectList(CLUSTER(client), SECRET, 0);
    if (args->need_results) {
        ret->secrets.secrets_len = list->len;
        ret->secrets.secrets_val =
            g_new0(remote_nonnull_secret, MAX(list->len, 1));
        for (i = 0; i < list->len; i++)
            secretFill(&ret->secrets.secrets_val[i], list->pdata[i]);
    }
    ret->ret = list->len;
    return true;
}

bool
shoalDispatchSecretLookupByUuid(shoalDriverClient *client,
                                const remote_secret_lookup_by_uuid_args *args,
                                remote_secret_lookup_by_uuid_ret *ret,
                                GError **error)
{
    return secretFillFound(&ret->secret,
                           shoalClusterObjectLookupByUUID(CLUSTER(client),
                                                          SECRET,
                                                          (const unsigned char *)
                                                              args->uuid,
                                                          error));
}

bool
shoalDispatchSecretLookupByUsage(shoalDriverClient *client,
                                 const remote_secret_lookup_by_usage_args *args,
                                 remote_secret_lookup_by_usage_ret *ret,
                                 GError **error)
{
    return secretFillFound(&ret->secret,
                           shoalClusterObjectLookupByUsage(CLUSTER(client),
                                                           SECRET,
                                                           args->usageType,
                                                           args->usageID,
                                                           error));
}

bool
shoalDispatchSecretDefineXml(shoalDriverClient *client,
                             const remote_secret_define_xml_args *args,
                             remote_secret_define_xml_ret *ret,
                             GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virSecretDefineXML", error))
        return false;
    return secretFillFound(&ret->secret,
                           shoalClusterObjectDefine(CLUSTER(client), SECRET,
                                                    args->xml, error));
}

bool
shoalDispatchSecretGetXmlDesc(shoalDriverClient *client,
                              const remote_secret_get_xml_desc_args *args,
                              remote_secret_get_xml_desc_ret *ret,
                              GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virSecretGetXMLDesc", error))
        return false;
    ret->xml =
        shoalClusterObjectGetXML(CLUSTER(client), SECRET,
                                 SECRET_UUID(args->secret), false, error);
    return ret->xml != NULL;
}

bool
shoalDispatchSecretSetValue(shoalDriverClient *client,
                            const remote_secret_set_value_args *args,
                            void *ret,
                            GError **error)
{
    g_autoptr(GBytes) value = NULL;

    if (!shoalDriverCheckFlags(args->flags, 0, "virSecretSetValue", error))
        return false;
    value = g_bytes_new(args->value.value_val, args->value.value_len);
    return shoalClusterObjectSetValue(CLUSTER(client), SECRET,
                                      SECRET_UUID(args->secret), value, error);
}

bool
shoalDispatchSecretGetValue(shoalDriverClient *client,
                            const remote_secret_get_value_args *args,
                            remote_secret_get_value_ret *ret,
                            GError **error)
{
    g_autoptr(GBytes) value = NULL;
    gsize len = 0;

    if (!shoalDriverCheckFlags(args->flags, 0, "virSecretGetValue", error))
        return false;
    value = shoalClusterSecretGetValue(CLUSTER(client),
                                       SECRET_UUID(args->secret), error);
    if (!value)
        return false;
    ret->value.value_val = g_bytes_unref_to_data(g_steal_pointer(&value), &len);
    ret->value.value_len = len;
    return true;
}

bool
shoalDispatchSecretUndefine(shoalDriverClient *client,
                            const remote_secret_undefine_args *args,
                            void *ret,
                            GError **error)
{
    return shoalClusterObjectUndefine(CLUSTER(client), SECRET,
                                      SECRET_UUID(args->secret), error);
}
