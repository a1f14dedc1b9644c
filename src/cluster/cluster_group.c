/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_group.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_domainneeds.h"
#include "cluster_groupmeta.h"
#include "cluster_objectneeds.h"
#include "util_error.h"

static bool
groupCheckDisks(shoalCluster *cluster,
                const shoalGroupMetadata *group,
                const char *xml,
                GError **error)
{
    g_autoptr(shoalDomainNeeds) needs = shoalDomainNeedsParse(xml);
    g_autoptr(shoalNeedsPools) pools = NULL;
    guint i;

    if (group->unpooledDisks > 0 || !needs) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: group '%1$s' template disks must be files or volumes of a cluster pool"),
                    group->name);
        return false;
    }
    pools = shoalNeedsPoolsNew(cluster);
    for (i = 0; needs->poolVolumes && needs->poolVolumes[i]; i++) {
        g_autofree char *pool = g_strdup(needs->poolVolumes[i]);
        char *slash = strchr(pool, '/');

        if (slash)
            *slash = '\0';
        if (!shoalNeedsPoolsHas(pools, pool)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                        _("unsupported configuration: group '%1$s' template disk pool '%2$s' is not a cluster pool"),
                        group->name, pool);
            return false;
        }
    }
    for (i = 0; needs->paths && needs->paths[i]; i++) {
        if (!shoalNeedsPoolsOfPath(pools, needs->paths[i])) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                        _("unsupported configuration: group '%1$s' template disk '%2$s' is not on a cluster pool"),
                        group->name, needs->paths[i]);
            return false;
        }
    }
    return true;
}

/**
 * shoalClusterGroupCheckTemplate:
 *
 * Define's check of a group template: valid group metadata, and every
 * disk on a cluster pool, where a clone's overlay can go. A domain
 * without a group passes.
 */
bool
shoalClusterGroupCheckTemplate(shoalCluster *cluster,
                               const char *xml,
                               GError **error)
{
    g_autoptr(shoalGroupMetadata) group = NULL;

    if (!shoalGroupMetadataParse(xml, &group, error))
        return false;
    return !group || groupCheckDisks(cluster, group, xml, error);
}
