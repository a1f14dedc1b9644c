/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cluster_domainneeds.h"
#include "cluster_store.h"
#include "sched.h"

/*
 * The placement metadata of each stored domain, parsed once per change of
 * its stored definition: each scheduler round needs it for every domain,
 * and parsing 16 000 definitions every round was most of an idle daemon's
 * work. Entries follow the store's record generations; a domain the
 * rounds stop asking for leaves at the next sweep. Self-locking: any
 * thread.
 */
typedef struct _shoalPlacementCache shoalPlacementCache;

shoalPlacementCache *shoalPlacementCacheNew(void);

void shoalPlacementCacheFree(shoalPlacementCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalPlacementCache, shoalPlacementCacheFree)

void shoalPlacementCacheFill(shoalPlacementCache *cache,
                             shoalStore *store,
                             const unsigned char *uuid,
                             shoalSchedDomain *dom,
                             shoalDomainNeeds **needs);

void shoalPlacementCacheSweep(shoalPlacementCache *cache);

guint64 shoalPlacementCacheGetParses(shoalPlacementCache *cache);
