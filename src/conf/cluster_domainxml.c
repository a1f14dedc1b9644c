/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_domainxml.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>

#include "util_cleanup.h"
#include "util_error.h"
#include "util_uuid.h"

void
shoalDomainXMLFree(shoalDomainXML *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def);
}

static char *
domainXMLString(xmlXPathContext *ctx, const char *expr)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar *) expr, ctx);

    if (!obj || obj->type != XPATH_STRING || !obj->stringval ||
        !*obj->stringval)
        return NULL;
    return g_strstrip(g_strdup((const char *) obj->stringval));
}

typedef struct {
    const char *unit;
    unsigned long long bytes;
} domainXMLUnit;

/* libvirt's memory units (virScaleInteger), case-insensitive */
static const domainXMLUnit domainXMLUnits[] = {
    { "b", 1ULL },
    { "bytes", 1ULL },
    { "kb", 1000ULL },
    { "k", 1024ULL },
    { "kib", 1024ULL },
    { "mb", 1000000ULL },
    { "m", 1048576ULL },
    { "mib", 1048576ULL },
    { "gb", 1000000000ULL },
    { "g", 1073741824ULL },
    { "gib", 1073741824ULL },
    { "tb", 1000000000000ULL },
    { "t", 1099511627776ULL },
    { "tib", 1099511627776ULL },
};

static bool
domainXMLMemory(xmlXPathContext *ctx, unsigned long long *kib, GError **error)
{
    g_autofree char *value = domainXMLString(ctx, "string(/domain/memory)");
    g_autofree char *unit =
        domainXMLString(ctx, "string(/domain/memory/@unit)");
    unsigned long long scale = 1024;
    guint64 n;
    size_t i;

    if (!value) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: missing memory element"));
        return false;
    }
    if (unit) {
        scale = 0;
        for (i = 0; i < G_N_ELEMENTS(domainXMLUnits); i++) {
            if (g_ascii_strcasecmp(unit, domainXMLUnits[i].unit) == 0)
                scale = domainXMLUnits[i].bytes;
        }
        if (scale == 0) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: unknown suffix '%1$s'"), unit);
            return false;
        }
    }
    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64 / scale, &n,
                                    NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: invalid memory value '%1$s'"), value);
        return false;
    }
    *kib = (n * scale + 1023) / 1024;
    return true;
}

static bool
domainXMLVcpus(xmlXPathContext *ctx, shoalDomainXML *def, GError **error)
{
    g_autofree char *max = domainXMLString(ctx, "string(/domain/vcpu)");
    g_autofree char *cur =
        domainXMLString(ctx, "string(/domain/vcpu/@current)");
    guint64 n = 1;
    guint64 c;

    if (max && !g_ascii_string_to_unsigned(max, 10, 1, G_MAXUINT16, &n, NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: invalid vcpu count '%1$s'"), max);
        return false;
    }
    c = n;
    if (cur && !g_ascii_string_to_unsigned(cur, 10, 1, n, &c, NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: invalid current vcpus count '%1$s'"), cur);
        return false;
    }
    def->maxVcpus = n;
    def->vcpus = c;
    return true;
}

/**
 * shoalDomainXMLParse:
 *
 * Reads the name, UUID, memory and vCPUs of a domain definition, which is
 * all placement needs. Returns: (transfer full): the parsed fields.
 */
shoalDomainXML *
shoalDomainXMLParse(const char *xml, GError **error)
{
    g_autoptr(shoalDomainXML) def = g_new0(shoalDomainXML, 1);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autofree char *uuid = NULL;
    xmlNode *root;

    doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *err = xmlGetLastError();

        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: cannot parse domain XML: %1$s"),
                    err && err->message ? g_strchomp(err->message) : "");
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (!root || !xmlStrEqual(root->name, (const xmlChar *) "domain")) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: expected root element 'domain'"));
        return NULL;
    }
    ctx = xmlXPathNewContext(doc);
    def->name = domainXMLString(ctx, "string(/domain/name)");
    if (!def->name) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NAME,
                    _("missing name information: domain XML has no name"));
        return NULL;
    }
    uuid = domainXMLString(ctx, "string(/domain/uuid)");
    if (uuid) {
        if (!shoalUUIDParse(uuid, def->uuid)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                        _("XML error: malformed uuid element"));
            return NULL;
        }
        def->hasUUID = true;
    }
    if (!domainXMLMemory(ctx, &def->memoryKiB, error) ||
        !domainXMLVcpus(ctx, def, error))
        return NULL;
    return g_steal_pointer(&def);
}
