/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_proc.h"

/* The entries of a directory of /proc/self, one per thing held. */
static unsigned
testProcCount(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    unsigned n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir))
        n++;
    return n;
}

/* Open descriptors, the one counting them included. */
unsigned
testProcCountFds(void)
{
    return testProcCount("/proc/self/fd");
}

/* Threads of this process. */
unsigned
testProcCountThreads(void)
{
    return testProcCount("/proc/self/task");
}
