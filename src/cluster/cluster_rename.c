/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Renaming a domain: a name is the cluster's, not one host's, so the new
 * name is reserved as a define reserves it and checked against every
 * host's domains; the host renames, the store and the inventory follow.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_error.h"

typedef struct {
    const char *newName;
    unsigned flags;
} renameArgs;

static int
renameCall(virDomainPtr dom, gpointer opaque)
{
    const renameArgs *r = opaque;

    return virDomainRename(dom, r->newName, r->flags);
}

static int
renameNoop(virDomainPtr dom, gpointer opaque)
{
    return 0;
}

/**
 * shoalClusterDomainRename:
 *
 * As virDomainRename(), under the domain's job and the new name's
 * reservation; the stored definition is the host's afterwards.
 */
bool
shoalClusterDomainRename(shoalCluster *cluster,
                         const unsigned char *uuid,
                         const char *newName,
                         unsigned flags,
                         GError **error)
{
    g_autoptr(shoalInventoryEntry) other = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autofree char *hostName = NULL;
    renameArgs r = { newName, flags };
    int rc;

    if (!shoalDomainJobsReserveName(cluster->jobs, newName, error))
        return false;
    other = shoalInventoryLookupByName(cluster->inventory, newName, NULL);
    if (other && memcmp(other->rec.uuid, uuid, VIR_UUID_BUFLEN) != 0) {
        shoalDomainJobsReleaseName(cluster->jobs, newName);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("domain with name '%1$s' already exists"), newName);
        return false;
    }
    rc = shoalClusterDomainCallFull(cluster, uuid, SHOAL_CALL_JOB, renameCall,
                                    &r, &hostName, error);
    if (rc >= 0) {
        /* the host's cached handle may still carry the old name: read
         * the domain afresh into the store and the inventory */
        if ((host = shoalClusterLookupHost(cluster, hostName, NULL)))
            shoalHostForgetDomain(host, uuid);
        shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_REFRESH, renameNoop,
                               NULL, NULL);
    }
    shoalDomainJobsReleaseName(cluster->jobs, newName);
    return rc >= 0;
}
