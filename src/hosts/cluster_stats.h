/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

/*
 * Statistics of every domain and host, one sample per interval: rates
 * from the deltas of libvirt's counters. Plain data; the snapshot the
 * scheduler reads is built from it.
 */

#define SHOAL_STATS_SAMPLES 30 /* kept per domain and per host */

typedef struct _shoalStatsSample {
    double cpuCores;  /* cores used: cpu.time delta / interval */
    double vcpuBusy;  /* sum vcpu.N.time delta / (vCPUs × interval) */
    double vcpuDelay; /* sum vcpu.N.delay delta / (vCPUs × interval) */
    /* of the guest's memory in use, 1 - balloon.usable / balloon.available
     * at the end of the interval; 0 = not reported */
    double memoryUsed;
} shoalStatsSample;

/* A copy of what is known of one domain. */
typedef struct _shoalStatsDomain {
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *host;
    unsigned vcpus;
    unsigned maxVcpus;
    unsigned long long balloonKiB;
    bool memoryPressure;
    /* its virtio-mem device, from the live XML; all 0 if it has none */
    unsigned long long virtioMemMaxKiB;
    unsigned long long virtioMemBlockKiB;
    unsigned long long virtioMemRequestedKiB;
    unsigned long long virtioMemPluggedKiB;
    GArray *samples; /* shoalStatsSample, oldest first */
} shoalStatsDomain;

void shoalStatsDomainFree(shoalStatsDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStatsDomain, shoalStatsDomainFree)

typedef struct _shoalStats shoalStats;

shoalStats *shoalStatsNew(void);

void shoalStatsFree(shoalStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStats, shoalStatsFree)

bool shoalStatsCollect(shoalStats *stats,
                       virConnectPtr conn,
                       const char *hostName,
                       gint64 nowUs,
                       GError **error);

GPtrArray *shoalStatsListDomains(shoalStats *stats);

GArray *shoalStatsHostSamples(shoalStats *stats, const char *hostName);
