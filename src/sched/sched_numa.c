/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NUMA fit: on which cells of a host a domain's vCPUs and memory go. A
 * domain that fits in one cell (its vCPUs <= the cell's CPUs, its memory
 * <= the cell's free memory) gets the one with the most free memory;
 * one that fits in none is spread over the fewest cells, those with the
 * most free memory first. A host that describes no cells (an old
 * snapshot, a host whose capabilities give none) and a domain that opted
 * out make no NUMA decision, and rank like a host where it fits in one
 * cell, so they constrain nothing.
 */
#include <config.h>

#include "sched_numa.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_json.h"

static bool
cellsParseItem(json_object *item,
               const char *path,
               GArray *cells,
               GError **error)
{
    static const char *const keys[] = { "id", "cpus", "memory_mib", "free_mib",
                                        NULL };
    shoalSchedCell cell = { 0 };
    guint64 u;
    size_t i;

    if (!shoalSchedJsonCheckType(item, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(item, path, keys, error) ||
        !shoalSchedJsonGetUInt64(item, path, "id", true,
                                 SHOAL_SCHED_NUMA_MAX_CELLS - 1, &u, error))
        return false;
    cell.id = (unsigned) u;
    if (!shoalSchedJsonGetUInt64(item, path, "cpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    cell.cpus = (unsigned) u;
    if (!shoalSchedJsonGetUInt64(item, path, "memory_mib", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024, &u,
                                 error))
        return false;
    cell.memoryMiB = u;
    if (!shoalSchedJsonGetUInt64(item, path, "free_mib", true, cell.memoryMiB,
                                 &u, error))
        return false;
    cell.freeMiB = u;
    for (i = 0; i < cells->len; i++) {
        if (g_array_index(cells, shoalSchedCell, i).id == cell.id) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s': cell %2$u appears twice"), path, cell.id);
            return false;
        }
    }
    g_array_append_val(cells, cell);
    return true;
}

/**
 * shoalSchedCellsParseJSON:
 *
 * Parses the optional array @key of @obj: cells {"id", "cpus",
 * "memory_mib", "free_mib"}, ids below 64 and unique, free memory at most
 * the cell's memory. Sets *@cells to NULL when @key is missing.
 */
bool
shoalSchedCellsParseJSON(json_object *obj,
                         const char *path,
                         const char *key,
                         GArray **cells,
                         GError **error)
{
    g_autoptr(GArray) parsed = g_array_new(FALSE, TRUE, sizeof(shoalSchedCell));

    *cells = NULL;
    if (!json_object_object_get_ex(obj, key, NULL))
        return true;
    if (!shoalSchedJsonParseList(obj, path, key, false,
                                 (shoalSchedJsonItemParser) cellsParseItem,
                                 parsed, error))
        return false;
    if (parsed->len > 0)
        *cells = g_steal_pointer(&parsed);
    return true;
}

void
shoalSchedCellsFormatJSON(json_object *obj,
                          const char *key,
                          const GArray *cells)
{
    json_object *arr;
    size_t i;

    if (!cells || cells->len == 0)
        return;
    arr = json_object_new_array();
    for (i = 0; i < cells->len; i++) {
        const shoalSchedCell *c = &g_array_index(cells, shoalSchedCell, i);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "id", json_object_new_int64(c->id));
        json_object_object_add(o, "cpus", json_object_new_int64(c->cpus));
        json_object_object_add(o, "memory_mib",
                               json_object_new_int64((gint64) c->memoryMiB));
        json_object_object_add(o, "free_mib",
                               json_object_new_int64((gint64) c->freeMiB));
        json_object_array_add(arr, o);
    }
    json_object_object_add(obj, key, arr);
}

/* Most free memory first, then the lower id. */
static int
numaCompareCells(const void *a, const void *b)
{
    const shoalSchedCell *x = *(const shoalSchedCell *const *) a;
    const shoalSchedCell *y = *(const shoalSchedCell *const *) b;

    if (x->freeMiB != y->freeMiB)
        return x->freeMiB > y->freeMiB ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/**
 * shoalSchedNumaFitCompute:
 * @node: a host
 * @dom: a domain, on @node or not
 * @fit: (out): the cells it would use there
 *
 * A domain already on @node (running there) has its own memory counted in
 * the cells' free memory, in a cell the snapshot does not say: its memory
 * is added back to each cell's free memory.
 */
void
shoalSchedNumaFitCompute(const shoalSchedNode *node,
                         const shoalSchedDomain *dom,
                         shoalSchedNumaFit *fit)
{
    g_autofree const shoalSchedCell **sorted = NULL;
    unsigned long long needMiB = (dom->memoryKiB + 1023) / 1024;
    unsigned long long ownMiB = 0;
    unsigned long long memory = 0;
    unsigned cpus = 0;
    unsigned n;
    unsigned i;

    fit->ncells = 0;
    fit->cells = 0;
    if (!node->cells || node->cells->len == 0 || dom->numaOptOut)
        return;
    if (dom->running && dom->host && g_str_equal(dom->host, node->name))
        ownMiB = needMiB;
    n = node->cells->len;
    sorted = g_new(const shoalSchedCell *, n);
    for (i = 0; i < n; i++)
        sorted[i] = &g_array_index(node->cells, shoalSchedCell, i);
    qsort(sorted, n, sizeof(*sorted), numaCompareCells);

    for (i = 0; i < n; i++) {
        if (sorted[i]->cpus >= dom->vcpus &&
            sorted[i]->freeMiB + ownMiB >= needMiB) {
            fit->ncells = 1;
            fit->cells = G_GUINT64_CONSTANT(1) << sorted[i]->id;
            return;
        }
    }
    /* spread: the fewest cells, most free memory first; all of them if
     * even that is not enough (the memory limits decide elsewhere) */
    for (i = 0; i < n; i++) {
        cpus += sorted[i]->cpus;
        memory += sorted[i]->freeMiB;
        fit->cells |= G_GUINT64_CONSTANT(1) << sorted[i]->id;
        fit->ncells++;
        if (cpus >= dom->vcpus && memory + ownMiB >= needMiB)
            break;
    }
}

/**
 * shoalSchedNumaRank:
 *
 * How well @dom fits @node's cells, lower is better: the cells it needs
 * there, and 1 where no NUMA decision is made.
 */
unsigned
shoalSchedNumaRank(const shoalSchedNode *node, const shoalSchedDomain *dom)
{
    shoalSchedNumaFit fit;

    shoalSchedNumaFitCompute(node, dom, &fit);
    return fit.ncells ? fit.ncells : 1;
}

/**
 * shoalSchedNumaFormatNodeset:
 *
 * Returns: (transfer full): @cells as libvirt writes a nodeset ("0",
 * "0-2", "1,3"), or NULL for none.
 */
char *
shoalSchedNumaFormatNodeset(guint64 cells)
{
    g_autoptr(GString) out = g_string_new(NULL);
    unsigned i = 0;

    if (!cells)
        return NULL;
    while (i < SHOAL_SCHED_NUMA_MAX_CELLS) {
        unsigned end;

        if (!(cells & (G_GUINT64_CONSTANT(1) << i))) {
            i++;
            continue;
        }
        end = i;
        while (end + 1 < SHOAL_SCHED_NUMA_MAX_CELLS &&
               (cells & (G_GUINT64_CONSTANT(1) << (end + 1))))
            end++;
        if (out->len)
            g_string_append_c(out, ',');
        if (end == i)
            g_string_append_printf(out, "%u", i);
        else
            g_string_append_printf(out, "%u-%u", i, end);
        i = end + 1;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static bool
numaParseNumber(const char *text, const char **end, unsigned *value)
{
    char *stop = NULL;
    guint64 v;

    if (!g_ascii_isdigit(*text))
        return false;
    v = g_ascii_strtoull(text, &stop, 10);
    if (v >= SHOAL_SCHED_NUMA_MAX_CELLS)
        return false;
    *value = (unsigned) v;
    *end = stop;
    return true;
}

/**
 * shoalSchedNumaParseNodeset:
 *
 * Parses a libvirt nodeset of cells below 64 ("0", "0-2,5"; no "^"
 * exclusions).
 */
bool
shoalSchedNumaParseNodeset(const char *text, guint64 *cells, GError **error)
{
    const char *p = text;

    *cells = 0;
    while (p && *p) {
        unsigned first;
        unsigned last;

        if (!numaParseNumber(p, &p, &first))
            goto invalid;
        last = first;
        if (*p == '-' && (!numaParseNumber(p + 1, &p, &last) || last < first))
            goto invalid;
        for (; first <= last; first++)
            *cells |= G_GUINT64_CONSTANT(1) << first;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            goto invalid;
    }
    if (*cells)
        return true;
invalid:
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                _("'%1$s' is not a nodeset of NUMA cells 0 to 63"),
                text ? text : "");
    return false;
}

/* Whether @node may take @dom at all, as far as NUMA cares: up, and in
 * its pins. */
static bool
numaEligible(const shoalSchedNode *node, const shoalSchedDomain *dom)
{
    if (dom->host && g_str_equal(dom->host, node->name))
        return true;
    return node->online && !node->maintenance &&
           (!dom->pinned ||
            g_strv_contains((const char *const *) dom->pinned, node->name));
}

/**
 * shoalSchedNumaBestNodes:
 * @snap: the cluster
 * @dom: a domain of it
 *
 * The hosts where @dom fits in the fewest NUMA cells, among its own host
 * and those up and in its pins: where the planner may move it.
 *
 * Returns: (transfer full) (nullable): a set of shoalSchedNode pointers,
 * or NULL if NUMA restricts nothing (every host ranks the same).
 */
GHashTable *
shoalSchedNumaBestNodes(const shoalSchedSnapshot *snap,
                        const shoalSchedDomain *dom)
{
    g_autoptr(GHashTable) best = NULL;
    g_autofree unsigned *ranks = NULL;
    unsigned lowest = G_MAXUINT;
    bool differ = false;
    bool any = false;
    size_t i;

    if (dom->numaOptOut)
        return NULL;
    for (i = 0; i < snap->nodes->len && !any; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        any = node->cells && node->cells->len > 0;
    }
    if (!any)
        return NULL;
    ranks = g_new0(unsigned, snap->nodes->len + 1);
    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        if (!numaEligible(node, dom))
            continue;
        ranks[i] = shoalSchedNumaRank(node, dom);
        differ = differ || (lowest != G_MAXUINT && ranks[i] != lowest);
        lowest = MIN(lowest, ranks[i]);
    }
    if (!differ)
        return NULL;
    best = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (i = 0; i < snap->nodes->len; i++) {
        if (ranks[i] == lowest)
            g_hash_table_add(best, g_ptr_array_index(snap->nodes, i));
    }
    return g_steal_pointer(&best);
}

/**
 * shoalSchedNumaAnnotatePlan:
 * @snap: the cluster the plan was computed from
 * @plan: its plan
 *
 * Sets the NUMA cells of each migration's destination (step->cells).
 */
void
shoalSchedNumaAnnotatePlan(const shoalSchedSnapshot *snap, shoalSchedPlan *plan)
{
    size_t i;

    for (i = 0; i < plan->steps->len; i++) {
        shoalSchedStep *step = g_ptr_array_index(plan->steps, i);
        const shoalSchedDomain *dom;
        const shoalSchedNode *to;
        shoalSchedNumaFit fit;

        if (step->action != SHOAL_SCHED_ACTION_MIGRATE || !step->domain ||
            !(dom = shoalSchedSnapshotFindDomain(snap, step->domain)) ||
            !(to = shoalSchedSnapshotFindNode(snap, step->to)))
            continue;
        shoalSchedNumaFitCompute(to, dom, &fit);
        g_free(step->cells);
        step->cells = shoalSchedNumaFormatNodeset(fit.cells);
    }
}

/**
 * shoalSchedNumaCountSteps:
 *
 * Adds @plan's migrations with a NUMA decision to @one (to one cell) or
 * @spread (over several).
 */
void
shoalSchedNumaCountSteps(const shoalSchedPlan *plan,
                         unsigned *one,
                         unsigned *spread)
{
    size_t i;

    for (i = 0; i < plan->steps->len; i++) {
        const shoalSchedStep *step = g_ptr_array_index(plan->steps, i);

        if (step->action != SHOAL_SCHED_ACTION_MIGRATE || !step->cells)
            continue;
        if (strpbrk(step->cells, ",-"))
            (*spread)++;
        else
            (*one)++;
    }
}
