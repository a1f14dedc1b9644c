/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <json-c/json.h>

/* What the scheduler may do with a domain (cluster default or per domain). */
typedef enum {
    SHOAL_SCHED_MODE_OFF,       /* never touched */
    SHOAL_SCHED_MODE_ADVISE,    /* steps are planned and shown, not run */
    SHOAL_SCHED_MODE_AUTOMATIC, /* steps are planned and run */
    SHOAL_SCHED_MODE_LAST
} shoalSchedMode;

const char *shoalSchedModeToString(shoalSchedMode mode);
int shoalSchedModeFromString(const char *str);

/*
 * The scheduler's tunables. A plain value without pointers: copy it with
 * '=' or keep a shared, immutable one with shoalSchedConfigNew()/Ref().
 * The key names in the configuration file are given with each field;
 * shoalSchedConfigInit() documents the defaults.
 */
typedef struct _shoalSchedConfig {
    shoalSchedMode mode; /* mode: default for domains without their own */

    /* imbalance = weighted spread of host CPU and memory pressure */
    double cpuWeight;    /* cpu_weight */
    double memoryWeight; /* memory_weight */

    /* a host is overloaded above these pressures: CPU demand over cores,
     * committed memory over usable memory */
    double cpuThreshold;    /* cpu_threshold */
    double memoryThreshold; /* memory_threshold */
    /* CPU pressure must exceed the threshold in each of this many latest
     * intervals, so that a short spike moves nothing */
    unsigned holdIntervals; /* hold_intervals */
    /* a domain's CPU demand is the median of this many latest samples */
    unsigned windowIntervals; /* window_intervals */
    /* also plan moves that only even out the load, from hosts that are
     * not overloaded */
    bool balance; /* balance */

    /* every move must lower the imbalance score by at least minGain and
     * by at least costWeight * its predicted migration time */
    double minGain;                /* min_gain */
    double migrationBandwidthMiBs; /* migration_bandwidth_mibs */
    double costWeight;             /* cost_weight, score per second */
    gint64 cooldownMs; /* cooldown_seconds: a domain that moved or was
                          resized rests this long */
    /* tabu_seconds: a domain does not go back to the host it left
     * (lastHost) for this long after leaving it, so that it cannot
     * ping-pong between two hosts as the load around it changes */
    gint64 tabuMs;

    /* 0 = unlimited; in-flight migrations count against the per-host ones */
    unsigned maxMovesPerRound;  /* max_moves_per_round */
    unsigned maxPerSource;      /* max_per_source */
    unsigned maxPerDestination; /* max_per_destination */
    unsigned maxMovesPerHour;   /* max_moves_per_hour */

    /* hard limits, as in shoalSchedPlacementConfig */
    double memoryOvercommit; /* memory_overcommit */
    double vcpuRatio;        /* vcpu_ratio */

    /* vCPU hot-add: busy vCPUs that do not wait for a host CPU */
    double saturationBusy;        /* saturation_busy */
    unsigned saturationIntervals; /* saturation_intervals */
    double lowDelay;              /* low_delay */
    double highDelay;             /* high_delay */

    unsigned balloonStepMiB; /* balloon_step_mib */

    /* vertical scaling both ways (sched_elastic.c): a guest's memory is
     * under pressure when it uses more than memoryHigh of it (or says so)
     * in each of the latest memoryHoldIntervals samples, and idle when it
     * uses less than memoryLow in each of the latest idleIntervals; its
     * vCPUs are idle when less than vcpuIdleBusy busy in each of those */
    double memoryHigh;            /* memory_high */
    double memoryLow;             /* memory_low */
    unsigned memoryHoldIntervals; /* memory_hold_intervals */
    unsigned idleIntervals;       /* idle_intervals */
    double vcpuIdleBusy;          /* vcpu_idle_busy */
    unsigned virtioMemStepMiB;    /* virtio_mem_step_mib */
    /* resizes (vCPUs, virtio-mem, balloon) in the cluster per hour;
     * 0 = unlimited */
    unsigned maxResizesPerHour; /* max_resizes_per_hour */
    /* refused_hold_seconds: a domain whose guest did not carry out a
     * resize is not resized again for this long */
    gint64 refusedHoldMs;

    /* search_budget: candidate evaluations the search that improves on
     * the greedy plan may spend (fewer moves for the same balance); a
     * count, not a time, so that one snapshot always gives one plan;
     * 0 keeps the greedy plan */
    unsigned searchBudget;

    /* power-saving mode (sched_power.c): packs domains onto fewer hosts
     * and powers the emptied ones off; wakes one before the powered hosts'
     * average utilisation (peak CPU demand, committed memory) rises above
     * powerBandHigh, and empties one only while the others would still
     * average at most powerBandLow; a host whose power changed rests
     * powerHoldMs */
    bool powerSaving;     /* power_saving */
    double powerBandLow;  /* power_band_low */
    double powerBandHigh; /* power_band_high */
    gint64 powerHoldMs;   /* power_hold_seconds */
} shoalSchedConfig;

void shoalSchedConfigInit(shoalSchedConfig *config);
bool shoalSchedConfigValidate(const shoalSchedConfig *config, GError **error);

shoalSchedConfig *shoalSchedConfigNew(void);
shoalSchedConfig *shoalSchedConfigCopy(const shoalSchedConfig *config);
shoalSchedConfig *shoalSchedConfigRef(shoalSchedConfig *config);
void shoalSchedConfigUnref(shoalSchedConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedConfig, shoalSchedConfigUnref)

shoalSchedConfig *shoalSchedConfigLoad(GKeyFile *kf,
                                       const char *group,
                                       GError **error);

/* the "config" object of a recorded snapshot: the file's keys and units */
bool shoalSchedConfigParseJSON(shoalSchedConfig *config,
                               json_object *obj,
                               const char *path,
                               GError **error);
json_object *shoalSchedConfigFormatJSON(const shoalSchedConfig *config);
