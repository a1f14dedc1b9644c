/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The scheduler's public interface, the one header other layers include.
 * Everything here is pure policy: plain data in, plain data out (the one
 * exception, shoalSchedSnapshotLoad() and sched_cli.h, reads files for
 * the offline command line).
 */
#include "sched_cli.h"
#include "sched_config.h"
#include "sched_error.h"
#include "sched_ha.h"
#include "sched_numa.h"
#include "sched_objects.h"
#include "sched_place.h"
#include "sched_placement.h"
#include "sched_plan.h"
#include "sched_planner.h"
#include "sched_pressure.h"
#include "sched_simulate.h"
#include "sched_snapshot.h"
