/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_elastic.h"

#include <math.h>

#include <glib/gi18n.h>

/*
 * Vertical scaling both ways.
 *
 * Memory, for a domain with a virtio-mem device: up by virtioMemStepMiB
 * when the guest has used more than memoryHigh of its memory in each of
 * the latest memoryHoldIntervals samples (or, without memory samples,
 * reports pressure); down by the same step when it has used less than
 * memoryLow in each of the latest idleIntervals, but never so far that the
 * most it used in that time would fill more than the middle of the two
 * thresholds: a guest that shrank is not under pressure afterwards, so a
 * load that flaps cannot make its memory go up and down. Sizes are whole
 * device blocks within the device's size.
 *
 * vCPUs: one fewer when they were less than vcpuIdleBusy busy in each of
 * the latest idleIntervals, down to vcpuFloor, and only if the busiest
 * interval of that time would leave the remaining vCPUs under half of
 * saturationBusy, so that the next round cannot add it back.
 *
 * A guest that did not carry out a resize (virtio-mem requested but not
 * plugged, or resizeRefusedMs recorded) is left alone for refusedHoldMs.
 */

void
shoalSchedElasticChangeClear(shoalSchedElasticChange *change)
{
    g_clear_pointer(&change->reason, g_free);
}

/* Whether the guest ignored a recent resize: leave it alone for a while. */
bool
shoalSchedElasticRefused(const shoalSchedDomain *dom,
                         const shoalSchedConfig *config,
                         gint64 nowMs)
{
    return dom->resizeRefusedMs != 0 &&
           nowMs - dom->resizeRefusedMs < config->refusedHoldMs;
}

/* The highest memoryUsed of the latest @n samples, or -1 unless every one
 * of them is known. */
static double
elasticMemoryPeak(const shoalSchedDomain *dom, unsigned n, double *low)
{
    double peak = 0;
    size_t i;

    *low = INFINITY;
    if (n == 0 || dom->samples->len < n)
        return -1;
    for (i = dom->samples->len - n; i < dom->samples->len; i++) {
        double used =
            g_array_index(dom->samples, shoalSchedSample, i).memoryUsed;

        if (used <= 0)
            return -1;
        peak = MAX(peak, used);
        *low = MIN(*low, used);
    }
    return peak;
}

/* @kib rounded down to whole blocks of @block KiB. */
static unsigned long long
elasticBlocks(unsigned long long kib, unsigned long long block)
{
    return block > 0 ? kib / block * block : kib;
}

/* One virtio-mem step for @dom: virtioMemStepMiB in whole blocks, at
 * least one block. */
static unsigned long long
elasticStepKiB(const shoalSchedDomain *dom, const shoalSchedConfig *config)
{
    unsigned long long block = MAX(dom->virtioMemBlockKiB, 1);

    return MAX(elasticBlocks((unsigned long long) config->virtioMemStepMiB *
                                 1024,
                             block),
               block);
}

static bool
elasticMemoryUp(const shoalSchedDomain *dom,
                const shoalSchedConfig *config,
                double roomKiB,
                shoalSchedElasticChange *change,
                char **note)
{
    unsigned long long block = MAX(dom->virtioMemBlockKiB, 1);
    unsigned long long delta;
    double low;
    double peak = elasticMemoryPeak(dom, config->memoryHoldIntervals, &low);
    bool pressure = peak >= 0 ? low >= config->memoryHigh : dom->memoryPressure;

    if (!pressure || dom->virtioMemRequestedKiB >= dom->virtioMemMaxKiB)
        return false;
    delta = MIN(elasticStepKiB(dom, config),
                dom->virtioMemMaxKiB - dom->virtioMemRequestedKiB);
    if (roomKiB < (double) delta)
        delta = roomKiB > 0 ? elasticBlocks((unsigned long long) roomKiB, block)
                            : 0;
    if (delta == 0) {
        *note =
            g_strdup_printf(_("domain '%1$s' is under memory pressure, but its host has no memory to plug into its virtio-mem device"),
                            dom->name);
        return false;
    }
    change->action = SHOAL_SCHED_ACTION_SET_VIRTIO_MEM;
    change->value = dom->virtioMemRequestedKiB + delta;
    change->rule = "memory-pressure";
    if (peak >= 0)
        change->reason =
            g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                        "the guest used at least %1$.0f%% of its memory in each of the last %2$u interval",
                                        "the guest used at least %1$.0f%% of its memory in each of the last %2$u intervals",
                                        config->memoryHoldIntervals),
                            low * 100, config->memoryHoldIntervals);
    else
        change->reason = g_strdup(_("the guest reports memory pressure"));
    return true;
}

static bool
elasticMemoryDown(const shoalSchedDomain *dom,
                  const shoalSchedConfig *config,
                  shoalSchedElasticChange *change)
{
    unsigned long long block = MAX(dom->virtioMemBlockKiB, 1);
    double baseKiB = dom->memoryKiB > dom->virtioMemMaxKiB
                         ? (double) (dom->memoryKiB - dom->virtioMemMaxKiB)
                         : 0;
    double totalKiB = baseKiB + (double) dom->virtioMemRequestedKiB;
    double mid = (config->memoryLow + config->memoryHigh) / 2;
    double low;
    double peak = elasticMemoryPeak(dom, config->idleIntervals, &low);
    double spare;
    unsigned long long delta;

    if (peak < 0 || peak >= config->memoryLow ||
        dom->virtioMemRequestedKiB == 0)
        return false;
    /* keep what the busiest interval used under the middle band */
    spare = totalKiB - peak * totalKiB / mid;
    if (spare <= 0)
        return false;
    delta = MIN(elasticStepKiB(dom, config), dom->virtioMemRequestedKiB);
    delta = MIN(delta, elasticBlocks((unsigned long long) spare, block));
    if (delta == 0)
        return false;
    change->action = SHOAL_SCHED_ACTION_SET_VIRTIO_MEM;
    change->value = dom->virtioMemRequestedKiB - delta;
    change->rule = "memory-idle";
    change->reason =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                    "the guest used at most %1$.0f%% of its memory in each of the last %2$u interval",
                                    "the guest used at most %1$.0f%% of its memory in each of the last %2$u intervals",
                                    config->idleIntervals),
                        peak * 100, config->idleIntervals);
    return true;
}

/**
 * shoalSchedElasticMemory:
 * @dom: a running domain
 * @config: the policy
 * @roomKiB: the memory its host can still give
 * @change: (out caller-allocates): the step, when it returns true
 * @note: (out) (transfer full): set to a translated sentence when the
 *   domain needs memory its host cannot give; untouched otherwise
 *
 * Decides a virtio-mem change for @dom (see the top of this file).
 * Domains without a virtio-mem device get none (the balloon is theirs).
 *
 * Returns: whether @change holds a step.
 */
bool
shoalSchedElasticMemory(const shoalSchedDomain *dom,
                        const shoalSchedConfig *config,
                        double roomKiB,
                        shoalSchedElasticChange *change,
                        char **note)
{
    if (dom->virtioMemMaxKiB == 0)
        return false;
    if (dom->virtioMemPluggedKiB != dom->virtioMemRequestedKiB) {
        *note =
            g_strdup_printf(_("the guest of domain '%1$s' has plugged %2$llu MiB of the %3$llu MiB requested from its virtio-mem device; its memory is left alone"),
                            dom->name, dom->virtioMemPluggedKiB / 1024,
                            dom->virtioMemRequestedKiB / 1024);
        return false;
    }
    return elasticMemoryUp(dom, config, roomKiB, change, note) ||
           elasticMemoryDown(dom, config, change);
}

/**
 * shoalSchedElasticVcpuDown:
 * @dom: a running domain
 * @config: the policy
 * @change: (out caller-allocates): the step, when it returns true
 *
 * Decides whether @dom gives back one vCPU (see the top of this file).
 *
 * Returns: whether @change holds a step.
 */
bool
shoalSchedElasticVcpuDown(const shoalSchedDomain *dom,
                          const shoalSchedConfig *config,
                          shoalSchedElasticChange *change)
{
    unsigned n = config->idleIntervals;
    double peak = 0;
    size_t i;

    if (dom->vcpuFloor == 0 || dom->vcpus <= dom->vcpuFloor || dom->vcpus < 2 ||
        dom->samples->len < n)
        return false;
    for (i = dom->samples->len - n; i < dom->samples->len; i++)
        peak = MAX(peak,
                   g_array_index(dom->samples, shoalSchedSample, i).vcpuBusy);
    if (peak >= config->vcpuIdleBusy ||
        peak * dom->vcpus / (dom->vcpus - 1) >= config->saturationBusy / 2)
        return false;
    change->action = SHOAL_SCHED_ACTION_REMOVE_VCPU;
    change->value = dom->vcpus - 1;
    change->rule = "vcpu-idle";
    change->reason =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                    "its %1$u vCPUs were at most %2$.0f%% busy in each of the last %3$u interval",
                                    "its %1$u vCPUs were at most %2$.0f%% busy in each of the last %3$u intervals",
                                    n),
                        dom->vcpus, peak * 100, n);
    return true;
}
