/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * virtshoald's store, on the backend [store] selects (issue 13). With
 * etcd, several daemons share the cluster and one leads: a daemon that
 * does not lead waits here, a hot standby that relays its clients to the
 * leader (virtshoald_standby.c), until the leader's lease ends (it died,
 * or stepped down), then loads the store and runs. A leader
 * that loses its lease stops (@deposed): its writes would be fenced off
 * anyway, and it must not act on hosts while another leads.
 */

#include <config.h>

#include "virtshoald_store.h"

#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "cluster_store_etcd.h"
#include "virtshoald_standby.h"

/**
 * shoalDaemonOpenStore:
 * @deposed: with etcd, called from any thread when this daemon stops
 *   leading
 *
 * Main thread, before shoalClusterStart(). With etcd, returns once this
 * daemon leads, however long that takes.
 */
bool
shoalDaemonOpenStore(shoalCluster *cluster,
                     const shoalDaemonConfig *config,
                     const char *stateDir,
                     const char *socketDir,
                     const shoalSocketConfig *sockets,
                     void (*deposed)(gpointer opaque),
                     gpointer opaque,
                     GError **error)
{
    g_autofree char *identity = NULL;
    g_autofree char *leader = NULL;
    g_autoptr(GError) err = NULL;
    shoalStoreEtcdConfig etcdConfig = { 0 };
    shoalStoreBackend *backend;
    g_autoptr(shoalStandby) standby = NULL;
    gint64 start;

    if (g_strcmp0(config->storeBackend, "etcd") != 0)
        return shoalClusterOpenStore(cluster, stateDir, error);

    identity =
        config->storeName
            ? g_strdup(config->storeName)
            : g_strdup_printf("%s pid %d", g_get_host_name(), (int) getpid());
    etcdConfig.endpoints = config->storeEndpoints;
    etcdConfig.prefix = config->storePrefix;
    etcdConfig.identity = identity;
    etcdConfig.leaseTtlS = config->storeLeaseTtlS;
    etcdConfig.deposed = deposed;
    etcdConfig.deposedOpaque = opaque;
    if (!(backend = shoalStoreEtcdBackendNew(&etcdConfig, error)))
        return false;

    leader = shoalStoreEtcdGetLeader(backend, &err);
    if (leader)
        g_message("'%s' leads the cluster in etcd: '%s' waits to take over",
                  leader, identity);
    else if (err)
        g_message("etcd does not answer yet: %s", err->message);
    /* meanwhile, its clients are the leader's */
    g_clear_error(&err);
    if (!(standby = shoalStandbyStart(&etcdConfig, socketDir, sockets, &err)))
        g_warning("standby: no sockets until this daemon leads: %s",
                  err->message);
    g_clear_error(&err);
    start = g_get_monotonic_time();
    /* 0: as long as another leads; etcd unreachable is retried too */
    if (!shoalStoreEtcdCampaign(backend, 0, error)) {
        shoalStoreBackendFree(backend);
        return false;
    }
    g_message("'%s' leads the cluster in etcd (after %.1f s)", identity,
              (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC);
    shoalStandbyStop(standby);
    if (!shoalStandbyPublish(backend, identity, socketDir, &err)) {
        g_warning("standbys cannot find this leader's sockets: %s",
                  err->message);
        g_clear_error(&err);
    }
    return shoalClusterOpenStoreBackend(cluster, backend, stateDir, error);
}
