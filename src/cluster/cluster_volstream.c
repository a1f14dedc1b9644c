/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Volume streams. libvirt's storage driver writes an upload straight into
 * the volume and, when the stream is aborted, leaves what arrived in place
 * with the volume still listed. So that a cut upload (the client
 * vanishes, aborts, or the host fails) leaves no half-written volume
 * that looks complete, Shoal deletes the volume on the host it wrote
 * through once such an upload ends.
 */
#include <config.h>

#include "cluster_volstream.h"

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

typedef struct {
    bool upload;
    unsigned long long offset;
    unsigned long long length;
    unsigned flags;
    virStreamPtr st;      /* out */
    virStorageVolPtr vol; /* out: the upload's volume, a reference */
} volStreamOpen;

static int
volStreamOpenRun(virStorageVolPtr vol, gpointer opaque)
{
    volStreamOpen *o = opaque;
    virStreamPtr st =
        virStreamNew(virStorageVolGetConnect(vol), VIR_STREAM_NONBLOCK);
    int rc;

    if (!st)
        return -1;
    if (o->upload)
        rc = virStorageVolUpload(vol, st, o->offset, o->length, o->flags);
    else
        rc = virStorageVolDownload(vol, st, o->offset, o->length, o->flags);
    /* freed by the caller, once the error of a failure is converted */
    o->st = st;
    if (rc == 0 && o->upload && virStorageVolRef(vol) == 0)
        o->vol = vol;
    return rc;
}

/* I/O thread of the stream: a cut upload takes its volume away. */
static void
volUploadEnded(bool finished, gpointer data)
{
    virStorageVolPtr vol = data;

    if (finished)
        return;
    if (virStorageVolDelete(vol, 0) < 0) {
        g_warning("volume '%s': an upload was cut and the half-written volume could not be deleted: %s",
                  virStorageVolGetName(vol), virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    g_message("volume '%s': an upload was cut, the half-written volume is deleted",
              virStorageVolGetName(vol));
}

static void
volFree(gpointer data)
{
    virStorageVolFree(data);
}

/**
 * shoalClusterVolOpenStream:
 *
 * Worker thread. Returns: (transfer full): the host's stream into or out
 * of the volume, not started yet.
 */
shoalClusterStream *
shoalClusterVolOpenStream(shoalCluster *cluster,
                          const shoalVolRef *vol,
                          shoalClusterVolStreamKind kind,
                          unsigned long long offset,
                          unsigned long long length,
                          unsigned flags,
                          GError **error)
{
    volStreamOpen o = {
        kind == SHOAL_CLUSTER_VOL_UPLOAD, offset, length, flags, NULL, NULL
    };
    shoalClusterStream *stream;

    /* sparse streams carry holes, which the relay does not */
    if (flags & (VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM |
                 VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_ARGUMENT_UNSUPPORTED,
                    _("sparse volume streams are not supported by Shoal"));
        return NULL;
    }
    if (shoalClusterVolCall(cluster, vol, volStreamOpenRun, &o, error) < 0) {
        /* the stream never opened on the host: nothing to abort */
        if (o.st)
            virStreamFree(o.st);
        return NULL;
    }
    stream = shoalClusterStreamNew(o.st, NULL);
    if (o.vol)
        shoalClusterStreamSetEndHook(stream, volUploadEnded, o.vol, volFree);
    return stream;
}
