/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Autostart kept across a migration: libvirt keeps the autostart flag per
 * host and a migration does not carry it, so the domain gets on its new
 * host what its stored definition says. (Not cluster_follow.c, which
 * is reconciling's poll of the hosts' inactive domains.)
 */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_log.h"

/**
 * shoalClusterMigratedKeepAutostart:
 * @dom: the domain on @hostName, where it just moved
 *
 * Gives @dom on its new host what the stored definition says it has.
 * Worker thread; a failure is logged: the move stands.
 */
void
shoalClusterMigratedKeepAutostart(shoalCluster *cluster,
                                  virDomainPtr dom,
                                  const char *hostName)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (!cluster->store || virDomainGetUUID(dom, uuid) < 0 ||
        !(sd = shoalStoreLookup(cluster->store, uuid, NULL)))
        return;
    if (sd->autostart && virDomainSetAutostart(dom, 1) < 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(hostName), SHOAL_LOG_DOMAIN(sd->name),
                         "MESSAGE", "cannot keep '%s' autostarted on '%s'",
                         sd->name, hostName);
    virResetLastError();
}
