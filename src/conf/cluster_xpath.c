/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One value read out of an XML document libvirt gave: a pool's type or
 * target, a volume's format.
 */
#include <config.h>

#include "cluster_xpath.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "util_cleanup.h"

/**
 * shoalXPathString:
 * @xml: (nullable): a document
 * @expr: an XPath expression of string type, e.g. "string(/pool/@type)"
 *
 * Returns: (transfer full) (nullable): its value; NULL if empty or if
 *   @xml is not XML.
 */
char *
shoalXPathString(const char *xml, const char *expr)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) res = NULL;

    if (!xml)
        return NULL;
    doc = xmlReadMemory(xml, strlen(xml), "object.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctx = xmlXPathNewContext(doc)))
        return NULL;
    res = xmlXPathEvalExpression((const xmlChar *) expr, ctx);
    if (!res || res->type != XPATH_STRING || !res->stringval ||
        !*res->stringval)
        return NULL;
    return g_strdup((const char *) res->stringval);
}
