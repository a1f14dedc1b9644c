/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_schedstate.c: which periodic rounds that plan nothing
 * save their input (the first, then one each five minutes).
 */

#include <config.h>

#include <glib.h>

#include "cluster_schedstate.h"

static void
schedStateTestRound(gpointer opaque)
{
    g_assert_not_reached();
}

static void
testQuietInputDue(void)
{
    g_autoptr(shoalSchedState) state =
        shoalSchedStateNew(schedStateTestRound, NULL);
    const gint64 start = 1000000;
    const gint64 fiveMinutesMs = 5 * 60 * 1000;

    g_assert_true(shoalSchedStateQuietInputDue(state, start));
    g_assert_false(shoalSchedStateQuietInputDue(state, start));
    g_assert_false(shoalSchedStateQuietInputDue(state, start + 10000));
    g_assert_false(
        shoalSchedStateQuietInputDue(state, start + fiveMinutesMs - 1));
    g_assert_true(shoalSchedStateQuietInputDue(state, start + fiveMinutesMs));
    /* counted from the last one saved, not from the first */
    g_assert_false(shoalSchedStateQuietInputDue(state, start + fiveMinutesMs +
                                                           fiveMinutesMs - 1));
    g_assert_true(
        shoalSchedStateQuietInputDue(state, start + 2 * fiveMinutesMs));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/schedstate/quiet-input-due", testQuietInputDue);
    return g_test_run();
}
