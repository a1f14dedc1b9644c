/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_admin.c: the protocol through shoalAdminHandleRequest()
 * (requests and responses in tests/data/cluster/admin/, and commands on a
 * cluster with libvirt's test driver as a host), who may connect, and the
 * socket itself, served on a main loop thread of its own and talked to
 * with GSocketClient.
 */

#include <config.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_admin.h"
#include "cluster_eventloop.h"
#include "testutil_loop.h"
#include "util_cleanup.h"
#include "util_error.h"
#define SHOAL_CLUSTER_ADMIN_PRIV_H_ALLOW
#include "cluster_admin_priv.h"

/* Socket reads give up instead of hanging the test. */
#define ADMIN_TEST_SOCKET_TIMEOUT_S 30
/* Requests pipelined on one connection. */
#define ADMIN_TEST_PIPELINED 1000

/*
 * tests/data/cluster/admin/<case>.request: one request line, sent to a
 * cluster without hosts; <case>.expected.json: the response line.
 */
static const char *const adminTestCases[] = {
    "bad-json",
    "empty",
    "trailing-data",
    "not-object",
    "null",
    "no-command",
    "command-not-string",
    "unknown-command",
    "missing-field",
    "ill-typed-field",
    "bool-as-string",
    "unknown-field",
    "nul-in-string",
    "invalid-utf8",
    "too-deep",
    "host-list-empty",
    "migrations-empty",
    "status-empty",
    "host-remove-unknown",
    "host-restore-no-store",
    "host-restore-bad-domains",
    "conflicts-empty",
    "host-maintenance-unknown",
    "maintenance-on-return",
};

/* A cluster, and with @listen an admin server, on a loop thread. */
typedef struct {
    bool listen; /* start the admin server */
    bool start;  /* start the cluster: its hosts connect */
} adminTestCase;

typedef struct {
    char *dir;
    char *sockPath;
    testLoop *loop;
    shoalCluster *cluster;
    shoalAdminServer *server;
    GError *loopError; /* written on the loop thread before it signals */
} adminTestFixture;

static bool
adminTestRegenerate(void)
{
    return g_getenv("SHOAL_TEST_REGENERATE") != NULL;
}

static char *
adminTestDataPath(const char *caseName, const char *ext)
{
    g_autofree char *base = g_strconcat(caseName, ext, NULL);

    return g_test_build_filename(G_TEST_DIST, "data", "cluster", "admin", base,
                                 NULL);
}

/* Protocol helpers */

/* Runs @line; returns the response, checked to be one line of JSON. */
static json_object *
adminTestCall(shoalCluster *cluster, const char *line)
{
    g_autofree char *text = shoalAdminHandleRequest(cluster, line);
    json_object *response;

    g_test_message("%s -> %s", line, text);
    g_assert_null(strchr(text, '\n'));
    response = json_tokener_parse(text);
    g_assert_nonnull(response);
    g_assert_true(json_object_is_type(response, json_type_object));
    return response;
}

static json_object *
adminTestGet(json_object *obj, const char *key, json_type type)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(obj, key, &value))
        g_test_message("no member '%s'", key);
    g_assert_nonnull(value);
    g_assert_true(json_object_is_type(value, type));
    return value;
}

/* The result of a successful call: a borrowed member of @response. */
static json_object *
adminTestResult(json_object *response)
{
    json_object *result = NULL;

    g_assert_true(json_object_get_boolean(
        adminTestGet(response, "ok", json_type_boolean)));
    g_assert_true(json_object_object_get_ex(response, "result", &result));
    return result;
}

static void
adminTestAssertError(json_object *response, int code)
{
    json_object *error = adminTestGet(response, "error", json_type_object);
    const char *message = json_object_get_string(
        adminTestGet(error, "message", json_type_string));

    g_assert_false(json_object_get_boolean(
        adminTestGet(response, "ok", json_type_boolean)));
    g_assert_cmpint(json_object_get_int(
                        adminTestGet(error, "code", json_type_int)),
                    ==, code);
    g_assert_cmpstr(message, !=, "");
}

/* Loop thread helpers */

static void
adminTestListen(gpointer opaque)
{
    adminTestFixture *fixture = opaque;

    fixture->server =
        shoalAdminServerNew(fixture->cluster, fixture->sockPath, NULL,
                            testLoopGetContext(fixture->loop),
                            &fixture->loopError);
}

static void
adminTestStartCluster(gpointer opaque)
{
    adminTestFixture *fixture = opaque;

    shoalClusterStart(fixture->cluster);
}

/* The daemon's shutdown order. */
static void
adminTestStop(gpointer opaque)
{
    adminTestFixture *fixture = opaque;

    g_clear_pointer(&fixture->server, shoalAdminServerFree);
    shoalClusterStop(fixture->cluster);
}

static void
adminTestSetUp(adminTestFixture *fixture, gconstpointer data)
{
    const adminTestCase *tc = data;
    shoalClusterConfig config;
    g_autoptr(GError) error = NULL;

    fixture->dir = g_dir_make_tmp("shoal-admin-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->sockPath =
        g_build_filename(fixture->dir, SHOAL_ADMIN_SOCKET_NAME, NULL);
    fixture->loop = testLoopNew();
    shoalClusterConfigInit(&config);
    fixture->cluster =
        shoalClusterNew(&config, testLoopGetContext(fixture->loop));
    testLoopStart(fixture->loop, "admin-test-loop");
    if (tc->start)
        testLoopInvoke(fixture->loop, adminTestStartCluster, fixture);
    if (tc->listen) {
        testLoopInvoke(fixture->loop, adminTestListen, fixture);
        g_assert_no_error(fixture->loopError);
        g_assert_nonnull(fixture->server);
    }
}

static void
adminTestTearDown(adminTestFixture *fixture, gconstpointer data)
{
    testLoopInvoke(fixture->loop, adminTestStop, fixture);
    g_clear_pointer(&fixture->loop, testLoopFree);
    g_clear_pointer(&fixture->cluster, shoalClusterFree);
    g_clear_error(&fixture->loopError);
    /* the server removed its socket: only the empty directory is left */
    g_assert_cmpint(g_rmdir(fixture->dir), ==, 0);
    g_free(fixture->dir);
    g_free(fixture->sockPath);
}

/* Socket helpers */

static GSocketConnection *
adminTestConnect(const char *path)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GError) error = NULL;
    GSocketConnection *conn;

    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL,
                                   &error);
    g_assert_no_error(error);
    g_socket_set_timeout(g_socket_connection_get_socket(conn),
                         ADMIN_TEST_SOCKET_TIMEOUT_S);
    return conn;
}

static void
adminTestSend(GSocketConnection *conn, const char *data, gsize len)
{
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_autoptr(GError) error = NULL;

    g_output_stream_write_all(out, data, len, NULL, NULL, &error);
    g_assert_no_error(error);
}

/* One response line, parsed. */
static json_object *
adminTestReadResponse(GDataInputStream *in)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL;
    json_object *response;

    line = g_data_input_stream_read_line(in, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(line);
    response = json_tokener_parse(line);
    g_assert_nonnull(response);
    return response;
}

static GDataInputStream *
adminTestInput(GSocketConnection *conn)
{
    GDataInputStream *in = g_data_input_stream_new(
        g_io_stream_get_input_stream(G_IO_STREAM(conn)));

    g_data_input_stream_set_newline_type(in, G_DATA_STREAM_NEWLINE_TYPE_LF);
    return in;
}

/* The server closed the connection: end of file, or a reset. */
static void
adminTestAssertClosed(GSocketConnection *conn)
{
    GSocket *socket = g_socket_connection_get_socket(conn);
    g_autoptr(GError) error = NULL;
    char buf[64];
    gssize n;

    n = g_socket_receive(socket, buf, sizeof(buf), NULL, &error);
    if (n < 0) {
        g_test_message("receive: %s", error->message);
        g_assert_false(
            g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
    }
    g_assert_cmpint(n, <=, 0);
}

/* Tests: the protocol */

static void
testDataCase(gconstpointer data)
{
    const char *name = data;
    g_autofree char *requestPath = adminTestDataPath(name, ".request");
    g_autofree char *expectedPath = adminTestDataPath(name, ".expected.json");
    g_autoptr(shoalCluster) cluster = NULL;
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *request = NULL;
    g_autofree char *response = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *expected = NULL;
    shoalClusterConfig config;
    gsize len;

    shoalClusterConfigInit(&config);
    cluster = shoalClusterNew(&config, context);
    g_file_get_contents(requestPath, &request, &len, &error);
    g_assert_no_error(error);
    /* the file's newline ends the line, as on the socket */
    if (len > 0 && request[len - 1] == '\n')
        request[len - 1] = '\0';
    response = shoalAdminHandleRequest(cluster, request);
    g_assert_null(strchr(response, '\n'));
    actual = g_strconcat(response, "\n", NULL);
    if (adminTestRegenerate()) {
        g_file_set_contents(expectedPath, actual, -1, &error);
        g_assert_no_error(error);
    }
    g_file_get_contents(expectedPath, &expected, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(actual, ==, expected);
}

/* Every file in tests/data/cluster/admin/ belongs to a case. */
static void
testDataFiles(void)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "data", "cluster", "admin", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
    const char *file;

    g_assert_no_error(error);
    while ((file = g_dir_read_name(dir))) {
        bool used = false;
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(adminTestCases); i++) {
            g_autofree char *request =
                g_strconcat(adminTestCases[i], ".request", NULL);
            g_autofree char *expected =
                g_strconcat(adminTestCases[i], ".expected.json", NULL);

            used = used || g_str_equal(file, request) ||
                   g_str_equal(file, expected);
        }
        g_test_message("data file '%s'", file);
        g_assert_true(used);
    }
}

/* Every member of a host, with its JSON type. */
static void
adminTestAssertHostShape(json_object *host)
{
    static const struct {
        const char *key;
        json_type type;
    } members[] = {
        { "name", json_type_string },
        { "uri", json_type_string },
        { "state", json_type_string },
        { "maintenance", json_type_boolean },
        { "memory_kib", json_type_int },
        { "cpus", json_type_int },
        { "committed_memory_kib", json_type_int },
        { "committed_vcpus", json_type_int },
        { "domains", json_type_int },
        { "running", json_type_int },
    };
    json_object *value = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(members); i++)
        adminTestGet(host, members[i].key, members[i].type);
    /* nullable, but always there */
    g_assert_true(json_object_object_get_ex(host, "migration_uri", &value));
    g_assert_true(json_object_object_get_ex(host, "last_error", &value));
    g_assert_true(json_object_object_get_ex(host, "cpu_load", &value));
    g_assert_cmpint(json_object_object_length(host), ==,
                    G_N_ELEMENTS(members) + 3);
}

/* host-add, host-list, then host-remove, on a cluster not started. */
static void
testHostAddList(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(json_object) added = NULL;
    g_autoptr(json_object) again = NULL;
    g_autoptr(json_object) listed = NULL;
    g_autoptr(json_object) removed = NULL;
    g_autoptr(json_object) empty = NULL;
    g_autoptr(json_object) status = NULL;
    json_object *hosts;
    json_object *host;

    added = adminTestCall(fixture->cluster,
                          "{\"command\": \"host-add\", \"name\": \"h1\", "
                          "\"uri\": \"test:///default\", "
                          "\"migration_uri\": \"tcp://h1.example\"}");
    g_assert_true(
        json_object_is_type(adminTestResult(added), json_type_object));
    again = adminTestCall(fixture->cluster,
                          "{\"command\": \"host-add\", \"name\": \"h1\", "
                          "\"uri\": \"test:///default\"}");
    adminTestAssertError(again, VIR_ERR_INVALID_ARG);

    listed = adminTestCall(fixture->cluster, "{\"command\": \"host-list\"}");
    hosts = adminTestResult(listed);
    g_assert_true(json_object_is_type(hosts, json_type_array));
    g_assert_cmpint(json_object_array_length(hosts), ==, 1);
    host = json_object_array_get_idx(hosts, 0);
    adminTestAssertHostShape(host);
    g_assert_cmpstr(json_object_get_string(
                        adminTestGet(host, "name", json_type_string)),
                    ==, "h1");
    g_assert_cmpstr(json_object_get_string(
                        adminTestGet(host, "uri", json_type_string)),
                    ==, "test:///default");
    g_assert_cmpstr(json_object_get_string(
                        adminTestGet(host, "migration_uri", json_type_string)),
                    ==, "tcp://h1.example");
    g_assert_false(json_object_get_boolean(
        adminTestGet(host, "maintenance", json_type_boolean)));

    status = adminTestCall(fixture->cluster, "{\"command\": \"status\"}");
    g_assert_cmpint(json_object_get_int(adminTestGet(adminTestResult(status),
                                                     "hosts", json_type_int)),
                    ==, 1);

    removed = adminTestCall(fixture->cluster,
                            "{\"command\": \"host-remove\", \"name\": \"h1\"}");
    adminTestResult(removed);
    empty = adminTestCall(fixture->cluster, "{\"command\": \"host-list\"}");
    g_assert_cmpint(json_object_array_length(adminTestResult(empty)), ==, 0);
}

/* A null optional field is one left out. */
static void
testHostAddNullMigrationUri(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(json_object) added = NULL;
    g_autoptr(json_object) listed = NULL;
    json_object *host;
    json_object *value = NULL;

    added = adminTestCall(fixture->cluster,
                          "{\"command\": \"host-add\", \"name\": \"h1\", "
                          "\"uri\": \"test:///default\", "
                          "\"migration_uri\": null}");
    adminTestResult(added);
    listed = adminTestCall(fixture->cluster, "{\"command\": \"host-list\"}");
    host = json_object_array_get_idx(adminTestResult(listed), 0);
    g_assert_nonnull(host);
    g_assert_true(json_object_object_get_ex(host, "migration_uri", &value));
}

static bool
adminTestHostHasDomains(gpointer opaque, gconstpointer data)
{
    adminTestFixture *fixture = opaque;
    g_autoptr(GPtrArray) hosts = shoalClusterListHostInfo(fixture->cluster);
    const shoalClusterHostInfo *info;

    if (!hosts || hosts->len != 1)
        return false;
    info = hosts->pdata[0];
    return g_str_equal(info->state, "online") && info->domains > 0;
}

/* test:///default runs a domain: its host cannot go. */
static void
testHostRemoveBusy(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(json_object) added = NULL;
    g_autoptr(json_object) removed = NULL;
    g_autoptr(json_object) listed = NULL;
    json_object *host;

    added = adminTestCall(fixture->cluster,
                          "{\"command\": \"host-add\", \"name\": \"h1\", "
                          "\"uri\": \"test:///default\"}");
    adminTestResult(added);
    testLoopWaitFor(adminTestHostHasDomains, fixture, NULL,
                    "host 'h1' to come online with its domain");
    listed = adminTestCall(fixture->cluster, "{\"command\": \"host-list\"}");
    host = json_object_array_get_idx(adminTestResult(listed), 0);
    adminTestAssertHostShape(host);
    g_assert_cmpstr(json_object_get_string(
                        adminTestGet(host, "state", json_type_string)),
                    ==, "online");
    g_assert_cmpint(json_object_get_int(
                        adminTestGet(host, "running", json_type_int)),
                    ==, 1);
    g_assert_cmpint(json_object_get_int(
                        adminTestGet(host, "cpus", json_type_int)),
                    >, 0);

    removed = adminTestCall(fixture->cluster,
                            "{\"command\": \"host-remove\", \"name\": \"h1\"}");
    adminTestAssertError(removed, VIR_ERR_OPERATION_INVALID);
}

static void
testAccess(void)
{
    g_autoptr(GCredentials) root = g_credentials_new();
    g_autoptr(GCredentials) user = g_credentials_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(g_credentials_set_unix_user(root, 0, NULL));
    g_assert_true(shoalAdminCheckAccess(NULL, root, &error));
    g_assert_no_error(error);

    g_assert_true(g_credentials_set_unix_user(user, 1000, NULL));
    g_assert_false(shoalAdminCheckAccess(NULL, user, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_ACCESS_DENIED);
    g_clear_error(&error);

    /* no credentials, no access */
    g_assert_false(shoalAdminCheckAccess(NULL, NULL, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_ACCESS_DENIED);
}

/* Tests: the socket */

/* Two requests in one write, then a third: answered in order. */
static void
testSocketTwoRequests(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GDataInputStream) in = adminTestInput(conn);
    g_autoptr(json_object) first = NULL;
    g_autoptr(json_object) second = NULL;
    g_autoptr(json_object) third = NULL;
    const char *two = "{\"command\": \"host-list\"}\r\n{\"command\": 1}\n";
    GStatBuf st;

    /* root's only */
    g_assert_cmpint(g_stat(fixture->sockPath, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    adminTestSend(conn, two, strlen(two));
    first = adminTestReadResponse(in);
    g_assert_true(json_object_is_type(adminTestResult(first), json_type_array));
    second = adminTestReadResponse(in);
    adminTestAssertError(second, VIR_ERR_RPC);

    adminTestSend(conn, "{\"command\": \"status\"}\n", 22);
    third = adminTestReadResponse(in);
    g_assert_true(
        json_object_is_type(adminTestResult(third), json_type_object));
}

/* Many short requests at once: each answered, in order. */
static void
testSocketPipelined(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GDataInputStream) in = adminTestInput(conn);
    g_autoptr(GString) batch = g_string_new(NULL);
    unsigned i;

    for (i = 0; i < ADMIN_TEST_PIPELINED; i++) {
        if (i % 2 == 0)
            g_string_append(batch, "{}\n");
        else
            g_string_append(batch, "{\"command\": \"migrations\"}\n");
    }
    adminTestSend(conn, batch->str, batch->len);
    for (i = 0; i < ADMIN_TEST_PIPELINED; i++) {
        g_autoptr(json_object) response = adminTestReadResponse(in);

        if (i % 2 == 0)
            adminTestAssertError(response, VIR_ERR_RPC);
        else
            adminTestResult(response);
    }
}

/* A line over the limit closes the connection; others are still served. */
static void
testSocketOversized(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GSocketConnection) other = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autoptr(json_object) response = NULL;
    g_autofree char *big = g_malloc(SHOAL_ADMIN_LINE_MAX + 1);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_autoptr(GError) error = NULL;

    memset(big, 'x', SHOAL_ADMIN_LINE_MAX + 1);
    /* the server may close before it has read everything */
    if (!g_output_stream_write_all(out, big, SHOAL_ADMIN_LINE_MAX + 1, NULL,
                                   NULL, &error)) {
        g_test_message("write: %s", error->message);
        g_assert_false(
            g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
    }
    adminTestAssertClosed(conn);

    other = adminTestConnect(fixture->sockPath);
    in = adminTestInput(other);
    adminTestSend(other, "{\"command\": \"status\"}\n", 22);
    response = adminTestReadResponse(in);
    adminTestResult(response);
}

/* A line of exactly the limit is a request (here, not JSON). */
static void
testSocketLongestLine(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GDataInputStream) in = adminTestInput(conn);
    g_autoptr(json_object) response = NULL;
    g_autofree char *line = g_malloc(SHOAL_ADMIN_LINE_MAX + 1);

    memset(line, ' ', SHOAL_ADMIN_LINE_MAX);
    line[SHOAL_ADMIN_LINE_MAX] = '\n';
    adminTestSend(conn, line, SHOAL_ADMIN_LINE_MAX + 1);
    response = adminTestReadResponse(in);
    adminTestAssertError(response, VIR_ERR_RPC);
}

/* The end of input after half a line: no answer, the connection closes. */
static void
testSocketPartialLine(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GError) error = NULL;

    adminTestSend(conn, "{\"command\": ", 12);
    g_socket_shutdown(g_socket_connection_get_socket(conn), FALSE, TRUE,
                      &error);
    g_assert_no_error(error);
    adminTestAssertClosed(conn);
}

static void
adminTestListenAgain(gpointer opaque)
{
    adminTestFixture *fixture = opaque;
    g_autoptr(shoalAdminServer) second = NULL;

    second = shoalAdminServerNew(fixture->cluster, fixture->sockPath, NULL,
                                 testLoopGetContext(fixture->loop),
                                 &fixture->loopError);
    g_assert_null(second);
}

/* A live server keeps its socket: a second one is refused. */
static void
testSocketLive(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autoptr(json_object) response = NULL;

    testLoopInvoke(fixture->loop, adminTestListenAgain, fixture);
    g_assert_error(fixture->loopError, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&fixture->loopError);

    conn = adminTestConnect(fixture->sockPath);
    in = adminTestInput(conn);
    adminTestSend(conn, "{\"command\": \"status\"}\n", 22);
    response = adminTestReadResponse(in);
    adminTestResult(response);
}

/* A socket file nobody listens on is replaced. */
static void
testSocketStale(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocket) stale = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GDataInputStream) in = NULL;
    g_autoptr(json_object) response = NULL;
    g_autoptr(GError) error = NULL;

    /* bound and closed: the file stays, nobody answers */
    stale = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error(error);
    addr = g_unix_socket_address_new(fixture->sockPath);
    g_socket_bind(stale, addr, FALSE, &error);
    g_assert_no_error(error);
    g_socket_close(stale, &error);
    g_assert_no_error(error);
    g_assert_true(g_file_test(fixture->sockPath, G_FILE_TEST_EXISTS));

    testLoopInvoke(fixture->loop, adminTestListen, fixture);
    g_assert_no_error(fixture->loopError);
    g_assert_nonnull(fixture->server);

    conn = adminTestConnect(fixture->sockPath);
    in = adminTestInput(conn);
    adminTestSend(conn, "{\"command\": \"host-list\"}\n", 25);
    response = adminTestReadResponse(in);
    adminTestResult(response);
}

static void
adminTestFreeServer(gpointer opaque)
{
    adminTestFixture *fixture = opaque;

    g_clear_pointer(&fixture->server, shoalAdminServerFree);
}

/* Clients still connected when the server goes are closed by it. */
static void
testSocketFreeWithClients(adminTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GSocketConnection) conn = adminTestConnect(fixture->sockPath);
    g_autoptr(GDataInputStream) in = adminTestInput(conn);
    g_autoptr(json_object) response = NULL;

    adminTestSend(conn, "{\"command\": \"status\"}\n", 22);
    response = adminTestReadResponse(in);
    adminTestResult(response);
    testLoopInvoke(fixture->loop, adminTestFreeServer, fixture);
    adminTestAssertClosed(conn);
    g_assert_false(g_file_test(fixture->sockPath, G_FILE_TEST_EXISTS));
}

static void
adminTestAdd(const char *path,
             const adminTestCase *tc,
             void (*func)(adminTestFixture *, gconstpointer))
{
    g_test_add(path, adminTestFixture, tc, adminTestSetUp, func,
               adminTestTearDown);
}

int
main(int argc, char **argv)
{
    const adminTestCase idle = { .listen = false, .start = false };
    const adminTestCase started = { .listen = false, .start = true };
    const adminTestCase listening = { .listen = true, .start = false };
    g_autoptr(GError) error = NULL;
    shoalEventLoop *events;
    size_t i;
    int ret;

    /* a client that went away must not kill the test, as in virtshoald */
    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    /* host connections register with libvirt's event loop, as in main */
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);

    for (i = 0; i < G_N_ELEMENTS(adminTestCases); i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/admin/request/%s", adminTestCases[i]);

        g_test_add_data_func(path, adminTestCases[i], testDataCase);
    }
    g_test_add_func("/cluster/admin/data-files", testDataFiles);
    adminTestAdd("/cluster/admin/host-add-list", &idle, testHostAddList);
    adminTestAdd("/cluster/admin/host-add-null-migration-uri", &idle,
                 testHostAddNullMigrationUri);
    adminTestAdd("/cluster/admin/host-remove-busy", &started,
                 testHostRemoveBusy);
    g_test_add_func("/cluster/admin/access", testAccess);
    adminTestAdd("/cluster/admin/socket/two-requests", &listening,
                 testSocketTwoRequests);
    adminTestAdd("/cluster/admin/socket/pipelined", &listening,
                 testSocketPipelined);
    adminTestAdd("/cluster/admin/socket/oversized", &listening,
                 testSocketOversized);
    adminTestAdd("/cluster/admin/socket/longest-line", &listening,
                 testSocketLongestLine);
    adminTestAdd("/cluster/admin/socket/partial-line", &listening,
                 testSocketPartialLine);
    adminTestAdd("/cluster/admin/socket/live", &listening, testSocketLive);
    adminTestAdd("/cluster/admin/socket/stale", &idle, testSocketStale);
    adminTestAdd("/cluster/admin/socket/free-with-clients", &listening,
                 testSocketFreeWithClients);

    ret = g_test_run();
    shoalEventLoopFree(events);
    return ret;
}
