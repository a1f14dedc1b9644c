/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_client.h"

#include <gio/gunixcredentialsmessage.h>

#include "driver_protocol.h"
#include "driver_server.h"
#include "util_log.h"

#define CLIENT_READ_CHUNK 65536
/* unread output a client may leave queued; libvirt's largest message
 * is 32 MiB */
#define CLIENT_OUT_MAX (256u << 20)

static void
clientEventCallbackFree(gpointer cb)
{
    g_free(cb);
}

/**
 * shoalDriverClientNew:
 * Returns: (transfer full): a client owning @conn; call
 *   shoalDriverClientStart() on the main thread to begin reading.
 */
shoalDriverClient *
shoalDriverClientNew(shoalDriverServer *server,
                     unsigned id,
                     GSocketConnection *conn,
                     bool socketReadOnly)
{
    shoalDriverClient *client = g_new0(shoalDriverClient, 1);
    g_autoptr(GCredentials) creds = NULL;

    client->refs = 1;
    client->id = id;
    g_snprintf(client->idStr, sizeof(client->idStr), "%u", id);
    client->server = server;
    client->conn = g_object_ref(conn);
    client->socket = g_socket_connection_get_socket(conn);
    /* the main thread serves every client: a client that stops reading
     * must fill its own queue, never block the loop in send() */
    g_socket_set_blocking(client->socket, FALSE);
    client->socketReadOnly = socketReadOnly;
    client->readOnly = socketReadOnly;
    client->uid = (uid_t) -1;
    creds = g_socket_get_credentials(client->socket, NULL);
    if (creds)
        client->uid = g_credentials_get_unix_user(creds, NULL);
    client->inBuf = g_byte_array_new();
    client->lastRecvUs = g_get_monotonic_time();
    g_mutex_init(&client->lock);
    g_queue_init(&client->outQueue);
    client->callbacks = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                              NULL, clientEventCallbackFree);
    client->streams =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                              (GDestroyNotify) shoalDriverStreamUnref);
    client->opening =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                              (GDestroyNotify) shoalDriverStreamUnref);
    return client;
}

shoalDriverClient *
shoalDriverClientRef(shoalDriverClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}

void
shoalDriverClientUnref(shoalDriverClient *client)
{
    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;
    g_queue_clear_full(&client->outQueue, (GDestroyNotify) g_bytes_unref);
    g_hash_table_unref(client->callbacks);
    g_hash_table_unref(client->streams);
    g_hash_table_unref(client->opening);
    g_byte_array_unref(client->inBuf);
    g_mutex_clear(&client->lock);
    g_clear_object(&client->conn);
    g_free(client->denied);
    g_free(client);
}

shoalCluster *
shoalDriverClientGetCluster(shoalDriverClient *client)
{
    return client->server->cluster;
}

/* Whether the client may only read: the -ro socket, or a read-only open. */
bool
shoalDriverClientIsReadOnly(shoalDriverClient *client)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    return client->readOnly;
}

static bool
clientInputBlocked(shoalDriverClient *client)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    /* stop reading while too many calls run: back-pressure, as libvirtd */
    return client->closing ||
           client->inflight >= client->server->config.maxClientRequests;
}

/* Consumes complete packets from inBuf. Returns false to close. */
static bool
clientProcessInput(shoalDriverClient *client)
{
    while (true) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) packet = NULL;

        if (client->inWant == 0) {
            if (client->inBuf->len < SHOAL_MESSAGE_LEN_SIZE)
                return true;
            if (!shoalMessageDecodeLength(client->inBuf->data, &client->inWant,
                                          &error)) {
                g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                                 SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                                 "closing client: %s", error->message);
                return false;
            }
        }
        if (client->inBuf->len < client->inWant)
            return true;

        packet = g_bytes_new(client->inBuf->data, client->inWant);
        g_byte_array_remove_range(client->inBuf, 0, client->inWant);
        client->inWant = 0;
        shoalDispatchMessage(client->server, client, packet);
        if (clientInputBlocked(client))
            return true;
    }
}

static gboolean clientOnReadable(GSocket *socket,
                                 GIOCondition cond,
                                 gpointer opaque);

static void
clientUpdateInput(shoalDriverClient *client)
{
    bool blocked = clientInputBlocked(client);

    if (blocked && client->inSource) {
        g_source_destroy(client->inSource);
        g_clear_pointer(&client->inSource, g_source_unref);
    } else if (!blocked && !client->inSource && client->socket) {
        /* packets that arrived while blocked are already buffered */
        if (!clientProcessInput(client)) {
            shoalDriverClientClose(client);
            return;
        }
        if (clientInputBlocked(client))
            return;
        client->inSource =
            shoalSockServerWatch(client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                 G_SOURCE_FUNC(clientOnReadable), client,
                                 client->server->context);
    }
}

static gboolean
clientOnReadable(GSocket *socket, GIOCondition cond, gpointer opaque)
{
    shoalDriverClient *client = opaque;
    g_autoptr(GError) error = NULL;

    switch (shoalSockServerReceive(socket, client->inBuf, CLIENT_READ_CHUNK,
                                   &error)) {
    case SHOAL_SOCK_RECV_AGAIN:
        return G_SOURCE_CONTINUE;
    case SHOAL_SOCK_RECV_EOF:
    case SHOAL_SOCK_RECV_ERROR:
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "client disconnected: %s",
                         error ? error->message : "end of file");
        shoalDriverClientClose(client);
        return G_SOURCE_REMOVE;
    case SHOAL_SOCK_RECV_DATA:
        break;
    }
    client->lastRecvUs = g_get_monotonic_time();
    client->pingsUnanswered = 0;
    if (!clientProcessInput(client)) {
        shoalDriverClientClose(client);
        return G_SOURCE_REMOVE;
    }
    if (clientInputBlocked(client)) {
        g_clear_pointer(&client->inSource, g_source_unref);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

/* Main thread: starts reading. */
void
shoalDriverClientStart(shoalDriverClient *client)
{
    clientUpdateInput(client);
}

static gboolean clientOnWritable(GSocket *socket,
                                 GIOCondition cond,
                                 gpointer opaque);

/* Main thread: sends what the socket takes without blocking. */
static void
clientFlush(shoalDriverClient *client)
{
    bool closeNow = false;
    bool pending = false;

    if (!client->socket)
        return;

    g_mutex_lock(&client->lock);
    if (client->overflow) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "client left more than %u MiB of replies and "
                         "events unread, closing it",
                         CLIENT_OUT_MAX >> 20);
        closeNow = true;
    }
    while (!closeNow && !g_queue_is_empty(&client->outQueue)) {
        GBytes *head = g_queue_peek_head(&client->outQueue);
        gsize len;
        const guint8 *data = g_bytes_get_data(head, &len);
        g_autoptr(GError) error = NULL;
        gssize n;

        n = g_socket_send(client->socket,
                          (const gchar *) data + client->outOffset,
                          len - client->outOffset, NULL, &error);
        if (n < 0) {
            if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                pending = true;
                break;
            }
            closeNow = true;
            break;
        }
        client->outOffset += n;
        client->outQueued -= n;
        if (client->outOffset == len) {
            g_bytes_unref(g_queue_pop_head(&client->outQueue));
            client->outOffset = 0;
        }
    }
    if (!pending && !closeNow && client->closing &&
        g_queue_is_empty(&client->outQueue))
        closeNow = true;
    g_mutex_unlock(&client->lock);

    if (closeNow) {
        shoalDriverClientClose(client);
        return;
    }
    if (pending && !client->outSource) {
        client->outSource =
            g_socket_create_source(client->socket, G_IO_OUT, NULL);
        g_source_set_callback(client->outSource,
                              G_SOURCE_FUNC(clientOnWritable), client, NULL);
        g_source_attach(client->outSource, client->server->context);
    }
}

static gboolean
clientOnWritable(GSocket *socket, GIOCondition cond, gpointer opaque)
{
    shoalDriverClient *client = opaque;

    g_clear_pointer(&client->outSource, g_source_unref);
    clientFlush(client);
    return G_SOURCE_REMOVE;
}

static gboolean
clientFlushIdle(gpointer opaque)
{
    shoalDriverClient *client = opaque;

    clientFlush(client);
    clientUpdateInput(client);
    return G_SOURCE_REMOVE;
}

static void
clientWake(shoalDriverClient *client)
{
    g_main_context_invoke_full(client->server->context, G_PRIORITY_DEFAULT,
                               clientFlushIdle, shoalDriverClientRef(client),
                               (GDestroyNotify) shoalDriverClientUnref);
}

/**
 * shoalDriverClientSend:
 * @packet: (transfer none): a whole packet
 *
 * Queues @packet; any thread. Dropped if the client is gone.
 */
void
shoalDriverClientSend(shoalDriverClient *client, GBytes *packet)
{
    g_mutex_lock(&client->lock);
    if (client->gone) {
        g_mutex_unlock(&client->lock);
        return;
    }
    if (client->outQueued > CLIENT_OUT_MAX) {
        /* it has not read for a long while: rather drop it than grow
         * without bound; the main thread closes it */
        client->overflow = true;
        g_mutex_unlock(&client->lock);
        clientWake(client);
        return;
    }
    g_queue_push_tail(&client->outQueue, g_bytes_ref(packet));
    client->outQueued += g_bytes_get_size(packet);
    g_mutex_unlock(&client->lock);
    clientWake(client);
}

/* Any thread: a call finished (its reply, if any, is queued). */
void
shoalDriverClientCallDone(shoalDriverClient *client)
{
    g_mutex_lock(&client->lock);
    client->inflight--;
    g_mutex_unlock(&client->lock);
    clientWake(client);
}

/* Any thread: no more input; close once everything queued is sent. */
void
shoalDriverClientCloseAfterFlush(shoalDriverClient *client)
{
    g_mutex_lock(&client->lock);
    client->closing = true;
    g_mutex_unlock(&client->lock);
    clientWake(client);
}

/* Main thread: closes the socket and forgets the client's registrations. */
void
shoalDriverClientClose(shoalDriverClient *client)
{
    g_autoptr(GPtrArray) streams =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDriverStreamUnref);
    GHashTableIter iter;
    gpointer value;
    guint i;

    g_mutex_lock(&client->lock);
    if (client->gone) {
        g_mutex_unlock(&client->lock);
        return;
    }
    client->gone = true;
    client->closing = true;
    g_hash_table_remove_all(client->callbacks);
    g_hash_table_iter_init(&iter, client->streams);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        g_ptr_array_add(streams, value);
        g_hash_table_iter_steal(&iter);
    }
    g_queue_clear_full(&client->outQueue, (GDestroyNotify) g_bytes_unref);
    client->outQueued = 0;
    g_mutex_unlock(&client->lock);

    /* never half-open: the host's end of each stream is aborted */
    for (i = 0; i < streams->len; i++)
        shoalDriverStreamPeerGone(streams->pdata[i]);

    if (client->inSource) {
        g_source_destroy(client->inSource);
        g_clear_pointer(&client->inSource, g_source_unref);
    }
    if (client->outSource) {
        g_source_destroy(client->outSource);
        g_clear_pointer(&client->outSource, g_source_unref);
    }
    g_io_stream_close(G_IO_STREAM(client->conn), NULL, NULL);
    client->socket = NULL;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                     SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                     "client closed");
    shoalDriverServerRemoveClient(client->server, client);
}

/**
 * shoalDriverClientKeepaliveTick:
 * Main thread. Sends a PING to a client that negotiated keepalive and has
 * been quiet for @intervalS seconds. Returns false when it missed @count
 * pings in a row and should be closed.
 */
bool
shoalDriverClientKeepaliveTick(shoalDriverClient *client,
                               gint64 nowUs,
                               unsigned intervalS,
                               unsigned count)
{
    shoalMessageHeader hdr = {
        .prog = KEEPALIVE_PROGRAM,
        .vers = KEEPALIVE_PROTOCOL_VERSION,
        .proc = KEEPALIVE_PROC_PING,
        .type = SHOAL_MESSAGE_TYPE_MESSAGE,
        .serial = 0,
        .status = SHOAL_MESSAGE_STATUS_OK,
    };
    g_autoptr(GBytes) ping = NULL;
    bool enabled;

    g_mutex_lock(&client->lock);
    enabled = client->keepalive && !client->gone;
    g_mutex_unlock(&client->lock);
    if (!enabled)
        return true;
    if (nowUs - client->lastRecvUs <
        (gint64) intervalS * G_USEC_PER_SEC * (client->pingsUnanswered + 1))
        return true;
    if (client->pingsUnanswered >= count)
        return false;
    client->pingsUnanswered++;
    ping = shoalMessageEncode(&hdr, NULL, NULL, NULL);
    shoalDriverClientSend(client, ping);
    return true;
}

/* Any thread: one more call, or held stream packet, in flight. */
void
shoalDriverClientCallBegin(shoalDriverClient *client)
{
    g_mutex_lock(&client->lock);
    client->inflight++;
    g_mutex_unlock(&client->lock);
}

/**
 * shoalDriverClientGetOpen:
 * @readOnly: (out): whether it may only read
 *
 * Returns: whether CONNECT_OPEN succeeded (and no CONNECT_CLOSE since).
 */
bool
shoalDriverClientGetOpen(shoalDriverClient *client, bool *readOnly)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    *readOnly = client->readOnly;
    return client->open;
}

/* CONNECT_OPEN (@open, read-only if @readOnly: that stays) or CLOSE. */
void
shoalDriverClientSetOpen(shoalDriverClient *client, bool open, bool readOnly)
{
    g_mutex_lock(&client->lock);
    if (readOnly)
        client->readOnly = true;
    client->open = open;
    g_mutex_unlock(&client->lock);
}

/* Drop-in mode: the client opened qemu:///system and is answered as the
 * QEMU driver would be where clients look (type, URI). */
void
shoalDriverClientSetQemu(shoalDriverClient *client)
{
    g_mutex_lock(&client->lock);
    client->asQemu = true;
    g_mutex_unlock(&client->lock);
}

bool
shoalDriverClientIsQemu(shoalDriverClient *client)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    return client->asQemu;
}

/* The client understands keepalive: it gets PINGs when quiet. */
void
shoalDriverClientSetKeepalive(shoalDriverClient *client)
{
    g_mutex_lock(&client->lock);
    client->keepalive = true;
    g_mutex_unlock(&client->lock);
}

/**
 * shoalDriverClientSetOpening:
 * @stream: (transfer full): the stream the running call opens
 *
 * Worker thread, from a stream procedure's handler: the stream starts
 * once the call's reply is queued (shoalDriverClientCallReplied).
 */
void
shoalDriverClientSetOpening(shoalDriverClient *client,
                            shoalDriverStream *stream)
{
    g_mutex_lock(&client->lock);
    g_hash_table_replace(client->opening, g_thread_self(), stream);
    g_mutex_unlock(&client->lock);
}

/**
 * shoalDriverClientAddEventCallback:
 * @cb: (transfer full): its callbackId is set here
 *
 * Returns: the new registration's ID.
 */
int
shoalDriverClientAddEventCallback(shoalDriverClient *client,
                                  shoalDriverEventCallback *cb)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    cb->callbackId = client->nextCallbackId++;
    g_hash_table_insert(client->callbacks, GINT_TO_POINTER(cb->callbackId), cb);
    return cb->callbackId;
}

/* Returns: false when the client has no registration @callbackId. */
bool
shoalDriverClientRemoveEventCallback(shoalDriverClient *client, int callbackId)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&client->lock);

    return g_hash_table_remove(client->callbacks, GINT_TO_POINTER(callbackId));
}

/**
 * shoalDriverClientMatchEventCallbacks:
 * @uuid: the event's domain
 *
 * Returns: (transfer full): the IDs (int) of the client's registrations
 *   for event @eventId of any domain or of @uuid's.
 */
GArray *
shoalDriverClientMatchEventCallbacks(shoalDriverClient *client,
                                     int eventId,
                                     const unsigned char *uuid)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int));
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&client->lock);
    g_hash_table_iter_init(&iter, client->callbacks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const shoalDriverEventCallback *cb = value;

        if (cb->eventId == eventId &&
            (!cb->hasDomain || memcmp(cb->uuid, uuid, VIR_UUID_BUFLEN) == 0))
            g_array_append_val(ids, cb->callbackId);
    }
    g_mutex_unlock(&client->lock);
    return ids;
}

/**
 * shoalDriverClientCallReplied:
 * @reply: (nullable): the call's successful reply; NULL when it failed
 *
 * Worker thread: queues @reply. A stream the call opened is registered
 * first, so the client's first stream packet finds it, and started after,
 * so its data follows the reply; without a reply it is aborted.
 */
void
shoalDriverClientCallReplied(shoalDriverClient *client,
                             const shoalMessageHeader *call,
                             GBytes *reply)
{
    shoalDriverStream *stream = NULL;
    bool registered = false;

    g_mutex_lock(&client->lock);
    g_hash_table_steal_extended(client->opening, g_thread_self(), NULL,
                                (gpointer *) &stream);
    if (stream && reply && !client->gone) {
        shoalDriverStreamBind(stream, call);
        g_hash_table_replace(client->streams, GUINT_TO_POINTER(call->serial),
                             shoalDriverStreamRef(stream));
        registered = true;
    }
    g_mutex_unlock(&client->lock);

    if (reply)
        shoalDriverClientSend(client, reply);
    if (!stream)
        return;
    if (!registered)
        shoalDriverStreamPeerGone(stream);
    shoalDriverStreamStart(stream);
    shoalDriverStreamUnref(stream);
}

/**
 * shoalDriverClientStreamPacket:
 * @packet: (transfer none): a STREAM or STREAM_HOLE packet
 *
 * Main thread: hands a stream packet to its stream. A data packet counts
 * as a call in flight until the host took it, which stops reading the
 * client while the host is slow. Packets of no open stream are dropped,
 * as libvirtd does.
 */
void
shoalDriverClientStreamPacket(shoalDriverClient *client,
                              const shoalMessageHeader *hdr,
                              GBytes *packet)
{
    g_autoptr(shoalDriverStream) stream = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data(packet, &len);

    g_mutex_lock(&client->lock);
    stream =
        g_hash_table_lookup(client->streams, GUINT_TO_POINTER(hdr->serial));
    if (stream)
        shoalDriverStreamRef(stream);
    g_mutex_unlock(&client->lock);
    if (!stream || shoalDriverStreamGetProc(stream) != hdr->proc) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "dropping stream packet of serial %u", hdr->serial);
        return;
    }
    shoalDriverClientCallBegin(client);
    if (!shoalDriverStreamHandlePacket(stream, hdr, data + SHOAL_MESSAGE_MIN,
                                       len - SHOAL_MESSAGE_MIN))
        shoalDriverClientCallDone(client);
}

/* Any thread: @stream is over. */
void
shoalDriverClientRemoveStream(shoalDriverClient *client,
                              shoalDriverStream *stream)
{
    gpointer key = GUINT_TO_POINTER(shoalDriverStreamGetSerial(stream));

    g_mutex_lock(&client->lock);
    if (g_hash_table_lookup(client->streams, key) == stream)
        g_hash_table_remove(client->streams, key);
    g_mutex_unlock(&client->lock);
}

static void
clientStreamTransmit(gpointer peer, GBytes *packet)
{
    shoalDriverClientSend(peer, packet);
}

static void
clientStreamRelease(gpointer peer)
{
    shoalDriverClientCallDone(peer);
}

static void
clientStreamClosed(gpointer peer, shoalDriverStream *stream)
{
    shoalDriverClientRemoveStream(peer, stream);
}

static const shoalDriverStreamPeerOps clientStreamOps = {
    .transmit = clientStreamTransmit,
    .release = clientStreamRelease,
    .closed = clientStreamClosed,
};

/**
 * shoalDriverClientNewStream:
 * @host: (transfer full): the host's end
 *
 * Returns: (transfer full): a stream between this client and @host.
 */
shoalDriverStream *
shoalDriverClientNewStream(shoalDriverClient *client,
                           const shoalDriverStreamHostOps *hostOps,
                           gpointer host,
                           GDestroyNotify hostFree)
{
    return shoalDriverStreamNew(hostOps, host, hostFree, &clientStreamOps,
                                shoalDriverClientRef(client),
                                (GDestroyNotify) shoalDriverClientUnref);
}
