/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* What placement needs to know about one member host. */
typedef struct _shoalSchedHost {
    const char *name; /* borrowed; unique among the hosts of one call */
    bool online;
    bool maintenance;
    unsigned long long memoryKiB; /* physical memory */
    unsigned cpus;                /* physical CPUs */
    /* sum of the maximum memory of the domains placed there, running or
     * only defined: a defined domain may start at any time */
    unsigned long long committedMemoryKiB;
    unsigned committedVcpus; /* sum of their vCPUs */
} shoalSchedHost;

typedef struct _shoalSchedPlacementConfig {
    double memoryOvercommit; /* committed/usable memory allowed, default 1.0 */
    double vcpuRatio;        /* vCPUs per physical CPU allowed, default 4.0 */
    /* kept free on each host for the host itself, default 0 */
    unsigned long long reservedMemoryKiB;
} shoalSchedPlacementConfig;

void shoalSchedPlacementConfigInit(shoalSchedPlacementConfig *config);

/* The domain to place. */
typedef struct _shoalSchedRequest {
    unsigned long long memoryKiB; /* its maximum memory */
    unsigned vcpus;
    const char *exclude; /* borrowed; host to avoid (e.g. the migration
                            source), or NULL */
} shoalSchedRequest;

int shoalSchedPlace(const shoalSchedHost *hosts,
                    size_t nhosts,
                    const shoalSchedRequest *req,
                    const shoalSchedPlacementConfig *config,
                    GError **error);
