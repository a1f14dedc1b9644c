/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the readers of the benchmark's formats (src/sched/
 * sched_import.c, through shoalSchedSnapshotParseVmcluster(),
 * ...ParseHtools() and ...Load()). The files in tests/data/sched/formats/
 * come from /work/shared/bench/gen_cluster.py:
 *   c4x20: --nodes 4 --vms 20 --seed 3 --skew 2
 *   c8x60: --nodes 8 --vms 60 --seed 5 --skew 3
 * each as <c>.json (vmcluster-snapshot/1), <c>.txt (htools text) and
 * <c>.util (hbal -U). <c>.vmcluster.snapshot.json and
 * <c>.htools.snapshot.json are what the readers make of them, in Shoal's
 * format (SHOAL_TEST_REGENERATE=1 rewrites them).
 */

#include <config.h>

#include <math.h>
#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_testutil.h"

static const char *const importClusters[] = {
    "c4x20",
    "c8x60",
    NULL,
};

static char *
importRead(const char *cluster, const char *suffix)
{
    g_autofree char *file = g_strconcat(cluster, suffix, NULL);
    g_autofree char *path = schedTestDataPath("formats", file);

    return schedTestReadFile(path);
}

static void
importCompare(const char *cluster,
              const char *suffix,
              const shoalSchedSnapshot *snap)
{
    g_autofree char *file = g_strconcat(cluster, suffix, NULL);
    g_autofree char *path = schedTestDataPath("formats", file);
    g_autofree char *json = shoalSchedSnapshotFormatJSON(snap);

    schedTestCompare(path, json);
}

/* Both readers see the same cluster; CPU differs by the util's rounding. */
static void
importCheckSame(const shoalSchedSnapshot *a, const shoalSchedSnapshot *b)
{
    size_t i;

    g_assert_cmpuint(a->nodes->len, ==, b->nodes->len);
    g_assert_cmpuint(a->domains->len, ==, b->domains->len);
    g_assert_cmpfloat(a->config.vcpuRatio, ==, b->config.vcpuRatio);
    for (i = 0; i < a->nodes->len; i++) {
        const shoalSchedNode *x = g_ptr_array_index(a->nodes, i);
        const shoalSchedNode *y = g_ptr_array_index(b->nodes, i);

        g_assert_cmpstr(x->name, ==, y->name);
        g_assert_cmpuint(x->cpus, ==, y->cpus);
        g_assert_cmpuint(x->memoryKiB, ==, y->memoryKiB);
        g_assert_cmpuint(x->reservedKiB, ==, y->reservedKiB);
    }
    for (i = 0; i < a->domains->len; i++) {
        const shoalSchedDomain *x = g_ptr_array_index(a->domains, i);
        const shoalSchedDomain *y = g_ptr_array_index(b->domains, i);
        const shoalSchedSample *sx =
            &g_array_index(x->samples, shoalSchedSample, 0);
        const shoalSchedSample *sy =
            &g_array_index(y->samples, shoalSchedSample, 0);

        g_assert_cmpstr(x->name, ==, y->name);
        g_assert_cmpstr(x->host, ==, y->host);
        g_assert_cmpuint(x->vcpus, ==, y->vcpus);
        g_assert_cmpuint(x->memoryKiB, ==, y->memoryKiB);
        g_assert_cmpuint(x->samples->len, ==, 1);
        g_assert_cmpuint(y->samples->len, ==, 1);
        g_assert_cmpfloat(fabs(sx->cpuCores - sy->cpuCores), <, 1e-4);
    }
}

static void
testImportCluster(gconstpointer data)
{
    const char *cluster = data;
    g_autofree char *json = importRead(cluster, ".json");
    g_autofree char *text = importRead(cluster, ".txt");
    g_autofree char *util = importRead(cluster, ".util");
    g_autofree char *file = g_strconcat(cluster, ".json", NULL);
    g_autofree char *path = schedTestDataPath("formats", file);
    g_autofree char *txtFile = g_strconcat(cluster, ".txt", NULL);
    g_autofree char *txtPath = schedTestDataPath("formats", txtFile);
    g_autofree char *utilFile = g_strconcat(cluster, ".util", NULL);
    g_autofree char *utilPath = schedTestDataPath("formats", utilFile);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) vm = NULL;
    g_autoptr(shoalSchedSnapshot) ht = NULL;
    g_autoptr(shoalSchedSnapshot) loaded = NULL;
    g_autoptr(shoalSchedSnapshot) bare = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    size_t i;

    vm = shoalSchedSnapshotParseVmcluster(json, &error);
    g_assert_no_error(error);
    ht = shoalSchedSnapshotParseHtools(text, util, &error);
    g_assert_no_error(error);
    importCheckSame(vm, ht);
    g_assert_true(vm->hasConfig);
    g_assert_cmpuint(vm->config.holdIntervals, ==, 1);
    g_assert_cmpuint(vm->config.maxMovesPerRound, ==, 0);
    g_assert_cmpfloat(vm->config.memoryOvercommit, ==, 1.0);
    importCompare(cluster, ".vmcluster.snapshot.json", vm);
    importCompare(cluster, ".htools.snapshot.json", ht);

    /* Load detects the format and gives the same snapshots */
    loaded = shoalSchedSnapshotLoad(path, NULL, &error);
    g_assert_no_error(error);
    a = shoalSchedSnapshotFormatJSON(loaded);
    b = shoalSchedSnapshotFormatJSON(vm);
    g_assert_cmpstr(a, ==, b);
    g_clear_pointer(&loaded, shoalSchedSnapshotUnref);
    g_clear_pointer(&a, g_free);
    g_clear_pointer(&b, g_free);
    loaded = shoalSchedSnapshotLoad(txtPath, utilPath, &error);
    g_assert_no_error(error);
    a = shoalSchedSnapshotFormatJSON(loaded);
    b = shoalSchedSnapshotFormatJSON(ht);
    g_assert_cmpstr(a, ==, b);

    /* without utilisation there is no CPU load, only memory */
    bare = shoalSchedSnapshotParseHtools(text, NULL, &error);
    g_assert_no_error(error);
    for (i = 0; i < bare->domains->len; i++)
        g_assert_cmpuint(((shoalSchedDomain *) g_ptr_array_index(bare->domains,
                                                                 i))
                             ->samples->len,
                         ==, 0);
}

/* Plans for the benchmark files keep every hard rule. */
static void
testImportPlan(void)
{
    g_autofree char *json = importRead("c8x60", ".json");
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap =
        shoalSchedSnapshotParseVmcluster(json, &error);
    g_autoptr(shoalSchedPlan) plan = NULL;
    shoalSchedConfig config;

    g_assert_no_error(error);
    shoalSchedSnapshotGetConfig(snap, &config);
    plan = shoalSchedPlanCompute(snap, &config, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->moves, >, 0);
    g_assert_cmpfloat(plan->imbalanceAfter, <, plan->imbalanceBefore / 2);
    schedTestCheckPlan(snap, &config, plan);
}

#define HT_HEAD "default|u|preferred||\n\n"
#define HT_NODE "n1|1024|128|0|1|1|4|N|u|1||N|1|0|1.0\n"

static void
testImportHtoolsErrors(void)
{
    static const struct {
        const char *text;
        const char *util;
        const char *message;
    } cases[] = {
        { "", NULL, "invalid htools data: no node section" },
        { HT_HEAD, NULL, "invalid htools data: no node section" },
        { HT_HEAD "n1|x|128|0|1|1|4|N|u\n", NULL,
          "invalid htools data at line 3: t_mem must be an integer from 0 to 1099511627776, not 'x'" },
        { HT_HEAD "n1|1024|128\n", NULL,
          "invalid htools data at line 3: expected at least 8 fields, found 3" },
        { HT_HEAD "|1024|128|0|1|1|4|N|u\n", NULL,
          "invalid htools data at line 3: the name is empty" },
        { HT_HEAD HT_NODE "\nvm1|512|1|2|running|Y|n9||rbd||1|-|N\n", NULL,
          "invalid htools data at line 5: instance 'vm1' is on unknown node 'n9'" },
        { HT_HEAD HT_NODE "\nvm1|512|1|-2|running|Y|n1||rbd||1|-|N\n", NULL,
          "invalid htools data at line 5: vcpus must be an integer from 0 to 1000000, not '-2'" },
        { HT_HEAD HT_NODE "\nvm1|512|1|2|running\n", NULL,
          "invalid htools data at line 5: expected at least 7 fields, found 5" },
        { HT_HEAD HT_NODE HT_NODE "\n", NULL,
          "invalid htools data: two nodes are called 'n1'" },
        { HT_HEAD HT_NODE "\n\n\n|a|b|c|zero|1\n", NULL,
          "invalid htools data at line 7: vcpu_ratio must be a number greater than 0 and at most 1000, not 'zero'" },
        { HT_HEAD HT_NODE "\n\n\n\nx\n", NULL,
          "invalid htools data at line 8: more than five sections" },
        { HT_HEAD HT_NODE "\nvm1|512|1|2|running|Y|n1||rbd||1|-|N\n",
          "vm2 0.5 0 0 0\n",
          "invalid utilisation data at line 1: unknown instance 'vm2'" },
        { HT_HEAD HT_NODE "\nvm1|512|1|2|running|Y|n1||rbd||1|-|N\n",
          "\nvm1 lots 0 0 0\n",
          "invalid utilisation data at line 2: the CPU load must be a number of at least 0, not 'lots'" },
        { HT_HEAD HT_NODE "\nvm1|512|1|2|running|Y|n1||rbd||1|-|N\n", "vm1\n",
          "invalid utilisation data at line 1: expected a name and a CPU load" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedSnapshot) snap =
            shoalSchedSnapshotParseHtools(cases[i].text, cases[i].util, &error);

        g_assert_null(snap);
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
        g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

/* What htools says about roles, templates, auto_balance and groups. */
static void
testImportHtoolsMapping(void)
{
    const char *text =
        "g1|u1|preferred||\ng2|u2|preferred||\n\n"
        "a|1024|128|0|1|1|4|M|u1\n"
        "b|1024|128|0|1|1|4|Y|u1\n"
        "c|1024|128|0|1|1|4|D|u1\n"
        "d|1024|128|0|1|1|4|N|u2\n\n"
        "v1|64|1|1|running|Y|a||rbd||1|-|N\n"
        "v2|64|1|1|ADMIN_down|N|a||rbd||1|-|N\n"
        "v3|64|1|1|running|Y|a|c|drbd||1|-|N\n"
        "v4|64|1|1|running|Y|a||plain||1|-|N\n"
        "v5|64|1|1|running|Y|d||rbd||1|-|N\n\n\n"
        "|1024,1,1,1,1,1|1,1,1,1,1,1;1,1,1,1,1,1|rbd|2.0|32.0\n"
        "g1|1024,1,1,1,1,1|1,1,1,1,1,1;1,1,1,1,1,1|rbd|3.5|32.0\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap =
        shoalSchedSnapshotParseHtools(text, NULL, &error);
    const shoalSchedDomain *v;

    g_assert_no_error(error);
    g_assert_true(shoalSchedSnapshotFindNode(snap, "a")->online);
    g_assert_false(shoalSchedSnapshotFindNode(snap, "b")->online);
    g_assert_true(shoalSchedSnapshotFindNode(snap, "c")->maintenance);
    g_assert_cmpuint(shoalSchedSnapshotFindNode(snap, "a")->reservedKiB, ==,
                     128 * 1024);
    g_assert_cmpfloat(snap->config.vcpuRatio, ==, 3.5);

    v = shoalSchedSnapshotFindDomain(snap, "v1");
    g_assert_true(v->running);
    g_assert_null(v->mode);
    /* two groups: each instance stays in its own */
    g_assert_cmpuint(g_strv_length(v->pinned), ==, 3);
    v = shoalSchedSnapshotFindDomain(snap, "v2");
    g_assert_false(v->running);
    g_assert_cmpstr(v->mode, ==, "off");
    v = shoalSchedSnapshotFindDomain(snap, "v3");
    g_assert_cmpuint(g_strv_length(v->pinned), ==, 2);
    g_assert_cmpstr(v->pinned[1], ==, "c");
    v = shoalSchedSnapshotFindDomain(snap, "v4");
    g_assert_cmpuint(g_strv_length(v->pinned), ==, 1);
    v = shoalSchedSnapshotFindDomain(snap, "v5");
    g_assert_cmpuint(g_strv_length(v->pinned), ==, 1);
    g_assert_cmpstr(v->pinned[0], ==, "d");
}

static void
testImportVmclusterErrors(void)
{
    static const schedTestParseError cases[] = {
        { "{\"format\": \"shoal-snapshot/1\"}",
          "invalid snapshot: the format must be 'vmcluster-snapshot/1'" },
        { "{\"format\": \"vmcluster-snapshot/1\"}",
          "invalid snapshot: 'nodes' is missing" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"nodes\": [], \"vms\": [{}]}",
          "invalid snapshot: 'vms[0].name' is missing" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"nodes\": [{\"name\": \"n\", \"cpus\": 2}], \"vms\": []}",
          "invalid snapshot: 'nodes[0].memory_mib' is missing" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"nodes\": [], \"vms\": [{\"name\": \"v\", \"node\": \"n\", \"vcpus\": 1, \"memory_mib\": 1}]}",
          "invalid snapshot: domain 'v' is on unknown node 'n'" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"nodes\": [{\"name\": \"n\", \"cpus\": 2, \"memory_mib\": 8}], \"vms\": [{\"name\": \"v\", \"node\": \"n\", \"vcpus\": 1, \"memory_mib\": 1, \"cpu_util\": 1.5}]}",
          "invalid snapshot: 'vms[0].cpu_util' must be a number from 0 to 1" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"constraints\": {\"max_vcpu_ratio\": 0}, \"nodes\": [], \"vms\": []}",
          "invalid snapshot: 'constraints.max_vcpu_ratio' must be a number greater than 0 and at most 1000" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"constraints\": {\"memory_overcommit\": true}, \"nodes\": [], \"vms\": []}",
          "invalid snapshot: 'constraints.memory_overcommit' must be a finite number" },
        { "{\"format\": \"vmcluster-snapshot/1\", \"nodes\": 3, \"vms\": []}",
          "invalid snapshot: 'nodes' must be an array" },
    };

    schedTestCheckParseErrors(cases, G_N_ELEMENTS(cases),
                              (schedTestParseFunc)
                                  shoalSchedSnapshotParseVmcluster);
}

/*
 * Truncated and garbled files: every reader either fails with an error or
 * gives a valid snapshot, and never crashes.
 */
static void
testImportMangled(void)
{
    g_autofree char *json = importRead("c4x20", ".json");
    g_autofree char *text = importRead("c4x20", ".txt");
    g_autofree char *util = importRead("c4x20", ".util");
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    size_t len;
    size_t cut;
    unsigned i;

    len = strlen(json);
    for (cut = 0; cut + 1 < len; cut += 7) {
        g_autofree char *prefix = g_strndup(json, cut);
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedSnapshot) snap =
            shoalSchedSnapshotParseVmcluster(prefix, &error);

        g_assert_null(snap);
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    }
    len = strlen(text);
    for (cut = 0; cut < len; cut++) {
        g_autofree char *prefix = g_strndup(text, cut);
        g_autofree char *utilPrefix = g_strndup(util, cut % strlen(util));
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedSnapshot) snap =
            shoalSchedSnapshotParseHtools(prefix, utilPrefix, &error);

        if (snap)
            g_assert_true(shoalSchedSnapshotValidate(snap, NULL));
        else
            g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    }
    for (i = 0; i < 300; i++) {
        g_autofree char *mangled = g_strdup(i % 2 ? json : text);
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedSnapshot) snap = NULL;
        unsigned flips = g_rand_int_range(rand, 1, 8);
        unsigned k;

        len = strlen(mangled);
        for (k = 0; k < flips; k++)
            mangled[g_rand_int_range(rand, 0, (gint32) len)] =
                (char) g_rand_int_range(rand, 1, 256);
        if (i % 2)
            snap = shoalSchedSnapshotParseVmcluster(mangled, &error);
        else
            snap = shoalSchedSnapshotParseHtools(mangled, util, &error);
        if (snap)
            g_assert_true(shoalSchedSnapshotValidate(snap, NULL));
        else
            g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    }
}

static void
testImportDataUsed(void)
{
    static const char *const suffixes[] = {
        ".json",
        ".txt",
        ".util",
        ".vmcluster.snapshot.json",
        ".htools.snapshot.json",
        NULL,
    };

    schedTestCheckDataUsed("formats", importClusters, suffixes);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; importClusters[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/import/cluster/%s", importClusters[i]);

        g_test_add_data_func(path, importClusters[i], testImportCluster);
    }
    g_test_add_func("/sched/import/plan", testImportPlan);
    g_test_add_func("/sched/import/htools-errors", testImportHtoolsErrors);
    g_test_add_func("/sched/import/htools-mapping", testImportHtoolsMapping);
    g_test_add_func("/sched/import/vmcluster-errors",
                    testImportVmclusterErrors);
    g_test_add_func("/sched/import/mangled", testImportMangled);
    g_test_add_func("/sched/import/data-used", testImportDataUsed);
    return g_test_run();
}
