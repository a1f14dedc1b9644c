/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disk formats at define (issue 11): virt-install and virt-manager write
 * no <driver type=...> for a disk unless the URI's scheme is qemu, and
 * the host then takes a qcow2 volume as raw. For a disk on a volume of a
 * pool Shoal manages, the volume's own format is written in; an explicit
 * type is never changed.
 */
#include <config.h>

#include "cluster_diskformat.h"

#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "cluster_objectneeds.h"
#include "cluster_xpath.h"
#include "util_cleanup.h"

/* The image formats QEMU opens a disk with; a pool's other volume
 * formats (partitions, LVM) say nothing about the guest's disk. */
static const char *const diskFormats[] = {
    "raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi", "ploop", NULL,
};

/* The image format of @vol, or NULL. */
static char *
diskFormatOfVolume(virStorageVolPtr vol)
{
    g_autofree char *xml = virStorageVolGetXMLDesc(vol, 0);
    g_autofree char *format =
        shoalXPathString(xml, "string(/volume/target/format/@type)");

    if (!format || !g_strv_contains(diskFormats, format))
        return NULL;
    return g_steal_pointer(&format);
}

/* The volume @disk's <source> names, if it is in one of Shoal's pools. */
static virStorageVolPtr
diskFormatLookup(virConnectPtr conn,
                 const shoalNeedsPools *pools,
                 xmlNode *disk,
                 xmlNode *source)
{
    g_autofree xmlChar *type = xmlGetProp(disk, (const xmlChar *) "type");
    virStorageVolPtr vol = NULL;

    if (type && xmlStrEqual(type, (const xmlChar *) "volume")) {
        g_autofree xmlChar *poolName =
            xmlGetProp(source, (const xmlChar *) "pool");
        g_autofree xmlChar *volName =
            xmlGetProp(source, (const xmlChar *) "volume");
        virStoragePoolPtr pool;

        if (!poolName || !volName ||
            !shoalNeedsPoolsHas(pools, (const char *) poolName) ||
            !(pool = virStoragePoolLookupByName(conn, (const char *) poolName)))
            return NULL;
        vol = virStorageVolLookupByName(pool, (const char *) volName);
        virStoragePoolFree(pool);
    } else if (type && xmlStrEqual(type, (const xmlChar *) "file")) {
        g_autofree xmlChar *file = xmlGetProp(source, (const xmlChar *) "file");

        if (!file || !shoalNeedsPoolsOfPath(pools, (const char *) file))
            return NULL;
        vol = virStorageVolLookupByPath(conn, (const char *) file);
    }
    return vol;
}

static xmlNode *
diskFormatChild(xmlNode *parent, const char *name)
{
    xmlNode *child;

    for (child = parent->children; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE &&
            xmlStrEqual(child->name, (const xmlChar *) name))
            return child;
    return NULL;
}

/* Writes the volume's format into @disk unless it has a type. Returns
 * whether it did. */
static bool
diskFormatFillOne(virConnectPtr conn,
                  const shoalNeedsPools *pools,
                  xmlNode *disk)
{
    xmlNode *source = diskFormatChild(disk, "source");
    xmlNode *driver = diskFormatChild(disk, "driver");
    g_autofree char *format = NULL;
    virStorageVolPtr vol;

    if (!source || (driver && xmlHasProp(driver, (const xmlChar *) "type")))
        return false;
    if (!(vol = diskFormatLookup(conn, pools, disk, source))) {
        /* not a volume this host has: the host judges the disk */
        virResetLastError();
        return false;
    }
    format = diskFormatOfVolume(vol);
    virStorageVolFree(vol);
    virResetLastError();
    if (!format)
        return false;
    if (!driver) {
        driver = xmlNewNode(NULL, (const xmlChar *) "driver");
        xmlNewProp(driver, (const xmlChar *) "name", (const xmlChar *) "qemu");
        if (disk->children)
            xmlAddPrevSibling(disk->children, driver);
        else
            xmlAddChild(disk, driver);
    }
    xmlNewProp(driver, (const xmlChar *) "type", (const xmlChar *) format);
    return true;
}

/**
 * shoalClusterDiskFormatFill:
 * @conn: the host the domain is defined on
 *
 * Returns: (transfer full) (nullable): @xml with the format of every
 *   disk on a volume of Shoal's pools that had none; NULL if nothing
 *   was missing (or @xml is not XML: the host says why).
 */
char *
shoalClusterDiskFormatFill(shoalCluster *cluster,
                           virConnectPtr conn,
                           const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) disks = NULL;
    g_autoptr(shoalNeedsPools) pools = NULL;
    bool changed = false;
    char *out = NULL;
    xmlBuffer *buf;
    int i;

    if (!xml)
        return NULL;
    doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctx = xmlXPathNewContext(doc)))
        return NULL;
    disks =
        xmlXPathEvalExpression((const xmlChar
                                    *) "/domain/devices/disk[(@type='file' or "
                                       "@type='volume') and (not(@device) or "
                                       "@device='disk')]",
                               ctx);
    if (!disks || !disks->nodesetval || disks->nodesetval->nodeNr == 0)
        return NULL;
    pools = shoalNeedsPoolsNew(cluster);
    for (i = 0; i < disks->nodesetval->nodeNr; i++)
        changed =
            diskFormatFillOne(conn, pools, disks->nodesetval->nodeTab[i]) ||
            changed;
    if (!changed)
        return NULL;
    buf = xmlBufferCreate();
    if (xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) >= 0)
        out = g_strdup((const char *) xmlBufferContent(buf));
    xmlBufferFree(buf);
    return out;
}
