/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests for the offline command line entry points (src/sched/sched_cli.c). */

#include <config.h>

#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "sched.h"
#include "sched_json.h"
#include "sched_testutil.h"

static void
testCliPlan(void)
{
    g_autofree char *path =
        schedTestDataPath("planner", "overloaded-host.snapshot.json");
    g_autofree char *planPath =
        schedTestDataPath("planner", "overloaded-host.plan.json");
    g_autofree char *expected = schedTestReadFile(planPath);
    g_autoptr(GError) error = NULL;
    g_autofree char *json = shoalSchedCliPlan(path, NULL, true, &error);
    g_autofree char *text = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(json, ==, expected);
    text = shoalSchedCliPlan(path, NULL, false, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(text, "Imbalance: 0.2657 -> 0.0217\n"));
}

static void
testCliHtools(void)
{
    g_autofree char *txt = schedTestDataPath("formats", "c8x60.txt");
    g_autofree char *util = schedTestDataPath("formats", "c8x60.util");
    g_autoptr(GError) error = NULL;
    g_autofree char *json = shoalSchedCliPlan(txt, util, true, &error);
    g_autoptr(shoalSchedPlan) plan = NULL;

    g_assert_no_error(error);
    plan = shoalSchedPlanParseJSON(json, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(plan->moves, >, 0);
}

static void
testCliErrors(void)
{
    g_autofree char *missing = schedTestDataPath("planner", "no-such-file");
    g_autofree char *path =
        schedTestDataPath("planner", "overloaded-host.snapshot.json");
    const char *none[] = { NULL };
    const char *bad[] = { path, missing, NULL };
    g_autoptr(GError) error = NULL;
    char *out;

    out = shoalSchedCliPlan(missing, NULL, false, &error);
    g_assert_null(out);
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error(&error);
    out = shoalSchedCliPlan(path, path, false, &error);
    g_assert_null(out);
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_clear_error(&error);
    out = shoalSchedCliSimulate(none, false, &error);
    g_assert_null(out);
    g_assert_cmpstr(error->message, ==,
                    "a simulation needs at least one snapshot");
    g_clear_error(&error);
    out = shoalSchedCliSimulate(bad, true, &error);
    g_assert_null(out);
    g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
testCliSimulate(void)
{
    g_autofree char *path =
        schedTestDataPath("planner", "budget.snapshot.json");
    const char *paths[] = { path, path, path, NULL };
    g_autoptr(GError) error = NULL;
    g_autofree char *text = shoalSchedCliSimulate(paths, false, &error);
    g_autofree char *json = NULL;
    g_autoptr(json_object) obj = NULL;
    json_object *moves = NULL;

    g_assert_no_error(error);
    /* the same time three times: the budget allows one move in all */
    g_assert_nonnull(strstr(text, "Rounds: 3 over "));
    g_assert_nonnull(strstr(text, "Migrations: 1 "));
    json = shoalSchedCliSimulate(paths, true, &error);
    g_assert_no_error(error);
    obj = json_tokener_parse(json);
    g_assert_nonnull(obj);
    g_assert_true(json_object_object_get_ex(obj, "moves", &moves));
    g_assert_cmpint(json_object_get_int(moves), ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/cli/plan", testCliPlan);
    g_test_add_func("/sched/cli/htools", testCliHtools);
    g_test_add_func("/sched/cli/errors", testCliErrors);
    g_test_add_func("/sched/cli/simulate", testCliSimulate);
    return g_test_run();
}
