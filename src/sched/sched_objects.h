/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Cluster objects a domain needs on its host, and those a host has
 * active: placement, the planner, maintenance and HA restart send a
 * domain only to a host that has all it needs.
 */
typedef enum {
    SHOAL_SCHED_OBJECT_POOL,
    /* "pool/volume": a volume of a pool local to each host, which pins
     * its domains to the host that holds it */
    SHOAL_SCHED_OBJECT_VOLUME,
    SHOAL_SCHED_OBJECT_NETWORK,
    SHOAL_SCHED_OBJECT_SECRET, /* by UUID string */
    SHOAL_SCHED_OBJECT_LAST
} shoalSchedObjectKind;

const char *shoalSchedObjectKindToString(shoalSchedObjectKind kind);

/* Names per kind; a NULL list is empty. */
typedef struct _shoalSchedObjects {
    GStrv names[SHOAL_SCHED_OBJECT_LAST];
} shoalSchedObjects;

void shoalSchedObjectsClear(shoalSchedObjects *objs);
void shoalSchedObjectsCopy(shoalSchedObjects *dst,
                           const shoalSchedObjects *src);
bool shoalSchedObjectsIsEmpty(const shoalSchedObjects *objs);
void shoalSchedObjectsSet(shoalSchedObjects *objs,
                          shoalSchedObjectKind kind,
                          const char *const *names);

bool shoalSchedObjectsFindMissing(const shoalSchedObjects *have,
                                  const shoalSchedObjects *need,
                                  shoalSchedObjectKind *kind,
                                  const char **name);
char *shoalSchedObjectsMissingReason(const char *host,
                                     shoalSchedObjectKind kind,
                                     const char *name);
char *shoalSchedObjectsNoOtherReason(shoalSchedObjectKind kind,
                                     const char *name);
