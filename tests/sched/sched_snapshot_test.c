/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the snapshot and its shoal-snapshot/1 codec: the files in
 * tests/data/sched/snapshot/ are in canonical form, so parsing and
 * formatting one gives it back byte for byte (SHOAL_TEST_REGENERATE=1
 * rewrites them in that form); every planner case round-trips too; bad
 * documents give an error that names the member at fault, and no prefix
 * of a document crashes the parser.
 */

#include <config.h>

#include <math.h>
#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_testutil.h"

static const char *const snapshotCases[] = {
    "full",
    "minimal",
    /* NUMA cells of a host, a domain that opts out (sched_numa.c) */
    "numa",
    NULL,
};

static void
testSnapshotRoundTrip(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strconcat(name, ".json", NULL);
    g_autofree char *path = schedTestDataPath("snapshot", file);
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedSnapshot) again = NULL;
    g_autoptr(shoalSchedSnapshot) copy = NULL;
    g_autofree char *json = NULL;
    g_autofree char *json2 = NULL;
    g_autofree char *json3 = NULL;

    snap = shoalSchedSnapshotParseJSON(text, &error);
    g_assert_no_error(error);
    json = shoalSchedSnapshotFormatJSON(snap);
    schedTestCompare(path, json);

    again = shoalSchedSnapshotParseJSON(json, &error);
    g_assert_no_error(error);
    json2 = shoalSchedSnapshotFormatJSON(again);
    g_assert_cmpstr(json2, ==, json);

    copy = shoalSchedSnapshotCopy(snap);
    json3 = shoalSchedSnapshotFormatJSON(copy);
    g_assert_cmpstr(json3, ==, json);
}

static void
testSnapshotFull(void)
{
    g_autofree char *path = schedTestDataPath("snapshot", "full.json");
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap =
        shoalSchedSnapshotParseJSON(text, &error);
    const shoalSchedDomain *web;
    const shoalSchedDomain *idle;
    const shoalSchedNode *h1;
    const shoalSchedSample *s;
    shoalSchedConfig config;

    g_assert_no_error(error);
    g_assert_cmpint(snap->nowMs, ==, 1700000600000);
    g_assert_cmpuint(snap->intervalMs, ==, 20000);
    g_assert_true(snap->hasConfig);
    shoalSchedSnapshotGetConfig(snap, &config);
    g_assert_cmpint(config.mode, ==, SHOAL_SCHED_MODE_AUTOMATIC);
    g_assert_cmpfloat(config.cpuThreshold, ==, 0.85);
    g_assert_cmpint(config.cooldownMs, ==, 300000);
    g_assert_false(config.balance);
    g_assert_cmpfloat(config.memoryThreshold, ==, 0.9);

    h1 = shoalSchedSnapshotFindNode(snap, "h1");
    g_assert_nonnull(h1);
    g_assert_cmpuint(h1->samples->len, ==, 3);
    g_assert_cmpfloat(g_array_index(h1->samples, double, 1), ==, 12.25);
    g_assert_null(shoalSchedSnapshotFindNode(snap, "h9"));
    g_assert_false(shoalSchedSnapshotFindNode(snap, "h3")->online);

    web = shoalSchedSnapshotFindDomain(snap, "web1");
    g_assert_nonnull(web);
    g_assert_cmpstr(web->uuid, ==, "c7a5fdbd-cdaf-9455-926a-d65c16db1809");
    g_assert_cmpuint(web->maxVcpus, ==, 4);
    g_assert_cmpuint(web->balloonKiB, ==, 3145728);
    g_assert_true(web->memoryPressure);
    g_assert_cmpstr(web->mode, ==, "advise");
    g_assert_cmpuint(g_strv_length(web->antiAffinity), ==, 2);
    g_assert_cmpstr(web->lastHost, ==, "h2");
    g_assert_cmpint(web->lastResizeMs, ==, 1699999000000);
    s = &g_array_index(web->samples, shoalSchedSample, 1);
    g_assert_cmpfloat(s->cpuCores, ==, 1.9);
    g_assert_cmpfloat(s->vcpuBusy, ==, 0.95);
    g_assert_cmpfloat(s->vcpuDelay, ==, 0.02);

    idle = shoalSchedSnapshotFindDomain(snap, "idle");
    g_assert_false(idle->running);
    g_assert_null(idle->host);
    /* "pinned": [] (nowhere) differs from no "pinned" (anywhere) */
    g_assert_nonnull(idle->pinned);
    g_assert_cmpuint(g_strv_length(idle->pinned), ==, 0);
    g_assert_null(shoalSchedSnapshotFindDomain(snap, "db1")->pinned);
    g_assert_true(shoalSchedSnapshotFindDomain(snap, "db1")->migrating);

    g_assert_cmpuint(snap->migrations->len, ==, 1);
    g_assert_cmpuint(snap->recentMovesMs->len, ==, 2);
    g_assert_true(shoalSchedSnapshotRef(snap) == snap);
    shoalSchedSnapshotUnref(snap);
}

/* The cells of numa.json, and the fit and nodesets computed from them. */
static void
testSnapshotNuma(void)
{
    g_autofree char *path = schedTestDataPath("snapshot", "numa.json");
    g_autofree char *text = schedTestReadFile(path);
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap =
        shoalSchedSnapshotParseJSON(text, &error);
    g_autoptr(shoalSchedDomain) big = NULL;
    g_autofree char *nodeset = NULL;
    const shoalSchedNode *h1;
    const shoalSchedCell *cell;
    const shoalSchedDomain *pinned;
    shoalSchedNumaFit fit;
    guint64 cells = 0;

    g_assert_no_error(error);
    h1 = shoalSchedSnapshotFindNode(snap, "h1");
    g_assert_cmpuint(h1->cells->len, ==, 2);
    cell = &g_array_index(h1->cells, shoalSchedCell, 1);
    g_assert_cmpuint(cell->id, ==, 2);
    g_assert_cmpuint(cell->cpus, ==, 8);
    g_assert_cmpuint(cell->memoryMiB, ==, 32768);
    g_assert_cmpuint(cell->freeMiB, ==, 1024);
    g_assert_null(shoalSchedSnapshotFindNode(snap, "h2")->cells);
    g_assert_true(shoalSchedSnapshotFindDomain(snap, "free")->numaOptOut);

    /* fits in cell 0, the one with room */
    pinned = shoalSchedSnapshotFindDomain(snap, "pinned");
    g_assert_false(pinned->numaOptOut);
    shoalSchedNumaFitCompute(h1, pinned, &fit);
    g_assert_cmpuint(fit.ncells, ==, 1);
    nodeset = shoalSchedNumaFormatNodeset(fit.cells);
    g_assert_cmpstr(nodeset, ==, "0");
    g_clear_pointer(&nodeset, g_free);
    /* no cells, or opted out: no decision, rank as one cell */
    shoalSchedNumaFitCompute(shoalSchedSnapshotFindNode(snap, "h2"), pinned,
                             &fit);
    g_assert_cmpuint(fit.ncells, ==, 0);
    shoalSchedNumaFitCompute(h1, shoalSchedSnapshotFindDomain(snap, "free"),
                             &fit);
    g_assert_cmpuint(fit.ncells, ==, 0);
    /* 12 vCPUs need both cells */
    big = shoalSchedDomainCopy(pinned);
    big->vcpus = 12;
    shoalSchedNumaFitCompute(h1, big, &fit);
    g_assert_cmpuint(fit.ncells, ==, 2);
    g_assert_cmpuint(shoalSchedNumaRank(h1, big), ==, 2);
    nodeset = shoalSchedNumaFormatNodeset(fit.cells);
    g_assert_cmpstr(nodeset, ==, "0,2");
    g_clear_pointer(&nodeset, g_free);

    g_assert_true(shoalSchedNumaParseNodeset("0-2,5", &cells, NULL));
    g_assert_cmphex(cells, ==, 0x27);
    nodeset = shoalSchedNumaFormatNodeset(cells);
    g_assert_cmpstr(nodeset, ==, "0-2,5");
    g_assert_false(shoalSchedNumaParseNodeset("64", &cells, NULL));
    g_assert_false(shoalSchedNumaParseNodeset("2-1", &cells, NULL));
    g_assert_false(shoalSchedNumaParseNodeset("1,", &cells, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
}

/* @text formats to a document that reads back and formats the same. */
static void
checkSnapshotReadsBack(const char *text)
{
    g_autofree char *json = NULL;
    g_autofree char *json2 = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;
    g_autoptr(shoalSchedSnapshot) again = NULL;

    snap = shoalSchedSnapshotParseJSON(text, &error);
    g_assert_no_error(error);
    json = shoalSchedSnapshotFormatJSON(snap);
    again = shoalSchedSnapshotParseJSON(json, &error);
    g_assert_no_error(error);
    json2 = shoalSchedSnapshotFormatJSON(again);
    g_assert_cmpstr(json2, ==, json);
}

/* Every recorded planner case formats to a document that reads back. */
static void
testSnapshotPlannerCases(void)
{
    g_assert_cmpuint(schedTestForeachFile("planner", ".snapshot.json",
                                          checkSnapshotReadsBack),
                     >, 10);
}

#define SNAP_HEAD "{\"format\": \"shoal-snapshot/1\", \"now_ms\": 0, "
#define SNAP_NODE "{\"name\": \"h1\", \"cpus\": 4, \"memory_kib\": 1024}"

static void
testSnapshotErrors(void)
{
    static const schedTestParseError cases[] = {
        { "[]", "invalid snapshot: the document must be a JSON object" },
        { "{}", "invalid snapshot: 'format' is missing" },
        { "{\"format\": \"shoal-snapshot/2\"}",
          "invalid snapshot: unsupported format 'shoal-snapshot/2'" },
        { "{\"format\": \"vmcluster-snapshot/1\"}",
          "invalid snapshot: unsupported format 'vmcluster-snapshot/1'" },
        { "{\"format\": \"shoal-snapshot/1\", \"nodes\": [], \"domains\": []}",
          "invalid snapshot: 'now_ms' is missing" },
        { SNAP_HEAD "\"domains\": []}",
          "invalid snapshot: 'nodes' is missing" },
        { SNAP_HEAD "\"nodes\": {}, \"domains\": []}",
          "invalid snapshot: 'nodes' must be an array" },
        { SNAP_HEAD "\"nodes\": [], \"domains\": [], \"extra\": 1}",
          "invalid snapshot: unknown key 'extra'" },
        { SNAP_HEAD "\"nodes\": [1], \"domains\": []}",
          "invalid snapshot: 'nodes[0]' must be an object" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"memory_kib\": 1}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].cpus' is missing" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": -1, \"memory_kib\": 1}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].cpus' must be an integer from 0 to 1000000" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"cpu\": 2}], \"domains\": []}",
          "invalid snapshot: unknown key 'nodes[0].cpu'" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"samples\": [1, \"x\"]}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].samples[1]' must be a finite number" },
        { SNAP_HEAD "\"nodes\": [" SNAP_NODE ", " SNAP_NODE
                    "], \"domains\": []}",
          "invalid snapshot: two nodes are called 'h1'" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"\", \"cpus\": 1, \"memory_kib\": 1}], \"domains\": []}",
          "invalid snapshot: node 0 has no name" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"samples\": [-1]}], \"domains\": []}",
          "invalid snapshot: nodes['h1'].samples[0] must be a finite number of at least 0" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1}]}",
          "invalid snapshot: 'domains[0].memory_kib' is missing" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"host\": \"h9\"}]}",
          "invalid snapshot: domain 'd' is on unknown node 'h9'" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"mode\": \"auto\"}]}",
          "invalid snapshot: domain 'd' has unknown mode 'auto'" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"samples\": [[1, 2]]}]}",
          "invalid snapshot: 'domains[0].samples[0]' must be an array of three numbers: CPU cores, vCPU busy and vCPU delay" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"samples\": [[1, -2, 0]]}]}",
          "invalid snapshot: domains['d'].samples[0] must be a finite number of at least 0" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"pinned\": \"h1\"}]}",
          "invalid snapshot: 'domains[0].pinned' must be an array" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1, \"affinity\": [1]}]}",
          "invalid snapshot: 'domains[0].affinity' must be an array of strings" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [{\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1}, {\"name\": \"d\", \"vcpus\": 1, \"memory_kib\": 1}]}",
          "invalid snapshot: two domains are called 'd'" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [], \"migrations\": [{\"domain\": \"d\", \"from\": \"a\", \"to\": \"b\"}]}",
          "invalid snapshot: migration 0 names an unknown domain or node" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [], \"migrations\": [{\"domain\": \"d\"}]}",
          "invalid snapshot: 'migrations[0].from' is missing" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [], \"recent_moves_ms\": [1.5]}",
          "invalid snapshot: 'recent_moves_ms' must be an integer" },
        { SNAP_HEAD
          "\"nodes\": [], \"domains\": [], \"config\": {\"hold_intervals\": 0}}",
          "invalid snapshot: invalid scheduler configuration in 'config': 'hold_intervals' must be an integer from 1 to 1000, not '0'" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"cells\": [{\"id\": 0, \"cpus\": 1, \"memory_mib\": 1, \"free_mib\": 2}]}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].cells[0].free_mib' must be an integer from 0 to 1" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"cells\": [{\"id\": 64, \"cpus\": 1, \"memory_mib\": 1, \"free_mib\": 0}]}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].cells[0].id' must be an integer from 0 to 63" },
        { SNAP_HEAD
          "\"nodes\": [{\"name\": \"h1\", \"cpus\": 1, \"memory_kib\": 1, \"cells\": [{\"id\": 0, \"cpus\": 1, \"memory_mib\": 1, \"free_mib\": 0}, {\"id\": 0, \"cpus\": 1, \"memory_mib\": 1, \"free_mib\": 0}]}], \"domains\": []}",
          "invalid snapshot: 'nodes[0].cells[1]': cell 0 appears twice" },
        { SNAP_HEAD "\"nodes\": [], \"domains\": [], \"interval_ms\": -5}",
          "invalid snapshot: 'interval_ms' must be an integer from 0 to 4294967295" },
    };

    schedTestCheckParseErrors(cases, G_N_ELEMENTS(cases),
                              (schedTestParseFunc) shoalSchedSnapshotParseJSON);
}

/* No prefix of a document crashes the parser; each one fails. */
static void
testSnapshotTruncated(void)
{
    g_autofree char *path = schedTestDataPath("snapshot", "full.json");
    g_autofree char *text = schedTestReadFile(path);
    size_t len = strlen(text);
    size_t cut;

    /* the last byte is the newline, which the document does not need */
    for (cut = 0; cut + 1 < len; cut++) {
        g_autofree char *prefix = g_strndup(text, cut);
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedSnapshot) snap =
            shoalSchedSnapshotParseJSON(prefix, &error);

        g_assert_null(snap);
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    }
}

static void
testSnapshotValidate(void)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(GError) error = NULL;
    shoalSchedDomain *dom = shoalSchedDomainNew("vm");
    shoalSchedSample s = { NAN, 0, 0 };

    g_ptr_array_add(snap->nodes, shoalSchedNodeNew("h1"));
    g_ptr_array_add(snap->domains, dom);
    g_assert_true(shoalSchedSnapshotValidate(snap, &error));
    g_assert_no_error(error);

    g_array_append_val(dom->samples, s);
    g_assert_false(shoalSchedSnapshotValidate(snap, &error));
    g_assert_cmpstr(error->message, ==,
                    "invalid snapshot: domains['vm'].samples[0] must be a finite number of at least 0");
    g_clear_error(&error);
    g_array_set_size(dom->samples, 0);

    g_ptr_array_add(snap->migrations, shoalSchedMigrationNew("vm", "h1", "h1"));
    g_ptr_array_add(snap->migrations, shoalSchedMigrationNew("vm", "h1", "h1"));
    g_assert_false(shoalSchedSnapshotValidate(snap, &error));
    g_assert_cmpstr(error->message, ==,
                    "invalid snapshot: domain 'vm' has two migrations in flight");
    g_clear_error(&error);
    g_ptr_array_set_size(snap->migrations, 0);

    snap->hasConfig = true;
    snap->config.vcpuRatio = -1;
    g_assert_false(shoalSchedSnapshotValidate(snap, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
}

static void
testSnapshotLoad(void)
{
    g_autofree char *path = schedTestDataPath("snapshot", "full.json");
    g_autofree char *missing = schedTestDataPath("snapshot", "missing.json");
    g_autofree char *message = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;

    snap = shoalSchedSnapshotLoad(path, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(snap->domains->len, ==, 3);
    g_clear_pointer(&snap, shoalSchedSnapshotUnref);

    snap = shoalSchedSnapshotLoad(missing, NULL, &error);
    g_assert_null(snap);
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    message = g_strdup_printf("cannot read snapshot '%s': ", missing);
    g_assert_true(g_str_has_prefix(error->message, message));
    g_clear_error(&error);

    snap = shoalSchedSnapshotLoad(path, path, &error);
    g_assert_null(snap);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_assert_true(
        g_str_has_suffix(error->message,
                         "a utilisation file goes only with htools text"));
}

static void
testSnapshotDataUsed(void)
{
    static const char *const suffixes[] = { ".json", NULL };

    schedTestCheckDataUsed("snapshot", snapshotCases, suffixes);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; snapshotCases[i]; i++) {
        g_autofree char *path =
            g_strdup_printf("/sched/snapshot/round-trip/%s", snapshotCases[i]);

        g_test_add_data_func(path, snapshotCases[i], testSnapshotRoundTrip);
    }
    g_test_add_func("/sched/snapshot/full", testSnapshotFull);
    g_test_add_func("/sched/snapshot/numa", testSnapshotNuma);
    g_test_add_func("/sched/snapshot/planner-cases", testSnapshotPlannerCases);
    g_test_add_func("/sched/snapshot/errors", testSnapshotErrors);
    g_test_add_func("/sched/snapshot/truncated", testSnapshotTruncated);
    g_test_add_func("/sched/snapshot/validate", testSnapshotValidate);
    g_test_add_func("/sched/snapshot/load", testSnapshotLoad);
    g_test_add_func("/sched/snapshot/data-used", testSnapshotDataUsed);
    return g_test_run();
}
