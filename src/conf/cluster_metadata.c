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

    doc = xmlReadMemory(domainXml, strlen(domainXml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: cannot parse domain XML"));
        return NULL;
    }
    ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, (const xmlChar *) "s",
                       (const xmlChar *) SHOAL_PLACEMENT_NS);
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
    return g_steal_pointer(&meta);
}
