/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host objects a domain definition refers to, read once per change
 * of the definition (the placement cache keeps them).
 */
#include <config.h>

#include "cluster_domainneeds.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "util_cleanup.h"

void
shoalDomainNeedsFree(shoalDomainNeeds *needs)
{
    if (!needs)
        return;
    g_strfreev(needs->poolVolumes);
    g_strfreev(needs->paths);
    g_strfreev(needs->networks);
    g_strfreev(needs->secrets);
    g_free(needs);
}

shoalDomainNeeds *
shoalDomainNeedsCopy(const shoalDomainNeeds *needs)
{
    shoalDomainNeeds *copy = g_new0(shoalDomainNeeds, 1);

    copy->poolVolumes = g_strdupv(needs->poolVolumes);
    copy->paths = g_strdupv(needs->paths);
    copy->networks = g_strdupv(needs->networks);
    copy->secrets = g_strdupv(needs->secrets);
    return copy;
}

/* The distinct string values of @expr's nodes (attributes), in order. */
static GStrv
needsList(xmlXPathContext *ctx, const char *expr)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar *) expr, ctx);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    int i;

    for (i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
        xmlChar *v = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);

        if (v && *v &&
            !g_ptr_array_find_with_equal_func(out, v, g_str_equal, NULL))
            g_ptr_array_add(out, g_strdup((const char *) v));
        xmlFree(v);
    }
    g_ptr_array_add(out, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* "pool/volume" of every volume disk. */
static GStrv
needsPoolVolumes(xmlXPathContext *ctx)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/devices/disk[@type='volume']/source[@pool "
                                       "and @volume]",
                               ctx);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    int i;

    for (i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
        xmlNode *node = obj->nodesetval->nodeTab[i];
        xmlChar *pool = xmlGetProp(node, (const xmlChar *) "pool");
        xmlChar *vol = xmlGetProp(node, (const xmlChar *) "volume");
        char *both =
            g_strdup_printf("%s/%s", (const char *) pool, (const char *) vol);

        xmlFree(pool);
        xmlFree(vol);
        if (g_ptr_array_find_with_equal_func(out, both, g_str_equal, NULL))
            g_free(both);
        else
            g_ptr_array_add(out, both);
    }
    g_ptr_array_add(out, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/**
 * shoalDomainNeedsParse:
 *
 * Returns: (transfer full) (nullable): what @domainXml refers to; NULL
 *   if it is not XML.
 */
shoalDomainNeeds *
shoalDomainNeedsParse(const char *domainXml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    shoalDomainNeeds *needs;

    if (!domainXml)
        return NULL;
    doc = xmlReadMemory(domainXml, strlen(domainXml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctx = xmlXPathNewContext(doc)))
        return NULL;
    needs = g_new0(shoalDomainNeeds, 1);
    needs->poolVolumes = needsPoolVolumes(ctx);
    needs->paths =
        needsList(ctx, "/domain/devices/disk[@type='file']/source/@file");
    needs->networks =
        needsList(ctx,
                  "/domain/devices/interface[@type='network']/source/@network");
    needs->secrets =
        needsList(ctx, "/domain/devices/disk//secret[@uuid]/@uuid");
    return needs;
}
