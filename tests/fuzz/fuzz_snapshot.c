/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Fuzz target for the snapshot readers: shoal-snapshot/1 JSON, the
 * benchmark's vmcluster-snapshot/1 JSON, and Ganeti htools text with and
 * without a utilisation file. The input is TEXT, or TEXT NUL UTIL: every
 * reader gets TEXT, and htools also gets the pair.
 *
 * Whatever parses must format to shoal-snapshot/1 JSON that parses again
 * and formats identically.
 */

#include <config.h>

#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "sched.h"

/* Between the htools text and its utilisation file. */
#define FUZZ_SNAPSHOT_SEPARATOR '\0'

/* @snap: (transfer full) (nullable): what a reader returned, with *@error
 * set iff it is NULL; clears *@error. */
static void
fuzzSnapshotCheck(shoalSchedSnapshot *snap, GError **error)
{
    g_autoptr(shoalSchedSnapshot) again = NULL;
    g_autoptr(GError) error2 = NULL;
    g_autofree char *json = NULL;
    g_autofree char *json2 = NULL;

    g_assert_true((snap == NULL) == (*error != NULL));
    g_clear_error(error);
    if (!snap)
        return;
    json = shoalSchedSnapshotFormatJSON(snap);
    shoalSchedSnapshotUnref(snap);
    g_assert_nonnull(json);
    again = shoalSchedSnapshotParseJSON(json, &error2);
    g_assert_no_error(error2);
    g_assert_nonnull(again);
    json2 = shoalSchedSnapshotFormatJSON(again);
    g_assert_cmpstr(json, ==, json2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memchr(data, FUZZ_SNAPSHOT_SEPARATOR, size);
    size_t textLen = sep ? (size_t) (sep - data) : size;
    /* exact-size copies: reading past the end is an error ASan sees */
    g_autofree char *text = g_strndup((const char *) data, textLen);
    g_autofree char *util = NULL;
    g_autoptr(GError) error = NULL;

    if (sep) {
        const uint8_t *u = sep + 1;
        size_t rest = size - textLen - 1;
        const uint8_t *end = memchr(u, FUZZ_SNAPSHOT_SEPARATOR, rest);

        util = g_strndup((const char *) u, end ? (size_t) (end - u) : rest);
    }

    fuzzSnapshotCheck(shoalSchedSnapshotParseJSON(text, &error), &error);
    fuzzSnapshotCheck(shoalSchedSnapshotParseVmcluster(text, &error), &error);
    fuzzSnapshotCheck(shoalSchedSnapshotParseHtools(text, NULL, &error),
                      &error);
    if (util)
        fuzzSnapshotCheck(shoalSchedSnapshotParseHtools(text, util, &error),
                          &error);
    return 0;
}
