/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * etcd processes for tests (testutil_etcd.h). Each member dies with the
 * test process (PR_SET_PDEATHSIG), so a failed assertion leaves none.
 */

#include <config.h>

#include "testutil_etcd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "etcd_client.h"

/* a loaded machine starts etcd slowly */
#define TEST_ETCD_START_WAIT_S 60

typedef struct {
    char *name;
    char *dataDir;
    char *clientUrl;
    char *peerUrl;
    GPid pid; /* 0: not running */
} testEtcdMember;

struct _testEtcd {
    char *dir;
    GPtrArray *members; /* testEtcdMember */
    char *endpoints;    /* every member's client URL, comma-separated */
    char *initialCluster;
};

bool
testEtcdAvailable(void)
{
    g_autofree char *path = g_find_program_in_path("etcd");

    return path != NULL;
}

/* A port no one listens on now, on 127.0.0.1. */
static unsigned
testEtcdFreePort(void)
{
    struct sockaddr_in addr = { 0 };
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned port;

    g_assert_cmpint(fd, >=, 0);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *) &addr, &len), ==, 0);
    port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

static void
testEtcdChildSetup(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
testEtcdSpawn(testEtcd *etcd, testEtcdMember *m, bool existing)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *log = g_strdup_printf("%s.log", m->dataDir);
    const char *argv[] = {
        "etcd",
        "--name",
        m->name,
        "--data-dir",
        m->dataDir,
        "--listen-client-urls",
        m->clientUrl,
        "--advertise-client-urls",
        m->clientUrl,
        "--listen-peer-urls",
        m->peerUrl,
        "--initial-advertise-peer-urls",
        m->peerUrl,
        "--initial-cluster",
        etcd->initialCluster,
        "--initial-cluster-state",
        existing ? "existing" : "new",
        "--initial-cluster-token",
        etcd->dir,
        /* a loaded machine: fewer leader elections for a late heartbeat;
         * etcd raises a lease's TTL to 1.5 election timeouts at least */
        "--heartbeat-interval",
        "200",
        "--election-timeout",
        "2000",
        "--logger",
        "zap",
        "--log-outputs",
        log,
        NULL,
    };

    g_assert_true(g_spawn_async(NULL, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH |
                                    G_SPAWN_DO_NOT_REAP_CHILD |
                                    G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                testEtcdChildSetup, NULL, &m->pid, &error));
    g_assert_no_error(error);
}

/* Waits until @url answers a read: the member joined a quorum. */
static void
testEtcdWaitReady(const char *url)
{
    g_autoptr(shoalEtcdClient) client = shoalEtcdClientNew(url, 1000, NULL);
    gint64 deadline =
        g_get_monotonic_time() + TEST_ETCD_START_WAIT_S * G_USEC_PER_SEC;

    g_assert_nonnull(client);
    for (;;) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) kvs =
            shoalEtcdRange(client, "/ready", false, &error);

        if (kvs)
            return;
        if (g_get_monotonic_time() >= deadline)
            g_error("etcd at %s is not ready after %d s: %s", url,
                    TEST_ETCD_START_WAIT_S, error->message);
        g_usleep(100 * G_TIME_SPAN_MILLISECOND);
    }
}

/**
 * testEtcdStart:
 * @members: 1 or more
 *
 * Returns: (transfer full): a running cluster; every member answers.
 */
testEtcd *
testEtcdStart(unsigned members)
{
    testEtcd *etcd = g_new0(testEtcd, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) endpoints = g_string_new(NULL);
    g_autoptr(GString) initial = g_string_new(NULL);
    unsigned i;

    etcd->dir = g_dir_make_tmp("shoal-etcd-XXXXXX", &error);
    g_assert_no_error(error);
    etcd->members = g_ptr_array_new();
    for (i = 0; i < members; i++) {
        testEtcdMember *m = g_new0(testEtcdMember, 1);

        m->name = g_strdup_printf("m%u", i);
        m->dataDir = g_build_filename(etcd->dir, m->name, NULL);
        m->clientUrl =
            g_strdup_printf("http://127.0.0.1:%u", testEtcdFreePort());
        m->peerUrl = g_strdup_printf("http://127.0.0.1:%u", testEtcdFreePort());
        g_string_append_printf(endpoints, "%s%s", i ? "," : "", m->clientUrl);
        g_string_append_printf(initial, "%s%s=%s", i ? "," : "", m->name,
                               m->peerUrl);
        g_ptr_array_add(etcd->members, m);
    }
    etcd->endpoints = g_string_free(g_steal_pointer(&endpoints), FALSE);
    etcd->initialCluster = g_string_free(g_steal_pointer(&initial), FALSE);
    for (i = 0; i < members; i++)
        testEtcdSpawn(etcd, etcd->members->pdata[i], false);
    testEtcdWait(etcd);
    return etcd;
}

const char *
testEtcdEndpoints(testEtcd *etcd)
{
    return etcd->endpoints;
}

const char *
testEtcdMemberEndpoint(testEtcd *etcd, unsigned member)
{
    return ((testEtcdMember *) etcd->members->pdata[member])->clientUrl;
}

/* SIGKILL: as a crash of its machine, but for its data on disk. */
void
testEtcdKill(testEtcd *etcd, unsigned member)
{
    testEtcdMember *m = etcd->members->pdata[member];

    if (!m->pid)
        return;
    kill(m->pid, SIGKILL);
    g_assert_cmpint(waitpid(m->pid, NULL, 0), ==, m->pid);
    g_spawn_close_pid(m->pid);
    m->pid = 0;
}

/* Starts a killed member again on its data (testEtcdWait() waits). */
void
testEtcdRestart(testEtcd *etcd, unsigned member)
{
    testEtcdMember *m = etcd->members->pdata[member];

    g_assert_cmpint(m->pid, ==, 0);
    testEtcdSpawn(etcd, m, true);
}

/* Returns when every running member answers reads. */
void
testEtcdWait(testEtcd *etcd)
{
    guint i;

    for (i = 0; i < etcd->members->len; i++) {
        testEtcdMember *m = etcd->members->pdata[i];

        if (m->pid)
            testEtcdWaitReady(m->clientUrl);
    }
}

static void
testEtcdRemoveTree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (dir) {
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);

            testEtcdRemoveTree(child);
        }
        g_dir_close(dir);
    }
    remove(path);
}

void
testEtcdStop(testEtcd *etcd)
{
    guint i;

    if (!etcd)
        return;
    for (i = 0; i < etcd->members->len; i++) {
        testEtcdMember *m = etcd->members->pdata[i];

        testEtcdKill(etcd, i);
        g_free(m->name);
        g_free(m->dataDir);
        g_free(m->clientUrl);
        g_free(m->peerUrl);
        g_free(m);
    }
    g_ptr_array_unref(etcd->members);
    testEtcdRemoveTree(etcd->dir);
    g_free(etcd->dir);
    g_free(etcd->endpoints);
    g_free(etcd->initialCluster);
    g_free(etcd);
}
