/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's end of a relayed stream: one virStreamPtr opened with
 * VIR_STREAM_NONBLOCK on the domain's host, worked by two threads.
 *
 * libvirt's event thread (cluster_eventloop.c) answers every host
 * connection's keepalive, so it must never wait: the stream's event
 * callback there only does non-blocking virStreamRecv. Everything that
 * waits for the host (virStreamSend writes the whole packet, and
 * virStreamFinish and virStreamAbort are a round trip each) runs on the
 * stream's own I/O thread, which the owner's requests (data to send,
 * finish, abort) wake through @reqLock and @reqCond.
 *
 * Flow control towards the owner stops the callback's reads (its READABLE
 * event), never the host connection's socket: libvirt's client reads the
 * whole socket and queues a paused stream's packets, so the connection's
 * other calls and keepalive go on.
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
/* a local stream (fdstream) may refuse a write for now (-2): retry after */
#define STREAM_SEND_RETRY_US (20 * G_TIME_SPAN_MILLISECOND)

typedef enum {
    STREAM_REQUEST_NONE = 0,
    STREAM_REQUEST_FINISH,
    STREAM_REQUEST_ABORT,
} streamRequest;

struct _shoalClusterStream {
    gint refs;
    virStreamPtr st;    /* immutable */
    virConnectPtr conn; /* immutable: @st's own connection, or NULL */
    char *hostName;     /* immutable */

    const shoalClusterStreamOps *ops;  /* immutable once started */
    gpointer opaque;                   /* immutable once started */
    GDestroyNotify opaqueFree;         /* immutable once started */
    shoalClusterStreamEndHook endHook; /* immutable once started */
    gpointer endData;                  /* immutable once started */
    GDestroyNotify endDataFree;        /* immutable once started */

    /* held by the event callback while it reads and hands data on, and
     * by the I/O thread to set @done: no recv() follows closed() */
    GMutex cbLock;

    GMutex reqLock;
    GCond reqCond;         /* the I/O thread waits on it */
    bool started;          /* protected by reqLock */
    bool done;             /* protected by reqLock and cbLock */
    bool paused;           /* protected by reqLock: the owner is full */
    guint resumes;         /* protected by reqLock: Resume() calls so far */
    bool eof;              /* protected by reqLock: the host's end of data */
    streamRequest request; /* protected by reqLock */
    GError *failure;       /* protected by reqLock: a read failed */
    GQueue sendQueue;      /* protected by reqLock: GBytes for the host */
};

/**
 * shoalClusterStreamNew:
 * @st: (transfer full): a stream opened with VIR_STREAM_NONBLOCK on a
 *   host, its procedure called
 * @hostName: (nullable): the host, for errors
 *
 * Returns: (transfer full): the stream, not started yet.
 */
shoalClusterStream *
shoalClusterStreamNew(virStreamPtr st, const char *hostName)
{
    shoalClusterStream *stream = g_new0(shoalClusterStream, 1);

    stream->refs = 1;
    stream->st = st;
    stream->hostName = g_strdup(hostName);
    g_mutex_init(&stream->cbLock);
    g_mutex_init(&stream->reqLock);
    g_cond_init(&stream->reqCond);
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
    g_clear_error(&stream->failure);
    if (stream->opaqueFree)
        stream->opaqueFree(stream->opaque);
    if (stream->endDataFree)
        stream->endDataFree(stream->endData);
    virStreamFree(stream->st);
    if (stream->conn)
        virConnectClose(stream->conn);
    g_cond_clear(&stream->reqCond);
    g_mutex_clear(&stream->reqLock);
    g_mutex_clear(&stream->cbLock);
    g_free(stream->hostName);
    g_free(stream);
}

static void
streamUnrefCb(void *opaque)
{
    shoalClusterStreamUnref(opaque);
}

/* The events the callback waits for, under @reqLock: reading only. */
static int
streamEventsLocked(shoalClusterStream *stream)
{
    /* local streams (fdstream) report a hang-up for as long as it lasts:
     * only while reading, or it would wake us again and again */
    if (!stream->paused && !stream->eof && !stream->failure)
        return VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP |
               VIR_STREAM_EVENT_ERROR;
    return 0;
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

/* Whether the I/O thread has something to do, under @reqLock. */
static bool
streamIOPendingLocked(shoalClusterStream *stream)
{
    return stream->request != STREAM_REQUEST_NONE || stream->failure ||
           !g_queue_is_empty(&stream->sendQueue);
}

/*
 * I/O thread: ends the host's stream and reports it. @failure: why the
 * stream failed on its own, or NULL when it ends as the owner asked.
 */
static void
streamEnd(shoalClusterStream *stream, streamRequest how, GError *failure)
{
    g_autoptr(GError) error = failure;
    g_autoptr(GQueue) dropped = g_queue_new();
    bool hadCallback;
    GBytes *data;

    /* after this no callback hands data to the owner */
    g_mutex_lock(&stream->cbLock);
    g_mutex_lock(&stream->reqLock);
    stream->done = true;
    hadCallback = stream->started;
    while ((data = g_queue_pop_head(&stream->sendQueue)))
        g_queue_push_tail(dropped, data);
    g_mutex_unlock(&stream->reqLock);
    g_mutex_unlock(&stream->cbLock);

    if (hadCallback && virStreamEventRemoveCallback(stream->st) < 0)
        virResetLastError();
    if (how == STREAM_REQUEST_FINISH && !error) {
        if (virStreamFinish(stream->st) < 0)
            shoalErrorFromLibvirt(&error, stream->hostName);
    } else if (virStreamAbort(stream->st) < 0) {
        /* the stream is gone either way; the reason is @error's */
        virResetLastError();
    }
    if (stream->endHook)
        stream->endHook(how == STREAM_REQUEST_FINISH && !error,
                        stream->endData);
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

/* I/O thread: gives the host one buffer. Returns false once the stream
 * ended. */
static bool
streamWriteOne(shoalClusterStream *stream, GBytes *data)
{
    gsize len;
    const char *buf = g_bytes_get_data(data, &len);
    int rc = virStreamSend(stream->st, buf, len);

    if (rc == -2 || (rc >= 0 && (gsize) rc < len)) {
        /* not now, or a part: the rest stays first in line */
        g_mutex_lock(&stream->reqLock);
        g_queue_push_head(&stream->sendQueue,
                          rc > 0 ? g_bytes_new_from_bytes(data, rc, len - rc)
                                 : g_bytes_ref(data));
        if (rc == -2)
            g_cond_wait_until(&stream->reqCond, &stream->reqLock,
                              g_get_monotonic_time() + STREAM_SEND_RETRY_US);
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
    stream->ops->sent(stream->opaque);
    return true;
}

/* The stream's I/O thread: sends what the owner queued, then ends the
 * stream as asked (a finish after the data sent before it) or as a read
 * failure says. Holds a reference until the stream is closed. */
static gpointer
streamIORun(gpointer opaque)
{
    g_autoptr(shoalClusterStream) stream = opaque;

    while (true) {
        g_autoptr(GBytes) data = NULL;
        streamRequest request;
        GError *failure;

        g_mutex_lock(&stream->reqLock);
        while (!streamIOPendingLocked(stream))
            g_cond_wait(&stream->reqCond, &stream->reqLock);
        failure = g_steal_pointer(&stream->failure);
        request = stream->request;
        if (!failure && request != STREAM_REQUEST_ABORT)
            data = g_queue_pop_head(&stream->sendQueue);
        g_mutex_unlock(&stream->reqLock);

        if (data) {
            if (!streamWriteOne(stream, data))
                return NULL;
            continue;
        }
        streamEnd(stream, failure ? STREAM_REQUEST_ABORT : request, failure);
        return NULL;
    }
}

/* Event thread, under @cbLock: the stream failed on its own; the I/O
 * thread aborts it. */
static void
streamFailLocked(shoalClusterStream *stream, GError *error)
{
    g_mutex_lock(&stream->reqLock);
    if (!stream->failure)
        stream->failure = error;
    else
        g_error_free(error);
    streamUpdateLocked(stream);
    g_cond_signal(&stream->reqCond);
    g_mutex_unlock(&stream->reqLock);
}

/*
 * Event thread, under @cbLock: reads what the host has while the owner
 * takes it, never waiting; @drain (a hang-up: nothing more comes) reads
 * all there is and then gives the owner the end of data, as libvirtd does.
 */
static void
streamRead(shoalClusterStream *stream, bool drain)
{
    g_autofree char *buf = g_malloc(STREAM_RECV_CHUNK);
    unsigned i;

    for (i = 0; drain || i < STREAM_RECV_BURST; i++) {
        guint resumes;
        bool more;
        int rc;

        g_mutex_lock(&stream->reqLock);
        more = !stream->paused && !stream->eof && !stream->done &&
               !stream->failure;
        /* the owner may resume between its recv() saying it is full and
         * the pause below: that resume must not be lost */
        resumes = stream->resumes;
        g_mutex_unlock(&stream->reqLock);
        if (!more)
            return;
        rc = virStreamRecv(stream->st, buf, STREAM_RECV_CHUNK);
        if (rc == -2 && !drain)
            return;
        if (rc == -2)
            rc = 0;
        if (rc < 0) {
            GError *error = NULL;

            shoalErrorFromLibvirt(&error, stream->hostName);
            streamFailLocked(stream, error);
            return;
        }
        if (rc == 0) {
            g_mutex_lock(&stream->reqLock);
            stream->eof = true;
            g_mutex_unlock(&stream->reqLock);
        }
        more = stream->ops->recv(buf, rc, stream->opaque);
        if (!more) {
            g_mutex_lock(&stream->reqLock);
            stream->paused = stream->resumes == resumes;
            g_mutex_unlock(&stream->reqLock);
        }
        if (rc == 0)
            return;
    }
}

/* Event thread: never blocks (see the top of the file). */
static void
streamEvent(virStreamPtr st, int events, void *opaque)
{
    shoalClusterStream *stream = opaque;
    bool done;

    g_mutex_lock(&stream->cbLock);
    g_mutex_lock(&stream->reqLock);
    done = stream->done;
    g_mutex_unlock(&stream->reqLock);
    if (done) {
        g_mutex_unlock(&stream->cbLock);
        return;
    }
    if (events & VIR_STREAM_EVENT_ERROR) {
        GError *error = NULL;

        g_set_error(&error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("stream had I/O failure"));
        streamFailLocked(stream, error);
    } else if (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP)) {
        streamRead(stream, events & VIR_STREAM_EVENT_HANGUP);
    }
    g_mutex_lock(&stream->reqLock);
    streamUpdateLocked(stream);
    g_mutex_unlock(&stream->reqLock);
    g_mutex_unlock(&stream->cbLock);
}

/**
 * shoalClusterStreamSetEndHook:
 * @data: (transfer full): given to @hook, freed with @dataFree
 *
 * Before Start(): @hook runs on the stream's I/O thread once the host's
 * stream is closed, before @ops->closed.
 */
void
shoalClusterStreamSetEndHook(shoalClusterStream *stream,
                             shoalClusterStreamEndHook hook,
                             gpointer data,
                             GDestroyNotify dataFree)
{
    stream->endHook = hook;
    stream->endData = data;
    stream->endDataFree = dataFree;
}

/**
 * shoalClusterStreamStart:
 * @ops: (transfer none): must outlive the stream
 * @opaque: (transfer full): given to @ops, freed with @opaqueFree after
 *   @ops->closed
 *
 * Begins relaying: data the host sends reaches @ops->recv (on libvirt's
 * event thread), the other callbacks come from the stream's I/O thread.
 * A finish or abort asked before this is carried out there. Call once.
 */
void
shoalClusterStreamStart(shoalClusterStream *stream,
                        const shoalClusterStreamOps *ops,
                        gpointer opaque,
                        GDestroyNotify opaqueFree)
{
    GThread *thread;

    stream->ops = ops;
    stream->opaque = opaque;
    stream->opaqueFree = opaqueFree;
    g_mutex_lock(&stream->reqLock);
    if (stream->request == STREAM_REQUEST_NONE) {
        if (virStreamEventAddCallback(stream->st, streamEventsLocked(stream),
                                      streamEvent,
                                      shoalClusterStreamRef(stream),
                                      streamUnrefCb) < 0) {
            shoalErrorFromLibvirt(&stream->failure, stream->hostName);
            shoalClusterStreamUnref(stream);
        } else {
            stream->started = true;
        }
    }
    g_mutex_unlock(&stream->reqLock);
    /* detached: it ends with the stream, and holds it until then */
    thread = g_thread_new("libvirt-stream", streamIORun,
                          shoalClusterStreamRef(stream));
    g_thread_unref(thread);
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

    if (stream->done || stream->request != STREAM_REQUEST_NONE ||
        stream->failure)
        return false;
    g_queue_push_tail(&stream->sendQueue, g_bytes_ref(data));
    g_cond_signal(&stream->reqCond);
    return true;
}

/* Any thread: the owner takes data again after recv() said it was full. */
void
shoalClusterStreamResume(shoalClusterStream *stream)
{
    g_mutex_lock(&stream->reqLock);
    stream->paused = false;
    stream->resumes++;
    streamUpdateLocked(stream);
    g_mutex_unlock(&stream->reqLock);
}

static void
streamRequestEnd(shoalClusterStream *stream, streamRequest how)
{
    g_mutex_lock(&stream->reqLock);
    if (stream->request == STREAM_REQUEST_NONE)
        stream->request = how;
    g_cond_signal(&stream->reqCond);
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
    int keepaliveInterval;
    unsigned keepaliveCount;
    virConnectPtr conn; /* out */
    virDomainPtr dom;   /* out: the domain on @conn */
    virStreamPtr st;    /* out */
    char *mime;         /* out */
} streamOpen;

static void
streamOpenClear(streamOpen *o)
{
    /* libvirt's calls reset its last error: only once it was converted */
    g_clear_pointer(&o->st, virStreamFree);
    g_clear_pointer(&o->dom, virDomainFree);
    g_clear_pointer(&o->conn, virConnectClose);
}

/*
 * The stream gets a connection of its own to the domain's host, as a
 * client of libvirtd would have: libvirtd stops reading a connection
 * whose stream it cannot write on (a channel the guest does not read)
 * and then drops it for want of keepalive, which must cost this stream
 * only, never the host's connection that every other call uses.
 */
static bool
streamOpenConnect(virDomainPtr dom, streamOpen *o)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *uri = virConnectGetURI(virDomainGetConnect(dom));

    if (!uri)
        return false;
    o->conn = virConnectOpen(uri);
    free(uri); /* libvirt's string */
    if (!o->conn)
        return false;
    if (virConnectSetKeepAlive(o->conn, o->keepaliveInterval,
                               o->keepaliveCount) < 0)
        virResetLastError(); /* drivers without keepalive (test://) */
    if (virDomainGetUUID(dom, uuid) < 0)
        return false;
    o->dom = virDomainLookupByUUID(o->conn, uuid);
    return o->dom != NULL;
}

static int
streamOpenRun(virDomainPtr hostDom, gpointer opaque)
{
    streamOpen *o = opaque;
    virDomainPtr dom;
    virStreamPtr st;
    int rc = -1;

    /* a retry after a migration opens new ones */
    streamOpenClear(o);
    if (!streamOpenConnect(hostDom, o))
        return -1;
    dom = o->dom;
    if (!(st = virStreamNew(o->conn, VIR_STREAM_NONBLOCK)))
        return -1;
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
    shoalClusterStream *stream;

    o->keepaliveInterval = cluster->config.keepaliveIntervalS;
    o->keepaliveCount = cluster->config.keepaliveCount;
    /* no job: a console stays open for hours, and libvirt takes none */
    if (shoalClusterDomainCallFull(cluster, uuid, SHOAL_CALL_RETRY,
                                   streamOpenRun, o, &hostName, error) < 0) {
        /* the stream never opened on the host: nothing to abort */
        streamOpenClear(o);
        return NULL;
    }
    stream = shoalClusterStreamNew(g_steal_pointer(&o->st), hostName);
    stream->conn = g_steal_pointer(&o->conn);
    streamOpenClear(o);
    return stream;
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
    streamOpen o = {
        .kind = kind == SHOAL_CLUSTER_DEVICE_CONSOLE ? STREAM_OPEN_CONSOLE
                                                     : STREAM_OPEN_CHANNEL,
        .name = name,
        .flags = flags,
    };

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
    streamOpen o = {
        .kind = STREAM_OPEN_SCREENSHOT,
        .screen = screen,
        .flags = flags,
    };
    shoalClusterStream *stream = streamOpenOnHost(cluster, uuid, &o, error);

    if (!stream)
        return NULL;
    /* libvirt's string: free()d, not g_free()d */
    *mime = g_strdup(o.mime);
    free(o.mime);
    return stream;
}
