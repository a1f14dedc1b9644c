/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_exec.c with fake step functions: every step kind, the
 * concurrency limits, stale steps dropped (a table of preconditions that
 * no longer hold), live checks, time limits, cancelling, one failure
 * logged once, ordered batches and steps of one domain never overlapping.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "cluster_exec.h"
#include "testutil_log.h"
#include "testutil_proc.h"
#include "util_error.h"

/* How long a bounded wait waits before the test fails. */
#define EXEC_TEST_WAIT_S 20

typedef struct {
    char *host;
    bool running;
    unsigned vcpus;
    unsigned long long balloonKiB;
} execTestDomain;

typedef struct {
    bool online;
    bool maintenance;
} execTestNode;

/* The fake cluster the step functions act on. */
typedef struct {
    GMutex lock;
    GCond cond;
    GHashTable *domains;   /* protected by lock: name → execTestDomain */
    GHashTable *nodes;     /* protected by lock: name → execTestNode */
    GPtrArray *calls;      /* protected by lock: "migrate d1 h1 h2", ... */
    GHashTable *perSource; /* protected by lock: host → migrations now */
    GHashTable *perDest;   /* protected by lock: host → migrations now */
    unsigned running;      /* protected by lock: steps in a step function */
    unsigned maxRunning;   /* protected by lock: the most at once */
    unsigned maxPerSource; /* protected by lock: the most from one host */
    unsigned maxPerDest;   /* protected by lock: the most to one host */
    unsigned started;      /* protected by lock */
    bool hold;             /* protected by lock: migrations wait for false */
    bool untilAbort;       /* protected by lock: migrations run until told */
    bool failBegin;        /* protected by lock */
    bool failCheck;        /* protected by lock */
    unsigned ends;         /* protected by lock: end() calls */
    unsigned endsRan;      /* protected by lock: those with ran */
    GPtrArray *warnings;   /* protected by lock: the executor's warnings */
} execTestWorld;

static void
execTestDomainFree(execTestDomain *dom)
{
    g_free(dom->host);
    g_free(dom);
}

static void
execTestAddDomain(execTestWorld *w,
                  const char *name,
                  const char *host,
                  bool running)
{
    execTestDomain *dom = g_new0(execTestDomain, 1);

    dom->host = g_strdup(host);
    dom->running = running;
    dom->vcpus = 2;
    dom->balloonKiB = 1024 * 1024;
    g_hash_table_insert(w->domains, g_strdup(name), dom);
}

static void
execTestAddNode(execTestWorld *w, const char *name)
{
    execTestNode *node = g_new0(execTestNode, 1);

    node->online = true;
    g_hash_table_insert(w->nodes, g_strdup(name), node);
}

static execTestWorld *
execTestWorldNew(void)
{
    execTestWorld *w = g_new0(execTestWorld, 1);
    guint i;

    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) execTestDomainFree);
    w->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    w->calls = g_ptr_array_new_with_free_func(g_free);
    w->perSource = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->perDest = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->warnings = g_ptr_array_new_with_free_func(g_free);
    for (i = 1; i <= 5; i++) {
        g_autofree char *name = g_strdup_printf("h%u", i);

        execTestAddNode(w, name);
    }
    for (i = 1; i <= 8; i++) {
        g_autofree char *name = g_strdup_printf("d%u", i);

        execTestAddDomain(w, name, i <= 4 ? "h1" : "h2", true);
    }
    return w;
}

static void
execTestWorldFree(execTestWorld *w)
{
    g_hash_table_unref(w->domains);
    g_hash_table_unref(w->nodes);
    g_ptr_array_unref(w->calls);
    g_hash_table_unref(w->perSource);
    g_hash_table_unref(w->perDest);
    g_ptr_array_unref(w->warnings);
    g_cond_clear(&w->cond);
    g_mutex_clear(&w->lock);
    g_free(w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(execTestWorld, execTestWorldFree)

/* The executor's warnings go to the current test's world. */
static GLogWriterOutput
execTestLogWriter(GLogLevelFlags level,
                  const GLogField *fields,
                  gsize nFields,
                  gpointer userData)
{
    execTestWorld **current = userData;
    execTestWorld *w = g_atomic_pointer_get(current);

    if (w && (level & G_LOG_LEVEL_WARNING) &&
        g_str_equal(testLogField(fields, nFields, "GLIB_DOMAIN"),
                    "shoal-cluster")) {
        g_mutex_lock(&w->lock);
        g_ptr_array_add(w->warnings,
                        g_strdup(testLogField(fields, nFields, "MESSAGE")));
        g_mutex_unlock(&w->lock);
        return G_LOG_WRITER_HANDLED;
    }
    if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, nFields, NULL);
}

static execTestDomain *
execTestFindDomain(execTestWorld *w, const char *name)
{
    return g_hash_table_lookup(w->domains, name);
}

static shoalSchedDomain *
execTestLookupDomain(gpointer opaque, const char *name)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    execTestDomain *d = execTestFindDomain(w, name);
    shoalSchedDomain *dom;

    if (!d)
        return NULL;
    dom = shoalSchedDomainNew(name);
    dom->host = g_strdup(d->host);
    dom->running = d->running;
    dom->vcpus = d->vcpus;
    dom->balloonKiB = d->balloonKiB;
    return dom;
}

static shoalSchedNode *
execTestLookupNode(gpointer opaque, const char *name)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    execTestNode *n = g_hash_table_lookup(w->nodes, name);
    shoalSchedNode *node;

    if (!n)
        return NULL;
    node = shoalSchedNodeNew(name);
    node->online = n->online;
    node->maintenance = n->maintenance;
    return node;
}

static bool
execTestBegin(gpointer opaque, const shoalExecStep *step, GError **error)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    if (w->failBegin) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                    "cannot take the job of '%s'", step->plan->domain);
        return false;
    }
    return true;
}

static void
execTestEnd(gpointer opaque, const shoalExecStep *step, bool ran)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    w->ends++;
    if (ran)
        w->endsRan++;
}

static bool
execTestCheck(gpointer opaque, const shoalExecStep *step, GError **error)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    if (w->failCheck) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    "no room on '%s'", step->plan->to);
        return false;
    }
    return true;
}

static void
execTestCount(GHashTable *counts, const char *host, int delta, unsigned *max)
{
    unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, host)) + delta;

    g_hash_table_insert(counts, g_strdup(host), GUINT_TO_POINTER(n));
    *max = MAX(*max, n);
}

/* Call with the lock held: a step function starts or ends. */
static void
execTestEnter(execTestWorld *w, const shoalExecStep *step, int delta)
{
    w->running += delta;
    w->maxRunning = MAX(w->maxRunning, w->running);
    if (delta > 0)
        w->started++;
    if (step->plan->action == SHOAL_SCHED_ACTION_MIGRATE) {
        execTestCount(w->perSource, step->plan->from, delta, &w->maxPerSource);
        execTestCount(w->perDest, step->plan->to, delta, &w->maxPerDest);
    }
    g_cond_broadcast(&w->cond);
}

static bool
execTestMigrate(gpointer opaque,
                const shoalExecStep *step,
                shoalExecRecord *rec,
                GError **error)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    gint64 deadline =
        g_get_monotonic_time() + EXEC_TEST_WAIT_S * G_USEC_PER_SEC;
    bool aborted = false;

    execTestEnter(w, step, 1);
    g_ptr_array_add(w->calls,
                    g_strdup_printf("migrate %s %s %s", step->plan->domain,
                                    step->plan->from, step->plan->to));
    shoalExecRecordProgress(rec, 100, 50);
    while ((w->hold || w->untilAbort) && !aborted) {
        /* a migration polls, as the real one's watch does */
        g_cond_wait_until(&w->cond, &w->lock,
                          g_get_monotonic_time() +
                              10 * G_TIME_SPAN_MILLISECOND);
        if (w->untilAbort)
            aborted = shoalExecRecordShouldAbort(rec);
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    }
    execTestEnter(w, step, -1);
    if (aborted) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_ABORTED,
                    "migration of '%s' aborted", step->plan->domain);
        return false;
    }
    g_free(execTestFindDomain(w, step->plan->domain)->host);
    execTestFindDomain(w, step->plan->domain)->host = g_strdup(step->plan->to);
    return true;
}

static bool
execTestSetVcpus(gpointer opaque, const shoalExecStep *step, GError **error)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    g_ptr_array_add(w->calls,
                    g_strdup_printf("vcpus %s %llu", step->plan->domain,
                                    step->plan->value));
    execTestFindDomain(w, step->plan->domain)->vcpus = step->plan->value;
    return true;
}

static bool
execTestSetBalloon(gpointer opaque, const shoalExecStep *step, GError **error)
{
    execTestWorld *w = opaque;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    g_ptr_array_add(w->calls,
                    g_strdup_printf("balloon %s %llu", step->plan->domain,
                                    step->plan->value));
    execTestFindDomain(w, step->plan->domain)->balloonKiB = step->plan->value;
    return true;
}

static const shoalExecOps execTestOps = {
    .lookupDomain = execTestLookupDomain,
    .lookupNode = execTestLookupNode,
    .begin = execTestBegin,
    .end = execTestEnd,
    .check = execTestCheck,
    .migrate = execTestMigrate,
    .setVcpus = execTestSetVcpus,
    .setBalloon = execTestSetBalloon,
};

typedef struct {
    execTestWorld *world;
    shoalExec *exec;
} execTestFixture;

/* The log writer's pointer to the running test's world. */
typedef struct {
    execTestWorld *current;
} execTestGlobals;

/* Every test's data: the globals, and a case for the data-driven ones. */
typedef struct {
    execTestGlobals *globals;
    const void *tcase;
} execTestData;

static void
execTestSetup(execTestFixture *fixture, gconstpointer data)
{
    execTestGlobals *globals = ((const execTestData *) data)->globals;
    shoalExecConfig config;

    shoalExecConfigInit(&config);
    config.maxTotal = 2;
    config.maxPerSource = 2;
    config.maxPerDestination = 1;
    config.maxResizes = 1;
    fixture->world = execTestWorldNew();
    fixture->exec = shoalExecNew(&config);
    g_atomic_pointer_set(&globals->current, fixture->world);
}

static void
execTestTeardown(execTestFixture *fixture, gconstpointer data)
{
    execTestGlobals *globals = ((const execTestData *) data)->globals;

    shoalExecFree(fixture->exec);
    g_atomic_pointer_set(&globals->current, NULL);
    execTestWorldFree(fixture->world);
}

static void
execTestUUID(unsigned char uuid[16], const char *name)
{
    memset(uuid, 0, 16);
    uuid[0] = 0x5a;
    g_strlcpy((char *) uuid + 1, name, 15);
}

/* A step of @action as the planner would make it, with its preconditions. */
static shoalExecStep *
execTestStep(shoalSchedAction action,
             const char *domain,
             const char *from,
             const char *to,
             unsigned long long value)
{
    unsigned char uuid[16];
    shoalExecStep *step;

    execTestUUID(uuid, domain);
    step = shoalExecStepNew(action, uuid, domain, from, to, "test");
    step->plan->value = value;
    switch (action) {
    case SHOAL_SCHED_ACTION_MIGRATE:
        shoalExecStepAddMoveChecks(step);
        break;
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        shoalSchedStepAddPrecondition(step->plan, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                      domain, NULL, 0);
        shoalSchedStepAddPrecondition(step->plan,
                                      SHOAL_SCHED_CHECK_DOMAIN_VCPUS, domain,
                                      NULL, value - 1);
        break;
    case SHOAL_SCHED_ACTION_REMOVE_VCPU:
        shoalSchedStepAddPrecondition(step->plan,
                                      SHOAL_SCHED_CHECK_DOMAIN_VCPUS, domain,
                                      NULL, value + 1);
        break;
    case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
        break;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
        shoalSchedStepAddPrecondition(step->plan,
                                      SHOAL_SCHED_CHECK_BALLOON_BELOW, domain,
                                      NULL, value);
        break;
    case SHOAL_SCHED_ACTION_POWER_OFF:
    case SHOAL_SCHED_ACTION_POWER_ON:
    case SHOAL_SCHED_ACTION_LAST:
        break;
    }
    return step;
}

static char *
execTestCalls(execTestWorld *w)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    g_autoptr(GPtrArray) copy = g_ptr_array_new();
    guint i;

    for (i = 0; i < w->calls->len; i++)
        g_ptr_array_add(copy, w->calls->pdata[i]);
    g_ptr_array_add(copy, NULL);
    return g_strjoinv("\n", (char **) copy->pdata);
}

static unsigned
execTestWarnings(execTestWorld *w)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    return w->warnings->len;
}

/* Waits, bounded, until @n step functions have started. */
static void
execTestWaitStarted(execTestWorld *w, unsigned n)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);
    gint64 deadline =
        g_get_monotonic_time() + EXEC_TEST_WAIT_S * G_USEC_PER_SEC;

    while (w->started < n) {
        if (!g_cond_wait_until(&w->cond, &w->lock, deadline))
            g_error("%u steps started, expected %u", w->started, n);
    }
}

static void
execTestRelease(execTestWorld *w)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&w->lock);

    w->hold = false;
    g_cond_broadcast(&w->cond);
}

static unsigned
execTestCountState(shoalExec *exec, shoalMigrationState state)
{
    g_autoptr(GPtrArray) list = shoalExecList(exec, true);
    unsigned n = 0;
    guint i;

    for (i = 0; i < list->len; i++) {
        const shoalMigrationInfo *info = list->pdata[i];

        if (info->state == state)
            n++;
    }
    return n;
}

/* Every kind of step goes through the executor and leaves a record. */
static void
testEveryKind(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(GPtrArray) migrations = NULL;
    g_autoptr(GPtrArray) all = NULL;
    g_autofree char *calls = NULL;
    g_autoptr(GError) error = NULL;
    const shoalMigrationInfo *info;

    g_assert_true(shoalExecRun(fixture->exec, &execTestOps, w,
                               execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                            "h1", "h3", 0),
                               &error));
    g_assert_no_error(error);
    g_assert_true(shoalExecRun(fixture->exec, &execTestOps, w,
                               execTestStep(SHOAL_SCHED_ACTION_ADD_VCPU, "d1",
                                            "h3", NULL, 3),
                               &error));
    g_assert_true(shoalExecRun(fixture->exec, &execTestOps, w,
                               execTestStep(SHOAL_SCHED_ACTION_SET_BALLOON,
                                            "d1", "h3", NULL, 2097152),
                               &error));
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==,
                    "migrate d1 h1 h3\nvcpus d1 3\nballoon d1 2097152");
    g_assert_cmpuint(w->endsRan, ==, 3);

    migrations = shoalExecList(fixture->exec, false);
    g_assert_cmpuint(migrations->len, ==, 1);
    info = migrations->pdata[0];
    g_assert_cmpstr(info->domain, ==, "d1");
    g_assert_cmpstr(info->to, ==, "h3");
    g_assert_cmpint(info->state, ==, SHOAL_MIGRATION_DONE);
    g_assert_cmpuint(info->dataTotal, ==, 100);
    all = shoalExecList(fixture->exec, true);
    g_assert_cmpuint(all->len, ==, 3);
    /* newest first */
    info = all->pdata[0];
    g_assert_null(info->to);
    g_assert_cmpint(info->state, ==, SHOAL_MIGRATION_DONE);
    g_assert_cmpuint(shoalExecRunning(fixture->exec), ==, 0);
    g_assert_cmpuint(execTestWarnings(w), ==, 0);
}

/* Limits: total, per source, per destination; queued steps wait. */
static void
testLimits(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, false);
    static const char *const moves[][3] = {
        { "d1", "h1", "h3" }, { "d2", "h1", "h3" }, { "d3", "h1", "h4" },
        { "d5", "h2", "h4" }, { "d6", "h2", "h5" }, { "d7", "h2", "h5" },
    };
    unsigned char uuid[16];
    guint i;

    w->hold = true;
    for (i = 0; i < G_N_ELEMENTS(moves); i++)
        shoalExecBatchAdd(batch,
                          execTestStep(SHOAL_SCHED_ACTION_MIGRATE, moves[i][0],
                                       moves[i][1], moves[i][2], 0));
    execTestWaitStarted(w, 2);
    /* the rest waits in the queue, with no thread of its own */
    g_assert_cmpuint(shoalExecRunning(fixture->exec), ==, 2);
    g_assert_cmpuint(execTestCountState(fixture->exec, SHOAL_MIGRATION_QUEUED),
                     ==, 4);
    execTestUUID(uuid, "d7");
    g_assert_true(shoalExecIsMigrating(fixture->exec, uuid));
    execTestRelease(w);
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 0);
    g_assert_cmpuint(w->started, ==, 6);
    g_assert_cmpuint(w->maxRunning, ==, 2);
    g_assert_cmpuint(w->maxPerDest, ==, 1);
    g_assert_cmpuint(w->maxPerSource, <=, 2);
    g_assert_cmpuint(execTestCountState(fixture->exec, SHOAL_MIGRATION_DONE),
                     ==, 6);
    g_assert_cmpuint(shoalExecRunning(fixture->exec), ==, 0);
}

/* 200 steps queued at once cost queue entries, not threads: no more
 * threads than the limits allow run at any time. */
static void
testManySteps(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, false);
    unsigned before = testProcCountThreads();
    guint i;

    w->hold = true;
    for (i = 0; i < 200; i++) {
        g_autofree char *name = g_strdup_printf("m%u", i);
        g_autofree char *to = g_strdup_printf("h%u", 3 + i % 3);

        g_mutex_lock(&w->lock);
        execTestAddDomain(w, name, "h1", true);
        g_mutex_unlock(&w->lock);
        shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, name,
                                              "h1", to, 0));
    }
    execTestWaitStarted(w, 2);
    /* the executor's workers: migrations plus resizes at most */
    g_assert_cmpuint(testProcCountThreads(), <=, before + 2 + 1);
    g_assert_cmpuint(execTestCountState(fixture->exec, SHOAL_MIGRATION_QUEUED),
                     ==, 198);
    execTestRelease(w);
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 0);
    g_assert_cmpuint(w->started, ==, 200);
    g_assert_cmpuint(w->maxRunning, ==, 2);
    g_assert_cmpuint(w->maxPerSource, ==, 2);
}

/* A precondition that no longer holds, set up by a change to the world. */
typedef struct {
    const char *name;
    shoalSchedAction action;
    const char *domain;
    const char *from;
    const char *to;
    unsigned long long value;
    /* what changed since the plan */
    const char *movedTo; /* the domain now runs there */
    bool stopped;        /* the domain is shut off */
    bool destDown;       /* the destination is offline */
    bool destMaintenance;
    unsigned vcpus;                /* the domain has these vCPUs, if not 0 */
    unsigned long long balloonKiB; /* its balloon, if not 0 */
    const char *missing;           /* a domain no longer known */
    const char *check;             /* the check named in the error */
} execTestStaleCase;

static const execTestStaleCase staleCases[] = {
    { .name = "moved-away",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h3",
      .movedTo = "h2",
      .check = "domain 'd1' is no longer on host 'h1'" },
    { .name = "shut-off",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h3",
      .stopped = true,
      .check = "domain 'd1' is not running" },
    { .name = "destination-down",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h3",
      .destDown = true,
      .check = "host 'h3' is unreachable" },
    { .name = "destination-in-maintenance",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h3",
      .destMaintenance = true,
      .check = "host 'h3' is in maintenance" },
    { .name = "unknown-destination",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h9",
      .check = "host 'h9' is not a member" },
    { .name = "undefined",
      .action = SHOAL_SCHED_ACTION_MIGRATE,
      .domain = "d1",
      .from = "h1",
      .to = "h3",
      .missing = "d1",
      .check = "domain 'd1' no longer exists" },
    { .name = "vcpus-changed",
      .action = SHOAL_SCHED_ACTION_ADD_VCPU,
      .domain = "d1",
      .from = "h1",
      .value = 3,
      .vcpus = 4,
      .check = "domain 'd1' no longer has 2 vCPUs" },
    { .name = "balloon-grown",
      .action = SHOAL_SCHED_ACTION_SET_BALLOON,
      .domain = "d1",
      .from = "h1",
      .value = 2097152,
      .balloonKiB = 2097152,
      .check = "is no longer below 2097152 KiB" },
};

/* Stale steps are dropped, not repaired: no step function runs, the
 * domain stays as it is, the failure is logged once. */
static void
testStale(execTestFixture *fixture, gconstpointer data)
{
    const execTestStaleCase *c = ((const execTestData *) data)->tcase;
    execTestWorld *w = fixture->world;
    execTestDomain *dom = execTestFindDomain(w, c->domain);
    g_autoptr(GError) error = NULL;
    g_autofree char *calls = NULL;
    g_autoptr(GPtrArray) list = NULL;
    const shoalMigrationInfo *info;

    if (c->movedTo) {
        g_free(dom->host);
        dom->host = g_strdup(c->movedTo);
    }
    dom->running = !c->stopped;
    if (c->vcpus)
        dom->vcpus = c->vcpus;
    if (c->balloonKiB)
        dom->balloonKiB = c->balloonKiB;
    if (c->destDown)
        ((execTestNode *) g_hash_table_lookup(w->nodes, c->to))->online = false;
    if (c->destMaintenance)
        ((execTestNode *) g_hash_table_lookup(w->nodes, c->to))->maintenance =
            true;
    if (c->missing)
        g_hash_table_remove(w->domains, c->missing);

    g_assert_false(shoalExecRun(fixture->exec, &execTestOps, w,
                                execTestStep(c->action, c->domain, c->from,
                                             c->to, c->value),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, c->check));
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==, "");
    g_assert_cmpuint(w->ends, ==, 1);
    g_assert_cmpuint(w->endsRan, ==, 0);
    g_assert_cmpuint(execTestWarnings(w), ==, 1);
    list = shoalExecList(fixture->exec, true);
    g_assert_cmpuint(list->len, ==, 1);
    info = list->pdata[0];
    g_assert_cmpint(info->state, ==, SHOAL_MIGRATION_FAILED);
    g_assert_cmpstr(info->error, ==, error->message);
}

/* The live checks the plan cannot state, and the job, come first too. */
static void
testCheckAndBeginFail(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(GError) error = NULL;
    g_autofree char *calls = NULL;

    w->failCheck = true;
    g_assert_false(shoalExecRun(fixture->exec, &execTestOps, w,
                                execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                             "h1", "h3", 0),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_clear_error(&error);
    g_assert_cmpuint(w->ends, ==, 1);
    w->failCheck = false;
    w->failBegin = true;
    g_assert_false(shoalExecRun(fixture->exec, &execTestOps, w,
                                execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                             "h1", "h3", 0),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    /* no job taken, none to give back */
    g_assert_cmpuint(w->ends, ==, 1);
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==, "");
    g_assert_cmpuint(execTestWarnings(w), ==, 2);
    g_assert_cmpstr(execTestFindDomain(w, "d1")->host, ==, "h1");
}

/* A fence that says this daemon no longer leads. */
static bool
execTestFence(gpointer opaque, GError **error)
{
    if (g_atomic_int_get((gint *) opaque))
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID, "deposed");
    return false;
}

/*
 * A deposed daemon acts on no host: its steps fail with the fence's
 * error after their checks, the action not taken; once the fence lets
 * them, the same steps run.
 */
static void
testFenced(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *calls = NULL;
    gint leads = 0;

    shoalExecSetFence(fixture->exec, execTestFence, &leads);
    g_assert_false(shoalExecRun(fixture->exec, &execTestOps, w,
                                execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                             "h1", "h3", 0),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&error);
    batch = shoalExecBatchNew(fixture->exec, &execTestOps, w, false);
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d5",
                                          "h2", "h4", 0));
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_ADD_VCPU, "d6",
                                          NULL, NULL, 3));
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 2);
    g_assert_error(shoalExecBatchGetError(batch, 0), SHOAL_ERROR,
                   VIR_ERR_OPERATION_INVALID);
    g_assert_error(shoalExecBatchGetError(batch, 1), SHOAL_ERROR,
                   VIR_ERR_OPERATION_INVALID);
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==, "");
    /* the job taken is given back, the action not tried */
    g_assert_cmpuint(w->ends, ==, 3);
    g_assert_cmpuint(w->endsRan, ==, 0);
    g_assert_cmpstr(execTestFindDomain(w, "d1")->host, ==, "h1");
    g_assert_cmpuint(execTestCountState(fixture->exec, SHOAL_MIGRATION_FAILED),
                     ==, 3);
    g_assert_cmpuint(execTestWarnings(w), ==, 3);

    g_atomic_int_set(&leads, 1);
    g_assert_true(shoalExecRun(fixture->exec, &execTestOps, w,
                               execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                            "h1", "h3", 0),
                               &error));
    g_assert_no_error(error);
    g_assert_cmpstr(execTestFindDomain(w, "d1")->host, ==, "h3");
}

/* A migration past its time limit is told to abort. */
static void
testTimeout(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalExec) exec = NULL;
    shoalExecConfig config;

    shoalExecConfigInit(&config);
    config.timeoutBaseS = 0;
    config.timeoutPerGiBS = 0;
    exec = shoalExecNew(&config);
    w->untilAbort = true;
    g_assert_false(shoalExecRun(exec, &execTestOps, w,
                                execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                             "h1", "h3", 0),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_ABORTED);
    g_assert_cmpstr(execTestFindDomain(w, "d1")->host, ==, "h1");
    g_assert_cmpuint(execTestWarnings(w), ==, 1);
}

/* Cancelling: a queued step fails without running, a running one is told
 * to abort; a second migration of a migrating domain is refused. */
static void
testCancel(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, false);
    g_autoptr(GError) error = NULL;
    g_autofree char *calls = NULL;
    unsigned char d1[16];
    unsigned char d2[16];
    const GError *err;

    execTestUUID(d1, "d1");
    execTestUUID(d2, "d2");
    w->untilAbort = true;
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                          "h1", "h3", 0));
    /* the same destination: queued behind d1 */
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d2",
                                          "h1", "h3", 0));
    execTestWaitStarted(w, 1);
    g_assert_false(shoalExecRun(fixture->exec, &execTestOps, w,
                                execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                             "h1", "h4", 0),
                                &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(error->message, "already being migrated"));
    g_assert_true(shoalExecCancel(fixture->exec, d2));
    g_assert_true(shoalExecCancel(fixture->exec, d1));
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 2);
    err = shoalExecBatchGetError(batch, 0);
    g_assert_error(err, SHOAL_ERROR, VIR_ERR_OPERATION_ABORTED);
    err = shoalExecBatchGetError(batch, 1);
    g_assert_error(err, SHOAL_ERROR, VIR_ERR_OPERATION_ABORTED);
    g_assert_nonnull(strstr(err->message, "cancelled"));
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==, "migrate d1 h1 h3");
    g_assert_false(shoalExecCancel(fixture->exec, d1));
    g_assert_false(shoalExecIsMigrating(fixture->exec, d1));
}

/* An ordered batch runs one step at a time, in order, even when the
 * limits would allow more; a failed step does not stop the rest. */
static void
testOrdered(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, true);
    g_autofree char *calls = NULL;

    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                          "h1", "h3", 0));
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d5",
                                          "h2", "h4", 0));
    /* stale: d2 is on h1 */
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d2",
                                          "h2", "h4", 0));
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_SET_BALLOON, "d6",
                                          "h2", NULL, 2097152));
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 1);
    g_assert_null(shoalExecBatchGetError(batch, 1));
    g_assert_nonnull(shoalExecBatchGetError(batch, 2));
    g_assert_null(shoalExecBatchGetError(batch, 3));
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==,
                    "migrate d1 h1 h3\nmigrate d5 h2 h4\nballoon d6 2097152");
    g_assert_cmpuint(w->maxRunning, ==, 1);
}

/* Steps of one domain never overlap, and keep their order. */
static void
testSameDomain(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, false);
    g_autofree char *calls = NULL;

    w->hold = true;
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_MIGRATE, "d1",
                                          "h1", "h3", 0));
    shoalExecBatchAdd(batch, execTestStep(SHOAL_SCHED_ACTION_ADD_VCPU, "d1",
                                          "h3", NULL, 3));
    execTestWaitStarted(w, 1);
    g_assert_cmpuint(execTestCountState(fixture->exec, SHOAL_MIGRATION_QUEUED),
                     ==, 1);
    execTestRelease(w);
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, 0);
    calls = execTestCalls(w);
    g_assert_cmpstr(calls, ==, "migrate d1 h1 h3\nvcpus d1 3");
}

/* The executor's check is sched's: a plan the simulator calls stale is
 * stale for the executor, step by step. */
static void
testSameCheckAsSimulator(execTestFixture *fixture, gconstpointer data)
{
    execTestWorld *w = fixture->world;
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedPlan) plan = shoalSchedPlanNew(0);
    g_autoptr(shoalSchedSnapshot) after = NULL;
    g_autoptr(shoalExecBatch) batch =
        shoalExecBatchNew(fixture->exec, &execTestOps, w, true);
    unsigned stale = 0;
    guint i;

    /* the snapshot the simulator sees is the fake world */
    for (i = 1; i <= 5; i++) {
        g_autofree char *name = g_strdup_printf("h%u", i);

        g_ptr_array_add(snap->nodes, execTestLookupNode(w, name));
    }
    execTestFindDomain(w, "d3")->running = false;
    for (i = 1; i <= 4; i++) {
        g_autofree char *name = g_strdup_printf("d%u", i);

        g_ptr_array_add(snap->domains, execTestLookupDomain(w, name));
    }
    for (i = 1; i <= 4; i++) {
        g_autofree char *name = g_strdup_printf("d%u", i);
        g_autoptr(shoalExecStep) step =
            execTestStep(SHOAL_SCHED_ACTION_MIGRATE, name, i == 2 ? "h2" : "h1",
                         "h3", 0);

        shoalSchedPlanAppendStep(plan, shoalSchedStepCopy(step->plan));
    }
    after = shoalSchedSimulateApply(snap, plan, &stale);
    for (i = 0; i < plan->steps->len; i++) {
        unsigned char uuid[16];
        const shoalSchedStep *step = plan->steps->pdata[i];

        execTestUUID(uuid, step->domain);
        shoalExecBatchAdd(batch, shoalExecStepNewFromPlan(step, uuid));
    }
    g_assert_cmpuint(stale, ==, 2);
    g_assert_cmpuint(shoalExecBatchWait(batch), ==, stale);
    for (i = 1; i <= 4; i++) {
        g_autofree char *name = g_strdup_printf("d%u", i);

        g_assert_cmpstr(execTestFindDomain(w, name)->host, ==,
                        shoalSchedSnapshotFindDomain(after, name)->host);
    }
    g_assert_cmpuint(execTestWarnings(w), ==, 2);
}

int
main(int argc, char **argv)
{
    static execTestGlobals globals;
    static execTestData plain = { &globals, NULL };
    static execTestData stale[G_N_ELEMENTS(staleCases)];
    guint i;

    g_test_init(&argc, &argv, NULL);
    g_log_set_writer_func(execTestLogWriter, &globals.current, NULL);
#define EXEC_TEST(path, func)                                                 \
    g_test_add("/cluster/exec/" path, execTestFixture, &plain, execTestSetup, \
               func, execTestTeardown)
    EXEC_TEST("every-kind", testEveryKind);
    EXEC_TEST("limits", testLimits);
    EXEC_TEST("many-steps-few-threads", testManySteps);
    EXEC_TEST("check-and-begin-fail", testCheckAndBeginFail);
    EXEC_TEST("fenced", testFenced);
    EXEC_TEST("timeout", testTimeout);
    EXEC_TEST("cancel", testCancel);
    EXEC_TEST("ordered", testOrdered);
    EXEC_TEST("same-domain", testSameDomain);
    EXEC_TEST("same-check-as-simulator", testSameCheckAsSimulator);
#undef EXEC_TEST
    for (i = 0; i < G_N_ELEMENTS(staleCases); i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/exec/stale/%s", staleCases[i].name);

        stale[i].globals = &globals;
        stale[i].tcase = &staleCases[i];
        g_test_add(path, execTestFixture, &stale[i], execTestSetup, testStale,
                   execTestTeardown);
    }
    return g_test_run();
}
