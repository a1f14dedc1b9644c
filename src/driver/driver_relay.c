/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The relay between a client's stream (driver_stream.c) and a stream on a
 * member host (src/cluster's shoalClusterStream): every stream procedure
 * (console, channel, screenshot; volume upload and download) opens the
 * host's end with one cluster call, then hands it to
 * shoalDriverRelayOpen().
 */
#include <config.h>

#include "driver_relay.h"

static bool
relayRecv(const char *data, size_t len, gpointer opaque)
{
    return shoalDriverStreamHostData(opaque, data, len);
}

static void
relaySent(gpointer opaque)
{
    shoalDriverStreamHostSent(opaque);
}

static void
relayClosed(const GError *error, gpointer opaque)
{
    shoalDriverStreamHostClosed(opaque, error);
}

static const shoalClusterStreamOps relayClusterOps = {
    .recv = relayRecv,
    .sent = relaySent,
    .closed = relayClosed,
};

static void
relayStart(gpointer host, shoalDriverStream *stream)
{
    /* the host's end holds the stream until it reported closed() */
    shoalClusterStreamStart(host, &relayClusterOps,
                            shoalDriverStreamRef(stream),
                            (GDestroyNotify) shoalDriverStreamUnref);
}

static bool
relaySend(gpointer host, GBytes *data)
{
    return shoalClusterStreamSend(host, data);
}

static void
relayResume(gpointer host)
{
    shoalClusterStreamResume(host);
}

static void
relayFinish(gpointer host)
{
    shoalClusterStreamFinish(host);
}

static void
relayAbort(gpointer host)
{
    shoalClusterStreamAbort(host);
}

static const shoalDriverStreamHostOps relayHostOps = {
    .start = relayStart,
    .send = relaySend,
    .resume = relayResume,
    .finish = relayFinish,
    .abort = relayAbort,
};

/**
 * shoalDriverRelayOpen:
 * @host: (transfer full): the host's end, opened by the running call
 *
 * Worker thread, in a stream procedure's handler that succeeded: the
 * relay starts once the call's reply is queued.
 */
void
shoalDriverRelayOpen(shoalDriverClient *client, shoalClusterStream *host)
{
    shoalDriverClientSetOpening(client,
                                shoalDriverClientNewStream(client,
                                                           &relayHostOps, host,
                                                           (GDestroyNotify)
                                                               shoalClusterStreamUnref));
}
