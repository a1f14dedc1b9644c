/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_simulate.h"

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_json.h"
#include "sched_numa.h"
#include "sched_planner.h"
#include "sched_pressure.h"

#define SIMULATE_HOUR_MS (G_GINT64_CONSTANT(3600) * 1000)

typedef struct {
    const shoalSchedSnapshot *snap;
    GHashTable *domains; /* name -> shoalSchedDomain (borrowed) */
    GHashTable *nodes;   /* name -> shoalSchedNode (borrowed) */
} simulateIndex;

static void
simulateIndexInit(simulateIndex *idx, const shoalSchedSnapshot *snap)
{
    size_t i;

    idx->snap = snap;
    idx->domains = g_hash_table_new(g_str_hash, g_str_equal);
    idx->nodes = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < snap->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        g_hash_table_insert(idx->domains, dom->name, dom);
    }
    for (i = 0; i < snap->nodes->len; i++) {
        shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        g_hash_table_insert(idx->nodes, node->name, node);
    }
}

static void
simulateIndexClear(simulateIndex *idx)
{
    g_clear_pointer(&idx->domains, g_hash_table_unref);
    g_clear_pointer(&idx->nodes, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(simulateIndex, simulateIndexClear)

static bool
simulateInFlight(const shoalSchedSnapshot *snap, const char *domain)
{
    size_t i;

    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        if (g_str_equal(mig->domain, domain))
            return true;
    }
    return false;
}

/**
 * shoalSchedPreconditionCheck:
 * @pre: a step's precondition
 * @dom: (nullable): the domain @pre names, as it is now; NULL if unknown
 * @node: (nullable): the host @pre names, as it is now; NULL if unknown
 *
 * Whether @pre holds: the one test the simulator and the live executor
 * share, so the two cannot disagree about a stale step. A domain or host
 * the precondition names but the caller could not find fails it.
 * @dom->migrating means some other migration of it is in flight.
 *
 * Returns: true if it holds; else false with @error
 *   (SHOAL_SCHED_ERROR_STALE) saying what changed.
 */
bool
shoalSchedPreconditionCheck(const shoalSchedPrecondition *pre,
                            const shoalSchedDomain *dom,
                            const shoalSchedNode *node,
                            GError **error)
{
    const char *domain = pre->domain ? pre->domain : "";
    const char *host = pre->host ? pre->host : "";

    if (pre->domain && !dom) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("domain '%1$s' no longer exists"), domain);
        return false;
    }
    if (pre->host && !node) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("host '%1$s' is not a member"), host);
        return false;
    }
    switch (pre->check) {
    case SHOAL_SCHED_CHECK_DOMAIN_ON_HOST:
        if (dom && node && g_strcmp0(dom->host, node->name) == 0)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("domain '%1$s' is no longer on host '%2$s'"), domain,
                    host);
        return false;
    case SHOAL_SCHED_CHECK_DOMAIN_RUNNING:
        if (dom && dom->running)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("domain '%1$s' is not running"), domain);
        return false;
    case SHOAL_SCHED_CHECK_DOMAIN_IDLE:
        if (dom && !dom->migrating)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("domain '%1$s' is already being migrated"), domain);
        return false;
    case SHOAL_SCHED_CHECK_HOST_AVAILABLE:
        if (node && node->online && !node->maintenance)
            return true;
        if (node && !node->online)
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                        _("host '%1$s' is unreachable"), host);
        else
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                        _("host '%1$s' is in maintenance"), host);
        return false;
    case SHOAL_SCHED_CHECK_DOMAIN_VCPUS:
        if (dom && dom->vcpus == pre->value)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("domain '%1$s' no longer has %2$llu vCPUs"), domain,
                    pre->value);
        return false;
    case SHOAL_SCHED_CHECK_BALLOON_BELOW:
        if (dom && dom->balloonKiB < pre->value)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("the balloon of domain '%1$s' is no longer below %2$llu KiB"),
                    domain, pre->value);
        return false;
    case SHOAL_SCHED_CHECK_VIRTIO_MEM_SIZE:
        if (dom && dom->virtioMemMaxKiB > 0 &&
            dom->virtioMemRequestedKiB == pre->value &&
            dom->virtioMemPluggedKiB == pre->value)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("the virtio-mem device of domain '%1$s' no longer holds %2$llu KiB"),
                    domain, pre->value);
        return false;
    case SHOAL_SCHED_CHECK_HOST_STANDBY:
        if (node && node->standby)
            return true;
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("host '%1$s' is no longer in standby"), host);
        return false;
    case SHOAL_SCHED_CHECK_HOST_EMPTY:
        /* the domains of a host are not in @node: whoever can count them
         * checks this one (simulateCheck()); here it never holds */
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                    _("cannot tell whether host '%1$s' is empty"), host);
        return false;
    case SHOAL_SCHED_CHECK_LAST:
    default:
        break;
    }
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_STALE,
                _("unknown precondition %1$d"), pre->check);
    return false;
}

/* Whether a domain of @snap counts on host @name, or a migration in
 * flight leaves or reaches it. */
static bool
simulateHostUsed(const shoalSchedSnapshot *snap, const char *name)
{
    size_t i;

    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        if (g_strcmp0(dom->host, name) == 0)
            return true;
    }
    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        if (g_strcmp0(mig->from, name) == 0 || g_strcmp0(mig->to, name) == 0)
            return true;
    }
    return false;
}

/* Whether @pre holds in @idx's snapshot, as the executor would check it:
 * a recorded snapshot may list a migration without flagging its domain. */
static bool
simulateCheck(const simulateIndex *idx, const shoalSchedPrecondition *pre)
{
    const shoalSchedDomain *dom =
        pre->domain ? g_hash_table_lookup(idx->domains, pre->domain) : NULL;
    const shoalSchedNode *node =
        pre->host ? g_hash_table_lookup(idx->nodes, pre->host) : NULL;

    if (pre->check == SHOAL_SCHED_CHECK_DOMAIN_IDLE && dom &&
        simulateInFlight(idx->snap, dom->name))
        return false;
    if (pre->check == SHOAL_SCHED_CHECK_HOST_EMPTY)
        return node && !simulateHostUsed(idx->snap, node->name);
    return shoalSchedPreconditionCheck(pre, dom, node, NULL);
}

static void
simulateClearNodeSamples(const simulateIndex *idx, const char *name)
{
    shoalSchedNode *node = name ? g_hash_table_lookup(idx->nodes, name) : NULL;

    if (node)
        g_array_set_size(node->samples, 0);
}

/*
 * Gives @dom @vcpus vCPUs. Its samples are fractions of the vCPUs it had,
 * so they are rescaled: the same cores busy and waiting, spread over more
 * vCPUs (the replayed load does not grow by itself).
 */
static void
simulateRescale(shoalSchedDomain *dom, unsigned vcpus)
{
    double scale = vcpus > 0 ? (double) dom->vcpus / vcpus : 0;
    size_t i;

    for (i = 0; i < dom->samples->len; i++) {
        shoalSchedSample *s = &g_array_index(dom->samples, shoalSchedSample, i);

        s->vcpuBusy *= scale;
        s->vcpuDelay *= scale;
    }
    dom->vcpus = vcpus;
}

/*
 * Gives @dom's virtio-mem device @kib, requested and plugged. Its memory
 * samples are fractions of the memory it had, so they are rescaled like
 * vCPU samples.
 */
static void
simulateResizeMemory(shoalSchedDomain *dom, unsigned long long kib)
{
    double base = dom->memoryKiB > dom->virtioMemMaxKiB
                      ? (double) (dom->memoryKiB - dom->virtioMemMaxKiB)
                      : 0;
    double before = base + (double) dom->virtioMemPluggedKiB;
    double after = base + (double) kib;
    size_t i;

    for (i = 0; after > 0 && i < dom->samples->len; i++) {
        shoalSchedSample *s = &g_array_index(dom->samples, shoalSchedSample, i);

        s->memoryUsed = MIN(1.0, s->memoryUsed * before / after);
    }
    dom->virtioMemRequestedKiB = kib;
    dom->virtioMemPluggedKiB = kib;
}

/*
 * A power step on its host: power-off puts it in standby (offline), and
 * power-on brings it back online at once: the simulated host answers
 * before the next round. Returns: false if the host is unknown.
 */
static bool
simulatePower(const simulateIndex *idx, const shoalSchedStep *step, gint64 when)
{
    shoalSchedNode *node =
        step->from ? g_hash_table_lookup(idx->nodes, step->from) : NULL;

    if (!node)
        return false;
    node->standby = step->action == SHOAL_SCHED_ACTION_POWER_OFF;
    node->online = !node->standby;
    node->powerChangedMs = when;
    g_array_set_size(node->samples, 0);
    return true;
}

/**
 * shoalSchedSimulateApply:
 * @snap: a snapshot
 * @plan: a plan for it
 * @stale: (out) (optional): the number of steps skipped
 *
 * Carries out @plan on a copy of @snap, as an executor that never fails
 * would: in order, each step whose preconditions still hold; a stale one
 * is skipped, never repaired. A migration puts the domain on its
 * destination, sets its lastMoveMs to nowMs and lastHost to its source,
 * appends nowMs to
 * recentMovesMs; it also drops the samples of both hosts, which no longer
 * describe them (their history is then derived from their domains). A
 * vCPU, balloon or virtio-mem step changes the domain, sets lastResizeMs
 * and appends nowMs to recentResizesMs; a vCPU or virtio-mem step
 * rescales its samples to the new size. A power step puts its host in
 * standby or brings it online (simulatePower()). Because
 * 0 means "never", a change at time 0 is recorded at 1 ms.
 *
 * Returns: a new reference to the changed copy.
 */
shoalSchedSnapshot *
shoalSchedSimulateApply(const shoalSchedSnapshot *snap,
                        const shoalSchedPlan *plan,
                        unsigned *stale)
{
    shoalSchedSnapshot *out = shoalSchedSnapshotCopy(snap);
    g_auto(simulateIndex) idx = { 0 };
    gint64 when = MAX(snap->nowMs, 1);
    unsigned skipped = 0;
    size_t i;
    size_t j;

    simulateIndexInit(&idx, out);
    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);
        shoalSchedDomain *dom =
            step->domain ? g_hash_table_lookup(idx.domains, step->domain)
                         : NULL;
        bool power = step->action == SHOAL_SCHED_ACTION_POWER_OFF ||
                     step->action == SHOAL_SCHED_ACTION_POWER_ON;
        bool ok = dom != NULL || power;

        for (j = 0; ok && j < step->preconditions->len; j++)
            ok = simulateCheck(&idx, g_ptr_array_index(step->preconditions, j));
        if (ok && step->action == SHOAL_SCHED_ACTION_MIGRATE)
            ok = step->to && g_hash_table_contains(idx.nodes, step->to);
        if (!ok) {
            skipped++;
            continue;
        }
        if (power) {
            if (!simulatePower(&idx, step, when))
                skipped++;
            continue;
        }
        switch (step->action) {
        case SHOAL_SCHED_ACTION_MIGRATE:
            simulateClearNodeSamples(&idx, dom->host);
            simulateClearNodeSamples(&idx, step->to);
            g_free(dom->lastHost);
            dom->lastHost = g_steal_pointer(&dom->host);
            dom->host = g_strdup(step->to);
            dom->lastMoveMs = when;
            g_array_append_val(out->recentMovesMs, when);
            break;
        case SHOAL_SCHED_ACTION_ADD_VCPU:
        case SHOAL_SCHED_ACTION_REMOVE_VCPU:
            simulateRescale(dom, (unsigned) step->value);
            dom->maxVcpus = MAX(dom->maxVcpus, dom->vcpus);
            dom->lastResizeMs = when;
            g_array_append_val(out->recentResizesMs, when);
            break;
        case SHOAL_SCHED_ACTION_SET_BALLOON:
            dom->balloonKiB = step->value;
            dom->lastResizeMs = when;
            g_array_append_val(out->recentResizesMs, when);
            break;
        case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
            simulateResizeMemory(dom, step->value);
            dom->lastResizeMs = when;
            g_array_append_val(out->recentResizesMs, when);
            break;
        case SHOAL_SCHED_ACTION_LAST:
        default:
            break;
        }
    }
    if (stale)
        *stale = skipped;
    return out;
}

/* @to becomes the times of @from within the hour before @nowMs. */
static void
simulateCarryTimes(GArray *to, const GArray *from, gint64 nowMs)
{
    size_t i;

    g_array_set_size(to, 0);
    for (i = 0; i < from->len; i++) {
        gint64 t = g_array_index(from, gint64, i);

        if (t <= nowMs && nowMs - t < SIMULATE_HOUR_MS)
            g_array_append_val(to, t);
    }
}

/*
 * The snapshot of the next round: the recorded @input, with what the
 * simulation changed so far (@prev) carried over: where each domain is,
 * its vCPUs and balloon, when it last changed and where it came from, and
 * the recent moves; and the power state of each host that the simulation
 * powered off or on later than the recording says.
 * Recorded migrations that no longer fit are dropped; hosts whose domains
 * differ from the recording lose their samples.
 */
static shoalSchedSnapshot *
simulateCarry(const shoalSchedSnapshot *prev, const shoalSchedSnapshot *input)
{
    g_autoptr(shoalSchedSnapshot) next = shoalSchedSnapshotCopy(input);
    g_auto(simulateIndex) from = { 0 };
    g_auto(simulateIndex) to = { 0 };
    size_t i;

    simulateIndexInit(&from, prev);
    simulateIndexInit(&to, next);
    for (i = 0; i < next->nodes->len; i++) {
        shoalSchedNode *node = g_ptr_array_index(next->nodes, i);
        const shoalSchedNode *old = g_hash_table_lookup(from.nodes, node->name);

        if (!old || old->powerChangedMs <= node->powerChangedMs)
            continue;
        node->standby = old->standby;
        node->online = !old->standby;
        node->powerChangedMs = old->powerChangedMs;
    }
    for (i = 0; i < next->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(next->domains, i);
        const shoalSchedDomain *old =
            g_hash_table_lookup(from.domains, dom->name);

        if (!old)
            continue;
        if (g_strcmp0(old->host, dom->host) != 0 &&
            (!old->host || g_hash_table_contains(to.nodes, old->host))) {
            simulateClearNodeSamples(&to, dom->host);
            simulateClearNodeSamples(&to, old->host);
            g_free(dom->host);
            dom->host = g_strdup(old->host);
        }
        if (old->vcpus != dom->vcpus)
            simulateRescale(dom, old->vcpus);
        dom->maxVcpus = MAX(dom->maxVcpus, dom->vcpus);
        dom->balloonKiB = old->balloonKiB;
        if (dom->virtioMemMaxKiB > 0 &&
            old->virtioMemPluggedKiB != dom->virtioMemPluggedKiB)
            simulateResizeMemory(dom, old->virtioMemPluggedKiB);
        if (old->lastMoveMs > dom->lastMoveMs) {
            dom->lastMoveMs = old->lastMoveMs;
            g_free(dom->lastHost);
            dom->lastHost = g_strdup(old->lastHost);
        }
        dom->lastResizeMs = MAX(dom->lastResizeMs, old->lastResizeMs);
    }
    for (i = next->migrations->len; i > 0; i--) {
        const shoalSchedMigration *mig =
            g_ptr_array_index(next->migrations, i - 1);
        shoalSchedDomain *dom = g_hash_table_lookup(to.domains, mig->domain);

        if (dom && g_strcmp0(dom->host, mig->from) == 0)
            continue;
        if (dom)
            dom->migrating = false;
        g_ptr_array_remove_index(next->migrations, i - 1);
    }
    simulateCarryTimes(next->recentMovesMs, prev->recentMovesMs, next->nowMs);
    simulateCarryTimes(next->recentResizesMs, prev->recentResizesMs,
                       next->nowMs);
    return g_steal_pointer(&next);
}

void
shoalSchedSimulationFree(shoalSchedSimulation *sim)
{
    if (!sim)
        return;
    if (sim->rounds)
        g_array_unref(sim->rounds);
    shoalSchedSnapshotUnref(sim->final);
    g_free(sim);
}

/* Counts the moves of @plan that go back to a host the domain left. */
static unsigned
simulateReversals(GHashTable *left, const shoalSchedPlan *plan)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);
        g_autofree char *back = NULL;
        g_autofree char *away = NULL;

        if (step->action != SHOAL_SCHED_ACTION_MIGRATE)
            continue;
        back = g_strdup_printf("%s\n%s", step->domain, step->to);
        away = g_strdup_printf("%s\n%s", step->domain, step->from);
        if (g_hash_table_contains(left, back))
            n++;
        g_hash_table_add(left, g_steal_pointer(&away));
    }
    return n;
}

/* The direction of an in-place step: +1 grows the domain, -1 shrinks it. */
static int
simulateResizeDirection(const shoalSchedStep *step, const char **resource)
{
    switch (step->action) {
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        *resource = "vcpus";
        return 1;
    case SHOAL_SCHED_ACTION_REMOVE_VCPU:
        *resource = "vcpus";
        return -1;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
        *resource = "memory";
        return 1;
    case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
        /* the step does not say the size before; its rule says which way */
        *resource = "memory";
        return g_strcmp0(step->rule, "memory-idle") == 0 ? -1 : 1;
    case SHOAL_SCHED_ACTION_MIGRATE:
    case SHOAL_SCHED_ACTION_LAST:
    default:
        return 0;
    }
}

/* Counts the in-place steps of @plan that reverse the domain's previous
 * change of the same resource; @last: "domain\nresource" -> direction. */
static unsigned
simulateResizeReversals(GHashTable *last, const shoalSchedPlan *plan)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);
        const char *resource = NULL;
        int dir = simulateResizeDirection(step, &resource);
        char *key;
        gpointer before;

        if (dir == 0)
            continue;
        key = g_strdup_printf("%s\n%s", step->domain, resource);
        before = g_hash_table_lookup(last, key);
        if (before && GPOINTER_TO_INT(before) != dir)
            n++;
        g_hash_table_replace(last, key, GINT_TO_POINTER(dir));
    }
    return n;
}

/* The most moves that started within any hour, from the move times. */
static unsigned
simulateMaxInHour(GArray *times)
{
    unsigned best = 0;
    size_t lo = 0;
    size_t hi;

    for (hi = 0; hi < times->len; hi++) {
        gint64 t = g_array_index(times, gint64, hi);

        while (t - g_array_index(times, gint64, lo) >= SIMULATE_HOUR_MS)
            lo++;
        best = MAX(best, (unsigned) (hi - lo + 1));
    }
    return best;
}

/*
 * The powered hosts of @snap, and whether one is overloaded in the
 * interval that ends at nowMs: the latest sample of each running domain
 * (cores used plus cores waited for) over its host's cores, or its
 * domains' memory over its memory limit.
 */
static unsigned
simulatePowered(const shoalSchedSnapshot *snap,
                const shoalSchedConfig *config,
                bool *overloaded)
{
    g_auto(simulateIndex) idx = { 0 };
    g_autoptr(GHashTable) cores =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    g_autoptr(GHashTable) kib =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    unsigned powered = 0;
    size_t i;

    simulateIndexInit(&idx, snap);
    *overloaded = false;
    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);
        double *c;
        double *m;

        if (!dom->host || !g_hash_table_contains(idx.nodes, dom->host))
            continue;
        if (!(c = g_hash_table_lookup(cores, dom->host))) {
            c = g_new0(double, 1);
            m = g_new0(double, 1);
            g_hash_table_insert(cores, dom->host, c);
            g_hash_table_insert(kib, dom->host, m);
        }
        m = g_hash_table_lookup(kib, dom->host);
        *m += dom->memoryKiB;
        if (dom->running && dom->samples->len > 0) {
            const shoalSchedSample *s =
                &g_array_index(dom->samples, shoalSchedSample,
                               dom->samples->len - 1);

            *c += s->cpuCores + s->vcpuDelay * dom->vcpus;
        }
    }
    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
        const double *c = g_hash_table_lookup(cores, node->name);
        const double *m = g_hash_table_lookup(kib, node->name);
        double limit =
            shoalSchedPressureUsableKiB(node) * config->memoryOvercommit;

        if (!node->standby)
            powered++;
        if (c && (*c > node->cpus + 1e-9 || *m > limit + 0.5))
            *overloaded = true;
    }
    return powered;
}

/**
 * shoalSchedSimulate:
 * @snapshots: (element-type shoalSchedSnapshot): recorded snapshots, in
 *   time order
 * @config: the policy to try
 * @error: return location for an error
 *
 * Replays a recording through the planner: each round plans on the next
 * snapshot with what earlier rounds changed carried over (placement,
 * vCPUs, balloons, rest times, recent moves), then applies its plan with
 * shoalSchedSimulateApply(). The recorded load stays as recorded: a
 * domain brings its own samples wherever the simulation put it.
 *
 * Returns: a new simulation, or NULL with SHOAL_SCHED_ERROR_INVALID if a
 * snapshot or @config is invalid or there are no snapshots.
 */
shoalSchedSimulation *
shoalSchedSimulate(GPtrArray *snapshots,
                   const shoalSchedConfig *config,
                   GError **error)
{
    g_autoptr(shoalSchedSimulation) sim = g_new0(shoalSchedSimulation, 1);
    g_autoptr(GHashTable) left =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) resized =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(shoalSchedSnapshot) prev = NULL;
    const shoalSchedSnapshot *first;
    const shoalSchedSnapshot *last;
    size_t i;
    size_t j;

    if (!snapshots || snapshots->len == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("a simulation needs at least one snapshot"));
        return NULL;
    }
    sim->rounds = g_array_new(FALSE, TRUE, sizeof(shoalSchedRound));
    for (i = 0; i < snapshots->len; i++) {
        const shoalSchedSnapshot *input = g_ptr_array_index(snapshots, i);
        g_autoptr(shoalSchedSnapshot) snap = NULL;
        g_autoptr(shoalSchedPlan) plan = NULL;
        g_autoptr(shoalSchedPressureReport) after = NULL;
        shoalSchedRound round = { 0 };

        snap =
            prev ? simulateCarry(prev, input) : shoalSchedSnapshotCopy(input);
        plan = shoalSchedPlanCompute(snap, config, error);
        if (!plan) {
            g_prefix_error(error, _("round %1$zu: "), i + 1);
            return NULL;
        }
        g_clear_pointer(&prev, shoalSchedSnapshotUnref);
        prev = shoalSchedSimulateApply(snap, plan, &round.stale);
        after = shoalSchedPressureCompute(prev, config, error);
        if (!after) {
            g_prefix_error(error, _("round %1$zu: "), i + 1);
            return NULL;
        }
        round.powered = simulatePowered(snap, config, &round.overloaded);
        round.powerOffs = plan->powerOffs;
        round.powerOns = plan->powerOns;
        round.nowMs = snap->nowMs;
        round.imbalanceBefore = plan->imbalanceBefore;
        round.imbalanceAfter = after->imbalance;
        round.cpuMaxAfter = after->cpuMax;
        round.memoryMaxAfter = after->memoryMax;
        round.moves = plan->moves;
        round.vcpusAdded = plan->vcpusAdded;
        round.balloons = plan->balloons;
        round.memoryMovedKiB = plan->memoryMovedKiB;
        round.reversals = simulateReversals(left, plan);
        round.resizes = plan->resizes;
        round.resizeReversals = simulateResizeReversals(resized, plan);
        for (j = 0; j < plan->moves; j++)
            g_array_append_val(times, snap->nowMs);
        g_array_append_val(sim->rounds, round);

        sim->moves += round.moves;
        sim->vcpusAdded += round.vcpusAdded;
        sim->balloons += round.balloons;
        sim->stale += round.stale;
        sim->reversals += round.reversals;
        sim->resizes += round.resizes;
        sim->resizeReversals += round.resizeReversals;
        sim->memoryMovedKiB += round.memoryMovedKiB;
        sim->hostHours +=
            (double) round.powered * snap->intervalMs / SIMULATE_HOUR_MS;
        sim->overloadedIntervals += round.overloaded ? 1 : 0;
        sim->powerOffs += round.powerOffs;
        sim->powerOns += round.powerOns;
        shoalSchedNumaCountSteps(plan, &sim->numaOneCell, &sim->numaSpread);
    }
    first = g_ptr_array_index(snapshots, 0);
    last = g_ptr_array_index(snapshots, snapshots->len - 1);
    sim->hours = (double) (last->nowMs - first->nowMs + last->intervalMs) /
                 SIMULATE_HOUR_MS;
    sim->movesPerHour = sim->hours > 0 ? sim->moves / sim->hours : 0;
    sim->maxMovesInHour = simulateMaxInHour(times);
    sim->final = g_steal_pointer(&prev);
    return g_steal_pointer(&sim);
}

/**
 * shoalSchedSimulationFormatText:
 * @sim: a simulation
 *
 * Returns: (transfer full): one line per round and a summary, translated.
 */
char *
shoalSchedSimulationFormatText(const shoalSchedSimulation *sim)
{
    GString *out = g_string_new(NULL);
    size_t i;

    /* TRANSLATORS: column heads; "time (s)" counts from the first round */
    g_string_append(out,
                    _("round  time (s)  imbalance before -> after  moves  vCPUs  balloons  stale\n"));
    for (i = 0; i < sim->rounds->len; i++) {
        const shoalSchedRound *r =
            &g_array_index(sim->rounds, shoalSchedRound, i);
        gint64 first = g_array_index(sim->rounds, shoalSchedRound, 0).nowMs;

        g_string_append_printf(out,
                               "%5zu  %8.0f  %16.4f -> %.4f  %5u  %5u  %8u  %5u\n",
                               i + 1, (r->nowMs - first) / 1000.0,
                               r->imbalanceBefore, r->imbalanceAfter, r->moves,
                               r->vcpusAdded, r->balloons, r->stale);
    }
    g_string_append_printf(out, _("Rounds: %1$u over %2$.2f hours\n"),
                           sim->rounds->len, sim->hours);
    g_string_append_printf(out,
                           _("Migrations: %1$u (%2$.1f an hour, at most %3$u in one hour), %4$llu MiB\n"),
                           sim->moves, sim->movesPerHour, sim->maxMovesInHour,
                           sim->memoryMovedKiB / 1024);
    g_string_append_printf(out, _("Moves back to a host left earlier: %1$u\n"),
                           sim->reversals);
    g_string_append_printf(out, _("vCPU hot-adds: %1$u\n"), sim->vcpusAdded);
    g_string_append_printf(out, _("Balloon changes: %1$u\n"), sim->balloons);
    g_string_append_printf(out,
                           _("virtio-mem changes and vCPU removals: %1$u\n"),
                           sim->resizes);
    g_string_append_printf(out,
                           _("Resizes that reversed the one before: %1$u\n"),
                           sim->resizeReversals);
    g_string_append_printf(out, _("Stale steps: %1$u\n"), sim->stale);
    g_string_append_printf(out,
                           _("Host-hours powered: %1$.2f; intervals with a host overloaded: %2$u\n"),
                           sim->hostHours, sim->overloadedIntervals);
    if (sim->powerOffs + sim->powerOns > 0)
        g_string_append_printf(out,
                               _("Hosts powered off: %1$u, powered on: %2$u\n"),
                               sim->powerOffs, sim->powerOns);
    if (sim->numaOneCell + sim->numaSpread > 0)
        g_string_append_printf(out,
                               _("NUMA: migrations pinned to one cell: %1$u, spread over several: %2$u\n"),
                               sim->numaOneCell, sim->numaSpread);
    return g_string_free(out, FALSE);
}

/**
 * shoalSchedSimulationFormatJSON:
 * @sim: a simulation
 *
 * Returns: (transfer full): {"rounds": [{"now_ms", "imbalance_before",
 * "imbalance_after", "cpu_max_after", "memory_max_after", "moves",
 * "vcpus_added", "balloons", "stale", "reversals", "resizes",
 * "resize_reversals", "memory_moved_mib", "powered", "overloaded",
 * "power_offs" and "power_ons" when not both 0}],
 * "moves", "vcpus_added", "balloons", "stale", "reversals", "resizes",
 * "resize_reversals",
 * "memory_moved_mib", "hours", "moves_per_hour", "max_moves_in_hour",
 * "host_hours", "overloaded_intervals", "power_offs", "power_ons"}.
 */
char *
shoalSchedSimulationFormatJSON(const shoalSchedSimulation *sim)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *rounds = shoalSchedJsonNewArray(sim->rounds->len);
    size_t i;

    for (i = 0; i < sim->rounds->len; i++) {
        const shoalSchedRound *r =
            &g_array_index(sim->rounds, shoalSchedRound, i);
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "now_ms", json_object_new_int64(r->nowMs));
        json_object_object_add(obj, "imbalance_before",
                               shoalSchedJsonNewRounded(r->imbalanceBefore, 6));
        json_object_object_add(obj, "imbalance_after",
                               shoalSchedJsonNewRounded(r->imbalanceAfter, 6));
        json_object_object_add(obj, "cpu_max_after",
                               shoalSchedJsonNewRounded(r->cpuMaxAfter, 4));
        json_object_object_add(obj, "memory_max_after",
                               shoalSchedJsonNewRounded(r->memoryMaxAfter, 4));
        json_object_object_add(obj, "moves", json_object_new_int64(r->moves));
        json_object_object_add(obj, "vcpus_added",
                               json_object_new_int64(r->vcpusAdded));
        json_object_object_add(obj, "balloons",
                               json_object_new_int64(r->balloons));
        json_object_object_add(obj, "stale", json_object_new_int64(r->stale));
        json_object_object_add(obj, "reversals",
                               json_object_new_int64(r->reversals));
        json_object_object_add(obj, "resizes",
                               json_object_new_int64(r->resizes));
        json_object_object_add(obj, "resize_reversals",
                               json_object_new_int64(r->resizeReversals));
        json_object_object_add(obj, "memory_moved_mib",
                               shoalSchedJsonNewDouble(r->memoryMovedKiB /
                                                       1024.0));
        json_object_object_add(obj, "powered",
                               json_object_new_int64(r->powered));
        json_object_object_add(obj, "overloaded",
                               json_object_new_boolean(r->overloaded));
        if (r->powerOffs + r->powerOns > 0) {
            json_object_object_add(obj, "power_offs",
                                   json_object_new_int64(r->powerOffs));
            json_object_object_add(obj, "power_ons",
                                   json_object_new_int64(r->powerOns));
        }
        json_object_array_add(rounds, obj);
    }
    json_object_object_add(root, "rounds", rounds);
    json_object_object_add(root, "moves", json_object_new_int64(sim->moves));
    json_object_object_add(root, "vcpus_added",
                           json_object_new_int64(sim->vcpusAdded));
    json_object_object_add(root, "balloons",
                           json_object_new_int64(sim->balloons));
    json_object_object_add(root, "stale", json_object_new_int64(sim->stale));
    json_object_object_add(root, "reversals",
                           json_object_new_int64(sim->reversals));
    json_object_object_add(root, "resizes",
                           json_object_new_int64(sim->resizes));
    json_object_object_add(root, "resize_reversals",
                           json_object_new_int64(sim->resizeReversals));
    json_object_object_add(root, "memory_moved_mib",
                           shoalSchedJsonNewDouble(sim->memoryMovedKiB /
                                                   1024.0));
    json_object_object_add(root, "hours",
                           shoalSchedJsonNewRounded(sim->hours, 4));
    json_object_object_add(root, "moves_per_hour",
                           shoalSchedJsonNewRounded(sim->movesPerHour, 4));
    json_object_object_add(root, "max_moves_in_hour",
                           json_object_new_int64(sim->maxMovesInHour));
    json_object_object_add(root, "host_hours",
                           shoalSchedJsonNewRounded(sim->hostHours, 4));
    json_object_object_add(root, "overloaded_intervals",
                           json_object_new_int64(sim->overloadedIntervals));
    json_object_object_add(root, "power_offs",
                           json_object_new_int64(sim->powerOffs));
    json_object_object_add(root, "power_ons",
                           json_object_new_int64(sim->powerOns));
    if (sim->numaOneCell + sim->numaSpread > 0) {
        json_object_object_add(root, "numa_one_cell",
                               json_object_new_int64(sim->numaOneCell));
        json_object_object_add(root, "numa_spread",
                               json_object_new_int64(sim->numaSpread));
    }
    return shoalSchedJsonFormat(root);
}
