/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests for the scheduler's JSON helpers (src/sched/sched_json.c). */

#include <config.h>

#include <math.h>

#include <glib.h>

#include "sched.h"
#include "sched_json.h"

static void
testJsonParse(void)
{
    static const struct {
        const char *text;
        const char *message; /* NULL: parses */
    } cases[] = {
        { "{}", NULL },
        { "  [1, 2]\n\t ", NULL },
        { "", "invalid JSON: unexpected end of the document" },
        { "{\"a\": ", "invalid JSON: unexpected end of the document" },
        { "{} {}",
          "invalid JSON at byte 3: unexpected data after the document" },
        { "{\"a\" 1}", NULL },
        { "nul", NULL },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(json_object) obj = shoalSchedJsonParse(cases[i].text, &error);

        if (i == 5 || i == 6) {
            /* syntax errors: the message comes from json-c */
            g_assert_null(obj);
            g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
            g_assert_true(g_str_has_prefix(error->message, "invalid JSON"));
            continue;
        }
        if (!cases[i].message) {
            g_assert_no_error(error);
            g_assert_nonnull(obj);
        } else {
            g_assert_null(obj);
            g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
            g_assert_cmpstr(error->message, ==, cases[i].message);
        }
    }
}

/* Numbers are written in their shortest exact form and read back equal. */
static void
testJsonDouble(void)
{
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        { 0.863, "0.863" },
        { 2.0, "2" },
        { -0.0, "0" },
        { 1e-7, "1e-07" },
        { 0.1 + 0.2, "0.30000000000000004" },
        { 123456.5, "123456.5" },
        { NAN, "0" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(json_object) obj = shoalSchedJsonNewDouble(cases[i].value);
        const char *text = json_object_to_json_string(obj);
        double back = g_ascii_strtod(text, NULL);

        g_assert_cmpstr(text, ==, cases[i].text);
        if (isfinite(cases[i].value))
            g_assert_cmpfloat(back, ==, cases[i].value);
    }
}

static void
testJsonRounded(void)
{
    static const struct {
        double value;
        int decimals;
        const char *text;
    } cases[] = {
        { 1.35, 4, "1.35" }, { 0.123456789, 4, "0.1235" }, { -0.00001, 4, "0" },
        { 2.0, 6, "2" },     { 16.384, 2, "16.38" },       { INFINITY, 2, "0" },
        { 0.5, 0, "0" },     { 12.0, 20, "12" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(json_object) obj =
            shoalSchedJsonNewRounded(cases[i].value, cases[i].decimals);

        g_assert_cmpstr(json_object_to_json_string(obj), ==, cases[i].text);
    }
}

static void
testJsonCompact(void)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *arr = shoalSchedJsonNewCompactArray();
    const char *const names[] = { "a/b", "c\"d", NULL };
    g_autofree char *text = NULL;

    json_object_array_add(arr, shoalSchedJsonNewDouble(1.5));
    json_object_array_add(arr, json_object_new_int64(2));
    json_object_object_add(root, "numbers", arr);
    json_object_object_add(root, "names", shoalSchedJsonNewStrv(names));
    json_object_object_add(root, "empty", shoalSchedJsonNewStrv(NULL));
    text = shoalSchedJsonFormat(root);
    g_assert_cmpstr(text, ==,
                    "{\n"
                    "  \"numbers\": [1.5, 2],\n"
                    "  \"names\": [\"a/b\", \"c\\\"d\"],\n"
                    "  \"empty\": []\n"
                    "}\n");
}

static void
testJsonGetters(void)
{
    static const char *const known[] = { "s", "b", "u", "i", "d", "v", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) obj =
        shoalSchedJsonParse("{\"s\": \"x\", \"b\": true, \"u\": 7, \"i\": -3, \"d\": 2.5, "
                            "\"v\": [\"p\", \"q\"], \"n\": -1, \"f\": 1.5, \"w\": [1]}",
                            &error);
    g_autofree char *s = NULL;
    g_auto(GStrv) v = NULL;
    bool b = false;
    guint64 u = 0;
    gint64 i = 0;
    double d = 0;

    g_assert_no_error(error);
    g_assert_true(shoalSchedJsonGetString(obj, "", "s", true, &s, &error));
    g_assert_cmpstr(s, ==, "x");
    g_assert_true(shoalSchedJsonGetBool(obj, "", "b", false, &b, &error));
    g_assert_true(b);
    g_assert_true(shoalSchedJsonGetBool(obj, "", "missing", true, &b, &error));
    g_assert_true(b);
    g_assert_true(shoalSchedJsonGetUInt64(obj, "", "u", true, 10, &u, &error));
    g_assert_cmpuint(u, ==, 7);
    g_assert_true(shoalSchedJsonGetInt64(obj, "", "i", &i, &error));
    g_assert_cmpint(i, ==, -3);
    g_assert_true(shoalSchedJsonGetDouble(obj, "", "d", true, &d, &error));
    g_assert_cmpfloat(d, ==, 2.5);
    g_assert_true(shoalSchedJsonGetStrv(obj, "", "v", &v, &error));
    g_assert_cmpuint(g_strv_length(v), ==, 2);
    g_assert_no_error(error);

    g_assert_false(
        shoalSchedJsonGetUInt64(obj, "top", "u", true, 5, &u, &error));
    g_assert_cmpstr(error->message, ==,
                    "'top.u' must be an integer from 0 to 5");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetUInt64(obj, "", "n", true, 5, &u, &error));
    g_assert_cmpstr(error->message, ==, "'n' must be an integer from 0 to 5");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetUInt64(obj, "", "f", true, 5, &u, &error));
    g_assert_cmpstr(error->message, ==, "'f' must be an integer");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetString(obj, "", "gone", true, &s, &error));
    g_assert_cmpstr(error->message, ==, "'gone' is missing");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetString(obj, "", "u", true, &s, &error));
    g_assert_cmpstr(error->message, ==, "'u' must be a string");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetDouble(obj, "", "s", true, &d, &error));
    g_assert_cmpstr(error->message, ==, "'s' must be a finite number");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonGetStrv(obj, "", "w", &v, &error));
    g_assert_cmpstr(error->message, ==, "'w' must be an array of strings");
    g_clear_error(&error);
    g_assert_false(shoalSchedJsonCheckKeys(obj, "x", known, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
    g_assert_true(g_str_has_prefix(error->message, "unknown key 'x."));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/json/parse", testJsonParse);
    g_test_add_func("/sched/json/double", testJsonDouble);
    g_test_add_func("/sched/json/rounded", testJsonRounded);
    g_test_add_func("/sched/json/compact", testJsonCompact);
    g_test_add_func("/sched/json/getters", testJsonGetters);
    return g_test_run();
}
