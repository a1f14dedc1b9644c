/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_testutil.h"

#include <math.h>
#include <string.h>

/* Returns: (transfer full): tests/data/sched/@dir/@file in the source tree. */
char *
schedTestDataPath(const char *dir, const char *file)
{
    return g_test_build_filename(G_TEST_DIST, "data", "sched", dir, file, NULL);
}

/* Returns: (transfer full): the contents of @path; fails the test if none. */
char *
schedTestReadFile(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

/*
 * Calls @check on the contents of each file in tests/data/sched/@dir
 * whose name ends in @suffix.
 *
 * Returns: how many files it checked.
 */
unsigned
schedTestForeachFile(const char *dir,
                     const char *suffix,
                     void (*check)(const char *text))
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "data", "sched", dir, NULL);
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *file;
    unsigned n = 0;

    g_assert_nonnull(d);
    while ((file = g_dir_read_name(d))) {
        g_autofree char *name = NULL;
        g_autofree char *text = NULL;

        if (!g_str_has_suffix(file, suffix))
            continue;
        name = g_build_filename(path, file, NULL);
        text = schedTestReadFile(name);
        check(text);
        n++;
    }
    return n;
}

/*
 * Compares @actual with the expected file @path, or with
 * SHOAL_TEST_REGENERATE=1 in the environment writes it there.
 */
void
schedTestCompare(const char *path, const char *actual)
{
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;

    if (g_getenv("SHOAL_TEST_REGENERATE")) {
        g_file_set_contents(path, actual, -1, &error);
        g_assert_no_error(error);
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &error)) {
        g_test_message("%s", error->message);
        g_test_message("run with SHOAL_TEST_REGENERATE=1 to create it");
        g_test_fail();
        return;
    }
    if (!g_str_equal(expected, actual))
        g_test_message("%s differs; actual:\n%s", path, actual);
    g_assert_cmpstr(actual, ==, expected);
}

/*
 * Every file in tests/data/sched/@dir must be <case><suffix> for a case of
 * @cases and a suffix of @suffixes: a file no case reads is a mistake.
 */
void
schedTestCheckDataUsed(const char *dir,
                       const char *const *cases,
                       const char *const *suffixes)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "data", "sched", dir, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) d = g_dir_open(path, 0, &error);
    const char *file;

    g_assert_no_error(error);
    while ((file = g_dir_read_name(d))) {
        bool used = false;
        size_t i;
        size_t j;

        for (i = 0; cases[i] && !used; i++) {
            for (j = 0; suffixes[j] && !used; j++) {
                g_autofree char *name =
                    g_strconcat(cases[i], suffixes[j], NULL);

                used = g_str_equal(name, file);
            }
        }
        if (!used)
            g_test_message("unused data file %s/%s", dir, file);
        g_assert_true(used);
    }
}

/*
 * Each of @cases must make @parse fail with SHOAL_SCHED_ERROR_INVALID and
 * exactly its message.
 */
void
schedTestCheckParseErrors(const schedTestParseError *cases,
                          size_t ncases,
                          schedTestParseFunc parse)
{
    size_t i;

    for (i = 0; i < ncases; i++) {
        g_autoptr(GError) error = NULL;
        /* not freed: a result fails the test below */
        gpointer result = parse(cases[i].json, &error);

        g_assert_null(result);
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
        g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

/* ---- generated clusters --------------------------------------------- */

#define TEST_GIB 1048576ULL
#define TEST_NOW 1700000000000LL

static double
testUniform(GRand *rand, double lo, double hi)
{
    return g_rand_double_range(rand, lo, hi);
}

static bool
testChance(GRand *rand, double p)
{
    return g_rand_double(rand) < p;
}

static GStrv
testGroups(GRand *rand, const char *prefix)
{
    GStrvBuilder *b;
    GStrv groups;
    unsigned n = g_rand_int_range(rand, 1, 3);
    unsigned i;

    b = g_strv_builder_new();
    for (i = 0; i < n; i++) {
        g_autofree char *name =
            g_strdup_printf("%s%d", prefix, g_rand_int_range(rand, 1, 4));

        g_strv_builder_add(b, name);
    }
    groups = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return groups;
}

static void
testRandomConfig(GRand *rand, shoalSchedConfig *config)
{
    static const shoalSchedMode modes[] = {
        SHOAL_SCHED_MODE_ADVISE,
        SHOAL_SCHED_MODE_AUTOMATIC,
        SHOAL_SCHED_MODE_OFF,
    };

    shoalSchedConfigInit(config);
    config->mode =
        modes[g_rand_int_range(rand, 0, 3) == 0 ? g_rand_int_range(rand, 0, 3)
                                                : 0];
    config->cpuWeight = testUniform(rand, 0, 2);
    config->memoryWeight = testUniform(rand, 0.1, 2);
    config->cpuThreshold = testUniform(rand, 0.5, 1.2);
    config->memoryThreshold = testUniform(rand, 0.5, 1.0);
    config->holdIntervals = g_rand_int_range(rand, 1, 4);
    config->windowIntervals = g_rand_int_range(rand, 1, 6);
    config->balance = testChance(rand, 0.8);
    config->minGain = testChance(rand, 0.3) ? 0 : testUniform(rand, 0, 0.02);
    config->costWeight =
        testChance(rand, 0.3) ? 0 : testUniform(rand, 0, 0.005);
    config->migrationBandwidthMiBs = testUniform(rand, 100, 2000);
    config->cooldownMs = g_rand_int_range(rand, 0, 1200) * 1000;
    config->tabuMs = g_rand_int_range(rand, 0, 7200) * 1000;
    config->maxMovesPerRound = g_rand_int_range(rand, 0, 6);
    config->maxPerSource = g_rand_int_range(rand, 0, 4);
    config->maxPerDestination = g_rand_int_range(rand, 0, 4);
    config->maxMovesPerHour = g_rand_int_range(rand, 0, 12);
    config->memoryOvercommit = testUniform(rand, 0.8, 1.5);
    config->vcpuRatio = testUniform(rand, 1, 4);
    config->saturationBusy = testUniform(rand, 0.7, 1.0);
    config->saturationIntervals = g_rand_int_range(rand, 1, 4);
    config->lowDelay = testUniform(rand, 0, 0.1);
    config->highDelay = testUniform(rand, config->lowDelay, 0.5);
    config->balloonStepMiB = g_rand_int_range(rand, 1, 2048);
}

static shoalSchedNode *
testRandomNode(GRand *rand, unsigned i)
{
    static const unsigned cpus[] = { 4, 8, 16, 32 };
    static const unsigned mems[] = { 16, 32, 64 };
    g_autofree char *name = g_strdup_printf("h%02u", i);
    shoalSchedNode *node = shoalSchedNodeNew(name);
    unsigned k;

    node->cpus = cpus[g_rand_int_range(rand, 0, 4)];
    node->memoryKiB = mems[g_rand_int_range(rand, 0, 3)] * TEST_GIB;
    node->reservedKiB = g_rand_int_range(rand, 0, 3) * TEST_GIB;
    node->online = !testChance(rand, 0.08);
    node->maintenance = testChance(rand, 0.08);
    if (testChance(rand, 0.03))
        node->cpus = 0;
    if (testChance(rand, 0.2)) {
        unsigned n = g_rand_int_range(rand, 1, 5);

        for (k = 0; k < n; k++) {
            double v = testUniform(rand, 0, node->cpus * 1.5);

            g_array_append_val(node->samples, v);
        }
    }
    return node;
}

static shoalSchedDomain *
testRandomDomain(GRand *rand, unsigned i, const shoalSchedSnapshot *snap)
{
    static const char *const modes[] = { "off", "advise", "automatic" };
    g_autofree char *name = g_strdup_printf("vm%03u", i);
    shoalSchedDomain *dom = shoalSchedDomainNew(name);
    unsigned nnodes = snap->nodes->len;
    unsigned nsamples = g_rand_int_range(rand, 0, 6);
    bool busy = testChance(rand, 0.3);
    bool waiting = testChance(rand, 0.2);
    unsigned k;

    dom->uuid = g_strdup_printf("00000000-0000-4000-8000-%012u", i);
    if (!testChance(rand, 0.03))
        dom->host = g_strdup(
            ((shoalSchedNode *) g_ptr_array_index(snap->nodes,
                                                  g_rand_int_range(rand, 0,
                                                                   nnodes)))
                ->name);
    dom->running = !testChance(rand, 0.1);
    dom->vcpus = g_rand_int_range(rand, 1, 9);
    dom->maxVcpus = dom->vcpus + g_rand_int_range(rand, 0, 4);
    dom->memoryKiB = g_rand_int_range(rand, 1, 9) * TEST_GIB;
    if (testChance(rand, 0.3)) {
        dom->balloonKiB =
            g_rand_int_range(rand, 1, (int) (dom->memoryKiB / 1024) + 1) *
            1024ULL;
        dom->memoryPressure = testChance(rand, 0.5);
    }
    for (k = 0; k < nsamples; k++) {
        shoalSchedSample s = { 0 };

        s.vcpuBusy =
            busy ? testUniform(rand, 0.85, 1.0) : testUniform(rand, 0, 1);
        s.vcpuDelay =
            waiting ? testUniform(rand, 0.2, 0.6) : testUniform(rand, 0, 0.1);
        s.cpuCores = s.vcpuBusy * dom->vcpus;
        g_array_append_val(dom->samples, s);
    }
    if (testChance(rand, 0.15))
        dom->mode = g_strdup(modes[g_rand_int_range(rand, 0, 3)]);
    if (testChance(rand, 0.15))
        dom->affinity = testGroups(rand, "a");
    if (testChance(rand, 0.2))
        dom->antiAffinity = testGroups(rand, "x");
    if (testChance(rand, 0.1)) {
        GStrvBuilder *b = g_strv_builder_new();

        for (k = 0; k < nnodes; k++) {
            if (testChance(rand, 0.4))
                g_strv_builder_add(b, ((shoalSchedNode *)
                                           g_ptr_array_index(snap->nodes, k))
                                          ->name);
        }
        if (testChance(rand, 0.2))
            g_strv_builder_add(b, "ghost");
        dom->pinned = g_strv_builder_end(b);
        g_strv_builder_unref(b);
    }
    if (testChance(rand, 0.2)) {
        dom->lastMoveMs = TEST_NOW - g_rand_int_range(rand, 0, 7200) * 1000LL;
        if (testChance(rand, 0.5))
            dom->lastHost = g_strdup(
                ((shoalSchedNode *) g_ptr_array_index(snap->nodes,
                                                      g_rand_int_range(rand, 0,
                                                                       nnodes)))
                    ->name);
    }
    if (testChance(rand, 0.1))
        dom->lastResizeMs = TEST_NOW - g_rand_int_range(rand, 0, 3600) * 1000LL;
    return dom;
}

/*
 * A random small cluster with every kind of constraint, and a random
 * configuration in @config. Deterministic for a given state of @rand.
 */
shoalSchedSnapshot *
schedTestRandomCluster(GRand *rand, shoalSchedConfig *config)
{
    shoalSchedSnapshot *snap = shoalSchedSnapshotNew();
    unsigned nnodes = g_rand_int_range(rand, 2, 11);
    unsigned ndomains = g_rand_int_range(rand, 0, 51);
    unsigned i;

    testRandomConfig(rand, config);
    snap->nowMs = TEST_NOW;
    snap->intervalMs = 20000;
    for (i = 0; i < nnodes; i++)
        g_ptr_array_add(snap->nodes, testRandomNode(rand, i));
    for (i = 0; i < ndomains; i++)
        g_ptr_array_add(snap->domains, testRandomDomain(rand, i, snap));
    for (i = 0; i < ndomains; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);
        const shoalSchedNode *to =
            g_ptr_array_index(snap->nodes, g_rand_int_range(rand, 0, nnodes));

        if (!dom->host || g_str_equal(dom->host, to->name) ||
            !testChance(rand, 0.05))
            continue;
        dom->migrating = true;
        g_ptr_array_add(snap->migrations,
                        shoalSchedMigrationNew(dom->name, dom->host, to->name));
    }
    for (i = g_rand_int_range(rand, 0, 12); i > 0; i--) {
        gint64 t = TEST_NOW - g_rand_int_range(rand, 0, 7200) * 1000LL;

        g_array_append_val(snap->recentMovesMs, t);
    }
    return snap;
}

static void
testShuffle(GPtrArray *arr, GRand *rand)
{
    unsigned i;

    for (i = arr->len; i > 1; i--) {
        unsigned j = g_rand_int_range(rand, 0, i);
        gpointer tmp = arr->pdata[i - 1];

        arr->pdata[i - 1] = arr->pdata[j];
        arr->pdata[j] = tmp;
    }
}

/* Returns: a copy of @snap with nodes, domains and migrations reordered. */
shoalSchedSnapshot *
schedTestShuffled(const shoalSchedSnapshot *snap, GRand *rand)
{
    shoalSchedSnapshot *copy = shoalSchedSnapshotCopy(snap);
    unsigned i;

    testShuffle(copy->nodes, rand);
    testShuffle(copy->domains, rand);
    testShuffle(copy->migrations, rand);
    for (i = copy->recentMovesMs->len; i > 1; i--) {
        unsigned j = g_rand_int_range(rand, 0, i);
        gint64 tmp = g_array_index(copy->recentMovesMs, gint64, i - 1);

        g_array_index(copy->recentMovesMs, gint64, i - 1) =
            g_array_index(copy->recentMovesMs, gint64, j);
        g_array_index(copy->recentMovesMs, gint64, j) = tmp;
    }
    return copy;
}

/* Returns: @rounds copies of @snap, each one interval later. */
GPtrArray *
schedTestRepeat(const shoalSchedSnapshot *snap, unsigned rounds)
{
    GPtrArray *arr = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedSnapshotUnref);
    gint64 step = snap->intervalMs ? snap->intervalMs : 60000;
    unsigned i;

    for (i = 0; i < rounds; i++) {
        shoalSchedSnapshot *copy = shoalSchedSnapshotCopy(snap);

        copy->nowMs = snap->nowMs + i * step;
        g_ptr_array_add(arr, copy);
    }
    return arr;
}

/* ---- the plan checker ---------------------------------------------------- */

typedef struct {
    const shoalSchedSnapshot *snap;
    const shoalSchedConfig *config;
    GHashTable *nodes;    /* name -> shoalSchedNode */
    GHashTable *domains;  /* name -> shoalSchedDomain */
    GHashTable *where;    /* domain name -> node name it counts on */
    GHashTable *inFlight; /* domain name -> migration */
    GHashTable *touched;  /* domain name -> action + 1 */
    GHashTable *out;      /* node name -> moves out (with in flight) */
    GHashTable *in;       /* node name -> moves in */
    unsigned moves;
    unsigned recent;
} testChecker;

static unsigned
testCount(GHashTable *table, const char *key)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(table, key));
}

static void
testBump(GHashTable *table, const char *key)
{
    g_hash_table_insert(table, (gpointer) key,
                        GUINT_TO_POINTER(testCount(table, key) + 1));
}

static bool
testNodeUsable(const shoalSchedNode *n)
{
    return n->online && !n->maintenance && n->cpus > 0 &&
           n->memoryKiB > n->reservedKiB;
}

/* committed memory on @node: for capacity (with migrations leaving) or not */
static double
testCommitted(const testChecker *c, const char *node, bool capacity)
{
    GHashTableIter iter;
    gpointer key;
    gpointer val;
    double sum = 0;

    g_hash_table_iter_init(&iter, c->where);
    while (g_hash_table_iter_next(&iter, &key, &val)) {
        const shoalSchedDomain *dom = g_hash_table_lookup(c->domains, key);
        const shoalSchedMigration *mig = g_hash_table_lookup(c->inFlight, key);

        if (g_str_equal(val, node) ||
            (capacity && mig && g_str_equal(mig->from, node)))
            sum += dom->memoryKiB;
    }
    return sum;
}

static double
testVcpus(const testChecker *c, const char *node, const char *skip)
{
    GHashTableIter iter;
    gpointer key;
    gpointer val;
    double sum = 0;

    g_hash_table_iter_init(&iter, c->where);
    while (g_hash_table_iter_next(&iter, &key, &val)) {
        const shoalSchedDomain *dom = g_hash_table_lookup(c->domains, key);
        unsigned vcpus = dom->vcpus;

        if (GPOINTER_TO_UINT(g_hash_table_lookup(c->touched, key)) ==
            SHOAL_SCHED_ACTION_ADD_VCPU + 1)
            vcpus++;
        else if (GPOINTER_TO_UINT(g_hash_table_lookup(c->touched, key)) ==
                 SHOAL_SCHED_ACTION_REMOVE_VCPU + 1)
            vcpus--;
        if (g_str_equal(val, node) && g_strcmp0(skip, key) != 0)
            sum += vcpus;
    }
    return sum;
}

/* How many members of @group (in @list of each domain) are on @node. */
static unsigned
testMembers(const testChecker *c,
            const char *group,
            bool anti,
            const char *node,
            const char *skip)
{
    GHashTableIter iter;
    gpointer key;
    gpointer val;
    unsigned n = 0;

    g_hash_table_iter_init(&iter, c->where);
    while (g_hash_table_iter_next(&iter, &key, &val)) {
        const shoalSchedDomain *dom = g_hash_table_lookup(c->domains, key);
        GStrv list = anti ? dom->antiAffinity : dom->affinity;

        if (list && g_strv_contains((const char *const *) list, group) &&
            (!node || g_str_equal(val, node)) && g_strcmp0(skip, key) != 0)
            n++;
    }
    return n;
}

/* The CPU demand counted on @node, as the planner counts it. */
static double
testDemand(const testChecker *c, const char *node)
{
    GHashTableIter iter;
    gpointer key;
    gpointer val;
    double sum = 0;

    g_hash_table_iter_init(&iter, c->where);
    while (g_hash_table_iter_next(&iter, &key, &val)) {
        if (g_str_equal(val, node))
            sum +=
                shoalSchedPressureDomainDemand(g_hash_table_lookup(c->domains,
                                                                   key),
                                               c->config);
    }
    return sum;
}

static shoalSchedMode
testMode(const testChecker *c, const shoalSchedDomain *dom)
{
    int mode = dom->mode ? shoalSchedModeFromString(dom->mode) : -1;

    return mode >= 0 ? (shoalSchedMode) mode : c->config->mode;
}

static void
testCheckMigrate(testChecker *c,
                 const shoalSchedStep *step,
                 const shoalSchedDomain *dom)
{
    const shoalSchedConfig *config = c->config;
    const shoalSchedNode *from = g_hash_table_lookup(c->nodes, step->from);
    const shoalSchedNode *to = g_hash_table_lookup(c->nodes, step->to);
    double usable;
    double committed;
    unsigned k;
    size_t i;

    g_assert_nonnull(from);
    g_assert_nonnull(to);
    g_assert_true(dom->running);
    g_assert_false(dom->migrating);
    g_assert_false(g_hash_table_contains(c->inFlight, dom->name));
    g_assert_false(g_hash_table_contains(c->touched, dom->name));
    g_assert_true(dom->lastMoveMs == 0 ||
                  c->snap->nowMs - dom->lastMoveMs >= config->cooldownMs);
    g_assert_cmpstr(g_hash_table_lookup(c->where, dom->name), ==, step->from);
    g_assert_cmpstr(step->from, !=, step->to);
    if (dom->lastHost && dom->lastMoveMs &&
        c->snap->nowMs - dom->lastMoveMs < config->tabuMs)
        g_assert_cmpstr(step->to, !=, dom->lastHost);
    g_assert_true(testNodeUsable(from));
    g_assert_true(testNodeUsable(to));
    if (dom->pinned)
        g_assert_true(
            g_strv_contains((const char *const *) dom->pinned, step->to));
    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        for (i = 0; dom->requires.names[k] && dom->requires.names[k][i]; i++)
            g_assert_true(
                to->objects.names[k] &&
                g_strv_contains((const char *const *) to->objects.names[k],
                                dom->requires.names[k][i]));

    usable = (double) (to->memoryKiB - to->reservedKiB);
    committed = testCommitted(c, to->name, true);
    g_assert_cmpfloat(committed + dom->memoryKiB, <=,
                      floor(usable * config->memoryOvercommit));
    g_assert_cmpfloat(testVcpus(c, to->name, NULL) + dom->vcpus, <=,
                      floor(to->cpus * config->vcpuRatio));
    g_assert_cmpfloat((testCommitted(c, to->name, false) + dom->memoryKiB) /
                          usable,
                      <=, config->memoryThreshold + 1e-12);
    if (shoalSchedPressureDomainDemand(dom, config) > 0)
        g_assert_cmpfloat((testDemand(c, to->name) +
                           shoalSchedPressureDomainDemand(dom, config)) /
                              to->cpus,
                          <=, config->cpuThreshold + 1e-12);

    for (i = 0; dom->antiAffinity && dom->antiAffinity[i]; i++)
        g_assert_cmpuint(testMembers(c, dom->antiAffinity[i], true, to->name,
                                     dom->name),
                         ==, 0);
    for (i = 0; dom->affinity && dom->affinity[i]; i++) {
        unsigned all = testMembers(c, dom->affinity[i], false, NULL, NULL);
        unsigned here =
            testMembers(c, dom->affinity[i], false, from->name, NULL);

        /* a group that was together stays together */
        if (all == here)
            g_assert_cmpuint(all, ==, 1);
    }

    c->moves++;
    testBump(c->out, step->from);
    testBump(c->in, step->to);
    if (config->maxMovesPerRound)
        g_assert_cmpuint(c->moves, <=, config->maxMovesPerRound);
    if (config->maxPerSource)
        g_assert_cmpuint(testCount(c->out, step->from), <=,
                         config->maxPerSource);
    if (config->maxPerDestination)
        g_assert_cmpuint(testCount(c->in, step->to), <=,
                         config->maxPerDestination);
    if (config->maxMovesPerHour)
        g_assert_cmpuint(c->recent + c->moves, <=, config->maxMovesPerHour);
    g_hash_table_insert(c->where, dom->name, to->name);
}

static void
testCheckStep(testChecker *c, const shoalSchedStep *step)
{
    const shoalSchedDomain *dom =
        step->domain ? g_hash_table_lookup(c->domains, step->domain) : NULL;
    const shoalSchedNode *host;

    if (step->action == SHOAL_SCHED_ACTION_POWER_OFF ||
        step->action == SHOAL_SCHED_ACTION_POWER_ON) {
        /* a host with power commands, in standby exactly when woken */
        host = g_hash_table_lookup(c->nodes, step->from);
        g_assert_null(step->domain);
        g_assert_nonnull(host);
        g_assert_true(host->powerControl);
        g_assert_true(host->standby ==
                      (step->action == SHOAL_SCHED_ACTION_POWER_ON));
        g_assert_cmpint(step->mode, !=, SHOAL_SCHED_MODE_OFF);
        return;
    }
    g_assert_nonnull(dom);
    g_assert_cmpint(testMode(c, dom), !=, SHOAL_SCHED_MODE_OFF);
    g_assert_cmpint(step->mode, ==, testMode(c, dom));
    g_assert_nonnull(step->reason);
    g_assert_nonnull(step->rule);
    switch (step->action) {
    case SHOAL_SCHED_ACTION_MIGRATE:
        testCheckMigrate(c, step, dom);
        break;
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        host = g_hash_table_lookup(c->nodes, step->from);
        g_assert_nonnull(host);
        g_assert_cmpstr(dom->host, ==, step->from);
        g_assert_cmpuint(step->value, ==, dom->vcpus + 1);
        g_assert_cmpuint(step->value, <=, dom->maxVcpus);
        g_assert_cmpfloat(testVcpus(c, host->name, NULL) + 1, <=,
                          floor(host->cpus * c->config->vcpuRatio));
        g_assert_false(g_hash_table_contains(c->touched, dom->name));
        g_hash_table_insert(c->touched, dom->name,
                            GUINT_TO_POINTER(SHOAL_SCHED_ACTION_ADD_VCPU + 1));
        break;
    case SHOAL_SCHED_ACTION_REMOVE_VCPU:
        /* never below the floor, never with another step on its vCPUs */
        g_assert_cmpstr(dom->host, ==, step->from);
        g_assert_cmpuint(step->value, ==, dom->vcpus - 1);
        g_assert_cmpuint(step->value, >=, MAX(dom->vcpuFloor, 1));
        g_assert_false(g_hash_table_contains(c->touched, dom->name));
        g_hash_table_insert(c->touched, dom->name,
                            GUINT_TO_POINTER(SHOAL_SCHED_ACTION_REMOVE_VCPU +
                                             1));
        break;
    case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
        /* whole blocks within the device; the balloon is left alone */
        g_assert_cmpstr(dom->host, ==, step->from);
        g_assert_cmpuint(dom->virtioMemMaxKiB, >, 0);
        g_assert_cmpuint(step->value, <=, dom->virtioMemMaxKiB);
        g_assert_cmpuint(step->value, !=, dom->virtioMemRequestedKiB);
        g_assert_cmpuint(step->value % MAX(dom->virtioMemBlockKiB, 1), ==, 0);
        if (!g_hash_table_contains(c->touched, dom->name))
            g_hash_table_insert(c->touched, dom->name,
                                GUINT_TO_POINTER(
                                    SHOAL_SCHED_ACTION_SET_VIRTIO_MEM + 1));
        break;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
    case SHOAL_SCHED_ACTION_LAST:
    default:
        g_assert_cmpint(step->action, ==, SHOAL_SCHED_ACTION_SET_BALLOON);
        g_assert_cmpuint(dom->virtioMemMaxKiB, ==, 0);
        g_assert_cmpuint(step->value, >, dom->balloonKiB);
        g_assert_cmpuint(step->value, <=, dom->memoryKiB);
        if (!g_hash_table_contains(c->touched, dom->name))
            g_hash_table_insert(c->touched, dom->name,
                                GUINT_TO_POINTER(
                                    SHOAL_SCHED_ACTION_SET_BALLOON + 1));
        break;
    }
}

/* The spread score of @snap, recomputed from scratch. */
static double
testScore(const shoalSchedSnapshot *snap,
          const shoalSchedConfig *config,
          double *imbalance)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPressureReport) report =
        shoalSchedPressureCompute(snap, config, &error);

    g_assert_no_error(error);
    *imbalance = report->imbalance;
    return shoalSchedPressureSpreadScore(&report->spread);
}

/*
 * Checks @plan for @snap against every hard rule, replaying it step by
 * step: no limit is broken at any step, each migration lowers the score
 * (recomputed from scratch), together by at least minGain each and their
 * cost, in-place steps leave it alone, and the figures the plan gives
 * match.
 */
void
schedTestCheckPlan(const shoalSchedSnapshot *snap,
                   const shoalSchedConfig *config,
                   const shoalSchedPlan *plan)
{
    testChecker c = { 0 };
    g_autoptr(shoalSchedSnapshot) state = shoalSchedSnapshotCopy(snap);
    unsigned moves = 0;
    bool power = false;
    unsigned powerMoves = 0;
    double imbalance;
    double score;
    double gain = 0;
    double cost = 0;
    size_t i;

    c.snap = snap;
    c.config = config;
    c.nodes = g_hash_table_new(g_str_hash, g_str_equal);
    c.domains = g_hash_table_new(g_str_hash, g_str_equal);
    c.where = g_hash_table_new(g_str_hash, g_str_equal);
    c.inFlight = g_hash_table_new(g_str_hash, g_str_equal);
    c.touched = g_hash_table_new(g_str_hash, g_str_equal);
    c.out = g_hash_table_new(g_str_hash, g_str_equal);
    c.in = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < snap->nodes->len; i++) {
        shoalSchedNode *n = g_ptr_array_index(snap->nodes, i);

        g_hash_table_insert(c.nodes, n->name, n);
    }
    for (i = 0; i < snap->migrations->len; i++) {
        shoalSchedMigration *m = g_ptr_array_index(snap->migrations, i);

        g_hash_table_insert(c.inFlight, m->domain, m);
        testBump(c.out, m->from);
        testBump(c.in, m->to);
    }
    for (i = 0; i < snap->domains->len; i++) {
        shoalSchedDomain *d = g_ptr_array_index(snap->domains, i);
        shoalSchedMigration *m = g_hash_table_lookup(c.inFlight, d->name);

        g_hash_table_insert(c.domains, d->name, d);
        if (m)
            g_hash_table_insert(c.where, d->name, m->to);
        else if (d->host)
            g_hash_table_insert(c.where, d->name, d->host);
    }
    for (i = 0; i < snap->recentMovesMs->len; i++) {
        gint64 t = g_array_index(snap->recentMovesMs, gint64, i);

        if (t <= snap->nowMs && snap->nowMs - t < 3600000)
            c.recent++;
    }

    score = testScore(state, config, &imbalance);
    g_assert_cmpfloat(fabs(imbalance - plan->imbalanceBefore), <, 1e-9);
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);
        g_autoptr(shoalSchedPlan) one = shoalSchedPlanNew(snap->nowMs);
        g_autoptr(shoalSchedSnapshot) next = NULL;
        unsigned stale = 0;
        double nextImbalance;
        double nextScore;

        testCheckStep(&c, step);
        shoalSchedPlanAppendStep(one, shoalSchedStepCopy(step));
        next = shoalSchedSimulateApply(state, one, &stale);
        g_assert_cmpuint(stale, ==, 0);
        nextScore = testScore(next, config, &nextImbalance);
        if (g_strcmp0(step->rule, "power-saving") == 0) {
            /* power-saving mode packs: its moves need not lower the
             * score, and it does not track the imbalance */
            power = true;
            if (step->action == SHOAL_SCHED_ACTION_MIGRATE)
                powerMoves++;
        } else if (step->action == SHOAL_SCHED_ACTION_MIGRATE) {
            moves++;
            g_assert_cmpfloat(nextScore, <, score);
            gain += score - nextScore;
            cost += step->cost;
            g_assert_cmpfloat(fabs(step->gain - (score - nextScore)), <, 1e-9);
        } else {
            g_assert_cmpfloat(fabs(nextScore - score), <, 1e-12);
        }
        if (!power)
            g_assert_cmpfloat(fabs(nextImbalance - step->imbalanceAfter), <,
                              1e-9);
        g_clear_pointer(&state, shoalSchedSnapshotUnref);
        state = g_steal_pointer(&next);
        score = nextScore;
        imbalance = nextImbalance;
    }
    g_assert_cmpuint(moves + powerMoves, ==, plan->moves);
    /* the moves together pay for themselves, minGain each at least */
    g_assert_cmpfloat(gain, >=, cost - 1e-9);
    g_assert_cmpfloat(gain, >=, config->minGain * moves - 1e-9);
    if (!power)
        g_assert_cmpfloat(fabs(imbalance - plan->imbalanceAfter), <, 1e-9);

    g_hash_table_unref(c.nodes);
    g_hash_table_unref(c.domains);
    g_hash_table_unref(c.where);
    g_hash_table_unref(c.inFlight);
    g_hash_table_unref(c.touched);
    g_hash_table_unref(c.out);
    g_hash_table_unref(c.in);
}
