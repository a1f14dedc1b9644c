/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handlers for domain listing, lookup and inspection. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_flags.h"
#include "driver_params.h"
#include "util_error.h"

static void
domainFillRef(remote_nonnull_domain *out, const shoalDomainRef *ref)
{
    out->name = g_strdup(ref->name);
    memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
    out->id = ref->id;
}

bool
shoalDispatchConnectListAllDomains(
    shoalDriverClient *client,
    const remote_connect_list_all_domains_args *args,
    remote_connect_list_all_domains_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;
    guint i;

    if (!shoalDriverCheckFlags(args->flags, SHOAL_LIST_DOMAINS_FLAGS,
                               "virConnectListAllDomains", error))
        return false;
    doms = shoalClusterListDomains(shoalDriverClientGetCluster(client),
                                   args->flags, error);
    if (!doms)
        return false;
    if (doms->len > REMOTE_DOMAIN_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many domains '%1$u' for limit '%2$d'"), doms->len,
                    REMOTE_DOMAIN_LIST_MAX);
        return false;
    }
    if (args->need_results) {
        ret->domains.domains_len = doms->len;
        ret->domains.domains_val =
            g_new0(remote_nonnull_domain, MAX(doms->len, 1));
        /* the names move to the reply: 16 000 copies fewer */
        for (i = 0; i < doms->len; i++) {
            shoalDomainRef *ref = doms->pdata[i];
            remote_nonnull_domain *out = &ret->domains.domains_val[i];

            out->name = g_steal_pointer(&ref->name);
            memcpy(out->uuid, ref->uuid, VIR_UUID_BUFLEN);
            out->id = ref->id;
        }
    }
    ret->ret = doms->len;
    return true;
}

/* The legacy list calls Perl's helpers and virsh's fallbacks use. */
static GPtrArray *
domainListLegacy(shoalDriverClient *client,
                 unsigned flags,
                 int max,
                 GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;

    if (max < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: maximum must not be negative"));
        return NULL;
    }
    if (max > REMOTE_DOMAIN_LIST_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Too many domains '%1$d' for limit '%2$d'"), max,
                    REMOTE_DOMAIN_LIST_MAX);
        return NULL;
    }
    doms = shoalClusterListDomains(shoalDriverClientGetCluster(client), flags,
                                   error);
    if (doms && doms->len > (guint) max)
        g_ptr_array_set_size(doms, max);
    return g_steal_pointer(&doms);
}

bool
shoalDispatchConnectListDomains(shoalDriverClient *client,
                                const remote_connect_list_domains_args *args,
                                remote_connect_list_domains_ret *ret,
                                GError **error)
{
    g_autoptr(GPtrArray) doms =
        domainListLegacy(client, VIR_CONNECT_LIST_DOMAINS_ACTIVE, args->maxids,
                         error);
    guint i;

    if (!doms)
        return false;
    ret->ids.ids_len = doms->len;
    ret->ids.ids_val = g_new0(int, MAX(doms->len, 1));
    for (i = 0; i < doms->len; i++)
        ret->ids.ids_val[i] = ((shoalDomainRef *) doms->pdata[i])->id;
    return true;
}

bool
shoalDispatchConnectListDefinedDomains(
    shoalDriverClient *client,
    const remote_connect_list_defined_domains_args *args,
    remote_connect_list_defined_domains_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) doms =
        domainListLegacy(client, VIR_CONNECT_LIST_DOMAINS_INACTIVE,
                         args->maxnames, error);
    guint i;

    if (!doms)
        return false;
    ret->names.names_len = doms->len;
    ret->names.names_val = g_new0(remote_nonnull_string, MAX(doms->len, 1));
    for (i = 0; i < doms->len; i++)
        ret->names.names_val[i] =
            g_strdup(((shoalDomainRef *) doms->pdata[i])->name);
    return true;
}

static bool
domainCount(shoalDriverClient *client, unsigned flags, int *num, GError **error)
{
    g_autoptr(GPtrArray) doms =
        shoalClusterListDomains(shoalDriverClientGetCluster(client), flags,
                                error);

    if (!doms)
        return false;
    *num = doms->len;
    return true;
}

bool
shoalDispatchConnectNumOfDomains(shoalDriverClient *client,
                                 const void *args,
                                 remote_connect_num_of_domains_ret *ret,
                                 GError **error)
{
    return domainCount(client, VIR_CONNECT_LIST_DOMAINS_ACTIVE, &ret->num,
                       error);
}

bool
shoalDispatchConnectNumOfDefinedDomains(
    shoalDriverClient *client,
    const void *args,
    remote_connect_num_of_defined_domains_ret *ret,
    GError **error)
{
    return domainCount(client, VIR_CONNECT_LIST_DOMAINS_INACTIVE, &ret->num,
                       error);
}

bool
shoalDispatchDomainLookupByName(shoalDriverClient *client,
                                const remote_domain_lookup_by_name_args *args,
                                remote_domain_lookup_by_name_ret *ret,
                                GError **error)
{
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByName(shoalDriverClientGetCluster(client),
                                       args->name, error);

    if (!ref)
        return false;
    domainFillRef(&ret->dom, ref);
    return true;
}

bool
shoalDispatchDomainLookupByUuid(shoalDriverClient *client,
                                const remote_domain_lookup_by_uuid_args *args,
                                remote_domain_lookup_by_uuid_ret *ret,
                                GError **error)
{
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByUUID(shoalDriverClientGetCluster(client),
                                       (const unsigned char *) args->uuid,
                                       error);

    if (!ref)
        return false;
    domainFillRef(&ret->dom, ref);
    return true;
}

bool
shoalDispatchDomainLookupById(shoalDriverClient *client,
                              const remote_domain_lookup_by_id_args *args,
                              remote_domain_lookup_by_id_ret *ret,
                              GError **error)
{
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByID(shoalDriverClientGetCluster(client),
                                     args->id, error);

    if (!ref)
        return false;
    domainFillRef(&ret->dom, ref);
    return true;
}

#define DOM_UUID(d) ((const unsigned char *) (d).uuid)

bool
shoalDispatchDomainGetState(shoalDriverClient *client,
                            const remote_domain_get_state_args *args,
                            remote_domain_get_state_ret *ret,
                            GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virDomainGetState", error))
        return false;
    return shoalClusterDomainGetState(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), &ret->state,
                                      &ret->reason, error);
}

bool
shoalDispatchDomainIsActive(shoalDriverClient *client,
                            const remote_domain_is_active_args *args,
                            remote_domain_is_active_ret *ret,
                            GError **error)
{
    ret->active =
        shoalClusterDomainIsActive(shoalDriverClientGetCluster(client),
                                   DOM_UUID(args->dom), error);
    return ret->active >= 0;
}

bool
shoalDispatchDomainIsPersistent(shoalDriverClient *client,
                                const remote_domain_is_persistent_args *args,
                                remote_domain_is_persistent_ret *ret,
                                GError **error)
{
    ret->persistent =
        shoalClusterDomainIsPersistent(shoalDriverClientGetCluster(client),
                                       DOM_UUID(args->dom), error);
    return ret->persistent >= 0;
}

bool
shoalDispatchDomainGetInfo(shoalDriverClient *client,
                           const remote_domain_get_info_args *args,
                           remote_domain_get_info_ret *ret,
                           GError **error)
{
    virDomainInfo info = { 0 };

    if (!shoalClusterDomainGetInfo(shoalDriverClientGetCluster(client),
                                   DOM_UUID(args->dom), &info, error))
        return false;
    ret->state = info.state;
    ret->maxMem = info.maxMem;
    ret->memory = info.memory;
    ret->nrVirtCpu = info.nrVirtCpu;
    ret->cpuTime = info.cpuTime;
    return true;
}

bool
shoalDispatchDomainGetXmlDesc(shoalDriverClient *client,
                              const remote_domain_get_xml_desc_args *args,
                              remote_domain_get_xml_desc_ret *ret,
                              GError **error)
{
    /* libvirt refuses secure XML (passwords) to read-only clients */
    if ((args->flags & VIR_DOMAIN_XML_SECURE) &&
        shoalDriverClientIsReadOnly(client)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_DENIED,
                    _("operation forbidden: virDomainGetXMLDesc with secure flag"));
        return false;
    }
    /* flags go to the host unchanged: it knows which it supports */
    ret->xml =
        shoalClusterDomainGetXMLDesc(shoalDriverClientGetCluster(client),
                                     DOM_UUID(args->dom), args->flags, error);
    return ret->xml != NULL;
}

bool
shoalDispatchDomainGetOsType(shoalDriverClient *client,
                             const remote_domain_get_os_type_args *args,
                             remote_domain_get_os_type_ret *ret,
                             GError **error)
{
    ret->type = shoalClusterDomainGetOSType(shoalDriverClientGetCluster(client),
                                            DOM_UUID(args->dom), error);
    return ret->type != NULL;
}

bool
shoalDispatchDomainGetAutostart(shoalDriverClient *client,
                                const remote_domain_get_autostart_args *args,
                                remote_domain_get_autostart_ret *ret,
                                GError **error)
{
    ret->autostart =
        shoalClusterDomainGetAutostart(shoalDriverClientGetCluster(client),
                                       DOM_UUID(args->dom), error);
    return ret->autostart >= 0;
}

bool
shoalDispatchDomainGetVcpusFlags(shoalDriverClient *client,
                                 const remote_domain_get_vcpus_flags_args *args,
                                 remote_domain_get_vcpus_flags_ret *ret,
                                 GError **error)
{
    if ((args->flags & VIR_DOMAIN_VCPU_GUEST) &&
        shoalDriverClientIsReadOnly(client)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_DENIED,
                    _("operation forbidden: read only access prevents virDomainGetVcpusFlags"));
        return false;
    }
    ret->num =
        shoalClusterDomainGetVcpusFlags(shoalDriverClientGetCluster(client),
                                        DOM_UUID(args->dom), args->flags,
                                        error);
    return ret->num >= 0;
}

bool
shoalDispatchDomainGetMaxVcpus(shoalDriverClient *client,
                               const remote_domain_get_max_vcpus_args *args,
                               remote_domain_get_max_vcpus_ret *ret,
                               GError **error)
{
    ret->num =
        shoalClusterDomainGetMaxVcpus(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), error);
    return ret->num >= 0;
}

bool
shoalDispatchDomainGetMaxMemory(shoalDriverClient *client,
                                const remote_domain_get_max_memory_args *args,
                                remote_domain_get_max_memory_ret *ret,
                                GError **error)
{
    unsigned long long kib = 0;

    if (!shoalClusterDomainGetMaxMemory(shoalDriverClientGetCluster(client),
                                        DOM_UUID(args->dom), &kib, error))
        return false;
    ret->memory = kib;
    return true;
}

bool
shoalDispatchDomainHasManagedSaveImage(
    shoalDriverClient *client,
    const remote_domain_has_managed_save_image_args *args,
    remote_domain_has_managed_save_image_ret *ret,
    GError **error)
{
    if (!shoalDriverCheckFlags(args->flags, 0, "virDomainHasManagedSaveImage",
                               error))
        return false;
    ret->result =
        shoalClusterDomainHasManagedSaveImage(shoalDriverClientGetCluster(
                                                  client),
                                              DOM_UUID(args->dom), args->flags,
                                              error);
    return ret->result >= 0;
}

bool
shoalDispatchConnectGetAllDomainStats(
    shoalDriverClient *client,
    const remote_connect_get_all_domain_stats_args *args,
    remote_connect_get_all_domain_stats_ret *ret,
    GError **error)
{
    g_autoptr(GPtrArray) uuids = NULL;
    g_autoptr(GPtrArray) records = NULL;
    guint i;

    if (args->doms.doms_len > 0) {
        uuids = g_ptr_array_new();
        for (i = 0; i < args->doms.doms_len; i++)
            g_ptr_array_add(uuids, args->doms.doms_val[i].uuid);
    }
    /* stats groups and flags are the hosts' to validate */
    records =
        shoalClusterGetAllDomainStats(shoalDriverClientGetCluster(client),
                                      uuids, args->stats, args->flags, error);
    if (!records)
        return false;

    ret->retStats.retStats_len = records->len;
    ret->retStats.retStats_val =
        g_new0(remote_domain_stats_record, MAX(records->len, 1));
    for (i = 0; i < records->len; i++) {
        const shoalDomainStats *rec = records->pdata[i];
        remote_domain_stats_record *out = &ret->retStats.retStats_val[i];

        domainFillRef(&out->dom, rec->dom);
        shoalDriverParamsFill(rec->params, &out->params.params_val,
                              &out->params.params_len);
    }
    return true;
}

bool
shoalDispatchDomainGetSecurityLabel(
    shoalDriverClient *client,
    const remote_domain_get_security_label_args *args,
    remote_domain_get_security_label_ret *ret,
    GError **error)
{
    /* no security driver is applied through Shoal: an empty label */
    ret->label.label_len = 1;
    ret->label.label_val = g_strdup("");
    ret->enforcing = 0;
    return shoalClusterDomainIsActive(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), error) >= 0;
}

bool
shoalDispatchDomainGetSecurityLabelList(
    shoalDriverClient *client,
    const remote_domain_get_security_label_list_args *args,
    remote_domain_get_security_label_list_ret *ret,
    GError **error)
{
    remote_domain_get_security_label_ret *label;

    /* one empty label, the answer of a host without a security driver */
    if (shoalClusterDomainIsActive(shoalDriverClientGetCluster(client),
                                   DOM_UUID(args->dom), error) < 0)
        return false;
    label = g_new0(remote_domain_get_security_label_ret, 1);
    label->label.label_len = 1;
    label->label.label_val = g_strdup("");
    ret->labels.labels_len = 1;
    ret->labels.labels_val = label;
    ret->ret = 1;
    return true;
}

bool
shoalDispatchDomainGetMessages(shoalDriverClient *client,
                               const remote_domain_get_messages_args *args,
                               remote_domain_get_messages_ret *ret,
                               GError **error)
{
    g_auto(GStrv) msgs = NULL;
    guint n;

    /* flags select kinds of messages: the host validates them */
    msgs =
        shoalClusterDomainGetMessages(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), args->flags, error);
    if (!msgs)
        return false;
    n = g_strv_length(msgs);
    if (n > REMOTE_DOMAIN_MESSAGES_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("too many messages '%1$u' for limit '%2$d'"), n,
                    REMOTE_DOMAIN_MESSAGES_MAX);
        return false;
    }
    ret->msgs.msgs_len = n;
    ret->msgs.msgs_val = (remote_nonnull_string *) g_steal_pointer(&msgs);
    return true;
}

bool
shoalDispatchDomainSnapshotNum(shoalDriverClient *client,
                               const remote_domain_snapshot_num_args *args,
                               remote_domain_snapshot_num_ret *ret,
                               GError **error)
{
    ret->num =
        shoalClusterDomainSnapshotNum(shoalDriverClientGetCluster(client),
                                      DOM_UUID(args->dom), args->flags, error);
    return ret->num >= 0;
}
