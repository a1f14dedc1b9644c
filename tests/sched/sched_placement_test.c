/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for shoalSchedPlace(): the cases in tests/data/sched/placement/,
 * and properties that must hold for any cluster, checked over generated
 * ones.
 *
 * A case file is one JSON object:
 *   "comment": optional, free text
 *   "config":  optional; memoryOvercommit, vcpuRatio, reservedMemoryKiB,
 *              each optional (the defaults otherwise)
 *   "request": memoryKiB, vcpus, optional exclude
 *   "hosts":   an array of { name, memoryKiB, cpus, optional online (true),
 *              maintenance (false), committedMemoryKiB (0),
 *              committedVcpus (0) }
 *   "expect":  { "host": name } or { "error": "no-host" | "invalid",
 *              "message": the whole message }
 * An unknown key fails the case, so a misspelt one cannot pass unnoticed.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "sched.h"

/* Every file in tests/data/sched/placement/ is one of these. */
static const char *const placementCases[] = {
    "emptiest-wins",
    "scarcest-resource-decides",
    "memory-overcommit-limit",
    "reserved-memory",
    "vcpu-ratio-limit",
    "offline-and-maintenance-excluded",
    "exclude-honoured",
    "ties-by-name",
    "no-host-fits",
    "no-hosts",
    "memory-rounding",
    "invalid-memory",
    "invalid-vcpus",
    "invalid-overcommit-nan",
    "invalid-vcpu-ratio-negative",
};

static bool
placementCaseKnown(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(placementCases); i++) {
        if (g_str_equal(placementCases[i], name))
            return true;
    }
    return false;
}

typedef struct {
    json_object *root; /* owns every string below */
    GArray *hosts;     /* of shoalSchedHost */
    shoalSchedRequest req;
    shoalSchedPlacementConfig config;
    const char *expectHost;    /* NULL when an error is expected */
    const char *expectError;   /* "no-host" or "invalid" */
    const char *expectMessage; /* with expectError */
} placementCase;

static void
placementCaseFree(placementCase *pc)
{
    json_object_put(pc->root);
    if (pc->hosts)
        g_array_unref(pc->hosts);
    g_free(pc);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(placementCase, placementCaseFree)

static void
placementCheckKeys(json_object *obj,
                   const char *what,
                   const char *const *allowed)
{
    struct json_object_iterator it = json_object_iter_begin(obj);
    struct json_object_iterator end = json_object_iter_end(obj);

    while (!json_object_iter_equal(&it, &end)) {
        const char *key = json_object_iter_peek_name(&it);

        if (!g_strv_contains(allowed, key)) {
            g_test_message("unknown key '%s' in %s", key, what);
            g_assert_not_reached();
        }
        json_object_iter_next(&it);
    }
}

static json_object *
placementMember(json_object *obj, const char *key, json_type type)
{
    json_object *member = NULL;

    if (!json_object_object_get_ex(obj, key, &member))
        return NULL;
    if (!json_object_is_type(member, type)) {
        g_test_message("'%s' has the wrong type", key);
        g_assert_not_reached();
    }
    return member;
}

static unsigned long long
placementGetSize(json_object *obj,
                 const char *key,
                 bool required,
                 unsigned long long fallback)
{
    json_object *member = placementMember(obj, key, json_type_int);
    gint64 value;

    if (!member) {
        if (required) {
            g_test_message("'%s' is missing", key);
            g_assert_not_reached();
        }
        return fallback;
    }
    value = json_object_get_int64(member);
    g_assert_cmpint(value, >=, 0);
    return value;
}

static unsigned
placementGetCount(json_object *obj,
                  const char *key,
                  bool required,
                  unsigned fallback)
{
    unsigned long long value = placementGetSize(obj, key, required, fallback);

    g_assert_cmpuint(value, <=, G_MAXUINT);
    return value;
}

static bool
placementGetBool(json_object *obj, const char *key, bool fallback)
{
    json_object *member = placementMember(obj, key, json_type_boolean);

    return member ? json_object_get_boolean(member) : fallback;
}

static double
placementGetRatio(json_object *obj, const char *key, double fallback)
{
    json_object *member = NULL;

    if (!json_object_object_get_ex(obj, key, &member))
        return fallback;
    g_assert_true(json_object_is_type(member, json_type_double) ||
                  json_object_is_type(member, json_type_int));
    return json_object_get_double(member);
}

static const char *
placementGetString(json_object *obj, const char *key, bool required)
{
    json_object *member = placementMember(obj, key, json_type_string);

    if (!member && required) {
        g_test_message("'%s' is missing", key);
        g_assert_not_reached();
    }
    return member ? json_object_get_string(member) : NULL;
}

static placementCase *
placementCaseLoad(const char *name)
{
    static const char *const topKeys[] = {
        "comment", "config", "request", "hosts", "expect", NULL,
    };
    static const char *const configKeys[] = {
        "memoryOvercommit",
        "vcpuRatio",
        "reservedMemoryKiB",
        NULL,
    };
    static const char *const requestKeys[] = {
        "memoryKiB",
        "vcpus",
        "exclude",
        NULL,
    };
    static const char *const hostKeys[] = {
        "name",           "online", "maintenance",
        "memoryKiB",      "cpus",   "committedMemoryKiB",
        "committedVcpus", NULL,
    };
    static const char *const expectKeys[] = {
        "host",
        "error",
        "message",
        NULL,
    };
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *path = NULL;
    g_autoptr(placementCase) pc = g_new0(placementCase, 1);
    json_object *config;
    json_object *request;
    json_object *hosts;
    json_object *expect;
    size_t i;

    path = g_test_build_filename(G_TEST_DIST, "data", "sched", "placement",
                                 file, NULL);
    pc->root = json_object_from_file(path);
    if (!pc->root) {
        g_test_message("cannot parse '%s': %s", path, json_util_get_last_err());
        g_assert_not_reached();
    }
    g_assert_true(json_object_is_type(pc->root, json_type_object));
    placementCheckKeys(pc->root, file, topKeys);

    shoalSchedPlacementConfigInit(&pc->config);
    config = placementMember(pc->root, "config", json_type_object);
    if (config) {
        placementCheckKeys(config, "config", configKeys);
        pc->config.memoryOvercommit =
            placementGetRatio(config, "memoryOvercommit",
                              pc->config.memoryOvercommit);
        pc->config.vcpuRatio =
            placementGetRatio(config, "vcpuRatio", pc->config.vcpuRatio);
        pc->config.reservedMemoryKiB =
            placementGetSize(config, "reservedMemoryKiB", false,
                             pc->config.reservedMemoryKiB);
    }

    request = placementMember(pc->root, "request", json_type_object);
    g_assert_nonnull(request);
    placementCheckKeys(request, "request", requestKeys);
    pc->req.memoryKiB = placementGetSize(request, "memoryKiB", true, 0);
    pc->req.vcpus = placementGetCount(request, "vcpus", true, 0);
    pc->req.exclude = placementGetString(request, "exclude", false);

    hosts = placementMember(pc->root, "hosts", json_type_array);
    g_assert_nonnull(hosts);
    pc->hosts = g_array_new(FALSE, TRUE, sizeof(shoalSchedHost));
    for (i = 0; i < json_object_array_length(hosts); i++) {
        json_object *obj = json_object_array_get_idx(hosts, i);
        shoalSchedHost host = { 0 };

        g_assert_true(json_object_is_type(obj, json_type_object));
        placementCheckKeys(obj, "a host", hostKeys);
        host.name = placementGetString(obj, "name", true);
        host.online = placementGetBool(obj, "online", true);
        host.maintenance = placementGetBool(obj, "maintenance", false);
        host.memoryKiB = placementGetSize(obj, "memoryKiB", true, 0);
        host.cpus = placementGetCount(obj, "cpus", true, 0);
        host.committedMemoryKiB =
            placementGetSize(obj, "committedMemoryKiB", false, 0);
        host.committedVcpus =
            placementGetCount(obj, "committedVcpus", false, 0);
        g_array_append_val(pc->hosts, host);
    }

    expect = placementMember(pc->root, "expect", json_type_object);
    g_assert_nonnull(expect);
    placementCheckKeys(expect, "expect", expectKeys);
    pc->expectHost = placementGetString(expect, "host", false);
    pc->expectError = placementGetString(expect, "error", false);
    pc->expectMessage = placementGetString(expect, "message", false);
    /* exactly one outcome, and an error always with its message */
    g_assert_true(!pc->expectHost != !pc->expectError);
    g_assert_true(!pc->expectError == !pc->expectMessage);

    return g_steal_pointer(&pc);
}

static void
testPlacementCase(const void *data)
{
    const char *name = data;
    g_autoptr(placementCase) pc = placementCaseLoad(name);
    const shoalSchedHost *hosts = (const shoalSchedHost *) pc->hosts->data;
    g_autoptr(GError) error = NULL;
    int idx;

    idx = shoalSchedPlace(hosts, pc->hosts->len, &pc->req, &pc->config, &error);

    if (pc->expectHost) {
        g_assert_no_error(error);
        g_assert_cmpint(idx, >=, 0);
        g_assert_cmpint(idx, <, pc->hosts->len);
        g_assert_cmpstr(hosts[idx].name, ==, pc->expectHost);
    } else {
        int code = SHOAL_SCHED_ERROR_INVALID;

        if (g_str_equal(pc->expectError, "no-host"))
            code = SHOAL_SCHED_ERROR_NO_HOST;
        else
            g_assert_cmpstr(pc->expectError, ==, "invalid");
        g_assert_cmpint(idx, ==, -1);
        g_assert_error(error, SHOAL_SCHED_ERROR, code);
        g_assert_cmpstr(error->message, ==, pc->expectMessage);
    }
}

/* A data file that no case names is a case that never runs. */
static void
testPlacementDataUsed(void)
{
    g_autofree char *dirPath = NULL;
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) error = NULL;
    const char *file;
    unsigned found = 0;

    dirPath =
        g_test_build_filename(G_TEST_DIST, "data", "sched", "placement", NULL);
    dir = g_dir_open(dirPath, 0, &error);
    g_assert_no_error(error);

    while ((file = g_dir_read_name(dir))) {
        g_autofree char *name = NULL;

        if (!g_str_has_suffix(file, ".json")) {
            g_test_message("unexpected file '%s'", file);
            g_test_fail();
            continue;
        }
        name = g_strndup(file, strlen(file) - strlen(".json"));
        if (!placementCaseKnown(name)) {
            g_test_message("no case uses '%s'", file);
            g_test_fail();
            continue;
        }
        found++;
    }
    g_assert_cmpuint(found, ==, G_N_ELEMENTS(placementCases));
}

static void
testPlacementConfigDefaults(void)
{
    shoalSchedPlacementConfig config;
    shoalSchedHost host = {
        .name = "h1",
        .online = true,
        .memoryKiB = 4 * 1024 * 1024,
        .cpus = 1,
        .committedVcpus = 3,
    };
    shoalSchedRequest req = { .memoryKiB = 4 * 1024 * 1024, .vcpus = 1 };
    g_autoptr(GError) error = NULL;

    shoalSchedPlacementConfigInit(&config);
    g_assert_cmpfloat(config.memoryOvercommit, ==, 1.0);
    g_assert_cmpfloat(config.vcpuRatio, ==, 4.0);
    g_assert_cmpuint(config.reservedMemoryKiB, ==, 0);

    /* NULL means the defaults: the request fills the host exactly */
    g_assert_cmpint(shoalSchedPlace(&host, 1, &req, NULL, &error), ==, 0);
    g_assert_no_error(error);
    req.vcpus = 2;
    g_assert_cmpint(shoalSchedPlace(&host, 1, &req, NULL, &error), ==, -1);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_NO_HOST);
}

#define PROPERTY_SEED 20240611
#define PROPERTY_ROUNDS 2000
#define GIB (1024ULL * 1024)

/*
 * The constraints, written independently of sched_placement.c: for an
 * integer c and real x, c <= floor(x) exactly when c <= x.
 */
static bool
propertyFits(const shoalSchedHost *host,
             const shoalSchedRequest *req,
             const shoalSchedPlacementConfig *config)
{
    double usableKiB = 0;

    if (req->exclude && strcmp(host->name, req->exclude) == 0)
        return false;
    if (!host->online || host->maintenance)
        return false;
    if (host->memoryKiB > config->reservedMemoryKiB)
        usableKiB = host->memoryKiB - config->reservedMemoryKiB;
    if ((double) (host->committedMemoryKiB + req->memoryKiB) >
        usableKiB * config->memoryOvercommit)
        return false;
    return (double) host->committedVcpus + req->vcpus <=
           host->cpus * config->vcpuRatio;
}

static double
propertyHeadroom(const shoalSchedHost *host,
                 const shoalSchedRequest *req,
                 const shoalSchedPlacementConfig *config)
{
    double usableKiB = host->memoryKiB > config->reservedMemoryKiB
                           ? host->memoryKiB - config->reservedMemoryKiB
                           : 0;
    /* truncated like the limits, which are whole KiB and vCPUs */
    double memoryAllowed =
        (unsigned long long) (usableKiB * config->memoryOvercommit);
    double vcpusAllowed = (unsigned long long) (host->cpus * config->vcpuRatio);
    double memory =
        (memoryAllowed - (host->committedMemoryKiB + req->memoryKiB)) /
        memoryAllowed;
    double vcpus =
        (vcpusAllowed - (host->committedVcpus + req->vcpus)) / vcpusAllowed;

    return MIN(memory, vcpus);
}

static void
propertyShuffle(GRand *rand, GArray *hosts)
{
    shoalSchedHost *h = (shoalSchedHost *) hosts->data;
    unsigned i;

    for (i = hosts->len; i > 1; i--) {
        unsigned j = g_rand_int_range(rand, 0, i);
        shoalSchedHost tmp = h[i - 1];

        h[i - 1] = h[j];
        h[j] = tmp;
    }
}

/*
 * Values come from small sets, so that equal scores, exact fits and
 * every reason for refusing a host all turn up.
 */
static void
propertyGenerate(GRand *rand,
                 GPtrArray *names,
                 GArray *hosts,
                 shoalSchedRequest *req,
                 shoalSchedPlacementConfig *config)
{
    static const unsigned long long memories[] = { 4, 8, 16, 64 };
    static const unsigned cpus[] = { 2, 4, 8, 16 };
    static const unsigned long long requests[] = { 512, 1024, 2048, 8192 };
    static const double overcommits[] = { 0.5, 0.8, 1.0, 1.5, 2.0 };
    static const double ratios[] = { 1.0, 1.5, 2.0, 4.0, 8.0 };
    unsigned n = g_rand_int_range(rand, 0, 13);
    unsigned i;

    g_ptr_array_set_size(names, 0);
    g_array_set_size(hosts, 0);
    for (i = 0; i < n; i++) {
        shoalSchedHost host = { 0 };

        g_ptr_array_add(names, g_strdup_printf("host%02u", i));
        host.name = names->pdata[i];
        host.online = g_rand_int_range(rand, 0, 10) != 0;
        host.maintenance = g_rand_int_range(rand, 0, 10) == 0;
        host.memoryKiB = memories[g_rand_int_range(rand, 0, 4)] * GIB;
        host.cpus = cpus[g_rand_int_range(rand, 0, 4)];
        /* up to twice the physical memory, in steps of 512 MiB */
        host.committedMemoryKiB =
            g_rand_int_range(rand, 0, host.memoryKiB / (GIB / 2) * 2 + 1) *
            (GIB / 2);
        host.committedVcpus = g_rand_int_range(rand, 0, host.cpus * 6 + 1);
        g_array_append_val(hosts, host);
    }
    propertyShuffle(rand, hosts);

    req->memoryKiB = requests[g_rand_int_range(rand, 0, 4)] * 1024;
    if (g_rand_int_range(rand, 0, 5) == 0)
        req->memoryKiB += g_rand_int_range(rand, 1, 1024);
    req->vcpus = g_rand_int_range(rand, 1, 9);
    req->exclude = NULL;
    if (n > 0 && g_rand_int_range(rand, 0, 4) == 0)
        req->exclude = names->pdata[g_rand_int_range(rand, 0, n)];

    config->memoryOvercommit = overcommits[g_rand_int_range(rand, 0, 5)];
    config->vcpuRatio = ratios[g_rand_int_range(rand, 0, 5)];
    config->reservedMemoryKiB = g_rand_int_range(rand, 0, 3) * GIB;
}

/*
 * Over generated clusters: the chosen host breaks no constraint and has
 * the most headroom (the first name among equals); a failure means no
 * host fits and names every host; the same input, in any order, gives the
 * same answer.
 */
static void
testPlacementProperties(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(PROPERTY_SEED);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) hosts = g_array_new(FALSE, TRUE, sizeof(shoalSchedHost));
    g_autoptr(GArray) permuted =
        g_array_new(FALSE, TRUE, sizeof(shoalSchedHost));
    unsigned placed = 0;
    unsigned refused = 0;
    unsigned round;

    for (round = 0; round < PROPERTY_ROUNDS; round++) {
        shoalSchedRequest req;
        shoalSchedPlacementConfig config;
        const shoalSchedHost *h;
        const shoalSchedHost *p;
        g_autoptr(GError) error = NULL;
        g_autoptr(GError) again = NULL;
        g_autoptr(GError) permutedError = NULL;
        int idx;
        int idxAgain;
        int idxPermuted;
        unsigned i;

        propertyGenerate(rand, names, hosts, &req, &config);
        h = (const shoalSchedHost *) hosts->data;
        g_array_set_size(permuted, 0);
        g_array_append_vals(permuted, hosts->data, hosts->len);
        propertyShuffle(rand, permuted);
        p = (const shoalSchedHost *) permuted->data;

        idx = shoalSchedPlace(h, hosts->len, &req, &config, &error);
        idxAgain = shoalSchedPlace(h, hosts->len, &req, &config, &again);
        idxPermuted =
            shoalSchedPlace(p, permuted->len, &req, &config, &permutedError);
        g_assert_cmpint(idx, ==, idxAgain);

        if (idx >= 0) {
            double best;

            placed++;
            g_assert_no_error(error);
            g_assert_no_error(again);
            g_assert_no_error(permutedError);
            g_assert_cmpint(idx, <, hosts->len);
            g_assert_true(propertyFits(&h[idx], &req, &config));
            g_assert_cmpint(idxPermuted, >=, 0);
            g_assert_cmpstr(p[idxPermuted].name, ==, h[idx].name);

            best = propertyHeadroom(&h[idx], &req, &config);
            for (i = 0; i < hosts->len; i++) {
                double score;

                if (!propertyFits(&h[i], &req, &config))
                    continue;
                score = propertyHeadroom(&h[i], &req, &config);
                g_assert_cmpfloat(score, <=, best);
                if (score == best)
                    g_assert_cmpstr(h[idx].name, <=, h[i].name);
            }
        } else {
            refused++;
            g_assert_cmpint(idx, ==, -1);
            g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_NO_HOST);
            g_assert_error(again, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_NO_HOST);
            g_assert_cmpstr(again->message, ==, error->message);
            g_assert_cmpint(idxPermuted, ==, -1);
            g_assert_error(permutedError, SHOAL_SCHED_ERROR,
                           SHOAL_SCHED_ERROR_NO_HOST);
            g_assert_cmpstr(permutedError->message, ==, error->message);
            for (i = 0; i < hosts->len; i++) {
                g_autofree char *quoted =
                    g_strdup_printf("host '%s' ", h[i].name);

                g_assert_false(propertyFits(&h[i], &req, &config));
                g_assert_nonnull(strstr(error->message, quoted));
            }
        }
    }

    /* both outcomes must be common, or the test proves little */
    g_assert_cmpuint(placed, >, PROPERTY_ROUNDS / 4);
    g_assert_cmpuint(refused, >, PROPERTY_ROUNDS / 10);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(placementCases); i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/placement/case/%s", placementCases[i]);

        g_test_add_data_func(path, placementCases[i], testPlacementCase);
    }
    g_test_add_func("/sched/placement/data-used", testPlacementDataUsed);
    g_test_add_func("/sched/placement/config-defaults",
                    testPlacementConfigDefaults);
    g_test_add_func("/sched/placement/properties", testPlacementProperties);

    return g_test_run();
}
