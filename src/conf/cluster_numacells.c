/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A host's NUMA cells as its capabilities describe them, and the pin
 * Shoal writes into a domain's XML for the cells the scheduler chose:
 * <numatune><memory mode='strict' nodeset='N'/></numatune> and the
 * cells' CPUs as <vcpu cpuset='...'>.
 */
#include <config.h>

#include "cluster_numacells.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "cluster_xpath.h"
#include "util_cleanup.h"
#include "util_error.h"

static void
numaCellClear(gpointer data)
{
    shoalNumaCell *cell = data;

    g_free(cell->cpuset);
}

static GArray *
numaCellsNew(void)
{
    GArray *cells = g_array_new(FALSE, TRUE, sizeof(shoalNumaCell));

    g_array_set_clear_func(cells, numaCellClear);
    return cells;
}

static char *
numaProp(xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *) name);
    char *copy = value ? g_strdup((const char *) value) : NULL;

    xmlFree(value);
    return copy;
}

/* The cpuset of the CPU ids in @ids (sorted, unique). */
static char *
numaFormatIds(const GArray *ids)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i = 0;

    while (i < ids->len) {
        guint first = g_array_index(ids, guint, i);
        guint last = first;

        while (i + 1 < ids->len &&
               g_array_index(ids, guint, i + 1) == last + 1) {
            i++;
            last++;
        }
        if (out->len)
            g_string_append_c(out, ',');
        if (first == last)
            g_string_append_printf(out, "%u", first);
        else
            g_string_append_printf(out, "%u-%u", first, last);
        i++;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gint
numaCompareUInt(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *) a;
    guint y = *(const guint *) b;

    return x < y ? -1 : (x > y ? 1 : 0);
}

static void
numaParseCell(xmlXPathContext *ctx, xmlNode *node, GArray *cells)
{
    g_autofree char *id = numaProp(node, "id");
    g_autoptr(xmlXPathObject) mem = NULL;
    g_autoptr(xmlXPathObject) cpus = NULL;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
    shoalNumaCell cell = { 0 };
    int i;

    if (!id || !g_ascii_isdigit(*id))
        return;
    cell.id = (unsigned) g_ascii_strtoull(id, NULL, 10);
    ctx->node = node;
    mem = xmlXPathEvalExpression((const xmlChar *) "number(memory)", ctx);
    if (mem && mem->type == XPATH_NUMBER && mem->floatval > 0)
        cell.memoryKiB = (unsigned long long) mem->floatval;
    cpus = xmlXPathEvalExpression((const xmlChar *) "cpus/cpu", ctx);
    for (i = 0; cpus && cpus->nodesetval && i < cpus->nodesetval->nodeNr; i++) {
        g_autofree char *cpu = numaProp(cpus->nodesetval->nodeTab[i], "id");
        guint v;

        if (!cpu || !g_ascii_isdigit(*cpu))
            continue;
        v = (guint) g_ascii_strtoull(cpu, NULL, 10);
        g_array_append_val(ids, v);
    }
    g_array_sort(ids, numaCompareUInt);
    cell.cpus = ids->len;
    cell.cpuset = numaFormatIds(ids);
    g_array_append_val(cells, cell);
}

/**
 * shoalNumaCellsParse:
 * @capabilities: (nullable): a host's capabilities XML
 *
 * Returns: (transfer full) (nullable): its cells (shoalNumaCell, free
 *   memory unknown), or NULL if it describes none.
 */
GArray *
shoalNumaCellsParse(const char *capabilities)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) res = NULL;
    g_autoptr(GArray) cells = numaCellsNew();
    int i;

    if (!capabilities)
        return NULL;
    doc = xmlReadMemory(capabilities, strlen(capabilities), "capabilities.xml",
                        NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctx = xmlXPathNewContext(doc)))
        return NULL;
    res =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/capabilities/host/topology/cells/cell",
                               ctx);
    for (i = 0; res && res->nodesetval && i < res->nodesetval->nodeNr; i++)
        numaParseCell(ctx, res->nodesetval->nodeTab[i], cells);
    if (cells->len == 0)
        return NULL;
    return g_steal_pointer(&cells);
}

/**
 * shoalNumaCellsCopy:
 * Returns: (transfer full) (nullable): a deep copy of @cells.
 */
GArray *
shoalNumaCellsCopy(const GArray *cells)
{
    GArray *copy;
    guint i;

    if (!cells)
        return NULL;
    copy = numaCellsNew();
    for (i = 0; i < cells->len; i++) {
        shoalNumaCell c = g_array_index(cells, shoalNumaCell, i);

        c.cpuset = g_strdup(c.cpuset);
        g_array_append_val(copy, c);
    }
    return copy;
}

/**
 * shoalNumaCellsCpuset:
 * @cells: a host's cells
 * @nodeset: cells as bits (bit N = cell id N)
 *
 * Returns: (transfer full) (nullable): the CPUs of those cells, as a
 *   cpuset, or NULL if they have none.
 */
char *
shoalNumaCellsCpuset(const GArray *cells, guint64 nodeset)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; cells && i < cells->len; i++) {
        const shoalNumaCell *c = &g_array_index(cells, shoalNumaCell, i);

        if (c->id >= 64 || !(nodeset & (G_GUINT64_CONSTANT(1) << c->id)) ||
            !c->cpuset || !*c->cpuset)
            continue;
        if (out->len)
            g_string_append_c(out, ',');
        g_string_append(out, c->cpuset);
    }
    if (out->len == 0)
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static xmlNode *
numaChild(xmlNode *parent, const char *name, bool create)
{
    xmlNode *n;

    for (n = parent->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE &&
            xmlStrEqual(n->name, (const xmlChar *) name))
            return n;
    }
    return create ? xmlNewChild(parent, NULL, (const xmlChar *) name, NULL)
                  : NULL;
}

/**
 * shoalNumaPinDomainXML:
 * @xml: a domain's XML
 * @nodeset: the host cells for its memory ("1", "0-1")
 * @cpuset: (nullable): the host CPUs for its vCPUs; NULL: left as it is
 *
 * Writes <numatune><memory mode='strict' nodeset='@nodeset'/></numatune>
 * (replacing a <memory> element there; <memnode> elements stay) and
 * <vcpu cpuset='@cpuset'>.
 *
 * Returns: (transfer full): the new XML, or NULL with @error set.
 */
char *
shoalNumaPinDomainXML(const char *xml,
                      const char *nodeset,
                      const char *cpuset,
                      GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;
    xmlNode *numatune;
    xmlNode *memory;
    xmlNode *vcpu;
    xmlChar *out = NULL;
    int len = 0;
    char *ret;

    doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(root = xmlDocGetRootElement(doc)) ||
        !xmlStrEqual(root->name, (const xmlChar *) "domain")) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: cannot parse domain XML"));
        return NULL;
    }
    numatune = numaChild(root, "numatune", true);
    memory = numaChild(numatune, "memory", true);
    xmlSetProp(memory, (const xmlChar *) "mode", (const xmlChar *) "strict");
    xmlSetProp(memory, (const xmlChar *) "nodeset", (const xmlChar *) nodeset);
    xmlUnsetProp(memory, (const xmlChar *) "placement");
    if (cpuset && (vcpu = numaChild(root, "vcpu", false))) {
        xmlSetProp(vcpu, (const xmlChar *) "cpuset", (const xmlChar *) cpuset);
        xmlUnsetProp(vcpu, (const xmlChar *) "placement");
    }
    xmlDocDumpMemory(doc, &out, &len);
    if (!out) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_MEMORY,
                    _("cannot write the domain XML"));
        return NULL;
    }
    ret = g_strndup((const char *) out, (gsize) len);
    xmlFree(out);
    return ret;
}

/**
 * shoalNumaDomainNodeset:
 * Returns: (transfer full) (nullable): the nodeset of a domain XML's own
 *   <numatune><memory>, or NULL if it has none.
 */
char *
shoalNumaDomainNodeset(const char *xml)
{
    return shoalXPathString(xml, "string(/domain/numatune/memory/@nodeset)");
}
