/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Elastic groups: adding and removing a member (issue 12 part 5).
 *
 * A member is a clone of the group's template: its own name and UUID,
 * no MAC addresses (its hosts give new ones), each disk a copy-on-write
 * qcow2 overlay of the template's on the same cluster pool, and in its
 * placement metadata no group but <member group= template=/> (which
 * survives a restart with the stored definition) and, unless the group
 * says spread='no', anti-affinity with the other members.
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpathInternals.h>

#include "cluster.h"
#include "cluster_domainneeds.h"
#include "cluster_group.h"
#include "cluster_groupmeta.h"
#include "cluster_metadata.h"
#include "cluster_objectneeds.h"
#include "cluster_storage.h"
#include "util_cleanup.h"
#include "util_error.h"

/* The overlays a clone made so far: deleted if it fails half-way. */
typedef struct {
    shoalCluster *cluster; /* borrowed */
    GPtrArray *vols;       /* of shoalVolRef */
    bool keep;
} groupOverlays;

static void
groupOverlaysClear(groupOverlays *o)
{
    guint i;

    for (i = 0; !o->keep && o->vols && i < o->vols->len; i++) {
        g_autoptr(GError) error = NULL;

        if (!shoalClusterVolDelete(o->cluster, o->vols->pdata[i], 0, &error))
            g_warning("cannot delete overlay '%s': %s",
                      ((shoalVolRef *) o->vols->pdata[i])->name,
                      error->message);
    }
    g_clear_pointer(&o->vols, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(groupOverlays, groupOverlaysClear)

/* The pool and volume of a template disk's <source>. */
static shoalVolRef *
groupDiskVolume(shoalCluster *cluster,
                const shoalNeedsPools *pools,
                xmlNode *disk,
                xmlNode *source,
                GError **error)
{
    g_autofree xmlChar *type = xmlGetProp(disk, (const xmlChar *) "type");
    g_autofree xmlChar *file = xmlGetProp(source, (const xmlChar *) "file");
    g_autofree xmlChar *pool = xmlGetProp(source, (const xmlChar *) "pool");
    g_autofree xmlChar *vol = xmlGetProp(source, (const xmlChar *) "volume");
    g_autoptr(shoalObjectRef) ref = NULL;

    if (type && xmlStrEqual(type, (const xmlChar *) "file") && file &&
        shoalNeedsPoolsOfPath(pools, (const char *) file))
        return shoalClusterVolLookupByPath(cluster, (const char *) file, error);
    if (type && xmlStrEqual(type, (const xmlChar *) "volume") && pool && vol &&
        (ref = shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_POOL,
                                              (const char *) pool, error)))
        return shoalClusterVolLookupByName(cluster, ref->uuid,
                                           (const char *) vol, error);
    if (error && !*error)
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: a group template disk is not on a cluster pool"));
    return NULL;
}

/* A qcow2 overlay of @base in its pool, named after the member. */
static shoalVolRef *
groupOverlayCreate(shoalCluster *cluster,
                   const shoalVolRef *base,
                   const char *member,
                   const char *format,
                   char **path,
                   GError **error)
{
    virStorageVolInfo info;
    g_autofree char *basePath = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(shoalObjectRef) pool = NULL;
    shoalVolRef *vol;

    if (!shoalClusterVolGetInfo(cluster, base, 0, &info, error) ||
        !(basePath = shoalClusterVolGetPath(cluster, base, error)) ||
        !(pool = shoalClusterObjectLookupByName(cluster, SHOAL_OBJECT_POOL,
                                                base->pool, error)))
        return NULL;
    xml =
        g_markup_printf_escaped("<volume><name>%s-%s.qcow2</name>"
                                "<capacity unit='bytes'>%llu</capacity>"
                                "<target><format type='qcow2'/></target>"
                                "<backingStore><path>%s</path><format type='%s'/></backingStore>"
                                "</volume>",
                                member, base->name,
                                (unsigned long long) info.capacity, basePath,
                                format);
    if (!(vol = shoalClusterVolCreateXML(cluster, pool->uuid, xml, NULL, 0,
                                         error)))
        return NULL;
    if (!(*path = shoalClusterVolGetPath(cluster, vol, error))) {
        shoalClusterVolDelete(cluster, vol, 0, NULL);
        shoalVolRefFree(vol);
        return NULL;
    }
    return vol;
}

/* Each disk of the clone on an overlay of the template's. */
static bool
groupCloneDisks(shoalCluster *cluster,
                xmlXPathContext *ctx,
                const char *member,
                groupOverlays *overlays,
                GError **error)
{
    g_autoptr(shoalNeedsPools) pools = shoalNeedsPoolsNew(cluster);
    g_autoptr(xmlXPathObject) disks =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/devices/disk[not(@device) or "
                                       "@device='disk'][source]",
                               ctx);
    int i;

    for (i = 0; disks && disks->nodesetval && i < disks->nodesetval->nodeNr;
         i++) {
        xmlNode *disk = disks->nodesetval->nodeTab[i];
        xmlNode *source = NULL;
        xmlNode *driver = NULL;
        xmlNode *child;
        g_autoptr(shoalVolRef) base = NULL;
        g_autofree char *path = NULL;
        g_autofree xmlChar *format = NULL;
        shoalVolRef *vol;

        for (child = disk->children; child; child = child->next) {
            if (xmlStrEqual(child->name, (const xmlChar *) "source"))
                source = child;
            else if (xmlStrEqual(child->name, (const xmlChar *) "driver"))
                driver = child;
        }
        format = driver ? xmlGetProp(driver, (const xmlChar *) "type") : NULL;
        if (!(base = groupDiskVolume(cluster, pools, disk, source, error)) ||
            !(vol = groupOverlayCreate(cluster, base, member,
                                       format ? (const char *) format : "raw",
                                       &path, error)))
            return false;
        g_ptr_array_add(overlays->vols, vol);
        xmlSetProp(disk, (const xmlChar *) "type", (const xmlChar *) "file");
        xmlUnsetProp(source, (const xmlChar *) "pool");
        xmlUnsetProp(source, (const xmlChar *) "volume");
        xmlSetProp(source, (const xmlChar *) "file", (const xmlChar *) path);
        if (driver)
            xmlSetProp(driver, (const xmlChar *) "type",
                       (const xmlChar *) "qcow2");
    }
    return true;
}

/* Unlinks every node @expr selects. */
static void
groupRemoveNodes(xmlXPathContext *ctx, const char *expr)
{
    g_autoptr(xmlXPathObject) obj =
        xmlXPathEvalExpression((const xmlChar *) expr, ctx);
    int i;

    for (i = 0; obj && obj->nodesetval && i < obj->nodesetval->nodeNr; i++) {
        xmlUnlinkNode(obj->nodesetval->nodeTab[i]);
        xmlFreeNode(obj->nodesetval->nodeTab[i]);
        obj->nodesetval->nodeTab[i] = NULL;
    }
}

/* Name, UUID, MACs and placement metadata of the clone. */
static void
groupCloneIdentity(xmlXPathContext *ctx,
                   const shoalGroupMetadata *group,
                   const char *template,
                   const char *member)
{
    g_autoptr(xmlXPathObject) name =
        xmlXPathEvalExpression((const xmlChar *) "/domain/name", ctx);
    g_autoptr(xmlXPathObject) placement =
        xmlXPathEvalExpression((const xmlChar *) "/domain/metadata/s:placement",
                               ctx);
    xmlNode *node;

    if (name && name->nodesetval && name->nodesetval->nodeNr > 0)
        xmlNodeSetContent(name->nodesetval->nodeTab[0],
                          (const xmlChar *) member);
    groupRemoveNodes(ctx, "/domain/uuid | /domain/devices/interface/mac | "
                          "/domain/metadata/s:placement/*[local-name()="
                          "'group']");
    if (!placement || !placement->nodesetval ||
        placement->nodesetval->nodeNr == 0)
        return;
    node = xmlNewChild(placement->nodesetval->nodeTab[0], NULL,
                       (const xmlChar *) "member", NULL);
    xmlSetProp(node, (const xmlChar *) "group", (const xmlChar *) group->name);
    xmlSetProp(node, (const xmlChar *) "template", (const xmlChar *) template);
    if (group->spread) {
        g_autofree char *anti = g_strconcat("group-", group->name, NULL);

        node = xmlNewChild(placement->nodesetval->nodeTab[0], NULL,
                           (const xmlChar *) "anti-affinity", NULL);
        xmlSetProp(node, (const xmlChar *) "group", (const xmlChar *) anti);
    }
}

/* The clone's XML, with its overlays made (in @overlays). */
static char *
groupCloneXML(shoalCluster *cluster,
              const char *templateXml,
              const char *template,
              const char *member,
              groupOverlays *overlays,
              GError **error)
{
    g_autoptr(shoalGroupMetadata) group = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    xmlChar *out = NULL;
    int len = 0;
    char *xml;

    if (!shoalGroupMetadataParse(templateXml, &group, error))
        return NULL;
    if (!group) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: domain '%1$s' is not a group template"),
                    template);
        return NULL;
    }
    if (!(ctx = shoalPlacementMetadataContext(templateXml, &doc, error)) ||
        !groupCloneDisks(cluster, ctx, member, overlays, error))
        return NULL;
    groupCloneIdentity(ctx, group, template, member);
    xmlDocDumpMemory(doc, &out, &len);
    xml = g_strndup((const char *) out, len);
    xmlFree(out);
    return xml;
}

/**
 * shoalClusterGroupAddMember:
 * @template: the template domain's name
 * @member: the new member's name
 *
 * Clones the template (see the top of this file), defines the clone on
 * the host placement picks and starts it. A clone that fails half-way is
 * undefined and its overlays deleted: nothing of it stays.
 *
 * Returns: (transfer full): the member, or NULL with @error set.
 */
shoalDomainRef *
shoalClusterGroupAddMember(shoalCluster *cluster,
                           const char *template,
                           const char *member,
                           GError **error)
{
    g_autoptr(shoalDomainRef) tmpl = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autofree char *templateXml = NULL;
    g_autofree char *xml = NULL;
    g_auto(groupOverlays) overlays = {
        cluster,
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalVolRefFree), false
    };

    if (!(tmpl = shoalClusterLookupDomainByName(cluster, template, error)) ||
        !(templateXml =
              shoalClusterDomainGetXMLDesc(cluster, tmpl->uuid,
                                           VIR_DOMAIN_XML_INACTIVE, error)) ||
        !(xml = groupCloneXML(cluster, templateXml, template, member, &overlays,
                              error)) ||
        !(ref = shoalClusterDomainDefine(cluster, xml, 0, error)))
        return NULL;
    if (!shoalClusterDomainApply(cluster, ref->uuid, SHOAL_DOMAIN_OP_CREATE, 0,
                                 0, error)) {
        g_autoptr(GError) undefError = NULL;

        if (!shoalClusterDomainUndefine(cluster, ref->uuid, 0, &undefError))
            g_warning("cannot undefine member '%s' that did not start: %s",
                      member, undefError->message);
        return NULL;
    }
    overlays.keep = true;
    g_message("group template '%s': member '%s' added", template, member);
    return g_steal_pointer(&ref);
}

/* Whether the member is shut off, polled until @deadline (monotonic). */
static bool
groupWaitShutoff(shoalCluster *cluster,
                 const unsigned char *uuid,
                 gint64 deadline)
{
    for (;;) {
        int state = VIR_DOMAIN_NOSTATE;
        int reason = 0;

        if (!shoalClusterDomainGetState(cluster, uuid, &state, &reason, NULL) ||
            state == VIR_DOMAIN_SHUTOFF)
            return true;
        if (g_get_monotonic_time() >= deadline)
            return false;
        g_usleep(G_USEC_PER_SEC / 5);
    }
}

/**
 * shoalClusterGroupRemoveMember:
 * @member: the member's name
 * @graceSeconds: how long its guest may take to shut down
 *
 * Shuts the member down, destroys it when the grace period is over,
 * undefines it and deletes its overlays. Blocks for up to the grace
 * period: call it from a worker.
 */
bool
shoalClusterGroupRemoveMember(shoalCluster *cluster,
                              const char *member,
                              unsigned graceSeconds,
                              GError **error)
{
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(shoalDomainNeeds) needs = NULL;
    gint64 deadline =
        g_get_monotonic_time() + (gint64) graceSeconds * G_USEC_PER_SEC;
    guint i;

    if (!(ref = shoalClusterLookupDomainByName(cluster, member, error)) ||
        !(xml = shoalClusterDomainGetXMLDesc(cluster, ref->uuid,
                                             VIR_DOMAIN_XML_INACTIVE, error)))
        return false;
    needs = shoalDomainNeedsParse(xml);
    if (shoalClusterDomainIsActive(cluster, ref->uuid, NULL) == 1) {
        /* a guest that ignores the request is destroyed after the grace */
        shoalClusterDomainApply(cluster, ref->uuid, SHOAL_DOMAIN_OP_SHUTDOWN, 0,
                                0, NULL);
        if (!groupWaitShutoff(cluster, ref->uuid, deadline) &&
            !shoalClusterDomainApply(cluster, ref->uuid,
                                     SHOAL_DOMAIN_OP_DESTROY, 0, 0, error))
            return false;
    }
    if (!shoalClusterDomainUndefine(cluster, ref->uuid, 0, error))
        return false;
    for (i = 0; needs && needs->paths && needs->paths[i]; i++) {
        g_autoptr(shoalVolRef) vol = NULL;
        g_autoptr(GError) volError = NULL;

        if (!(vol = shoalClusterVolLookupByPath(cluster, needs->paths[i],
                                                &volError)) ||
            !shoalClusterVolDelete(cluster, vol, 0, &volError))
            g_warning("cannot delete overlay '%s' of member '%s': %s",
                      needs->paths[i], member, volError->message);
    }
    g_message("member '%s' removed", member);
    return true;
}
