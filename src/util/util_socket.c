/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* struct ucred: the peer's group from SO_PEERCRED */
#define _GNU_SOURCE
#include <config.h>

#include "util_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/* sd_listen_fds(3): systemd passes listening sockets from fd 3 on */
#define SOCKET_LISTEN_FDS_START 3
#define SOCKET_LISTEN_FDS_MAX 64

void
shoalSocketConfigInit(shoalSocketConfig *config)
{
    config->accessGroup = NULL;
    config->accessGid = (gid_t) -1;
    config->inherited =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
}

void
shoalSocketConfigClear(shoalSocketConfig *config)
{
    g_clear_pointer(&config->accessGroup, g_free);
    g_clear_pointer(&config->inherited, g_hash_table_unref);
}

/**
 * shoalSocketConfigSetGroup:
 * @name: a group name or number
 *
 * Lets the members of @name use the restricted sockets: they are created
 * with mode 0660 and that group, and its members pass the peer check.
 */
bool
shoalSocketConfigSetGroup(shoalSocketConfig *config,
                          const char *name,
                          GError **error)
{
    struct group grp;
    struct group *found = NULL;
    g_autofree char *buf = NULL;
    size_t bufLen = 1024;
    guint64 gid;
    int rc;

    while (true) {
        buf = g_realloc(buf, bufLen);
        rc = getgrnam_r(name, &grp, buf, bufLen, &found);
        if (rc != ERANGE || bufLen >= 1024 * 1024)
            break;
        bufLen *= 2;
    }
    if (found) {
        gid = grp.gr_gid;
    } else if (!g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT32, &gid,
                                           NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("Failed to parse group '%1$s'"), name);
        return false;
    }
    g_free(config->accessGroup);
    config->accessGroup = g_strdup(name);
    config->accessGid = gid;
    return true;
}

static bool
socketAdopt(shoalSocketConfig *config, int fd, GError **error)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    const char *path;

    /* not for our children, such as ssh to a member host */
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot use socket %1$d passed by systemd: %2$s"), fd,
                    g_strerror(errno));
        return false;
    }
    if (!(sock = g_socket_new_from_fd(fd, error)) ||
        !(addr = g_socket_get_local_address(sock, error))) {
        shoalErrorConvert(error);
        g_prefix_error(error, _("cannot use socket %1$d passed by systemd: "),
                       fd);
        return false;
    }
    /* nothing listens on TCP: remote users come in over SSH */
    if (!G_IS_UNIX_SOCKET_ADDRESS(addr) ||
        g_unix_socket_address_get_address_type(G_UNIX_SOCKET_ADDRESS(addr)) !=
            G_UNIX_SOCKET_ADDRESS_PATH ||
        g_socket_get_socket_type(sock) != G_SOCKET_TYPE_STREAM) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("socket %1$d passed by systemd is not a UNIX stream socket with a path"),
                    fd);
        return false;
    }
    path = g_unix_socket_address_get_path(G_UNIX_SOCKET_ADDRESS(addr));
    g_hash_table_replace(config->inherited, g_strdup(path),
                         g_steal_pointer(&sock));
    return true;
}

/**
 * shoalSocketConfigTakeInherited:
 *
 * Takes the listening sockets systemd passed to this process (the
 * protocol of sd_listen_fds(3): LISTEN_PID, LISTEN_FDS, sockets from fd
 * 3 on), keyed by their path, and unsets those variables. Does nothing
 * when they are meant for another process. Call before starting threads:
 * it changes the environment.
 */
bool
shoalSocketConfigTakeInherited(shoalSocketConfig *config, GError **error)
{
    const char *pidText = g_getenv("LISTEN_PID");
    const char *fdsText = g_getenv("LISTEN_FDS");
    guint64 pid;
    guint64 nfds;
    guint64 i;
    bool ok = true;

    if (!pidText || !fdsText ||
        !g_ascii_string_to_unsigned(pidText, 10, 1, G_MAXINT32, &pid, NULL) ||
        pid != (guint64) getpid())
        return true;
    if (!g_ascii_string_to_unsigned(fdsText, 10, 0, SOCKET_LISTEN_FDS_MAX,
                                    &nfds, NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid LISTEN_FDS '%1$s' in the environment"), fdsText);
        ok = false;
    }
    for (i = 0; ok && i < nfds; i++)
        ok = socketAdopt(config, SOCKET_LISTEN_FDS_START + i, error);
    g_unsetenv("LISTEN_PID");
    g_unsetenv("LISTEN_FDS");
    g_unsetenv("LISTEN_FDNAMES");
    return ok;
}

/* Whether a live daemon accepts connections on the UNIX socket @path. */
bool
shoalSocketAnswers(const char *path)
{
    g_autoptr(GSocketClient) sc = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketConnection) conn = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return false;
    sc = g_socket_client_new();
    addr = g_unix_socket_address_new(path);
    conn = g_socket_client_connect(sc, G_SOCKET_CONNECTABLE(addr), NULL, NULL);
    return conn != NULL;
}

/*
 * A socket file that exists is either served by a live daemon, which we
 * must not steal, or left behind by a dead one, which we remove.
 */
static bool
socketClaimPath(const char *path, GError **error)
{
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return true;
    if (shoalSocketAnswers(path)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("another daemon is already listening on '%1$s'"), path);
        return false;
    }
    if (g_unlink(path) < 0 && errno != ENOENT) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot remove stale socket '%1$s': %2$s"), path,
                    g_strerror(errno));
        return false;
    }
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                     "removed stale socket '%s'", path);
    return true;
}

/**
 * shoalSocketListen:
 * @listener: a listener that does not accept yet (a stopped GSocketService)
 * @config: (nullable): the access group and inherited sockets; NULL for
 *   none
 * @path: the UNIX socket's file
 * @restricted: for root and the access group only (mode 0600, or 0660
 *   with the group), else for everyone (0666)
 * @tag: (nullable): the source object of connections accepted on it
 *
 * Listens on @path: takes the socket systemd passed for it if any (its
 * mode and owner are then systemd's), else refuses if a live daemon
 * answers there, removes a stale socket file, binds, and sets the group
 * and mode. The caller removes the file when it stops listening, unless
 * shoalSocketIsInherited(). Any thread.
 */
bool
shoalSocketListen(GSocketListener *listener,
                  const shoalSocketConfig *config,
                  const char *path,
                  bool restricted,
                  GObject *tag,
                  GError **error)
{
    g_autoptr(GSocketAddress) addr = NULL;
    GSocket *inherited = NULL;
    bool group = restricted && config && config->accessGid != (gid_t) -1;
    unsigned mode = 0666;

    if (config)
        inherited = g_hash_table_lookup(config->inherited, path);
    if (inherited) {
        if (!g_socket_listener_add_socket(listener, inherited, tag, error)) {
            shoalErrorConvert(error);
            g_prefix_error(error, _("cannot listen on '%1$s': "), path);
            return false;
        }
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                         "using socket '%s' passed by systemd", path);
        return true;
    }
    if (!socketClaimPath(path, error))
        return false;
    addr = g_unix_socket_address_new(path);
    if (!g_socket_listener_add_address(listener, addr, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_DEFAULT, tag, NULL,
                                       error)) {
        shoalErrorConvert(error);
        g_prefix_error(error, _("cannot listen on '%1$s': "), path);
        return false;
    }
    if (group && chown(path, (uid_t) -1, config->accessGid) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot change the group of '%1$s': %2$s"), path,
                    g_strerror(errno));
        return false;
    }
    if (restricted)
        mode = group ? 0660 : 0600;
    if (g_chmod(path, mode) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot set permissions of '%1$s': %2$s"), path,
                    g_strerror(errno));
        return false;
    }
    return true;
}

/* Whether systemd owns @path's socket: then it outlives the daemon. */
bool
shoalSocketIsInherited(const shoalSocketConfig *config, const char *path)
{
    return config && g_hash_table_contains(config->inherited, path);
}

/* The user database's view: @uid's primary and supplementary groups. */
static bool
socketUserInGroup(uid_t uid, gid_t gid)
{
    struct passwd pw;
    struct passwd *found = NULL;
    g_autofree char *buf = NULL;
    g_autofree gid_t *groups = NULL;
    size_t bufLen = 1024;
    int ngroups = 64;
    int i;

    while (true) {
        buf = g_realloc(buf, bufLen);
        if (getpwuid_r(uid, &pw, buf, bufLen, &found) != ERANGE ||
            bufLen >= 1024 * 1024)
            break;
        bufLen *= 2;
    }
    if (!found)
        return false;
    if (pw.pw_gid == gid)
        return true;
    groups = g_new(gid_t, ngroups);
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0) {
        /* ngroups now says how many there are */
        groups = g_renew(gid_t, groups, ngroups);
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
            return false;
    }
    for (i = 0; i < ngroups; i++) {
        if (groups[i] == gid)
            return true;
    }
    return false;
}

/**
 * shoalSocketCheckPeer:
 * @config: (nullable): the access group; NULL for none
 * @creds: (nullable): the peer's credentials (SO_PEERCRED)
 *
 * Decides who may use a restricted socket: root, the daemon's own user
 * (a daemon run by hand), and members of the access group, by the peer's
 * group or the user database. No credentials, no access. May consult the
 * user database (NSS).
 */
bool
shoalSocketCheckPeer(const shoalSocketConfig *config, GCredentials *creds)
{
    const struct ucred *peer = NULL;

    if (creds)
        peer = g_credentials_get_native(creds, G_CREDENTIALS_TYPE_LINUX_UCRED);
    if (!peer)
        return false;
    if (peer->uid == 0 || peer->uid == geteuid())
        return true;
    if (!config || config->accessGid == (gid_t) -1)
        return false;
    return peer->gid == config->accessGid ||
           socketUserInGroup(peer->uid, config->accessGid);
}

/**
 * shoalSocketNotify:
 * @state: e.g. "READY=1"
 *
 * Tells systemd about the daemon's state (the protocol of sd_notify(3):
 * a datagram to $NOTIFY_SOCKET). Does nothing when not started by
 * systemd.
 */
bool
shoalSocketNotify(const char *state, GError **error)
{
    const char *path = g_getenv("NOTIFY_SOCKET");
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocket) sock = NULL;

    if (!path || !*path)
        return true;
    if (path[0] == '@')
        addr =
            g_unix_socket_address_new_with_type(path + 1, -1,
                                                G_UNIX_SOCKET_ADDRESS_ABSTRACT);
    else
        addr = g_unix_socket_address_new(path);
    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                        G_SOCKET_PROTOCOL_DEFAULT, error);
    if (!sock ||
        g_socket_send_to(sock, addr, state, strlen(state), NULL, error) < 0) {
        shoalErrorConvert(error);
        g_prefix_error(error, _("cannot notify systemd: "));
        return false;
    }
    return true;
}
