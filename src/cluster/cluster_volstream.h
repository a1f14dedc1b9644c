/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Volume upload and download (virsh vol-upload, vol-download): a stream
 * opened on one host that has the volume's pool (on a shared pool, the
 * volume is written once, through one host), relayed like a console.
 */

#include <stdbool.h>

#include <glib.h>

#include "cluster_storage.h"
#include "cluster_stream.h"

/* Which way a volume stream goes. */
typedef enum {
    SHOAL_CLUSTER_VOL_UPLOAD = 0, /* virStorageVolUpload */
    SHOAL_CLUSTER_VOL_DOWNLOAD,   /* virStorageVolDownload */
} shoalClusterVolStreamKind;

shoalClusterStream *shoalClusterVolOpenStream(shoalCluster *cluster,
                                              const shoalVolRef *vol,
                                              shoalClusterVolStreamKind kind,
                                              unsigned long long offset,
                                              unsigned long long length,
                                              unsigned flags,
                                              GError **error);
