/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_groupmeta.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "cluster_metadata.h"
#include "util_cleanup.h"
#include "util_error.h"

void
shoalGroupMetadataFree(shoalGroupMetadata *meta)
{
    if (!meta)
        return;
    g_free(meta->name);
    g_free(meta);
}

/* One attribute of the group element as an unsigned in [lo, hi], or
 * @def when absent; the error names the attribute. */
static bool
groupMetaNumber(xmlNode *node,
                const char *attr,
                unsigned lo,
                unsigned hi,
                unsigned def,
                unsigned *out,
                GError **error)
{
    g_autofree char *text = NULL;
    guint64 n = 0;

    {
        xmlChar *v = xmlGetProp(node, (const xmlChar *) attr);

        text = v ? g_strdup((const char *) v) : NULL;
        xmlFree(v);
    }
    if (!text) {
        *out = def;
        return true;
    }
    if (!g_ascii_string_to_unsigned(text, 10, lo, hi, &n, NULL)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: group %1$s '%2$s' is not a number from %3$u to %4$u"),
                    attr, text, lo, hi);
        return false;
    }
    *out = (unsigned) n;
    return true;
}

static bool
groupMetaName(xmlNode *node, shoalGroupMetadata *group, GError **error)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *) "name");
    const char *p;

    group->name = v ? g_strdup((const char *) v) : NULL;
    xmlFree(v);
    for (p = group->name; p && *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            break;
    }
    if (!group->name || !*group->name || *p) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: group name '%1$s' must be letters, digits, '-' or '_'"),
                    group->name ? group->name : "");
        return false;
    }
    return true;
}

static bool
groupMetaFill(xmlXPathContext *ctx,
              xmlNode *node,
              shoalGroupMetadata *group,
              GError **error)
{
    g_autoptr(xmlXPathObject) disks = NULL;
    xmlChar *spread;

    if (!groupMetaName(node, group, error) ||
        !groupMetaNumber(node, "min", 0, SHOAL_GROUP_MAX_MEMBERS, 1,
                         &group->min, error) ||
        !groupMetaNumber(node, "max", 1, SHOAL_GROUP_MAX_MEMBERS,
                         MAX(group->min, 1), &group->max, error) ||
        !groupMetaNumber(node, "target-cpu", 1, 100,
                         SHOAL_GROUP_DEFAULT_TARGET_CPU, &group->targetCpu,
                         error) ||
        !groupMetaNumber(node, "scale-in-grace", 0, 86400,
                         SHOAL_GROUP_DEFAULT_GRACE, &group->graceSeconds,
                         error))
        return false;
    if (group->min > group->max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: group min %1$u is above its max %2$u"),
                    group->min, group->max);
        return false;
    }
    spread = xmlGetProp(node, (const xmlChar *) "spread");
    group->spread = !spread || !xmlStrEqual(spread, (const xmlChar *) "no");
    xmlFree(spread);
    /* a clone overlays each disk on its pool: any other disk (a block
     * device, a network disk) cannot be cloned */
    disks =
        xmlXPathEvalExpression((const xmlChar
                                    *) "count(/domain/devices/disk[not(@device) or "
                                       "@device='disk'][not(@type='file' or "
                                       "@type='volume')])",
                               ctx);
    if (disks && disks->type == XPATH_NUMBER && disks->floatval > 0)
        group->unpooledDisks = (unsigned) disks->floatval;
    return true;
}

/**
 * shoalGroupMetadataParse:
 * @group: (out) (transfer full) (nullable): the group, NULL when the
 *   domain declares none
 *
 * Reads the group element of Shoal's placement metadata. Bad values are
 * errors naming the attribute, so a define refuses them.
 */
bool
shoalGroupMetadataParse(const char *domainXml,
                        shoalGroupMetadata **group,
                        GError **error)
{
    g_autoptr(shoalGroupMetadata) out = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) obj = NULL;

    *group = NULL;
    if (!(ctx = shoalPlacementMetadataContext(domainXml, &doc, error)))
        return false;
    obj =
        xmlXPathEvalExpression((const xmlChar *) "/domain/metadata/s:placement/"
                                                 "*[local-name()='group']",
                               ctx);
    if (!obj || !obj->nodesetval || obj->nodesetval->nodeNr == 0)
        return true;
    if (obj->nodesetval->nodeNr > 1) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_XML_ERROR,
                    _("XML error: a domain is the template of one group at most"));
        return false;
    }
    out = g_new0(shoalGroupMetadata, 1);
    if (!groupMetaFill(ctx, obj->nodesetval->nodeTab[0], out, error))
        return false;
    *group = g_steal_pointer(&out);
    return true;
}
