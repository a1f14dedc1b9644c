/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NUMA pinning on the hosts: the cells sched chooses for a domain
 * (sched_numa.c) written into the XML Shoal gives the host, at define
 * and as a migration's destination XML. The pin is part of the
 * definition on the host, so virsh dumpxml shows what runs.
 */
#include <config.h>

#include "cluster_numapin.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_metadata.h"
#include "cluster_numacells.h"
#include "util_error.h"
#include "util_log.h"

/**
 * shoalClusterNumaSchedCells:
 * Returns: (transfer full) (nullable): @hostName's cells as sched sees
 *   them, or NULL if none are known.
 */
GArray *
shoalClusterNumaSchedCells(shoalCluster *cluster, const char *hostName)
{
    g_autoptr(GArray) cells = shoalHostNumaGet(cluster->numa, hostName);
    GArray *out;
    guint i;

    if (!cells)
        return NULL;
    out = g_array_new(FALSE, TRUE, sizeof(shoalSchedCell));
    for (i = 0; i < cells->len; i++) {
        const shoalNumaCell *c = &g_array_index(cells, shoalNumaCell, i);
        shoalSchedCell s = { c->id, c->cpus, c->memoryKiB / 1024,
                             c->freeKiB / 1024 };

        if (c->id >= SHOAL_SCHED_NUMA_MAX_CELLS)
            continue;
        g_array_append_val(out, s);
    }
    return out;
}

/* Whether every cell of @nodeset is one of @cells. */
static bool
numaPinHostHas(const GArray *cells, guint64 nodeset)
{
    guint64 have = 0;
    guint i;

    for (i = 0; i < cells->len; i++) {
        unsigned id = g_array_index(cells, shoalNumaCell, i).id;

        if (id < SHOAL_SCHED_NUMA_MAX_CELLS)
            have |= G_GUINT64_CONSTANT(1) << id;
    }
    return (nodeset & ~have) == 0;
}

/*
 * The domain's own <numatune><memory nodeset>: the host must have those
 * cells. Returns: whether the domain has one (then Shoal keeps it).
 */
static bool
numaPinCheckOwn(const char *hostName,
                const GArray *cells,
                const char *own,
                GError **error)
{
    guint64 nodeset = 0;

    /* a form Shoal does not read ("0-3,^2") is the host's to judge */
    if (!shoalSchedNumaParseNodeset(own, &nodeset, NULL))
        return true;
    if (!numaPinHostHas(cells, nodeset)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: numatune memory nodeset '%1$s' names NUMA cells that host '%2$s' does not have"),
                    own, hostName);
        return false;
    }
    return true;
}

/**
 * shoalClusterNumaPin:
 * @hostName: the host the domain goes to
 * @xml: its XML
 * @replace: rewrite a <numatune> the XML has (a migration: the pin of
 *   the source's cells); else a domain's own is kept, if the host has
 *   its cells
 * @pinned: (out) (transfer full): the XML with the pin, or NULL if it
 *   is to stay as it is (opted out, the host describes no cells, it has
 *   its own pin)
 *
 * Returns: false with @error set if the XML cannot be read, or its own
 * pin names cells the host lacks.
 */
bool
shoalClusterNumaPin(shoalCluster *cluster,
                    const char *hostName,
                    const char *xml,
                    bool replace,
                    char **pinned,
                    GError **error)
{
    g_autoptr(GArray) cells = shoalHostNumaGet(cluster->numa, hostName);
    g_autoptr(shoalPlacementMetadata) meta = NULL;
    g_autoptr(shoalDomainXML) def = NULL;
    g_autoptr(shoalSchedNode) node = NULL;
    g_autoptr(shoalSchedDomain) dom = NULL;
    g_autofree char *own = NULL;
    g_autofree char *nodeset = NULL;
    g_autofree char *cpuset = NULL;
    shoalSchedNumaFit fit;

    *pinned = NULL;
    if (!cells)
        return true;
    if (!(def = shoalDomainXMLParse(xml, error)))
        return false;
    meta = shoalPlacementMetadataParse(xml, NULL);
    if (meta && meta->numaOptOut)
        return true;
    if (!replace && (own = shoalNumaDomainNodeset(xml)))
        return numaPinCheckOwn(hostName, cells, own, error);

    node = shoalSchedNodeNew(hostName);
    node->cells = shoalClusterNumaSchedCells(cluster, hostName);
    dom = shoalSchedDomainNew(def->name);
    dom->vcpus = MAX(def->vcpus, 1);
    dom->memoryKiB = def->memoryKiB;
    shoalSchedNumaFitCompute(node, dom, &fit);
    if (!(nodeset = shoalSchedNumaFormatNodeset(fit.cells)))
        return true;
    cpuset = shoalNumaCellsCpuset(cells, fit.cells);
    *pinned = shoalNumaPinDomainXML(xml, nodeset, cpuset, error);
    return *pinned != NULL;
}

/* @dom's XML (@extra: also these flags) pinned for @destName, or NULL. */
static char *
numaPinForMigration(shoalCluster *cluster,
                    virDomainPtr dom,
                    const char *destName,
                    unsigned extra)
{
    g_autofree char *xml =
        virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE |
                                     VIR_DOMAIN_XML_MIGRATABLE | extra);
    g_autoptr(GError) error = NULL;
    char *pinned = NULL;

    if (!xml) {
        virResetLastError();
        return NULL;
    }
    if (!shoalClusterNumaPin(cluster, destName, xml, true, &pinned, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                         SHOAL_LOG_DOMAIN(virDomainGetName(dom)), "MESSAGE",
                         "no NUMA pin for '%s' on host '%s': %s",
                         virDomainGetName(dom), destName, error->message);
    return pinned;
}

static void
numaAddString(virTypedParameter *params, int *n, const char *field, char *value)
{
    g_strlcpy(params[*n].field, field, VIR_TYPED_PARAM_FIELD_LENGTH);
    params[*n].type = VIR_TYPED_PARAM_STRING;
    params[*n].value.s = value;
    (*n)++;
}

/**
 * shoalClusterNumaMigrate:
 *
 * virDomainMigrateToURI3() with the domain's NUMA pin rewritten for the
 * cells of @destName, through VIR_MIGRATE_PARAM_DEST_XML (and
 * VIR_MIGRATE_PARAM_PERSIST_XML for a persistent copy), unless the
 * client gave its own destination XML or there is nothing to pin. Worker
 * thread. Returns: virDomainMigrateToURI3()'s result; the thread's
 * libvirt error is the migration's.
 */
int
shoalClusterNumaMigrate(shoalCluster *cluster,
                        virDomainPtr dom,
                        const char *destName,
                        const char *uri,
                        virTypedParameterPtr params,
                        int nparams,
                        unsigned flags)
{
    g_autofree virTypedParameter *all = NULL;
    g_autofree char *live = NULL;
    g_autofree char *persist = NULL;
    int n = nparams;

    if (!virTypedParamsGet(params, nparams, VIR_MIGRATE_PARAM_DEST_XML))
        live = numaPinForMigration(cluster, dom, destName, 0);
    if (live && (flags & VIR_MIGRATE_PERSIST_DEST) &&
        !virTypedParamsGet(params, nparams, VIR_MIGRATE_PARAM_PERSIST_XML))
        persist = numaPinForMigration(cluster, dom, destName,
                                      VIR_DOMAIN_XML_INACTIVE);
    virResetLastError();
    if (!live)
        return virDomainMigrateToURI3(dom, uri, params, (unsigned) nparams,
                                      flags);
    /* a shallow copy: the strings stay the caller's and ours */
    all = g_new0(virTypedParameter, nparams + 2);
    if (nparams > 0)
        memcpy(all, params, sizeof(*all) * (size_t) nparams);
    numaAddString(all, &n, VIR_MIGRATE_PARAM_DEST_XML, live);
    if (persist)
        numaAddString(all, &n, VIR_MIGRATE_PARAM_PERSIST_XML, persist);
    return virDomainMigrateToURI3(dom, uri, all, (unsigned) n, flags);
}
