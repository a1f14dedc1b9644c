/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for shoalSchedPlaceDomain(). Each case in tests/data/sched/place/ is
 *   <case>.snapshot.json  the cluster (shoal-snapshot/1, with its config)
 *   <case>.request.json   { "domain": the name of a domain of the snapshot
 *                         (it moves) or a domain object as in a snapshot
 *                         (it is new), "exclude": optional host name }
 *   <case>.expected       the chosen host, or "no-host: " or "invalid: "
 *                         and the whole message
 * SHOAL_TEST_REGENERATE=1 rewrites the expected files; review every line.
 * Every answer is also checked against a slow oracle that places the
 * domain on each host in turn and recomputes the cluster from scratch;
 * the same check runs over generated clusters.
 */

#include <config.h>

#include <math.h>
#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_json.h"
#include "sched_testutil.h"

static const char *const placeCases[] = {
    /* the idle host evens out CPU; the one with most room is busy */
    "cpu-demand-decides",
    /* no samples, no CPU demand: a host over the CPU threshold takes it */
    "new-domain-no-cpu-demand",
    "anti-affinity",
    "affinity",
    "pinning",
    "objects",
    "objects-local-volume",
    "offline-and-maintenance",
    "memory-overcommit-limit",
    "vcpu-ratio-limit",
    /* its host is left out even though emptiest; its partner in an
     * affinity group does not hold it there */
    "evacuate",
    /* every reason, one host each */
    "no-host-fits",
    "ties-by-name",
    "no-hosts",
    "invalid-domain",
    /* NUMA: a host where it fits in one cell beats an emptier one where
     * it does not; fewer cells beat more; an opted-out domain goes to the
     * emptier host; an evacuation keeps the fit */
    "numa-fits-one-cell",
    "numa-fewest-cells",
    "numa-opt-out",
    "numa-evacuate",
    NULL,
};

#define PLACE_GIB 1048576ULL

/* ---- the oracle ----------------------------------------------------------- */

/* The node where @dom counts in @snap: where it migrates, else its host. */
static const char *
placeWhere(const shoalSchedSnapshot *snap, const shoalSchedDomain *dom)
{
    size_t i;

    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        if (g_str_equal(mig->domain, dom->name))
            return mig->to;
    }
    return dom->host;
}

static bool
placeShares(GStrv a, GStrv b)
{
    size_t i;

    for (i = 0; a && a[i]; i++) {
        if (b && g_strv_contains((const char *const *) b, a[i]))
            return true;
    }
    return false;
}

/* Whether @node has every object @dom needs, name by name. */
static bool
placeHasObjects(const shoalSchedNode *node, const shoalSchedDomain *dom)
{
    unsigned k;
    size_t i;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        for (i = 0; dom->requires.names[k] && dom->requires.names[k][i]; i++)
            if (!node->objects.names[k] ||
                !g_strv_contains((const char *const *) node->objects.names[k],
                                 dom->requires.names[k][i]))
                return false;
    return true;
}

/*
 * Whether @node may take @dom by the planner's rules, judged from the
 * cluster @after with @dom already there (@from: where it was).
 */
static bool
placeOracleAllowed(const shoalSchedSnapshot *after,
                   const shoalSchedConfig *config,
                   const shoalSchedDomain *dom,
                   const char *from,
                   const char *exclude,
                   const shoalSchedNode *node,
                   const shoalSchedNodePressure *np)
{
    double usable = node->memoryKiB > node->reservedKiB
                        ? (double) (node->memoryKiB - node->reservedKiB)
                        : 0;
    double outgoing = 0;
    size_t i;
    size_t g;

    if (g_strcmp0(node->name, from) == 0 ||
        g_strcmp0(node->name, exclude) == 0 || !node->online ||
        node->maintenance || node->cpus == 0 || usable <= 0)
        return false;
    if (dom->pinned &&
        !g_strv_contains((const char *const *) dom->pinned, node->name))
        return false;
    if (!placeHasObjects(node, dom))
        return false;
    for (i = 0; i < after->domains->len; i++) {
        const shoalSchedDomain *o = g_ptr_array_index(after->domains, i);
        const char *at = placeWhere(after, o);

        if (g_str_equal(o->name, dom->name) || !at)
            continue;
        if (g_str_equal(at, node->name) &&
            placeShares(dom->antiAffinity, o->antiAffinity))
            return false;
    }
    for (g = 0; dom->affinity && dom->affinity[g]; g++) {
        bool elsewhere = false;
        bool here = false;

        for (i = 0; i < after->domains->len; i++) {
            const shoalSchedDomain *o = g_ptr_array_index(after->domains, i);
            const char *at = placeWhere(after, o);

            if (g_str_equal(o->name, dom->name) || !at || !o->affinity ||
                !g_strv_contains((const char *const *) o->affinity,
                                 dom->affinity[g]))
                continue;
            here = here || g_str_equal(at, node->name);
            elsewhere = elsewhere || g_strcmp0(at, from) != 0;
        }
        if (elsewhere && !here)
            return false;
    }
    for (i = 0; i < after->migrations->len; i++) {
        const shoalSchedMigration *mig =
            g_ptr_array_index(after->migrations, i);
        const shoalSchedDomain *o =
            shoalSchedSnapshotFindDomain(after, mig->domain);

        if (g_strcmp0(o->host, node->name) == 0)
            outgoing += (double) o->memoryKiB;
    }
    if ((double) np->committedKiB + outgoing >
            floor(usable * config->memoryOvercommit) ||
        (double) np->vcpus > floor(node->cpus * config->vcpuRatio))
        return false;
    if (shoalSchedPressureDomainDemand(dom, config) > 0 &&
        np->pressure.cpu > config->cpuThreshold)
        return false;
    return np->pressure.memory <= config->memoryThreshold;
}

/*
 * Places @dom on each node of @snap in turn; sets @allowed[i] and
 * @score[i] (the imbalance score with it there) in @snap's node order.
 */
static void
placeOracle(const shoalSchedSnapshot *snap,
            const shoalSchedConfig *config,
            const shoalSchedDomain *dom,
            const char *exclude,
            bool *allowed,
            double *score)
{
    const shoalSchedDomain *self =
        shoalSchedSnapshotFindDomain(snap, dom->name);
    const char *from = self ? placeWhere(snap, self) : NULL;
    size_t i;
    size_t j;

    /* the cases and the generator move no domain with a migration in
     * flight, so none has to be dropped here */
    g_assert_true(!self || g_strcmp0(from, self->host) == 0);
    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
        g_autoptr(shoalSchedSnapshot) after = shoalSchedSnapshotCopy(snap);
        g_autoptr(shoalSchedPressureReport) report = NULL;
        g_autoptr(GError) error = NULL;
        shoalSchedDomain *moved = shoalSchedDomainCopy(dom);

        g_free(moved->host);
        moved->host = g_strdup(node->name);
        for (j = 0; j < after->domains->len; j++) {
            shoalSchedDomain *d = g_ptr_array_index(after->domains, j);

            if (g_str_equal(d->name, dom->name)) {
                g_ptr_array_remove_index(after->domains, j);
                break;
            }
        }
        g_ptr_array_add(after->domains, moved);
        report = shoalSchedPressureCompute(after, config, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(g_array_index(report->nodes, shoalSchedNodePressure, i)
                            .name,
                        ==, node->name);
        score[i] = shoalSchedPressureSpreadScore(&report->spread);
        allowed[i] =
            placeOracleAllowed(after, config, dom, from, exclude, node,
                               &g_array_index(report->nodes,
                                              shoalSchedNodePressure, i));
    }
}

/*
 * The chosen host (or the error) agrees with the oracle: it breaks no
 * rule, no allowed host gives the domain fewer NUMA cells, and none with
 * as few leaves a lower score; with none, every host is allowed nothing
 * and is named in the message.
 */
static void
placeCheck(const shoalSchedSnapshot *snap,
           const shoalSchedConfig *config,
           const shoalSchedDomain *dom,
           const char *exclude,
           const char *chosen,
           const GError *error)
{
    size_t n = snap->nodes->len;
    g_autofree bool *allowed = g_new0(bool, n + 1);
    g_autofree double *score = g_new0(double, n + 1);
    int at = -1;
    size_t i;

    if (error && error->code == SHOAL_SCHED_ERROR_INVALID)
        return;
    placeOracle(snap, config, dom, exclude, allowed, score);
    if (!chosen) {
        g_assert_error((GError *) error, SHOAL_SCHED_ERROR,
                       SHOAL_SCHED_ERROR_NO_HOST);
        for (i = 0; i < n; i++) {
            const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
            g_autofree char *quoted = g_strdup_printf("'%s'", node->name);

            g_assert_false(allowed[i]);
            g_assert_nonnull(strstr(error->message, quoted));
        }
        return;
    }
    g_assert_null(error);
    for (i = 0; i < n; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        if (node->name == chosen)
            at = (int) i;
    }
    g_assert_cmpint(at, >=, 0);
    g_assert_true(allowed[at]);
    for (i = 0; i < n; i++) {
        unsigned rank =
            shoalSchedNumaRank(g_ptr_array_index(snap->nodes, i), dom);
        unsigned rankAt =
            shoalSchedNumaRank(g_ptr_array_index(snap->nodes, at), dom);

        if (!allowed[i])
            continue;
        g_assert_cmpuint(rankAt, <=, rank);
        if (rankAt == rank)
            g_assert_cmpfloat(score[at], <=,
                              score[i] + 1e-9 * MAX(1.0, fabs(score[i])));
    }
}

/* ---- cases ------------------------------------------------------------------ */

/* Returns: the domain that @request names or describes, in @snap or new. */
static shoalSchedDomain *
placeReadRequest(const shoalSchedSnapshot *snap,
                 const char *text,
                 char **exclude)
{
    static const char *const keys[] = { "domain", "exclude", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) root = shoalSchedJsonParse(text, &error);
    g_autoptr(json_object) wrapper = NULL;
    g_autoptr(shoalSchedSnapshot) one = NULL;
    const shoalSchedDomain *first;
    json_object *domain = NULL;

    g_assert_no_error(error);
    shoalSchedJsonCheckKeys(root, "", keys, &error);
    g_assert_no_error(error);
    shoalSchedJsonGetString(root, "", "exclude", false, exclude, &error);
    g_assert_no_error(error);
    g_assert_true(json_object_object_get_ex(root, "domain", &domain));
    if (json_object_is_type(domain, json_type_string)) {
        const shoalSchedDomain *dom =
            shoalSchedSnapshotFindDomain(snap, json_object_get_string(domain));

        g_assert_nonnull(dom);
        return shoalSchedDomainCopy(dom);
    }
    /* a domain object is parsed as the one domain of a snapshot */
    wrapper = json_object_new_object();
    json_object_object_add(wrapper, "format",
                           json_object_new_string("shoal-snapshot/1"));
    json_object_object_add(wrapper, "now_ms", json_object_new_int64(0));
    json_object_object_add(wrapper, "nodes", json_object_new_array());
    json_object_object_add(wrapper, "domains", json_object_new_array());
    json_object_array_add(json_object_object_get(wrapper, "domains"),
                          json_object_get(domain));
    one = shoalSchedSnapshotParseJSON(json_object_to_json_string(wrapper),
                                      &error);
    g_assert_no_error(error);
    first = one->domains->pdata[0];
    g_assert_null(shoalSchedSnapshotFindDomain(snap, first->name));
    return shoalSchedDomainCopy(first);
}

/* Returns: the answer as an expected file has it. */
static char *
placeRun(const shoalSchedSnapshot *snap,
         const shoalSchedConfig *config,
         const shoalSchedDomain *dom,
         const char *exclude)
{
    g_autoptr(GError) error = NULL;
    const char *chosen =
        shoalSchedPlaceDomain(snap, config, dom, exclude, &error);

    g_assert_true((chosen == NULL) == (error != NULL));
    placeCheck(snap, config, dom, exclude, chosen, error);
    if (chosen)
        return g_strdup_printf("%s\n", chosen);
    g_assert_true(error->domain == SHOAL_SCHED_ERROR);
    return g_strdup_printf("%s: %s\n",
                           error->code == SHOAL_SCHED_ERROR_NO_HOST ? "no-host"
                                                                    : "invalid",
                           error->message);
}

static void
placeLoadCase(const char *name,
              shoalSchedSnapshot **snap,
              shoalSchedDomain **dom,
              char **exclude)
{
    g_autofree char *file = g_strconcat(name, ".snapshot.json", NULL);
    g_autofree char *path = schedTestDataPath("place", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autofree char *reqFile = g_strconcat(name, ".request.json", NULL);
    g_autofree char *reqPath = schedTestDataPath("place", reqFile);
    g_autofree char *reqText = schedTestReadFile(reqPath);
    g_autoptr(GError) error = NULL;

    *snap = shoalSchedSnapshotParseJSON(text, &error);
    g_assert_no_error(error);
    *dom = placeReadRequest(*snap, reqText, exclude);
}

static void
testPlaceCase(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strconcat(name, ".expected", NULL);
    g_autofree char *path = schedTestDataPath("place", file);
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedDomain) dom = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed(5);
    g_autoptr(shoalSchedSnapshot) shuffled = NULL;
    g_autofree char *exclude = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *again = NULL;
    shoalSchedConfig config;

    placeLoadCase(name, &snap, &dom, &exclude);
    shoalSchedSnapshotGetConfig(snap, &config);
    actual = placeRun(snap, &config, dom, exclude);
    schedTestCompare(path, actual);
    shuffled = schedTestShuffled(snap, rand);
    again = placeRun(shuffled, &config, dom, exclude);
    g_assert_cmpstr(again, ==, actual);
}

static void
testPlaceDataUsed(void)
{
    static const char *const suffixes[] = {
        ".snapshot.json",
        ".request.json",
        ".expected",
        NULL,
    };

    schedTestCheckDataUsed("place", placeCases, suffixes);
}

/*
 * In cpu-demand-decides, shoalSchedPlace() (most room, by counts) picks
 * another host than the imbalance score does.
 */
static void
testPlaceNotHeadroom(void)
{
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedDomain) dom = NULL;
    g_autoptr(shoalSchedPressureReport) report = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *exclude = NULL;
    g_autofree shoalSchedHost *hosts = NULL;
    shoalSchedPlacementConfig limits;
    shoalSchedRequest req = { 0 };
    shoalSchedConfig config;
    const char *chosen;
    size_t n;
    size_t i;
    int headroom;

    placeLoadCase("cpu-demand-decides", &snap, &dom, &exclude);
    shoalSchedSnapshotGetConfig(snap, &config);
    chosen = shoalSchedPlaceDomain(snap, &config, dom, exclude, &error);
    g_assert_no_error(error);

    report = shoalSchedPressureCompute(snap, &config, &error);
    g_assert_no_error(error);
    n = snap->nodes->len;
    hosts = g_new0(shoalSchedHost, n + 1);
    for (i = 0; i < n; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
        const shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure, i);

        hosts[i].name = node->name;
        hosts[i].online = node->online;
        hosts[i].maintenance = node->maintenance;
        hosts[i].memoryKiB = node->memoryKiB;
        hosts[i].cpus = node->cpus;
        hosts[i].committedMemoryKiB = np->committedKiB;
        hosts[i].committedVcpus = np->vcpus;
    }
    shoalSchedPlacementConfigInit(&limits);
    limits.memoryOvercommit = config.memoryOvercommit;
    limits.vcpuRatio = config.vcpuRatio;
    req.memoryKiB = dom->memoryKiB;
    req.vcpus = dom->vcpus;
    req.exclude = dom->host;
    headroom = shoalSchedPlace(hosts, n, &req, &limits, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(chosen, ==, "h3");
    g_assert_cmpstr(hosts[headroom].name, ==, "h2");
}

/* ---- generated clusters ------------------------------------------------------ */

static GStrv
placeRandomGroups(GRand *rand, const char *prefix)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    unsigned n = g_rand_int_range(rand, 1, 3);
    unsigned i;

    for (i = 0; i < n; i++) {
        g_autofree char *name =
            g_strdup_printf("%s%d", prefix, g_rand_int_range(rand, 1, 4));

        g_strv_builder_add(b, name);
    }
    return g_strv_builder_end(b);
}

/* A new domain, with groups and pins like the generator's domains. */
static shoalSchedDomain *
placeRandomDomain(GRand *rand, const shoalSchedSnapshot *snap)
{
    shoalSchedDomain *dom = shoalSchedDomainNew("vm-new");
    unsigned k;

    dom->running = g_rand_boolean(rand);
    dom->vcpus = g_rand_int_range(rand, 1, 9);
    dom->maxVcpus = dom->vcpus;
    dom->memoryKiB = g_rand_int_range(rand, 1, 9) * PLACE_GIB;
    for (k = g_rand_int_range(rand, 0, 4); k > 0; k--) {
        shoalSchedSample s = { 0 };

        s.vcpuBusy = g_rand_double(rand);
        s.vcpuDelay = g_rand_double_range(rand, 0, 0.3);
        s.cpuCores = s.vcpuBusy * dom->vcpus;
        g_array_append_val(dom->samples, s);
    }
    if (g_rand_double(rand) < 0.3)
        dom->affinity = placeRandomGroups(rand, "a");
    if (g_rand_double(rand) < 0.3)
        dom->antiAffinity = placeRandomGroups(rand, "x");
    if (g_rand_double(rand) < 0.2) {
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();

        for (k = 0; k < snap->nodes->len; k++) {
            if (g_rand_double(rand) < 0.5)
                g_strv_builder_add(b, ((shoalSchedNode *)
                                           g_ptr_array_index(snap->nodes, k))
                                          ->name);
        }
        dom->pinned = g_strv_builder_end(b);
    }
    return dom;
}

/* A domain of @snap without a migration in flight, or NULL. */
static const shoalSchedDomain *
placeRandomExisting(GRand *rand, const shoalSchedSnapshot *snap)
{
    unsigned tries;

    for (tries = 0; tries < 10 && snap->domains->len > 0; tries++) {
        const shoalSchedDomain *dom =
            g_ptr_array_index(snap->domains,
                              g_rand_int_range(rand, 0, snap->domains->len));

        if (dom->host && g_strcmp0(placeWhere(snap, dom), dom->host) == 0)
            return dom;
    }
    return NULL;
}

/*
 * Over generated clusters, new domains and domains that move: the chosen
 * host breaks no rule and leaves the lowest score of the allowed hosts,
 * with or without a host excluded, in any order of the snapshot.
 */
static void
testPlaceProperties(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240601);
    unsigned placed = 0;
    unsigned failed = 0;
    unsigned i;

    for (i = 0; i < 400; i++) {
        g_autoptr(shoalSchedSnapshot) snap = NULL;
        g_autoptr(shoalSchedSnapshot) shuffled = NULL;
        g_autoptr(shoalSchedDomain) dom = NULL;
        g_autofree char *answer = NULL;
        g_autofree char *again = NULL;
        const shoalSchedDomain *existing;
        const char *exclude = NULL;
        shoalSchedConfig config;

        snap = schedTestRandomCluster(rand, &config);
        existing =
            g_rand_boolean(rand) ? placeRandomExisting(rand, snap) : NULL;
        dom = existing ? shoalSchedDomainCopy(existing)
                       : placeRandomDomain(rand, snap);
        if (g_rand_double(rand) < 0.3) {
            guint at = g_rand_int_range(rand, 0, snap->nodes->len);
            const shoalSchedNode *node = g_ptr_array_index(snap->nodes, at);

            exclude = node->name;
        }
        answer = placeRun(snap, &config, dom, exclude);
        shuffled = schedTestShuffled(snap, rand);
        again = placeRun(shuffled, &config, dom, exclude);
        g_assert_cmpstr(again, ==, answer);
        if (g_str_has_prefix(answer, "no-host: "))
            failed++;
        else
            placed++;
    }
    /* the generator must give both answers often */
    g_assert_cmpuint(placed, >, 100);
    g_assert_cmpuint(failed, >, 20);
}

static void
testPlaceInvalid(void)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedDomain) dom = shoalSchedDomainNew("vm");
    g_autoptr(GError) error = NULL;
    shoalSchedConfig config;
    shoalSchedSample s = { NAN, 0.5, 0 };

    shoalSchedConfigInit(&config);
    dom->memoryKiB = PLACE_GIB;
    dom->vcpus = 1;
    g_array_append_val(dom->samples, s);
    g_assert_null(shoalSchedPlaceDomain(snap, &config, dom, NULL, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_clear_error(&error);

    g_array_set_size(dom->samples, 0);
    dom->vcpus = 0;
    g_assert_null(shoalSchedPlaceDomain(snap, &config, dom, NULL, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_clear_error(&error);

    dom->vcpus = 1;
    config.cpuWeight = config.memoryWeight = 0;
    g_assert_null(shoalSchedPlaceDomain(snap, &config, dom, NULL, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; placeCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/place/case/%s", placeCases[i]);

        g_test_add_data_func(path, placeCases[i], testPlaceCase);
    }
    g_test_add_func("/sched/place/data-used", testPlaceDataUsed);
    g_test_add_func("/sched/place/not-headroom", testPlaceNotHeadroom);
    g_test_add_func("/sched/place/properties", testPlaceProperties);
    g_test_add_func("/sched/place/invalid", testPlaceInvalid);
    return g_test_run();
}
