/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests for the scheduler's configuration (src/sched/sched_config.c). */

#include <config.h>

#include <string.h>

#include <glib.h>

#include "sched.h"
#include "sched_json.h"

static void
testConfigDefaults(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedConfig) shared = shoalSchedConfigNew();
    g_autoptr(shoalSchedConfig) copy = NULL;
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    g_assert_true(shoalSchedConfigValidate(&config, &error));
    g_assert_no_error(error);
    g_assert_cmpint(config.mode, ==, SHOAL_SCHED_MODE_ADVISE);
    g_assert_cmpfloat(config.cpuThreshold, ==, 0.8);
    g_assert_cmpuint(config.holdIntervals, ==, 3);
    g_assert_cmpint(config.cooldownMs, ==, 600000);
    g_assert_cmpint(config.tabuMs, ==, 3600000);
    g_assert_true(memcmp(shared, &config, sizeof(config)) == 0);
    copy = shoalSchedConfigCopy(&config);
    g_assert_true(memcmp(copy, &config, sizeof(config)) == 0);
    g_assert_true(shoalSchedConfigRef(copy) == copy);
    shoalSchedConfigUnref(copy);

    g_assert_cmpstr(shoalSchedModeToString(SHOAL_SCHED_MODE_AUTOMATIC), ==,
                    "automatic");
    g_assert_null(shoalSchedModeToString(SHOAL_SCHED_MODE_LAST));
    g_assert_cmpint(shoalSchedModeFromString("off"), ==, SHOAL_SCHED_MODE_OFF);
    g_assert_cmpint(shoalSchedModeFromString("Off"), ==, -1);
    g_assert_cmpint(shoalSchedModeFromString(NULL), ==, -1);
}

static void
testConfigLoad(void)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalSchedConfig) config = NULL;
    const char *text = "[scheduler]\n"
                       "mode = automatic\n"
                       "cpu_threshold = 0.75\n"
                       "hold_intervals = 4\n"
                       "balance = false\n"
                       "cooldown_seconds = 90.5\n"
                       "balloon_step_mib = 256\n"
                       "interval_seconds = 20\n"
                       "[other]\n"
                       "cpu_threshold = nonsense\n";

    g_assert_true(
        g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &error));
    config = shoalSchedConfigLoad(kf, "scheduler", &error);
    g_assert_no_error(error);
    g_assert_cmpint(config->mode, ==, SHOAL_SCHED_MODE_AUTOMATIC);
    g_assert_cmpfloat(config->cpuThreshold, ==, 0.75);
    g_assert_cmpuint(config->holdIntervals, ==, 4);
    g_assert_false(config->balance);
    g_assert_cmpint(config->cooldownMs, ==, 90500);
    g_assert_cmpuint(config->balloonStepMiB, ==, 256);
    /* untouched keys keep their defaults */
    g_assert_cmpfloat(config->memoryThreshold, ==, 0.9);
    g_clear_pointer(&config, shoalSchedConfigUnref);

    /* a missing group is all defaults */
    config = shoalSchedConfigLoad(kf, "absent", &error);
    g_assert_no_error(error);
    g_assert_cmpint(config->mode, ==, SHOAL_SCHED_MODE_ADVISE);
}

static void
testConfigLoadErrors(void)
{
    static const struct {
        const char *line;
        const char *message;
    } cases[] = {
        { "cpu_threshold = abc",
          "invalid scheduler configuration in [s]: 'cpu_threshold' must be a number greater than 0, not 'abc'" },
        { "cpu_threshold = 0",
          "invalid scheduler configuration in [s]: 'cpu_threshold' must be a number greater than 0, not '0'" },
        { "cost_weight = -1",
          "invalid scheduler configuration in [s]: 'cost_weight' must be a number of at least 0, not '-1'" },
        { "saturation_busy = 1.5",
          "invalid scheduler configuration in [s]: 'saturation_busy' must be a number greater than 0 and at most 1, not '1.5'" },
        { "low_delay = 2",
          "invalid scheduler configuration in [s]: 'low_delay' must be a number from 0 to 1, not '2'" },
        { "hold_intervals = 0",
          "invalid scheduler configuration in [s]: 'hold_intervals' must be an integer from 1 to 1000, not '0'" },
        { "hold_intervals = 2.5",
          "invalid scheduler configuration in [s]: 'hold_intervals' must be an integer from 1 to 1000, not '2.5'" },
        { "max_moves_per_round = -1",
          "invalid scheduler configuration in [s]: 'max_moves_per_round' must be an integer from 0 to 1000000, not '-1'" },
        { "balance = maybe",
          "invalid scheduler configuration in [s]: 'balance' must be true or false, not 'maybe'" },
        { "mode = sometimes",
          "invalid scheduler configuration in [s]: 'mode' must be off, advise or automatic, not 'sometimes'" },
        { "cooldown_seconds = inf",
          "invalid scheduler configuration in [s]: 'cooldown_seconds' must be a number from 0 to 1e+09, not 'inf'" },
        { "low_delay = 0.5\nhigh_delay = 0.1",
          "invalid scheduler configuration in [s]: 'low_delay' (0.5) must not be greater than 'high_delay' (0.1)" },
        { "cpu_weight = 0\nmemory_weight = 0",
          "invalid scheduler configuration in [s]: 'cpu_weight' and 'memory_weight' must not both be zero" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(shoalSchedConfig) config = NULL;
        g_autofree char *text = g_strdup_printf("[s]\n%s\n", cases[i].line);

        g_assert_true(
            g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, NULL));
        config = shoalSchedConfigLoad(kf, "s", &error);
        g_assert_null(config);
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
        g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

static void
testConfigValidate(void)
{
    g_autoptr(GError) error = NULL;
    shoalSchedConfig config;

    shoalSchedConfigInit(&config);
    config.vcpuRatio = 0;
    g_assert_false(shoalSchedConfigValidate(&config, &error));
    g_assert_cmpstr(error->message, ==,
                    "'vcpu_ratio' must be a number greater than 0 and at most 1000, not '0'");
    g_clear_error(&error);

    shoalSchedConfigInit(&config);
    config.mode = SHOAL_SCHED_MODE_LAST;
    g_assert_false(shoalSchedConfigValidate(&config, &error));
    g_assert_cmpstr(error->message, ==,
                    "'mode' must be off, advise or automatic, not '3'");
    g_clear_error(&error);

    shoalSchedConfigInit(&config);
    config.cooldownMs = -1000;
    g_assert_false(shoalSchedConfigValidate(&config, &error));
    g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
}

/* Format -> parse -> format gives the same text and the same values. */
static void
testConfigJSON(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) obj = NULL;
    g_autoptr(json_object) again = NULL;
    shoalSchedConfig config;
    shoalSchedConfig back;

    shoalSchedConfigInit(&config);
    config.mode = SHOAL_SCHED_MODE_OFF;
    config.cpuWeight = 0.3;
    config.cooldownMs = 1234;
    config.balance = false;
    config.maxPerSource = 0;
    obj = shoalSchedConfigFormatJSON(&config);
    shoalSchedConfigInit(&back);
    g_assert_true(shoalSchedConfigParseJSON(&back, obj, "config", &error));
    g_assert_no_error(error);
    g_assert_true(memcmp(&back, &config, sizeof(config)) == 0);
    again = shoalSchedConfigFormatJSON(&back);
    g_assert_cmpstr(json_object_to_json_string(again), ==,
                    json_object_to_json_string(obj));
}

static void
testConfigJSONErrors(void)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        { "{\"cpu_treshold\": 1}", "unknown key 'config.cpu_treshold'" },
        { "{\"mode\": 1}",
          "invalid scheduler configuration in 'config': 'mode' must be off, advise or automatic, not '1'" },
        { "{\"balance\": \"yes\"}",
          "invalid scheduler configuration in 'config': 'balance' must be true or false, not '\"yes\"'" },
        { "{\"hold_intervals\": 1.5}",
          "invalid scheduler configuration in 'config': 'hold_intervals' must be an integer from 1 to 1000, not '1.5'" },
        { "{\"hold_intervals\": 5000}",
          "invalid scheduler configuration in 'config': 'hold_intervals' must be an integer from 1 to 1000, not '5000'" },
        { "{\"min_gain\": \"0.1\"}",
          "invalid scheduler configuration in 'config': 'min_gain' must be a number of at least 0, not '\"0.1\"'" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(json_object) obj = shoalSchedJsonParse(cases[i].json, &error);
        shoalSchedConfig config;

        g_assert_no_error(error);
        shoalSchedConfigInit(&config);
        g_assert_false(
            shoalSchedConfigParseJSON(&config, obj, "config", &error));
        g_assert_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID);
        g_assert_cmpstr(error->message, ==, cases[i].message);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sched/config/defaults", testConfigDefaults);
    g_test_add_func("/sched/config/load", testConfigLoad);
    g_test_add_func("/sched/config/load-errors", testConfigLoadErrors);
    g_test_add_func("/sched/config/validate", testConfigValidate);
    g_test_add_func("/sched/config/json", testConfigJSON);
    g_test_add_func("/sched/config/json-errors", testConfigJSONErrors);
    return g_test_run();
}
