/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_pressure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int
pressureCompareDouble(const void *a, const void *b)
{
    double x = *(const double *) a;
    double y = *(const double *) b;

    return (x > y) - (x < y);
}

/**
 * shoalSchedPressureDomainDemand:
 * @dom: a domain
 * @config: the configuration (windowIntervals)
 *
 * The CPU demand of a running domain, in cores: the median, over its
 * latest windowIntervals samples, of the cores it used plus the cores its
 * vCPUs waited for (cpuCores + vcpuDelay * vcpus). Waiting counts because
 * a host that makes its domains wait hides the demand it cannot serve.
 * The median ignores a spike shorter than half the window. A domain that
 * is not running, or has no samples, demands nothing.
 */
double
shoalSchedPressureDomainDemand(const shoalSchedDomain *dom,
                               const shoalSchedConfig *config)
{
    double stackBuf[16];
    g_autofree double *heapBuf = NULL;
    double *values = stackBuf;
    size_t n;
    size_t first;
    size_t i;

    if (!dom->running || !dom->samples || dom->samples->len == 0)
        return 0;
    n = MIN(dom->samples->len, MAX(config->windowIntervals, 1));
    first = dom->samples->len - n;
    if (n > G_N_ELEMENTS(stackBuf))
        values = heapBuf = g_new(double, n);
    for (i = 0; i < n; i++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample, first + i);

        values[i] = s->cpuCores + s->vcpuDelay * dom->vcpus;
    }
    if (n == 1)
        return values[0];
    qsort(values, n, sizeof(double), pressureCompareDouble);
    if (n % 2 == 1)
        return values[n / 2];
    return (values[n / 2 - 1] + values[n / 2]) / 2;
}

/**
 * shoalSchedPressureDomainHeld:
 * @dom: a domain
 * @intervals: how many latest samples must all qualify
 * @minBusy: the least vcpuBusy a qualifying sample has
 * @minDelay: the least vcpuDelay a qualifying sample has
 * @maxDelay: the most vcpuDelay a qualifying sample has
 *
 * Whether the latest @intervals samples of @dom all lie within the
 * bounds: vCPU saturation (minBusy high, maxDelay low) or waiting for a
 * host CPU (minDelay high). False if it has fewer samples.
 */
bool
shoalSchedPressureDomainHeld(const shoalSchedDomain *dom,
                             unsigned intervals,
                             double minBusy,
                             double minDelay,
                             double maxDelay)
{
    size_t i;

    if (!dom->samples || intervals == 0 || dom->samples->len < intervals)
        return false;
    for (i = dom->samples->len - intervals; i < dom->samples->len; i++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample, i);

        if (s->vcpuBusy < minBusy || s->vcpuDelay < minDelay ||
            s->vcpuDelay > maxDelay)
            return false;
    }
    return true;
}

/**
 * shoalSchedPressureHeld:
 * @series: CPU cores demanded per interval, oldest first
 * @n: the length of @series
 * @capacity: the host's cores
 * @threshold: the CPU pressure to exceed
 * @lowest: (out) (optional): the lowest pressure among the intervals
 *   counted, 0 if none
 *
 * Returns: how many of the latest intervals in a row had a pressure above
 * @threshold.
 */
unsigned
shoalSchedPressureHeld(const double *series,
                       size_t n,
                       double capacity,
                       double threshold,
                       double *lowest)
{
    unsigned held = 0;
    double low = 0;

    while (capacity > 0 && held < n) {
        double p = series[n - 1 - held] / capacity;

        if (!(p > threshold))
            break;
        low = held == 0 ? p : MIN(low, p);
        held++;
    }
    if (lowest)
        *lowest = low;
    return held;
}

void
shoalSchedPressureSpreadInit(shoalSchedSpread *spread,
                             const shoalSchedConfig *config)
{
    memset(spread, 0, sizeof(*spread));
    spread->cpuWeight = config->cpuWeight;
    spread->memoryWeight = config->memoryWeight;
}

void
shoalSchedPressureSpreadAdd(shoalSchedSpread *spread,
                            const shoalSchedPressure *p)
{
    spread->count++;
    spread->cpuSum += p->cpu;
    spread->cpuSquares += p->cpu * p->cpu;
    spread->memorySum += p->memory;
    spread->memorySquares += p->memory * p->memory;
}

/* One host's pressure changes from @before to @after. */
void
shoalSchedPressureSpreadReplace(shoalSchedSpread *spread,
                                const shoalSchedPressure *before,
                                const shoalSchedPressure *after)
{
    spread->cpuSum += after->cpu - before->cpu;
    spread->cpuSquares += after->cpu * after->cpu - before->cpu * before->cpu;
    spread->memorySum += after->memory - before->memory;
    spread->memorySquares +=
        after->memory * after->memory - before->memory * before->memory;
}

static double
pressureSquaredDeviations(double sum, double squares, unsigned count)
{
    double ssd;

    if (count == 0)
        return 0;
    ssd = squares - sum * sum / count;
    /* rounding may leave a tiny negative for an even cluster */
    return ssd > 0 ? ssd : 0;
}

/* The weighted sum of squared deviations: what a move must lower. */
double
shoalSchedPressureSpreadScore(const shoalSchedSpread *spread)
{
    return spread->cpuWeight * pressureSquaredDeviations(spread->cpuSum,
                                                         spread->cpuSquares,
                                                         spread->count) +
           spread->memoryWeight *
               pressureSquaredDeviations(spread->memorySum,
                                         spread->memorySquares, spread->count);
}

/* The weighted root-mean-square standard deviation: what people read. */
double
shoalSchedPressureSpreadImbalance(const shoalSchedSpread *spread)
{
    double weights = spread->cpuWeight + spread->memoryWeight;

    if (spread->count == 0 || weights <= 0)
        return 0;
    return sqrt(shoalSchedPressureSpreadScore(spread) /
                (spread->count * weights));
}

/* The memory a host's domains may commit: what its own use leaves. */
double
shoalSchedPressureUsableKiB(const shoalSchedNode *node)
{
    if (node->memoryKiB <= node->reservedKiB)
        return 0;
    return (double) (node->memoryKiB - node->reservedKiB);
}

/**
 * shoalSchedPressureDestinationInit:
 * @dest: the destination to fill in
 * @node: a host
 * @np: (nullable): its line of shoalSchedPressureCompute(), or NULL for
 *   an empty host
 * @config: the configuration (memoryOvercommit, vcpuRatio)
 *
 * Nothing reserved for added vCPUs: a plan adds that itself.
 */
void
shoalSchedPressureDestinationInit(shoalSchedDestination *dest,
                                  const shoalSchedNode *node,
                                  const shoalSchedNodePressure *np,
                                  const shoalSchedConfig *config)
{
    memset(dest, 0, sizeof(*dest));
    dest->cpus = node->cpus;
    dest->usableKiB = shoalSchedPressureUsableKiB(node);
    dest->memoryLimitKiB = floor(dest->usableKiB * config->memoryOvercommit);
    dest->vcpuLimit = floor(node->cpus * config->vcpuRatio);
    if (!np)
        return;
    dest->demandCores = np->demandCores;
    dest->committedKiB = (double) np->committedKiB;
    dest->outgoingKiB = (double) np->outgoingKiB;
    dest->vcpus = (double) np->vcpus;
}

/**
 * shoalSchedPressureDestinationCheck:
 * @dest: a host with cores and usable memory
 * @config: the limits and thresholds
 * @demandCores: the CPU demand of the domain that would arrive
 * @memoryKiB: its maximum memory
 * @vcpus: its vCPUs
 * @after: (out) (optional): the host's pressure with it, set even if it
 *   does not fit
 *
 * The hard limits of a destination, the same for a move and a placement:
 *  - memory overcommit: committed + outgoing + @memoryKiB <= memoryLimitKiB
 *    (a domain migrating away still holds its memory);
 *  - vCPU ratio: vcpus + @vcpus <= vcpuLimit;
 *  - CPU threshold, for a domain with CPU demand only (one without cannot
 *    overload a CPU): (demand + @demandCores + reserved) / cpus <=
 *    cpuThreshold;
 *  - memory threshold: (committed + @memoryKiB) / usable <=
 *    memoryThreshold.
 *
 * Returns: the first rule broken, or SHOAL_SCHED_DESTINATION_FITS.
 */
shoalSchedDestinationFit
shoalSchedPressureDestinationCheck(const shoalSchedDestination *dest,
                                   const shoalSchedConfig *config,
                                   double demandCores,
                                   double memoryKiB,
                                   double vcpus,
                                   shoalSchedPressure *after)
{
    shoalSchedPressure p;

    /* divides as shoalSchedPressureCompute() does */
    p.cpu = (dest->demandCores + demandCores) / dest->cpus;
    p.memory = (dest->committedKiB + memoryKiB) / dest->usableKiB;
    if (after)
        *after = p;
    if (dest->committedKiB + dest->outgoingKiB + memoryKiB >
        dest->memoryLimitKiB)
        return SHOAL_SCHED_DESTINATION_MEMORY_LIMIT;
    if (dest->vcpus + vcpus > dest->vcpuLimit)
        return SHOAL_SCHED_DESTINATION_VCPU_LIMIT;
    if (demandCores > 0 &&
        p.cpu + dest->reservedCores / dest->cpus > config->cpuThreshold)
        return SHOAL_SCHED_DESTINATION_CPU_THRESHOLD;
    if (p.memory > config->memoryThreshold)
        return SHOAL_SCHED_DESTINATION_MEMORY_THRESHOLD;
    return SHOAL_SCHED_DESTINATION_FITS;
}

void
shoalSchedPressureReportFree(shoalSchedPressureReport *report)
{
    if (!report)
        return;
    if (report->nodes)
        g_array_unref(report->nodes);
    g_free(report);
}

/* Index of each node by name; values are index + 1, so 0 means none. */
static GHashTable *
pressureNodeIndex(const shoalSchedSnapshot *snap)
{
    GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;

    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        g_hash_table_insert(index, node->name, GSIZE_TO_POINTER(i + 1));
    }
    return index;
}

static size_t
pressureLookup(GHashTable *index, const char *name)
{
    return GPOINTER_TO_SIZE(g_hash_table_lookup(index, name));
}

/**
 * shoalSchedPressureCompute:
 * @snap: a snapshot
 * @config: the configuration (weights, thresholds, hold and window)
 * @error: return location for an error
 *
 * The pressure of every host and the spread over those that count. A
 * domain with a migration in flight counts where it goes. A host's CPU
 * history is its own samples if it has them, else the sum of the samples
 * of the running domains on it (by their host), aligned at the newest.
 *
 * Returns: a new report, or NULL with SHOAL_SCHED_ERROR_INVALID if @snap
 * is not valid (shoalSchedSnapshotValidate()).
 */
shoalSchedPressureReport *
shoalSchedPressureCompute(const shoalSchedSnapshot *snap,
                          const shoalSchedConfig *config,
                          GError **error)
{
    g_autoptr(shoalSchedPressureReport) report =
        g_new0(shoalSchedPressureReport, 1);
    g_autoptr(GHashTable) index = NULL;
    g_autoptr(GHashTable) moving = g_hash_table_new(g_str_hash, g_str_equal);
    unsigned hold = MAX(config->holdIntervals, 1);
    g_autofree double *history = NULL;
    size_t n = snap->nodes->len;
    size_t i;
    size_t k;

    if (!shoalSchedSnapshotValidate(snap, error))
        return NULL;
    index = pressureNodeIndex(snap);
    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        g_hash_table_insert(moving, mig->domain, mig->to);
    }

    report->nodes =
        g_array_sized_new(FALSE, TRUE, sizeof(shoalSchedNodePressure), n);
    g_array_set_size(report->nodes, n);
    /* the latest @hold intervals of each node, newest last */
    history = g_new0(double, n *hold);
    for (i = 0; i < n; i++) {
        shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure, i);

        np->name = ((shoalSchedNode *) g_ptr_array_index(snap->nodes, i))->name;
    }
    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);
        const char *to = g_hash_table_lookup(moving, dom->name);
        const char *where = to ? to : dom->host;
        size_t at;
        shoalSchedNodePressure *np;

        if (!where)
            continue;
        at = pressureLookup(index, where) - 1;
        np = &g_array_index(report->nodes, shoalSchedNodePressure, at);
        np->committedKiB += dom->memoryKiB;
        np->vcpus += dom->vcpus;
        np->demandCores += shoalSchedPressureDomainDemand(dom, config);
        if (to && dom->host) {
            at = pressureLookup(index, dom->host) - 1;
            g_array_index(report->nodes, shoalSchedNodePressure, at)
                .outgoingKiB += dom->memoryKiB;
        }

        if (!dom->running || !dom->host)
            continue;
        at = pressureLookup(index, dom->host) - 1;
        for (k = 0; k < hold && k < dom->samples->len; k++) {
            const shoalSchedSample *s =
                &g_array_index(dom->samples, shoalSchedSample,
                               dom->samples->len - 1 - k);

            history[at * hold + (hold - 1 - k)] +=
                s->cpuCores + s->vcpuDelay * dom->vcpus;
        }
    }

    shoalSchedPressureSpreadInit(&report->spread, config);
    for (i = 0; i < n; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
        shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure, i);
        double usable = shoalSchedPressureUsableKiB(node);

        np->scored =
            node->online && !node->maintenance && node->cpus > 0 && usable > 0;
        np->pressure.cpu = node->cpus > 0 ? np->demandCores / node->cpus : 0;
        np->pressure.memory = usable > 0 ? np->committedKiB / usable : 0;
        if (node->samples && node->samples->len > 0) {
            size_t len = node->samples->len;
            size_t from = len > hold ? len - hold : 0;

            np->cpuHeldIntervals =
                shoalSchedPressureHeld(&g_array_index(node->samples, double,
                                                      from),
                                       len - from, node->cpus,
                                       config->cpuThreshold,
                                       &np->cpuHeldPressure);
        } else {
            np->cpuHeldIntervals =
                shoalSchedPressureHeld(&history[i * hold], hold, node->cpus,
                                       config->cpuThreshold,
                                       &np->cpuHeldPressure);
        }
        if (!np->scored)
            continue;
        shoalSchedPressureSpreadAdd(&report->spread, &np->pressure);
        report->cpuMean += np->pressure.cpu;
        report->memoryMean += np->pressure.memory;
        report->cpuMax = MAX(report->cpuMax, np->pressure.cpu);
        report->memoryMax = MAX(report->memoryMax, np->pressure.memory);
    }
    if (report->spread.count > 0) {
        report->cpuMean /= report->spread.count;
        report->memoryMean /= report->spread.count;
    }
    report->imbalance = shoalSchedPressureSpreadImbalance(&report->spread);
    return g_steal_pointer(&report);
}
