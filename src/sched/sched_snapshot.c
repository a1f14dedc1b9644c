/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_snapshot.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_import.h"
#include "sched_json.h"
#include "sched_numa.h"
#include "sched_objects_priv.h"

/*
 * Shoal's snapshot format, "shoal-snapshot/1": what the daemon records
 * and the scheduler's tests replay. One JSON object:
 *
 *   "format":          "shoal-snapshot/1"
 *   "now_ms":          integer, the clock of every *_ms below
 *   "interval_ms":     integer >= 0, the length of one statistics interval
 *   "config":          optional object, the configuration in force, with
 *                      the keys and units of the configuration file
 *                      (shoalSchedConfigParseJSON())
 *   "nodes":           array of
 *       "name":            string, unique
 *       "online":          bool, default true
 *       "maintenance":     bool, default false
 *       "cpus":            integer, physical cores
 *       "memory_kib":      integer, physical memory
 *       "reserved_kib":    integer, default 0: kept for the host itself
 *       "standby":         bool, default false: powered off by
 *                          power-saving mode ("online" is then false)
 *       "power_control":   bool, default false: it has power commands
 *       "power_changed_ms": integer, default 0 (never)
 *       "samples":         optional array of numbers: CPU cores demanded
 *                          per interval, oldest first
 *       "objects":         optional object of arrays of names, keyed
 *                          "pool", "volume" ("pool/volume"), "network",
 *                          "secret": the objects it has active
 *       "cells":           optional array of {"id", "cpus", "memory_mib",
 *                          "free_mib"}: its NUMA cells (missing: one
 *                          cell, no NUMA decision; sched_numa.c)
 *   "domains":         array of
 *       "name":            string, unique
 *       "uuid":            optional string
 *       "host":            optional string, a node's name; missing: not
 *                          placed on any host
 *       "running":         bool, default true
 *       "migrating":       bool, default false
 *       "vcpus":           integer, current vCPUs
 *       "max_vcpus":       integer, default "vcpus"
 *       "memory_kib":      integer, maximum memory
 *       "balloon_kib":     integer, default 0 (unknown)
 *       "memory_pressure": bool, default false
 *       "samples":         optional array of [cpu_cores, vcpu_busy,
 *                          vcpu_delay] triples, oldest first, each with
 *                          an optional fourth number: the fraction of
 *                          the guest's memory in use (missing or 0:
 *                          unknown)
 *       "mode":            optional "off", "advise" or "automatic"
 *       "affinity", "anti_affinity": optional arrays of group names
 *       "pinned":          optional array of node names (missing: any)
 *       "last_move_ms", "last_resize_ms": integers, default 0 (never)
 *       "last_host":       optional string, the host it left at last_move_ms
 *       "vcpu_floor":      integer, default 0 (never remove vCPUs)
 *       "virtio_mem_max_kib", "virtio_mem_block_kib",
 *       "virtio_mem_requested_kib", "virtio_mem_plugged_kib": integers,
 *                          default 0 (no virtio-mem device)
 *       "resize_refused_ms": integer, default 0 (never)
 *       "requires":        optional, as a node's "objects": what it needs
 *                          on its host
 *       "unmovable":       optional string, why it cannot leave its host
 *       "numa_pin":        bool, default true; false: its placement
 *                          metadata opts out of NUMA placement
 *   "migrations":      optional array of {"domain", "from", "to"}, in flight
 *   "recent_moves_ms": optional array of integers, start times of moves
 *   "recent_resizes_ms": optional array of integers, times of resizes
 *
 * Every number is a JSON number; an unknown key is an error. The
 * formatter writes keys in this order and leaves out optional ones that
 * hold their default, so formatting what it parsed gives the same bytes
 * back (numbers in their shortest exact form), and a file written that
 * way round-trips exactly.
 */
#define SNAPSHOT_FORMAT "shoal-snapshot/1"
#define SNAPSHOT_FORMAT_VMCLUSTER "vmcluster-snapshot/1"

shoalSchedDomain *
shoalSchedDomainNew(const char *name)
{
    shoalSchedDomain *dom = g_new0(shoalSchedDomain, 1);

    dom->name = g_strdup(name);
    dom->running = true;
    dom->samples = g_array_new(FALSE, TRUE, sizeof(shoalSchedSample));
    return dom;
}

shoalSchedDomain *
shoalSchedDomainCopy(const shoalSchedDomain *dom)
{
    shoalSchedDomain *copy = g_new0(shoalSchedDomain, 1);

    *copy = *dom;
    copy->name = g_strdup(dom->name);
    copy->uuid = g_strdup(dom->uuid);
    copy->host = g_strdup(dom->host);
    copy->samples = g_array_copy(dom->samples);
    copy->mode = g_strdup(dom->mode);
    copy->affinity = g_strdupv(dom->affinity);
    copy->antiAffinity = g_strdupv(dom->antiAffinity);
    copy->pinned = g_strdupv(dom->pinned);
    copy->lastHost = g_strdup(dom->lastHost);
    shoalSchedObjectsCopy(&copy->requires, &dom->requires);
    copy->unmovable = g_strdup(dom->unmovable);
    return copy;
}

void
shoalSchedDomainFree(shoalSchedDomain *dom)
{
    if (!dom)
        return;
    g_free(dom->name);
    g_free(dom->uuid);
    g_free(dom->host);
    if (dom->samples)
        g_array_unref(dom->samples);
    g_free(dom->mode);
    g_strfreev(dom->affinity);
    g_strfreev(dom->antiAffinity);
    g_strfreev(dom->pinned);
    g_free(dom->lastHost);
    shoalSchedObjectsClear(&dom->requires);
    g_free(dom->unmovable);
    g_free(dom);
}

shoalSchedNode *
shoalSchedNodeNew(const char *name)
{
    shoalSchedNode *node = g_new0(shoalSchedNode, 1);

    node->name = g_strdup(name);
    node->online = true;
    node->samples = g_array_new(FALSE, TRUE, sizeof(double));
    return node;
}

shoalSchedNode *
shoalSchedNodeCopy(const shoalSchedNode *node)
{
    shoalSchedNode *copy = g_new0(shoalSchedNode, 1);

    *copy = *node;
    copy->name = g_strdup(node->name);
    copy->samples = g_array_copy(node->samples);
    shoalSchedObjectsCopy(&copy->objects, &node->objects);
    copy->cells = node->cells ? g_array_copy(node->cells) : NULL;
    return copy;
}

void
shoalSchedNodeFree(shoalSchedNode *node)
{
    if (!node)
        return;
    g_free(node->name);
    if (node->samples)
        g_array_unref(node->samples);
    shoalSchedObjectsClear(&node->objects);
    if (node->cells)
        g_array_unref(node->cells);
    g_free(node);
}

shoalSchedMigration *
shoalSchedMigrationNew(const char *domain, const char *from, const char *to)
{
    shoalSchedMigration *mig = g_new0(shoalSchedMigration, 1);

    mig->domain = g_strdup(domain);
    mig->from = g_strdup(from);
    mig->to = g_strdup(to);
    return mig;
}

void
shoalSchedMigrationFree(shoalSchedMigration *mig)
{
    if (!mig)
        return;
    g_free(mig->domain);
    g_free(mig->from);
    g_free(mig->to);
    g_free(mig);
}

static void
snapshotClear(shoalSchedSnapshot *snap)
{
    g_ptr_array_unref(snap->nodes);
    g_ptr_array_unref(snap->domains);
    g_ptr_array_unref(snap->migrations);
    g_array_unref(snap->recentMovesMs);
    g_array_unref(snap->recentResizesMs);
}

/**
 * shoalSchedSnapshotNew:
 *
 * An empty snapshot: no nodes, domains, migrations or moves, time 0, no
 * configuration recorded. Fill it in, then publish it.
 *
 * Returns: a new reference.
 */
shoalSchedSnapshot *
shoalSchedSnapshotNew(void)
{
    shoalSchedSnapshot *snap = g_atomic_rc_box_new0(shoalSchedSnapshot);

    snap->nodes =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalSchedNodeFree);
    snap->domains =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalSchedDomainFree);
    snap->migrations = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedMigrationFree);
    snap->recentMovesMs = g_array_new(FALSE, TRUE, sizeof(gint64));
    snap->recentResizesMs = g_array_new(FALSE, TRUE, sizeof(gint64));
    shoalSchedConfigInit(&snap->config);
    return snap;
}

/* Returns: a new reference to a deep copy of @snap, not yet published. */
shoalSchedSnapshot *
shoalSchedSnapshotCopy(const shoalSchedSnapshot *snap)
{
    shoalSchedSnapshot *copy = shoalSchedSnapshotNew();
    size_t i;

    copy->nowMs = snap->nowMs;
    copy->intervalMs = snap->intervalMs;
    copy->hasConfig = snap->hasConfig;
    copy->config = snap->config;
    for (i = 0; i < snap->nodes->len; i++)
        g_ptr_array_add(copy->nodes,
                        shoalSchedNodeCopy(g_ptr_array_index(snap->nodes, i)));
    for (i = 0; i < snap->domains->len; i++)
        g_ptr_array_add(copy->domains,
                        shoalSchedDomainCopy(
                            g_ptr_array_index(snap->domains, i)));
    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        g_ptr_array_add(copy->migrations,
                        shoalSchedMigrationNew(mig->domain, mig->from,
                                               mig->to));
    }
    g_array_append_vals(copy->recentMovesMs, snap->recentMovesMs->data,
                        snap->recentMovesMs->len);
    g_array_append_vals(copy->recentResizesMs, snap->recentResizesMs->data,
                        snap->recentResizesMs->len);
    return copy;
}

shoalSchedSnapshot *
shoalSchedSnapshotRef(shoalSchedSnapshot *snap)
{
    return g_atomic_rc_box_acquire(snap);
}

void
shoalSchedSnapshotUnref(shoalSchedSnapshot *snap)
{
    if (snap)
        g_atomic_rc_box_release_full(snap, (GDestroyNotify) snapshotClear);
}

/* Returns: the node called @name (borrowed), or NULL. Linear. */
shoalSchedNode *
shoalSchedSnapshotFindNode(const shoalSchedSnapshot *snap, const char *name)
{
    size_t i;

    for (i = 0; name && i < snap->nodes->len; i++) {
        shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        if (g_str_equal(node->name, name))
            return node;
    }
    return NULL;
}

/* Returns: the domain called @name (borrowed), or NULL. Linear. */
shoalSchedDomain *
shoalSchedSnapshotFindDomain(const shoalSchedSnapshot *snap, const char *name)
{
    size_t i;

    for (i = 0; name && i < snap->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        if (g_str_equal(dom->name, name))
            return dom;
    }
    return NULL;
}

/* Copies the configuration recorded with @snap, or the defaults. */
void
shoalSchedSnapshotGetConfig(const shoalSchedSnapshot *snap,
                            shoalSchedConfig *config)
{
    if (snap->hasConfig)
        *config = snap->config;
    else
        shoalSchedConfigInit(config);
}

static bool
snapshotCheckNumber(double value, const char *what, GError **error)
{
    if (isfinite(value) && value >= 0)
        return true;
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                _("%1$s must be a finite number of at least 0"), what);
    return false;
}

static bool
snapshotValidateNodes(const shoalSchedSnapshot *snap,
                      GHashTable *nodes,
                      GError **error)
{
    size_t i;
    size_t j;

    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);

        if (!node->name || !*node->name) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("node %1$zu has no name"), i);
            return false;
        }
        if (!g_hash_table_add(nodes, node->name)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("two nodes are called '%1$s'"), node->name);
            return false;
        }
        for (j = 0; node->samples && j < node->samples->len; j++) {
            g_autofree char *what =
                g_strdup_printf("nodes['%s'].samples[%zu]", node->name, j);

            if (!snapshotCheckNumber(g_array_index(node->samples, double, j),
                                     what, error))
                return false;
        }
    }
    return true;
}

static bool
snapshotValidateDomain(const shoalSchedDomain *dom,
                       GHashTable *nodes,
                       GError **error)
{
    size_t j;

    if (dom->host && !g_hash_table_contains(nodes, dom->host)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("domain '%1$s' is on unknown node '%2$s'"), dom->name,
                    dom->host);
        return false;
    }
    if (dom->mode && shoalSchedModeFromString(dom->mode) < 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("domain '%1$s' has unknown mode '%2$s'"), dom->name,
                    dom->mode);
        return false;
    }
    for (j = 0; dom->samples && j < dom->samples->len; j++) {
        const shoalSchedSample *s =
            &g_array_index(dom->samples, shoalSchedSample, j);
        g_autofree char *what =
            g_strdup_printf("domains['%s'].samples[%zu]", dom->name, j);

        if (!snapshotCheckNumber(s->cpuCores, what, error) ||
            !snapshotCheckNumber(s->vcpuBusy, what, error) ||
            !snapshotCheckNumber(s->vcpuDelay, what, error) ||
            !snapshotCheckNumber(s->memoryUsed, what, error))
            return false;
    }
    if (dom->virtioMemRequestedKiB > dom->virtioMemMaxKiB ||
        dom->virtioMemPluggedKiB > dom->virtioMemMaxKiB) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("domain '%1$s' has more virtio-mem memory requested or plugged than its device holds"),
                    dom->name);
        return false;
    }
    return true;
}

static bool
snapshotValidate(const shoalSchedSnapshot *snap, GError **error)
{
    g_autoptr(GHashTable) nodes = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) domains = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) moving = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;

    if (!snapshotValidateNodes(snap, nodes, error))
        return false;
    for (i = 0; i < snap->domains->len; i++) {
        const shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        if (!dom->name || !*dom->name) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("domain %1$zu has no name"), i);
            return false;
        }
        if (!g_hash_table_add(domains, dom->name)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("two domains are called '%1$s'"), dom->name);
            return false;
        }
        if (!snapshotValidateDomain(dom, nodes, error))
            return false;
    }
    for (i = 0; i < snap->migrations->len; i++) {
        const shoalSchedMigration *mig = g_ptr_array_index(snap->migrations, i);

        if (!mig->domain || !g_hash_table_contains(domains, mig->domain) ||
            !mig->from || !g_hash_table_contains(nodes, mig->from) ||
            !mig->to || !g_hash_table_contains(nodes, mig->to)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("migration %1$zu names an unknown domain or node"),
                        i);
            return false;
        }
        if (!g_hash_table_add(moving, mig->domain)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("domain '%1$s' has two migrations in flight"),
                        mig->domain);
            return false;
        }
    }
    return !snap->hasConfig || shoalSchedConfigValidate(&snap->config, error);
}

/**
 * shoalSchedSnapshotValidate:
 * @snap: a snapshot
 * @error: return location for an error
 *
 * What the planner relies on: node and domain names are non-empty and
 * unique, a domain's host and both ends of a migration are nodes, a
 * migration's domain exists and has at most one migration, samples are
 * finite and not negative, modes are known and a recorded configuration
 * is valid. Fails with SHOAL_SCHED_ERROR_INVALID.
 */
bool
shoalSchedSnapshotValidate(const shoalSchedSnapshot *snap, GError **error)
{
    if (!snapshotValidate(snap, error)) {
        g_prefix_error(error, _("invalid snapshot: "));
        return false;
    }
    return true;
}

/* ---- shoal-snapshot/1 ------------------------------------------------- */

static bool
snapshotParseNodeSample(json_object *val,
                        const char *path,
                        GArray *samples,
                        GError **error)
{
    double d;

    if (!shoalSchedJsonToDouble(val, path, &d, error))
        return false;
    g_array_append_val(samples, d);
    return true;
}

static bool
snapshotParseNode(json_object *obj,
                  const char *path,
                  GPtrArray *nodes,
                  GError **error)
{
    static const char *const keys[] = {
        "name",       "online",        "maintenance",      "cpus",
        "memory_kib", "reserved_kib",  "samples",          "objects",
        "standby",    "power_control", "power_changed_ms", "cells",
        NULL,
    };
    g_autoptr(shoalSchedNode) node = shoalSchedNodeNew(NULL);
    guint64 u;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, path, keys, error) ||
        !shoalSchedJsonGetString(obj, path, "name", true, &node->name, error) ||
        !shoalSchedJsonGetBool(obj, path, "online", true, &node->online,
                               error) ||
        !shoalSchedJsonGetBool(obj, path, "maintenance", false,
                               &node->maintenance, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "cpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    node->cpus = (unsigned) u;
    if (!shoalSchedJsonGetUInt64(obj, path, "memory_kib", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    node->memoryKiB = u;
    if (!shoalSchedJsonGetUInt64(obj, path, "reserved_kib", false,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    node->reservedKiB = u;
    u = 0;
    if (!shoalSchedJsonGetBool(obj, path, "standby", false, &node->standby,
                               error) ||
        !shoalSchedJsonGetBool(obj, path, "power_control", false,
                               &node->powerControl, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "power_changed_ms", false,
                                 G_MAXINT64, &u, error))
        return false;
    node->powerChangedMs = (gint64) u;
    if (node->standby && node->online) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s': a host in standby cannot be online"), path);
        return false;
    }

    if (!shoalSchedJsonParseList(obj, path, "samples", false,
                                 (shoalSchedJsonItemParser)
                                     snapshotParseNodeSample,
                                 node->samples, error) ||
        !shoalSchedObjectsParseJSON(obj, path, "objects", &node->objects,
                                    error) ||
        !shoalSchedCellsParseJSON(obj, path, "cells", &node->cells, error))
        return false;
    g_ptr_array_add(nodes, g_steal_pointer(&node));
    return true;
}

static bool
snapshotParseSample(json_object *val,
                    const char *path,
                    GArray *samples,
                    GError **error)
{
    shoalSchedSample sample = { 0 };
    size_t len = json_object_is_type(val, json_type_array)
                     ? json_object_array_length(val)
                     : 0;

    if (len != 3 && len != 4) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an array of three numbers: CPU cores, vCPU busy and vCPU delay"),
                    path);
        return false;
    }
    if (!shoalSchedJsonToDouble(json_object_array_get_idx(val, 0), path,
                                &sample.cpuCores, error) ||
        !shoalSchedJsonToDouble(json_object_array_get_idx(val, 1), path,
                                &sample.vcpuBusy, error) ||
        !shoalSchedJsonToDouble(json_object_array_get_idx(val, 2), path,
                                &sample.vcpuDelay, error))
        return false;
    if (len == 4 && !shoalSchedJsonToDouble(json_object_array_get_idx(val, 3),
                                            path, &sample.memoryUsed, error))
        return false;
    g_array_append_val(samples, sample);
    return true;
}

/* A domain's virtio-mem device, from flat keys (all missing: none). */
static bool
snapshotParseVirtioMem(json_object *obj,
                       const char *path,
                       shoalSchedDomain *dom,
                       GError **error)
{
    static const char *const keys[] = {
        "virtio_mem_max_kib",
        "virtio_mem_block_kib",
        "virtio_mem_requested_kib",
        "virtio_mem_plugged_kib",
    };
    unsigned long long *fields[] = {
        &dom->virtioMemMaxKiB,
        &dom->virtioMemBlockKiB,
        &dom->virtioMemRequestedKiB,
        &dom->virtioMemPluggedKiB,
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(keys); i++) {
        guint64 u;

        if (!shoalSchedJsonGetUInt64(obj, path, keys[i], false,
                                     SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
            return false;
        *fields[i] = u;
    }
    return true;
}

/* The members of a domain that are not strings or lists. */
static bool
snapshotParseDomainNumbers(json_object *obj,
                           const char *path,
                           shoalSchedDomain *dom,
                           GError **error)
{
    guint64 u;

    if (!shoalSchedJsonGetBool(obj, path, "running", true, &dom->running,
                               error) ||
        !shoalSchedJsonGetBool(obj, path, "migrating", false, &dom->migrating,
                               error) ||
        !shoalSchedJsonGetBool(obj, path, "memory_pressure", false,
                               &dom->memoryPressure, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "vcpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    dom->vcpus = (unsigned) u;
    dom->maxVcpus = dom->vcpus;
    if (json_object_object_get_ex(obj, "max_vcpus", NULL)) {
        if (!shoalSchedJsonGetUInt64(obj, path, "max_vcpus", true,
                                     SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
            return false;
        dom->maxVcpus = (unsigned) u;
    }
    if (!shoalSchedJsonGetUInt64(obj, path, "memory_kib", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    dom->memoryKiB = u;
    if (!shoalSchedJsonGetUInt64(obj, path, "balloon_kib", false,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    dom->balloonKiB = u;
    if (!shoalSchedJsonGetUInt64(obj, path, "vcpu_floor", false,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    dom->vcpuFloor = (unsigned) u;
    return snapshotParseVirtioMem(obj, path, dom, error) &&
           shoalSchedJsonGetInt64(obj, path, "last_move_ms", &dom->lastMoveMs,
                                  error) &&
           shoalSchedJsonGetInt64(obj, path, "last_resize_ms",
                                  &dom->lastResizeMs, error) &&
           shoalSchedJsonGetInt64(obj, path, "resize_refused_ms",
                                  &dom->resizeRefusedMs, error);
}

static bool
snapshotParseDomain(json_object *obj,
                    const char *path,
                    GPtrArray *domains,
                    GError **error)
{
    static const char *const keys[] = {
        "name",
        "uuid",
        "host",
        "running",
        "migrating",
        "vcpus",
        "max_vcpus",
        "memory_kib",
        "balloon_kib",
        "memory_pressure",
        "samples",
        "mode",
        "affinity",
        "anti_affinity",
        "pinned",
        "last_move_ms",
        "last_host",
        "last_resize_ms",
        "vcpu_floor",
        "virtio_mem_max_kib",
        "virtio_mem_block_kib",
        "virtio_mem_requested_kib",
        "virtio_mem_plugged_kib",
        "resize_refused_ms",
        "requires",
        "unmovable",
        "numa_pin",
        NULL,
    };
    g_autoptr(shoalSchedDomain) dom = shoalSchedDomainNew(NULL);
    bool numaPin = true;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, path, keys, error) ||
        !shoalSchedJsonGetString(obj, path, "name", true, &dom->name, error) ||
        !shoalSchedJsonGetString(obj, path, "uuid", false, &dom->uuid, error) ||
        !shoalSchedJsonGetString(obj, path, "host", false, &dom->host, error) ||
        !shoalSchedJsonGetString(obj, path, "mode", false, &dom->mode, error) ||
        !shoalSchedJsonGetString(obj, path, "last_host", false, &dom->lastHost,
                                 error) ||
        !shoalSchedJsonGetString(obj, path, "unmovable", false, &dom->unmovable,
                                 error) ||
        !shoalSchedJsonGetStrv(obj, path, "affinity", &dom->affinity, error) ||
        !shoalSchedJsonGetStrv(obj, path, "anti_affinity", &dom->antiAffinity,
                               error) ||
        !shoalSchedJsonGetStrv(obj, path, "pinned", &dom->pinned, error) ||
        !snapshotParseDomainNumbers(obj, path, dom, error) ||
        !shoalSchedObjectsParseJSON(obj, path, "requires", &dom->requires,
                                    error) ||
        !shoalSchedJsonParseList(obj, path, "samples", false,
                                 (shoalSchedJsonItemParser) snapshotParseSample,
                                 dom->samples, error) ||
        !shoalSchedJsonGetBool(obj, path, "numa_pin", true, &numaPin, error))
        return false;
    dom->numaOptOut = !numaPin;
    g_ptr_array_add(domains, g_steal_pointer(&dom));
    return true;
}

static bool
snapshotParseMigration(json_object *obj,
                       const char *path,
                       GPtrArray *migrations,
                       GError **error)
{
    static const char *const keys[] = { "domain", "from", "to", NULL };
    g_autoptr(shoalSchedMigration) mig =
        shoalSchedMigrationNew(NULL, NULL, NULL);

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, path, keys, error) ||
        !shoalSchedJsonGetString(obj, path, "domain", true, &mig->domain,
                                 error) ||
        !shoalSchedJsonGetString(obj, path, "from", true, &mig->from, error) ||
        !shoalSchedJsonGetString(obj, path, "to", true, &mig->to, error))
        return false;
    g_ptr_array_add(migrations, g_steal_pointer(&mig));
    return true;
}

static bool
snapshotParseTimes(json_object *root,
                   const char *key,
                   GArray *times,
                   GError **error)
{
    json_object *arr = NULL;
    size_t i;

    if (!shoalSchedJsonLookupMember(root, "", key, json_type_array, false, &arr,
                                    error))
        return false;
    for (i = 0; arr && i < json_object_array_length(arr); i++) {
        json_object *val = json_object_array_get_idx(arr, i);
        gint64 t;

        if (!json_object_is_type(val, json_type_int)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be an integer"), key);
            return false;
        }
        t = json_object_get_int64(val);
        g_array_append_val(times, t);
    }
    return true;
}

/* The shoal-snapshot/1 document @root, whose format is already checked. */
static shoalSchedSnapshot *
snapshotParseShoal(json_object *root, GError **error)
{
    static const char *const keys[] = {
        "format",     "now_ms",          "interval_ms",
        "config",     "nodes",           "domains",
        "migrations", "recent_moves_ms", "recent_resizes_ms",
        NULL,
    };
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    json_object *config = NULL;
    guint64 u;

    if (!shoalSchedJsonCheckKeys(root, "", keys, error))
        return NULL;
    if (!json_object_object_get_ex(root, "now_ms", NULL)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' is missing"), "now_ms");
        return NULL;
    }
    if (!shoalSchedJsonGetInt64(root, "", "now_ms", &snap->nowMs, error) ||
        !shoalSchedJsonGetUInt64(root, "", "interval_ms", false, G_MAXUINT, &u,
                                 error))
        return NULL;
    snap->intervalMs = (unsigned) u;

    if (!shoalSchedJsonLookupMember(root, "", "config", json_type_object, false,
                                    &config, error))
        return NULL;
    if (config) {
        if (!shoalSchedConfigParseJSON(&snap->config, config, "config", error))
            return NULL;
        snap->hasConfig = true;
    }
    if (!shoalSchedJsonParseList(root, "", "nodes", true,
                                 (shoalSchedJsonItemParser) snapshotParseNode,
                                 snap->nodes, error) ||
        !shoalSchedJsonParseList(root, "", "domains", true,
                                 (shoalSchedJsonItemParser) snapshotParseDomain,
                                 snap->domains, error) ||
        !shoalSchedJsonParseList(root, "", "migrations", false,
                                 (shoalSchedJsonItemParser)
                                     snapshotParseMigration,
                                 snap->migrations, error) ||
        !snapshotParseTimes(root, "recent_moves_ms", snap->recentMovesMs,
                            error) ||
        !snapshotParseTimes(root, "recent_resizes_ms", snap->recentResizesMs,
                            error))
        return NULL;
    if (!snapshotValidate(snap, error))
        return NULL;
    return g_steal_pointer(&snap);
}

/* Dispatches on "format"; @root is any parsed JSON value. */
static shoalSchedSnapshot *
snapshotParseAnyJSON(json_object *root, bool shoalOnly, GError **error)
{
    g_autofree char *format = NULL;

    if (!json_object_is_type(root, json_type_object)) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("the document must be a JSON object"));
        return NULL;
    }
    if (!shoalSchedJsonGetString(root, "", "format", true, &format, error))
        return NULL;
    if (g_str_equal(format, SNAPSHOT_FORMAT))
        return snapshotParseShoal(root, error);
    if (!shoalOnly && g_str_equal(format, SNAPSHOT_FORMAT_VMCLUSTER)) {
        g_autoptr(shoalSchedSnapshot) snap =
            shoalSchedImportVmcluster(root, error);

        if (!snap || !snapshotValidate(snap, error))
            return NULL;
        return g_steal_pointer(&snap);
    }
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                _("unsupported format '%1$s'"), format);
    return NULL;
}

/**
 * shoalSchedSnapshotParseJSON:
 * @json: a shoal-snapshot/1 document (see the top of this file)
 * @error: return location for an error
 *
 * Returns: a new reference to the snapshot, validated
 * (shoalSchedSnapshotValidate()), or NULL with SHOAL_SCHED_ERROR_INVALID
 * set: the message names the member at fault.
 */
shoalSchedSnapshot *
shoalSchedSnapshotParseJSON(const char *json, GError **error)
{
    g_autoptr(json_object) root = shoalSchedJsonParse(json, error);
    shoalSchedSnapshot *snap = NULL;

    if (root)
        snap = snapshotParseAnyJSON(root, true, error);
    if (!snap)
        g_prefix_error(error, _("invalid snapshot: "));
    return snap;
}

static json_object *
snapshotFormatNode(const shoalSchedNode *node)
{
    json_object *obj = json_object_new_object();
    size_t i;

    json_object_object_add(obj, "name", json_object_new_string(node->name));
    json_object_object_add(obj, "online",
                           json_object_new_boolean(node->online));
    json_object_object_add(obj, "maintenance",
                           json_object_new_boolean(node->maintenance));
    json_object_object_add(obj, "cpus", json_object_new_int64(node->cpus));
    json_object_object_add(obj, "memory_kib",
                           json_object_new_int64((gint64) node->memoryKiB));
    if (node->reservedKiB)
        json_object_object_add(obj, "reserved_kib",
                               json_object_new_int64(
                                   (gint64) node->reservedKiB));
    if (node->standby)
        json_object_object_add(obj, "standby", json_object_new_boolean(true));
    if (node->powerControl)
        json_object_object_add(obj, "power_control",
                               json_object_new_boolean(true));
    if (node->powerChangedMs)
        json_object_object_add(obj, "power_changed_ms",
                               json_object_new_int64(node->powerChangedMs));
    if (node->samples && node->samples->len > 0) {
        json_object *arr = shoalSchedJsonNewCompactArray();

        for (i = 0; i < node->samples->len; i++)
            json_object_array_add(arr,
                                  shoalSchedJsonNewDouble(
                                      g_array_index(node->samples, double, i)));
        json_object_object_add(obj, "samples", arr);
    }
    shoalSchedObjectsFormatJSON(obj, "objects", &node->objects);
    shoalSchedCellsFormatJSON(obj, "cells", node->cells);
    return obj;
}

static void
snapshotAddString(json_object *obj, const char *key, const char *value)
{
    if (value)
        json_object_object_add(obj, key, json_object_new_string(value));
}

/* An optional integer that defaults to 0: left out when 0. */
static void
snapshotAddCount(json_object *obj, const char *key, unsigned long long value)
{
    if (value)
        json_object_object_add(obj, key, json_object_new_int64((gint64) value));
}

static void
snapshotAddTimes(json_object *root, const char *key, const GArray *times)
{
    json_object *arr;
    size_t i;

    if (times->len == 0)
        return;
    arr = shoalSchedJsonNewCompactArray();
    for (i = 0; i < times->len; i++)
        json_object_array_add(arr, json_object_new_int64(
                                       g_array_index(times, gint64, i)));
    json_object_object_add(root, key, arr);
}

static json_object *
snapshotFormatDomain(const shoalSchedDomain *dom)
{
    json_object *obj = json_object_new_object();
    size_t i;

    json_object_object_add(obj, "name", json_object_new_string(dom->name));
    snapshotAddString(obj, "uuid", dom->uuid);
    snapshotAddString(obj, "host", dom->host);
    json_object_object_add(obj, "running",
                           json_object_new_boolean(dom->running));
    if (dom->migrating)
        json_object_object_add(obj, "migrating", json_object_new_boolean(true));
    json_object_object_add(obj, "vcpus", json_object_new_int64(dom->vcpus));
    json_object_object_add(obj, "max_vcpus",
                           json_object_new_int64(dom->maxVcpus));
    json_object_object_add(obj, "memory_kib",
                           json_object_new_int64((gint64) dom->memoryKiB));
    if (dom->balloonKiB)
        json_object_object_add(obj, "balloon_kib",
                               json_object_new_int64((gint64) dom->balloonKiB));
    if (dom->memoryPressure)
        json_object_object_add(obj, "memory_pressure",
                               json_object_new_boolean(true));
    if (dom->samples && dom->samples->len > 0) {
        json_object *arr = json_object_new_array();

        for (i = 0; i < dom->samples->len; i++) {
            const shoalSchedSample *s =
                &g_array_index(dom->samples, shoalSchedSample, i);
            json_object *triple = shoalSchedJsonNewCompactArray();

            json_object_array_add(triple, shoalSchedJsonNewDouble(s->cpuCores));
            json_object_array_add(triple, shoalSchedJsonNewDouble(s->vcpuBusy));
            json_object_array_add(triple,
                                  shoalSchedJsonNewDouble(s->vcpuDelay));
            if (s->memoryUsed != 0)
                json_object_array_add(triple,
                                      shoalSchedJsonNewDouble(s->memoryUsed));
            json_object_array_add(arr, triple);
        }
        json_object_object_add(obj, "samples", arr);
    }
    snapshotAddString(obj, "mode", dom->mode);
    if (dom->affinity)
        json_object_object_add(obj, "affinity",
                               shoalSchedJsonNewStrv(
                                   (const char *const *) dom->affinity));
    if (dom->antiAffinity)
        json_object_object_add(obj, "anti_affinity",
                               shoalSchedJsonNewStrv(
                                   (const char *const *) dom->antiAffinity));
    if (dom->pinned)
        json_object_object_add(obj, "pinned",
                               shoalSchedJsonNewStrv(
                                   (const char *const *) dom->pinned));
    if (dom->lastMoveMs)
        json_object_object_add(obj, "last_move_ms",
                               json_object_new_int64(dom->lastMoveMs));
    snapshotAddString(obj, "last_host", dom->lastHost);
    if (dom->lastResizeMs)
        json_object_object_add(obj, "last_resize_ms",
                               json_object_new_int64(dom->lastResizeMs));
    snapshotAddCount(obj, "vcpu_floor", dom->vcpuFloor);
    snapshotAddCount(obj, "virtio_mem_max_kib", dom->virtioMemMaxKiB);
    snapshotAddCount(obj, "virtio_mem_block_kib", dom->virtioMemBlockKiB);
    snapshotAddCount(obj, "virtio_mem_requested_kib",
                     dom->virtioMemRequestedKiB);
    snapshotAddCount(obj, "virtio_mem_plugged_kib", dom->virtioMemPluggedKiB);
    if (dom->resizeRefusedMs)
        json_object_object_add(obj, "resize_refused_ms",
                               json_object_new_int64(dom->resizeRefusedMs));
    shoalSchedObjectsFormatJSON(obj, "requires", &dom->requires);
    snapshotAddString(obj, "unmovable", dom->unmovable);
    if (dom->numaOptOut)
        json_object_object_add(obj, "numa_pin", json_object_new_boolean(false));
    return obj;
}

/**
 * shoalSchedSnapshotFormatJSON:
 * @snap: a snapshot
 *
 * Writes @snap as a shoal-snapshot/1 document (see the top of this file),
 * pretty-printed, ending in a newline.
 *
 * Returns: (transfer full): the document.
 */
char *
shoalSchedSnapshotFormatJSON(const shoalSchedSnapshot *snap)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *arr = NULL;
    size_t i;

    json_object_object_add(root, "format",
                           json_object_new_string(SNAPSHOT_FORMAT));
    json_object_object_add(root, "now_ms", json_object_new_int64(snap->nowMs));
    json_object_object_add(root, "interval_ms",
                           json_object_new_int64(snap->intervalMs));
    if (snap->hasConfig)
        json_object_object_add(root, "config",
                               shoalSchedConfigFormatJSON(&snap->config));

    arr = shoalSchedJsonNewArray(snap->nodes->len);
    for (i = 0; i < snap->nodes->len; i++)
        json_object_array_add(arr, snapshotFormatNode(
                                       g_ptr_array_index(snap->nodes, i)));
    json_object_object_add(root, "nodes", arr);

    arr = shoalSchedJsonNewArray(snap->domains->len);
    for (i = 0; i < snap->domains->len; i++)
        json_object_array_add(arr, snapshotFormatDomain(
                                       g_ptr_array_index(snap->domains, i)));
    json_object_object_add(root, "domains", arr);

    if (snap->migrations->len > 0) {
        arr = json_object_new_array();
        for (i = 0; i < snap->migrations->len; i++) {
            const shoalSchedMigration *mig =
                g_ptr_array_index(snap->migrations, i);
            json_object *obj = json_object_new_object();

            json_object_object_add(obj, "domain",
                                   json_object_new_string(mig->domain));
            json_object_object_add(obj, "from",
                                   json_object_new_string(mig->from));
            json_object_object_add(obj, "to", json_object_new_string(mig->to));
            json_object_array_add(arr, obj);
        }
        json_object_object_add(root, "migrations", arr);
    }
    snapshotAddTimes(root, "recent_moves_ms", snap->recentMovesMs);
    snapshotAddTimes(root, "recent_resizes_ms", snap->recentResizesMs);
    return shoalSchedJsonFormat(root);
}

/* ---- benchmark formats ------------------------------------------------ */

/**
 * shoalSchedSnapshotParseVmcluster:
 * @json: a vmcluster-snapshot/1 document (the benchmark's neutral format,
 *   /work/shared/bench/SNAPSHOT.md)
 * @error: return location for an error
 *
 * Each VM becomes a running domain with one sample: cpuCores = vcpus *
 * cpu_util, vcpuBusy = cpu_util, no delay; maxVcpus = vcpus. Memory is
 * converted from MiB to KiB; a node's reserved_memory_mib becomes
 * reservedKiB, and its free_memory_mib and cpu_load, which follow from
 * the VMs, are ignored, as are unknown members. The constraints go into
 * the recorded configuration (hasConfig, config): vcpuRatio =
 * max_vcpu_ratio, memoryOvercommit 1.0 for false (or the number given),
 * and an offline whole-cluster rebalance: holdIntervals,
 * windowIntervals and saturationIntervals 1, no limits per round, host or
 * hour. nowMs is 0 and intervalMs one minute.
 *
 * Returns: a new reference, or NULL with SHOAL_SCHED_ERROR_INVALID set.
 */
shoalSchedSnapshot *
shoalSchedSnapshotParseVmcluster(const char *json, GError **error)
{
    g_autoptr(json_object) root = shoalSchedJsonParse(json, error);
    g_autofree char *format = NULL;
    g_autoptr(shoalSchedSnapshot) snap = NULL;

    if (!root) {
        g_prefix_error(error, _("invalid snapshot: "));
        return NULL;
    }
    if (!json_object_is_type(root, json_type_object) ||
        !shoalSchedJsonGetString(root, "", "format", false, &format, NULL) ||
        g_strcmp0(format, SNAPSHOT_FORMAT_VMCLUSTER) != 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid snapshot: the format must be '%1$s'"),
                    SNAPSHOT_FORMAT_VMCLUSTER);
        return NULL;
    }
    snap = shoalSchedImportVmcluster(root, error);
    if (!snap || !snapshotValidate(snap, error)) {
        g_prefix_error(error, _("invalid snapshot: "));
        return NULL;
    }
    return g_steal_pointer(&snap);
}

/**
 * shoalSchedSnapshotParseHtools:
 * @text: a Ganeti htools text file (hbal -t): groups, nodes, instances,
 *   cluster tags and (optionally) instance policies, each section ended
 *   by one empty line, fields separated by '|'
 * @util: (nullable): a utilisation file (hbal -U): "name cpu mem disk net"
 *   per line, cpu relative to the mean node's cores
 * @error: return location for an error
 *
 * Nodes: t_mem is memoryKiB, n_mem reservedKiB (f_mem follows from the
 * instances and is ignored), t_cpu cpus; role 'Y' is offline, 'D'
 * (drained) maintenance. Instances: mem, vcpus (also maxVcpus), primary
 * node; "running" (or ERROR_up, ERROR_wrongnode) is running;
 * auto_balance 'N' gives mode "off"; DRBD instances are pinned to their
 * primary and secondary, instances on local storage (plain, file,
 * diskless) to their primary; with several node groups, each instance is
 * pinned to its group. The policy's vcpu_ratio (the group's over the
 * cluster's) and an offline rebalance go into the recorded configuration,
 * as for shoalSchedSnapshotParseVmcluster(). With @util, an instance's
 * one sample is cpuCores = cpu * mean node cores, vcpuBusy = cpuCores /
 * vcpus (at most 1); without, instances have no samples, so only memory
 * is balanced.
 *
 * Returns: a new reference, or NULL with SHOAL_SCHED_ERROR_INVALID set,
 * naming the line at fault.
 */
shoalSchedSnapshot *
shoalSchedSnapshotParseHtools(const char *text,
                              const char *util,
                              GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap =
        shoalSchedImportHtools(text, util, error);

    if (!snap)
        return NULL;
    if (!snapshotValidate(snap, error)) {
        g_prefix_error(error, _("invalid htools data: "));
        return NULL;
    }
    return g_steal_pointer(&snap);
}

/**
 * shoalSchedSnapshotLoad:
 * @path: a snapshot file: shoal-snapshot/1 or vmcluster-snapshot/1 JSON,
 *   or Ganeti htools text
 * @utilPath: (nullable): an htools utilisation file, only with htools text
 * @error: return location for an error
 *
 * The scheduler's one piece of file I/O, for the offline command line: it
 * reads the files and detects the format (JSON starts with '{' and names
 * its format; anything else is htools text).
 *
 * Returns: a new reference, or NULL: G_FILE_ERROR if a file cannot be
 * read, SHOAL_SCHED_ERROR_INVALID if it is malformed; either way the
 * message names the file.
 */
shoalSchedSnapshot *
shoalSchedSnapshotLoad(const char *path, const char *utilPath, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *util = NULL;
    g_autoptr(json_object) root = NULL;
    shoalSchedSnapshot *snap = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, error)) {
        g_prefix_error(error, _("cannot read snapshot '%1$s': "), path);
        return NULL;
    }
    if (utilPath && !g_file_get_contents(utilPath, &util, NULL, error)) {
        g_prefix_error(error, _("cannot read utilisation file '%1$s': "),
                       utilPath);
        return NULL;
    }
    for (p = text; g_ascii_isspace(*p); p++)
        ;
    if (*p == '{') {
        if (util) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("cannot read snapshot '%1$s': a utilisation file goes only with htools text"),
                        path);
            return NULL;
        }
        root = shoalSchedJsonParse(text, error);
        if (root)
            snap = snapshotParseAnyJSON(root, false, error);
    } else {
        snap = shoalSchedSnapshotParseHtools(text, util, error);
    }
    if (!snap)
        g_prefix_error(error, _("cannot read snapshot '%1$s': "), path);
    return snap;
}
