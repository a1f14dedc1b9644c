/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One relayed stream, as libvirt's daemon runs it
 * (remote_daemon_stream.c): after the call's reply, data flows as
 * STREAM/CONTINUE packets both ways; an empty CONTINUE is the end of
 * data; the client's STREAM/OK asks to finish and is confirmed with
 * STREAM/OK; its STREAM/ERROR aborts and is confirmed with STREAM/OK; a
 * failure of the host's end reaches the client as STREAM/ERROR.
 *
 * Flow control: the host's end stops reading while
 * SHOAL_DRIVER_STREAM_TX_MAX of our packets wait to be written to the
 * client, and each data packet of the client's stays held (counted as a
 * call in flight, so the client's socket is read no further) until the
 * host took it. Whichever side goes, the other is closed: the client's
 * going aborts the host's end, the host's end closing ends the client's.
 */
#include <config.h>

#include "driver_stream.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_error.h"
#include "util_error.h"

typedef enum {
    STREAM_STATE_OPEN = 0,
    STREAM_STATE_FINISHING, /* the client asked to finish */
    STREAM_STATE_ABORTING,  /* the client, or Shoal, asked to abort */
    STREAM_STATE_CLOSED,    /* the host's end is closed */
} streamState;

struct _shoalDriverStream {
    gint refs;
    const shoalDriverStreamHostOps *hostOps; /* immutable */
    gpointer host;                           /* immutable */
    GDestroyNotify hostFree;                 /* immutable */
    const shoalDriverStreamPeerOps *peerOps; /* immutable */
    gpointer peer;                           /* immutable */
    GDestroyNotify peerFree;                 /* immutable */
    shoalMessageHeader call;                 /* immutable once bound */

    GMutex lock;
    streamState state;  /* protected by lock */
    bool peerGone;      /* protected by lock: nothing more to send */
    bool eofSent;       /* protected by lock */
    unsigned txQueued;  /* protected by lock: packets not yet written */
    bool txPaused;      /* protected by lock: the host's end waits */
    GError *abortError; /* protected by lock: for the client, or NULL */
};

/**
 * shoalDriverStreamNew:
 * @host: (transfer full): the host's end, freed with @hostFree
 * @peer: (transfer full): the client's end, freed with @peerFree
 *
 * Returns: (transfer full): a stream to bind to its call.
 */
shoalDriverStream *
shoalDriverStreamNew(const shoalDriverStreamHostOps *hostOps,
                     gpointer host,
                     GDestroyNotify hostFree,
                     const shoalDriverStreamPeerOps *peerOps,
                     gpointer peer,
                     GDestroyNotify peerFree)
{
    shoalDriverStream *stream = g_new0(shoalDriverStream, 1);

    stream->refs = 1;
    stream->hostOps = hostOps;
    stream->host = host;
    stream->hostFree = hostFree;
    stream->peerOps = peerOps;
    stream->peer = peer;
    stream->peerFree = peerFree;
    g_mutex_init(&stream->lock);
    return stream;
}

shoalDriverStream *
shoalDriverStreamRef(shoalDriverStream *stream)
{
    g_atomic_int_inc(&stream->refs);
    return stream;
}

void
shoalDriverStreamUnref(shoalDriverStream *stream)
{
    if (!stream || !g_atomic_int_dec_and_test(&stream->refs))
        return;
    if (stream->hostFree)
        stream->hostFree(stream->host);
    if (stream->peerFree)
        stream->peerFree(stream->peer);
    g_clear_error(&stream->abortError);
    g_mutex_clear(&stream->lock);
    g_free(stream);
}

/* Worker thread, once the call's reply is queued: relaying begins. */
void
shoalDriverStreamStart(shoalDriverStream *stream)
{
    stream->hostOps->start(stream->host, stream);
}

/* The call whose serial and procedure name the stream's packets. */
void
shoalDriverStreamBind(shoalDriverStream *stream, const shoalMessageHeader *call)
{
    stream->call = *call;
}

guint32
shoalDriverStreamGetSerial(shoalDriverStream *stream)
{
    return stream->call.serial;
}

gint32
shoalDriverStreamGetProc(shoalDriverStream *stream)
{
    return stream->call.proc;
}

/* Returns: (transfer none): the host's end. */
gpointer
shoalDriverStreamGetHost(shoalDriverStream *stream)
{
    return stream->host;
}

bool
shoalDriverStreamIsClosed(shoalDriverStream *stream)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&stream->lock);

    return stream->state == STREAM_STATE_CLOSED;
}

static GBytes *
streamPacket(shoalDriverStream *stream,
             shoalMessageStatus status,
             const char *data,
             size_t len)
{
    shoalMessageHeader hdr = stream->call;

    hdr.type = SHOAL_MESSAGE_TYPE_STREAM;
    hdr.status = status;
    return shoalMessageEncodeRaw(&hdr, data, len);
}

/* Moves to ABORTING and asks the host's end to abort, unless over. */
static void
streamAbortWith(shoalDriverStream *stream, GError *error)
{
    bool abort = false;

    g_mutex_lock(&stream->lock);
    if (stream->state == STREAM_STATE_OPEN) {
        stream->state = STREAM_STATE_ABORTING;
        stream->abortError = error;
        error = NULL;
        abort = true;
    }
    g_mutex_unlock(&stream->lock);
    g_clear_error(&error);
    if (abort)
        stream->hostOps->abort(stream->host);
}

/**
 * shoalDriverStreamHandlePacket:
 * @hdr: a STREAM or STREAM_HOLE packet of this stream's call
 * @payload: its bytes after the header
 *
 * Main thread. Returns: true when the packet is held until the host took
 * its data (the peer's release op says when), false when it is done with.
 */
bool
shoalDriverStreamHandlePacket(shoalDriverStream *stream,
                              const shoalMessageHeader *hdr,
                              const guint8 *payload,
                              size_t len)
{
    g_autoptr(GBytes) data = NULL;
    bool open;

    g_mutex_lock(&stream->lock);
    open = stream->state == STREAM_STATE_OPEN;
    g_mutex_unlock(&stream->lock);
    /* late packets of a stream that is ending: libvirtd drops them too */
    if (!open)
        return false;

    if (hdr->type == SHOAL_MESSAGE_TYPE_STREAM_HOLE) {
        GError *error = NULL;

        /* no procedure relayed here is sparse */
        g_set_error(&error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Unexpected stream hole"));
        streamAbortWith(stream, error);
        return false;
    }
    switch (hdr->status) {
    case SHOAL_MESSAGE_STATUS_CONTINUE:
        if (len == 0)
            return false;
        data = g_bytes_new(payload, len);
        return stream->hostOps->send(stream->host, data);
    case SHOAL_MESSAGE_STATUS_OK:
        g_mutex_lock(&stream->lock);
        stream->state = STREAM_STATE_FINISHING;
        g_mutex_unlock(&stream->lock);
        stream->hostOps->finish(stream->host);
        return false;
    default:
        streamAbortWith(stream, NULL);
        return false;
    }
}

/**
 * shoalDriverStreamAbort:
 * @error: (nullable): what the client is told
 *
 * Any thread: Shoal ends the stream, e.g. its call's reply could not be
 * sent.
 */
void
shoalDriverStreamAbort(shoalDriverStream *stream, const GError *error)
{
    streamAbortWith(stream, error ? g_error_copy(error) : NULL);
}

/* Any thread: the client went; the host's end is aborted. */
void
shoalDriverStreamPeerGone(shoalDriverStream *stream)
{
    g_mutex_lock(&stream->lock);
    stream->peerGone = true;
    g_mutex_unlock(&stream->lock);
    streamAbortWith(stream, NULL);
}

typedef struct _streamTx {
    shoalDriverStream *stream; /* a reference */
    GBytes *packet;
} streamTx;

/* A packet of ours was written to the client, or dropped with it. */
static void
streamTxDone(gpointer opaque)
{
    streamTx *tx = opaque;
    shoalDriverStream *stream = tx->stream;
    bool resume = false;

    g_mutex_lock(&stream->lock);
    stream->txQueued--;
    if (stream->txPaused && stream->state == STREAM_STATE_OPEN &&
        !stream->peerGone) {
        stream->txPaused = false;
        resume = true;
    }
    g_mutex_unlock(&stream->lock);
    if (resume)
        stream->hostOps->resume(stream->host);
    g_bytes_unref(tx->packet);
    shoalDriverStreamUnref(stream);
    g_free(tx);
}

/**
 * shoalDriverStreamHostData:
 * @len: 0 for the host's end of data
 *
 * The host's end read @data. Returns: whether it may read more now;
 * if not, the stream resumes it once the client took some.
 */
bool
shoalDriverStreamHostData(shoalDriverStream *stream,
                          const char *data,
                          size_t len)
{
    streamTx *tx;
    GBytes *packet;
    gconstpointer bytes;
    gsize size;
    bool more;

    g_mutex_lock(&stream->lock);
    if (stream->state != STREAM_STATE_OPEN || stream->peerGone ||
        stream->eofSent) {
        /* ending: what is still in flight goes nowhere */
        g_mutex_unlock(&stream->lock);
        return true;
    }
    if (len == 0)
        stream->eofSent = true;
    stream->txQueued++;
    more = stream->txQueued < SHOAL_DRIVER_STREAM_TX_MAX;
    if (!more)
        stream->txPaused = true;
    g_mutex_unlock(&stream->lock);

    tx = g_new0(streamTx, 1);
    tx->stream = shoalDriverStreamRef(stream);
    /* an empty CONTINUE is the end of data, as libvirtd sends it */
    tx->packet = streamPacket(stream, SHOAL_MESSAGE_STATUS_CONTINUE, data, len);
    bytes = g_bytes_get_data(tx->packet, &size);
    /* the client's queue drops its last reference once written */
    packet = g_bytes_new_with_free_func(bytes, size, streamTxDone, tx);
    stream->peerOps->transmit(stream->peer, packet);
    g_bytes_unref(packet);
    return more;
}

/* The host's end took, or dropped, one buffer HandlePacket() sent. */
void
shoalDriverStreamHostSent(shoalDriverStream *stream)
{
    stream->peerOps->release(stream->peer);
}

/**
 * shoalDriverStreamHostClosed:
 * @error: (nullable): the host's error
 *
 * The host's end is closed: the client hears how (STREAM/OK confirming
 * its finish or abort, STREAM/ERROR otherwise), then the stream is over.
 */
void
shoalDriverStreamHostClosed(shoalDriverStream *stream, const GError *error)
{
    g_autoptr(GError) abortError = NULL;
    g_autoptr(GError) unexpected = NULL;
    g_autoptr(GBytes) packet = NULL;
    streamState was;
    bool peerGone;

    g_mutex_lock(&stream->lock);
    was = stream->state;
    stream->state = STREAM_STATE_CLOSED;
    peerGone = stream->peerGone;
    abortError = g_steal_pointer(&stream->abortError);
    g_mutex_unlock(&stream->lock);
    if (was == STREAM_STATE_CLOSED)
        return;

    if (was == STREAM_STATE_ABORTING) {
        error = abortError;
    } else if (was == STREAM_STATE_OPEN && !error) {
        g_set_error(&unexpected, SHOAL_ERROR, VIR_ERR_RPC,
                    _("stream had unexpected termination"));
        error = unexpected;
    }
    g_debug("stream of serial %u closed (state %d): %s", stream->call.serial,
            was, error ? error->message : "ok");
    if (!peerGone) {
        if (error)
            packet = shoalDriverErrorEncodeStream(&stream->call, error);
        else
            packet = streamPacket(stream, SHOAL_MESSAGE_STATUS_OK, NULL, 0);
        if (packet)
            stream->peerOps->transmit(stream->peer, packet);
    }
    stream->peerOps->closed(stream->peer, stream);
}
