/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_config.h"
#include "sched_pressure.h"

typedef enum {
    SHOAL_SCHED_ACTION_MIGRATE,     /* live-migrate domain from -> to */
    SHOAL_SCHED_ACTION_ADD_VCPU,    /* set its vCPUs to value (one more) */
    SHOAL_SCHED_ACTION_SET_BALLOON, /* set its balloon to value KiB */
    /* request value KiB of its virtio-mem device (up or down) */
    SHOAL_SCHED_ACTION_SET_VIRTIO_MEM,
    SHOAL_SCHED_ACTION_REMOVE_VCPU, /* set its vCPUs to value (one fewer) */
    /* power-saving mode: put an emptied host in standby, or wake one;
     * these name no domain (domain NULL), the host is in from */
    SHOAL_SCHED_ACTION_POWER_OFF,
    SHOAL_SCHED_ACTION_POWER_ON,
    SHOAL_SCHED_ACTION_LAST
} shoalSchedAction;

const char *shoalSchedActionToString(shoalSchedAction action);
int shoalSchedActionFromString(const char *str);

/*
 * What the executor re-checks against live inventory just before a step;
 * if one no longer holds, it drops the step.
 */
typedef enum {
    SHOAL_SCHED_CHECK_DOMAIN_ON_HOST, /* domain runs on host */
    SHOAL_SCHED_CHECK_DOMAIN_RUNNING, /* domain is running */
    SHOAL_SCHED_CHECK_DOMAIN_IDLE,    /* domain has no job (migration) */
    SHOAL_SCHED_CHECK_HOST_AVAILABLE, /* host online, not in maintenance */
    SHOAL_SCHED_CHECK_DOMAIN_VCPUS,   /* domain has exactly value vCPUs */
    SHOAL_SCHED_CHECK_BALLOON_BELOW,  /* domain's balloon < value KiB */
    /* domain's virtio-mem device has value KiB requested and plugged */
    SHOAL_SCHED_CHECK_VIRTIO_MEM_SIZE,
    /* no domain is on host (the caller counts them: the simulator does;
     * shoalSchedPreconditionCheck() alone cannot, and fails it) */
    SHOAL_SCHED_CHECK_HOST_EMPTY,
    SHOAL_SCHED_CHECK_HOST_STANDBY, /* host is in standby */
    SHOAL_SCHED_CHECK_LAST
} shoalSchedCheck;

const char *shoalSchedCheckToString(shoalSchedCheck check);
int shoalSchedCheckFromString(const char *str);

typedef struct _shoalSchedPrecondition {
    shoalSchedCheck check;
    char *domain;             /* NULL for host checks */
    char *host;               /* NULL for domain-only checks */
    unsigned long long value; /* DOMAIN_VCPUS, BALLOON_BELOW, VIRTIO_MEM_SIZE */
} shoalSchedPrecondition;

void shoalSchedPreconditionFree(shoalSchedPrecondition *pre);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedPrecondition,
                              shoalSchedPreconditionFree)

typedef struct _shoalSchedStep {
    shoalSchedAction action;
    char *domain; /* NULL for power-off and power-on */
    char *uuid;   /* may be NULL */
    char *from;   /* migrate: the source; power steps: the host; others: the
                   host it runs on */
    char *to;     /* migrate: the destination; others: NULL */
    /* add-vcpu, remove-vcpu: the new vCPU count; set-balloon: the new
     * balloon in KiB; set-virtio-mem: the new requested size in KiB;
     * migrate: 0 */
    unsigned long long value;
    shoalSchedMode mode; /* advise or automatic: the domain's or the default */
    char *rule;          /* machine id: cpu-pressure, memory-pressure,
                            cpu-contention, balance, vcpu-saturation, balloon,
                            memory-pressure, memory-idle, vcpu-idle */
    char *reason;        /* one translated sentence */
    /* host pressures before and after the step; to* only for migrate */
    shoalSchedPressure fromBefore;
    shoalSchedPressure fromAfter;
    shoalSchedPressure toBefore;
    shoalSchedPressure toAfter;
    double imbalanceBefore; /* the cluster's, shoalSchedPressureSpreadImbalance */
    double imbalanceAfter;
    double gain;                  /* migrate: how much the score fell */
    double cost;                  /* migrate: costWeight * predictedSeconds */
    double predictedSeconds;      /* migrate: memoryKiB / bandwidth */
    unsigned long long memoryKiB; /* the domain's */
    /* migrate: the destination's NUMA cells for it, a nodeset ("1",
     * "0-1"); NULL = no NUMA decision */
    char *cells;
    GPtrArray *preconditions; /* of shoalSchedPrecondition */
} shoalSchedStep;

shoalSchedStep *shoalSchedStepNew(shoalSchedAction action, const char *domain);
shoalSchedStep *shoalSchedStepCopy(const shoalSchedStep *step);
void shoalSchedStepFree(shoalSchedStep *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedStep, shoalSchedStepFree)
void shoalSchedStepAddPrecondition(shoalSchedStep *step,
                                   shoalSchedCheck check,
                                   const char *domain,
                                   const char *host,
                                   unsigned long long value);

/*
 * A plan: ordered steps, each with its reason and preconditions, and
 * notes on what it could not do. Ref-counted; immutable once the planner
 * returns it.
 */
typedef struct _shoalSchedPlan {
    gint64 nowMs;     /* of the snapshot it was computed from */
    GPtrArray *steps; /* of shoalSchedStep, in execution order */
    GPtrArray *notes; /* of char *: translated sentences */
    double imbalanceBefore;
    double imbalanceAfter;
    unsigned moves;      /* migrate steps */
    unsigned vcpusAdded; /* add-vcpu steps */
    unsigned balloons;   /* set-balloon steps */
    unsigned resizes;    /* set-virtio-mem and remove-vcpu steps */
    unsigned powerOffs;  /* power-off steps */
    unsigned powerOns;   /* power-on steps */
    unsigned long long memoryMovedKiB;
    double predictedSeconds; /* of all migrations, one after another */
} shoalSchedPlan;

shoalSchedPlan *shoalSchedPlanNew(gint64 nowMs);
shoalSchedPlan *shoalSchedPlanRef(shoalSchedPlan *plan);
void shoalSchedPlanUnref(shoalSchedPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedPlan, shoalSchedPlanUnref)
void shoalSchedPlanAppendStep(shoalSchedPlan *plan, shoalSchedStep *step);
void shoalSchedPlanAppendNote(shoalSchedPlan *plan, char *note);

char *shoalSchedPlanFormatJSON(const shoalSchedPlan *plan);
shoalSchedPlan *shoalSchedPlanParseJSON(const char *json, GError **error);
char *shoalSchedPlanFormatText(const shoalSchedPlan *plan);
