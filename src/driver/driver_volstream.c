/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stream procedures on a volume: upload and download. Each opens the
 * stream on one host that has the volume (cluster_volstream.c) and relays
 * it (driver_relay.c); flags are the host's to check.
 */
#include <config.h>

#include "driver_dispatch_procs.h"
#include "driver_relay.h"

static bool
volStreamOpen(shoalDriverClient *client,
              const remote_nonnull_storage_vol *wire,
              shoalClusterVolStreamKind kind,
              unsigned long long offset,
              unsigned long long length,
              unsigned flags,
              GError **error)
{
    shoalVolRef vol = { wire->pool, wire->name, wire->key };
    shoalClusterStream *host =
        shoalClusterVolOpenStream(shoalDriverClientGetCluster(client), &vol,
                                  kind, offset, length, flags, error);

    if (!host)
        return false;
    shoalDriverRelayOpen(client, host);
    return true;
}

bool
shoalDispatchStorageVolUpload(shoalDriverClient *client,
                              const remote_storage_vol_upload_args *args,
                              void *ret,
                              GError **error)
{
    return volStreamOpen(client, &args->vol, SHOAL_CLUSTER_VOL_UPLOAD,
                         args->offset, args->length, args->flags, error);
}

bool
shoalDispatchStorageVolDownload(shoalDriverClient *client,
                                const remote_storage_vol_download_args *args,
                                void *ret,
                                GError **error)
{
    return volStreamOpen(client, &args->vol, SHOAL_CLUSTER_VOL_DOWNLOAD,
                         args->offset, args->length, args->flags, error);
}
