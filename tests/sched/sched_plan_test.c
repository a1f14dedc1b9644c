/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the plan and its codecs (src/sched/sched_plan.c): every
 * expected plan of tests/data/sched/planner/ parses and formats back to
 * the same bytes; bad documents give precise errors; the text form.
 */

#include <config.h>

#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_testutil.h"

/* @text parses, formats back to itself, and so does a copy of it. */
static void
checkPlanRoundTrip(const char *text)
{
    g_autofree char *json = NULL;
    g_autofree char *copied = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedPlan) plan = NULL;
    g_autoptr(shoalSchedPlan) copy = NULL;
    size_t i;

    plan = shoalSchedPlanParseJSON(text, &error);
    g_assert_no_error(error);
    json = shoalSchedPlanFormatJSON(plan);
    g_assert_cmpstr(json, ==, text);

    copy = shoalSchedPlanNew(plan->nowMs);
    copy->imbalanceBefore = plan->imbalanceBefore;
    copy->imbalanceAfter = plan->imbalanceAfter;
    for (i = 0; i < plan->steps->len; i++)
        shoalSchedPlanAppendStep(copy, shoalSchedStepCopy(
                                           g_ptr_array_index(plan->steps, i)));
    for (i = 0; i < plan->notes->len; i++)
        shoalSchedPlanAppendNote(copy,
                                 g_strdup(g_ptr_array_index(plan->notes, i)));
    copied = shoalSchedPlanFormatJSON(copy);
    g_assert_cmpstr(copied, ==, text);
}

static void
testPlanRoundTrip(void)
{
    g_assert_cmpuint(schedTestForeachFile("planner", ".plan.json",
                                          checkPlanRoundTrip),
                     >, 10);
}

#define PLAN_HEAD                                                               \
    "{\"format\": \"shoal-plan/1\", \"now_ms\": 5, \"imbalance_before\": 0.5, " \
    "\"imbalance_after\": 0.25, "
#define PLAN_SCORE                                                                  \
    "\"score_before\": {\"host\": {\"cpu\": 1, \"memory\": 1}, \"imbalance\": 1}, " \
    "\"score_after\": {\"host\": {\"cpu\": 1, \"memory\": 1}, \"imbalance\": 1}"
#define PLAN_STEP(action, extra)                                              \
    "{\"action\": \"" action "\", \"domain\": \"d\", \"host\": \"h\", "       \
    "\"mode\": \"advise\", \"rule\": \"r\", \"reason\": \"why\", " PLAN_SCORE \
    ", \"memory_mib\": 1, \"preconditions\": []" extra "}"

static void
testPlanErrors(void)
{
    static const schedTestParseError cases[] = {
        { "", "invalid plan: invalid JSON: unexpected end of the document" },
        { "[]", "invalid plan: the document must be a JSON object" },
        { "{\"format\": \"shoal-plan/0\"}",
          "invalid plan: unsupported format 'shoal-plan/0'" },
        { PLAN_HEAD "\"steps\": [], \"bonus\": 1}",
          "invalid plan: unknown key 'bonus'" },
        { PLAN_HEAD "\"steps\": {}}",
          "invalid plan: 'steps' must be an array" },
        { PLAN_HEAD "\"steps\": [" PLAN_STEP("teleport", "") "]}",
          "invalid plan: 'steps[0].action' has unknown value 'teleport'" },
        { PLAN_HEAD "\"steps\": [" PLAN_STEP("add-vcpu", "") "]}",
          "invalid plan: 'steps[0].vcpus' is missing" },
        { PLAN_HEAD
          "\"steps\": [" PLAN_STEP("set-balloon", ", \"balloon_kib\": -1") "]}",
          "invalid plan: 'steps[0].balloon_kib' must be an integer from 0 to 1125899906842624" },
        { PLAN_HEAD "\"steps\": [" PLAN_STEP("migrate", "") "]}",
          "invalid plan: 'steps[0].from' is missing" },
        { PLAN_HEAD
          "\"steps\": [{\"action\": \"add-vcpu\", \"domain\": \"d\", \"host\": \"h\", \"vcpus\": 2, "
          "\"mode\": \"sometimes\", \"rule\": \"r\", \"reason\": \"why\", " PLAN_SCORE
          ", \"memory_mib\": 1, \"preconditions\": []}]}",
          "invalid plan: 'steps[0].mode' has unknown value 'sometimes'" },
        { PLAN_HEAD
          "\"steps\": [{\"action\": \"add-vcpu\", \"domain\": \"d\", \"host\": \"h\", \"vcpus\": 2, "
          "\"mode\": \"advise\", \"rule\": \"r\", \"reason\": \"why\", " PLAN_SCORE
          ", \"memory_mib\": -1, \"preconditions\": []}]}",
          "invalid plan: 'steps[0].memory_mib' is out of range" },
        { PLAN_HEAD
          "\"steps\": [{\"action\": \"add-vcpu\", \"domain\": \"d\", \"host\": \"h\", \"vcpus\": 2, "
          "\"mode\": \"advise\", \"rule\": \"r\", \"reason\": \"why\", " PLAN_SCORE
          ", \"memory_mib\": 1, \"preconditions\": [{\"check\": \"moon-phase\"}]}]}",
          "invalid plan: 'steps[0].preconditions[0].check' has unknown value 'moon-phase'" },
        { PLAN_HEAD
          "\"steps\": [{\"action\": \"add-vcpu\", \"domain\": \"d\", \"host\": \"h\", \"vcpus\": 2, "
          "\"mode\": \"advise\", \"rule\": \"r\", \"reason\": \"why\", "
          "\"score_before\": {\"host\": {\"cpu\": 1}, \"imbalance\": 1}, "
          "\"score_after\": {\"host\": {\"cpu\": 1, \"memory\": 1}, \"imbalance\": 1}"
          ", \"memory_mib\": 1, \"preconditions\": []}]}",
          "invalid plan: 'steps[0].score_before.host.memory' is missing" },
        { PLAN_HEAD "\"steps\": [], \"notes\": [3]}",
          "invalid plan: 'notes' must be an array of strings" },
    };

    schedTestCheckParseErrors(cases, G_N_ELEMENTS(cases),
                              (schedTestParseFunc) shoalSchedPlanParseJSON);
}

static void
testPlanText(void)
{
    g_autoptr(shoalSchedPlan) plan = shoalSchedPlanNew(0);
    g_autofree char *empty = shoalSchedPlanFormatText(plan);
    g_autofree char *text = NULL;
    shoalSchedStep *step;

    g_assert_cmpstr(empty, ==,
                    "Imbalance: 0.0000 -> 0.0000\n"
                    "Migrations: 0, 0 MiB, about 0 s one after another\n"
                    "vCPU hot-adds: 0\n"
                    "Balloon changes: 0\n"
                    "No steps.\n");

    plan->imbalanceBefore = 0.5;
    plan->imbalanceAfter = 0.25;
    step = shoalSchedStepNew(SHOAL_SCHED_ACTION_MIGRATE, "vm");
    step->from = g_strdup("a");
    step->to = g_strdup("b");
    step->rule = g_strdup("balance");
    step->reason = g_strdup("because");
    step->mode = SHOAL_SCHED_MODE_AUTOMATIC;
    step->memoryKiB = 2097152;
    step->predictedSeconds = 4.1;
    step->fromBefore.cpu = 1;
    step->toAfter.memory = 0.5;
    step->imbalanceBefore = 0.5;
    step->imbalanceAfter = 0.25;
    shoalSchedPlanAppendStep(plan, step);
    step = shoalSchedStepNew(SHOAL_SCHED_ACTION_SET_BALLOON, "db");
    step->from = g_strdup("b");
    step->rule = g_strdup("balloon");
    step->reason = g_strdup("tight");
    step->value = 1048576;
    shoalSchedPlanAppendStep(plan, step);
    shoalSchedPlanAppendNote(plan, g_strdup("one more thing"));
    text = shoalSchedPlanFormatText(plan);
    g_assert_cmpstr(text, ==,
                    "Imbalance: 0.5000 -> 0.2500\n"
                    "Migrations: 1, 2048 MiB, about 4 s one after another\n"
                    "vCPU hot-adds: 0\n"
                    "Balloon changes: 1\n"
                    "1. migrate 'vm' from 'a' to 'b' [balance, automatic]\n"
                    "    because\n"
                    "    host 'a': CPU 1.00 -> 0.00, memory 0.00 -> 0.00\n"
                    "    host 'b': CPU 0.00 -> 0.00, memory 0.00 -> 0.50\n"
                    "    imbalance 0.5000 -> 0.2500; 2048 MiB to copy, about 4.1 s\n"
                    "2. set the balloon of 'db' on 'b' to 1024 MiB [balloon, advise]\n"
                    "    tight\n"
                    "    host 'b': CPU 0.00 -> 0.00, memory 0.00 -> 0.00\n"
                    "Notes:\n"
                    "  - one more thing\n");
    g_assert_cmpuint(plan->moves, ==, 1);
    g_assert_cmpuint(plan->balloons, ==, 1);
    g_assert_cmpuint(plan->memoryMovedKiB, ==, 2097152);
    g_assert_true(shoalSchedPlanRef(plan) == plan);
    shoalSchedPlanUnref(plan);
}

static void
testPlanNames(void)
{
    g_assert_cmpstr(shoalSchedActionToString(SHOAL_SCHED_ACTION_ADD_VCPU), ==,
                    "add-vcpu");
    g_assert_null(shoalSchedActionToString(SHOAL_SCHED_ACTION_LAST));
    g_assert_cmpint(shoalSchedActionFromString("set-balloon"), ==,
                    SHOAL_SCHED_ACTION_SET_BALLOON);
    g_assert_cmpint(shoalSchedActionFromString("nope"), ==, -1);
    g_assert_cmpstr(shoalSchedCheckToString(SHOAL_SCHED_CHECK_BALLOON_BELOW),
                    ==, "balloon-below");
    g_assert_null(shoalSchedCheckToString(SHOAL_SCHED_CHECK_LAST));
    g_assert_cmpint(shoalSchedCheckFromString("host-available"), ==,
                    SHOAL_SCHED_CHECK_HOST_AVAILABLE);
    g_assert_cmpint(shoalSchedCheckFromString(NULL), ==, -1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/plan/round-trip", testPlanRoundTrip);
    g_test_add_func("/sched/plan/errors", testPlanErrors);
    g_test_add_func("/sched/plan/text", testPlanText);
    g_test_add_func("/sched/plan/names", testPlanNames);
    return g_test_run();
}
