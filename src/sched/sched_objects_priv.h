/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The snapshot format's side of sched_objects.h. */

#include "sched_json.h"
#include "sched_objects.h"

bool shoalSchedObjectsParseJSON(json_object *obj,
                                const char *path,
                                const char *key,
                                shoalSchedObjects *objs,
                                GError **error);
void shoalSchedObjectsFormatJSON(json_object *obj,
                                 const char *key,
                                 const shoalSchedObjects *objs);
