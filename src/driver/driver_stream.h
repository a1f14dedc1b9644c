/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The client's end of a relayed stream: libvirt's STREAM packets of one
 * call (program, procedure, serial) to and from a "host" end that moves
 * the bytes (src/cluster's shoalClusterStream in the daemon, a fake in the
 * tests). Both ends are reached through small op tables, so the same
 * state machine serves every stream procedure.
 */

#include <stdbool.h>

#include <glib.h>

#include "driver_message.h"

typedef struct _shoalDriverStream shoalDriverStream;

/* The host's end; any thread, never with the stream's lock held. */
typedef struct _shoalDriverStreamHostOps {
    /* relaying begins: data reaches HostData(), the end HostClosed() */
    void (*start)(gpointer host, shoalDriverStream *stream);
    /* false: the host's end is ending; else answered by HostSent() */
    bool (*send)(gpointer host, GBytes *data);
    void (*resume)(gpointer host); /* take data again */
    void (*finish)(gpointer host); /* answered by HostClosed() */
    void (*abort)(gpointer host);  /* answered by HostClosed() */
} shoalDriverStreamHostOps;

/* The client's end. */
typedef struct _shoalDriverStreamPeerOps {
    /* queues a whole packet for the client */
    void (*transmit)(gpointer peer, GBytes *packet);
    /* a data packet of the client's that HandlePacket() held is done */
    void (*release)(gpointer peer);
    /* the stream is over: forget it */
    void (*closed)(gpointer peer, shoalDriverStream *stream);
} shoalDriverStreamPeerOps;

/* packets to the client not yet written before the host's end waits:
 * libvirt's daemon keeps one in flight; a few keep a console fluid */
#define SHOAL_DRIVER_STREAM_TX_MAX 4

shoalDriverStream *shoalDriverStreamNew(const shoalDriverStreamHostOps *hostOps,
                                        gpointer host,
                                        GDestroyNotify hostFree,
                                        const shoalDriverStreamPeerOps *peerOps,
                                        gpointer peer,
                                        GDestroyNotify peerFree);

shoalDriverStream *shoalDriverStreamRef(shoalDriverStream *stream);

void shoalDriverStreamUnref(shoalDriverStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDriverStream, shoalDriverStreamUnref)

void shoalDriverStreamStart(shoalDriverStream *stream);

void shoalDriverStreamBind(shoalDriverStream *stream,
                           const shoalMessageHeader *call);

guint32 shoalDriverStreamGetSerial(shoalDriverStream *stream);

gint32 shoalDriverStreamGetProc(shoalDriverStream *stream);

gpointer shoalDriverStreamGetHost(shoalDriverStream *stream);

bool shoalDriverStreamHandlePacket(shoalDriverStream *stream,
                                   const shoalMessageHeader *hdr,
                                   const guint8 *payload,
                                   size_t len);

void shoalDriverStreamAbort(shoalDriverStream *stream, const GError *error);

void shoalDriverStreamPeerGone(shoalDriverStream *stream);

bool shoalDriverStreamHostData(shoalDriverStream *stream,
                               const char *data,
                               size_t len);

void shoalDriverStreamHostSent(shoalDriverStream *stream);

void shoalDriverStreamHostClosed(shoalDriverStream *stream,
                                 const GError *error);

bool shoalDriverStreamIsClosed(shoalDriverStream *stream);
