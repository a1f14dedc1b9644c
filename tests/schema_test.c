/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every XML file under tests/data/ is validated against the schema of
 * its directory; files named *-invalid.xml must fail (libvirt's
 * tests/virschematest.c). A directory with XML and no row here fails.
 */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libxml/relaxng.h>

#include "util_cleanup.h"

typedef struct {
    const char *dir;    /* under tests/data */
    const char *schema; /* under xml/, NULL: a libvirt format, not ours */
} schemaRow;

static const schemaRow schemaRows[] = {
    { "xml/placement", "placement-1.rng" },
    { "cluster/metadata", NULL },  /* libvirt domain XML around ours */
    { "integration", NULL },       /* libvirt's test driver */
    { "cluster/reconcile", NULL }, /* test driver hosts, domain XML */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGParserCtxt, xmlRelaxNGFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNG, xmlRelaxNGFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlRelaxNGValidCtxt, xmlRelaxNGFreeValidCtxt)

static void
schemaQuiet(void *ctx, const char *msg, ...)
{
}

static bool
schemaValidate(const char *schemaPath, const char *xmlPath)
{
    g_autoptr(xmlRelaxNGParserCtxt) pctx = NULL;
    g_autoptr(xmlRelaxNG) rng = NULL;
    g_autoptr(xmlRelaxNGValidCtxt) vctx = NULL;
    g_autoptr(xmlDoc) doc = NULL;

    pctx = xmlRelaxNGNewParserCtxt(schemaPath);
    rng = xmlRelaxNGParse(pctx);
    g_assert_nonnull(rng);
    doc = xmlReadFile(xmlPath, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    if (!doc)
        return false;
    vctx = xmlRelaxNGNewValidCtxt(rng);
    xmlRelaxNGSetValidErrors(vctx, schemaQuiet, schemaQuiet, NULL);
    return xmlRelaxNGValidateDoc(vctx, doc) == 0;
}

static void
schemaTestFile(gconstpointer opaque)
{
    const char *const *pair = opaque;
    bool valid = schemaValidate(pair[0], pair[1]);

    if (g_str_has_suffix(pair[1], "-invalid.xml"))
        g_assert_false(valid);
    else
        g_assert_true(valid);
}

static const schemaRow *
schemaRowFor(const char *rel)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(schemaRows); i++) {
        if (g_str_equal(rel, schemaRows[i].dir))
            return &schemaRows[i];
    }
    return NULL;
}

static void
schemaUnknownDir(gconstpointer rel)
{
    g_test_message("'%s' holds XML but has no schema row", (const char *) rel);
    g_test_fail();
}

/* Registers a test for every XML file below @dir. */
static void
schemaScan(const char *root, const char *rel, GPtrArray *keep)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const schemaRow *row = schemaRowFor(rel);
    const char *name;
    bool reported = false;

    if (!dir)
        return;
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        g_autofree char *childRel =
            *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);

        if (g_file_test(child, G_FILE_TEST_IS_DIR)) {
            schemaScan(root, childRel, keep);
            continue;
        }
        if (!g_str_has_suffix(name, ".xml"))
            continue;
        if (!row) {
            if (!reported) {
                char *testPath = g_strdup_printf("/schema/unknown/%s", rel);
                char *relCopy = g_strdup(rel);

                g_ptr_array_add(keep, testPath);
                g_ptr_array_add(keep, relCopy);
                g_test_add_data_func(testPath, relCopy, schemaUnknownDir);
                reported = true;
            }
            continue;
        }
        if (!row->schema)
            continue;
        {
            char **pair = g_new0(char *, 3);
            char *testPath = g_strdup_printf("/schema/%s", childRel);

            pair[0] = g_test_build_filename(G_TEST_DIST, "..", "xml",
                                            row->schema, NULL);
            pair[1] = g_strdup(child);
            g_ptr_array_add(keep, testPath);
            g_ptr_array_add(keep, pair[0]);
            g_ptr_array_add(keep, pair[1]);
            g_ptr_array_add(keep, pair);
            g_test_add_data_func(testPath, pair, schemaTestFile);
        }
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *root = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    root = g_test_build_filename(G_TEST_DIST, "data", NULL);
    schemaScan(root, "", keep);
    ret = g_test_run();
    xmlCleanupParser();
    return ret;
}
