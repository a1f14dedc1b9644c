/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_json.h"

static const char *const configModeNames[] = {
    "off",
    "advise",
    "automatic",
};
G_STATIC_ASSERT(G_N_ELEMENTS(configModeNames) == SHOAL_SCHED_MODE_LAST);

const char *
shoalSchedModeToString(shoalSchedMode mode)
{
    if ((unsigned) mode >= SHOAL_SCHED_MODE_LAST)
        return NULL;
    return configModeNames[mode];
}

/* Returns: the mode, or -1 if @str names none. */
int
shoalSchedModeFromString(const char *str)
{
    size_t i;

    for (i = 0; str && i < G_N_ELEMENTS(configModeNames); i++) {
        if (g_str_equal(configModeNames[i], str))
            return (int) i;
    }
    return -1;
}

typedef enum {
    CONFIG_DOUBLE,
    CONFIG_UNSIGNED,
    CONFIG_BOOL,
    CONFIG_MODE,
    CONFIG_SECONDS, /* seconds (a number) in the file, gint64 ms in memory */
} configType;

typedef struct {
    const char *key;
    configType type;
    size_t offset;
    double min;
    double max;   /* INFINITY: no upper bound */
    bool minOpen; /* the value must be greater than min */
} configKey;

#define CONFIG_FIELD(f) G_STRUCT_OFFSET(shoalSchedConfig, f)

/* Every tunable, in the order files and snapshots list them. */
static const configKey configKeys[] = {
    { "mode", CONFIG_MODE, CONFIG_FIELD(mode), 0, 0, false },
    { "cpu_weight", CONFIG_DOUBLE, CONFIG_FIELD(cpuWeight), 0, INFINITY,
      false },
    { "memory_weight", CONFIG_DOUBLE, CONFIG_FIELD(memoryWeight), 0, INFINITY,
      false },
    { "cpu_threshold", CONFIG_DOUBLE, CONFIG_FIELD(cpuThreshold), 0, INFINITY,
      true },
    { "memory_threshold", CONFIG_DOUBLE, CONFIG_FIELD(memoryThreshold), 0,
      INFINITY, true },
    { "hold_intervals", CONFIG_UNSIGNED, CONFIG_FIELD(holdIntervals), 1, 1000,
      false },
    { "window_intervals", CONFIG_UNSIGNED, CONFIG_FIELD(windowIntervals), 1,
      1000, false },
    { "balance", CONFIG_BOOL, CONFIG_FIELD(balance), 0, 0, false },
    { "min_gain", CONFIG_DOUBLE, CONFIG_FIELD(minGain), 0, INFINITY, false },
    { "migration_bandwidth_mibs", CONFIG_DOUBLE,
      CONFIG_FIELD(migrationBandwidthMiBs), 0, INFINITY, true },
    { "cost_weight", CONFIG_DOUBLE, CONFIG_FIELD(costWeight), 0, INFINITY,
      false },
    { "cooldown_seconds", CONFIG_SECONDS, CONFIG_FIELD(cooldownMs), 0, 1e9,
      false },
    { "tabu_seconds", CONFIG_SECONDS, CONFIG_FIELD(tabuMs), 0, 1e9, false },
    { "max_moves_per_round", CONFIG_UNSIGNED, CONFIG_FIELD(maxMovesPerRound), 0,
      1000000, false },
    { "max_per_source", CONFIG_UNSIGNED, CONFIG_FIELD(maxPerSource), 0, 1000000,
      false },
    { "max_per_destination", CONFIG_UNSIGNED, CONFIG_FIELD(maxPerDestination),
      0, 1000000, false },
    { "max_moves_per_hour", CONFIG_UNSIGNED, CONFIG_FIELD(maxMovesPerHour), 0,
      1000000, false },
    { "memory_overcommit", CONFIG_DOUBLE, CONFIG_FIELD(memoryOvercommit), 0,
      1000, true },
    { "vcpu_ratio", CONFIG_DOUBLE, CONFIG_FIELD(vcpuRatio), 0, 1000, true },
    { "saturation_busy", CONFIG_DOUBLE, CONFIG_FIELD(saturationBusy), 0, 1,
      true },
    { "saturation_intervals", CONFIG_UNSIGNED,
      CONFIG_FIELD(saturationIntervals), 1, 1000, false },
    { "low_delay", CONFIG_DOUBLE, CONFIG_FIELD(lowDelay), 0, 1, false },
    { "high_delay", CONFIG_DOUBLE, CONFIG_FIELD(highDelay), 0, 1, false },
    { "balloon_step_mib", CONFIG_UNSIGNED, CONFIG_FIELD(balloonStepMiB), 1,
      1048576, false },
    { "search_budget", CONFIG_UNSIGNED, CONFIG_FIELD(searchBudget), 0,
      1000000000, false },
    { "memory_high", CONFIG_DOUBLE, CONFIG_FIELD(memoryHigh), 0, 1, true },
    { "memory_low", CONFIG_DOUBLE, CONFIG_FIELD(memoryLow), 0, 1, false },
    { "memory_hold_intervals", CONFIG_UNSIGNED,
      CONFIG_FIELD(memoryHoldIntervals), 1, 1000, false },
    { "idle_intervals", CONFIG_UNSIGNED, CONFIG_FIELD(idleIntervals), 1, 100000,
      false },
    { "vcpu_idle_busy", CONFIG_DOUBLE, CONFIG_FIELD(vcpuIdleBusy), 0, 1,
      false },
    { "virtio_mem_step_mib", CONFIG_UNSIGNED, CONFIG_FIELD(virtioMemStepMiB), 1,
      1048576, false },
    { "max_resizes_per_hour", CONFIG_UNSIGNED, CONFIG_FIELD(maxResizesPerHour),
      0, 1000000, false },
    { "refused_hold_seconds", CONFIG_SECONDS, CONFIG_FIELD(refusedHoldMs), 0,
      1e9, false },
    { "power_saving", CONFIG_BOOL, CONFIG_FIELD(powerSaving), 0, 0, false },
    { "power_band_low", CONFIG_DOUBLE, CONFIG_FIELD(powerBandLow), 0, 1,
      false },
    { "power_band_high", CONFIG_DOUBLE, CONFIG_FIELD(powerBandHigh), 0, 1,
      true },
    { "power_hold_seconds", CONFIG_SECONDS, CONFIG_FIELD(powerHoldMs), 0, 1e9,
      false },
};

/**
 * shoalSchedConfigInit:
 * @config: the configuration to fill in
 *
 * The defaults: mode advise; CPU and memory weigh the same (1.0); a host
 * is overloaded above CPU pressure 0.8 held for 3 intervals or above 90 %
 * of its usable memory committed; CPU demand is the median of 5 samples;
 * balancing moves on; a move must gain at least 0.005 and 0.001 per
 * second of migration at 500 MiB/s; a domain rests 10 minutes after a
 * change and does not return to the host it left for an hour; at most 8
 * moves a round, 2 per source and per destination and
 * 60 an hour; no memory overcommit and 4 vCPUs per core; hot-add when the
 * vCPUs are 90 % busy for 3 intervals while waiting at most 5 % for a host
 * CPU (20 % or more means the host is the problem); balloon steps of
 * 512 MiB; 2 000 000 evaluations for the search after the greedy plan
 * (a few tens of milliseconds). Vertical scaling: memory under pressure
 * above 85 % used for 3 intervals, idle below 40 % for 30 intervals,
 * vCPUs idle below 10 % busy for those 30; virtio-mem steps of 256 MiB;
 * 20 resizes an hour; a resize the guest did not carry out is not tried
 * again for an hour. Power-saving mode off; when on, the powered hosts
 * average between 60 % and 80 % utilisation and a host rests 15 minutes
 * after its power changed.
 */
void
shoalSchedConfigInit(shoalSchedConfig *config)
{
    memset(config, 0, sizeof(*config));
    config->mode = SHOAL_SCHED_MODE_ADVISE;
    config->cpuWeight = 1.0;
    config->memoryWeight = 1.0;
    config->cpuThreshold = 0.8;
    config->memoryThreshold = 0.9;
    config->holdIntervals = 3;
    config->windowIntervals = 5;
    config->balance = true;
    config->minGain = 0.005;
    config->migrationBandwidthMiBs = 500;
    config->costWeight = 0.001;
    config->cooldownMs = 10 * 60 * 1000;
    config->tabuMs = 60 * 60 * 1000;
    config->maxMovesPerRound = 8;
    config->maxPerSource = 2;
    config->maxPerDestination = 2;
    config->maxMovesPerHour = 60;
    config->memoryOvercommit = 1.0;
    config->vcpuRatio = 4.0;
    config->saturationBusy = 0.9;
    config->saturationIntervals = 3;
    config->lowDelay = 0.05;
    config->highDelay = 0.2;
    config->balloonStepMiB = 512;
    config->searchBudget = 20000000;
    config->memoryHigh = 0.85;
    config->memoryLow = 0.4;
    config->memoryHoldIntervals = 3;
    config->idleIntervals = 30;
    config->vcpuIdleBusy = 0.1;
    config->virtioMemStepMiB = 256;
    config->maxResizesPerHour = 20;
    config->refusedHoldMs = 60 * 60 * 1000;
    config->powerSaving = false;
    config->powerBandLow = 0.6;
    config->powerBandHigh = 0.8;
    config->powerHoldMs = 15 * 60 * 1000;
}

/* Returns: a new reference to a configuration with the defaults. */
shoalSchedConfig *
shoalSchedConfigNew(void)
{
    shoalSchedConfig *config = g_atomic_rc_box_new0(shoalSchedConfig);

    shoalSchedConfigInit(config);
    return config;
}

/* Returns: a new reference to a copy of @config (which may live anywhere). */
shoalSchedConfig *
shoalSchedConfigCopy(const shoalSchedConfig *config)
{
    shoalSchedConfig *copy = g_atomic_rc_box_new0(shoalSchedConfig);

    *copy = *config;
    return copy;
}

shoalSchedConfig *
shoalSchedConfigRef(shoalSchedConfig *config)
{
    return g_atomic_rc_box_acquire(config);
}

void
shoalSchedConfigUnref(shoalSchedConfig *config)
{
    if (config)
        g_atomic_rc_box_release(config);
}

/* Sets @error to what @k allows, quoting the rejected @text. */
static void
configInvalid(const configKey *k, const char *text, GError **error)
{
    switch (k->type) {
    case CONFIG_BOOL:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be true or false, not '%2$s'"), k->key,
                    text);
        break;
    case CONFIG_MODE:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be off, advise or automatic, not '%2$s'"),
                    k->key, text);
        break;
    case CONFIG_UNSIGNED:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an integer from %2$u to %3$u, not '%4$s'"),
                    k->key, (unsigned) k->min, (unsigned) k->max, text);
        break;
    case CONFIG_DOUBLE:
    case CONFIG_SECONDS:
    default:
        if (isinf(k->max) && k->minOpen) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be a number greater than %2$g, not '%3$s'"),
                        k->key, k->min, text);
        } else if (isinf(k->max)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be a number of at least %2$g, not '%3$s'"),
                        k->key, k->min, text);
        } else if (k->minOpen) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be a number greater than %2$g and at most %3$g, not '%4$s'"),
                        k->key, k->min, k->max, text);
        } else {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be a number from %2$g to %3$g, not '%4$s'"),
                        k->key, k->min, k->max, text);
        }
        break;
    }
}

static bool
configDoubleOk(const configKey *k, double value)
{
    return isfinite(value) && (k->minOpen ? value > k->min : value >= k->min) &&
           value <= k->max;
}

/* Stores a number of a CONFIG_DOUBLE, _SECONDS or _UNSIGNED key. */
static bool
configStoreNumber(shoalSchedConfig *config,
                  const configKey *k,
                  double value,
                  const char *text,
                  GError **error)
{
    guint8 *field = (guint8 *) config + k->offset;

    if (!configDoubleOk(k, value) ||
        (k->type == CONFIG_UNSIGNED && value != floor(value))) {
        configInvalid(k, text, error);
        return false;
    }
    if (k->type == CONFIG_DOUBLE)
        *(double *) field = value;
    else if (k->type == CONFIG_SECONDS)
        *(gint64 *) field = (gint64) llround(value * 1000);
    else
        *(unsigned *) field = (unsigned) value;
    return true;
}

/* Parses @text as the value of @k and stores it in @config. */
static bool
configSetText(shoalSchedConfig *config,
              const configKey *k,
              const char *text,
              GError **error)
{
    guint8 *field = (guint8 *) config + k->offset;
    char *end = NULL;
    guint64 u = 0;
    double d;
    int mode;

    switch (k->type) {
    case CONFIG_DOUBLE:
    case CONFIG_SECONDS:
        d = g_ascii_strtod(text, &end);
        if (end == text || *end != '\0')
            d = NAN;
        return configStoreNumber(config, k, d, text, error);
    case CONFIG_UNSIGNED:
        if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT, &u, NULL)) {
            configInvalid(k, text, error);
            return false;
        }
        return configStoreNumber(config, k, (double) u, text, error);
    case CONFIG_BOOL:
        if (g_str_equal(text, "true") || g_str_equal(text, "1")) {
            *(bool *) field = true;
        } else if (g_str_equal(text, "false") || g_str_equal(text, "0")) {
            *(bool *) field = false;
        } else {
            configInvalid(k, text, error);
            return false;
        }
        return true;
    case CONFIG_MODE:
        mode = shoalSchedModeFromString(text);
        if (mode < 0) {
            configInvalid(k, text, error);
            return false;
        }
        *(shoalSchedMode *) field = mode;
        return true;
    }
    g_return_val_if_reached(false);
}

/* The checks that involve two keys. */
static bool
configCheckTogether(const shoalSchedConfig *config, GError **error)
{
    if (config->cpuWeight + config->memoryWeight <= 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("'cpu_weight' and 'memory_weight' must not both be zero"));
        return false;
    }
    if (config->lowDelay > config->highDelay) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'low_delay' (%1$g) must not be greater than 'high_delay' (%2$g)"),
                    config->lowDelay, config->highDelay);
        return false;
    }
    /* a gap between the two keeps a guest's memory from flapping */
    if (config->memoryLow >= config->memoryHigh) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'memory_low' (%1$g) must be less than 'memory_high' (%2$g)"),
                    config->memoryLow, config->memoryHigh);
        return false;
    }
    /* the gap is the hysteresis of power-saving mode */
    if (config->powerBandLow >= config->powerBandHigh) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'power_band_low' (%1$g) must be less than 'power_band_high' (%2$g)"),
                    config->powerBandLow, config->powerBandHigh);
        return false;
    }
    return true;
}

/**
 * shoalSchedConfigValidate:
 * @config: a configuration
 * @error: return location for an error
 *
 * Checks every field against the range its key allows, and the fields
 * that depend on each other, with the messages shoalSchedConfigLoad()
 * gives. Fails with SHOAL_SCHED_ERROR_INVALID.
 */
bool
shoalSchedConfigValidate(const shoalSchedConfig *config, GError **error)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(configKeys); i++) {
        const configKey *k = &configKeys[i];
        const guint8 *field = (const guint8 *) config + k->offset;
        char text[G_ASCII_DTOSTR_BUF_SIZE];
        double value = 0;

        switch (k->type) {
        case CONFIG_DOUBLE:
            value = *(const double *) field;
            g_ascii_dtostr(text, sizeof(text), value);
            break;
        case CONFIG_SECONDS:
            value = *(const gint64 *) field / 1000.0;
            g_ascii_dtostr(text, sizeof(text), value);
            break;
        case CONFIG_UNSIGNED:
            value = *(const unsigned *) field;
            g_snprintf(text, sizeof(text), "%u", *(const unsigned *) field);
            break;
        case CONFIG_MODE:
            if (!shoalSchedModeToString(*(const shoalSchedMode *) field)) {
                g_snprintf(text, sizeof(text), "%d",
                           (int) *(const shoalSchedMode *) field);
                configInvalid(k, text, error);
                return false;
            }
            continue;
        case CONFIG_BOOL:
        default:
            continue;
        }
        if (!configDoubleOk(k, value)) {
            configInvalid(k, text, error);
            return false;
        }
    }
    return configCheckTogether(config, error);
}

/**
 * shoalSchedConfigLoad:
 * @kf: a key file
 * @group: the group holding the scheduler's keys, e.g. "scheduler"
 * @error: return location for an error
 *
 * Reads the keys named in shoalSchedConfig from @group over the defaults.
 * A missing group or key keeps the default; keys the scheduler does not
 * know are left for others (the group may hold the daemon's own).
 * Numbers use a '.' whatever the locale; cooldown_seconds may have a
 * fraction; booleans are true/false (or 1/0).
 *
 * Returns: a new reference, or NULL with SHOAL_SCHED_ERROR_INVALID set:
 * the message names the key, the value and what it must be.
 */
shoalSchedConfig *
shoalSchedConfigLoad(GKeyFile *kf, const char *group, GError **error)
{
    g_autoptr(shoalSchedConfig) config = shoalSchedConfigNew();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(configKeys); i++) {
        g_autofree char *text = NULL;

        if (!g_key_file_has_key(kf, group, configKeys[i].key, NULL))
            continue;
        text = g_key_file_get_string(kf, group, configKeys[i].key, NULL);
        if (!text)
            text = g_key_file_get_value(kf, group, configKeys[i].key, NULL);
        g_strstrip(text);
        if (!configSetText(config, &configKeys[i], text, error)) {
            g_prefix_error(error,
                           _("invalid scheduler configuration in [%1$s]: "),
                           group);
            return NULL;
        }
    }
    if (!configCheckTogether(config, error)) {
        g_prefix_error(error, _("invalid scheduler configuration in [%1$s]: "),
                       group);
        return NULL;
    }
    return g_steal_pointer(&config);
}

/* Stores the JSON value @val of @k in @config. */
static bool
configSetJSON(shoalSchedConfig *config,
              const configKey *k,
              json_object *val,
              GError **error)
{
    const char *text =
        json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
    bool number = json_object_is_type(val, json_type_int) ||
                  json_object_is_type(val, json_type_double);

    switch (k->type) {
    case CONFIG_MODE:
        if (!json_object_is_type(val, json_type_string))
            break;
        return configSetText(config, k, json_object_get_string(val), error);
    case CONFIG_BOOL:
        if (!json_object_is_type(val, json_type_boolean))
            break;
        *(bool *) ((guint8 *) config + k->offset) =
            json_object_get_boolean(val);
        return true;
    case CONFIG_UNSIGNED:
        if (!json_object_is_type(val, json_type_int) ||
            json_object_get_int64(val) < 0 ||
            json_object_get_int64(val) > (gint64) k->max)
            break;
        return configStoreNumber(config, k, (double) json_object_get_int64(val),
                                 text, error);
    case CONFIG_DOUBLE:
    case CONFIG_SECONDS:
    default:
        if (!number)
            break;
        return configStoreNumber(config, k, json_object_get_double(val), text,
                                 error);
    }
    configInvalid(k, text, error);
    return false;
}

static bool
configParseJSONKeys(shoalSchedConfig *config, json_object *obj, GError **error)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(configKeys); i++) {
        json_object *val = NULL;

        if (!json_object_object_get_ex(obj, configKeys[i].key, &val))
            continue;
        if (!configSetJSON(config, &configKeys[i], val, error))
            return false;
    }
    return configCheckTogether(config, error);
}

/**
 * shoalSchedConfigParseJSON:
 * @config: the configuration to change
 * @obj: a JSON object with the keys of the configuration file
 * @path: where @obj is, for messages
 * @error: return location for an error
 *
 * Keys missing from @obj keep their value in @config; an unknown key is
 * an error (a recorded snapshot is ours, so a typo is a bug). Numbers are
 * JSON numbers, mode a string, balance a boolean. On failure @config may
 * be partly changed.
 */
bool
shoalSchedConfigParseJSON(shoalSchedConfig *config,
                          json_object *obj,
                          const char *path,
                          GError **error)
{
    g_autoptr(GPtrArray) known = g_ptr_array_new();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(configKeys); i++)
        g_ptr_array_add(known, (gpointer) configKeys[i].key);
    g_ptr_array_add(known, NULL);
    if (!shoalSchedJsonCheckKeys(obj, path, (const char *const *) known->pdata,
                                 error))
        return false;
    if (!configParseJSONKeys(config, obj, error)) {
        g_prefix_error(error, _("invalid scheduler configuration in '%1$s': "),
                       path);
        return false;
    }
    return true;
}

/* Returns: a new reference: every key, in the order of the file. */
json_object *
shoalSchedConfigFormatJSON(const shoalSchedConfig *config)
{
    json_object *obj = json_object_new_object();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(configKeys); i++) {
        const configKey *k = &configKeys[i];
        const guint8 *field = (const guint8 *) config + k->offset;
        json_object *val = NULL;

        switch (k->type) {
        case CONFIG_DOUBLE:
            val = shoalSchedJsonNewDouble(*(const double *) field);
            break;
        case CONFIG_SECONDS:
            val = shoalSchedJsonNewDouble(*(const gint64 *) field / 1000.0);
            break;
        case CONFIG_UNSIGNED:
            val = json_object_new_int64(*(const unsigned *) field);
            break;
        case CONFIG_BOOL:
            val = json_object_new_boolean(*(const bool *) field);
            break;
        case CONFIG_MODE:
            val = json_object_new_string(
                shoalSchedModeToString(*(const shoalSchedMode *) field));
            break;
        }
        json_object_object_add(obj, k->key, val);
    }
    return obj;
}
