/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The scheduler round and maintenance, in-process, on member hosts of
 * libvirt's test driver (one generated XML file per host), with a fake
 * migration: the test driver cannot migrate, so the fake defines the
 * domain on the destination, starts it there and removes it from the
 * source, through Shoal's own host connections. Everything else is the
 * daemon's: snapshot, plan, executor with its checks and limits, job,
 * inventory and store. Cases are data: hosts and domains in, moves and
 * counts out.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_eventloop.h"
#include "cluster_internal.h"
#include "cluster_sync.h"
#include "testutil_file.h"
#include "testutil_log.h"
#include "testutil_loop.h"
#include "util_error.h"

/* One member host: its size and its domains, "NAME/MiB/run|off ...". */
typedef struct {
    const char *name;
    unsigned cpus;
    unsigned memoryMiB;
    const char *domains;
} schedTestHost;

typedef struct {
    const char *name;
    const schedTestHost *hosts; /* ends with a NULL name */
    /* maintenance cases: the host switched on, then off with return */
    const char *maintenance;
    unsigned migrated; /* expected: running domains moved */
    unsigned rehomed;  /* shut-off domains defined elsewhere */
    unsigned failed;
    const char *failure; /* in every failure's message */
    unsigned execFailed; /* of those, how many the executor ran and logged */
    /* the most moves to one destination, if not 0: placement counts the
     * moves queued before */
    unsigned maxPerDestination;
    /* round cases: the least number of moves the plan makes */
    unsigned minMoves;
} schedTestCase;

/* Warnings the cluster logs; G_DEBUG=fatal-warnings makes others fatal. */
typedef struct {
    GMutex lock;
    GPtrArray *warnings; /* protected by lock */
} schedTestLog;

typedef struct {
    const schedTestCase *tc;
    schedTestLog *log; /* borrowed */
    char *dir;
    testLoop *loop;
    shoalCluster *cluster;
    unsigned domains;
    GMutex lock;
    GPtrArray *moves; /* protected by lock: "d1 h1 h2" */
} schedTestFixture;

typedef struct {
    const schedTestCase *tc;
    schedTestLog *log;
} schedTestData;

static GLogWriterOutput
schedTestLogWriter(GLogLevelFlags level,
                   const GLogField *fields,
                   gsize nFields,
                   gpointer userData)
{
    schedTestLog *log = userData;

    if (level & G_LOG_LEVEL_WARNING) {
        g_mutex_lock(&log->lock);
        g_ptr_array_add(log->warnings,
                        g_strdup(testLogField(fields, nFields, "MESSAGE")));
        g_mutex_unlock(&log->lock);
        return G_LOG_WRITER_HANDLED;
    }
    if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, nFields, NULL);
}

/* The test driver's description of @host. */
static char *
schedTestHostXML(const schedTestHost *host, unsigned *count)
{
    GString *xml = g_string_new(NULL);
    g_auto(GStrv) doms = g_strsplit(host->domains, " ", -1);
    guint i;

    g_string_append_printf(xml,
                           "<node>\n  <cpu><mhz>2400</mhz><model>i686</model>"
                           "<nodes>1</nodes><sockets>1</sockets>"
                           "<cores>%u</cores><threads>1</threads></cpu>\n"
                           "  <memory>%u</memory>\n",
                           host->cpus, host->memoryMiB * 1024);
    for (i = 0; doms[i]; i++) {
        g_auto(GStrv) f = g_strsplit(doms[i], "/", 3);

        if (!*doms[i])
            continue;
        g_assert_cmpuint(g_strv_length(f), ==, 3);
        g_string_append_printf(xml,
                               "  <domain type='test' "
                               "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
                               "    <name>%s</name>\n    <memory>%u</memory>\n"
                               "    <vcpu current='1'>2</vcpu>\n    <os><type>hvm</type></os>\n"
                               "    <test:runstate>%d</test:runstate>\n  </domain>\n",
                               f[0],
                               (unsigned) g_ascii_strtoull(f[1], NULL, 10) *
                                   1024,
                               g_str_equal(f[2], "run") ? 1 : 5);
        (*count)++;
    }
    g_string_append(xml, "</node>\n");
    return g_string_free(xml, FALSE);
}

/* The fake migration: the domain is defined and started on the
 * destination and removed from the source, then settled as the real one
 * settles it. */
static bool
schedTestMigrate(gpointer opaque,
                 const shoalExecStep *step,
                 shoalExecRecord *rec,
                 GError **error)
{
    schedTestFixture *fixture = opaque;
    shoalCluster *cluster = fixture->cluster;
    g_autoptr(shoalHost) from =
        shoalClusterLookupHost(cluster, step->plan->from, error);
    g_autoptr(shoalHost) to =
        from ? shoalClusterLookupHost(cluster, step->plan->to, error) : NULL;
    g_autoptr(shoalInventoryRecord) record = NULL;
    g_autofree char *xml = NULL;
    virConnectPtr sconn;
    virConnectPtr dconn;
    virDomainPtr dom;
    virDomainPtr ddom;

    if (!to)
        return false;
    sconn = shoalHostGetConnection(from, error);
    g_assert_nonnull(sconn);
    dconn = shoalHostGetConnection(to, error);
    g_assert_nonnull(dconn);
    dom = virDomainLookupByUUID(sconn, step->uuid);
    g_assert_nonnull(dom);
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    ddom = virDomainDefineXML(dconn, xml);
    g_assert_nonnull(ddom);
    g_assert_cmpint(virDomainCreate(ddom), ==, 0);
    g_assert_cmpint(virDomainDestroy(dom), ==, 0);
    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    shoalExecRecordProgress(rec, 1, 1);
    shoalClusterStoreRefresh(cluster, ddom, to->name);
    record = shoalSyncReadDomain(ddom, to->name, NULL);
    g_assert_nonnull(record);
    shoalInventoryMove(cluster->inventory, from->name, to->name, record);
    shoalHostForgetDomain(from, step->uuid);
    virDomainFree(ddom);
    virDomainFree(dom);
    virConnectClose(dconn);
    virConnectClose(sconn);
    g_mutex_lock(&fixture->lock);
    g_ptr_array_add(fixture->moves,
                    g_strdup_printf("%s %s %s", step->plan->domain,
                                    step->plan->from, step->plan->to));
    g_mutex_unlock(&fixture->lock);
    return true;
}

static const shoalExecOps schedTestOps = {
    .migrate = schedTestMigrate,
};

/* Every domain listed and every host online with its facts. */
static bool
schedTestReady(gpointer opaque, gconstpointer data)
{
    schedTestFixture *fixture = opaque;
    g_autoptr(GPtrArray) doms =
        shoalClusterListDomains(fixture->cluster, 0, NULL);
    g_autoptr(GPtrArray) hosts = shoalClusterListHostInfo(fixture->cluster);
    guint i;

    if (!doms || doms->len != fixture->domains)
        return false;
    for (i = 0; i < hosts->len; i++) {
        const shoalClusterHostInfo *info = hosts->pdata[i];

        if (!g_str_equal(info->state, "online") || info->memoryKiB == 0)
            return false;
    }
    return true;
}

static void
schedTestStart(gpointer opaque)
{
    schedTestFixture *fixture = opaque;

    shoalClusterStart(fixture->cluster);
}

static void
schedTestStop(gpointer opaque)
{
    schedTestFixture *fixture = opaque;

    shoalClusterStop(fixture->cluster);
}

static void
schedTestSetUp(schedTestFixture *fixture, gconstpointer data)
{
    const schedTestData *d = data;
    shoalClusterConfig config;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedConfig) sched = shoalSchedConfigNew();
    g_autofree char *storeDir = NULL;
    guint i;

    fixture->tc = d->tc;
    fixture->log = d->log;
    g_mutex_init(&fixture->lock);
    fixture->moves = g_ptr_array_new_with_free_func(g_free);
    fixture->dir = g_dir_make_tmp("shoal-sched-test-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->loop = testLoopNew();
    shoalClusterConfigInit(&config);
    /* no timer round or re-read during a test: the test drives them */
    config.resyncIntervalMs = 3600 * 1000;
    config.statsIntervalMs = 3600 * 1000;
    fixture->cluster =
        shoalClusterNew(&config, testLoopGetContext(fixture->loop));
    shoalExecSetMigrateOverride(fixture->cluster->exec, &schedTestOps, fixture);
    for (i = 0; fixture->tc->hosts[i].name; i++) {
        const schedTestHost *host = &fixture->tc->hosts[i];
        g_autofree char *xml = schedTestHostXML(host, &fixture->domains);
        g_autofree char *file =
            g_strdup_printf("%s/%s.xml", fixture->dir, host->name);
        g_autofree char *uri = g_strdup_printf("test://%s", file);

        g_assert_true(g_file_set_contents(file, xml, -1, &error));
        g_assert_true(shoalClusterAddHost(fixture->cluster, host->name, uri,
                                          NULL, &error));
        g_assert_no_error(error);
    }
    storeDir = g_build_filename(fixture->dir, "state", NULL);
    g_assert_cmpint(g_mkdir(storeDir, 0700), ==, 0);
    g_assert_true(shoalClusterOpenStore(fixture->cluster, storeDir, &error));
    g_assert_no_error(error);
    sched->mode = SHOAL_SCHED_MODE_AUTOMATIC;
    shoalClusterSetSchedConfig(fixture->cluster, sched);
    testLoopStart(fixture->loop, "sched-test-loop");
    testLoopInvoke(fixture->loop, schedTestStart, fixture);
    testLoopWaitFor(schedTestReady, fixture, NULL,
                    "the member hosts to come online");
}

static void
schedTestTearDown(schedTestFixture *fixture, gconstpointer data)
{
    g_autofree char *warnings = NULL;

    testLoopInvoke(fixture->loop, schedTestStop, fixture);
    g_clear_pointer(&fixture->loop, testLoopFree);
    g_clear_pointer(&fixture->cluster, shoalClusterFree);
    testRemoveTree(fixture->dir);
    g_free(fixture->dir);
    g_ptr_array_unref(fixture->moves);
    g_mutex_clear(&fixture->lock);
    g_mutex_lock(&fixture->log->lock);
    g_ptr_array_add(fixture->log->warnings, NULL);
    warnings = g_strjoinv("\n", (char **) fixture->log->warnings->pdata);
    g_ptr_array_set_size(fixture->log->warnings, 0);
    g_mutex_unlock(&fixture->log->lock);
    /* what a test expects it takes; anything else is a failure */
    g_assert_cmpstr(warnings, ==, "");
}

/* Takes the warnings logged so far. */
static GPtrArray *
schedTestTakeWarnings(schedTestFixture *fixture)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fixture->log->lock);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    guint i;

    for (i = 0; i < fixture->log->warnings->len; i++)
        g_ptr_array_add(out, g_strdup(fixture->log->warnings->pdata[i]));
    g_ptr_array_set_size(fixture->log->warnings, 0);
    return out;
}

static char *
schedTestHostOf(schedTestFixture *fixture, const char *domain)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByName(fixture->cluster->inventory, domain, NULL);

    g_assert_nonnull(entry);
    return g_strdup(entry->hostName);
}

/*
 * A round: the plan moves domains off the loaded host, the executor runs
 * every step, each domain ends where its step said; the round's input is
 * saved, and planning it again offline gives the same plan.
 */
static void
testRound(schedTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(shoalSchedPlan) replay = NULL;
    g_autoptr(shoalSchedSnapshot) saved = NULL;
    g_autoptr(shoalSchedConfig) config = NULL;
    g_autofree char *inputs = g_build_filename(fixture->dir, "inputs", NULL);
    g_autofree char *first = NULL;
    g_autofree char *planJSON = NULL;
    g_autofree char *replayJSON = NULL;
    unsigned failed = 99;
    guint i;

    shoalClusterSetSchedInputDir(fixture->cluster, inputs);
    plan = shoalClusterRebalance(fixture->cluster, true, &failed, &error);
    g_assert_no_error(error);
    g_assert_nonnull(plan);
    g_assert_cmpuint(failed, ==, 0);
    g_assert_cmpuint(plan->moves, >=, fixture->tc->minMoves);
    g_assert_cmpuint(fixture->moves->len, ==, plan->moves);
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = plan->steps->pdata[i];
        g_autofree char *host = schedTestHostOf(fixture, step->domain);

        g_assert_cmpint(step->action, ==, SHOAL_SCHED_ACTION_MIGRATE);
        g_assert_cmpstr(host, ==, step->to);
    }

    /* the saved input replays to the same plan */
    first = g_build_filename(inputs, "sched-input-1.json", NULL);
    saved = shoalSchedSnapshotLoad(first, NULL, &error);
    g_assert_no_error(error);
    g_assert_true(saved->hasConfig);
    config = shoalSchedConfigNew();
    shoalSchedSnapshotGetConfig(saved, config);
    replay = shoalSchedPlanCompute(saved, config, &error);
    g_assert_no_error(error);
    planJSON = shoalSchedPlanFormatJSON(plan);
    replayJSON = shoalSchedPlanFormatJSON(replay);
    g_assert_cmpstr(replayJSON, ==, planJSON);
}

static int
schedTestCompareNames(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

/* Saved inputs are rotated: the newest few, numbered on. */
static void
testSavedInputs(schedTestFixture *fixture, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *inputs = g_build_filename(fixture->dir, "inputs", NULL);
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *joined = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    const char *name;
    guint i;

    g_assert_true(
        g_key_file_load_from_data(kf,
                                  "[scheduler]\nmode=advise\nsaved_inputs=2\n",
                                  -1, 0, &error));
    g_assert_true(shoalClusterLoadSchedConfig(fixture->cluster, kf, &error));
    g_assert_no_error(error);
    shoalClusterSetSchedInputDir(fixture->cluster, inputs);
    for (i = 0; i < 3; i++) {
        g_autoptr(shoalSchedPlan) plan =
            shoalClusterRebalance(fixture->cluster, true, NULL, &error);

        g_assert_no_error(error);
    }
    /* advise mode: planned, nothing moved */
    g_assert_cmpuint(fixture->moves->len, ==, 0);
    dir = g_dir_open(inputs, 0, &error);
    g_assert_no_error(error);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, schedTestCompareNames);
    g_ptr_array_add(names, NULL);
    joined = g_strjoinv(" ", (char **) names->pdata);
    g_assert_cmpstr(joined, ==, "sched-input-2.json sched-input-3.json");

    g_key_file_set_string(kf, "scheduler", "saved_inputs", "-1");
    g_assert_false(shoalClusterLoadSchedConfig(fixture->cluster, kf, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX);
}

/*
 * Maintenance: the host empties (running domains through the executor,
 * shut-off ones re-homed), then with return everything comes back.
 */
static void
testMaintenance(schedTestFixture *fixture, gconstpointer data)
{
    const schedTestCase *tc = fixture->tc;
    g_autoptr(shoalMaintenanceResult) on = NULL;
    g_autoptr(shoalMaintenanceResult) off = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) before =
        shoalInventoryListHost(fixture->cluster->inventory, tc->maintenance);
    g_autoptr(GPtrArray) left = NULL;
    g_autoptr(GPtrArray) warnings = NULL;
    g_autoptr(GPtrArray) list = NULL;
    guint i;

    g_assert_true(shoalClusterSetMaintenance(fixture->cluster, tc->maintenance,
                                             true, false, &on, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(on->migrated, ==, tc->migrated);
    g_assert_cmpuint(on->rehomed, ==, tc->rehomed);
    g_assert_cmpuint(on->failed, ==, tc->failed);
    for (i = 0; i < on->errors->len; i++)
        g_assert_nonnull(strstr(on->errors->pdata[i], tc->failure));
    g_assert_cmpuint(on->errors->len, ==, tc->failed);
    g_assert_cmpuint(fixture->moves->len, ==, tc->migrated);
    if (tc->maxPerDestination) {
        g_autoptr(GHashTable) per = g_hash_table_new(g_str_hash, g_str_equal);

        for (i = 0; i < fixture->moves->len; i++) {
            const char *to = strrchr(fixture->moves->pdata[i], ' ') + 1;
            unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(per, to)) + 1;

            g_hash_table_insert(per, (gpointer) to, GUINT_TO_POINTER(n));
            g_assert_cmpuint(n, <=, tc->maxPerDestination);
        }
    }
    left = shoalInventoryListHost(fixture->cluster->inventory, tc->maintenance);
    g_assert_cmpuint(left->len, ==, tc->failed);
    /* the executor logged each failed move once */
    warnings = schedTestTakeWarnings(fixture);
    g_assert_cmpuint(warnings->len, ==, tc->execFailed);
    for (i = 0; i < warnings->len; i++)
        g_assert_nonnull(strstr(warnings->pdata[i], tc->failure));
    list = shoalClusterListMigrations(fixture->cluster);
    g_assert_cmpuint(list->len, ==, tc->migrated + tc->execFailed);

    g_assert_true(shoalClusterSetMaintenance(fixture->cluster, tc->maintenance,
                                             false, true, &off, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(off->migrated, ==, tc->migrated);
    g_assert_cmpuint(off->rehomed, ==, tc->rehomed);
    g_assert_cmpuint(off->failed, ==, 0);
    for (i = 0; i < before->len; i++) {
        const shoalInventoryEntry *e = before->pdata[i];
        g_autofree char *host = schedTestHostOf(fixture, e->rec.name);

        g_assert_cmpstr(host, ==, tc->maintenance);
    }
}

/* A step built as the planner builds it, with its preconditions. */
static shoalExecStep *
schedTestResizeStep(schedTestFixture *fixture,
                    shoalSchedAction action,
                    const char *domain,
                    unsigned long long value,
                    unsigned long long expect)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByName(fixture->cluster->inventory, domain, NULL);
    shoalExecStep *step;

    g_assert_nonnull(entry);
    step = shoalExecStepNew(action, entry->rec.uuid, domain, entry->hostName,
                            NULL, "test");
    step->plan->value = value;
    if (action == SHOAL_SCHED_ACTION_ADD_VCPU) {
        shoalSchedStepAddPrecondition(step->plan, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                      domain, NULL, 0);
        shoalSchedStepAddPrecondition(step->plan,
                                      SHOAL_SCHED_CHECK_DOMAIN_VCPUS, domain,
                                      NULL, expect);
    } else {
        shoalSchedStepAddPrecondition(step->plan,
                                      SHOAL_SCHED_CHECK_BALLOON_BELOW, domain,
                                      NULL, expect);
    }
    return step;
}

/*
 * vCPU and balloon steps go through the executor with the cluster's own
 * step functions, on the host; one whose vCPU count changed since the plan
 * is dropped, logged once, and changes nothing.
 */
static void
testResize(schedTestFixture *fixture, gconstpointer data)
{
    shoalClusterStepCtx ctx;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(GPtrArray) warnings = NULL;
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GPtrArray) migrations = NULL;

    shoalClusterStepCtxInit(&ctx, fixture->cluster);
    g_assert_true(
        shoalExecRun(fixture->cluster->exec, shoalClusterStepOps(), &ctx,
                     schedTestResizeStep(fixture, SHOAL_SCHED_ACTION_ADD_VCPU,
                                         "r1", 2, 1),
                     &error));
    g_assert_no_error(error);
    entry = shoalInventoryLookupByName(fixture->cluster->inventory, "r1", NULL);
    g_assert_cmpuint(entry->rec.vcpus, ==, 2);

    /* planned when it had 1: stale now */
    g_assert_false(
        shoalExecRun(fixture->cluster->exec, shoalClusterStepOps(), &ctx,
                     schedTestResizeStep(fixture, SHOAL_SCHED_ACTION_ADD_VCPU,
                                         "r1", 2, 1),
                     &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "no longer has 1 vCPUs"));
    g_clear_error(&error);
    warnings = schedTestTakeWarnings(fixture);
    g_assert_cmpuint(warnings->len, ==, 1);

    g_assert_true(
        shoalExecRun(fixture->cluster->exec, shoalClusterStepOps(), &ctx,
                     schedTestResizeStep(fixture,
                                         SHOAL_SCHED_ACTION_SET_BALLOON, "r2",
                                         262144, 262145),
                     &error));
    g_assert_no_error(error);
    /* every kind leaves a record; the migrations list shows none of these */
    all = shoalExecList(fixture->cluster->exec, true);
    g_assert_cmpuint(all->len, ==, 3);
    migrations = shoalClusterListMigrations(fixture->cluster);
    g_assert_cmpuint(migrations->len, ==, 0);
}

static const schedTestHost loadedHosts[] = {
    { "h1", 4, 4096, "d1/1000/run d2/1000/run d3/1000/run d4/1000/run" },
    { "h2", 4, 8192, "" },
    { "h3", 4, 8192, "" },
    { NULL, 0, 0, NULL },
};

static const schedTestHost mixedHosts[] = {
    { "h1", 4, 8192, "r1/512/run r2/512/run r3/512/run s1/512/off" },
    { "h2", 4, 8192, "x1/512/run" },
    { "h3", 4, 8192, "" },
    { NULL, 0, 0, NULL },
};

static const schedTestHost fullHosts[] = {
    { "h1", 4, 8192, "r1/2048/run r2/2048/run s1/512/off" },
    { "h2", 4, 2048, "x1/1024/run" },
    { NULL, 0, 0, NULL },
};

static const schedTestCase roundCases[] = {
    { .name = "memory-pressure", .hosts = loadedHosts, .minMoves = 1 },
};

static const schedTestCase resizeCases[] = {
    { .name = "vcpu-and-balloon", .hosts = mixedHosts },
};

static const schedTestCase savedInputCases[] = {
    { .name = "rotated", .hosts = loadedHosts },
};

static const schedTestCase maintenanceCases[] = {
    { .name = "evacuate-and-return",
      .hosts = mixedHosts,
      .maintenance = "h1",
      .migrated = 3,
      .rehomed = 1 },
    { .name = "spread",
      .hosts = loadedHosts,
      .maintenance = "h1",
      .migrated = 4,
      .maxPerDestination = 2 },
    { .name = "no-room",
      .hosts = fullHosts,
      .maintenance = "h1",
      .migrated = 0,
      .rehomed = 1,
      .failed = 2,
      /* placement finds none: nothing reaches the executor */
      .failure = "no host" },
};

static void
schedTestAdd(const char *group,
             const schedTestCase *cases,
             size_t n,
             schedTestLog *log,
             GPtrArray *keep,
             void (*func)(schedTestFixture *, gconstpointer))
{
    size_t i;

    for (i = 0; i < n; i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/sched/%s/%s", group, cases[i].name);
        schedTestData *d = g_new0(schedTestData, 1);

        d->tc = &cases[i];
        d->log = log;
        g_ptr_array_add(keep, d);
        g_test_add(path, schedTestFixture, d, schedTestSetUp, func,
                   schedTestTearDown);
    }
}

int
main(int argc, char **argv)
{
    static schedTestLog log;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    shoalEventLoop *events;
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_mutex_init(&log.lock);
    log.warnings = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(schedTestLogWriter, &log, NULL);
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);
    schedTestAdd("round", roundCases, G_N_ELEMENTS(roundCases), &log, keep,
                 testRound);
    schedTestAdd("resize", resizeCases, G_N_ELEMENTS(resizeCases), &log, keep,
                 testResize);
    schedTestAdd("saved-inputs", savedInputCases, G_N_ELEMENTS(savedInputCases),
                 &log, keep, testSavedInputs);
    schedTestAdd("maintenance", maintenanceCases,
                 G_N_ELEMENTS(maintenanceCases), &log, keep, testMaintenance);
    ret = g_test_run();
    shoalEventLoopFree(events);
    return ret;
}
