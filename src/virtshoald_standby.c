/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * A standby's sockets (issue 13, doc/internals/leader.md): while another
 * daemon leads the cluster in etcd, this one listens on its own socket
 * paths and relays each connection, byte for byte, to the leader's socket
 * of the same kind (read-write to read-write, read-only to read-only). So
 * any daemon answers shoal:///system, and what it answers is the
 * leader's: one state, never stale, writes made once, the leader's own
 * checks. The leader publishes where its sockets are in the store's
 * document "leader-sockets", a fenced write next to its lease key. A
 * connection that comes while no daemon leads waits, bounded, for the
 * next leader, this daemon included: it connects once the leader's
 * document names a live socket.
 */

#include <config.h>

#include "virtshoald_standby.h"

#include <errno.h>
#include <poll.h>

#include <gio/gunixsocketaddress.h>
#include <glib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "cluster_store_backend.h"
#include "cluster_store_etcd.h"
#include "driver_server.h"
#include "util_error.h"

#define STANDBY_DOCUMENT "leader-sockets"
/* how long a connection waits for a leader before it is closed */
#define STANDBY_LEADER_WAIT_S 60
#define STANDBY_POLL_MS 200
#define STANDBY_BUFFER 65536

/* Shared by the acceptor and every relay: the last one frees it. */
typedef struct {
    shoalStoreBackend *reader;        /* immutable: never campaigns */
    const shoalSocketConfig *sockets; /* immutable, borrowed: outlives */
} standbyShared;

struct _shoalStandby {
    standbyShared *shared;
    GSocketListener *listener;
    GCancellable *cancel; /* also the read-only socket's tag */
    GThread *acceptor;
    char *paths[2]; /* read-write, read-only: bound by us */
};

typedef struct {
    standbyShared *shared;
    GSocket *client;
    bool readOnly;
} standbyRelay;

static void
standbySharedClear(gpointer data)
{
    standbyShared *shared = data;

    shoalStoreBackendFree(shared->reader);
}

static void
standbySharedUnref(standbyShared *shared)
{
    g_atomic_rc_box_release_full(shared, standbySharedClear);
}

/*
 * Returns: (transfer full) (nullable): the leader's socket of the kind
 * asked, if a daemon leads and published it.
 */
static char *
standbyLeaderPath(standbyShared *shared, bool readOnly)
{
    shoalStoreBackend *reader = shared->reader;
    g_autofree char *leader = shoalStoreEtcdGetLeader(reader, NULL);
    g_autofree char *json = NULL;
    json_object *doc;
    json_object *identity = NULL;
    json_object *path = NULL;
    char *ret = NULL;

    if (!leader ||
        !(json = reader->ops->getDocument(reader, STANDBY_DOCUMENT, NULL)) ||
        !(doc = json_tokener_parse(json)))
        return NULL;
    /* a dead leader's document stays until its successor replaces it */
    if (json_object_object_get_ex(doc, "identity", &identity) &&
        g_strcmp0(json_object_get_string(identity), leader) == 0 &&
        json_object_object_get_ex(doc, readOnly ? "socket_ro" : "socket",
                                  &path))
        ret = g_strdup(json_object_get_string(path));
    json_object_put(doc);
    return ret;
}

/* Returns: (transfer full) (nullable): a connection to the leader. */
static GSocketConnection *
standbyConnectLeader(standbyRelay *relay)
{
    gint64 deadline =
        g_get_monotonic_time() + STANDBY_LEADER_WAIT_S * G_USEC_PER_SEC;
    g_autoptr(GSocketClient) sc = g_socket_client_new();

    do {
        g_autofree char *path =
            standbyLeaderPath(relay->shared, relay->readOnly);

        if (path) {
            g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
            GSocketConnection *conn =
                g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(addr), NULL,
                                        NULL);

            if (conn)
                return conn;
        }
        g_usleep(STANDBY_POLL_MS * G_TIME_SPAN_MILLISECOND);
    } while (g_get_monotonic_time() < deadline);
    return NULL;
}

/* Copies what @from has to @to. Returns: false at the end or an error. */
static bool
standbyCopy(GSocket *from, GSocket *to, char *buf)
{
    gssize got = g_socket_receive(from, buf, STANDBY_BUFFER, NULL, NULL);
    gssize off = 0;

    if (got <= 0)
        return false;
    while (off < got) {
        gssize sent = g_socket_send(to, buf + off, got - off, NULL, NULL);

        if (sent <= 0)
            return false;
        off += sent;
    }
    return true;
}

static gpointer
standbyRelayRun(gpointer data)
{
    standbyRelay *relay = data;
    g_autoptr(GSocketConnection) conn = standbyConnectLeader(relay);
    g_autofree char *buf = g_malloc(STANDBY_BUFFER);

    if (!conn) {
        g_message("a client left: no daemon led the cluster for %d s",
                  STANDBY_LEADER_WAIT_S);
    } else {
        GSocket *leader = g_socket_connection_get_socket(conn);
        struct pollfd fds[2] = {
            { .fd = g_socket_get_fd(relay->client), .events = POLLIN },
            { .fd = g_socket_get_fd(leader), .events = POLLIN },
        };

        /* either end closing ends the connection, as the leader's own */
        for (;;) {
            if (poll(fds, 2, -1) < 0)
                break;
            if ((fds[0].revents && !standbyCopy(relay->client, leader, buf)) ||
                (fds[1].revents && !standbyCopy(leader, relay->client, buf)))
                break;
        }
        g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
    }
    g_socket_close(relay->client, NULL);
    g_object_unref(relay->client);
    standbySharedUnref(relay->shared);
    g_free(relay);
    return NULL;
}

static gpointer
standbyAcceptRun(gpointer data)
{
    shoalStandby *standby = data;

    for (;;) {
        GObject *tag = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(GSocket) client =
            g_socket_listener_accept_socket(standby->listener, &tag,
                                            standby->cancel, &err);
        standbyRelay *relay;

        if (!client) {
            if (g_cancellable_is_cancelled(standby->cancel))
                break;
            g_warning("standby: cannot accept a client: %s", err->message);
            g_usleep(STANDBY_POLL_MS * G_TIME_SPAN_MILLISECOND);
            continue;
        }
        /* the leader sees this daemon as the peer: the read-write
         * socket's check is ours to make */
        if (!tag &&
            !shoalSocketCheckPeer(standby->shared->sockets,
                                  g_socket_get_credentials(client, NULL))) {
            g_socket_close(client, NULL);
            continue;
        }
        relay = g_new0(standbyRelay, 1);
        relay->shared = g_atomic_rc_box_acquire(standby->shared);
        relay->client = g_steal_pointer(&client);
        relay->readOnly = tag != NULL;
        g_thread_unref(g_thread_new("standby-relay", standbyRelayRun, relay));
    }
    return NULL;
}

/**
 * shoalStandbyStart:
 * @config: the etcd backend's, for a reader of its own
 * @socketDir: where the daemon's sockets go
 * @sockets: (nullable): the access group; borrowed, it outlives the relays
 *
 * Main thread, while another daemon leads: listens on this daemon's
 * socket paths and relays each connection to the leader.
 * Returns: (transfer full): the standby, or NULL with @error set.
 */
shoalStandby *
shoalStandbyStart(const shoalStoreEtcdConfig *config,
                  const char *socketDir,
                  const shoalSocketConfig *sockets,
                  GError **error)
{
    g_autoptr(shoalStandby) standby = g_new0(shoalStandby, 1);
    shoalStoreEtcdConfig readerConfig = *config;
    shoalStoreBackend *reader;

    /* closing them when this daemon leads would close systemd's too */
    if (sockets && sockets->inherited &&
        g_hash_table_size(sockets->inherited) > 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: a standby does not relay sockets passed by systemd"));
        return NULL;
    }
    readerConfig.deposed = NULL;
    readerConfig.deposedOpaque = NULL;
    if (!(reader = shoalStoreEtcdBackendNew(&readerConfig, error)))
        return NULL;
    standby->shared = g_atomic_rc_box_new0(standbyShared);
    standby->shared->reader = reader;
    standby->shared->sockets = sockets;
    standby->cancel = g_cancellable_new();
    standby->listener = g_socket_listener_new();
    g_socket_listener_set_backlog(standby->listener, SHOAL_SOCKET_BACKLOG);
    standby->paths[0] =
        g_build_filename(socketDir, SHOAL_DRIVER_SOCKET_RW, NULL);
    standby->paths[1] =
        g_build_filename(socketDir, SHOAL_DRIVER_SOCKET_RO, NULL);
    if (g_mkdir_with_parents(socketDir, 0755) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot create directory '%1$s': %2$s"), socketDir,
                    g_strerror(errno));
        return NULL;
    }
    if (!shoalSocketListen(standby->listener, sockets, standby->paths[0], true,
                           NULL, error) ||
        !shoalSocketListen(standby->listener, sockets, standby->paths[1], false,
                           G_OBJECT(standby->cancel), error))
        return NULL;
    standby->acceptor =
        g_thread_new("standby-accept", standbyAcceptRun, standby);
    g_message("standby: relaying '%s' and '%s' to the leader",
              standby->paths[0], standby->paths[1]);
    return g_steal_pointer(&standby);
}

/**
 * shoalStandbyStop:
 *
 * Main thread, once this daemon leads, before its own server listens:
 * stops accepting and frees the socket paths. Connections relayed go on
 * (one that waited for a leader finds this daemon's own sockets).
 */
void
shoalStandbyStop(shoalStandby *standby)
{
    guint i;

    if (!standby)
        return;
    if (standby->acceptor) {
        g_cancellable_cancel(standby->cancel);
        g_thread_join(g_steal_pointer(&standby->acceptor));
    }
    g_socket_listener_close(standby->listener);
    for (i = 0; i < G_N_ELEMENTS(standby->paths); i++) {
        if (standby->paths[i] &&
            !shoalSocketIsInherited(standby->shared->sockets,
                                    standby->paths[i]))
            g_unlink(standby->paths[i]);
    }
    g_clear_pointer(&standby->paths[0], g_free);
    g_clear_pointer(&standby->paths[1], g_free);
}

void
shoalStandbyFree(shoalStandby *standby)
{
    if (!standby)
        return;
    shoalStandbyStop(standby);
    g_clear_object(&standby->listener);
    g_clear_object(&standby->cancel);
    if (standby->shared)
        standbySharedUnref(standby->shared);
    g_free(standby);
}

/**
 * shoalStandbyPublish:
 * @backend: this daemon's, once it leads
 *
 * Tells the standbys where this leader's sockets are. A fenced write: a
 * deposed leader cannot.
 */
bool
shoalStandbyPublish(shoalStoreBackend *backend,
                    const char *identity,
                    const char *socketDir,
                    GError **error)
{
    json_object *doc = json_object_new_object();
    g_autofree char *rw =
        g_build_filename(socketDir, SHOAL_DRIVER_SOCKET_RW, NULL);
    g_autofree char *ro =
        g_build_filename(socketDir, SHOAL_DRIVER_SOCKET_RO, NULL);
    bool ok;

    json_object_object_add(doc, "identity", json_object_new_string(identity));
    json_object_object_add(doc, "socket", json_object_new_string(rw));
    json_object_object_add(doc, "socket_ro", json_object_new_string(ro));
    ok =
        backend->ops
            ->putDocument(backend, STANDBY_DOCUMENT,
                          json_object_to_json_string_ext(doc,
                                                         JSON_C_TO_STRING_PLAIN),
                          error);
    json_object_put(doc);
    return ok;
}
