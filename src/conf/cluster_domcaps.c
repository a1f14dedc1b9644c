/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain capabilities of the cluster: what every host supports, so that a
 * domain defined through Shoal can run and migrate anywhere.
 */
#include <config.h>

#include "cluster_domcaps.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util_cleanup.h"
#include "util_error.h"

/* Leaves that form lists, told apart by their text. */
static bool
domcapsIsListLeaf(const xmlNode *node)
{
    return xmlStrEqual(node->name, (const xmlChar *) "value") ||
           xmlStrEqual(node->name, (const xmlChar *) "model");
}

/* What matches an element to its counterpart on another host. */
static char *
domcapsKey(xmlNode *node)
{
    g_autofree xmlChar *name = xmlGetProp(node, (const xmlChar *) "name");
    g_autofree xmlChar *text = NULL;

    if (domcapsIsListLeaf(node))
        text = xmlNodeGetContent(node);
    return g_strdup_printf("%s\x1f%s\x1f%s", (const char *) node->name,
                           name ? (const char *) name : "",
                           text ? (const char *) text : "");
}

static xmlNode *
domcapsFindChild(xmlNode *parent, const char *key)
{
    xmlNode *c;

    for (c = parent->children; c; c = c->next) {
        g_autofree char *k = NULL;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        k = domcapsKey(c);
        if (g_str_equal(k, key))
            return c;
    }
    return NULL;
}

/* supported='yes' and usable='yes' hold only where they hold on both. */
static void
domcapsMergeFlag(xmlNode *a, xmlNode *b, const char *attr, bool *changed)
{
    g_autofree xmlChar *va = xmlGetProp(a, (const xmlChar *) attr);
    g_autofree xmlChar *vb = xmlGetProp(b, (const xmlChar *) attr);

    if (va && xmlStrEqual(va, (const xmlChar *) "yes") &&
        !(vb && xmlStrEqual(vb, (const xmlChar *) "yes"))) {
        xmlSetProp(a, (const xmlChar *) attr, vb ? vb : (const xmlChar *) "no");
        *changed = true;
    }
}

/* A limit (vcpu max) is the smallest host's. */
static void
domcapsMergeMax(xmlNode *a, xmlNode *b, bool *changed)
{
    g_autofree xmlChar *va = xmlGetProp(a, (const xmlChar *) "max");
    g_autofree xmlChar *vb = xmlGetProp(b, (const xmlChar *) "max");

    if (va && vb &&
        g_ascii_strtoull((const char *) vb, NULL, 10) <
            g_ascii_strtoull((const char *) va, NULL, 10)) {
        xmlSetProp(a, (const xmlChar *) "max", vb);
        *changed = true;
    }
}

/* @node goes, with the indentation before it. */
static void
domcapsRemove(xmlNode *node)
{
    xmlNode *prev = node->prev;

    if (prev && xmlNodeIsText(prev) && xmlIsBlankNode(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

/*
 * Narrows @a to what @b has too: list entries (enum values, CPU models,
 * devices, features) missing from @b go, flags and limits take the
 * weaker of the two. Single text leaves (path, machine) stay @a's.
 */
static void
domcapsIntersectNode(xmlNode *a, xmlNode *b, bool *changed)
{
    xmlNode *c = a->children;

    domcapsMergeFlag(a, b, "supported", changed);
    domcapsMergeFlag(a, b, "usable", changed);
    domcapsMergeMax(a, b, changed);
    while (c) {
        xmlNode *next = c->next;
        g_autofree char *key = NULL;
        xmlNode *other;

        if (c->type == XML_ELEMENT_NODE) {
            key = domcapsKey(c);
            other = domcapsFindChild(b, key);
            if (other) {
                domcapsIntersectNode(c, other, changed);
            } else {
                domcapsRemove(c);
                *changed = true;
            }
        }
        c = next;
    }
}

static xmlDoc *
domcapsParse(const char *xml, GError **error)
{
    xmlDoc *doc = xmlReadMemory(xml, strlen(xml), "domcaps.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    xmlNode *root;

    if (!doc) {
        const xmlError *err = xmlGetLastError();

        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: cannot parse domain capabilities: %1$s"),
                    err && err->message ? g_strchomp(err->message) : "");
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (!root ||
        !xmlStrEqual(root->name, (const xmlChar *) "domainCapabilities")) {
        xmlFreeDoc(doc);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: expected root element 'domainCapabilities'"));
        return NULL;
    }
    return doc;
}

/**
 * shoalDomcapsIntersect:
 * @xmls: the domain capabilities of each host, at least one
 *
 * What every host supports: the first host's document narrowed by each
 * other's; byte for byte the first host's when the others have it all.
 * Returns: (transfer full): the XML, or NULL with @error.
 */
char *
shoalDomcapsIntersect(const char *const *xmls, unsigned n, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlChar *out = NULL;
    int len = 0;
    bool changed = false;
    char *ret;
    unsigned i;

    g_return_val_if_fail(n > 0, NULL);
    if (!(doc = domcapsParse(xmls[0], error)))
        return NULL;
    for (i = 1; i < n; i++) {
        g_autoptr(xmlDoc) other = domcapsParse(xmls[i], error);

        if (!other)
            return NULL;
        domcapsIntersectNode(xmlDocGetRootElement(doc),
                             xmlDocGetRootElement(other), &changed);
    }
    if (!changed)
        return g_strdup(xmls[0]);
    xmlDocDumpFormatMemory(doc, &out, &len, 0);
    /* without the declaration, as libvirt writes it */
    ret = g_strdup(strstr((const char *) out, "<domainCapabilities"));
    xmlFree(out);
    return ret;
}
