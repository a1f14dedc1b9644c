/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_config.h"
#include "sched_plan.h"
#include "sched_snapshot.h"

/*
 * Vertical scaling both ways, for one domain: pure decisions the planner
 * turns into in-place steps (it adds the host's side: room, vCPU limits,
 * the hourly budget, the cool-down).
 */
typedef struct _shoalSchedElasticChange {
    shoalSchedAction action;  /* SET_VIRTIO_MEM or REMOVE_VCPU */
    unsigned long long value; /* requested KiB, or the new vCPU count */
    const char *rule;         /* static: memory-pressure, memory-idle,
                                 vcpu-idle */
    char *reason;             /* owned: one translated sentence */
} shoalSchedElasticChange;

void shoalSchedElasticChangeClear(shoalSchedElasticChange *change);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(shoalSchedElasticChange,
                                 shoalSchedElasticChangeClear)

bool shoalSchedElasticRefused(const shoalSchedDomain *dom,
                              const shoalSchedConfig *config,
                              gint64 nowMs);
bool shoalSchedElasticMemory(const shoalSchedDomain *dom,
                             const shoalSchedConfig *config,
                             double roomKiB,
                             shoalSchedElasticChange *change,
                             char **note);
bool shoalSchedElasticVcpuDown(const shoalSchedDomain *dom,
                               const shoalSchedConfig *config,
                               shoalSchedElasticChange *change);
