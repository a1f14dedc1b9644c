/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_power.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_pressure.h"
#include "sched_simulate.h"

/*
 * Power-saving mode (config->powerSaving): after the planner's own steps,
 * on the cluster as they leave it, either wakes hosts or empties hosts
 * and powers them off. Never both in one round.
 *
 * A host's utilisation is its peak CPU demand (per running domain the
 * highest of its latest windowIntervals samples, so that a host is
 * judged by its busy moments, not its median) over its cores, and its
 * committed memory over its usable memory. The cluster's is its load
 * (the highest, over those intervals, of the demand of all its domains
 * together: their peaks rarely coincide) over the cores of the powered
 * hosts that may receive domains, and the memory as for a host.
 *
 * Wake: when the cluster's CPU or memory utilisation is above
 * powerBandHigh, hosts in standby are powered on, most cores first, until
 * it is not. The planner does not wait for them: they take load from the
 * next round on, when they answer.
 *
 * Consolidate: otherwise, when no migration is in flight and no host's
 * power changed within powerHoldMs, hosts with power commands are tried,
 * least utilised first: one is emptied when, without it, the cluster's
 * utilisation is at most powerBandLow, each of its domains fits on
 * another powered host (most utilised first: packing) with that host at
 * most powerBandHigh and within the hard limits (memory overcommit, vCPU
 * ratio, pinning, anti-affinity), some host still has room for the
 * largest domain of the cluster, and the hourly move budget allows its
 * moves. Its migrations come first, then a power-off step that requires
 * the host to be empty. A host with a domain that may not move (not
 * running, off, resting, migrating, kept by its snapshots) is not
 * emptied.
 *
 * The gap between the two edges of the band is the hysteresis: waking
 * stops at the top edge, emptying needs the bottom one, so the host a
 * wake adds is not emptied again while the load stays the same; the hold
 * keeps a noisy load from flipping a decision every round.
 */

typedef struct {
    const shoalSchedNode *node; /* borrowed from the snapshot after the plan */
    double cpus;
    double usableKiB;
    double memoryLimitKiB;
    double vcpuLimit;
    double *series; /* CPU demand of its domains per interval, newest first */
    double demand;  /* the peak of series, cores */
    double committedKiB;
    double vcpus;
    GPtrArray *domains; /* of shoalSchedDomain (borrowed): those counted here */
    bool available;     /* powered, online, not in maintenance, has capacity */
    bool touched;       /* the plan moves a domain from or to it */
    bool emptied;       /* this pass powers it off */
} powerHost;

typedef struct {
    const shoalSchedSnapshot *after; /* the snapshot with the plan applied */
    const shoalSchedConfig *config;
    shoalSchedPlan *plan;
    powerHost *hosts; /* in name order */
    size_t nhosts;
    GHashTable *index;   /* name -> index + 1 */
    GHashTable *stepped; /* names of the domains the plan has a step for */
    unsigned window;     /* intervals in a series: windowIntervals */
    double *scratch;     /* one domain's series */
    /* over the available hosts: the peak of their domains' summed CPU
     * demand (powerSetupLoad()), their cores and memory */
    double load;
    double cpus;
    double committedKiB;
    double usableKiB;
    unsigned movesLeft; /* G_MAXUINT: unlimited */
    /* the largest running domain (by memory): room for it must remain */
    const shoalSchedDomain *largest;
} power;

#define POWER_HOUR_MS (G_GINT64_CONSTANT(3600) * 1000)

static void
powerClear(power *pw)
{
    size_t i;

    for (i = 0; i < pw->nhosts; i++) {
        g_ptr_array_unref(pw->hosts[i].domains);
        g_free(pw->hosts[i].series);
    }
    g_free(pw->hosts);
    g_free(pw->scratch);
    g_clear_pointer(&pw->index, g_hash_table_unref);
    g_clear_pointer(&pw->stepped, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(power, powerClear)

static int
powerCompareNodes(const void *a, const void *b)
{
    const shoalSchedNode *const *x = a;
    const shoalSchedNode *const *y = b;

    return g_strcmp0((*x)->name, (*y)->name);
}

/* @dom's CPU demand in each of the latest pw->window intervals, newest
 * first, into pw->scratch; 0 where it has no sample or does not run. */
static const double *
powerDomainSeries(const power *pw, const shoalSchedDomain *dom)
{
    size_t n;
    size_t k;

    memset(pw->scratch, 0, pw->window * sizeof(double));
    if (!dom->running || !dom->samples)
        return pw->scratch;
    n = MIN(dom->samples->len, pw->window);
    for (k = 0; k < n; k++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample,
                           dom->samples->len - 1 - k);

        pw->scratch[k] = s->cpuCores + s->vcpuDelay * dom->vcpus;
    }
    return pw->scratch;
}

/* The peak CPU demand of @h with @dom added (@sign 1) or taken away
 * (-1): the highest of its summed series, since the peaks of its domains
 * need not coincide. */
static double
powerPeakWith(const power *pw,
              const powerHost *h,
              const shoalSchedDomain *dom,
              int sign)
{
    const double *ds = powerDomainSeries(pw, dom);
    double peak = 0;
    size_t k;

    for (k = 0; k < pw->window; k++)
        peak = MAX(peak, h->series[k] + sign * ds[k]);
    return peak;
}

static powerHost *
powerLookup(const power *pw, const char *name)
{
    gpointer at = name ? g_hash_table_lookup(pw->index, name) : NULL;

    return at ? &pw->hosts[GPOINTER_TO_UINT(at) - 1] : NULL;
}

/* The highest, over the latest windowIntervals, of the CPU demand of all
 * the available hosts together. */
static void
powerSetupLoad(power *pw)
{
    g_autofree double *sums = g_new0(double, pw->window);
    size_t i;
    size_t k;

    for (i = 0; i < pw->nhosts; i++) {
        for (k = 0; pw->hosts[i].available && k < pw->window; k++)
            sums[k] += pw->hosts[i].series[k];
    }
    pw->load = 0;
    for (k = 0; k < pw->window; k++)
        pw->load = MAX(pw->load, sums[k]);
}

static void
powerSetupHosts(power *pw)
{
    const shoalSchedSnapshot *snap = pw->after;
    const shoalSchedConfig *config = pw->config;
    g_autofree const shoalSchedNode **sorted =
        g_new(const shoalSchedNode *, snap->nodes->len + 1);
    size_t i;
    size_t k;

    for (i = 0; i < snap->nodes->len; i++)
        sorted[i] = g_ptr_array_index(snap->nodes, i);
    qsort(sorted, snap->nodes->len, sizeof(*sorted), powerCompareNodes);
    pw->window = MAX(config->windowIntervals, 1);
    pw->scratch = g_new0(double, pw->window);
    pw->nhosts = snap->nodes->len;
    pw->hosts = g_new0(powerHost, pw->nhosts + 1);
    pw->index = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < pw->nhosts; i++) {
        powerHost *h = &pw->hosts[i];

        h->node = sorted[i];
        h->cpus = h->node->cpus;
        h->usableKiB = shoalSchedPressureUsableKiB(h->node);
        h->memoryLimitKiB = floor(h->usableKiB * config->memoryOvercommit);
        h->vcpuLimit = floor(h->cpus * config->vcpuRatio);
        h->domains = g_ptr_array_new();
        h->series = g_new0(double, pw->window);
        h->available = h->node->online && !h->node->standby &&
                       !h->node->maintenance && h->cpus > 0 && h->usableKiB > 0;
        g_hash_table_insert(pw->index, h->node->name,
                            GUINT_TO_POINTER((unsigned) i + 1));
    }
    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);
        powerHost *h = powerLookup(pw, dom->host);

        if (!h)
            continue;
        g_ptr_array_add(h->domains, (gpointer) dom);
        h->demand = powerPeakWith(pw, h, dom, 1);
        for (k = 0; k < pw->window; k++)
            h->series[k] += pw->scratch[k];
        h->committedKiB += dom->memoryKiB;
        h->vcpus += dom->vcpus;
        if (dom->running &&
            (!pw->largest || dom->memoryKiB > pw->largest->memoryKiB ||
             (dom->memoryKiB == pw->largest->memoryKiB &&
              g_strcmp0(dom->name, pw->largest->name) < 0)))
            pw->largest = dom;
    }
    powerSetupLoad(pw);
    for (i = 0; i < pw->nhosts; i++) {
        const powerHost *h = &pw->hosts[i];

        if (!h->available)
            continue;
        pw->cpus += h->cpus;
        pw->committedKiB += h->committedKiB;
        pw->usableKiB += h->usableKiB;
    }
}

/* Marks the hosts the plan's migrations leave or reach, and the domains
 * it has a step for (a plan gives a domain one step at most). */
static void
powerMarkTouched(power *pw)
{
    size_t i;

    pw->stepped = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < pw->plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(pw->plan->steps, i);
        powerHost *from;
        powerHost *to;

        if (step->domain)
            g_hash_table_add(pw->stepped, step->domain);
        if (step->action != SHOAL_SCHED_ACTION_MIGRATE)
            continue;
        if ((from = powerLookup(pw, step->from)))
            from->touched = true;
        if ((to = powerLookup(pw, step->to)))
            to->touched = true;
    }
}

static unsigned
powerMovesLeft(const shoalSchedSnapshot *snap,
               const shoalSchedConfig *config,
               const shoalSchedPlan *plan)
{
    unsigned recent = plan->moves;
    size_t i;

    if (config->maxMovesPerHour == 0)
        return G_MAXUINT;
    for (i = 0; i < snap->recentMovesMs->len; i++) {
        gint64 t = g_array_index(snap->recentMovesMs, gint64, i);

        if (t <= snap->nowMs && snap->nowMs - t < POWER_HOUR_MS)
            recent++;
    }
    return recent < config->maxMovesPerHour ? config->maxMovesPerHour - recent
                                            : 0;
}

static shoalSchedPressure
powerPressure(const powerHost *h)
{
    /* MAX: what rounding leaves on a host just emptied */
    shoalSchedPressure pr = { MAX(h->demand / h->cpus, 0),
                              MAX(h->committedKiB / h->usableKiB, 0) };

    return pr;
}

static shoalSchedStep *
powerHostStep(const power *pw,
              shoalSchedAction action,
              const powerHost *h,
              shoalSchedMode mode,
              char *reason)
{
    shoalSchedStep *step = shoalSchedStepNew(action, NULL);

    step->from = g_strdup(h->node->name);
    step->mode = mode;
    step->rule = g_strdup("power-saving");
    step->reason = reason;
    step->imbalanceBefore = step->imbalanceAfter = pw->plan->imbalanceAfter;
    return step;
}

static int
powerCompareWake(const void *a, const void *b)
{
    const powerHost *const *x = a;
    const powerHost *const *y = b;

    if ((*x)->cpus != (*y)->cpus)
        return (*x)->cpus > (*y)->cpus ? -1 : 1;
    return g_strcmp0((*x)->node->name, (*y)->node->name);
}

static bool
powerOver(const power *pw, double cpus, double usableKiB)
{
    double high = pw->config->powerBandHigh;

    return pw->load > high * cpus || pw->committedKiB > high * usableKiB;
}

/* Powers on hosts in standby while the cluster is above the band. */
static bool
powerWake(power *pw)
{
    g_autofree powerHost **sleeping = g_new(powerHost *, pw->nhosts + 1);
    double cpus = pw->cpus;
    double usableKiB = pw->usableKiB;
    size_t n = 0;
    size_t i;

    if (!powerOver(pw, cpus, usableKiB))
        return false;
    for (i = 0; i < pw->nhosts; i++) {
        powerHost *h = &pw->hosts[i];

        if (h->node->standby && h->node->powerControl &&
            !h->node->maintenance && h->cpus > 0 && h->usableKiB > 0)
            sleeping[n++] = h;
    }
    qsort(sleeping, n, sizeof(*sleeping), powerCompareWake);
    for (i = 0; i < n && powerOver(pw, cpus, usableKiB); i++) {
        g_autofree char *reason =
            g_strdup_printf(_("the powered hosts use %1$.0f%% of their CPU and %2$.0f%% of their memory, above %3$.0f%%"),
                            cpus > 0 ? 100 * pw->load / cpus : 100,
                            usableKiB > 0 ? 100 * pw->committedKiB / usableKiB
                                          : 100,
                            100 * pw->config->powerBandHigh);
        shoalSchedStep *step =
            powerHostStep(pw, SHOAL_SCHED_ACTION_POWER_ON, sleeping[i],
                          pw->config->mode, g_steal_pointer(&reason));

        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_HOST_STANDBY,
                                      NULL, sleeping[i]->node->name, 0);
        shoalSchedPlanAppendStep(pw->plan, step);
        cpus += sleeping[i]->cpus;
        usableKiB += sleeping[i]->usableKiB;
    }
    if (powerOver(pw, cpus, usableKiB))
        shoalSchedPlanAppendNote(pw->plan,
                                 g_strdup_printf(_("the powered hosts are above %1$.0f%% of their capacity and no host in standby is left to power on"),
                                                 100 *
                                                     pw->config->powerBandHigh));
    return true;
}

static shoalSchedMode
powerDomainMode(const power *pw, const shoalSchedDomain *dom)
{
    int mode = dom->mode ? shoalSchedModeFromString(dom->mode) : -1;

    return mode >= 0 ? (shoalSchedMode) mode : pw->config->mode;
}

/* Whether @dom may leave its host for power's sake now. */
static bool
powerMovable(const power *pw, const shoalSchedDomain *dom)
{
    gint64 now = pw->after->nowMs;
    gint64 last = MAX(dom->lastMoveMs, dom->lastResizeMs);

    return dom->running && !dom->migrating && !dom->unmovable &&
           !g_hash_table_contains(pw->stepped, dom->name) &&
           powerDomainMode(pw, dom) != SHOAL_SCHED_MODE_OFF &&
           !(last > 0 && now - last < pw->config->cooldownMs);
}

static bool
powerShareGroup(const GStrv a, const GStrv b)
{
    size_t i;

    for (i = 0; a && b && a[i]; i++) {
        if (g_strv_contains((const char *const *) b, a[i]))
            return true;
    }
    return false;
}

/* Whether @dom may go to @h within the band's top. */
static bool
powerFits(const power *pw, const powerHost *h, const shoalSchedDomain *dom)
{
    double high = pw->config->powerBandHigh;
    size_t i;

    if (!h->available || h->emptied)
        return false;
    if (dom->pinned &&
        !g_strv_contains((const char *const *) dom->pinned, h->node->name))
        return false;
    /* the planner's tabu: not back to the host it left lately */
    if (dom->lastHost && dom->lastMoveMs > 0 &&
        pw->after->nowMs - dom->lastMoveMs < pw->config->tabuMs &&
        g_str_equal(dom->lastHost, h->node->name))
        return false;
    if (h->committedKiB + dom->memoryKiB >
            MIN(h->memoryLimitKiB, high * h->usableKiB) ||
        h->vcpus + dom->vcpus > h->vcpuLimit ||
        powerPeakWith(pw, h, dom, 1) > high * h->cpus)
        return false;
    for (i = 0; dom->antiAffinity && i < h->domains->len; i++) {
        const shoalSchedDomain *other = g_ptr_array_index(h->domains, i);

        if (other != dom &&
            powerShareGroup(dom->antiAffinity, other->antiAffinity))
            return false;
    }
    return true;
}

static double
powerFill(const power *pw, const powerHost *h, const shoalSchedDomain *dom)
{
    return MAX(powerPeakWith(pw, h, dom, 1) / h->cpus,
               (h->committedKiB + dom->memoryKiB) / h->usableKiB);
}

static void
powerMove(const power *pw,
          powerHost *from,
          powerHost *to,
          const shoalSchedDomain *dom)
{
    const double *ds = powerDomainSeries(pw, dom);
    size_t k;

    g_ptr_array_remove(from->domains, (gpointer) dom);
    from->committedKiB -= dom->memoryKiB;
    from->vcpus -= dom->vcpus;
    g_ptr_array_add(to->domains, (gpointer) dom);
    to->committedKiB += dom->memoryKiB;
    to->vcpus += dom->vcpus;
    from->demand = to->demand = 0;
    for (k = 0; k < pw->window; k++) {
        from->series[k] -= ds[k];
        to->series[k] += ds[k];
        from->demand = MAX(from->demand, from->series[k]);
        to->demand = MAX(to->demand, to->series[k]);
    }
}

static int
powerCompareEvacuees(const void *a, const void *b)
{
    const shoalSchedDomain *const *x = a;
    const shoalSchedDomain *const *y = b;

    if ((*x)->memoryKiB != (*y)->memoryKiB)
        return (*x)->memoryKiB > (*y)->memoryKiB ? -1 : 1;
    return g_strcmp0((*x)->name, (*y)->name);
}

/* One planned evacuation. */
typedef struct {
    const shoalSchedDomain *dom;
    powerHost *to;
    shoalSchedPressure fromBefore;
    shoalSchedPressure fromAfter;
    shoalSchedPressure toBefore;
    shoalSchedPressure toAfter;
} powerEvacuee;

/*
 * Packs the domains of @h onto the other hosts, largest first, each on
 * the fullest host it fits on. Returns: the moves in @out (of @n), or
 * false with every host as it was.
 */
static bool
powerPack(power *pw, powerHost *h, powerEvacuee *out, size_t n)
{
    g_autofree const shoalSchedDomain **doms =
        g_new(const shoalSchedDomain *, n + 1);
    size_t done;
    size_t i;
    size_t j;

    for (i = 0; i < n; i++)
        doms[i] = g_ptr_array_index(h->domains, i);
    qsort(doms, n, sizeof(*doms), powerCompareEvacuees);
    h->emptied = true;
    for (done = 0; done < n; done++) {
        const shoalSchedDomain *dom = doms[done];
        powerHost *best = NULL;
        double bestFill = -1;

        for (j = 0; j < pw->nhosts; j++) {
            powerHost *to = &pw->hosts[j];
            double fill;

            if (!powerFits(pw, to, dom))
                continue;
            fill = powerFill(pw, to, dom);
            if (fill > bestFill) {
                best = to;
                bestFill = fill;
            }
        }
        if (!best)
            break;
        out[done].dom = dom;
        out[done].to = best;
        out[done].fromBefore = powerPressure(h);
        out[done].toBefore = powerPressure(best);
        powerMove(pw, h, best, dom);
        out[done].fromAfter = powerPressure(h);
        out[done].toAfter = powerPressure(best);
    }
    if (done == n)
        return true;
    while (done > 0) {
        done--;
        powerMove(pw, out[done].to, h, out[done].dom);
    }
    h->emptied = false;
    return false;
}

/* Whether some host that stays powered can still take the largest
 * domain. */
static bool
powerRoomForLargest(const power *pw)
{
    size_t i;

    if (!pw->largest)
        return true;
    for (i = 0; i < pw->nhosts; i++) {
        const powerHost *h = &pw->hosts[i];
        shoalSchedDomain probe = *pw->largest;

        /* a host it is on already has it: the room is for a second copy
         * (a restart elsewhere) */
        probe.antiAffinity = NULL;
        probe.pinned = NULL;
        if (powerFits(pw, h, &probe))
            return true;
    }
    return false;
}

static void
powerEmitEvacuation(power *pw,
                    powerHost *h,
                    const powerEvacuee *moves,
                    size_t n,
                    shoalSchedMode mode)
{
    double cpuAfter = pw->cpus > 0 ? pw->load / pw->cpus : 0;
    double memoryAfter =
        pw->usableKiB > 0 ? pw->committedKiB / pw->usableKiB : 0;
    shoalSchedStep *off;
    size_t i;

    for (i = 0; i < n; i++) {
        const shoalSchedDomain *dom = moves[i].dom;
        shoalSchedStep *step =
            shoalSchedStepNew(SHOAL_SCHED_ACTION_MIGRATE, dom->name);

        step->uuid = g_strdup(dom->uuid);
        step->from = g_strdup(h->node->name);
        step->to = g_strdup(moves[i].to->node->name);
        step->mode = mode;
        step->rule = g_strdup("power-saving");
        step->reason =
            g_strdup_printf(_("host '%1$s' is emptied to power it off: the other powered hosts then use %2$.0f%% of their CPU and %3$.0f%% of their memory, at most %4$.0f%%"),
                            h->node->name, 100 * cpuAfter, 100 * memoryAfter,
                            100 * pw->config->powerBandLow);
        step->memoryKiB = dom->memoryKiB;
        step->predictedSeconds =
            dom->memoryKiB / 1024.0 / pw->config->migrationBandwidthMiBs;
        step->cost = pw->config->costWeight * step->predictedSeconds;
        step->fromBefore = moves[i].fromBefore;
        step->fromAfter = moves[i].fromAfter;
        step->toBefore = moves[i].toBefore;
        step->toAfter = moves[i].toAfter;
        step->imbalanceBefore = step->imbalanceAfter = pw->plan->imbalanceAfter;
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_ON_HOST,
                                      dom->name, h->node->name, 0);
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_RUNNING,
                                      dom->name, NULL, 0);
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                      dom->name, NULL, 0);
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_HOST_AVAILABLE,
                                      NULL, moves[i].to->node->name, 0);
        shoalSchedPlanAppendStep(pw->plan, step);
    }
    off =
        powerHostStep(pw, SHOAL_SCHED_ACTION_POWER_OFF, h, mode,
                      g_strdup_printf(_("no domain is left on it; the other powered hosts use %1$.0f%% of their CPU and %2$.0f%% of their memory, at most %3$.0f%%"),
                                      100 * cpuAfter, 100 * memoryAfter,
                                      100 * pw->config->powerBandLow));
    shoalSchedStepAddPrecondition(off, SHOAL_SCHED_CHECK_HOST_EMPTY, NULL,
                                  h->node->name, 0);
    shoalSchedPlanAppendStep(pw->plan, off);
}

/* Tries to empty @h; on success its steps are in the plan. */
static bool
powerTryEmpty(power *pw, powerHost *h)
{
    double low = pw->config->powerBandLow;
    size_t n = h->domains->len;
    g_autofree powerEvacuee *moves = g_new0(powerEvacuee, n + 1);
    shoalSchedMode mode = pw->config->mode;
    size_t i;

    /* a host that received domains in this pass keeps them: none moves
     * twice in a plan */
    if (h->touched || pw->cpus - h->cpus <= 0 ||
        pw->usableKiB - h->usableKiB <= 0 ||
        pw->load > low * (pw->cpus - h->cpus) ||
        pw->committedKiB > low * (pw->usableKiB - h->usableKiB) ||
        n > pw->movesLeft)
        return false;
    for (i = 0; i < n; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(h->domains, i);

        if (!powerMovable(pw, dom))
            return false;
        if (powerDomainMode(pw, dom) != SHOAL_SCHED_MODE_AUTOMATIC)
            mode = SHOAL_SCHED_MODE_ADVISE;
    }
    if (!powerPack(pw, h, moves, n))
        return false;
    if (!powerRoomForLargest(pw)) {
        while (n > 0) {
            n--;
            powerMove(pw, moves[n].to, h, moves[n].dom);
        }
        h->emptied = false;
        return false;
    }
    pw->cpus -= h->cpus;
    pw->usableKiB -= h->usableKiB;
    pw->movesLeft -= (unsigned) n;
    for (i = 0; i < n; i++)
        moves[i].to->touched = true;
    powerEmitEvacuation(pw, h, moves, n, mode);
    return true;
}

static int
powerCompareCandidates(const void *a, const void *b)
{
    const powerHost *const *x = a;
    const powerHost *const *y = b;
    double fx =
        MAX((*x)->demand / (*x)->cpus, (*x)->committedKiB / (*x)->usableKiB);
    double fy =
        MAX((*y)->demand / (*y)->cpus, (*y)->committedKiB / (*y)->usableKiB);

    if (fx != fy)
        return fx < fy ? -1 : 1;
    if ((*x)->committedKiB != (*y)->committedKiB)
        return (*x)->committedKiB < (*y)->committedKiB ? -1 : 1;
    return g_strcmp0((*x)->node->name, (*y)->node->name);
}

/* Whether any host's power changed within the hold. */
static bool
powerResting(const power *pw)
{
    size_t i;

    for (i = 0; i < pw->nhosts; i++) {
        gint64 t = pw->hosts[i].node->powerChangedMs;

        if (t > 0 && pw->after->nowMs - t < pw->config->powerHoldMs)
            return true;
    }
    return false;
}

static void
powerConsolidate(power *pw)
{
    g_autofree powerHost **candidates = g_new(powerHost *, pw->nhosts + 1);
    size_t n = 0;
    size_t i;

    if (pw->after->migrations->len > 0 || powerResting(pw))
        return;
    for (i = 0; i < pw->nhosts; i++) {
        powerHost *h = &pw->hosts[i];

        if (h->available && h->node->powerControl && !h->touched)
            candidates[n++] = h;
    }
    qsort(candidates, n, sizeof(*candidates), powerCompareCandidates);
    for (i = 0; i < n; i++)
        powerTryEmpty(pw, candidates[i]);
}

/**
 * shoalSchedPowerPlan:
 * @snap: the cluster now
 * @config: the policy, with powerSaving set
 * @plan: the planner's plan so far, to which the power steps are added
 *
 * Power-saving mode's round (see the top of this file). Pure and
 * deterministic, like the planner. Nothing when the default mode is off.
 */
void
shoalSchedPowerPlan(const shoalSchedSnapshot *snap,
                    const shoalSchedConfig *config,
                    shoalSchedPlan *plan)
{
    g_autoptr(shoalSchedSnapshot) after = NULL;
    g_auto(power) pw = { 0 };

    if (!config->powerSaving || config->mode == SHOAL_SCHED_MODE_OFF)
        return;
    after = shoalSchedSimulateApply(snap, plan, NULL);
    pw.after = after;
    pw.config = config;
    pw.plan = plan;
    powerSetupHosts(&pw);
    powerMarkTouched(&pw);
    pw.movesLeft = powerMovesLeft(snap, config, plan);
    if (powerWake(&pw))
        return;
    powerConsolidate(&pw);
}
