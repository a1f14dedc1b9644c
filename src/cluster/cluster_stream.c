/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's end of a relayed stream. One virStreamPtr opened with
 * VIR_STREAM_NONBLOCK on the domain's host; its event callback, on
 * libvirt's event thread, does every virStreamRecv, virStreamSend,
 * virStreamFinish and virStreamAbort, so the stream needs no lock of its
 * own around libvirt. The owner's requests (data to send, resume, finish,
 * abort) are queued under @reqLock and wake the callback by asking for
 * WRITABLE, which libvirt's remote streams report at once.
 */
#include <config.h>

#include "cluster_stream.h"

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"

/* what one virStreamRecv reads: a packet of libvirt's daemon carries at
 * most 256 KiB; smaller keeps the console's latency low */
#define STREAM_RECV_CHUNK 65536
/* reads per wake-up, so one busy stream does not starve the others */
#define STREAM_RECV_BURST 16

typedef enum {
    STREAM_REQUEST_NONE = 0,
    STREAM_REQUEST_FINISH,
    STREAM_REQUEST_ABORT,
} streamRequest;

struct _shoalClusterStream {
    gint refs;
    virStreamPtr st; /* immutable */
    char *hostName;  /* immutable */

    const shoalClusterStreamOps *ops; /* immutable once started */
    gpointer opaque;                  /* immutable once started */
    GDestroyNotify opaqueFree;        /* immutable once started */

    GMutex reqLock;
    bool started;          /* protected by reqLock */
    bool done;             /* protected by reqLock: closed() reported */
    bool paused;           /* protected by reqLock: the owner is full */
    bool eof;              /* protected by reqLock: the host's end of data */
    streamRequest request; /* protected by reqLock */
    GQueue sendQueue;      /* protected by reqLock: GBytes for the host */
};

static shoalClusterStream *
streamNew(virStreamPtr st, const char *hostName)
{
    shoalClusterStream *stream = g_new0(shoalClusterStream, 1);

    stream->refs = 1;
    stream->st = st;
    stream->hostName = g_strdup(hostName);
    g_mutex_init(&stream->reqLock);
    g_queue_init(&stream->sendQueue);
    return stream;
}

shoalClusterStream *
shoalClusterStreamRef(shoalClusterStream *stream)
{
    g_atomic_int_inc(&stream->refs);
    return stream;
}

void
shoalClusterStreamUnref(shoalClusterStream *stream)
{
    if (!stream || !g_atomic_int_dec_and_test(&stream->refs))
        return;
    g_queue_clear_full(&stream->sendQueue, (GDestroyNotify) g_bytes_unref);
    if (stream->opaqueFree)
        stream->opaqueFree(stream->opaque);
    virStreamFree(stream->st);
    g_mutex_clear(&stream->reqLock);
    g_free(stream->hostName);
    g_free(stream);
}

static void
streamUnrefCb(void *opaque)
{
    shoalClusterStreamUnref(opaque);
}

/* The events to wait for, under @reqLock. */
static int
streamEventsLocked(shoalClusterStream *stream)
{
    int events = VIR_STREAM_EVENT_ERROR;

    /* local streams (fdstream) report a hang-up for as long as it lasts:
     * only while reading, or it would wake us again and again */
    if (!stream->paused && !stream->eof)
        events |= VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP;
    if (stream->request != STREAM_REQUEST_NONE ||
        !g_queue_is_empty(&stream->sendQueue))
        events |= VIR_STREAM_EVENT_WRITABLE;
    return events;
}

/* Under @reqLock, so that it never runs after the callback went away. */
static void
streamUpdateLocked(shoalClusterStream *stream)
{
    if (!stream->started || stream->done)
        return;
    if (virStreamEventUpdateCallback(stream->st, streamEventsLocked(stream)) <
        0)
        virResetLastError();
}

/*
 * Ends the host's stream and reports it; event thread, or the thread of
 * Start() before any callback exists. @failure: why the stream failed on
 * its own, or NULL when it ends as the owner asked.
 */
static void
streamEnd(shoalClusterStream *stream, streamRequest how, GError *failure)
{
    g_autoptr(GError) error = failure;
    g_autoptr(GQueue) dropped = g_queue_new();
    bool hadCallback;
    GBytes *data;

    g_mutex_lock(&stream->reqLock);
    if (stream->done) {
        g_mutex_unlock(&stream->reqLock);
        return;
    }
    stream->done = true;
    hadCallback = stream->started;
    while ((data = g_queue_pop_head(&stream->sendQueue)))
        g_queue_push_tail(dropped, data);
    g_mutex_unlock(&stream->reqLock);

    if (hadCallback && virStreamEventRemoveCallback(stream->st) < 0)
        virResetLastError();
    if (how == STREAM_REQUEST_FINISH && !error) {
        if (virStreamFinish(stream->st) < 0)
            shoalErrorFromLibvirt(&error, stream->hostName);
    } else if (virStreamAbort(stream->st) < 0) {
        /* the stream is gone either way; the reason is @error's */
        virResetLastError();
    }
    while ((data = g_queue_pop_head(dropped))) {
        g_bytes_unref(data);
        stream->ops->sent(stream->opaque);
    }
    stream->ops->closed(error, stream->opaque);
    /* nothing calls the owner after closed(): let it go now, which ends
     * the cycle of the owner holding this stream and this the owner */
    if (stream->opaqueFree)
        stream->opaqueFree(stream->opaque);
    stream->opaqueFree = NULL;
    stream->opaque = NULL;
}

/* Event thread: gives the host what the owner sent. Returns false once
 * the stream failed. */
static bool
streamWrite(shoalClusterStream *stream)
{
    while (true) {
        g_autoptr(GBytes) data = NULL;
        gsize len;
        const char *buf;
        int rc;

        g_mutex_lock(&stream->reqLock);
        data = g_queue_pop_head(&stream->sendQueue);
        g_mutex_unlock(&stream->reqLock);
        if (!data)
            return true;
        buf = g_bytes_get_data(data, &len);
        rc = virStreamSend(stream->st, buf, len);
        if (rc == -2) {
            /* not now: keep it first in line */
            g_mutex_lock(&stream->reqLock);
            g_queue_push_head(&stream->sendQueue, g_steal_pointer(&data));
            g_mutex_unlock(&stream->reqLock);
            return true;
        }
        if (rc < 0) {
            GError *error = NULL;

            shoalErrorFromLibvirt(&error, stream->hostName);
            stream->ops->sent(stream->opaque);
            streamEnd(stream, STREAM_REQUEST_ABORT, error);
            return false;
        }
        if ((gsize) rc < len) {
            /* a partial send: the rest goes next */
            g_mutex_lock(&stream->reqLock);
            g_queue_push_head(&stream->sendQueue,
                              g_bytes_new_from_bytes(data, rc, len - rc));
            g_mutex_unlock(&stream->reqLock);
            continue;
        }
        stream->ops->sent(stream->opaque);
    }
}

/*
 * Event thread: reads what the host has while the owner takes it; @drain
 * (a hang-up: nothing more comes) reads all there is and then gives the
 * owner the end of data, as libvirtd does.
 */
static bool
streamRead(shoalClusterStream *stream, bool drain)
{
    g_autofree char *buf = g_malloc(STREAM_RECV_CHUNK);
    unsigned i;

    for (i = 0; drain || i < STREAM_RECV_BURST; i++) {
        bool more;
        int rc;

        g_mutex_lock(&stream->reqLock);
        more = !stream->paused && !stream->eof && !stream->done;
        g_mutex_unlock(&stream->reqLock);
        if (!more)
            return true;
        rc = virStreamRecv(stream->st, buf, STREAM_RECV_CHUNK);
        if (rc == -2 && !drain)
            return true;
        if (rc == -2)
            rc = 0;
        if (rc < 0) {
            GError *error = NULL;

            shoalErrorFromLibvirt(&error, stream->hostName);
            streamEnd(stream, STREAM_REQUEST_ABORT, error);
            return false;
        }
        if (rc == 0) {
            g_mutex_lock(&stream->reqLock);
            stream->eof = true;
            g_mutex_unlock(&stream->reqLock);
        }
        more = stream->ops->recv(buf, rc, stream->opaque);
        if (!more) {
            g_mutex_lock(&stream->reqLock);
            stream->paused = true;
            g_mutex_unlock(&stream->reqLock);
        }
        if (rc == 0)
            return true;
    }
    return true;
}

static void
streamEvent(virStreamPtr st, int events, void *opaque)
{
    shoalClusterStream *stream = opaque;
    streamRequest request;

    g_mutex_lock(&stream->reqLock);
    request = stream->request;
    g_mutex_unlock(&stream->reqLock);
    if (request != STREAM_REQUEST_NONE) {
        /* a finish waits for the data sent before it */
        if (request == STREAM_REQUEST_FINISH && !streamWrite(stream))
            return;
        streamEnd(stream, request, NULL);
        return;
    }
    if ((events & VIR_STREAM_EVENT_WRITABLE) && !streamWrite(stream))
        return;
    if (events & VIR_STREAM_EVENT_ERROR) {
        GError *error = NULL;

        g_set_error(&error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("stream had I/O failure"));
        streamEnd(stream, STREAM_REQUEST_ABORT, error);
        return;
    }
    if ((events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP)) &&
        !streamRead(stream, events & VIR_STREAM_EVENT_HANGUP))
        return;
    g_mutex_lock(&stream->reqLock);
    streamUpdateLocked(stream);
    g_mutex_unlock(&stream->reqLock);
}

/**
 * shoalClusterStreamStart:
 * @ops: (transfer none): must outlive the stream
 * @opaque: (transfer full): given to @ops, freed with @opaqueFree after
 *   @ops->closed
 *
 * Begins relaying: data the host sends reaches @ops->recv. A finish or
 * abort asked before this is carried out now, on this thread. Call once.
 */
void
shoalClusterStreamStart(shoalClusterStream *stream,
                        const shoalClusterStreamOps *ops,
                        gpointer opaque,
                        GDestroyNotify opaqueFree)
{
    streamRequest request;

    stream->ops = ops;
    stream->opaque = opaque;
    stream->opaqueFree = opaqueFree;
    g_mutex_lock(&stream->reqLock);
    request = stream->request;
    if (request == STREAM_REQUEST_NONE) {
        if (virStreamEventAddCallback(stream->st, streamEventsLocked(stream),
                                      streamEvent,
                                      shoalClusterStreamRef(stream),
                                      streamUnrefCb) < 0) {
            GError *error = NULL;

            shoalErrorFromLibvirt(&error, stream->hostName);
            g_mutex_unlock(&stream->reqLock);
            shoalClusterStreamUnref(stream);
            streamEnd(stream, STREAM_REQUEST_ABORT, error);
            return;
        }
        stream->started = true;
    }
    g_mutex_unlock(&stream->reqLock);
    if (request != STREAM_REQUEST_NONE)
        streamEnd(stream, request, NULL);
}

/**
 * shoalClusterStreamSend:
 * @data: (transfer none): bytes for the host
 *
 * Any thread. Returns: true when queued, and then @ops->sent tells when
 * the host took them; false when the stream is ending.
 */
bool
shoalClusterStreamSend(shoalClusterStream *stream, GBytes *data)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&stream->reqLock);

    if (stream->done || stream->request != STREAM_REQUEST_NONE)
        return false;
    g_queue_push_tail(&stream->sendQueue, g_bytes_ref(data));
    streamUpdateLocked(stream);
    return true;
}

/* Any thread: the owner takes data again after recv() said it was full. */
void
shoalClusterStreamResume(shoalClusterStream *stream)
{
    g_mutex_lock(&stream->reqLock);
    stream->paused = false;
    streamUpdateLocked(stream);
    g_mutex_unlock(&stream->reqLock);
}

static void
streamRequestEnd(shoalClusterStream *stream, streamRequest how)
{
    g_mutex_lock(&stream->reqLock);
    if (stream->request == STREAM_REQUEST_NONE)
        stream->request = how;
    streamUpdateLocked(stream);
    g_mutex_unlock(&stream->reqLock);
}

/* Any thread: finish once what was sent is with the host; closed() says
 * how it went. */
void
shoalClusterStreamFinish(shoalClusterStream *stream)
{
    streamRequestEnd(stream, STREAM_REQUEST_FINISH);
}

/* Any thread: abort; closed() follows. */
void
shoalClusterStreamAbort(shoalClusterStream *stream)
{
    streamRequestEnd(stream, STREAM_REQUEST_ABORT);
}

/* Opening: one libvirt call on the domain's host with a new stream. */

typedef enum {
    STREAM_OPEN_CONSOLE,
    STREAM_OPEN_CHANNEL,
    STREAM_OPEN_SCREENSHOT,
} streamOpenKind;

typedef struct _streamOpen {
    streamOpenKind kind;
    const char *name;
    unsigned screen;
    unsigned flags;
    virStreamPtr st; /* out */
    char *mime;      /* out */
} streamOpen;

static int
streamOpenRun(virDomainPtr dom, gpointer opaque)
{
    streamOpen *o = opaque;
    virStreamPtr st =
        virStreamNew(virDomainGetConnect(dom), VIR_STREAM_NONBLOCK);
    int rc = -1;

    if (!st)
        return -1;
    /* a retry after a migration opens a new one */
    if (o->st)
        virStreamFree(o->st);
    switch (o->kind) {
    case STREAM_OPEN_CONSOLE:
        rc = virDomainOpenConsole(dom, o->name, st, o->flags);
        break;
    case STREAM_OPEN_CHANNEL:
        rc = virDomainOpenChannel(dom, o->name, st, o->flags);
        break;
    case STREAM_OPEN_SCREENSHOT:
        o->mime = virDomainScreenshot(dom, st, o->screen, o->flags);
        rc = o->mime ? 0 : -1;
        break;
    }
    /* freed by the caller, once the error of a failure is converted */
    o->st = st;
    return rc;
}

static shoalClusterStream *
streamOpenOnHost(shoalCluster *cluster,
                 const unsigned char *uuid,
                 streamOpen *o,
                 GError **error)
{
    g_autofree char *hostName = NULL;

    /* no job: a console stays open for hours, and libvirt takes none */
    if (shoalClusterDomainCallFull(cluster, uuid, SHOAL_CALL_RETRY,
                                   streamOpenRun, o, &hostName, error) < 0) {
        /* the stream never opened on the host: nothing to abort */
        if (o->st)
            virStreamFree(o->st);
        return NULL;
    }
    return streamNew(o->st, hostName);
}

/**
 * shoalClusterDomainOpenDevice:
 * @name: (nullable): the console's alias or the channel's name, NULL for
 *   the first
 *
 * Worker thread. Returns: (transfer full): the host's stream on the
 * device, not started yet.
 */
shoalClusterStream *
shoalClusterDomainOpenDevice(shoalCluster *cluster,
                             const unsigned char *uuid,
                             shoalClusterDevice kind,
                             const char *name,
                             unsigned flags,
                             GError **error)
{
    streamOpen o = { kind == SHOAL_CLUSTER_DEVICE_CONSOLE ? STREAM_OPEN_CONSOLE
                                                          : STREAM_OPEN_CHANNEL,
                     name,
                     0,
                     flags,
                     NULL,
                     NULL };

    return streamOpenOnHost(cluster, uuid, &o, error);
}

/**
 * shoalClusterDomainScreenshot:
 * @mime: (out): the image's MIME type, as the host says
 *
 * Worker thread. Returns: (transfer full): the stream of the image.
 */
shoalClusterStream *
shoalClusterDomainScreenshot(shoalCluster *cluster,
                             const unsigned char *uuid,
                             unsigned screen,
                             unsigned flags,
                             char **mime,
                             GError **error)
{
    streamOpen o = { STREAM_OPEN_SCREENSHOT, NULL, screen, flags, NULL, NULL };
    shoalClusterStream *stream = streamOpenOnHost(cluster, uuid, &o, error);

    if (!stream)
        return NULL;
    /* libvirt's string: free()d, not g_free()d */
    *mime = g_strdup(o.mime);
    free(o.mime);
    return stream;
}
