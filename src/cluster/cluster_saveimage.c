/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Save images on storage every host sees: restore and the image's XML.
 * A restore has no domain argument; the image's XML names the domain, and
 * the host is the one that holds it (inventory, else store), else the one
 * placement picks, as for a define.
 */
#include <config.h>

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

/* Any online host: the image is on shared storage. */
static shoalHost *
saveImageAnyHost(shoalCluster *cluster, const char *file, GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        if (shoalHostGetState(hosts->pdata[i]) == SHOAL_HOST_STATE_ONLINE)
            return shoalHostRef(hosts->pdata[i]);
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                _("no member host is online to read '%1$s'"), file);
    return NULL;
}

/*
 * The host that holds @uuid: the inventory's, else the store's. Returns
 * NULL without an error for a domain Shoal does not know.
 */
static shoalHost *
saveImageOwner(shoalCluster *cluster, const unsigned char *uuid, GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    g_autoptr(shoalStoreDomain) stored = NULL;

    if (entry) {
        if (!shoalInventoryEntryCheckUsable(entry, error))
            return NULL;
        return shoalClusterLookupHost(cluster, entry->hostName, error);
    }
    if (cluster->store)
        stored = shoalStoreLookup(cluster->store, uuid, NULL);
    if (stored && stored->hostName)
        return shoalClusterLookupHost(cluster, stored->hostName, error);
    return NULL;
}

/* The image's domain XML, read on any online host. */
static char *
saveImageReadXML(shoalCluster *cluster,
                 const char *file,
                 unsigned flags,
                 GError **error)
{
    g_autoptr(shoalHost) host = saveImageAnyHost(cluster, file, error);
    virConnectPtr conn;
    char *xml;
    char *ret;

    if (!host || !(conn = shoalHostGetConnection(host, error)))
        return NULL;
    xml = virDomainSaveImageGetXMLDesc(conn, file, flags);
    if (!xml)
        shoalErrorFromLibvirt(error, host->name);
    virConnectClose(conn);
    if (!xml)
        return NULL;
    ret = g_strdup(xml);
    free(xml);
    return ret;
}

/**
 * shoalClusterSaveImageGetXMLDesc:
 *
 * The domain XML a save image holds. Worker thread.
 * Returns: (transfer full): the XML.
 */
char *
shoalClusterSaveImageGetXMLDesc(shoalCluster *cluster,
                                const char *file,
                                unsigned flags,
                                GError **error)
{
    return saveImageReadXML(cluster, file, flags, error);
}

/**
 * shoalClusterSaveImageDefineXML:
 *
 * Replaces the domain XML in a save image, on the host of the domain it
 * names when Shoal knows it, else on any online host. Worker thread.
 */
bool
shoalClusterSaveImageDefineXML(shoalCluster *cluster,
                               const char *file,
                               const char *dxml,
                               unsigned flags,
                               GError **error)
{
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GError) err = NULL;
    virConnectPtr conn;
    int rc;

    /* XML we cannot read is the host's to refuse, with its own error */
    def = shoalDomainXMLParse(dxml, NULL);
    if (def && def->hasUUID)
        host = saveImageOwner(cluster, def->uuid, &err);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return false;
    }
    if (!host && !(host = saveImageAnyHost(cluster, file, error)))
        return false;
    if (!(conn = shoalHostGetConnection(host, error)))
        return false;
    rc = virDomainSaveImageDefineXML(conn, file, dxml, flags);
    if (rc < 0)
        shoalErrorFromLibvirt(error, host->name);
    virConnectClose(conn);
    return rc == 0;
}

/* Where a restore of @def runs: its owner, else where placement says. */
static shoalHost *
saveImageRestoreHost(shoalCluster *cluster,
                     const shoalDomainXML *def,
                     const char *xml,
                     GError **error)
{
    g_autoptr(GError) err = NULL;
    shoalHost *host = saveImageOwner(cluster, def->uuid, &err);

    if (host || err) {
        if (err)
            g_propagate_error(error, g_steal_pointer(&err));
        return host;
    }
    if (!(host = shoalClusterPlace(cluster, def, xml, NULL, NULL, error)))
        g_prefix_error(error, _("cannot place domain '%1$s': "), def->name);
    return host;
}

/* The restored domain, as its host has it now, into inventory and store. */
static void
saveImageLearn(shoalCluster *cluster,
               virConnectPtr conn,
               const unsigned char *uuid,
               const char *hostName)
{
    virDomainPtr dom = virDomainLookupByUUID(conn, uuid);

    if (!dom) {
        /* the next re-read of the host learns it */
        virResetLastError();
        return;
    }
    shoalClusterStoreRefresh(cluster, dom, hostName);
    shoalClusterRefreshDomain(cluster, dom, hostName);
    virDomainFree(dom);
}

static int
saveImageRestoreOnHost(virConnectPtr conn,
                       const char *from,
                       const char *dxml,
                       virTypedParameterPtr params,
                       int nparams,
                       unsigned flags)
{
    if (params)
        return virDomainRestoreParams(conn, params, nparams, flags);
    if (dxml || flags)
        return virDomainRestoreFlags(conn, from, dxml, flags);
    return virDomainRestore(conn, from);
}

/**
 * shoalClusterDomainRestore:
 * @from: the image (VIR_DOMAIN_SAVE_PARAM_FILE of @params when given)
 * @dxml: (nullable): a replacement XML
 * @params: (nullable): virDomainRestoreParams's parameters
 *
 * Starts a domain from a save image on the host that holds the domain the
 * image names, or where placement puts a domain Shoal does not know; the
 * domain's job is held throughout, and the inventory and store learn the
 * result. Worker thread.
 */
bool
shoalClusterDomainRestore(shoalCluster *cluster,
                          const char *from,
                          const char *dxml,
                          virTypedParameterPtr params,
                          int nparams,
                          unsigned flags,
                          GError **error)
{
    g_autofree char *imageXML = NULL;
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalHost) host = NULL;
    const char *xml = dxml;
    virConnectPtr conn;
    int rc;

    if (params) {
        const char *s = NULL;

        if (virTypedParamsGetString(params, nparams, VIR_DOMAIN_SAVE_PARAM_FILE,
                                    &s) == 1)
            from = s;
        s = NULL;
        if (virTypedParamsGetString(params, nparams, VIR_DOMAIN_SAVE_PARAM_DXML,
                                    &s) == 1)
            xml = s;
        virResetLastError();
        if (!from) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("missing parameter '%1$s'"),
                        VIR_DOMAIN_SAVE_PARAM_FILE);
            return false;
        }
    }
    if (!xml) {
        if (!(imageXML = saveImageReadXML(cluster, from, 0, error)))
            return false;
        xml = imageXML;
    }
    if (!(def = shoalDomainXMLParse(xml, error)))
        return false;
    if (!def->hasUUID) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("save image '%1$s' names no domain UUID"), from);
        return false;
    }
    if (!shoalDomainJobsBegin(cluster->jobs, def->uuid, error))
        return false;
    if (!(host = saveImageRestoreHost(cluster, def, xml, error)) ||
        !(conn = shoalHostGetConnection(host, error))) {
        shoalDomainJobsEnd(cluster->jobs, def->uuid);
        return false;
    }
    rc = saveImageRestoreOnHost(conn, from, dxml, params, nparams, flags);
    if (rc < 0)
        shoalErrorFromLibvirt(error, host->name);
    else
        saveImageLearn(cluster, conn, def->uuid, host->name);
    virConnectClose(conn);
    shoalDomainJobsEnd(cluster->jobs, def->uuid);
    return rc == 0;
}
