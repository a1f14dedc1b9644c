/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The scheduler's public interface, the one header other layers include.
 * Everything here is pure policy: plain data in, plain data out.
 */
#include "sched_error.h"
#include "sched_placement.h"
