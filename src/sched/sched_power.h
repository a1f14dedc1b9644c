/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sched_config.h"
#include "sched_plan.h"
#include "sched_snapshot.h"

void shoalSchedPowerPlan(const shoalSchedSnapshot *snap,
                         const shoalSchedConfig *config,
                         shoalSchedPlan *plan);
