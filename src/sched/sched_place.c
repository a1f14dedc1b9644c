/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_numa.h"
#include "sched_pressure.h"

#define SHOAL_SCHED_PLACEMENT_PRIV_H_ALLOW
#include "sched_placement_priv.h"

/*
 * Placement by the planner's rules: a domain goes where it leaves the
 * imbalance score (shoalSchedPressureSpreadScore()) lowest, among the
 * hosts that pass the planner's checks of a destination
 * (shoalSchedPressureDestinationCheck() and the groups and pins). One
 * pass over the domains finds the groups on each host; each host then
 * costs O(1) apart from its pins.
 */

typedef struct {
    const shoalSchedSnapshot *snap;
    const shoalSchedConfig *config;
    const shoalSchedDomain *dom;
    const shoalSchedPressureReport *report;
    GHashTable *index;       /* node name -> index + 1 */
    GHashTable *moving;      /* domain name -> where its migration goes */
    int from;                /* the node where @dom counts now, or -1 */
    double demand;           /* @dom's CPU demand */
    shoalSchedSpread spread; /* without @dom */
    /* per node, in the snapshot's order: a domain that shares an
     * anti-affinity group with @dom (the first by name) and the group */
    const char **antiMember;
    const char **antiGroup;
    /* per node: an affinity group of @dom with members on other hosts
     * than @from but none there */
    const char **affinityMissing;
} place;

static void
placeFree(place *p)
{
    if (p->index)
        g_hash_table_unref(p->index);
    if (p->moving)
        g_hash_table_unref(p->moving);
    g_free(p->antiMember);
    g_free(p->antiGroup);
    g_free(p->affinityMissing);
    g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(place, placeFree)

/* The index of node @name, or -1. */
static int
placeLookupNode(const place *p, const char *name)
{
    if (!name)
        return -1;
    return GPOINTER_TO_INT(g_hash_table_lookup(p->index, name)) - 1;
}

/* The node where @dom counts, as in shoalSchedPressureCompute(): where
 * its migration in flight goes, else its host; -1 for none. */
static int
placeWhere(const place *p, const shoalSchedDomain *dom)
{
    const char *to = g_hash_table_lookup(p->moving, dom->name);

    return placeLookupNode(p, to ? to : dom->host);
}

/*
 * If the domain is in the snapshot: sets @p->from to the host where it
 * counts, and takes its CPU demand and memory out of that host's pressure
 * in the spread (its vCPUs do not count in pressure).
 */
static void
placeRemoveSelf(place *p)
{
    const shoalSchedDomain *self =
        shoalSchedSnapshotFindDomain(p->snap, p->dom->name);
    const shoalSchedNodePressure *np;
    shoalSchedDestination dest;
    shoalSchedPressure after;

    if (!self)
        return;
    p->from = placeWhere(p, self);
    if (p->from < 0)
        return;
    np = &g_array_index(p->report->nodes, shoalSchedNodePressure, p->from);
    if (!np->scored)
        return;
    shoalSchedPressureDestinationInit(&dest,
                                      g_ptr_array_index(p->snap->nodes,
                                                        p->from),
                                      np, p->config);
    dest.demandCores -= shoalSchedPressureDomainDemand(self, p->config);
    dest.committedKiB -= (double) self->memoryKiB;
    shoalSchedPressureDestinationCheck(&dest, p->config, 0, 0, 0, &after);
    shoalSchedPressureSpreadReplace(&p->spread, &np->pressure, &after);
}

static bool
placeInList(GStrv list, const char *name)
{
    return list && g_strv_contains((const char *const *) list, name);
}

/*
 * Where the other members of @dom's groups count. The planner's rules for
 * a destination: no member of an anti-affinity group there; and if an
 * affinity group has members on other hosts than the one @dom leaves, at
 * least one there. (Leaving members behind is no rule here: placement
 * moves a domain that has to go.)
 */
static void
placeFindGroups(place *p)
{
    const shoalSchedDomain *dom = p->dom;
    size_t nnodes = p->snap->nodes->len;
    guint ngroups = dom->affinity ? g_strv_length(dom->affinity) : 0;
    size_t ncells = ngroups * nnodes;
    g_autofree bool *here = g_new0(bool, ncells + 1);
    g_autofree bool *elsewhere = g_new0(bool, ngroups + 1);
    size_t i;
    guint g;

    p->antiMember = g_new0(const char *, nnodes + 1);
    p->antiGroup = g_new0(const char *, nnodes + 1);
    p->affinityMissing = g_new0(const char *, nnodes + 1);
    for (i = 0; i < p->snap->domains->len; i++) {
        const shoalSchedDomain *other = g_ptr_array_index(p->snap->domains, i);
        int at;

        if (g_str_equal(other->name, dom->name) ||
            (at = placeWhere(p, other)) < 0)
            continue;
        for (g = 0; dom->antiAffinity && dom->antiAffinity[g]; g++) {
            if (!placeInList(other->antiAffinity, dom->antiAffinity[g]))
                continue;
            if (!p->antiMember[at] ||
                strcmp(other->name, p->antiMember[at]) < 0) {
                p->antiMember[at] = other->name;
                p->antiGroup[at] = dom->antiAffinity[g];
            }
            break;
        }
        for (g = 0; g < ngroups; g++) {
            if (!placeInList(other->affinity, dom->affinity[g]))
                continue;
            here[g * nnodes + at] = true;
            if (at != p->from)
                elsewhere[g] = true;
        }
    }
    for (i = 0; i < nnodes; i++) {
        for (g = 0; g < ngroups && !p->affinityMissing[i]; g++) {
            if (elsewhere[g] && !here[g * nnodes + i])
                p->affinityMissing[i] = dom->affinity[g];
        }
    }
}

/* Why the limits of @dest keep the domain out of host @name. */
static void
placeAddFitReason(const place *p,
                  const char *name,
                  const shoalSchedDestination *dest,
                  shoalSchedDestinationFit fit,
                  const shoalSchedPressure *after,
                  GPtrArray *reasons)
{
    const shoalSchedDomain *dom = p->dom;
    double afterKiB =
        dest->committedKiB + dest->outgoingKiB + (double) dom->memoryKiB;
    unsigned long long vcpus = (unsigned long long) dest->vcpus + dom->vcpus;

    switch (fit) {
    case SHOAL_SCHED_DESTINATION_MEMORY_LIMIT:
        shoalSchedPlacementAddMemoryReason(reasons, name,
                                           (unsigned long long) afterKiB,
                                           (unsigned long long)
                                               dest->memoryLimitKiB);
        break;
    case SHOAL_SCHED_DESTINATION_VCPU_LIMIT:
        shoalSchedPlacementAddVcpuReason(reasons, name, vcpus,
                                         (unsigned long long) dest->vcpuLimit);
        break;
    case SHOAL_SCHED_DESTINATION_CPU_THRESHOLD:
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' would reach a CPU pressure of %2$.2f, over the threshold of %3$.2f"),
                                     name, after->cpu, p->config->cpuThreshold);
        break;
    case SHOAL_SCHED_DESTINATION_MEMORY_THRESHOLD:
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' would commit %2$.1f%% of its usable memory, over the %3$.1f%% threshold"),
                                     name, after->memory * 100,
                                     p->config->memoryThreshold * 100);
        break;
    case SHOAL_SCHED_DESTINATION_FITS:
    case SHOAL_SCHED_DESTINATION_LAST:
    default:
        break;
    }
}

/*
 * Whether node @i may take the domain; if so sets @score to the imbalance
 * score after, else appends the first reason against it to @reasons.
 */
static bool
placeConsider(const place *p,
              size_t i,
              const char *exclude,
              double *score,
              GPtrArray *reasons)
{
    const shoalSchedNode *node = g_ptr_array_index(p->snap->nodes, i);
    const shoalSchedNodePressure *np =
        &g_array_index(p->report->nodes, shoalSchedNodePressure, i);
    const shoalSchedDomain *dom = p->dom;
    shoalSchedDestination dest;
    shoalSchedDestinationFit fit;
    shoalSchedPressure after;
    shoalSchedSpread spread;
    shoalSchedObjectKind kind;
    const char *missing;

    if ((int) i == p->from) {
        shoalSchedPlacementAddReason(reasons,
                                     _("the domain is already on host '%1$s'"),
                                     node->name);
        return false;
    }
    if (!shoalSchedPlacementCheckHost(node->name, exclude, node->online,
                                      node->maintenance, reasons))
        return false;
    if (!np->scored) {
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' has no usable CPUs or memory"),
                                     node->name);
        return false;
    }
    if (dom->pinned && !placeInList(dom->pinned, node->name)) {
        shoalSchedPlacementAddReason(reasons,
                                     _("the domain is not pinned to host '%1$s'"),
                                     node->name);
        return false;
    }
    if (shoalSchedObjectsFindMissing(&node->objects, &dom->requires, &kind,
                                     &missing)) {
        g_ptr_array_add(reasons, shoalSchedObjectsMissingReason(node->name,
                                                                kind, missing));
        return false;
    }
    if (p->antiMember[i]) {
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' has domain '%2$s' of anti-affinity group '%3$s'"),
                                     node->name, p->antiMember[i],
                                     p->antiGroup[i]);
        return false;
    }
    if (p->affinityMissing[i]) {
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' has no domain of affinity group '%2$s', whose members are on other hosts"),
                                     node->name, p->affinityMissing[i]);
        return false;
    }

    shoalSchedPressureDestinationInit(&dest, node, np, p->config);
    fit = shoalSchedPressureDestinationCheck(&dest, p->config, p->demand,
                                             (double) dom->memoryKiB,
                                             dom->vcpus, &after);
    if (fit != SHOAL_SCHED_DESTINATION_FITS) {
        placeAddFitReason(p, node->name, &dest, fit, &after, reasons);
        return false;
    }
    spread = p->spread;
    shoalSchedPressureSpreadReplace(&spread, &np->pressure, &after);
    *score = shoalSchedPressureSpreadScore(&spread);
    return true;
}

static bool
placeValidate(const shoalSchedDomain *dom, GError **error)
{
    size_t i;

    if (!shoalSchedPlacementValidateSize(dom->memoryKiB, dom->vcpus, error))
        return false;
    for (i = 0; dom->samples && i < dom->samples->len; i++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample, i);

        /* NaN fails every comparison, so test for what is allowed */
        if (!(isfinite(s->cpuCores) && s->cpuCores >= 0 &&
              isfinite(s->vcpuDelay) && s->vcpuDelay >= 0)) {
            g_set_error_literal(error, SHOAL_SCHED_ERROR,
                                SHOAL_SCHED_ERROR_INVALID,
                                _("the domain's CPU samples must be finite numbers of at least 0"));
            return false;
        }
    }
    return true;
}

static int
placeCompareNodes(const void *a, const void *b)
{
    const shoalSchedNode *const *x = a;
    const shoalSchedNode *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

/**
 * shoalSchedPlaceDomain:
 * @snap: the cluster now
 * @config: the policy
 * @dom: the domain to place
 * @exclude: (nullable): a host not to choose, e.g. one being evacuated
 * @error: return location for an error
 *
 * Where a domain should go: the host whose choice leaves the cluster's
 * imbalance score lowest, among hosts that pass every hard constraint the
 * planner applies to a destination: online, not in maintenance, with
 * cores and usable memory; in @dom->pinned if that is set; with every
 * object of @dom->requires (its pools, volumes, networks, secrets); no member of
 * an anti-affinity group of @dom there; a member of each affinity group
 * of @dom that has members on other hosts; and the limits of
 * shoalSchedPressureDestinationCheck() (memory overcommit with reserved
 * memory and outgoing migrations, vCPU ratio, the CPU threshold for a
 * domain with CPU demand, the memory threshold). Among those, a host
 * where @dom fits in one NUMA cell beats one where it must spread, and
 * fewer cells beat more (shoalSchedNumaRank()); the score decides
 * between equals. The planner's rate
 * limits, cooldown, tabu and @dom's mode do not apply: placement is for a
 * domain that must go somewhere. Equal scores go to the name that sorts
 * first (byte order).
 *
 * @dom may be in @snap already (a domain of that name): then it is moved,
 * the host where it counts (where its migration in flight goes, else its
 * host) is excluded and that host's pressure is taken without it. Or it
 * is new. Either way @dom's own memoryKiB, vcpus, affinity, antiAffinity
 * and pinned are used, and its CPU demand is
 * shoalSchedPressureDomainDemand(): 0 unless it is running and has
 * samples.
 *
 * Pure and deterministic: the order of @snap's arrays does not matter.
 *
 * Returns: the chosen node's name (borrowed from @snap), or NULL with
 * @error set: SHOAL_SCHED_ERROR_INVALID if @snap, @config or @dom is not
 * valid (no memory, no vCPUs, samples not finite); SHOAL_SCHED_ERROR_NO_HOST
 * if no host can take it, with a message giving each host's first reason,
 * in name order.
 */
const char *
shoalSchedPlaceDomain(const shoalSchedSnapshot *snap,
                      const shoalSchedConfig *config,
                      const shoalSchedDomain *dom,
                      const char *exclude,
                      GError **error)
{
    g_autoptr(place) p = g_new0(place, 1);
    g_autoptr(shoalSchedPressureReport) report = NULL;
    g_autofree const shoalSchedNode **sorted = NULL;
    g_autoptr(GPtrArray) reasons = NULL;
    const shoalSchedNode *best = NULL;
    double bestScore = 0;
    unsigned bestRank = 0;
    unsigned long long memoryKiB;
    size_t n;
    size_t i;

    g_return_val_if_fail(snap, NULL);
    g_return_val_if_fail(config, NULL);
    g_return_val_if_fail(dom && dom->name, NULL);

    if (!shoalSchedConfigValidate(config, error) ||
        !placeValidate(dom, error) ||
        !(report = shoalSchedPressureCompute(snap, config, error)))
        return NULL;

    n = snap->nodes->len;
    p->snap = snap;
    p->config = config;
    p->dom = dom;
    p->report = report;
    p->from = -1;
    p->demand = shoalSchedPressureDomainDemand(dom, config);
    p->spread = report->spread;
    p->index = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < n; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        g_hash_table_insert(p->index, node->name, GSIZE_TO_POINTER(i + 1));
    }
    p->moving = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        g_hash_table_insert(p->moving, mig->domain, mig->to);
    }
    placeRemoveSelf(p);
    placeFindGroups(p);

    /* in name order, the first of equal scores is the one to keep, and
     * the reasons read the same in any order of the snapshot */
    sorted = g_new(const shoalSchedNode *, n + 1);
    for (i = 0; i < n; i++)
        sorted[i] = g_ptr_array_index(snap->nodes, i);
    if (n > 0)
        qsort(sorted, n, sizeof(*sorted), placeCompareNodes);
    reasons = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < n; i++) {
        size_t at = (size_t) placeLookupNode(p, sorted[i]->name);
        double score;
        unsigned rank;

        if (!placeConsider(p, at, exclude, &score, reasons))
            continue;
        /* NUMA fit first: the fewest cells the domain needs there */
        rank = shoalSchedNumaRank(sorted[i], dom);
        if (!best || rank < bestRank ||
            (rank == bestRank && score < bestScore)) {
            best = sorted[i];
            bestScore = score;
            bestRank = rank;
        }
    }
    if (best)
        return best->name;

    /* the words of shoalSchedPlace(); callers name the domain in a prefix.
     * The size is the one the limits saw, as a double. */
    memoryKiB = (unsigned long long) (double) dom->memoryKiB;
    shoalSchedPlacementSetNoHostError(error, reasons,
                                      shoalSchedPlacementMiBCeil(memoryKiB),
                                      dom->vcpus);
    return NULL;
}
