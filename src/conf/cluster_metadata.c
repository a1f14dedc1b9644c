/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_metadata.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "util_cleanup.h"
#include "util_error.h"

void
shoalPlacementMetadataFree(shoalPlacementMetadata *meta)
{
    if (!meta)
        return;
    g_free(meta->mode);
    g_strfreev(meta->affinity);
    g_strfreev(meta->antiAffinity);
    g_strfreev(meta->pinned);
    g_free(meta);
}

/* The values of @attr of every element @expr selects. */
static GStrv
metadataList(xmlXPathContext *ctx, const char *expr, const char *attr)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar *) expr, ctx);
    g_autoptr(GStrvBuilder) out = g_strv_builder_new();
    int i;

    for (i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
        xmlChar *v =
            xmlGetProp(obj->nodesetval->nodeTab[i], (const xmlChar *) attr);

        if (v && *v)
            g_strv_builder_add(out, (const char *) v);
        xmlFree(v);
    }
    return g_strv_builder_end(out);
}

/* The <ha> element: restart="yes|no", priority="N". */
static bool
metadataParseHa(xmlXPathContext *ctx,
                shoalPlacementMetadata *meta,
                GError **error)
{
    g_autoptr(xmlXPathObject) restart =
        xmlXPathEvalExpression((const xmlChar
                                    *) "string(/domain/metadata/s:placement/*[local-name()='ha']/@restart)",
                               ctx);
    g_autoptr(xmlXPathObject) priority =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/metadata/s:placement/*[local-name()='ha']/@priority",
                               ctx);
    g_autoptr(xmlXPathObject) disks =
        xmlXPathEvalExpression((const xmlChar
                                    *) "count(/domain/devices/disk[(@type='file' and source/@file) or (@type='block' and source/@dev)][not(readonly)][not(shareable)])",
                               ctx);

    meta->haRestart = -1;
    if (restart && restart->stringval && *restart->stringval) {
        const char *r = (const char *) restart->stringval;

        if (!g_str_equal(r, "yes") && !g_str_equal(r, "no")) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                        _("XML error: invalid HA restart '%1$s', expected 'yes' or 'no'"),
                        r);
            return false;
        }
        meta->haRestart = g_str_equal(r, "yes");
    }
    if (priority && priority->nodesetval && priority->nodesetval->nodeNr > 0) {
        g_autofree char *p =
            (char *) xmlNodeGetContent(priority->nodesetval->nodeTab[0]);
        gint64 n = 0;

        if (!p || !g_ascii_string_to_signed(p, 10, SHOAL_HA_PRIORITY_MIN,
                                            SHOAL_HA_PRIORITY_MAX, &n, NULL)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                        _("XML error: invalid HA priority '%1$s', expected an integer from %2$d to %3$d"),
                        p ? p : "", SHOAL_HA_PRIORITY_MIN,
                        SHOAL_HA_PRIORITY_MAX);
            return false;
        }
        meta->haHasPriority = true;
        meta->haPriority = (int) n;
    }
    if (disks && disks->type == XPATH_NUMBER && disks->floatval > 0)
        meta->leasedDisks = (unsigned) disks->floatval;
    return true;
}

/* The placement element's vcpu-floor: a positive count, or absent (0). */
static bool
metadataVcpuFloor(xmlXPathContext *ctx, unsigned *floor, GError **error)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/metadata/s:placement/@vcpu-floor",
                               ctx);
    g_autofree char *text = NULL;
    guint64 n = 0;

    *floor = 0;
    if (!obj || !obj->nodesetval || obj->nodesetval->nodeNr == 0)
        return true;
    {
        xmlChar *v = xmlXPathCastToString(obj);

        text = g_strdup((const char *) v);
        xmlFree(v);
    }
    if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT16, &n, NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: placement vcpu-floor '%1$s' is not a vCPU count (1 or more)"),
                    text);
        return false;
    }
    *floor = (unsigned) n;
    return true;
}

/* The <numa pin="yes|no"/> element. */
static bool
metadataParseNuma(xmlXPathContext *ctx,
                  shoalPlacementMetadata *meta,
                  GError **error)
{
    g_autoptr(xmlXPathObject) pin =
        xmlXPathEvalExpression((const xmlChar
                                    *) "string(/domain/metadata/s:placement/*[local-name()='numa']/@pin)",
                               ctx);
    const char *p;

    if (!pin || !pin->stringval || !*pin->stringval)
        return true;
    p = (const char *) pin->stringval;
    if (!g_str_equal(p, "yes") && !g_str_equal(p, "no")) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: invalid placement numa pin '%1$s', expected 'yes' or 'no'"),
                    p);
        return false;
    }
    meta->numaOptOut = g_str_equal(p, "no");
    return true;
}

/**
 * shoalPlacementMetadataContext:
 * @doc: (out) (transfer full): the parsed document, which the context uses
 *
 * Parses a domain XML for XPath on its metadata: the placement namespace
 * is the prefix "s".
 *
 * Returns: (transfer full): the context, or NULL with @error set.
 */
xmlXPathContext *
shoalPlacementMetadataContext(const char *domainXml,
                              xmlDoc **doc,
                              GError **error)
{
    xmlXPathContext *ctx;

    *doc = xmlReadMemory(domainXml, strlen(domainXml), "domain.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
    if (!*doc) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: cannot parse domain XML"));
        return NULL;
    }
    ctx = xmlXPathNewContext(*doc);
    xmlXPathRegisterNs(ctx, (const xmlChar *) "s",
                       (const xmlChar *) SHOAL_PLACEMENT_NS);
    return ctx;
}

/**
 * shoalPlacementMetadataParse:
 *
 * Reads Shoal's placement element from a domain XML; a domain without one
 * gets empty metadata. An unknown mode is an error, so a typo never
 * silently leaves a domain under automatic control.
 */
shoalPlacementMetadata *
shoalPlacementMetadataParse(const char *domainXml, GError **error)
{
    g_autoptr(shoalPlacementMetadata) meta = g_new0(shoalPlacementMetadata, 1);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) mode = NULL;

    if (!(ctx = shoalPlacementMetadataContext(domainXml, &doc, error)))
        return NULL;
    mode =
        xmlXPathEvalExpression((const xmlChar
                                    *) "string(/domain/metadata/s:placement/@mode)",
                               ctx);
    if (mode && mode->stringval && *mode->stringval) {
        const char *m = (const char *) mode->stringval;

        if (!g_str_equal(m, "off") && !g_str_equal(m, "advise") &&
            !g_str_equal(m, "automatic")) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                        _("XML error: unknown placement mode '%1$s'"), m);
            return NULL;
        }
        meta->mode = g_strdup(m);
    }
    /* virsh metadata --set puts only the root element in the namespace:
     * its children come unqualified, or qualified when written by hand */
    meta->affinity =
        metadataList(ctx,
                     "/domain/metadata/s:placement/*[local-name()='affinity']",
                     "group");
    meta->antiAffinity =
        metadataList(ctx,
                     "/domain/metadata/s:placement/*[local-name()='anti-affinity']",
                     "group");
    meta->pinned =
        metadataList(ctx, "/domain/metadata/s:placement/*[local-name()='pin']",
                     "host");
    if (!metadataParseHa(ctx, meta, error) ||
        !metadataVcpuFloor(ctx, &meta->vcpuFloor, error) ||
        !metadataParseNuma(ctx, meta, error))
        return NULL;
    return g_steal_pointer(&meta);
}
