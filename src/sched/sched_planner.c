/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_planner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_elastic.h"
#include "sched_error.h"
#include "sched_numa.h"
#include "sched_power.h"
#include "sched_pressure.h"

/*
 * The planner: a greedy descent on the imbalance score
 * (shoalSchedPressureSpreadScore), one migration at a time.
 *
 * All state lives in flat arrays indexed by the position of a node or
 * domain in name order, so input order never matters and ties go to the
 * name that sorts first. Each host keeps its aggregates (CPU demand,
 * committed memory and vCPUs); the spread keeps sums over the hosts, so a
 * candidate move is scored in O(1) from the two hosts it changes, and
 * applying one updates two hosts and the sums.
 *
 * 1. In-place steps, in domain name order: a vCPU for a domain whose vCPUs
 *    are saturated without waiting for the host, or one fewer for one
 *    whose vCPUs idled for long; memory through virtio-mem, up under the
 *    guest's memory pressure or down after a long idle
 *    (sched_elastic.c), or else a larger balloon for a guest under
 *    memory pressure. All within maxResizesPerHour, and none for a domain
 *    resting after a change or whose guest ignored one.
 * 2. Pressure moves: from hosts whose CPU pressure has exceeded
 *    cpuThreshold in each of the last holdIntervals intervals (and still
 *    does) or whose committed memory exceeds memoryThreshold, and of
 *    domains that wait for a host CPU (vcpuDelay >= highDelay in each of
 *    the last saturationIntervals), until none pays.
 * 3. Balancing moves (config->balance): the same from any host.
 *
 * To stay fast on big clusters, each step of 2 and 3 first tries the
 * domains of the few hosts furthest above the mean (in CPU, in memory and
 * in both) against the few furthest below it, then four times as many;
 * only if none of those pays does it try every domain against a wide list
 * of destinations. A host whose domains have no move that pays there is
 * set aside, and looked at again before the planner gives up. A step
 * costs O(hosts + domains of the listed hosts * listed hosts), not
 * O(domains * hosts), let alone hbal's O(domains * hosts^2).
 *
 * A move is taken only if it lowers the score by at least minGain and by
 * at least its cost (costWeight * predicted migration seconds), and
 * breaks no hard limit: memory overcommit and the vCPU ratio on the
 * destination, the thresholds on the destination, affinity and
 * anti-affinity groups, pinning, the objects a domain needs (pools,
 * volumes, networks, secrets), hosts offline or in maintenance, domains
 * migrating, resting (cooldownMs) or off, a return to the host a domain
 * left within tabuMs, and the limits per round, source, destination and
 * hour. The best candidate is the one with the largest gain minus cost.
 * Each domain gets at most one step per plan.
 *
 * 4. A search after the greedy moves (see "the search after the greedy
 *    plan" below) looks, within a budget of evaluations, for fewer moves
 *    that keep every host within the pressures the greedy plan reaches,
 *    and orders them so that no step breaks a limit on the way.
 */

/* destinations and sources per list in the pruned search (then 4 times
 * as many) */
#define PLANNER_TOP 4
/* destinations per list when the pruned search finds nothing */
#define PLANNER_TOP_WIDE 48
#define PLANNER_HOUR_MS (G_GINT64_CONSTANT(3600) * 1000)

typedef struct {
    const shoalSchedNode *node; /* borrowed */
    double cpus;
    double usableKiB;
    double memoryLimitKiB; /* usable * memoryOvercommit */
    double vcpuLimit;      /* floor(cpus * vcpuRatio) */
    bool scored;           /* counts in the spread; may receive */
    double demand;         /* CPU cores */
    double reservedCores;  /* promised to vCPUs added in this plan */
    double committedKiB;   /* where domains count (in flight: destination) */
    double outgoingKiB;    /* of migrations in flight that leave it */
    double actualKiB;      /* balloons (or maximum memory) of running ones */
    double vcpus;
    double perCpu;               /* 1 / cpus */
    double perKiB;               /* 1 / usableKiB */
    shoalSchedPressure pressure; /* demand / cpus, committed / usable */
    bool cpuSource;              /* CPU pressure held over the threshold */
    bool blocked;                /* none of its domains had a move that pays */
    /* overloaded when the moves began: with balance=false the search
     * may still move its domains */
    bool relieve;
    unsigned movesOut; /* in flight and planned */
    unsigned movesIn;
    unsigned *movable; /* domains that may still move */
    unsigned nmovable;
} plannerNode;

typedef struct {
    const shoalSchedDomain *dom; /* borrowed */
    int node;                    /* where it counts, -1 for nowhere */
    unsigned slot;               /* its place in node->movable */
    double demand;
    double memoryKiB;
    unsigned vcpus;
    shoalSchedMode mode;
    bool movable;
    bool contended; /* it waits for a host CPU */
    int tabu;       /* the node it must not return to, or -1 */
    int *pins;      /* node indices it may run on; NULL: any */
    unsigned npins;
    unsigned *affinity; /* group indices */
    unsigned naffinity;
    unsigned *anti;
    unsigned nanti;
} plannerDomain;

/* Where the members of one group are: node index + 1 -> count. */
typedef struct {
    GHashTable *count;
    unsigned placed;
} plannerGroup;

typedef struct {
    const shoalSchedSnapshot *snap;
    const shoalSchedConfig *config;
    shoalSchedPlan *plan;
    plannerNode *nodes;
    size_t nnodes;
    plannerDomain *domains;
    size_t ndomains;
    GArray *affinityGroups; /* of plannerGroup */
    GArray *antiGroups;
    shoalSchedSpread spread;
    double score;
    unsigned movesLeft;   /* G_MAXUINT: unlimited */
    unsigned resizesLeft; /* in-place steps; G_MAXUINT: unlimited */
    bool limitByBudget;   /* movesLeft comes from the hourly budget */
    /* scratch for candidate lists */
    unsigned *dests;
    unsigned ndests;
    unsigned *sources;
    unsigned nsources;
    guint8 *mark;
    unsigned *contended; /* domains that wait for a host CPU */
    unsigned ncontended;
    unsigned nblocked; /* nodes with blocked set */
    /* where each domain was when the moves began, and whether it may
     * move at all: a plan moves a domain at most once, from there */
    int *origin;
    bool *canMove;
    /* the domains away from their origin, in no particular order */
    unsigned *moved;
    int *movedAt; /* index in moved, or -1 */
    unsigned nmoved;
    /* each host's aggregates when the moves began (demand, committed,
     * vCPUs, actual memory): the search's many changes back and forth
     * must not leave rounding in them */
    double *start;
    guint64 evaluations; /* of the search, against config->searchBudget */
    /* the search's bands: the lowest and highest pressures of the greedy
     * result, and how far the hosts are outside them in all */
    bool banded;
    shoalSchedPressure low;
    shoalSchedPressure high;
    double excess;
    double movedKiB; /* memory of the domains away from their origin */
    /* the search minimises the memory moved (then the score, which must
     * stay within scoreCap) instead of the score */
    bool lighten;
    double scoreCap;
    /* the highest score a placement the search keeps may have; INFINITY:
     * the bands alone */
    double scoreLimit;
    bool searching; /* in plannerRefine() */
    /* plannerShake(): its sequence, and how much at most a candidate's
     * fall in the excess counts more than it is, so that reaching the
     * bands takes another path each time (0: none) */
    guint64 rng;
    double jitter;
} planner;

typedef struct {
    bool found;
    unsigned domain;
    unsigned from;
    unsigned to;
    double gain;
    double cost;
    double net;
    double scoreAfter;
} plannerCandidate;

typedef enum {
    PLANNER_SOURCE_NONE,
    PLANNER_SOURCE_CPU,
    PLANNER_SOURCE_MEMORY,
} plannerSourceKind;

static void
plannerGroupClear(plannerGroup *group)
{
    g_clear_pointer(&group->count, g_hash_table_unref);
}

static void
plannerFree(planner *p)
{
    size_t i;

    for (i = 0; p->nodes && i < p->nnodes; i++)
        g_free(p->nodes[i].movable);
    for (i = 0; p->domains && i < p->ndomains; i++) {
        g_free(p->domains[i].pins);
        g_free(p->domains[i].affinity);
        g_free(p->domains[i].anti);
    }
    g_free(p->nodes);
    g_free(p->domains);
    if (p->affinityGroups)
        g_array_unref(p->affinityGroups);
    if (p->antiGroups)
        g_array_unref(p->antiGroups);
    g_free(p->dests);
    g_free(p->sources);
    g_free(p->mark);
    g_free(p->contended);
    g_free(p->origin);
    g_free(p->canMove);
    g_free(p->moved);
    g_free(p->movedAt);
    g_free(p->start);
    if (p->plan)
        shoalSchedPlanUnref(p->plan);
    g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(planner, plannerFree)

static int
plannerCompareNodes(const void *a, const void *b)
{
    const shoalSchedNode *const *x = a;
    const shoalSchedNode *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

static int
plannerCompareDomains(const void *a, const void *b)
{
    const shoalSchedDomain *const *x = a;
    const shoalSchedDomain *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

static shoalSchedPressure
plannerPressure(const plannerNode *n)
{
    return n->pressure;
}

/* After a change of its demand or committed memory; divides, as
 * shoalSchedPressureCompute() does, so that both agree to the last bit. */
static void
plannerNodeRefresh(plannerNode *n)
{
    n->pressure.cpu = n->demand / n->cpus;
    n->pressure.memory = n->committedKiB / n->usableKiB;
}

/* ---- groups ---------------------------------------------------------- */

static unsigned *
plannerResolveGroups(GHashTable *names,
                     GArray *groups,
                     const char *const *list,
                     unsigned *n)
{
    unsigned *out;
    unsigned len;
    unsigned i;

    *n = 0;
    if (!list || !list[0])
        return NULL;
    len = g_strv_length((char **) list);
    out = g_new(unsigned, len);
    for (i = 0; i < len; i++) {
        gpointer val = NULL;
        unsigned idx;
        unsigned j;
        bool dup = false;

        if (g_hash_table_lookup_extended(names, list[i], NULL, &val)) {
            idx = GPOINTER_TO_UINT(val);
        } else {
            plannerGroup group = { g_hash_table_new(NULL, NULL), 0 };

            idx = groups->len;
            g_array_append_val(groups, group);
            g_hash_table_insert(names, (gpointer) list[i],
                                GUINT_TO_POINTER(idx));
        }
        for (j = 0; j < *n; j++)
            dup = dup || out[j] == idx;
        if (!dup)
            out[(*n)++] = idx;
    }
    return out;
}

static unsigned
plannerGroupCount(const plannerGroup *group, unsigned node)
{
    return GPOINTER_TO_UINT(
        g_hash_table_lookup(group->count, GUINT_TO_POINTER(node + 1)));
}

static void
plannerGroupChange(plannerGroup *group, unsigned node, int delta)
{
    unsigned c = plannerGroupCount(group, node);

    c = (unsigned) ((int) c + delta);
    if (c == 0)
        g_hash_table_remove(group->count, GUINT_TO_POINTER(node + 1));
    else
        g_hash_table_insert(group->count, GUINT_TO_POINTER(node + 1),
                            GUINT_TO_POINTER(c));
}

/*
 * Whether moving @d from @from to @to keeps its groups: it never joins
 * a member of an anti-affinity group, never leaves a member of an
 * affinity group behind, and, if its affinity group has members
 * elsewhere, only goes where some are.
 */
static bool
plannerGroupsAllow(const planner *p,
                   const plannerDomain *d,
                   unsigned from,
                   unsigned to)
{
    unsigned i;

    for (i = 0; i < d->nanti; i++) {
        if (plannerGroupCount(&g_array_index(p->antiGroups, plannerGroup,
                                             d->anti[i]),
                              to) > 0)
            return false;
    }
    for (i = 0; i < d->naffinity; i++) {
        const plannerGroup *g =
            &g_array_index(p->affinityGroups, plannerGroup, d->affinity[i]);
        unsigned here = plannerGroupCount(g, from);

        if (here > 1)
            return false;
        if (g->placed > here && plannerGroupCount(g, to) == 0)
            return false;
    }
    return true;
}

/* ---- setup ------------------------------------------------------------ */

static shoalSchedMode
plannerDomainMode(const planner *p, const shoalSchedDomain *dom)
{
    int mode = dom->mode ? shoalSchedModeFromString(dom->mode) : -1;

    return mode >= 0 ? (shoalSchedMode) mode : p->config->mode;
}

static void
plannerAddMovable(planner *p, unsigned di)
{
    plannerDomain *d = &p->domains[di];
    plannerNode *n = &p->nodes[d->node];

    if (!n->movable)
        n->movable = g_new(unsigned, n->nmovable + 1);
    else
        n->movable = g_renew(unsigned, n->movable, n->nmovable + 1);
    d->slot = n->nmovable;
    n->movable[n->nmovable++] = di;
}

static void
plannerRemoveMovable(planner *p, unsigned di)
{
    plannerDomain *d = &p->domains[di];
    plannerNode *n = &p->nodes[d->node];
    unsigned last = n->movable[n->nmovable - 1];

    n->movable[d->slot] = last;
    p->domains[last].slot = d->slot;
    n->nmovable--;
    d->movable = false;
}

static void
plannerSetupNodes(planner *p, const shoalSchedPressureReport *report)
{
    g_autofree const shoalSchedNode **sorted = NULL;
    g_autoptr(GHashTable) reportIndex = g_hash_table_new(NULL, NULL);
    const shoalSchedConfig *config = p->config;
    size_t i;

    p->nnodes = p->snap->nodes->len;
    p->nodes = g_new0(plannerNode, p->nnodes);
    sorted = g_new(const shoalSchedNode *, p->nnodes);
    for (i = 0; i < p->nnodes; i++) {
        sorted[i] = g_ptr_array_index(p->snap->nodes, i);
        g_hash_table_insert(reportIndex, (gpointer) sorted[i],
                            GSIZE_TO_POINTER(i));
    }
    if (p->nnodes > 0)
        qsort(sorted, p->nnodes, sizeof(*sorted), plannerCompareNodes);

    shoalSchedPressureSpreadInit(&p->spread, config);
    for (i = 0; i < p->nnodes; i++) {
        plannerNode *n = &p->nodes[i];
        const shoalSchedNode *node = sorted[i];
        const shoalSchedNodePressure *np =
            &g_array_index(report->nodes, shoalSchedNodePressure,
                           GPOINTER_TO_SIZE(
                               g_hash_table_lookup(reportIndex, node)));
        shoalSchedPressure pressure;

        n->node = node;
        n->scored = np->scored;
        n->cpus = node->cpus;
        n->usableKiB = node->memoryKiB > node->reservedKiB
                           ? (double) (node->memoryKiB - node->reservedKiB)
                           : 0;
        n->memoryLimitKiB = floor(n->usableKiB * config->memoryOvercommit);
        n->vcpuLimit = floor(node->cpus * config->vcpuRatio);
        n->demand = np->demandCores;
        n->committedKiB = (double) np->committedKiB;
        n->vcpus = (double) np->vcpus;
        n->cpuSource =
            np->scored && np->cpuHeldIntervals >= MAX(config->holdIntervals, 1);
        if (!n->scored)
            continue;
        n->perCpu = 1.0 / n->cpus;
        n->perKiB = 1.0 / n->usableKiB;
        plannerNodeRefresh(n);
        pressure = plannerPressure(n);
        shoalSchedPressureSpreadAdd(&p->spread, &pressure);
    }
    p->score = shoalSchedPressureSpreadScore(&p->spread);
}

static int
plannerLookupNode(GHashTable *index, const char *name)
{
    gpointer val = NULL;

    if (!name || !g_hash_table_lookup_extended(index, name, NULL, &val))
        return -1;
    return GPOINTER_TO_INT(val);
}

/*
 * The nodes a domain may go to: its pins, less the nodes that lack an
 * object it needs (the objects act as pins to every node that has them
 * all), and less the nodes where it needs more NUMA cells than on the
 * best (sched_numa.c).
 */
static void
plannerSetupPins(const planner *p, plannerDomain *d, GHashTable *nodeIndex)
{
    const shoalSchedDomain *dom = d->dom;
    bool needs = !shoalSchedObjectsIsEmpty(&dom->requires);
    g_autoptr(GHashTable) numa = shoalSchedNumaBestNodes(p->snap, dom);
    shoalSchedObjectKind kind;
    const char *missing;
    unsigned len;
    unsigned i;

    if (!dom->pinned && !needs && !numa)
        return;
    len = dom->pinned ? g_strv_length(dom->pinned) : (unsigned) p->nnodes;
    d->pins = g_new(int, len + 1);
    for (i = 0; i < len; i++) {
        int at = dom->pinned ? plannerLookupNode(nodeIndex, dom->pinned[i])
                             : (int) i;

        if (at < 0 ||
            (numa && !g_hash_table_contains(numa, p->nodes[at].node)) ||
            (needs &&
             shoalSchedObjectsFindMissing(&p->nodes[at].node->objects,
                                          &dom->requires, &kind, &missing)))
            continue;
        d->pins[d->npins++] = at;
    }
}

static void
plannerSetupDomains(planner *p, GHashTable *nodeIndex)
{
    g_autofree const shoalSchedDomain **sorted = NULL;
    g_autoptr(GHashTable) inFlight = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) affinityNames =
        g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) antiNames = g_hash_table_new(g_str_hash, g_str_equal);
    const shoalSchedConfig *config = p->config;
    gint64 now = p->snap->nowMs;
    size_t i;
    unsigned j;

    for (i = 0; i < p->snap->migrations->len; i++) {
        const shoalSchedMigration *mig =
            g_ptr_array_index(p->snap->migrations, i);
        int from = plannerLookupNode(nodeIndex, mig->from);
        int to = plannerLookupNode(nodeIndex, mig->to);

        g_hash_table_insert(inFlight, mig->domain, (gpointer) mig);
        p->nodes[from].movesOut++;
        p->nodes[to].movesIn++;
    }

    p->ndomains = p->snap->domains->len;
    p->domains = g_new0(plannerDomain, p->ndomains);
    p->contended = g_new(unsigned, p->ndomains + 1);
    sorted = g_new(const shoalSchedDomain *, p->ndomains);
    for (i = 0; i < p->ndomains; i++)
        sorted[i] = g_ptr_array_index(p->snap->domains, i);
    if (p->ndomains > 0)
        qsort(sorted, p->ndomains, sizeof(*sorted), plannerCompareDomains);

    for (i = 0; i < p->ndomains; i++) {
        plannerDomain *d = &p->domains[i];
        const shoalSchedDomain *dom = sorted[i];
        const shoalSchedMigration *mig =
            g_hash_table_lookup(inFlight, dom->name);
        int host = plannerLookupNode(nodeIndex, dom->host);
        plannerNode *n;
        bool resting;

        d->dom = dom;
        d->node = mig ? plannerLookupNode(nodeIndex, mig->to) : host;
        d->demand = shoalSchedPressureDomainDemand(dom, config);
        d->memoryKiB = (double) dom->memoryKiB;
        d->vcpus = dom->vcpus;
        d->mode = plannerDomainMode(p, dom);
        d->affinity = plannerResolveGroups(affinityNames, p->affinityGroups,
                                           (const char *const *) dom->affinity,
                                           &d->naffinity);
        d->anti = plannerResolveGroups(antiNames, p->antiGroups,
                                       (const char *const *) dom->antiAffinity,
                                       &d->nanti);
        plannerSetupPins(p, d, nodeIndex);
        d->tabu = -1;
        if (dom->lastHost && dom->lastMoveMs != 0 &&
            now - dom->lastMoveMs < config->tabuMs)
            d->tabu = plannerLookupNode(nodeIndex, dom->lastHost);
        if (d->node < 0)
            continue;
        for (j = 0; j < d->naffinity; j++) {
            plannerGroup *g =
                &g_array_index(p->affinityGroups, plannerGroup, d->affinity[j]);

            plannerGroupChange(g, d->node, +1);
            g->placed++;
        }
        for (j = 0; j < d->nanti; j++)
            plannerGroupChange(&g_array_index(p->antiGroups, plannerGroup,
                                              d->anti[j]),
                               d->node, +1);
        if (mig && host >= 0)
            p->nodes[host].outgoingKiB += d->memoryKiB;
        if (dom->running && !mig) {
            p->nodes[d->node].actualKiB +=
                dom->balloonKiB > 0 ? (double) dom->balloonKiB : d->memoryKiB;
        }

        n = &p->nodes[d->node];
        resting =
            dom->lastMoveMs != 0 && now - dom->lastMoveMs < config->cooldownMs;
        d->movable = dom->running && !dom->migrating && !mig && n->scored &&
                     d->mode != SHOAL_SCHED_MODE_OFF && !resting &&
                     dom->memoryKiB > 0 && !dom->unmovable;
        d->contended =
            d->movable &&
            shoalSchedPressureDomainHeld(dom, config->saturationIntervals, 0,
                                         config->highDelay, INFINITY);
        if (d->movable)
            plannerAddMovable(p, (unsigned) i);
        if (d->contended)
            p->contended[p->ncontended++] = (unsigned) i;
    }
}

/* How many of @times lie within the hour before now. */
static unsigned
plannerLastHour(const planner *p, const GArray *times)
{
    unsigned recent = 0;
    size_t i;

    for (i = 0; i < times->len; i++) {
        gint64 t = g_array_index(times, gint64, i);

        if (t <= p->snap->nowMs && p->snap->nowMs - t < PLANNER_HOUR_MS)
            recent++;
    }
    return recent;
}

static void
plannerSetupBudget(planner *p)
{
    const shoalSchedConfig *config = p->config;
    unsigned recent = 0;
    size_t i;

    p->resizesLeft = G_MAXUINT;
    if (config->maxResizesPerHour > 0) {
        unsigned done = plannerLastHour(p, p->snap->recentResizesMs);

        p->resizesLeft = done < config->maxResizesPerHour
                             ? config->maxResizesPerHour - done
                             : 0;
    }

    p->movesLeft =
        config->maxMovesPerRound ? config->maxMovesPerRound : G_MAXUINT;
    if (config->maxMovesPerHour == 0)
        return;
    for (i = 0; i < p->snap->recentMovesMs->len; i++) {
        gint64 t = g_array_index(p->snap->recentMovesMs, gint64, i);

        if (t <= p->snap->nowMs && p->snap->nowMs - t < PLANNER_HOUR_MS)
            recent++;
    }
    if (recent >= config->maxMovesPerHour) {
        p->movesLeft = 0;
        p->limitByBudget = true;
    } else if (config->maxMovesPerHour - recent < p->movesLeft) {
        p->movesLeft = config->maxMovesPerHour - recent;
        p->limitByBudget = true;
    }
}

/* ---- in-place steps ---------------------------------------------------- */

static void
plannerStepCommon(planner *p,
                  shoalSchedStep *step,
                  const plannerDomain *d,
                  const plannerNode *n,
                  const char *rule)
{
    shoalSchedPressure pressure = plannerPressure(n);
    double imbalance = shoalSchedPressureSpreadImbalance(&p->spread);

    step->uuid = g_strdup(d->dom->uuid);
    step->from = g_strdup(n->node->name);
    step->mode = d->mode;
    step->rule = g_strdup(rule);
    step->memoryKiB = d->dom->memoryKiB;
    step->fromBefore = step->fromAfter = pressure;
    step->imbalanceBefore = step->imbalanceAfter = imbalance;
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_ON_HOST,
                                  d->dom->name, n->node->name, 0);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_RUNNING,
                                  d->dom->name, NULL, 0);
}

/* The lowest vcpuBusy (or vcpuDelay) of the latest @intervals samples. */
static double
plannerLowest(const shoalSchedDomain *dom, unsigned intervals, bool delay)
{
    double low = INFINITY;
    size_t i;

    for (i = dom->samples->len - intervals; i < dom->samples->len; i++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample, i);

        low = MIN(low, delay ? s->vcpuDelay : s->vcpuBusy);
    }
    return low;
}

/* Returns: whether @d got a vCPU. */
static bool
plannerTryAddVcpu(planner *p, unsigned di)
{
    const shoalSchedConfig *config = p->config;
    plannerDomain *d = &p->domains[di];
    plannerNode *n = &p->nodes[d->node];
    const shoalSchedDomain *dom = d->dom;
    unsigned intervals = config->saturationIntervals;
    g_autoptr(shoalSchedStep) step = NULL;
    double busy;
    double delay = 0;
    size_t i;

    if (dom->vcpus >= dom->maxVcpus ||
        !shoalSchedPressureDomainHeld(dom, intervals, config->saturationBusy, 0,
                                      config->lowDelay))
        return false;
    busy = plannerLowest(dom, intervals, false);
    for (i = dom->samples->len - intervals; i < dom->samples->len; i++)
        delay = MAX(delay,
                    g_array_index(dom->samples, shoalSchedSample, i).vcpuDelay);
    if (n->vcpus + 1 > n->vcpuLimit ||
        (n->demand + n->reservedCores + 1) / n->cpus > config->cpuThreshold) {
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(_("domain '%1$s' has saturated vCPUs, but host '%2$s' has no room for another"),
                                                 dom->name, n->node->name));
        return false;
    }

    step = shoalSchedStepNew(SHOAL_SCHED_ACTION_ADD_VCPU, dom->name);
    plannerStepCommon(p, step, d, n, "vcpu-saturation");
    step->value = dom->vcpus + 1;
    step->reason =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                    "its %1$u vCPUs were at least %2$.0f%% busy in each of the last %3$u interval while waiting at most %4$.0f%% for a host CPU",
                                    "its %1$u vCPUs were at least %2$.0f%% busy in each of the last %3$u intervals while waiting at most %4$.0f%% for a host CPU",
                                    intervals),
                        dom->vcpus, busy * 100, intervals, delay * 100);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                  dom->name, NULL, 0);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_VCPUS,
                                  dom->name, NULL, dom->vcpus);
    n->vcpus += 1;
    n->reservedCores += 1;
    shoalSchedPlanAppendStep(p->plan, g_steal_pointer(&step));
    return true;
}

/* Returns: whether @d got a larger balloon. */
static bool
plannerTryBalloon(planner *p, unsigned di)
{
    plannerDomain *d = &p->domains[di];
    plannerNode *n = &p->nodes[d->node];
    const shoalSchedDomain *dom = d->dom;
    g_autoptr(shoalSchedStep) step = NULL;
    double room = n->memoryLimitKiB - n->actualKiB;
    unsigned long long target;

    if (!dom->memoryPressure || dom->balloonKiB == 0 ||
        dom->balloonKiB >= dom->memoryKiB)
        return false;
    target = MIN(dom->memoryKiB,
                 dom->balloonKiB +
                     (unsigned long long) p->config->balloonStepMiB * 1024);
    if (room < (double) (target - dom->balloonKiB))
        target = room > 0 ? dom->balloonKiB + (unsigned long long) room
                          : dom->balloonKiB;
    if (target <= dom->balloonKiB) {
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(_("domain '%1$s' reports memory pressure, but host '%2$s' has no memory to give it"),
                                                 dom->name, n->node->name));
        return false;
    }

    step = shoalSchedStepNew(SHOAL_SCHED_ACTION_SET_BALLOON, dom->name);
    plannerStepCommon(p, step, d, n, "balloon");
    step->value = target;
    step->reason =
        g_strdup_printf(_("the guest reports memory pressure with a balloon of %1$llu MiB of %2$llu MiB"),
                        dom->balloonKiB / 1024, dom->memoryKiB / 1024);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_BALLOON_BELOW,
                                  dom->name, NULL, target);
    n->actualKiB += (double) (target - dom->balloonKiB);
    shoalSchedPlanAppendStep(p->plan, g_steal_pointer(&step));
    return true;
}

/* A step of sched_elastic.c for @d: @change becomes a step of the plan. */
static void
plannerElasticStep(planner *p, unsigned di, shoalSchedElasticChange *change)
{
    plannerDomain *d = &p->domains[di];
    plannerNode *n = &p->nodes[d->node];
    const shoalSchedDomain *dom = d->dom;
    g_autoptr(shoalSchedStep) step =
        shoalSchedStepNew(change->action, dom->name);

    plannerStepCommon(p, step, d, n, change->rule);
    step->value = change->value;
    step->reason = g_steal_pointer(&change->reason);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_IDLE,
                                  dom->name, NULL, 0);
    if (change->action == SHOAL_SCHED_ACTION_REMOVE_VCPU) {
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_VCPUS,
                                      dom->name, NULL, dom->vcpus);
        n->vcpus -= 1;
    } else {
        shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_VIRTIO_MEM_SIZE,
                                      dom->name, NULL,
                                      dom->virtioMemRequestedKiB);
        n->actualKiB +=
            (double) change->value - (double) dom->virtioMemRequestedKiB;
    }
    shoalSchedPlanAppendStep(p->plan, g_steal_pointer(&step));
}

/* Returns: whether @d gave back a vCPU. */
static bool
plannerTryRemoveVcpu(planner *p, unsigned di)
{
    g_auto(shoalSchedElasticChange) change = { 0 };

    if (!shoalSchedElasticVcpuDown(p->domains[di].dom, p->config, &change))
        return false;
    plannerElasticStep(p, di, &change);
    return true;
}

/* Returns: whether @d got a virtio-mem step; *@device: it has a device. */
static bool
plannerTryVirtioMem(planner *p, unsigned di, bool *device)
{
    const plannerDomain *d = &p->domains[di];
    const plannerNode *n = &p->nodes[d->node];
    g_auto(shoalSchedElasticChange) change = { 0 };
    char *note = NULL;

    *device = d->dom->virtioMemMaxKiB > 0;
    if (!shoalSchedElasticMemory(d->dom, p->config,
                                 n->memoryLimitKiB - n->actualKiB, &change,
                                 &note)) {
        if (note)
            shoalSchedPlanAppendNote(p->plan, note);
        return false;
    }
    plannerElasticStep(p, di, &change);
    return true;
}

static void
plannerInPlace(planner *p)
{
    const shoalSchedConfig *config = p->config;
    gint64 now = p->snap->nowMs;
    size_t i;

    for (i = 0; i < p->ndomains; i++) {
        plannerDomain *d = &p->domains[i];
        const shoalSchedDomain *dom = d->dom;
        const plannerNode *n;
        unsigned before = p->plan->steps->len;
        bool changed = false;
        bool device = false;

        if (d->node < 0 || !dom->running || dom->migrating ||
            d->mode == SHOAL_SCHED_MODE_OFF)
            continue;
        n = &p->nodes[d->node];
        if (!n->scored || !dom->host || !g_str_equal(dom->host, n->node->name))
            continue;
        if (dom->lastResizeMs != 0 &&
            now - dom->lastResizeMs < config->cooldownMs)
            continue;
        if (shoalSchedElasticRefused(dom, config, now)) {
            shoalSchedPlanAppendNote(p->plan,
                                     g_strdup_printf(_("the guest of domain '%1$s' did not carry out its last resize; it is not resized again for now"),
                                                     dom->name));
            continue;
        }
        if (p->resizesLeft == 0)
            continue;
        /* a domain that waits for a host CPU needs another host, not vCPUs */
        if (!d->contended && plannerTryAddVcpu(p, (unsigned) i))
            changed = true;
        else if (plannerTryRemoveVcpu(p, (unsigned) i))
            changed = true;
        if (p->resizesLeft > p->plan->steps->len - before) {
            if (plannerTryVirtioMem(p, (unsigned) i, &device))
                changed = true;
            else if (!device && plannerTryBalloon(p, (unsigned) i))
                changed = true;
        }
        p->resizesLeft = p->resizesLeft == G_MAXUINT
                             ? G_MAXUINT
                             : p->resizesLeft - (p->plan->steps->len - before);
        if (changed && d->movable)
            plannerRemoveMovable(p, (unsigned) i);
    }
}

/* ---- moves --------------------------------------------------------------- */

/*
 * A domain about to be tried against destinations: the spread's sums
 * with its source already changed, so that each destination costs O(1).
 */
typedef struct {
    unsigned domain;
    unsigned from;
    double cost;
    double cpuSum;
    double cpuSquares;
    double memorySum;
    double memorySquares;
    shoalSchedPressure source; /* the source's pressures without it */
} plannerMove;

static void
plannerMoveInit(const planner *p, unsigned di, plannerMove *m)
{
    const plannerDomain *d = &p->domains[di];
    const plannerNode *s = &p->nodes[d->node];
    double cpu = (s->demand - d->demand) * s->perCpu;
    double memory = (s->committedKiB - d->memoryKiB) * s->perKiB;

    m->domain = di;
    m->from = (unsigned) d->node;
    m->cost = p->config->costWeight * d->memoryKiB / 1024.0 /
              p->config->migrationBandwidthMiBs;
    m->cpuSum = p->spread.cpuSum - s->pressure.cpu + cpu;
    m->cpuSquares =
        p->spread.cpuSquares - s->pressure.cpu * s->pressure.cpu + cpu * cpu;
    m->memorySum = p->spread.memorySum - s->pressure.memory + memory;
    m->memorySquares = p->spread.memorySquares -
                       s->pressure.memory * s->pressure.memory +
                       memory * memory;
    m->source.cpu = cpu;
    m->source.memory = memory;
}

/*
 * Whether domain @di, now on @from, may go to @to: the hard limits on the
 * destination as it is now (with the pressures @cpu and @memory it would
 * have), pins, groups and the tabu host. A domain may always go back to
 * where it was when the moves began, limits and groups permitting.
 */
static bool
plannerAllows(const planner *p,
              unsigned di,
              unsigned from,
              unsigned to,
              double *cpu,
              double *memory)
{
    const shoalSchedConfig *config = p->config;
    const plannerDomain *d = &p->domains[di];
    const plannerNode *t = &p->nodes[to];
    bool home = p->origin && p->origin[di] == (int) to;

    if (to == from || !t->scored)
        return false;
    /* the search's new moves keep the limits per round, hour and source
     * that the greedy descent keeps by where it looks */
    if (p->searching && !home && p->origin[di] == (int) from &&
        (p->movesLeft == 0 ||
         (config->maxPerSource &&
          p->nodes[from].movesOut >= config->maxPerSource)))
        return false;
    if (!home &&
        ((int) to == d->tabu || (config->maxPerDestination &&
                                 t->movesIn >= config->maxPerDestination)))
        return false;
    if (t->committedKiB + t->outgoingKiB + d->memoryKiB > t->memoryLimitKiB ||
        t->vcpus + d->vcpus > t->vcpuLimit)
        return false;
    *cpu = (t->demand + d->demand) * t->perCpu;
    *memory = (t->committedKiB + d->memoryKiB) * t->perKiB;
    if ((d->demand > 0 &&
         *cpu + t->reservedCores * t->perCpu > config->cpuThreshold) ||
        *memory > config->memoryThreshold)
        return false;
    if (d->pins && !home) {
        unsigned i;
        bool ok = false;

        for (i = 0; i < d->npins && !ok; i++)
            ok = d->pins[i] == (int) to;
        if (!ok)
            return false;
    }
    if ((d->naffinity || d->nanti) && !plannerGroupsAllow(p, d, from, to))
        return false;
    return true;
}

/* The score after move @m to @to, whose pressures would be @cpu and
 * @memory, as shoalSchedPressureSpreadScore() computes it. O(1). */
static double
plannerScoreWith(const planner *p,
                 const plannerMove *m,
                 unsigned to,
                 double cpu,
                 double memory)
{
    const plannerNode *t = &p->nodes[to];
    double sum;
    double ssdCpu;
    double ssdMemory;

    sum = m->cpuSum - t->pressure.cpu + cpu;
    ssdCpu = m->cpuSquares - t->pressure.cpu * t->pressure.cpu + cpu * cpu -
             sum * sum / p->spread.count;
    sum = m->memorySum - t->pressure.memory + memory;
    ssdMemory = m->memorySquares - t->pressure.memory * t->pressure.memory +
                memory * memory - sum * sum / p->spread.count;
    return p->spread.cpuWeight * (ssdCpu > 0 ? ssdCpu : 0) +
           p->spread.memoryWeight * (ssdMemory > 0 ? ssdMemory : 0);
}

/*
 * Scores move @m to @to into @c, if allowed and if it pays. The hot
 * path: O(1) apart from pins and groups.
 */
static bool
plannerEvaluate(const planner *p,
                const plannerMove *m,
                unsigned to,
                plannerCandidate *c)
{
    const shoalSchedConfig *config = p->config;
    double cpu;
    double memory;
    double after;
    double gain;

    if (!plannerAllows(p, m->domain, m->from, to, &cpu, &memory))
        return false;
    after = plannerScoreWith(p, m, to, cpu, memory);
    gain = p->score - after;
    if (!(gain > 0) || gain < config->minGain || gain < m->cost)
        return false;

    c->found = true;
    c->domain = m->domain;
    c->from = m->from;
    c->to = to;
    c->gain = gain;
    c->cost = m->cost;
    c->net = gain - m->cost;
    c->scoreAfter = after;
    return true;
}

/* Returns: whether the move is allowed and pays, better or not. */
static bool
plannerConsider(const planner *p,
                const plannerMove *m,
                unsigned to,
                plannerCandidate *best)
{
    plannerCandidate c;

    if (!plannerEvaluate(p, m, to, &c))
        return false;
    if (best->found && (c.net < best->net ||
                        (c.net == best->net &&
                         (c.domain > best->domain ||
                          (c.domain == best->domain && c.to >= best->to)))))
        return true;
    *best = c;
    return true;
}

/*
 * Tries domain @di against the destinations (or its pins).
 * Returns: whether any of its moves is allowed and pays.
 */
static bool
plannerConsiderDomain(const planner *p,
                      unsigned di,
                      const unsigned *dests,
                      unsigned ndests,
                      plannerCandidate *best)
{
    const plannerDomain *d = &p->domains[di];
    plannerMove m;
    bool any = false;
    unsigned i;

    plannerMoveInit(p, di, &m);
    if (d->pins) {
        for (i = 0; i < d->npins; i++)
            any |= plannerConsider(p, &m, (unsigned) d->pins[i], best);
        return any;
    }
    for (i = 0; i < ndests; i++)
        any |= plannerConsider(p, &m, dests[i], best);
    return any;
}

static bool
plannerSourceOpen(const planner *p, const plannerNode *n)
{
    return n->nmovable > 0 && !n->blocked &&
           (!p->config->maxPerSource || n->movesOut < p->config->maxPerSource);
}

static plannerSourceKind
plannerPressureKind(const planner *p, const plannerNode *n)
{
    if (!n->scored)
        return PLANNER_SOURCE_NONE;
    if (n->cpuSource && n->pressure.cpu > p->config->cpuThreshold)
        return PLANNER_SOURCE_CPU;
    if (n->pressure.memory > p->config->memoryThreshold)
        return PLANNER_SOURCE_MEMORY;
    return PLANNER_SOURCE_NONE;
}

/* A short list of the @k nodes with the largest keys, ties by index. */
typedef struct {
    unsigned idx[PLANNER_TOP_WIDE];
    double key[PLANNER_TOP_WIDE];
    unsigned n;
    unsigned k;
} plannerTop;

static void
plannerTopOffer(plannerTop *top, unsigned idx, double key)
{
    unsigned pos;

    if (top->n == top->k && !(key > top->key[top->n - 1]))
        return;
    pos = top->n < top->k ? top->n++ : top->n - 1;
    while (pos > 0 && key > top->key[pos - 1]) {
        top->idx[pos] = top->idx[pos - 1];
        top->key[pos] = top->key[pos - 1];
        pos--;
    }
    top->idx[pos] = idx;
    top->key[pos] = key;
}

static void
plannerTopCollect(const plannerTop *top,
                  unsigned *out,
                  unsigned *n,
                  guint8 *mark)
{
    unsigned i;

    for (i = 0; i < top->n; i++) {
        if (mark[top->idx[i]])
            continue;
        mark[top->idx[i]] = 1;
        out[(*n)++] = top->idx[i];
    }
}

/*
 * The candidate lists of the pruned search: the @k hosts furthest above
 * the mean in CPU, in memory and in both (sources: open ones, or for
 * pressure moves overloaded ones), and the @k furthest below
 * (destinations).
 */
static void
plannerShortLists(planner *p, unsigned k, bool pressure)
{
    const shoalSchedSpread *sp = &p->spread;
    double cpuMean = sp->count ? sp->cpuSum / sp->count : 0;
    double memMean = sp->count ? sp->memorySum / sp->count : 0;
    plannerTop top[6];
    unsigned i;

    memset(top, 0, sizeof(top));
    for (i = 0; i < 6; i++)
        top[i].k = k;
    for (i = 0; i < p->nnodes; i++) {
        const plannerNode *n = &p->nodes[i];
        shoalSchedPressure pr;
        double both;

        if (!n->scored)
            continue;
        pr = plannerPressure(n);
        both = sp->cpuWeight * (pr.cpu - cpuMean) +
               sp->memoryWeight * (pr.memory - memMean);
        if (plannerSourceOpen(p, n) &&
            (!pressure || plannerPressureKind(p, n) != PLANNER_SOURCE_NONE)) {
            plannerTopOffer(&top[0], i, pr.cpu);
            plannerTopOffer(&top[1], i, pr.memory);
            plannerTopOffer(&top[2], i, both);
        }
        if (!p->config->maxPerDestination ||
            n->movesIn < p->config->maxPerDestination) {
            plannerTopOffer(&top[3], i, -pr.cpu);
            plannerTopOffer(&top[4], i, -pr.memory);
            plannerTopOffer(&top[5], i, -both);
        }
    }
    p->ndests = 0;
    p->nsources = 0;
    for (i = 3; i < 6; i++)
        plannerTopCollect(&top[i], p->dests, &p->ndests, p->mark);
    for (i = 0; i < p->ndests; i++)
        p->mark[p->dests[i]] = 0;
    for (i = 0; i < 3; i++)
        plannerTopCollect(&top[i], p->sources, &p->nsources, p->mark);
    for (i = 0; i < p->nsources; i++)
        p->mark[p->sources[i]] = 0;
}

/* Tries the movable domains of the listed sources against the dests. */
static void
plannerSearchSources(planner *p, plannerCandidate *best)
{
    size_t i;
    unsigned j;

    for (i = 0; i < p->nsources; i++) {
        const plannerNode *n = &p->nodes[p->sources[i]];

        for (j = 0; j < n->nmovable; j++)
            plannerConsiderDomain(p, n->movable[j], p->dests, p->ndests, best);
    }
}

/*
 * Tries every open source (overloaded ones for @pressure). A source none
 * of whose domains has a move that pays is marked blocked, so that it
 * stops filling the short lists; a host only fills up, so it rarely gets
 * a move back, and plannerSearch() looks again before it gives up.
 */
static void
plannerSearchAllSources(planner *p, bool pressure, plannerCandidate *best)
{
    size_t i;
    unsigned j;

    for (i = 0; i < p->nnodes; i++) {
        plannerNode *n = &p->nodes[i];
        bool any = false;

        if (!n->scored || !plannerSourceOpen(p, n) ||
            (pressure && plannerPressureKind(p, n) == PLANNER_SOURCE_NONE))
            continue;
        for (j = 0; j < n->nmovable; j++)
            any |= plannerConsiderDomain(p, n->movable[j], p->dests, p->ndests,
                                         best);
        if (!any) {
            n->blocked = true;
            p->nblocked++;
        }
    }
}

static void
plannerUnblock(planner *p)
{
    size_t i;

    for (i = 0; i < p->nnodes; i++)
        p->nodes[i].blocked = false;
    p->nblocked = 0;
}

/* Domains that wait for a host CPU, wherever they are. */
static void
plannerSearchContended(planner *p, plannerCandidate *best)
{
    unsigned i;

    for (i = 0; i < p->ncontended; i++) {
        const plannerDomain *d = &p->domains[p->contended[i]];

        if (d->movable && plannerSourceOpen(p, &p->nodes[d->node]))
            plannerConsiderDomain(p, p->contended[i], p->dests, p->ndests,
                                  best);
    }
}

/*
 * The best move: for @pressure, of domains on overloaded hosts or waiting
 * for a host CPU; else of any domain. The short lists first; if nothing
 * there pays, longer ones; then every source against the longest list of
 * destinations.
 */
static void
plannerSearch(planner *p, bool pressure, plannerCandidate *best)
{
    static const unsigned lengths[] = { PLANNER_TOP, PLANNER_TOP * 4 };
    size_t i;

    memset(best, 0, sizeof(*best));
    for (i = 0; i < G_N_ELEMENTS(lengths); i++) {
        plannerShortLists(p, lengths[i], pressure);
        plannerSearchSources(p, best);
        if (pressure)
            plannerSearchContended(p, best);
        if (best->found)
            return;
    }
    plannerShortLists(p, PLANNER_TOP_WIDE, pressure);
    plannerSearchAllSources(p, pressure, best);
    if (pressure)
        plannerSearchContended(p, best);
    if (best->found || p->nblocked == 0)
        return;
    /* a blocked source may have got a move back: look once more */
    plannerUnblock(p);
    plannerSearchAllSources(p, pressure, best);
    if (pressure)
        plannerSearchContended(p, best);
    if (!best->found)
        plannerUnblock(p);
}

static char *
plannerMoveReason(const planner *p,
                  const plannerCandidate *c,
                  plannerSourceKind kind,
                  const shoalSchedPressure *sb,
                  const shoalSchedPressure *tb,
                  const char **rule)
{
    const shoalSchedConfig *config = p->config;
    const plannerDomain *d = &p->domains[c->domain];
    const char *from = p->nodes[c->from].node->name;
    const char *to = p->nodes[c->to].node->name;
    unsigned hold = MAX(config->holdIntervals, 1);
    unsigned sat = config->saturationIntervals;

    switch (kind) {
    case PLANNER_SOURCE_CPU:
        *rule = "cpu-pressure";
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                           "host '%1$s' CPU pressure %2$.2f over %3$.2f for %4$u interval",
                                           "host '%1$s' CPU pressure %2$.2f over %3$.2f for %4$u intervals",
                                           hold),
                               from, sb->cpu, config->cpuThreshold, hold);
    case PLANNER_SOURCE_MEMORY:
        *rule = "memory-pressure";
        return g_strdup_printf(_("host '%1$s' commits %2$.0f%% of its usable memory, over the %3$.0f%% threshold"),
                               from, sb->memory * 100,
                               config->memoryThreshold * 100);
    case PLANNER_SOURCE_NONE:
    default:
        break;
    }
    if (d->contended) {
        *rule = "cpu-contention";
        return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                           "its vCPUs waited at least %1$.0f%% of the time for a host CPU in each of the last %2$u interval",
                                           "its vCPUs waited at least %1$.0f%% of the time for a host CPU in each of the last %2$u intervals",
                                           sat),
                               plannerLowest(d->dom, sat, true) * 100, sat);
    }
    *rule = "balance";
    return g_strdup_printf(_("host '%1$s' (CPU %2$.2f, memory %3$.2f) is busier than host '%4$s' (CPU %5$.2f, memory %6$.2f)"),
                           from, sb->cpu, sb->memory, to, tb->cpu, tb->memory);
}

/* How far pressures @pr lie outside the search's bands. */
static double
plannerExcess(const planner *p, const shoalSchedPressure *pr)
{
    return MAX(pr->cpu - p->high.cpu, 0) + MAX(p->low.cpu - pr->cpu, 0) +
           MAX(pr->memory - p->high.memory, 0) +
           MAX(p->low.memory - pr->memory, 0);
}

static void
plannerMovedAdd(planner *p, unsigned di)
{
    p->movedAt[di] = (int) p->nmoved;
    p->moved[p->nmoved++] = di;
}

static void
plannerMovedRemove(planner *p, unsigned di)
{
    unsigned at = (unsigned) p->movedAt[di];
    unsigned last = p->moved[--p->nmoved];

    p->moved[at] = last;
    p->movedAt[last] = (int) at;
    p->movedAt[di] = -1;
}

/*
 * Puts domain @di on node @to, whether allowed or not (the caller
 * checked, or restores a state it had), and keeps every aggregate, the
 * groups, the spread, the counts of moves and the movable lists right.
 */
static void
plannerRelocate(planner *p, unsigned di, unsigned to)
{
    plannerDomain *d = &p->domains[di];
    unsigned from = (unsigned) d->node;
    plannerNode *s = &p->nodes[from];
    plannerNode *t = &p->nodes[to];
    plannerNode *o = &p->nodes[p->origin[di]];
    shoalSchedPressure sb = plannerPressure(s);
    shoalSchedPressure tb = plannerPressure(t);
    shoalSchedPressure sa;
    shoalSchedPressure ta;
    double actual =
        d->dom->balloonKiB > 0 ? (double) d->dom->balloonKiB : d->memoryKiB;
    unsigned i;

    if ((int) from == p->origin[di]) {
        if (d->movable)
            plannerRemoveMovable(p, di);
        o->movesOut++;
        if (p->movesLeft != G_MAXUINT)
            p->movesLeft--;
        plannerMovedAdd(p, di);
        p->movedKiB += d->memoryKiB;
    } else {
        s->movesIn--;
    }
    s->demand -= d->demand;
    s->committedKiB -= d->memoryKiB;
    s->vcpus -= d->vcpus;
    s->actualKiB -= actual;
    t->demand += d->demand;
    t->committedKiB += d->memoryKiB;
    t->vcpus += d->vcpus;
    t->actualKiB += actual;
    for (i = 0; i < d->naffinity; i++) {
        plannerGroup *g =
            &g_array_index(p->affinityGroups, plannerGroup, d->affinity[i]);

        plannerGroupChange(g, from, -1);
        plannerGroupChange(g, to, +1);
    }
    for (i = 0; i < d->nanti; i++) {
        plannerGroup *g =
            &g_array_index(p->antiGroups, plannerGroup, d->anti[i]);

        plannerGroupChange(g, from, -1);
        plannerGroupChange(g, to, +1);
    }
    d->node = (int) to;
    if ((int) to == p->origin[di]) {
        o->movesOut--;
        if (p->movesLeft != G_MAXUINT)
            p->movesLeft++;
        plannerMovedRemove(p, di);
        p->movedKiB -= d->memoryKiB;
        if (p->canMove[di]) {
            d->movable = true;
            plannerAddMovable(p, di);
        }
    } else {
        t->movesIn++;
    }
    plannerNodeRefresh(s);
    plannerNodeRefresh(t);
    sa = plannerPressure(s);
    ta = plannerPressure(t);
    shoalSchedPressureSpreadReplace(&p->spread, &sb, &sa);
    shoalSchedPressureSpreadReplace(&p->spread, &tb, &ta);
    p->score = shoalSchedPressureSpreadScore(&p->spread);
    if (p->banded)
        p->excess += plannerExcess(p, &sa) + plannerExcess(p, &ta) -
                     plannerExcess(p, &sb) - plannerExcess(p, &tb);
}

/* Applies candidate @c to the state and appends its step. */
static void
plannerApply(planner *p, const plannerCandidate *c, plannerSourceKind kind)
{
    plannerDomain *d = &p->domains[c->domain];
    plannerNode *s = &p->nodes[c->from];
    plannerNode *t = &p->nodes[c->to];
    const char *name = d->dom->name;
    g_autoptr(shoalSchedStep) step =
        shoalSchedStepNew(SHOAL_SCHED_ACTION_MIGRATE, name);
    shoalSchedPressure sb = plannerPressure(s);
    shoalSchedPressure tb = plannerPressure(t);
    const char *rule = NULL;

    step->reason = plannerMoveReason(p, c, kind, &sb, &tb, &rule);
    step->rule = g_strdup(rule);
    step->uuid = g_strdup(d->dom->uuid);
    step->from = g_strdup(s->node->name);
    step->to = g_strdup(t->node->name);
    step->mode = d->mode;
    step->memoryKiB = d->dom->memoryKiB;
    step->predictedSeconds =
        d->memoryKiB / 1024.0 / p->config->migrationBandwidthMiBs;
    step->gain = c->gain;
    step->cost = c->cost;
    step->imbalanceBefore = shoalSchedPressureSpreadImbalance(&p->spread);

    plannerRelocate(p, c->domain, c->to);

    step->fromBefore = sb;
    step->fromAfter = plannerPressure(s);
    step->toBefore = tb;
    step->toAfter = plannerPressure(t);
    step->imbalanceAfter = shoalSchedPressureSpreadImbalance(&p->spread);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_ON_HOST, name,
                                  s->node->name, 0);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_RUNNING, name,
                                  NULL, 0);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_DOMAIN_IDLE, name,
                                  NULL, 0);
    shoalSchedStepAddPrecondition(step, SHOAL_SCHED_CHECK_HOST_AVAILABLE, NULL,
                                  t->node->name, 0);
    shoalSchedPlanAppendStep(p->plan, g_steal_pointer(&step));
}

/* A note if another move would have been taken but for the limit. */
static void
plannerNoteLimit(planner *p, bool balance)
{
    plannerCandidate c;

    plannerSearch(p, true, &c);
    if (!c.found && balance)
        plannerSearch(p, false, &c);
    if (!c.found)
        return;
    if (p->limitByBudget) {
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                             "the budget of %1$u move an hour is spent; more moves would help",
                                                             "the budget of %1$u moves an hour is spent; more moves would help",
                                                             p->config
                                                                 ->maxMovesPerHour),
                                                 p->config->maxMovesPerHour));
    } else {
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(g_dngettext(GETTEXT_PACKAGE,
                                                             "the limit of %1$u move per round is reached; more moves would help",
                                                             "the limit of %1$u moves per round is reached; more moves would help",
                                                             p->config
                                                                 ->maxMovesPerRound),
                                                 p->config->maxMovesPerRound));
    }
}

/* Where each domain starts, which may move, which hosts to relieve. */
static void
plannerMovesBegin(planner *p)
{
    size_t i;

    p->origin = g_new(int, p->ndomains + 1);
    p->canMove = g_new0(bool, p->ndomains + 1);
    p->moved = g_new(unsigned, p->ndomains + 1);
    p->movedAt = g_new(int, p->ndomains + 1);
    for (i = 0; i < p->ndomains; i++) {
        p->origin[i] = p->domains[i].node;
        p->canMove[i] = p->domains[i].movable;
        p->movedAt[i] = -1;
    }
    p->start = g_new(double, p->nnodes * 4 + 1);
    for (i = 0; i < p->nnodes; i++) {
        p->nodes[i].relieve =
            plannerPressureKind(p, &p->nodes[i]) != PLANNER_SOURCE_NONE;
        p->start[i * 4] = p->nodes[i].demand;
        p->start[i * 4 + 1] = p->nodes[i].committedKiB;
        p->start[i * 4 + 2] = p->nodes[i].vcpus;
        p->start[i * 4 + 3] = p->nodes[i].actualKiB;
    }
}

/*
 * Pressure moves first, then balancing moves. Once no pressure move pays,
 * none will later: balancing moves only load hosts below the thresholds,
 * and one that would relieve an overloaded host is a pressure move.
 */
static void
plannerMoves(planner *p)
{
    plannerCandidate best;
    bool pressure = true;

    while (p->movesLeft > 0) {
        plannerSearch(p, pressure, &best);
        if (best.found) {
            plannerApply(p, &best,
                         pressure ? plannerPressureKind(p, &p->nodes[best.from])
                                  : PLANNER_SOURCE_NONE);
            continue;
        }
        if (!pressure || !p->config->balance)
            break;
        pressure = false;
    }
    if (p->movesLeft == 0)
        plannerNoteLimit(p, p->config->balance);
}

/* ---- the search after the greedy plan ---------------------------------- */

/*
 * The greedy descent moves each domain at most once, never exchanges
 * two, and ends with a tail of small moves that each just pay. The
 * search after it keeps the balance the greedy plan promises, as bands:
 * every host's CPU and memory pressure between the lowest and the highest
 * of the greedy result (the hosts' total distance outside them is the
 * excess), and looks for fewer moves, then a lower busiest host, then
 * less memory moved. Under limits per round, host or hour the greedy
 * plan leaves most hosts alone and its bands say little, so there the
 * search must also keep the greedy plan's score:
 *
 * - reach: the targets first, the moves second: from the state before
 *   any move, the move that cuts the excess most, until it is zero, if
 *   that takes fewer moves than the plan has;
 * - descend: lower the excess, then the score, without adding a move, by
 *   sending a moved domain elsewhere or home, or home while another
 *   domain moves instead (an exchange of which domain moves);
 * - drop: send a moved domain home while the hosts stay within the bands;
 *   drop and repair: send one home, descend, keep it if back within;
 * - tighten: lower the upper bands below the busiest host in steps, while
 *   descend or reach get back within them with no more moves; here a host
 *   may fall below the lower bands if the score stays no higher than both
 *   the greedy one and the search's so far;
 * - lighten: descend on the memory moved instead of the score, the score
 *   no higher than the greedy one (or the search's, if higher);
 * - shake (after drop, tighten and lighten, for their goals): send two to
 *   four moved domains home, or start all over for fewer moves, reach
 *   the bands again by a jittered path and descend; keep what is better.
 *
 * Every placement it tries breaks no hard limit as a final state, and
 * every candidate counts against config->searchBudget: a count, so that
 * one snapshot gives one plan on any machine. A placement is kept only if
 * plannerReplay() finds an order for its moves in which each breaks no
 * limit in the state it meets and lowers the score (pressure moves first,
 * then those that pay on their own), so that live execution never
 * overloads a host half-way; and the moves must pay together, minGain
 * each and their cost. Otherwise the greedy plan stands.
 */

/* the smallest fall in the score that counts as one */
#define PLANNER_EPSILON 1e-9

typedef struct {
    unsigned domain;
    unsigned to;
} plannerPlace;

/* A change of the search: @home (if >= 0) goes home, then @domain to @to;
 * the hosts' excess over the bands and the score after it. */
typedef struct {
    bool found;
    double excess;
    double movedKiB;
    double score;
    int home;
    unsigned domain;
    unsigned to;
} plannerChange;

static bool
plannerSpent(const planner *p)
{
    return p->evaluations >= p->config->searchBudget;
}

static int
plannerComparePlaces(const void *a, const void *b)
{
    const plannerPlace *x = a;
    const plannerPlace *y = b;

    return (x->domain > y->domain) - (x->domain < y->domain);
}

/* Returns: the moved domains and where they are, by domain index. */
static plannerPlace *
plannerSave(const planner *p, unsigned *n)
{
    plannerPlace *places = g_new(plannerPlace, p->nmoved + 1);
    unsigned i;

    for (i = 0; i < p->nmoved; i++) {
        places[i].domain = p->moved[i];
        places[i].to = (unsigned) p->domains[p->moved[i]].node;
    }
    qsort(places, p->nmoved, sizeof(*places), plannerComparePlaces);
    *n = p->nmoved;
    return places;
}

/* The spread again from the hosts, without the rounding that many
 * changes back and forth leave in its sums. */
static void
plannerSpreadRecompute(planner *p)
{
    size_t i;

    shoalSchedPressureSpreadInit(&p->spread, p->config);
    for (i = 0; i < p->nnodes; i++) {
        if (p->nodes[i].scored)
            shoalSchedPressureSpreadAdd(&p->spread, &p->nodes[i].pressure);
    }
    p->score = shoalSchedPressureSpreadScore(&p->spread);
}

/* Sends every domain home, then @places (a saved, valid placement). */
static void
plannerRestore(planner *p, const plannerPlace *places, unsigned n)
{
    unsigned i;

    while (p->nmoved > 0) {
        unsigned di = p->moved[p->nmoved - 1];

        plannerRelocate(p, di, (unsigned) p->origin[di]);
    }
    for (i = 0; i < p->nnodes; i++) {
        plannerNode *node = &p->nodes[i];

        node->demand = p->start[i * 4];
        node->committedKiB = p->start[i * 4 + 1];
        node->vcpus = p->start[i * 4 + 2];
        node->actualKiB = p->start[i * 4 + 3];
        plannerNodeRefresh(node);
    }
    plannerSpreadRecompute(p);
    for (i = 0; i < n; i++)
        plannerRelocate(p, places[i].domain, places[i].to);
}

/* Within the bands: a little rounding aside, no excess. */
#define PLANNER_EXCESS_TOLERANCE 1e-12

static bool
plannerWithinBands(const planner *p)
{
    return p->excess <= PLANNER_EXCESS_TOLERANCE && p->score <= p->scoreLimit;
}

/* xorshift64*: the search's own sequence, the same for one snapshot */
static unsigned
plannerRandom(guint64 *state, unsigned n)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (
        unsigned) (((*state * G_GUINT64_CONSTANT(2685821657736338717)) >> 33) %
                   n);
}

static void
plannerTryTo(planner *p,
             const plannerMove *m,
             unsigned to,
             int home,
             plannerChange *best)
{
    double cpu;
    double memory;
    double score;
    double excess = p->excess;
    double moved = p->movedKiB;
    const plannerDomain *d = &p->domains[m->domain];

    p->evaluations++;
    if (!plannerAllows(p, m->domain, m->from, to, &cpu, &memory))
        return;
    score = plannerScoreWith(p, m, to, cpu, memory);
    if (p->banded) {
        shoalSchedPressure ta = { cpu, memory };

        excess += plannerExcess(p, &m->source) + plannerExcess(p, &ta) -
                  plannerExcess(p, &p->nodes[m->from].pressure) -
                  plannerExcess(p, &p->nodes[to].pressure);
    }
    if (p->jitter > 0 && excess < p->excess)
        excess = p->excess -
                 (p->excess - excess) *
                     (1 + p->jitter * plannerRandom(&p->rng, 1024) / 1024);
    if (d->node == p->origin[m->domain])
        moved += d->memoryKiB;
    else if ((int) to == p->origin[m->domain])
        moved -= d->memoryKiB;
    /* the excess first, then (to lighten) the memory moved, then the
     * score */
    if (excess > best->excess + PLANNER_EXCESS_TOLERANCE)
        return;
    if (excess >= best->excess - PLANNER_EXCESS_TOLERANCE) {
        if (p->lighten && (score > p->scoreCap || moved > best->movedKiB))
            return;
        if ((!p->lighten || moved == best->movedKiB) && !(score < best->score))
            return;
    }
    best->found = true;
    best->excess = excess;
    best->movedKiB = moved;
    best->score = score;
    best->home = home;
    best->domain = m->domain;
    best->to = to;
}

/* Domain @di against its home, its pins or the destination list. */
static void
plannerTryDomain(planner *p, unsigned di, int home, plannerChange *best)
{
    const plannerDomain *d = &p->domains[di];
    plannerMove m;
    unsigned i;

    plannerMoveInit(p, di, &m);
    if (d->node != p->origin[di])
        plannerTryTo(p, &m, (unsigned) p->origin[di], home, best);
    if (d->pins) {
        for (i = 0; i < d->npins; i++)
            plannerTryTo(p, &m, (unsigned) d->pins[i], home, best);
        return;
    }
    for (i = 0; i < p->ndests; i++)
        plannerTryTo(p, &m, p->dests[i], home, best);
}

/*
 * With moved domain @u back @home from @at: each domain of @home instead,
 * to @at or elsewhere, unless the source list already had them. The host
 * @u left need not be among the busiest any more, yet a smaller domain
 * of it often does the same for less memory moved.
 */
static void
plannerTryReplace(
    planner *p, unsigned u, unsigned at, unsigned home, plannerChange *best)
{
    const plannerNode *n = &p->nodes[home];
    unsigned i;

    for (i = 0; i < p->nsources; i++) {
        if (p->sources[i] == home)
            return;
    }
    if (!p->config->balance && !n->relieve)
        return;
    for (i = 0; i < n->nmovable && !plannerSpent(p); i++) {
        unsigned w = n->movable[i];
        plannerMove m;

        if (w == u)
            continue;
        plannerMoveInit(p, w, &m);
        plannerTryTo(p, &m, at, (int) u, best);
        plannerTryDomain(p, w, (int) u, best);
    }
}

/* Moved domain @u home, and each domain of the source list instead. */
static void
plannerTryExchange(planner *p, unsigned u, plannerChange *best)
{
    unsigned at = (unsigned) p->domains[u].node;
    unsigned home = (unsigned) p->origin[u];
    double cpu;
    double memory;
    unsigned i;
    unsigned j;

    p->evaluations++;
    if (!plannerAllows(p, u, at, home, &cpu, &memory))
        return;
    plannerRelocate(p, u, home);
    for (i = 0; i < p->nsources; i++) {
        const plannerNode *n = &p->nodes[p->sources[i]];

        for (j = 0; j < n->nmovable; j++) {
            unsigned w = n->movable[j];

            if (w == u || (!p->config->balance && !n->relieve &&
                           !p->domains[w].contended))
                continue;
            plannerTryDomain(p, w, (int) u, best);
        }
    }
    plannerTryReplace(p, u, at, home, best);
    plannerRelocate(p, u, at);
}

/*
 * Lowers the score as far as it goes without adding a move, the best
 * change first. Returns: whether anything changed.
 */
static bool
plannerDescend(planner *p)
{
    bool any = false;

    while (!plannerSpent(p)) {
        plannerChange best = {
            false, p->excess, p->movedKiB, p->score - PLANNER_EPSILON, -1, 0, 0
        };
        unsigned k;

        plannerShortLists(p, PLANNER_TOP * 4, false);
        for (k = 0; k < p->nmoved && !plannerSpent(p); k++) {
            unsigned u = p->moved[k];

            plannerTryDomain(p, u, -1, &best);
            plannerTryExchange(p, u, &best);
        }
        if (!best.found)
            break;
        if (best.home >= 0)
            plannerRelocate(p, (unsigned) best.home,
                            (unsigned) p->origin[best.home]);
        plannerRelocate(p, best.domain, best.to);
        any = true;
    }
    return any;
}

/* Sends home the moved domain that costs the least balance, while the
 * hosts stay within the bands. Returns: whether any went home. */
static bool
plannerDrop(planner *p)
{
    bool any = false;

    while (p->nmoved > 0) {
        plannerChange best = { false, INFINITY, INFINITY, INFINITY, -1, 0, 0 };
        unsigned k;

        for (k = 0; k < p->nmoved; k++) {
            unsigned u = p->moved[k];
            plannerMove m;

            plannerMoveInit(p, u, &m);
            plannerTryTo(p, &m, (unsigned) p->origin[u], -1, &best);
        }
        if (!best.found || best.excess > PLANNER_EXCESS_TOLERANCE ||
            best.score > p->scoreLimit)
            break;
        plannerRelocate(p, best.domain, best.to);
        any = true;
    }
    return any;
}

typedef struct {
    unsigned domain;
    double score;
} plannerLoss;

static int
plannerCompareLosses(const void *a, const void *b)
{
    const plannerLoss *x = a;
    const plannerLoss *y = b;

    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return (x->domain > y->domain) - (x->domain < y->domain);
}

/*
 * Sends home one moved domain, the cheapest first, descends, and keeps
 * the first result back within the bands. Returns: whether one was kept.
 */
static bool
plannerDropRepair(planner *p)
{
    g_autofree plannerLoss *order = g_new(plannerLoss, p->nmoved + 1);
    unsigned n = 0;
    unsigned k;

    for (k = 0; k < p->nmoved; k++) {
        plannerChange home = { false, INFINITY, INFINITY, INFINITY, -1, 0, 0 };
        unsigned u = p->moved[k];
        plannerMove m;

        plannerMoveInit(p, u, &m);
        plannerTryTo(p, &m, (unsigned) p->origin[u], -1, &home);
        if (home.found) {
            order[n].domain = u;
            order[n++].score = home.score;
        }
    }
    qsort(order, n, sizeof(*order), plannerCompareLosses);
    for (k = 0; k < n && !plannerSpent(p); k++) {
        unsigned saved = 0;
        g_autofree plannerPlace *places = plannerSave(p, &saved);
        unsigned u = order[k].domain;

        plannerRelocate(p, u, (unsigned) p->origin[u]);
        plannerDescend(p);
        if (plannerWithinBands(p))
            return true;
        plannerRestore(p, places, saved);
    }
    return false;
}

/* The bands of the greedy result, which the search must stay within. */
static void
plannerSetBands(planner *p)
{
    size_t i;

    p->low.cpu = p->low.memory = INFINITY;
    p->high.cpu = p->high.memory = -INFINITY;
    for (i = 0; i < p->nnodes; i++) {
        const plannerNode *n = &p->nodes[i];

        if (!n->scored)
            continue;
        p->low.cpu = MIN(p->low.cpu, n->pressure.cpu);
        p->low.memory = MIN(p->low.memory, n->pressure.memory);
        p->high.cpu = MAX(p->high.cpu, n->pressure.cpu);
        p->high.memory = MAX(p->high.memory, n->pressure.memory);
    }
    p->banded = true;
    p->excess = 0;
}

static void
plannerExcessRecompute(planner *p)
{
    size_t i;

    p->excess = 0;
    for (i = 0; i < p->nnodes; i++) {
        if (p->nodes[i].scored)
            p->excess += plannerExcess(p, &p->nodes[i].pressure);
    }
}

/*
 * The targets first, then the moves to reach them: from the state before
 * any move, the move that takes the hosts furthest into the bands (then
 * lowers the score most), until all are within them.
 * Returns: whether that took fewer than @limit moves.
 */
static bool
plannerReachFrom(planner *p, unsigned limit)
{
    while (p->excess > PLANNER_EXCESS_TOLERANCE) {
        plannerChange best = { false,    p->excess - PLANNER_EXCESS_TOLERANCE,
                               INFINITY, INFINITY,
                               -1,       0,
                               0 };
        size_t i;
        unsigned j;

        if (p->nmoved + 1 >= limit || plannerSpent(p))
            return false;
        plannerShortLists(p, PLANNER_TOP * 4, false);
        for (i = 0; i < p->nsources; i++)
            p->mark[p->sources[i]] = 1;
        for (i = 0; i < p->nnodes && !plannerSpent(p); i++) {
            const plannerNode *n = &p->nodes[i];

            if (!n->scored || (!p->mark[i] && n->pressure.cpu <= p->high.cpu &&
                               n->pressure.memory <= p->high.memory))
                continue;
            for (j = 0; j < n->nmovable; j++) {
                unsigned w = n->movable[j];

                if (p->config->balance || n->relieve || p->domains[w].contended)
                    plannerTryDomain(p, w, -1, &best);
            }
        }
        for (i = 0; i < p->nsources; i++)
            p->mark[p->sources[i]] = 0;
        /* or a moved domain elsewhere, which adds no move */
        for (j = 0; j < p->nmoved; j++)
            plannerTryDomain(p, p->moved[j], -1, &best);
        if (!best.found || plannerSpent(p))
            return false;
        plannerRelocate(p, best.domain, best.to);
    }
    return p->nmoved < limit;
}

/* plannerReachFrom() the state before any move. */
static bool
plannerReach(planner *p, unsigned limit)
{
    plannerRestore(p, NULL, 0);
    plannerExcessRecompute(p);
    return plannerReachFrom(p, limit);
}

/* plannerReach(), then plannerDescend(): whether that ends within the
 * bands. */
static bool
plannerReachDescend(planner *p, unsigned limit)
{
    if (!plannerReach(p, limit))
        return false;
    plannerDescend(p);
    return plannerWithinBands(p);
}

/*
 * Plans the moves to @places again, from the state before any move:
 * pressure moves (from an overloaded host, or of a domain that waits for
 * a host CPU) first, then the rest, each time the one that pays most of
 * those that break no limit now and pay now. Only with @record does it
 * append their steps.
 * Returns: whether every move found its turn.
 */
static bool
plannerReplay(planner *p, const plannerPlace *places, unsigned n, bool record)
{
    g_autofree bool *done = g_new0(bool, n + 1);
    unsigned left = n;
    unsigned i;

    while (left > 0) {
        plannerCandidate best = { 0 };
        int bestRank = -1;
        unsigned at = 0;

        for (i = 0; i < n; i++) {
            const plannerDomain *d = &p->domains[places[i].domain];
            plannerCandidate c = { 0 };
            plannerMove m;
            double cpu;
            double memory;
            int rank;

            if (done[i])
                continue;
            p->evaluations++;
            plannerMoveInit(p, places[i].domain, &m);
            if (!plannerAllows(p, m.domain, m.from, places[i].to, &cpu,
                               &memory))
                continue;
            c.found = true;
            c.domain = m.domain;
            c.from = m.from;
            c.to = places[i].to;
            c.scoreAfter = plannerScoreWith(p, &m, c.to, cpu, memory);
            c.gain = p->score - c.scoreAfter;
            c.cost = m.cost;
            c.net = c.gain - c.cost;
            if (!(c.gain > 0))
                continue;
            /* pressure moves first, then moves that pay on their own */
            rank = (d->contended || plannerPressureKind(p, &p->nodes[m.from]) !=
                                        PLANNER_SOURCE_NONE)
                       ? 2
                       : 0;
            if (c.gain >= p->config->minGain && c.gain >= c.cost)
                rank++;
            if (best.found &&
                (bestRank > rank || (bestRank == rank && !(c.net > best.net))))
                continue;
            best = c;
            bestRank = rank;
            at = i;
        }
        if (!best.found)
            return false;
        if (record)
            plannerApply(p, &best,
                         plannerPressureKind(p, &p->nodes[best.from]));
        else
            plannerRelocate(p, best.domain, best.to);
        done[at] = true;
        left--;
    }
    return true;
}

/*
 * Whether the moves to the present placement can be ordered, as
 * plannerReplay() does; if so, the placement becomes @keep.
 */
static bool
plannerKeep(planner *p, plannerPlace **keep, unsigned *nkeep)
{
    unsigned n = 0;
    g_autofree plannerPlace *places = plannerSave(p, &n);
    bool ok;

    plannerRestore(p, NULL, 0);
    ok = plannerReplay(p, places, n, false);
    plannerRestore(p, places, n);
    plannerExcessRecompute(p);
    if (!ok)
        return false;
    g_free(*keep);
    *keep = g_steal_pointer(&places);
    *nkeep = n;
    return true;
}

/* Back to the last placement plannerKeep() kept. */
static void
plannerBack(planner *p, const plannerPlace *keep, unsigned nkeep)
{
    plannerRestore(p, keep, nkeep);
    plannerExcessRecompute(p);
}

/* The highest pressure of any host, CPU or memory. */
static double
plannerBusiest(const planner *p)
{
    double busiest = 0;
    size_t i;

    for (i = 0; i < p->nnodes; i++) {
        if (p->nodes[i].scored)
            busiest = MAX(busiest, MAX(p->nodes[i].pressure.cpu,
                                       p->nodes[i].pressure.memory));
    }
    return busiest;
}

/* the step by which plannerTighten() lowers the busiest host */
#define PLANNER_TIGHTEN_STEP 0.0025

/*
 * With the moves it has, brings the busiest host down in steps while the
 * descent (or reaching the bands again) gets every host back below the
 * lowered upper bands.
 */
static void
plannerTighten(planner *p, double target, plannerPlace **keep, unsigned *nkeep)
{
    /* a host may now fall below the lowest pressure, but the imbalance
     * must not rise, nor pass the greedy plan's @target */
    p->low.cpu = 0;
    p->low.memory = 0;
    p->scoreLimit = MIN(p->scoreLimit, MIN(p->score, target));
    while (!plannerSpent(p)) {
        shoalSchedPressure high = p->high;
        double cap = plannerBusiest(p) - PLANNER_TIGHTEN_STEP;

        p->high.cpu = MIN(p->high.cpu, cap);
        p->high.memory = MIN(p->high.memory, cap);
        plannerExcessRecompute(p);
        plannerDescend(p);
        if (!plannerWithinBands(p))
            plannerReachDescend(p, *nkeep + 1);
        if (plannerWithinBands(p) && plannerKeep(p, keep, nkeep))
            continue;
        p->high = high;
        plannerBack(p, *keep, *nkeep);
        break;
    }
}

/* ---- large-neighbourhood search ---- */

/* perturbations per goal at most, whatever the budget left */
#define PLANNER_SHAKES 400
/* see planner.jitter */
#define PLANNER_JITTER 0.5

typedef enum {
    PLANNER_SHAKE_MOVES,   /* fewer moves */
    PLANNER_SHAKE_BUSIEST, /* a lower busiest host, no more moves */
    PLANNER_SHAKE_MEMORY,  /* less memory moved, no more moves */
} plannerShakeGoal;

/*
 * The descent stops where no single change helps. From the kept
 * placement, sends two to four moved domains home (or elsewhere, when
 * home breaks a limit), reaches the bands again and descends, and keeps
 * the result if it is better for @goal and can be ordered; else back.
 * Lowering the busiest host, each success lowers the upper bands again.
 * Uses at most @share of the budget left.
 */
static void
plannerShake(planner *p,
             plannerShakeGoal goal,
             double share,
             plannerPlace **keep,
             unsigned *nkeep)
{
    guint64 left =
        p->config->searchBudget - MIN(p->config->searchBudget, p->evaluations);
    guint64 stop = p->evaluations + (guint64) ((double) left * share);
    double busiest = plannerBusiest(p);
    double movedKiB = p->movedKiB;
    shoalSchedPressure high = p->high;
    unsigned shakes;

    for (shakes = 0; shakes < PLANNER_SHAKES && p->evaluations < stop &&
                     !plannerSpent(p) && *nkeep > 1;
         shakes++) {
        unsigned out = 2 + plannerRandom(&p->rng, MIN(*nkeep - 1, 3));
        unsigned limit = goal == PLANNER_SHAKE_MOVES ? *nkeep : *nkeep + 1;
        bool better;
        unsigned i;

        if (goal == PLANNER_SHAKE_BUSIEST) {
            high.cpu = MIN(p->high.cpu, busiest - PLANNER_TIGHTEN_STEP);
            high.memory = MIN(p->high.memory, busiest - PLANNER_TIGHTEN_STEP);
            p->high = high;
            plannerExcessRecompute(p);
        }
        /* every other time for fewer moves, all over again */
        if (goal == PLANNER_SHAKE_MOVES && shakes % 2) {
            plannerRestore(p, NULL, 0);
            plannerExcessRecompute(p);
            out = 0;
        }
        for (i = 0; i < out && p->nmoved > 0; i++) {
            unsigned u = p->moved[plannerRandom(&p->rng, p->nmoved)];
            unsigned at;
            double cpu;
            double memory;

            /* for less memory, the larger of two domains goes home */
            if (goal == PLANNER_SHAKE_MEMORY) {
                unsigned v = p->moved[plannerRandom(&p->rng, p->nmoved)];

                if (p->domains[v].memoryKiB > p->domains[u].memoryKiB)
                    u = v;
            }
            at = (unsigned) p->domains[u].node;
            p->evaluations++;
            if (plannerAllows(p, u, at, (unsigned) p->origin[u], &cpu, &memory))
                plannerRelocate(p, u, (unsigned) p->origin[u]);
        }
        /* short of the bands at the limit, the descent may still get
         * there by moving the moved domains */
        p->jitter = PLANNER_JITTER;
        plannerReachFrom(p, limit);
        p->jitter = 0;
        plannerDescend(p);
        better = plannerWithinBands(p) && p->nmoved < limit;
        if (better && goal == PLANNER_SHAKE_MEMORY)
            better = p->movedKiB < movedKiB - 1;
        if (better && goal == PLANNER_SHAKE_MOVES)
            better = p->nmoved < *nkeep;
        if (better && plannerKeep(p, keep, nkeep)) {
            busiest = plannerBusiest(p);
            movedKiB = p->movedKiB;
            continue;
        }
        plannerBack(p, *keep, *nkeep);
    }
    if (goal == PLANNER_SHAKE_BUSIEST) {
        /* the kept placement's own busiest host bounds the bands */
        p->high.cpu = MIN(p->high.cpu, busiest);
        p->high.memory = MIN(p->high.memory, busiest);
        plannerExcessRecompute(p);
    }
}

static void
plannerRefine(planner *p)
{
    const shoalSchedConfig *config = p->config;
    double target = p->score;
    unsigned nkeep = 0;
    g_autofree plannerPlace *keep = plannerSave(p, &nkeep);

    /* under limits per round, host or hour the greedy plan is cut short
     * and leaves most hosts alone, so its bands say little of its
     * progress: the search must also keep its score */
    p->scoreLimit = config->maxMovesPerRound || config->maxPerSource ||
                            config->maxPerDestination || config->maxMovesPerHour
                        ? target
                        : INFINITY;
    /* the greedy plan can be ordered: its own order */
    plannerSetBands(p);
    plannerUnblock(p);
    if (!plannerReachDescend(p, nkeep))
        plannerBack(p, keep, nkeep);
    plannerDescend(p);
    if (!plannerWithinBands(p) || !plannerKeep(p, &keep, &nkeep))
        plannerBack(p, keep, nkeep);
    while (p->nmoved > 0 && !plannerSpent(p)) {
        if (plannerDrop(p)) {
            plannerDescend(p);
        } else if (plannerReachDescend(p, nkeep)) {
            /* kept below */
        } else {
            plannerBack(p, keep, nkeep);
            if (!plannerDropRepair(p))
                break;
        }
        if (!plannerKeep(p, &keep, &nkeep)) {
            plannerBack(p, keep, nkeep);
            break;
        }
    }
    plannerShake(p, PLANNER_SHAKE_MOVES, 0.3, &keep, &nkeep);
    plannerTighten(p, target, &keep, &nkeep);
    plannerShake(p, PLANNER_SHAKE_BUSIEST, 0.5, &keep, &nkeep);
    p->lighten = true;
    p->scoreCap = MIN(p->scoreLimit, MAX(target, p->score));
    plannerDescend(p);
    if (!plannerKeep(p, &keep, &nkeep))
        plannerBack(p, keep, nkeep);
    plannerShake(p, PLANNER_SHAKE_MEMORY, 1.0, &keep, &nkeep);
    p->lighten = false;
    if (!plannerKeep(p, &keep, &nkeep))
        plannerBack(p, keep, nkeep);
}

/* The plan's totals, to take steps out and put them back bit for bit. */
typedef struct {
    guint len;
    unsigned moves;
    unsigned long long memoryMovedKiB;
    double predictedSeconds;
} plannerMark;

static void
plannerMarkSet(const planner *p, plannerMark *mark)
{
    mark->len = p->plan->steps->len;
    mark->moves = p->plan->moves;
    mark->memoryMovedKiB = p->plan->memoryMovedKiB;
    mark->predictedSeconds = p->plan->predictedSeconds;
}

/* Returns: (transfer full): the steps after @mark, taken off the plan. */
static GPtrArray *
plannerTakeSteps(planner *p, const plannerMark *mark)
{
    GPtrArray *steps =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalSchedStepFree);

    while (p->plan->steps->len > mark->len)
        g_ptr_array_add(steps,
                        g_ptr_array_steal_index(p->plan->steps, mark->len));
    p->plan->moves = mark->moves;
    p->plan->memoryMovedKiB = mark->memoryMovedKiB;
    p->plan->predictedSeconds = mark->predictedSeconds;
    return steps;
}

/* Whether the moves found, which lower the score by @gain in all, pay
 * for themselves together: minGain each and their cost. */
static bool
plannerPays(const planner *p, double gain)
{
    double cost = 0;
    unsigned i;

    for (i = 0; i < p->nmoved; i++) {
        const plannerDomain *d = &p->domains[p->moved[i]];

        cost += p->config->costWeight * d->memoryKiB / 1024.0 /
                p->config->migrationBandwidthMiBs;
    }
    return gain >= cost && gain >= p->config->minGain * p->nmoved;
}

/* A note (shoalctl plan shows it) on what the search changed, against
 * the greedy @steps, whose busiest host was @busiest. */
static void
plannerNoteSearch(planner *p, const GPtrArray *steps, double busiest)
{
    unsigned long long greedyKiB = 0;
    unsigned i;

    for (i = 0; i < steps->len; i++)
        greedyKiB +=
            ((const shoalSchedStep *) g_ptr_array_index(steps, i))->memoryKiB;
    shoalSchedPlanAppendNote(p->plan,
                             g_strdup_printf(_("a search improved on the greedy plan: %1$u moves of %2$llu MiB instead of %3$u of %4$llu MiB, busiest host %5$.2f instead of %6$.2f, no host above the highest pressures of the greedy plan"),
                                             p->nmoved,
                                             (unsigned long long) (p->movedKiB /
                                                                   1024),
                                             steps->len, greedyKiB / 1024,
                                             plannerBusiest(p), busiest));
}

/*
 * After the greedy moves, which appended their steps after @mark: the
 * search, and the steps of what it found in their place if they can be
 * ordered.
 */
static void
plannerImprove(planner *p, const plannerMark *mark)
{
    g_autofree plannerPlace *greedy = NULL;
    g_autofree plannerPlace *found = NULL;
    g_autoptr(GPtrArray) steps = NULL;
    g_autoptr(GPtrArray) failed = NULL;
    unsigned ngreedy = 0;
    unsigned nfound = 0;
    double busiest;
    double before;

    /* each check that moves can be ordered costs moves^2 evaluations:
     * a plan too long for a few of them within the budget stays greedy */
    if (p->nmoved == 0 ||
        (guint64) p->nmoved * p->nmoved * 8 > p->config->searchBudget)
        return;
    greedy = plannerSave(p, &ngreedy);
    busiest = plannerBusiest(p);
    p->searching = true;
    p->rng = G_GUINT64_CONSTANT(0x9E3779B97F4A7C15) ^
             ((guint64) p->ndomains << 32) ^ p->nnodes;
    plannerRefine(p);
    p->searching = false;
    found = plannerSave(p, &nfound);
    if (nfound == ngreedy &&
        memcmp(found, greedy, nfound * sizeof(*found)) == 0) {
        plannerSpreadRecompute(p);
        return;
    }
    steps = plannerTakeSteps(p, mark);
    plannerRestore(p, NULL, 0);
    plannerSpreadRecompute(p);
    before = p->score;
    if (plannerReplay(p, found, nfound, true) &&
        plannerPays(p, before - p->score)) {
        plannerNoteSearch(p, steps, busiest);
        return;
    }
    failed = plannerTakeSteps(p, mark);
    plannerRestore(p, greedy, ngreedy);
    plannerSpreadRecompute(p);
    while (steps->len > 0)
        shoalSchedPlanAppendStep(p->plan, g_ptr_array_steal_index(steps, 0));
}

/*
 * Why domain @d may go to no node but its own: the first object it needs
 * that no other node able to take domains has, or none of them that one.
 */
static char *
plannerObjectsReason(const planner *p, const plannerDomain *d)
{
    const shoalSchedObjects *need = &d->dom->requires;
    unsigned k;
    size_t i;
    size_t j;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++) {
        for (i = 0; need->names[k] && need->names[k][i]; i++) {
            bool found = false;

            for (j = 0; j < p->nnodes && !found; j++) {
                const shoalSchedObjects *have = &p->nodes[j].node->objects;

                found = (int) j != d->node && p->nodes[j].scored &&
                        have->names[k] &&
                        g_strv_contains((const char *const *) have->names[k],
                                        need->names[k][i]);
            }
            if (!found)
                return shoalSchedObjectsNoOtherReason(k, need->names[k][i]);
        }
    }
    return g_strdup(
        _("no other host has all of its pools, volumes, networks and secrets"));
}

/* Notes for the domains of hosts that stay overloaded whose objects keep
 * them there: what stops their moves. */
static void
plannerNoteObjects(planner *p)
{
    size_t i;
    unsigned j;

    for (i = 0; i < p->ndomains; i++) {
        const plannerDomain *d = &p->domains[i];
        g_autofree char *why = NULL;
        bool elsewhere = false;

        if (d->node < 0 || shoalSchedObjectsIsEmpty(&d->dom->requires) ||
            plannerPressureKind(p, &p->nodes[d->node]) == PLANNER_SOURCE_NONE)
            continue;
        for (j = 0; j < d->npins && !elsewhere; j++)
            elsewhere = d->pins[j] != d->node && p->nodes[d->pins[j]].scored;
        if (elsewhere)
            continue;
        why = plannerObjectsReason(p, d);
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(_("domain '%1$s' stays on host '%2$s': %3$s"),
                                                 d->dom->name,
                                                 p->nodes[d->node].node->name,
                                                 why));
    }
}

/*
 * Notes for the running domains that cannot leave a host the round
 * starts overloaded or in maintenance (a snapshot's state stays there):
 * the moves the plan does not make, whatever else it moves instead.
 */
static void
plannerNoteUnmovable(planner *p)
{
    size_t i;

    for (i = 0; i < p->ndomains; i++) {
        const plannerDomain *d = &p->domains[i];
        const plannerNode *n;

        if (d->node < 0 || !d->dom->unmovable || !d->dom->running)
            continue;
        n = &p->nodes[d->node];
        if (!n->node->maintenance &&
            plannerPressureKind(p, n) == PLANNER_SOURCE_NONE)
            continue;
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(_("domain '%1$s' stays on host '%2$s': %3$s"),
                                                 d->dom->name, n->node->name,
                                                 d->dom->unmovable));
    }
}

/* Notes for hosts that stay overloaded after the plan. */
static void
plannerNoteOverloaded(planner *p)
{
    size_t i;

    for (i = 0; i < p->nnodes; i++) {
        const plannerNode *n = &p->nodes[i];
        shoalSchedPressure pr;

        if (plannerPressureKind(p, n) == PLANNER_SOURCE_NONE)
            continue;
        pr = plannerPressure(n);
        shoalSchedPlanAppendNote(p->plan,
                                 g_strdup_printf(_("host '%1$s' stays overloaded (CPU %2$.2f, memory %3$.2f): no allowed move pays for itself"),
                                                 n->node->name, pr.cpu,
                                                 pr.memory));
    }
}

/**
 * shoalSchedPlanCompute:
 * @snap: the cluster now
 * @config: the policy
 * @error: return location for an error
 *
 * Plans the next round: vCPU hot-adds and balloon changes, then
 * migrations (see the top of this file for how). Time is @snap->nowMs.
 * Pure and deterministic: the same snapshot, in any order of its arrays,
 * gives the same plan.
 *
 * Returns: a new reference to the plan (possibly without steps), or NULL
 * with SHOAL_SCHED_ERROR_INVALID if @snap or @config is invalid.
 */
shoalSchedPlan *
shoalSchedPlanCompute(const shoalSchedSnapshot *snap,
                      const shoalSchedConfig *config,
                      GError **error)
{
    g_autoptr(planner) p = g_new0(planner, 1);
    g_autoptr(shoalSchedPressureReport) report = NULL;
    g_autoptr(GHashTable) nodeIndex = g_hash_table_new(g_str_hash, g_str_equal);
    plannerMark mark;
    size_t i;

    if (!shoalSchedConfigValidate(config, error))
        return NULL;
    report = shoalSchedPressureCompute(snap, config, error);
    if (!report)
        return NULL;

    p->snap = snap;
    p->config = config;
    p->plan = shoalSchedPlanNew(snap->nowMs);
    p->affinityGroups = g_array_new(FALSE, TRUE, sizeof(plannerGroup));
    g_array_set_clear_func(p->affinityGroups,
                           (GDestroyNotify) plannerGroupClear);
    p->antiGroups = g_array_new(FALSE, TRUE, sizeof(plannerGroup));
    g_array_set_clear_func(p->antiGroups, (GDestroyNotify) plannerGroupClear);

    plannerSetupNodes(p, report);
    for (i = 0; i < p->nnodes; i++)
        g_hash_table_insert(nodeIndex, p->nodes[i].node->name,
                            GINT_TO_POINTER((int) i));
    p->dests = g_new(unsigned, p->nnodes + 1);
    p->sources = g_new(unsigned, p->nnodes + 1);
    p->mark = g_new0(guint8, p->nnodes + 1);
    plannerSetupDomains(p, nodeIndex);
    plannerSetupBudget(p);
    plannerNoteUnmovable(p);

    p->plan->imbalanceBefore = shoalSchedPressureSpreadImbalance(&p->spread);
    plannerInPlace(p);
    plannerMovesBegin(p);
    plannerMarkSet(p, &mark);
    plannerMoves(p);
    plannerImprove(p, &mark);
    plannerNoteObjects(p);
    plannerNoteOverloaded(p);
    p->plan->imbalanceAfter = shoalSchedPressureSpreadImbalance(&p->spread);
    /* power-saving mode: on the cluster as these steps leave it */
    shoalSchedPowerPlan(snap, config, p->plan);
    shoalSchedNumaAnnotatePlan(snap, p->plan);
    return g_steal_pointer(&p->plan);
}
