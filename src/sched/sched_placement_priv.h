/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#ifndef SHOAL_SCHED_PLACEMENT_PRIV_H_ALLOW
#error \
    "sched_placement_priv.h may only be included by sched_placement.c or sched_place.c"
#endif

#include <stdbool.h>

#include <glib.h>

/*
 * The checks and sentences that shoalSchedPlace() and
 * shoalSchedPlaceDomain() share, so that both give the same reasons and
 * the same error in the same words. @reasons holds whole sentences
 * (g_free'd strings).
 */

unsigned long long shoalSchedPlacementMiBCeil(unsigned long long kib);

void shoalSchedPlacementAddReason(GPtrArray *reasons, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

bool shoalSchedPlacementCheckHost(const char *name,
                                  const char *exclude,
                                  bool online,
                                  bool maintenance,
                                  GPtrArray *reasons);

void shoalSchedPlacementAddMemoryReason(GPtrArray *reasons,
                                        const char *name,
                                        unsigned long long afterKiB,
                                        unsigned long long allowedKiB);

void shoalSchedPlacementAddVcpuReason(GPtrArray *reasons,
                                      const char *name,
                                      unsigned long long after,
                                      unsigned long long allowed);

bool shoalSchedPlacementValidateSize(unsigned long long memoryKiB,
                                     unsigned vcpus,
                                     GError **error);

void shoalSchedPlacementSetNoHostError(GError **error,
                                       GPtrArray *reasons,
                                       unsigned long long memoryMiB,
                                       unsigned vcpus);
