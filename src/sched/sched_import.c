/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_import.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_json.h"

/*
 * The configuration that goes with a benchmark file: its placement limits,
 * and an offline, whole-cluster rebalance. One averaged utilisation per
 * VM stands for a held load (hold and window of 1), and a plan is not
 * limited per round, host or hour.
 */
static void
importOfflineConfig(shoalSchedConfig *config, double vcpuRatio)
{
    shoalSchedConfigInit(config);
    config->vcpuRatio = vcpuRatio;
    config->memoryOvercommit = 1.0;
    config->holdIntervals = 1;
    config->windowIntervals = 1;
    config->saturationIntervals = 1;
    config->maxMovesPerRound = 0;
    config->maxPerSource = 0;
    config->maxPerDestination = 0;
    config->maxMovesPerHour = 0;
}

/* The interval a benchmark file's one averaged sample stands for. */
#define IMPORT_OFFLINE_INTERVAL_MS 60000

static bool
importVmclusterGetMiB(json_object *obj,
                      const char *path,
                      const char *key,
                      bool required,
                      unsigned long long *kib,
                      GError **error)
{
    guint64 u;

    if (!shoalSchedJsonGetUInt64(obj, path, key, required,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024, &u,
                                 error))
        return false;
    *kib = u * 1024;
    return true;
}

static bool
importVmclusterParseNode(json_object *obj,
                         const char *path,
                         shoalSchedSnapshot *snap,
                         GError **error)
{
    g_autoptr(shoalSchedNode) node = shoalSchedNodeNew(NULL);
    guint64 u;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonGetString(obj, path, "name", true, &node->name, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "cpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    node->cpus = (unsigned) u;
    if (!importVmclusterGetMiB(obj, path, "memory_mib", true, &node->memoryKiB,
                               error) ||
        !importVmclusterGetMiB(obj, path, "reserved_memory_mib", false,
                               &node->reservedKiB, error))
        return false;
    g_ptr_array_add(snap->nodes, g_steal_pointer(&node));
    return true;
}

static bool
importVmclusterParseVm(json_object *obj,
                       const char *path,
                       shoalSchedSnapshot *snap,
                       GError **error)
{
    g_autoptr(shoalSchedDomain) dom = shoalSchedDomainNew(NULL);
    shoalSchedSample sample = { 0 };
    double util = 0;
    guint64 u;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonGetString(obj, path, "name", true, &dom->name, error) ||
        !shoalSchedJsonGetString(obj, path, "uuid", false, &dom->uuid, error) ||
        !shoalSchedJsonGetString(obj, path, "node", true, &dom->host, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "vcpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    dom->vcpus = dom->maxVcpus = (unsigned) u;
    if (!importVmclusterGetMiB(obj, path, "memory_mib", true, &dom->memoryKiB,
                               error) ||
        !shoalSchedJsonGetDouble(obj, path, "cpu_util", false, &util, error))
        return false;
    if (util < 0 || util > 1) {
        g_autofree char *where = g_strdup_printf("%s.cpu_util", path);

        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be a number from 0 to 1"), where);
        return false;
    }
    sample.cpuCores = dom->vcpus * util;
    sample.vcpuBusy = util;
    g_array_append_val(dom->samples, sample);
    g_ptr_array_add(snap->domains, g_steal_pointer(&dom));
    return true;
}

static bool
importVmclusterParseConstraints(json_object *root,
                                shoalSchedSnapshot *snap,
                                GError **error)
{
    json_object *cons = NULL;
    json_object *over = NULL;
    double ratio = 4.0;

    if (!shoalSchedJsonLookupMember(root, "", "constraints", json_type_object,
                                    false, &cons, error))
        return false;
    if (cons && !shoalSchedJsonGetDouble(cons, "constraints", "max_vcpu_ratio",
                                         false, &ratio, error))
        return false;
    if (!(ratio > 0 && ratio <= 1000)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be a number greater than %2$g and at most %3$g"),
                    "constraints.max_vcpu_ratio", 0.0, 1000.0);
        return false;
    }
    importOfflineConfig(&snap->config, ratio);
    snap->hasConfig = true;
    if (cons && json_object_object_get_ex(cons, "memory_overcommit", &over) &&
        !json_object_is_type(over, json_type_null)) {
        if (json_object_is_type(over, json_type_boolean) &&
            !json_object_get_boolean(over))
            return true;
        if (!shoalSchedJsonToDouble(over, "constraints.memory_overcommit",
                                    &snap->config.memoryOvercommit, error))
            return false;
        if (!(snap->config.memoryOvercommit > 0 &&
              snap->config.memoryOvercommit <= 1000)) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be false or a number greater than %2$g and at most %3$g"),
                        "constraints.memory_overcommit", 0.0, 1000.0);
            return false;
        }
    }
    return true;
}

/* See shoalSchedSnapshotParseVmcluster(); does not validate. */
shoalSchedSnapshot *
shoalSchedImportVmcluster(json_object *root, GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    json_object *nodes = NULL;
    json_object *vms = NULL;

    snap->intervalMs = IMPORT_OFFLINE_INTERVAL_MS;
    if (!shoalSchedJsonLookupMember(root, "", "nodes", json_type_array, true,
                                    &nodes, error) ||
        !shoalSchedJsonLookupMember(root, "", "vms", json_type_array, true,
                                    &vms, error) ||
        !importVmclusterParseConstraints(root, snap, error) ||
        !shoalSchedJsonParseItems(nodes, "nodes",
                                  (shoalSchedJsonItemParser)
                                      importVmclusterParseNode,
                                  snap, error) ||
        !shoalSchedJsonParseItems(vms, "vms",
                                  (shoalSchedJsonItemParser)
                                      importVmclusterParseVm,
                                  snap, error))
        return NULL;
    return g_steal_pointer(&snap);
}

/* ---- Ganeti htools text ----------------------------------------------- */

/* One line of the text, split at '|'. */
typedef struct {
    unsigned lineno;
    GStrv fields;
    unsigned nfields;
} importHtoolsLine;

static void
importHtoolsLineClear(importHtoolsLine *line)
{
    g_strfreev(line->fields);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(importHtoolsLine, importHtoolsLineClear)

static bool
importHtoolsUnsigned(const importHtoolsLine *line,
                     unsigned idx,
                     const char *what,
                     guint64 max,
                     guint64 *value,
                     GError **error)
{
    if (!g_ascii_string_to_unsigned(line->fields[idx], 10, 0, max, value,
                                    NULL)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid htools data at line %1$u: %2$s must be an integer from 0 to %3$llu, not '%4$s'"),
                    line->lineno, what, (unsigned long long) max,
                    line->fields[idx]);
        return false;
    }
    return true;
}

static bool
importHtoolsCheckFields(const importHtoolsLine *line,
                        unsigned min,
                        GError **error)
{
    if (line->nfields >= min)
        return true;
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                g_dngettext(GETTEXT_PACKAGE,
                            "invalid htools data at line %1$u: expected at least %2$u field, found %3$u",
                            "invalid htools data at line %1$u: expected at least %2$u fields, found %3$u",
                            min),
                line->lineno, min, line->nfields);
    return false;
}

/* node: name|t_mem|n_mem|f_mem|t_disk|f_disk|t_cpu|role|group|... */
static bool
importHtoolsParseNode(const importHtoolsLine *line,
                      shoalSchedSnapshot *snap,
                      GHashTable *groupOfNode,
                      GError **error)
{
    g_autoptr(shoalSchedNode) node = NULL;
    guint64 totalMiB;
    guint64 nodeMiB;
    guint64 cpus;
    const char *role;

    if (!importHtoolsCheckFields(line, 8, error) ||
        !importHtoolsUnsigned(line, 1, "t_mem",
                              SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024, &totalMiB,
                              error) ||
        !importHtoolsUnsigned(line, 2, "n_mem",
                              SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024, &nodeMiB,
                              error) ||
        !importHtoolsUnsigned(line, 6, "t_cpu", SHOAL_SCHED_SNAPSHOT_MAX_CPUS,
                              &cpus, error))
        return false;
    node = shoalSchedNodeNew(line->fields[0]);
    node->memoryKiB = totalMiB * 1024;
    node->reservedKiB = nodeMiB * 1024;
    node->cpus = (unsigned) cpus;
    role = line->fields[7];
    /* Y offline, D drained (takes nothing new), M master, N normal */
    node->online = !g_str_equal(role, "Y");
    node->maintenance = g_str_equal(role, "D");
    g_hash_table_insert(groupOfNode, g_strdup(node->name),
                        g_strdup(line->nfields > 8 ? line->fields[8] : ""));
    g_ptr_array_add(snap->nodes, g_steal_pointer(&node));
    return true;
}

/* Disk templates whose disks every node reaches: moves go anywhere. */
static bool
importHtoolsSharedStorage(const char *tmpl)
{
    static const char *const shared[] = {
        "rbd", "ext", "sharedfile", "gluster", "blockdev", NULL,
    };

    return g_strv_contains(shared, tmpl);
}

/* instance: name|mem|disk|vcpus|status|auto_balance|pnode|snode|template|... */
static bool
importHtoolsParseInstance(const importHtoolsLine *line,
                          shoalSchedSnapshot *snap,
                          GHashTable *groupOfNode,
                          GError **error)
{
    g_autoptr(shoalSchedDomain) dom = NULL;
    const char *status;
    const char *snode;
    const char *tmpl;
    guint64 memMiB;
    guint64 vcpus;

    if (!importHtoolsCheckFields(line, 7, error) ||
        !importHtoolsUnsigned(line, 1, "mem",
                              SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024, &memMiB,
                              error) ||
        !importHtoolsUnsigned(line, 3, "vcpus", SHOAL_SCHED_SNAPSHOT_MAX_CPUS,
                              &vcpus, error))
        return false;
    if (!g_hash_table_contains(groupOfNode, line->fields[6])) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid htools data at line %1$u: instance '%2$s' is on unknown node '%3$s'"),
                    line->lineno, line->fields[0], line->fields[6]);
        return false;
    }
    dom = shoalSchedDomainNew(line->fields[0]);
    dom->memoryKiB = memMiB * 1024;
    dom->vcpus = dom->maxVcpus = (unsigned) vcpus;
    dom->host = g_strdup(line->fields[6]);
    status = line->fields[4];
    dom->running = g_str_equal(status, "running") ||
                   g_str_equal(status, "ERROR_up") ||
                   g_str_equal(status, "ERROR_wrongnode");
    if (g_str_equal(line->fields[5], "N"))
        dom->mode = g_strdup("off");

    snode = line->nfields > 7 ? line->fields[7] : "";
    tmpl = line->nfields > 8 ? line->fields[8] : "";
    if (g_str_equal(tmpl, "drbd") && *snode) {
        /* DRBD moves only to its secondary */
        const char *const pins[] = { dom->host, snode, NULL };

        dom->pinned = g_strdupv((char **) pins);
    } else if (*tmpl && !importHtoolsSharedStorage(tmpl)) {
        /* local disks (plain, file) or none known: it stays */
        const char *const pins[] = { dom->host, NULL };

        dom->pinned = g_strdupv((char **) pins);
    }
    g_ptr_array_add(snap->domains, g_steal_pointer(&dom));
    return true;
}

/* ipolicy: owner|std|min;max|disk_templates|vcpu_ratio|spindle_ratio */
static bool
importHtoolsParsePolicy(const importHtoolsLine *line,
                        double *ratio,
                        GError **error)
{
    char *end = NULL;
    double r;

    if (!importHtoolsCheckFields(line, 5, error))
        return false;
    r = g_ascii_strtod(line->fields[4], &end);
    if (end == line->fields[4] || *end != '\0' || !(r > 0 && r <= 1000)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid htools data at line %1$u: vcpu_ratio must be a number greater than 0 and at most 1000, not '%2$s'"),
                    line->lineno, line->fields[4]);
        return false;
    }
    /* a group's policy wins over the cluster's ("" owner) */
    if (*line->fields[0] || *ratio <= 0)
        *ratio = r;
    return true;
}

/* util: "name cpu mem disk net", cpu relative to the mean node's cores */
static bool
importHtoolsParseUtil(const char *util,
                      shoalSchedSnapshot *snap,
                      GError **error)
{
    g_autoptr(GHashTable) byName = g_hash_table_new(g_str_hash, g_str_equal);
    g_auto(GStrv) lines = g_strsplit(util, "\n", -1);
    double meanCpus = 0;
    size_t i;

    for (i = 0; i < snap->nodes->len; i++)
        meanCpus +=
            ((shoalSchedNode *) g_ptr_array_index(snap->nodes, i))->cpus;
    if (snap->nodes->len > 0)
        meanCpus /= snap->nodes->len;
    for (i = 0; i < snap->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);

        g_hash_table_insert(byName, dom->name, dom);
    }
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        g_autoptr(GPtrArray) words = g_ptr_array_new();
        shoalSchedDomain *dom;
        shoalSchedSample sample = { 0 };
        char *end = NULL;
        double cpu;
        size_t j;

        for (j = 0; f[j]; j++) {
            if (*f[j])
                g_ptr_array_add(words, f[j]);
        }
        if (words->len == 0)
            continue;
        if (words->len < 2) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("invalid utilisation data at line %1$zu: expected a name and a CPU load"),
                        i + 1);
            return false;
        }
        dom = g_hash_table_lookup(byName, g_ptr_array_index(words, 0));
        if (!dom) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("invalid utilisation data at line %1$zu: unknown instance '%2$s'"),
                        i + 1, (const char *) g_ptr_array_index(words, 0));
            return false;
        }
        cpu = g_ascii_strtod(g_ptr_array_index(words, 1), &end);
        if (end == g_ptr_array_index(words, 1) || *end != '\0' ||
            !isfinite(cpu) || cpu < 0) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("invalid utilisation data at line %1$zu: the CPU load must be a number of at least 0, not '%2$s'"),
                        i + 1, (const char *) g_ptr_array_index(words, 1));
            return false;
        }
        sample.cpuCores = cpu * meanCpus;
        sample.vcpuBusy =
            dom->vcpus > 0 ? MIN(1.0, sample.cpuCores / dom->vcpus) : 0;
        g_array_set_size(dom->samples, 0);
        g_array_append_val(dom->samples, sample);
    }
    return true;
}

/* Pins every instance to the nodes of its group, if there are groups. */
static void
importHtoolsPinGroups(shoalSchedSnapshot *snap, GHashTable *groupOfNode)
{
    g_autoptr(GHashTable) members =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                              (GDestroyNotify) g_ptr_array_unref);
    size_t i;

    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = g_ptr_array_index(snap->nodes, i);
        const char *group = g_hash_table_lookup(groupOfNode, node->name);
        GPtrArray *list = g_hash_table_lookup(members, group);

        if (!list) {
            list = g_ptr_array_new();
            g_hash_table_insert(members, (gpointer) group, list);
        }
        g_ptr_array_add(list, node->name);
    }
    if (g_hash_table_size(members) < 2)
        return;
    for (i = 0; i < snap->domains->len; i++) {
        shoalSchedDomain *dom = g_ptr_array_index(snap->domains, i);
        GPtrArray *list =
            g_hash_table_lookup(members,
                                g_hash_table_lookup(groupOfNode, dom->host));
        size_t j;

        if (dom->pinned)
            continue;
        dom->pinned = g_new0(char *, list->len + 1);
        for (j = 0; j < list->len; j++)
            dom->pinned[j] = g_strdup(g_ptr_array_index(list, j));
    }
}

/* See shoalSchedSnapshotParseHtools(); does not validate. */
shoalSchedSnapshot *
shoalSchedImportHtools(const char *text, const char *util, GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autoptr(GHashTable) groupOfNode =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    unsigned section = 0;
    double ratio = 0;
    size_t i;

    snap->intervalMs = IMPORT_OFFLINE_INTERVAL_MS;
    for (i = 0; lines[i]; i++) {
        g_auto(importHtoolsLine) line = { 0 };
        bool ok = true;
        size_t len = strlen(lines[i]);

        if (len > 0 && lines[i][len - 1] == '\r')
            lines[i][len - 1] = '\0';
        if (!*lines[i]) {
            section++;
            continue;
        }
        line.lineno = (unsigned) (i + 1);
        line.fields = g_strsplit(lines[i], "|", -1);
        line.nfields = g_strv_length(line.fields);
        if ((section == 1 || section == 2) && !*line.fields[0]) {
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("invalid htools data at line %1$u: the name is empty"),
                        line.lineno);
            return NULL;
        }
        switch (section) {
        case 0: /* groups: name|uuid|... */
            break;
        case 1:
            ok = importHtoolsParseNode(&line, snap, groupOfNode, error);
            break;
        case 2:
            ok = importHtoolsParseInstance(&line, snap, groupOfNode, error);
            break;
        case 3: /* cluster tags */
            break;
        case 4:
            ok = importHtoolsParsePolicy(&line, &ratio, error);
            break;
        default:
            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("invalid htools data at line %1$u: more than five sections"),
                        line.lineno);
            return NULL;
        }
        if (!ok)
            return NULL;
    }
    if (section < 2 || snap->nodes->len == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("invalid htools data: no node section"));
        return NULL;
    }
    importHtoolsPinGroups(snap, groupOfNode);
    importOfflineConfig(&snap->config, ratio > 0 ? ratio : 4.0);
    snap->hasConfig = true;
    if (util && !importHtoolsParseUtil(util, snap, error))
        return NULL;
    return g_steal_pointer(&snap);
}
