/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A stream opened on a domain's host (console, channel, screenshot; later
 * volume upload and download), relayed by the driver to its client. Reads
 * happen on libvirt's event thread (cluster_eventloop.c), never waiting;
 * sends, finish and abort on the stream's own I/O thread. The owner talks
 * to it from any thread through the functions below and hears back
 * through shoalClusterStreamOps.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct _shoalCluster shoalCluster;
typedef struct _shoalClusterStream shoalClusterStream;

/* recv() is called on libvirt's event thread and must not block; sent()
 * and closed() on the stream's I/O thread; never with a lock of the
 * stream's held that the owner's calls take. */
typedef struct _shoalClusterStreamOps {
    /* data from the host; @len 0 is its end of data. Returns whether the
     * owner takes more now; if not, reading waits for Resume() */
    bool (*recv)(const char *data, size_t len, gpointer opaque);
    /* one buffer Send() queued was taken by the host, or dropped
     * because the stream ended */
    void (*sent)(gpointer opaque);
    /* the host's stream is closed: finished or aborted as asked (@error
     * NULL, or the host's error for a finish that failed), or failed on
     * its own (@error set). Nothing is called after this */
    void (*closed)(const GError *error, gpointer opaque);
} shoalClusterStreamOps;

/* @finished: the host confirmed a finish; false for an abort or a
 * failure. May call the host (it runs on the stream's I/O thread). */
typedef void (*shoalClusterStreamEndHook)(bool finished, gpointer data);

shoalClusterStream *shoalClusterStreamNew(virStreamPtr st,
                                          const char *hostName);

void shoalClusterStreamSetEndHook(shoalClusterStream *stream,
                                  shoalClusterStreamEndHook hook,
                                  gpointer data,
                                  GDestroyNotify dataFree);

shoalClusterStream *shoalClusterStreamRef(shoalClusterStream *stream);

void shoalClusterStreamUnref(shoalClusterStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalClusterStream, shoalClusterStreamUnref)

void shoalClusterStreamStart(shoalClusterStream *stream,
                             const shoalClusterStreamOps *ops,
                             gpointer opaque,
                             GDestroyNotify opaqueFree);

bool shoalClusterStreamSend(shoalClusterStream *stream, GBytes *data);

void shoalClusterStreamResume(shoalClusterStream *stream);

void shoalClusterStreamFinish(shoalClusterStream *stream);

void shoalClusterStreamAbort(shoalClusterStream *stream);

/* A character device of the domain that a stream can open. */
typedef enum {
    SHOAL_CLUSTER_DEVICE_CONSOLE = 0, /* virDomainOpenConsole */
    SHOAL_CLUSTER_DEVICE_CHANNEL,     /* virDomainOpenChannel */
} shoalClusterDevice;

shoalClusterStream *shoalClusterDomainOpenDevice(shoalCluster *cluster,
                                                 const unsigned char *uuid,
                                                 shoalClusterDevice kind,
                                                 const char *name,
                                                 unsigned flags,
                                                 GError **error);

shoalClusterStream *shoalClusterDomainScreenshot(shoalCluster *cluster,
                                                 const unsigned char *uuid,
                                                 unsigned screen,
                                                 unsigned flags,
                                                 char **mime,
                                                 GError **error);
