/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_schedstate.c: which periodic rounds that plan nothing
 * save their input (the first, then one each five minutes).
 */

#include <config.h>

#include <glib.h>

#include "cluster_schedstate.h"

#define SCHEDSTATE_TEST_HOUR_MS (G_GINT64_CONSTANT(3600) * 1000)

static const unsigned char schedStateA[16] = { 0xa };
static const unsigned char schedStateB[16] = { 0xb };

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

/* Moves and resizes each count in their own hour: the planner's hourly
 * budgets for migrations and for resizes. */
static void
testSchedStateRecent(void)
{
    g_autoptr(shoalSchedState) state =
        shoalSchedStateNew(schedStateTestRound, NULL);
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(shoalSchedDomain) dom = shoalSchedDomainNew("a");
    gint64 now = 10 * SCHEDSTATE_TEST_HOUR_MS;

    /* an old resize, dropped once a newer one comes an hour later */
    shoalSchedStateNoteChange(state, schedStateA, false,
                              now - SCHEDSTATE_TEST_HOUR_MS - 1);
    shoalSchedStateNoteChange(state, schedStateA, false, now - 2000);
    shoalSchedStateNoteChange(state, schedStateB, false, now - 1000);
    shoalSchedStateNoteChange(state, schedStateB, true, now - 500);
    snap->nowMs = now;
    shoalSchedStateFillRecentMoves(state, snap);
    g_assert_cmpuint(snap->recentMovesMs->len, ==, 1);
    g_assert_cmpint(g_array_index(snap->recentMovesMs, gint64, 0), ==,
                    now - 500);
    g_assert_cmpuint(snap->recentResizesMs->len, ==, 2);
    g_assert_cmpint(g_array_index(snap->recentResizesMs, gint64, 0), ==,
                    now - 2000);
    g_assert_cmpint(g_array_index(snap->recentResizesMs, gint64, 1), ==,
                    now - 1000);

    shoalSchedStateFillDomain(state, schedStateA, dom);
    g_assert_cmpint(dom->lastResizeMs, ==, now - 2000);
    g_assert_cmpint(dom->lastMoveMs, ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/schedstate/quiet-input-due", testQuietInputDue);
    g_test_add_func("/cluster/schedstate/recent", testSchedStateRecent);
    return g_test_run();
}
