/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_reconcile.c: the rule table of
 * doc/internals/reconcile.md, one case per row, run in-process on a
 * cluster whose member hosts are libvirt's test driver.
 *
 * Each case is a script, tests/data/cluster/reconcile/<case>.steps, of one
 * step a line (see reconcileTestStep()). A host is a test:/// URI on a
 * copy of one of the directory's *.host.xml files; the test driver keeps
 * a host's state in the connection Shoal opened, so a person working on
 * the host ("on HOST ...") uses that connection, and a host Shoal
 * reconnects to or a daemon restart reads its file again: that is how a
 * case loses events ("file HOST FILE" while disconnected or stopped).
 * Expectations wait, bounded, for what events do; "reread HOST" reads a
 * host at once, as the periodic re-read does, so what a case expects
 * after it holds after a re-read too.
 *
 * Beside the scripts, a differential case compares Shoal with a host on
 * libvirt's semantics at the edges (create over an inactive domain,
 * define clashes, undefine of a running domain).
 */

#include <config.h>

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_eventloop.h"
#include "cluster_internal.h"
#include "cluster_sync.h"
#include "testutil_file.h"
#include "testutil_log.h"
#include "testutil_loop.h"
#include "util_error.h"
#define SHOAL_CLUSTER_RECONCILE_PRIV_H_ALLOW
#include "cluster_reconcile_priv.h"

/* The scripts; each names its data files, and every file is used. */
static const char *const reconcileTestCases[] = {
    "adopt-defined-on-host",
    "edit-on-host",
    "rename-on-host",
    "undefine-on-host",
    "undefine-running-on-host",
    "missing-after-lost-event",
    "missing-transient",
    "restore-on-request",
    "restore-missing-config",
    "moved-here-behind-shoal",
    "moved-there-behind-shoal",
    "conflict-operator-copy",
    "leftover-of-rehome",
    "leftover-edited-is-conflict",
    "unknown-host-down",
    "restart-host-lost-domain",
    "restart-defined-while-down",
    "left-to-outside-host",
    "forget-missing-on-request",
    "autostart-skips-missing",
    "leaving-source-waits",
    "left-without-event",
    "leftover-after-restart",
    "conflict-event-once",
};

typedef struct {
    testLogCapture *log; /* borrowed: every message, for "expect log" */
    char *dir;           /* hosts' files and the store */
    char *storeDir;
    testLoop *loop;
    shoalCluster *cluster;
    shoalClusterConfig config;
    GPtrArray *hostNames;  /* in the order of "host" steps */
    char *autostartMarker; /* NULL: no autostart at start */
    GMutex eventsLock;
    GPtrArray *events; /* under eventsLock: "NAME KIND" clients were sent */
} reconcileTestFixture;

static char *
reconcileTestDataPath(const char *file)
{
    return g_test_build_filename(G_TEST_DIST, "data", "cluster", "reconcile",
                                 file, NULL);
}

static char *
reconcileTestReadData(const char *file)
{
    g_autofree char *path = reconcileTestDataPath(file);
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

static char *
reconcileTestHostFile(reconcileTestFixture *fixture, const char *host)
{
    g_autofree char *base = g_strconcat(host, ".xml", NULL);

    return g_build_filename(fixture->dir, base, NULL);
}

/* Loop thread helpers */

/* What a client would be sent, as "NAME lifecycle EVENT DETAIL" or
 * "NAME metadata TYPE NSURI". */
static void
reconcileTestOnEvent(const shoalClusterEvent *ev, gpointer opaque)
{
    reconcileTestFixture *fixture = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fixture->eventsLock);

    if (ev->eventId == VIR_DOMAIN_EVENT_ID_LIFECYCLE)
        g_ptr_array_add(fixture->events,
                        g_strdup_printf("%s lifecycle %d %d", ev->dom->name,
                                        ev->event, ev->detail));
    else if (ev->eventId == VIR_DOMAIN_EVENT_ID_METADATA_CHANGE)
        g_ptr_array_add(fixture->events,
                        g_strdup_printf("%s metadata %d %s", ev->dom->name,
                                        ev->event, ev->str));
}

static void
reconcileTestStartCluster(gpointer opaque)
{
    reconcileTestFixture *fixture = opaque;

    shoalClusterStart(fixture->cluster);
}

static void
reconcileTestStopCluster(gpointer opaque)
{
    reconcileTestFixture *fixture = opaque;

    shoalClusterStop(fixture->cluster);
}

static void
reconcileTestNothing(gpointer opaque)
{
}

typedef struct {
    reconcileTestFixture *fixture;
    const char *host;
} reconcileTestHostCall;

/* The host's events no longer reach Shoal; the connection stays. */
static void
reconcileTestQuiet(gpointer opaque)
{
    reconcileTestHostCall *call = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(call->fixture->cluster, call->host, NULL);
    int ids[SHOAL_HOST_EVENT_IDS];
    virConnectPtr conn;

    g_assert_nonnull(host);
    conn = shoalHostGetConnection(host, NULL);
    g_assert_nonnull(conn);
    shoalHostTakeEventCallbacks(host, ids);
    shoalClusterEventsDeregister(conn, ids);
    virConnectClose(conn);
}

/* How long a host's queued jobs may take to run out. */
#define RECONCILE_TEST_IDLE_WAIT_US (30 * G_USEC_PER_SEC)

/*
 * Loop thread: waits until no job of @host runs or waits. A real lost
 * connection is handled in the host's queue, after the jobs before it;
 * the test's disconnect comes from outside, so it lets them end first:
 * a re-read still running would publish the host's domains as reachable
 * after the disconnect (the flaky leftover-of-rehome).
 */
static void
reconcileTestWaitIdle(shoalHost *host)
{
    gint64 deadline = g_get_monotonic_time() + RECONCILE_TEST_IDLE_WAIT_US;
    bool busy = true;

    while (busy) {
        busy = !shoalHostIsIdle(host);
        if (busy && g_get_monotonic_time() >= deadline)
            g_error("the jobs of host '%s' do not end", host->name);
        if (busy)
            g_usleep(10 * 1000);
    }
}

static void
reconcileTestDisconnect(gpointer opaque)
{
    reconcileTestHostCall *call = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(call->fixture->cluster, call->host, NULL);

    g_assert_nonnull(host);
    reconcileTestWaitIdle(host);
    /* as a lost connection: its domains stay listed, unreachable */
    shoalClusterDisconnectHost(call->fixture->cluster, host);
    shoalInventorySetHostReachable(call->fixture->cluster->inventory,
                                   call->host, false);
}

/* Conditions, polled on the test thread */

static bool
reconcileTestHostOnline(gpointer opaque, gconstpointer data)
{
    reconcileTestFixture *fixture = opaque;
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(fixture->cluster, data, NULL);

    return host && shoalHostGetState(host) == SHOAL_HOST_STATE_ONLINE;
}

static void
reconcileTestWaitOnline(reconcileTestFixture *fixture, const char *host)
{
    g_autofree char *what = g_strdup_printf("host '%s' online", host);

    testLoopWaitFor(reconcileTestHostOnline, fixture, host, what);
}

static shoalStoreDomain *
reconcileTestStoredByName(reconcileTestFixture *fixture, const char *name)
{
    g_autoptr(GPtrArray) stored = shoalStoreList(fixture->cluster->store);
    guint i;

    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];

        if (g_str_equal(sd->name, name))
            return shoalStoreDomainCopy(sd);
    }
    return NULL;
}

static const char *
reconcileTestStateName(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        return "running";
    case VIR_DOMAIN_SHUTOFF:
        return "shutoff";
    case VIR_DOMAIN_PAUSED:
        return "paused";
    case VIR_DOMAIN_NOSTATE:
        return "nostate";
    default:
        return "other";
    }
}

/* What @host has of @name: none, or "persistent|transient STATE". */
static char *
reconcileTestOnHost(reconcileTestFixture *fixture,
                    const char *hostName,
                    const char *name)
{
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(fixture->cluster, hostName, NULL);
    virConnectPtr conn;
    virDomainPtr dom;
    virDomainInfo info;
    char *out;

    g_assert_nonnull(host);
    conn = shoalHostGetConnection(host, NULL);
    g_assert_nonnull(conn);
    dom = virDomainLookupByName(conn, name);
    if (!dom) {
        /* before any other call: each resets the thread's error */
        g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
        virResetLastError();
        virConnectClose(conn);
        return g_strdup("none");
    }
    virConnectClose(conn);
    g_assert_cmpint(virDomainGetInfo(dom, &info), ==, 0);
    out = g_strdup_printf("%s %s",
                          virDomainIsPersistent(dom) == 1 ? "persistent"
                                                          : "transient",
                          reconcileTestStateName(info.state));
    virDomainFree(dom);
    return out;
}

/* The conflicts list, one "kind name host,host" a line. */
static char *
reconcileTestConflicts(reconcileTestFixture *fixture)
{
    g_autoptr(GPtrArray) conflicts =
        shoalClusterListConflicts(fixture->cluster);
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; i < conflicts->len; i++) {
        const shoalClusterConflictInfo *c = conflicts->pdata[i];
        g_autofree char *hosts = g_strjoinv(",", c->hosts);

        g_string_append_printf(out, "%s %s %s\n",
                               shoalConflictKindToString(c->kind), c->domain,
                               hosts);
    }
    return g_string_free(out, FALSE);
}

/*
 * One expectation: argv[0] is what, the rest its arguments.
 *   stored NAME HOST | stored NAME -   (- : not stored)
 *   stored-has NAME TEXT               (the stored XML contains TEXT)
 *   stored-autostart NAME yes|no
 *   listed NAME HOST STATE | listed NAME -
 *   persistent NAME yes|no             (as Shoal lists it)
 *   on HOST NAME none | on HOST NAME persistent|transient STATE
 *   conflicts [kind name hosts]...     (the whole list; - for none)
 *   log TEXT...                        (a message containing TEXT)
 *   logged N TEXT...                   (N messages of this case contain
 *                                       TEXT)
 *   sent N TEXT...                     (N events to clients were TEXT,
 *                                       see reconcileTestOnEvent())
 */
static bool
reconcileTestHolds(gpointer opaque, gconstpointer data)
{
    reconcileTestFixture *fixture = opaque;
    const char *const *argv = data;
    const char *what = argv[0];

    if (g_str_equal(what, "stored")) {
        g_autoptr(shoalStoreDomain) sd =
            reconcileTestStoredByName(fixture, argv[1]);

        if (g_str_equal(argv[2], "-"))
            return !sd;
        return sd && g_strcmp0(sd->hostName, argv[2]) == 0;
    }
    if (g_str_equal(what, "stored-has")) {
        g_autoptr(shoalStoreDomain) sd =
            reconcileTestStoredByName(fixture, argv[1]);

        g_autofree char *text = g_strjoinv(" ", (char **) argv + 2);

        return sd && strstr(sd->xml, text);
    }
    if (g_str_equal(what, "stored-autostart")) {
        g_autoptr(shoalStoreDomain) sd =
            reconcileTestStoredByName(fixture, argv[1]);

        return sd && sd->autostart == g_str_equal(argv[2], "yes");
    }
    if (g_str_equal(what, "listed") || g_str_equal(what, "persistent")) {
        g_autoptr(shoalInventoryEntry) entry =
            shoalInventoryLookupByName(fixture->cluster->inventory, argv[1],
                                       NULL);

        if (g_str_equal(what, "persistent"))
            return entry &&
                   entry->rec.persistent == g_str_equal(argv[2], "yes");
        if (g_str_equal(argv[2], "-"))
            return !entry;
        return entry && g_str_equal(entry->hostName, argv[2]) &&
               g_str_equal(reconcileTestStateName(entry->rec.state), argv[3]);
    }
    if (g_str_equal(what, "on")) {
        g_autofree char *has = reconcileTestOnHost(fixture, argv[1], argv[2]);
        g_autofree char *want = g_strjoinv(" ", (char **) argv + 3);

        return g_str_equal(has, want);
    }
    if (g_str_equal(what, "conflicts")) {
        g_autofree char *has = reconcileTestConflicts(fixture);
        g_autoptr(GString) want = g_string_new(NULL);
        guint i;

        for (i = 1; argv[i] && !g_str_equal(argv[i], "-"); i += 3)
            g_string_append_printf(want, "%s %s %s\n", argv[i], argv[i + 1],
                                   argv[i + 2]);
        return g_str_equal(has, want->str);
    }
    if (g_str_equal(what, "sent")) {
        g_autofree char *text = g_strjoinv(" ", (char **) argv + 2);
        g_autoptr(GMutexLocker) locker =
            g_mutex_locker_new(&fixture->eventsLock);
        guint n = 0;
        guint i;

        for (i = 0; i < fixture->events->len; i++)
            n += g_str_equal(fixture->events->pdata[i], text);
        return n == g_ascii_strtoull(argv[1], NULL, 10);
    }
    if (g_str_equal(what, "logged")) {
        g_autofree char *text = g_strjoinv(" ", (char **) argv + 2);

        return testLogCaptureCount(fixture->log, text) ==
               g_ascii_strtoull(argv[1], NULL, 10);
    }
    if (g_str_equal(what, "log")) {
        g_autofree char *text = g_strjoinv(" ", (char **) argv + 1);

        return testLogCaptureHas(fixture->log, text);
    }
    g_test_message("unknown expectation '%s'", what);
    g_assert_not_reached();
}

/* Steps */

static void
reconcileTestStart(reconcileTestFixture *fixture)
{
    g_autoptr(GError) error = NULL;
    guint i;

    g_assert_null(fixture->cluster);
    fixture->cluster =
        shoalClusterNew(&fixture->config, testLoopGetContext(fixture->loop));
    g_assert_true(
        shoalClusterOpenStore(fixture->cluster, fixture->storeDir, &error));
    g_assert_no_error(error);
    for (i = 0; i < fixture->hostNames->len; i++) {
        const char *name = fixture->hostNames->pdata[i];
        g_autoptr(shoalHost) host =
            shoalClusterLookupHost(fixture->cluster, name, NULL);
        g_autofree char *file = reconcileTestHostFile(fixture, name);
        g_autofree char *uri = g_strconcat("test://", file, NULL);

        /* a restart finds its hosts in the store */
        if (!host)
            g_assert_true(
                shoalClusterAddHost(fixture->cluster, name, uri, NULL, &error));
        g_assert_no_error(error);
    }
    shoalClusterSetAutostartMarker(fixture->cluster, fixture->autostartMarker);
    shoalClusterAddEventHandler(fixture->cluster, reconcileTestOnEvent,
                                fixture);
    testLoopInvoke(fixture->loop, reconcileTestStartCluster, fixture);
    for (i = 0; i < fixture->hostNames->len; i++)
        reconcileTestWaitOnline(fixture, fixture->hostNames->pdata[i]);
}

static void
reconcileTestStop(reconcileTestFixture *fixture)
{
    if (!fixture->cluster)
        return;
    testLoopInvoke(fixture->loop, reconcileTestStopCluster, fixture);
    /* the events posted to the loop before the stop ended run before
     * this call, while the cluster they use still exists */
    testLoopInvoke(fixture->loop, reconcileTestNothing, NULL);
    g_clear_pointer(&fixture->cluster, shoalClusterFree);
}

/* What the periodic re-read does, on the test thread and at once. */
static void
reconcileTestReread(reconcileTestFixture *fixture, const char *hostName)
{
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(fixture->cluster, hostName, NULL);
    g_autoptr(GPtrArray) records = NULL;
    g_autoptr(GError) error = NULL;
    virConnectPtr conn;

    g_assert_nonnull(host);
    conn = shoalHostGetConnection(host, &error);
    g_assert_no_error(error);
    records = shoalSyncReadHost(conn, hostName, &error);
    g_assert_no_error(error);
    shoalClusterReconcileHost(fixture->cluster, host, conn, &records);
    shoalInventorySyncHost(fixture->cluster->inventory, hostName, records);
    virConnectClose(conn);
}

static virDomainPtr
reconcileTestHostDomain(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    g_assert_nonnull(dom);
    return dom;
}

/* "on HOST ACTION ARG...": what a person does with virsh on the host. */
static void
reconcileTestOnHostDo(reconcileTestFixture *fixture, char **argv)
{
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(fixture->cluster, argv[1], NULL);
    const char *action = argv[2];
    virConnectPtr conn;
    virDomainPtr dom = NULL;
    int rc = 0;

    g_assert_nonnull(host);
    conn = shoalHostGetConnection(host, NULL);
    g_assert_nonnull(conn);
    if (g_str_equal(action, "define") || g_str_equal(action, "create")) {
        g_autofree char *xml = reconcileTestReadData(argv[3]);

        dom = g_str_equal(action, "define") ? virDomainDefineXML(conn, xml)
                                            : virDomainCreateXML(conn, xml, 0);
        rc = dom ? 0 : -1;
    } else {
        dom = reconcileTestHostDomain(conn, argv[3]);
        if (g_str_equal(action, "undefine"))
            rc = virDomainUndefine(dom);
        else if (g_str_equal(action, "start"))
            rc = virDomainCreate(dom);
        else if (g_str_equal(action, "destroy"))
            rc = virDomainDestroy(dom);
        else if (g_str_equal(action, "rename"))
            rc = virDomainRename(dom, argv[4], 0);
        else if (g_str_equal(action, "autostart"))
            rc = virDomainSetAutostart(dom, 1);
        else if (g_str_equal(action, "setmem-config"))
            rc = virDomainSetMemoryFlags(dom,
                                         g_ascii_strtoull(argv[4], NULL, 10),
                                         VIR_DOMAIN_AFFECT_CONFIG);
        else
            g_assert_not_reached();
    }
    if (rc < 0)
        g_test_message("on %s %s: %s", argv[1], action,
                       virGetLastErrorMessage());
    g_assert_cmpint(rc, ==, 0);
    if (dom)
        virDomainFree(dom);
    virConnectClose(conn);
}

/* "inject HOST NAME stopped-migrated": an event the test driver cannot
 * send, applied to what the host has now (the domain, or none). */
static void
reconcileTestInject(reconcileTestFixture *fixture, char **argv)
{
    g_autoptr(shoalHost) host =
        shoalClusterLookupHost(fixture->cluster, argv[1], NULL);
    g_autoptr(shoalStoreDomain) sd =
        reconcileTestStoredByName(fixture, argv[2]);
    g_autoptr(shoalInventoryRecord) rec = NULL;
    virConnectPtr conn;
    virDomainPtr dom;

    g_assert_nonnull(host);
    g_assert_nonnull(sd);
    g_assert_cmpstr(argv[3], ==, "stopped-migrated");
    conn = shoalHostGetConnection(host, NULL);
    g_assert_nonnull(conn);
    if ((dom = virDomainLookupByUUID(conn, sd->uuid))) {
        rec = shoalSyncReadDomain(dom, argv[1], NULL);
        g_assert_nonnull(rec);
        virDomainFree(dom);
    }
    virResetLastError();
    shoalClusterReconcileEvent(fixture->cluster, host, conn, sd->uuid,
                               VIR_DOMAIN_EVENT_STOPPED,
                               VIR_DOMAIN_EVENT_STOPPED_MIGRATED, rec, !rec);
    virConnectClose(conn);
}

/* "shoal start|undefine|restore ...": a client's or operator's call. */
static void
reconcileTestShoalDo(reconcileTestFixture *fixture, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;

    if (g_str_equal(argv[1], "restore")) {
        g_autoptr(GPtrArray) restored = NULL;
        const char *const *names =
            argv[3] ? (const char *const *) argv + 3 : NULL;

        g_assert_true(shoalClusterRestoreHost(fixture->cluster, argv[2], names,
                                              &restored, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(restored->len, >, 0);
        return;
    }
    ref = shoalClusterLookupDomainByName(fixture->cluster, argv[2], &error);
    g_assert_no_error(error);
    if (g_str_equal(argv[1], "start"))
        shoalClusterDomainApply(fixture->cluster, ref->uuid,
                                SHOAL_DOMAIN_OP_CREATE, 0, 0, &error);
    else if (g_str_equal(argv[1], "undefine"))
        shoalClusterDomainUndefine(fixture->cluster, ref->uuid, 0, &error);
    else
        g_assert_not_reached();
    g_assert_no_error(error);
}

/*
 * One step:
 *   host NAME FILE            a member host, on a copy of FILE
 *   file NAME FILE            what the host has when next connected to
 *   restore-missing           [reconcile] restore_missing for next start
 *   autostart                 the next start runs autostart
 *   start | stop              the daemon, with the same store
 *   disconnect NAME           the connection is lost (events with it)
 *   quiet NAME                the host's events stop reaching Shoal, as
 *                             an offline migration's source sends none
 *   connect NAME              Shoal connects again, a full read
 *   reread NAME               the periodic re-read, now
 *   on NAME define|create FILE, on NAME undefine|start|destroy|autostart
 *     DOMAIN, on NAME rename DOMAIN NEW, on NAME setmem-config DOMAIN KIB
 *     (no event): a person on the host
 *   inject NAME DOMAIN stopped-migrated
 *   shoal start|undefine DOMAIN, shoal restore NAME [DOMAIN...]
 *   expect ...                see reconcileTestHolds()
 */
static void
reconcileTestStep(reconcileTestFixture *fixture, char **argv)
{
    const char *step = argv[0];

    if (g_str_equal(step, "host")) {
        g_autofree char *text = reconcileTestReadData(argv[2]);
        g_autofree char *file = reconcileTestHostFile(fixture, argv[1]);
        g_autoptr(GError) error = NULL;

        g_file_set_contents(file, text, -1, &error);
        g_assert_no_error(error);
        g_ptr_array_add(fixture->hostNames, g_strdup(argv[1]));
    } else if (g_str_equal(step, "file")) {
        /* what the host has when it is next connected to */
        g_autofree char *text = reconcileTestReadData(argv[2]);
        g_autofree char *file = reconcileTestHostFile(fixture, argv[1]);
        g_autoptr(GError) error = NULL;

        g_file_set_contents(file, text, -1, &error);
        g_assert_no_error(error);
    } else if (g_str_equal(step, "autostart")) {
        /* the next start is the first of a boot: autostart runs */
        g_free(fixture->autostartMarker);
        fixture->autostartMarker =
            g_build_filename(fixture->dir, "autostarted", NULL);
    } else if (g_str_equal(step, "restore-missing")) {
        fixture->config.restoreMissing = true;
    } else if (g_str_equal(step, "start")) {
        reconcileTestStart(fixture);
    } else if (g_str_equal(step, "stop")) {
        reconcileTestStop(fixture);
    } else if (g_str_equal(step, "quiet")) {
        reconcileTestHostCall call = { fixture, argv[1] };

        testLoopInvoke(fixture->loop, reconcileTestQuiet, &call);
    } else if (g_str_equal(step, "disconnect")) {
        reconcileTestHostCall call = { fixture, argv[1] };

        testLoopInvoke(fixture->loop, reconcileTestDisconnect, &call);
    } else if (g_str_equal(step, "connect")) {
        g_autoptr(shoalHost) host =
            shoalClusterLookupHost(fixture->cluster, argv[1], NULL);

        g_assert_nonnull(host);
        shoalClusterHostAdded(fixture->cluster, host);
        reconcileTestWaitOnline(fixture, argv[1]);
    } else if (g_str_equal(step, "reread")) {
        reconcileTestReread(fixture, argv[1]);
    } else if (g_str_equal(step, "on")) {
        reconcileTestOnHostDo(fixture, argv);
    } else if (g_str_equal(step, "inject")) {
        reconcileTestInject(fixture, argv);
    } else if (g_str_equal(step, "shoal")) {
        reconcileTestShoalDo(fixture, argv);
    } else if (g_str_equal(step, "expect")) {
        g_autofree char *what = g_strjoinv(" ", argv);

        testLoopWaitFor(reconcileTestHolds, fixture, argv + 1, what);
    } else {
        g_test_message("unknown step '%s'", step);
        g_assert_not_reached();
    }
}

static void
reconcileTestSetUp(reconcileTestFixture *fixture, testLogCapture *log)
{
    g_autoptr(GError) error = NULL;

    fixture->log = log;
    fixture->dir = g_dir_make_tmp("shoal-reconcile-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->storeDir = g_build_filename(fixture->dir, "store", NULL);
    fixture->hostNames = g_ptr_array_new_with_free_func(g_free);
    g_mutex_init(&fixture->eventsLock);
    fixture->events = g_ptr_array_new_with_free_func(g_free);
    fixture->loop = testLoopNew();
    testLoopStart(fixture->loop, "reconcile-test-loop");
    shoalClusterConfigInit(&fixture->config);
    /* every re-read a case expects is its own "reread" step */
    fixture->config.resyncIntervalMs = G_MAXINT;
    fixture->config.statsIntervalMs = G_MAXINT;
}

/* Stops the cluster; nothing of the case is left behind. */
static void
reconcileTestTearDown(reconcileTestFixture *fixture)
{
    reconcileTestStop(fixture);
    g_clear_pointer(&fixture->loop, testLoopFree);
    testRemoveTree(fixture->dir);
    g_free(fixture->dir);
    g_free(fixture->storeDir);
    g_free(fixture->autostartMarker);
    g_ptr_array_unref(fixture->hostNames);
    g_ptr_array_unref(fixture->events);
    g_mutex_clear(&fixture->eventsLock);
}

static GStrv
reconcileTestReadSteps(const char *caseName)
{
    g_autofree char *file = g_strconcat(caseName, ".steps", NULL);
    g_autofree char *text = reconcileTestReadData(file);

    return g_strsplit(text, "\n", -1);
}

/* Runs one script. */
static void
reconcileTestRun(const char *caseName, testLogCapture *log)
{
    g_auto(GStrv) lines = reconcileTestReadSteps(caseName);
    reconcileTestFixture fixture = { 0 };
    guint i;

    reconcileTestSetUp(&fixture, log);
    /* a case's "log" expectations see its own messages only */
    testLogCaptureReset(log);

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) argv = NULL;
        g_autofree char *line = g_strstrip(g_strdup(lines[i]));

        if (!*line || *line == '#')
            continue;
        argv = g_strsplit_set(line, " ", -1);
        g_test_message("%s.steps:%u: %s", caseName, i + 1, line);
        reconcileTestStep(&fixture, argv);
    }

    reconcileTestTearDown(&fixture);
}

typedef struct {
    const char *name;
    testLogCapture *log; /* borrowed */
} reconcileTestCase;

static void
reconcileTestCaseRun(gconstpointer data)
{
    const reconcileTestCase *tc = data;

    reconcileTestRun(tc->name, tc->log);
}

/* The differential case's data files. */
static const char *const reconcileTestDiffFiles[] = {
    "diff.host.xml",
    "diff-idle.domain.xml",
    "diff-clash-name.domain.xml",
    "diff-clash-uuid.domain.xml",
};

/* A data file the scripts name in a step. */
static void
reconcileTestScanFiles(const char *caseName, GHashTable *used)
{
    g_auto(GStrv) lines = reconcileTestReadSteps(caseName);
    guint i;

    g_hash_table_add(used, g_strconcat(caseName, ".steps", NULL));
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) argv = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
        guint n = g_strv_length(argv);

        if (n >= 3 &&
            (g_str_equal(argv[0], "host") || g_str_equal(argv[0], "file")))
            g_hash_table_add(used, g_strdup(argv[2]));
        if (n >= 4 && g_str_equal(argv[0], "on") &&
            (g_str_equal(argv[2], "define") || g_str_equal(argv[2], "create")))
            g_hash_table_add(used, g_strdup(argv[3]));
    }
}

/* Every file in tests/data/cluster/reconcile/ belongs to a case. */
static void
reconcileTestDataFiles(void)
{
    g_autoptr(GHashTable) used =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *path = reconcileTestDataPath(NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
    const char *file;
    size_t i;

    g_assert_no_error(error);
    for (i = 0; i < G_N_ELEMENTS(reconcileTestCases); i++)
        reconcileTestScanFiles(reconcileTestCases[i], used);
    for (i = 0; i < G_N_ELEMENTS(reconcileTestDiffFiles); i++)
        g_hash_table_add(used, g_strdup(reconcileTestDiffFiles[i]));
    while ((file = g_dir_read_name(dir))) {
        g_test_message("data file '%s'", file);
        g_assert_true(g_hash_table_contains(used, file));
    }
}

/*
 * doc/internals/reconcile.md's section "The rules" is the rule table: one
 * row per rule, in the code's order, ending in the rule's reason.
 */
static void
reconcileTestDocTable(void)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "..", "doc", "internals",
                              "reconcile.md", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    size_t rule = 0;
    bool inRules = false;
    guint i;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        g_autofree char *cell = NULL;
        const char *last;

        /* the rules' section only: other tables follow */
        if (g_str_has_prefix(lines[i], "## "))
            inRules = g_str_equal(lines[i], "## The rules");
        if (!inRules || !g_str_has_prefix(lines[i], "| ") ||
            !g_str_has_suffix(lines[i], " |") ||
            g_str_has_prefix(lines[i], "| seen") ||
            g_str_has_prefix(lines[i], "| ---"))
            continue;
        cell = g_strndup(lines[i], strlen(lines[i]) - 2);
        last = strrchr(cell, '|');
        g_assert_nonnull(last);
        g_assert_cmpuint(rule, <, shoalReconcileRuleCount());
        g_assert_cmpstr(g_strstrip((char *) last + 1), ==,
                        shoalReconcileRuleWhy(rule));
        rule++;
    }
    g_assert_cmpuint(rule, ==, shoalReconcileRuleCount());
}

/* With more hosts than a tick may poll, hosts take turns, all of them. */
static void
reconcileTestFollowTurns(void)
{
    g_autoptr(shoalFollow) follow = shoalFollowNew();
    guint seen[5] = { 0 };
    guint tick;
    guint i;

    for (tick = 0; tick < 5; tick++) {
        guint start = shoalFollowNextStart(follow, 5, 2);

        for (i = 0; i < 2; i++)
            seen[(start + i) % 5]++;
    }
    /* 5 ticks of 2 polls: each of the 5 hosts twice */
    for (i = 0; i < 5; i++)
        g_assert_cmpuint(seen[i], ==, 2);
    g_assert_cmpuint(shoalFollowNextStart(follow, 0, 2), ==, 0);
    g_assert_true(shoalFollowClaim(follow, "h1"));
    g_assert_false(shoalFollowClaim(follow, "h1"));
}

/* Differential: Shoal against a host */

/* A host's error, as code and message. */
static char *
reconcileTestHostError(void)
{
    char *out = g_strdup_printf("%d %s", virGetLastErrorCode(),
                                virGetLastErrorMessage());

    virResetLastError();
    return out;
}

static char *
reconcileTestShoalError(GError *error)
{
    g_assert_nonnull(error);
    g_assert_true(error->domain == SHOAL_ERROR);
    return g_strdup_printf("%d %s", error->code, error->message);
}

/*
 * The same calls on a bare test driver host and through Shoal, with a
 * copy of the same host as its member: the same outcome, the same error.
 */
static void
reconcileTestDifferential(gconstpointer data)
{
    reconcileTestFixture fixture = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autofree char *hostFile = NULL;
    g_autofree char *hostXML = NULL;
    g_autofree char *hostUri = NULL;
    g_autofree char *idle = reconcileTestReadData("diff-idle.domain.xml");
    g_autofree char *clashName =
        reconcileTestReadData("diff-clash-name.domain.xml");
    g_autofree char *clashUUID =
        reconcileTestReadData("diff-clash-uuid.domain.xml");
    g_autofree char *hostErr = NULL;
    g_autofree char *shoalErr = NULL;
    const char *steps[] = { "host", "h1", "diff.host.xml", NULL };
    const char *listedIdle[] = { "listed", "idle", "h1", "running", NULL };
    const char *storedIdle[] = { "stored", "idle", "h1", NULL };
    const char *listedBusy[] = { "listed", "busy", "h1", "running", NULL };
    const char *transientBusy[] = { "persistent", "busy", "no", NULL };
    const char *unstoredBusy[] = { "stored", "busy", "-", NULL };
    virConnectPtr conn;
    virDomainPtr dom;

    reconcileTestSetUp(&fixture, (testLogCapture *) data);
    reconcileTestStep(&fixture, (char **) steps);
    reconcileTestStart(&fixture);

    /* the bare host: its own instance of the same file */
    hostFile = g_build_filename(fixture.dir, "bare.xml", NULL);
    hostXML = reconcileTestReadData("diff.host.xml");
    g_file_set_contents(hostFile, hostXML, -1, &error);
    g_assert_no_error(error);
    hostUri = g_strconcat("test://", hostFile, NULL);
    conn = virConnectOpen(hostUri);
    g_assert_nonnull(conn);

    /* create over an inactive persistent domain starts it */
    dom = virDomainCreateXML(conn, idle, 0);
    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainIsActive(dom), ==, 1);
    g_assert_cmpint(virDomainIsPersistent(dom), ==, 1);
    virDomainFree(dom);
    ref = shoalClusterDomainCreateXML(fixture.cluster, idle, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ref->name, ==, "idle");
    testLoopWaitFor(reconcileTestHolds, &fixture, listedIdle, "idle running");
    testLoopWaitFor(reconcileTestHolds, &fixture, storedIdle, "idle stored");

    /* an existing name with another UUID: the host's error */
    g_assert_null(virDomainDefineXML(conn, clashName));
    hostErr = reconcileTestHostError();
    g_assert_null(
        shoalClusterDomainDefine(fixture.cluster, clashName, 0, &error));
    shoalErr = reconcileTestShoalError(error);
    g_assert_cmpstr(shoalErr, ==, hostErr);
    g_clear_error(&error);
    g_clear_pointer(&hostErr, g_free);
    g_clear_pointer(&shoalErr, g_free);

    /* an existing UUID with another name: the host's error */
    g_assert_null(virDomainDefineXML(conn, clashUUID));
    hostErr = reconcileTestHostError();
    g_assert_null(
        shoalClusterDomainDefine(fixture.cluster, clashUUID, 0, &error));
    shoalErr = reconcileTestShoalError(error);
    g_assert_cmpstr(shoalErr, ==, hostErr);
    g_clear_error(&error);

    /* undefine of a running persistent domain makes it transient */
    dom = virDomainLookupByName(conn, "busy");
    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    g_assert_cmpint(virDomainIsActive(dom), ==, 1);
    g_assert_cmpint(virDomainIsPersistent(dom), ==, 0);
    virDomainFree(dom);
    g_clear_pointer(&ref, shoalDomainRefFree);
    ref = shoalClusterLookupDomainByName(fixture.cluster, "busy", &error);
    g_assert_no_error(error);
    g_assert_true(
        shoalClusterDomainUndefine(fixture.cluster, ref->uuid, 0, &error));
    g_assert_no_error(error);
    testLoopWaitFor(reconcileTestHolds, &fixture, listedBusy, "busy running");
    testLoopWaitFor(reconcileTestHolds, &fixture, transientBusy,
                    "busy transient");
    testLoopWaitFor(reconcileTestHolds, &fixture, unstoredBusy,
                    "busy not stored");

    virConnectClose(conn);
    reconcileTestTearDown(&fixture);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree reconcileTestCase *cases = NULL;
    testLogCapture log = { 0 };
    shoalEventLoop *events;
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    /* the inventory reports a conflict as a warning, and the conflict
     * cases make them on purpose: only criticals stay fatal */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    testLogCaptureInit(&log);
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);

    cases = g_new0(reconcileTestCase, G_N_ELEMENTS(reconcileTestCases));
    for (i = 0; i < G_N_ELEMENTS(reconcileTestCases); i++) {
        g_autofree char *path =
            g_strconcat("/cluster/reconcile/", reconcileTestCases[i], NULL);

        cases[i].name = reconcileTestCases[i];
        cases[i].log = &log;
        g_test_add_data_func(path, &cases[i], reconcileTestCaseRun);
    }
    g_test_add_data_func("/cluster/reconcile/differential", &log,
                         reconcileTestDifferential);
    g_test_add_func("/cluster/reconcile/data-files", reconcileTestDataFiles);
    g_test_add_func("/cluster/reconcile/doc-table", reconcileTestDocTable);
    g_test_add_func("/cluster/reconcile/follow-turns",
                    reconcileTestFollowTurns);

    ret = g_test_run();
    shoalEventLoopFree(events);
    testLogCaptureClear(&log);
    return ret;
}
