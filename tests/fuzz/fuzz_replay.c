/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The main() of a fuzz target built without libFuzzer: runs
 * LLVMFuzzerTestOneInput() once on every file named, and on every file
 * under every directory named (recursively, in name order), one TAP line
 * each. A crash, a sanitizer report or a failed assertion fails the run;
 * the "# replaying" line before it names the file.
 *
 * Usage: fuzz_TARGET --tap PATH...
 */

#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

static int
replayCompare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static bool
replayCollect(const char *path, GPtrArray *files, GError **error)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    const char *name;
    size_t i;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(files, g_strdup(path));
        return true;
    }
    if (!(dir = g_dir_open(path, 0, error)))
        return false;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    g_ptr_array_sort(names, replayCompare);
    for (i = 0; i < names->len; i++) {
        if (!replayCollect(g_ptr_array_index(names, i), files, error))
            return false;
    }
    return true;
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    int i;
    size_t n;

    for (i = 1; i < argc; i++) {
        /* the other GTest binaries' argument; TAP is all we print */
        if (g_str_equal(argv[i], "--tap"))
            continue;
        if (!replayCollect(argv[i], files, &error)) {
            printf("Bail out! %s\n", error->message);
            return 1;
        }
    }
    if (files->len == 0) {
        printf("Bail out! no input files\n");
        return 1;
    }

    printf("1..%u\n", files->len);
    for (n = 0; n < files->len; n++) {
        const char *path = g_ptr_array_index(files, n);
        g_autofree char *contents = NULL;
        g_autofree guint8 *copy = NULL;
        gsize len;

        if (!g_file_get_contents(path, &contents, &len, &error)) {
            printf("Bail out! %s\n", error->message);
            return 1;
        }
        printf("# replaying %s\n", path);
        fflush(stdout);
        /* exactly the file's bytes, as libFuzzer passes them; never NULL */
        copy = g_memdup2(contents, len ? len : 1);
        LLVMFuzzerTestOneInput(copy, len);
        printf("ok %zu %s\n", n + 1, path);
    }
    return 0;
}
