/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cluster network's DHCP leases: every host that runs the network
 * hands out its own (a host-local network has a subnet per host), so
 * the leases of all of them are merged, each with its host named in
 * the lease's interface: "host/virbr1".
 */
#include <config.h>

#include "cluster_internal.h"

typedef struct {
    GPtrArray *leases; /* virNetworkDHCPLeasePtr */
    const char *mac;
    unsigned flags;
} leaseRun;

static int
networkLeasesOne(void *net, const char *hostName, gpointer opaque)
{
    leaseRun *run = opaque;
    virNetworkDHCPLeasePtr *leases = NULL;
    int n = virNetworkGetDHCPLeases(net, run->mac, &leases, run->flags);
    int i;

    if (n < 0)
        return -1;
    for (i = 0; i < n; i++) {
        char *iface = leases[i]->iface;

        leases[i]->iface = g_strdup_printf("%s/%s", hostName, iface);
        free(iface);
        g_ptr_array_add(run->leases, leases[i]);
    }
    free(leases);
    return n;
}

/**
 * shoalClusterNetworkGetDHCPLeases:
 * @mac: (nullable): only the leases of this MAC address
 *
 * Returns: (transfer full): virNetworkDHCPLeasePtr of every online host
 *   that has the network, the host named in each lease's iface, or NULL
 *   with @error set if a host failed.
 */
GPtrArray *
shoalClusterNetworkGetDHCPLeases(shoalCluster *cluster,
                                 const unsigned char *uuid,
                                 const char *mac,
                                 unsigned flags,
                                 GError **error)
{
    g_autoptr(GPtrArray) leases = g_ptr_array_new_with_free_func(
        (GDestroyNotify) virNetworkDHCPLeaseFree);
    leaseRun run = { leases, mac, flags };

    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_NETWORK, uuid, true,
                               networkLeasesOne, &run, NULL, error) < 0)
        return NULL;
    return g_steal_pointer(&leases);
}
