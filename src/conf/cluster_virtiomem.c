/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The virtio-mem device of a running domain, read from its live XML:
 * what the scheduler may request (size, block) and what the guest did
 * with the last request (requested against plugged).
 */
#include <config.h>

#include "cluster_virtiomem.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "util_cleanup.h"

void
shoalVirtioMemClear(shoalVirtioMem *mem)
{
    g_clear_pointer(&mem->alias, g_free);
    memset(mem, 0, sizeof(*mem));
}

/* @name under the device's <target>, in KiB (libvirt's live XML says
 * KiB; other units as libvirt's parser takes them). */
static unsigned long long
virtioMemSize(xmlXPathContext *ctx, xmlNode *target, const char *name)
{
    static const struct {
        const char *unit;
        unsigned shift; /* KiB = value << shift >> 10 */
    } units[] = {
        { "b", 0 },  { "bytes", 0 }, { "k", 10 }, { "KiB", 10 },
        { "M", 20 }, { "MiB", 20 },  { "G", 30 }, { "GiB", 30 },
    };
    g_autofree char *expr = g_strdup_printf("%s[1]", name);
    g_autoptr(xmlXPathObject) obj = NULL;
    xmlNode *node;
    xmlChar *text;
    xmlChar *unit;
    guint64 value = 0;
    unsigned shift = 10;
    size_t i;

    ctx->node = target;
    obj = xmlXPathEvalExpression((const xmlChar *) expr, ctx);
    if (!obj || !obj->nodesetval || obj->nodesetval->nodeNr == 0)
        return 0;
    node = obj->nodesetval->nodeTab[0];
    text = xmlNodeGetContent(node);
    unit = xmlGetProp(node, (const xmlChar *) "unit");
    for (i = 0; unit && i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp((const char *) unit, units[i].unit) == 0)
            shift = units[i].shift;
    }
    if (!text || !g_ascii_string_to_unsigned((const char *) text, 10, 0,
                                             G_MAXUINT64, &value, NULL))
        value = 0;
    xmlFree(text);
    xmlFree(unit);
    return shift >= 10 ? value << (shift - 10) : value >> 10;
}

static xmlDoc *
virtioMemReadDoc(const char *domainXml)
{
    return xmlReadMemory(domainXml, strlen(domainXml), "domain.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
}

/* The first virtio-mem device of @doc, or NULL. */
static xmlNode *
virtioMemFind(xmlXPathContext *ctx)
{
    g_autoptr(xmlXPathObject) dev =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/devices/memory[@model='virtio-mem'][1]",
                               ctx);

    if (!dev || !dev->nodesetval || dev->nodesetval->nodeNr == 0)
        return NULL;
    return dev->nodesetval->nodeTab[0];
}

/**
 * shoalVirtioMemRequestXML:
 *
 * The device XML virDomainUpdateDeviceFlags() takes to request
 * @requestedKiB of @domainXml's virtio-mem device: the device as it is
 * (libvirt finds it by its alias and checks nothing else changed) with
 * a new <requested>, as virsh update-memory-device builds it.
 * Returns: (transfer full) (nullable): NULL if there is no such device.
 */
char *
shoalVirtioMemRequestXML(const char *domainXml, unsigned long long requestedKiB)
{
    g_autoptr(xmlDoc) doc = virtioMemReadDoc(domainXml);
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) req = NULL;
    g_autofree char *value = NULL;
    char *out = NULL;
    xmlBuffer *buf;
    xmlNode *dev;
    xmlNode *node;

    if (!doc)
        return NULL;
    ctx = xmlXPathNewContext(doc);
    if (!(dev = virtioMemFind(ctx)))
        return NULL;
    ctx->node = dev;
    req = xmlXPathEvalExpression((const xmlChar *) "target/requested[1]", ctx);
    if (!req || !req->nodesetval || req->nodesetval->nodeNr == 0)
        return NULL;
    node = req->nodesetval->nodeTab[0];
    value = g_strdup_printf("%llu", requestedKiB);
    xmlNodeSetContent(node, (const xmlChar *) value);
    xmlSetProp(node, (const xmlChar *) "unit", (const xmlChar *) "KiB");
    buf = xmlBufferCreate();
    if (xmlNodeDump(buf, doc, dev, 0, 0) >= 0)
        out = g_strdup((const char *) xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}

/**
 * shoalVirtioMemParse:
 *
 * Fills @mem from the first virtio-mem device of @domainXml.
 * Returns: whether the domain has one; @mem is cleared if not.
 */
bool
shoalVirtioMemParse(const char *domainXml, shoalVirtioMem *mem)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) target = NULL;
    g_autoptr(xmlXPathObject) alias = NULL;
    xmlNode *node;

    shoalVirtioMemClear(mem);
    /* every statistics sample reads every running domain: most have no
     * such device, and libvirt writes the model as is, so a text that
     * never names it is not parsed (reading and parsing it was 40 % of
     * an idle daemon's CPU at 1 000 hosts x 16 domains, most of it the
     * parse) */
    if (!strstr(domainXml, "virtio-mem"))
        return false;
    if (!(doc = virtioMemReadDoc(domainXml)))
        return false;
    ctx = xmlXPathNewContext(doc);
    if (!(node = virtioMemFind(ctx)))
        return false;
    ctx->node = node;
    alias =
        xmlXPathEvalExpression((const xmlChar *) "string(alias/@name)", ctx);
    if (alias && alias->stringval && *alias->stringval)
        mem->alias = g_strdup((const char *) alias->stringval);
    target = xmlXPathEvalExpression((const xmlChar *) "target[1]", ctx);
    if (!target || !target->nodesetval || target->nodesetval->nodeNr == 0)
        return false;
    node = target->nodesetval->nodeTab[0];
    mem->sizeKiB = virtioMemSize(ctx, node, "size");
    mem->blockKiB = virtioMemSize(ctx, node, "block");
    mem->requestedKiB = virtioMemSize(ctx, node, "requested");
    mem->pluggedKiB = virtioMemSize(ctx, node, "current");
    /* a device that says more than it holds is not one to resize */
    if (mem->sizeKiB == 0 || mem->requestedKiB > mem->sizeKiB ||
        mem->pluggedKiB > mem->sizeKiB) {
        shoalVirtioMemClear(mem);
        return false;
    }
    return true;
}
