/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sched_config.h"
#include "sched_snapshot.h"

const char *shoalSchedPlaceDomain(const shoalSchedSnapshot *snap,
                                  const shoalSchedConfig *config,
                                  const shoalSchedDomain *dom,
                                  const char *exclude,
                                  GError **error);
