/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_file.h"

#include <glib/gstdio.h>

/* Removes @path and everything below it; each removal must succeed. */
void
testRemoveTree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        if (g_file_test(child, G_FILE_TEST_IS_DIR))
            testRemoveTree(child);
        else
            g_assert_cmpint(g_unlink(child), ==, 0);
    }
    g_assert_cmpint(g_rmdir(path), ==, 0);
}
