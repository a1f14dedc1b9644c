/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for util_socket.c: who may use a restricted socket, the modes of
 * the sockets, sockets passed by systemd (sd_listen_fds) and READY=1
 * (sd_notify).
 */

/* struct ucred, to fake a peer's credentials */
#define _GNU_SOURCE
#include <config.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "util_error.h"
#include "util_socket.h"

typedef struct {
    char *dir;
    shoalSocketConfig config;
} socketTestFixture;

static void
socketTestSetUp(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fixture->dir = g_dir_make_tmp("shoal-socket-XXXXXX", &error);
    g_assert_no_error(error);
    shoalSocketConfigInit(&fixture->config);
}

static void
socketTestTearDown(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GDir) dir = g_dir_open(fixture->dir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(fixture->dir, name, NULL);

        g_unlink(path);
    }
    g_rmdir(fixture->dir);
    g_free(fixture->dir);
    shoalSocketConfigClear(&fixture->config);
}

static GCredentials *
socketTestCredentials(uid_t uid, gid_t gid)
{
    GCredentials *creds = g_credentials_new();
    struct ucred peer = { .pid = 1, .uid = uid, .gid = gid };

    g_credentials_set_native(creds, G_CREDENTIALS_TYPE_LINUX_UCRED, &peer);
    return creds;
}

/* A user other than root and us, with its primary group. */
static bool
socketTestOtherUser(uid_t *uid, gid_t *gid)
{
    const struct passwd *pw = getpwnam("nobody");

    if (!pw || pw->pw_uid == 0 || pw->pw_uid == geteuid())
        return false;
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return true;
}

static void
testPeerRootAndSelf(void)
{
    g_autoptr(GCredentials) root = socketTestCredentials(0, 0);
    g_autoptr(GCredentials) self = g_credentials_new();

    g_assert_true(shoalSocketCheckPeer(NULL, root));
    /* a daemon run by hand serves its own user */
    g_assert_true(shoalSocketCheckPeer(NULL, self));
    g_assert_false(shoalSocketCheckPeer(NULL, NULL));
}

static void
testPeerGroup(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GCredentials) other = NULL;
    g_autoptr(GCredentials) otherInGroup = NULL;
    g_autofree char *gidText = NULL;
    g_autoptr(GError) error = NULL;
    uid_t uid;
    gid_t gid;

    if (!socketTestOtherUser(&uid, &gid)) {
        g_test_skip("no user 'nobody' to stand for someone else");
        return;
    }
    /* the peer's group is not the user's: only the database can tell */
    other = socketTestCredentials(uid, 0);
    g_assert_false(shoalSocketCheckPeer(&fixture->config, other));

    /* a group the user is not in */
    g_assert_true(
        shoalSocketConfigSetGroup(&fixture->config, "2147483000", &error));
    g_assert_no_error(error);
    g_assert_false(shoalSocketCheckPeer(&fixture->config, other));

    /* the peer runs with the group (newgrp, sg) */
    otherInGroup = socketTestCredentials(uid, 2147483000);
    g_assert_true(shoalSocketCheckPeer(&fixture->config, otherInGroup));

    /* the user database says the user is in the group */
    gidText = g_strdup_printf("%u", (unsigned) gid);
    g_assert_true(shoalSocketConfigSetGroup(&fixture->config, gidText, &error));
    g_assert_no_error(error);
    g_assert_true(shoalSocketCheckPeer(&fixture->config, other));
}

static void
testGroupNames(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalSocketConfigSetGroup(&fixture->config, "root", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fixture->config.accessGid, ==, 0);
    g_assert_cmpstr(fixture->config.accessGroup, ==, "root");

    g_assert_false(shoalSocketConfigSetGroup(&fixture->config,
                                             "no-such-group-shoal", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(error->message, ==,
                    "Failed to parse group 'no-such-group-shoal'");
    /* a failure leaves the group alone */
    g_assert_cmpstr(fixture->config.accessGroup, ==, "root");
}

static void
socketTestAssertMode(const char *path, unsigned mode, gid_t gid)
{
    GStatBuf st;

    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_true(S_ISSOCK(st.st_mode));
    g_assert_cmpuint(st.st_mode & 07777, ==, mode);
    if (gid != (gid_t) -1)
        g_assert_cmpuint(st.st_gid, ==, gid);
}

static void
testListenModes(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketListener) listener = g_socket_listener_new();
    g_autofree char *rw = g_build_filename(fixture->dir, "rw", NULL);
    g_autofree char *ro = g_build_filename(fixture->dir, "ro", NULL);
    g_autofree char *grouped = g_build_filename(fixture->dir, "grouped", NULL);
    g_autofree char *gidText = g_strdup_printf("%u", (unsigned) getegid());
    g_autoptr(GError) error = NULL;

    g_assert_true(
        shoalSocketListen(listener, &fixture->config, rw, true, NULL, &error));
    g_assert_no_error(error);
    socketTestAssertMode(rw, 0600, (gid_t) -1);
    g_assert_true(
        shoalSocketListen(listener, &fixture->config, ro, false, NULL, &error));
    g_assert_no_error(error);
    socketTestAssertMode(ro, 0666, (gid_t) -1);
    g_assert_false(shoalSocketIsInherited(&fixture->config, rw));

    /* our own group: changing to it needs no privilege */
    g_assert_true(shoalSocketConfigSetGroup(&fixture->config, gidText, &error));
    g_assert_true(shoalSocketListen(listener, &fixture->config, grouped, true,
                                    NULL, &error));
    g_assert_no_error(error);
    socketTestAssertMode(grouped, 0660, getegid());

    /* a live socket is not stolen */
    g_assert_false(
        shoalSocketListen(listener, &fixture->config, rw, true, NULL, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_socket_listener_close(listener);
}

/* A listening socket on @path, as systemd would pass it. */
static GSocket *
socketTestListening(const char *path)
{
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GError) error = NULL;

    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error(error);
    g_assert_true(g_socket_bind(sock, addr, FALSE, &error));
    g_assert_true(g_socket_listen(sock, &error));
    g_assert_no_error(error);
    return g_steal_pointer(&sock);
}

static void
testListenInherited(socketTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketListener) listener = g_socket_listener_new();
    g_autofree char *path = g_build_filename(fixture->dir, "rw", NULL);
    g_autoptr(GSocket) passed = socketTestListening(path);
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GSocketConnection) accepted = NULL;
    g_autoptr(GError) error = NULL;
    GStatBuf before;
    GStatBuf after;

    g_assert_cmpint(g_stat(path, &before), ==, 0);
    g_hash_table_insert(fixture->config.inherited, g_strdup(path),
                        g_object_ref(passed));
    /* taken as it is, although it answers: no claim, no new bind */
    g_assert_true(shoalSocketListen(listener, &fixture->config, path, true,
                                    NULL, &error));
    g_assert_no_error(error);
    g_assert_true(shoalSocketIsInherited(&fixture->config, path));
    g_assert_cmpint(g_stat(path, &after), ==, 0);
    g_assert_cmpuint(before.st_ino, ==, after.st_ino);

    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
                                   &error);
    g_assert_no_error(error);
    accepted = g_socket_listener_accept(listener, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(accepted);
    g_socket_listener_close(listener);
}

static void
testTakeInherited(socketTestFixture *fixture, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fixture->dir, "rw", NULL);
    g_autofree char *pid = g_strdup_printf("%d", (int) getpid());
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GError) error = NULL;
    GSocket *taken;

    /* meant for another process: left alone */
    g_setenv("LISTEN_PID", "1", TRUE);
    g_setenv("LISTEN_FDS", "1", TRUE);
    g_assert_true(shoalSocketConfigTakeInherited(&fixture->config, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(fixture->config.inherited), ==, 0);
    g_assert_cmpstr(g_getenv("LISTEN_FDS"), ==, "1");

    g_setenv("LISTEN_PID", pid, TRUE);
    g_setenv("LISTEN_FDS", "many", TRUE);
    g_assert_false(shoalSocketConfigTakeInherited(&fixture->config, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_clear_error(&error);
    g_assert_null(g_getenv("LISTEN_FDS"));

    if (fcntl(3, F_GETFD) >= 0) {
        g_test_skip("descriptor 3 is in use");
        return;
    }
    sock = socketTestListening(path);
    g_assert_cmpint(dup2(g_socket_get_fd(sock), 3), ==, 3);
    g_setenv("LISTEN_PID", pid, TRUE);
    g_setenv("LISTEN_FDS", "1", TRUE);
    g_setenv("LISTEN_FDNAMES", "virtshoald.socket", TRUE);
    g_assert_true(shoalSocketConfigTakeInherited(&fixture->config, &error));
    g_assert_no_error(error);
    taken = g_hash_table_lookup(fixture->config.inherited, path);
    g_assert_nonnull(taken);
    g_assert_cmpint(g_socket_get_fd(taken), ==, 3);
    /* not passed on to our children */
    g_assert_cmpint(fcntl(3, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    g_assert_null(g_getenv("LISTEN_PID"));
    g_assert_null(g_getenv("LISTEN_FDS"));
    g_assert_null(g_getenv("LISTEN_FDNAMES"));
}

static void
testTakeInheritedTCP(socketTestFixture *fixture, gconstpointer data)
{
    g_autofree char *pid = g_strdup_printf("%d", (int) getpid());
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GInetAddress) any = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) error = NULL;

    if (fcntl(3, F_GETFD) >= 0) {
        g_test_skip("descriptor 3 is in use");
        return;
    }
    sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error(error);
    any = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    addr = g_inet_socket_address_new(any, 0);
    g_assert_true(g_socket_bind(sock, addr, FALSE, &error));
    g_assert_true(g_socket_listen(sock, &error));
    g_assert_cmpint(dup2(g_socket_get_fd(sock), 3), ==, 3);
    g_setenv("LISTEN_PID", pid, TRUE);
    g_setenv("LISTEN_FDS", "1", TRUE);
    /* nothing listens on TCP */
    g_assert_false(shoalSocketConfigTakeInherited(&fixture->config, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_cmpstr(error->message, ==,
                    "socket 3 passed by systemd is not a UNIX stream socket with a path");
    close(3);
}

static void
testNotify(socketTestFixture *fixture, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fixture->dir, "notify", NULL);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GError) error = NULL;
    char buf[64] = { 0 };

    g_unsetenv("NOTIFY_SOCKET");
    g_assert_true(shoalSocketNotify("READY=1", &error));
    g_assert_no_error(error);

    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                        G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error(error);
    g_assert_true(g_socket_bind(sock, addr, FALSE, &error));
    g_setenv("NOTIFY_SOCKET", path, TRUE);
    g_assert_true(shoalSocketNotify("READY=1", &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_socket_receive(sock, buf, sizeof(buf) - 1, NULL, &error),
                    ==, 7);
    g_assert_cmpstr(buf, ==, "READY=1");
    g_unsetenv("NOTIFY_SOCKET");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/util/socket/peer/root-and-self", testPeerRootAndSelf);
    g_test_add("/util/socket/peer/group", socketTestFixture, NULL,
               socketTestSetUp, testPeerGroup, socketTestTearDown);
    g_test_add("/util/socket/group/names", socketTestFixture, NULL,
               socketTestSetUp, testGroupNames, socketTestTearDown);
    g_test_add("/util/socket/listen/modes", socketTestFixture, NULL,
               socketTestSetUp, testListenModes, socketTestTearDown);
    g_test_add("/util/socket/listen/inherited", socketTestFixture, NULL,
               socketTestSetUp, testListenInherited, socketTestTearDown);
    g_test_add("/util/socket/inherited/take", socketTestFixture, NULL,
               socketTestSetUp, testTakeInherited, socketTestTearDown);
    g_test_add("/util/socket/inherited/tcp", socketTestFixture, NULL,
               socketTestSetUp, testTakeInheritedTCP, socketTestTearDown);
    g_test_add("/util/socket/notify", socketTestFixture, NULL, socketTestSetUp,
               testNotify, socketTestTearDown);
    return g_test_run();
}
