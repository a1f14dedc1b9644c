/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The objects domains need and hosts have, for the scheduler snapshot.
 * Hosts are asked only for the kinds some domain needs, so a cluster
 * whose domains need nothing pays nothing.
 */
#include <config.h>

#include "cluster_objectneeds.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "cluster_internal.h"
#include "cluster_storage.h"
#include "cluster_xpath.h"
#include "util_cleanup.h"
#include "util_error.h"

typedef struct {
    char *name;
    char *target; /* its target path, "" if none */
    bool shared;
    GStrv secrets; /* UUIDs of its source's <auth> secrets */
} needsPool;

struct _shoalNeedsPools {
    GPtrArray *pools; /* of needsPool */
};

static void
needsPoolFree(needsPool *pool)
{
    g_free(pool->name);
    g_free(pool->target);
    g_strfreev(pool->secrets);
    g_free(pool);
}

/* Sets the target path ("" if none) and the secrets of @pool from its
 * definition. */
static void
needsPoolParse(needsPool *pool, const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctx = NULL;
    g_autoptr(xmlXPathObject) target = NULL;
    g_autoptr(xmlXPathObject) secrets = NULL;
    g_autoptr(GStrvBuilder) uuids = g_strv_builder_new();
    int i;

    pool->target = g_strdup("");
    if (xml)
        doc = xmlReadMemory(xml, strlen(xml), "pool.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    if (doc && (ctx = xmlXPathNewContext(doc))) {
        target =
            xmlXPathEvalExpression((const xmlChar *) "string(/pool/target/path)",
                                   ctx);
        secrets =
            xmlXPathEvalExpression((const xmlChar
                                        *) "/pool/source/auth/secret/@uuid",
                                   ctx);
    }
    if (target && target->type == XPATH_STRING && target->stringval) {
        g_free(pool->target);
        pool->target = g_strdup((const char *) target->stringval);
    }
    for (i = 0;
         secrets && secrets->nodesetval && i < secrets->nodesetval->nodeNr;
         i++) {
        xmlChar *v = xmlNodeGetContent(secrets->nodesetval->nodeTab[i]);

        if (v && *v)
            g_strv_builder_add(uuids, (const char *) v);
        xmlFree(v);
    }
    pool->secrets = g_strv_builder_end(uuids);
}

/* Returns: (transfer full): Shoal's pools, with their targets. */
shoalNeedsPools *
shoalNeedsPoolsNew(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) refs =
        shoalClusterObjectList(cluster, SHOAL_OBJECT_POOL, 0);
    shoalNeedsPools *pools = g_new0(shoalNeedsPools, 1);
    guint i;

    pools->pools =
        g_ptr_array_new_with_free_func((GDestroyNotify) needsPoolFree);
    for (i = 0; i < refs->len; i++) {
        const shoalObjectRef *ref = refs->pdata[i];
        g_autofree char *xml =
            shoalClusterObjectGetDefinition(cluster, SHOAL_OBJECT_POOL,
                                            ref->uuid);
        needsPool *pool = g_new0(needsPool, 1);

        pool->name = g_strdup(ref->name);
        needsPoolParse(pool, xml);
        pool->shared = shoalClusterPoolIsShared(cluster, ref->uuid);
        g_ptr_array_add(pools->pools, pool);
    }
    return pools;
}

void
shoalNeedsPoolsFree(shoalNeedsPools *pools)
{
    if (!pools)
        return;
    g_ptr_array_unref(pools->pools);
    g_free(pools);
}

static const needsPool *
needsFindPool(const shoalNeedsPools *pools, const char *name)
{
    guint i;

    for (i = 0; i < pools->pools->len; i++) {
        const needsPool *pool = pools->pools->pdata[i];

        if (g_str_equal(pool->name, name))
            return pool;
    }
    return NULL;
}

/* The pool whose target directory holds @path; NULL if none. */
static const needsPool *
needsFindPoolOfPath(const shoalNeedsPools *pools,
                    const char *path,
                    const char **volume)
{
    guint i;

    for (i = 0; i < pools->pools->len; i++) {
        const needsPool *pool = pools->pools->pdata[i];
        size_t len = strlen(pool->target);

        /* a dir pool's volumes are the files directly in its target */
        while (len > 1 && pool->target[len - 1] == '/')
            len--;
        if (len > 0 && strncmp(path, pool->target, len) == 0 &&
            path[len] == '/' && path[len + 1] && !strchr(path + len + 1, '/')) {
            *volume = path + len + 1;
            return pool;
        }
    }
    return NULL;
}

/* Whether @name is one of Shoal's pools. */
bool
shoalNeedsPoolsHas(const shoalNeedsPools *pools, const char *name)
{
    return needsFindPool(pools, name) != NULL;
}

/* The name of the Shoal pool whose target holds @path; NULL if none. */
const char *
shoalNeedsPoolsOfPath(const shoalNeedsPools *pools, const char *path)
{
    const char *volume = NULL;
    const needsPool *pool = needsFindPoolOfPath(pools, path, &volume);

    return pool ? pool->name : NULL;
}

static void
needsAdd(GPtrArray *list, const char *name)
{
    if (!g_ptr_array_find_with_equal_func(list, name, g_str_equal, NULL))
        g_ptr_array_add(list, g_strdup(name));
}

/* A volume of @poolName: the pool, and the volume itself unless every
 * host sees the same volumes. A pool Shoal does not manage is taken as
 * local: the same name on two hosts need not hold the same files. */
static void
needsAddVolume(const shoalNeedsPools *pools,
               const char *poolName,
               const char *volume,
               GPtrArray *poolList,
               GPtrArray *volumeList,
               GPtrArray *secretList)
{
    const needsPool *pool = needsFindPool(pools, poolName);
    g_autofree char *both = NULL;
    size_t i;

    needsAdd(poolList, poolName);
    /* the pool's own secrets (a Ceph or iSCSI login) go with it */
    for (i = 0; pool && pool->secrets[i]; i++)
        needsAdd(secretList, pool->secrets[i]);
    if (pool && pool->shared)
        return;
    both = g_strdup_printf("%s/%s", poolName, volume);
    needsAdd(volumeList, both);
}

static void
needsSet(shoalSchedObjects *out, shoalSchedObjectKind kind, GPtrArray *list)
{
    g_ptr_array_add(list, NULL);
    shoalSchedObjectsSet(out, kind, (const char *const *) list->pdata);
}

/**
 * shoalNeedsResolve:
 * @out: (out caller-allocates): the requirements, set for every kind
 *
 * What a domain needs of its host, from what its definition refers to.
 * A file outside Shoal's pools needs nothing Shoal can judge.
 */
void
shoalNeedsResolve(const shoalNeedsPools *pools,
                  const shoalDomainNeeds *needs,
                  shoalSchedObjects *out)
{
    g_autoptr(GPtrArray) poolList = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) volumeList = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) secretList = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    for (i = 0; needs->poolVolumes && needs->poolVolumes[i]; i++) {
        const char *item = needs->poolVolumes[i];
        const char *slash = strchr(item, '/');
        g_autofree char *poolName = g_strndup(item, slash - item);

        needsAddVolume(pools, poolName, slash + 1, poolList, volumeList,
                       secretList);
    }
    for (i = 0; needs->paths && needs->paths[i]; i++) {
        const char *volume = NULL;
        const needsPool *pool =
            needsFindPoolOfPath(pools, needs->paths[i], &volume);

        if (pool)
            needsAddVolume(pools, pool->name, volume, poolList, volumeList,
                           secretList);
    }
    needsSet(out, SHOAL_SCHED_OBJECT_POOL, poolList);
    needsSet(out, SHOAL_SCHED_OBJECT_VOLUME, volumeList);
    shoalSchedObjectsSet(out, SHOAL_SCHED_OBJECT_NETWORK,
                         (const char *const *) needs->networks);
    for (i = 0; needs->secrets && needs->secrets[i]; i++)
        needsAdd(secretList, needs->secrets[i]);
    needsSet(out, SHOAL_SCHED_OBJECT_SECRET, secretList);
}

/* The union of every domain's requirements and @extra's, per kind. */
static GHashTable **
needsUnion(const shoalSchedSnapshot *snap, const shoalSchedObjects *extra)
{
    GHashTable **all = g_new0(GHashTable *, SHOAL_SCHED_OBJECT_LAST);
    unsigned k;
    guint i;
    size_t j;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        all[k] = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i <= snap->domains->len; i++) {
        const shoalSchedObjects *req =
            i < snap->domains->len
                ? &((const shoalSchedDomain *) snap->domains->pdata[i])->requires
                : extra;

        for (k = 0; req && k < SHOAL_SCHED_OBJECT_LAST; k++)
            for (j = 0; req->names[k] && req->names[k][j]; j++)
                g_hash_table_add(all[k], req->names[k][j]);
    }
    return all;
}

static void
needsUnionFree(GHashTable **all)
{
    unsigned k;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        g_hash_table_unref(all[k]);
    g_free(all);
}

/* The names of @conn's active pools, networks or secrets, as @kind. */
static void
needsListHost(virConnectPtr conn, shoalSchedObjectKind kind, GPtrArray *out)
{
    int n = -1;
    int i;

    if (kind == SHOAL_SCHED_OBJECT_POOL) {
        virStoragePoolPtr *pools = NULL;

        n = virConnectListAllStoragePools(conn, &pools,
                                          VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
        for (i = 0; i < n; i++) {
            g_ptr_array_add(out, g_strdup(virStoragePoolGetName(pools[i])));
            virStoragePoolFree(pools[i]);
        }
        free(pools);
    } else if (kind == SHOAL_SCHED_OBJECT_NETWORK) {
        virNetworkPtr *nets = NULL;

        n = virConnectListAllNetworks(conn, &nets,
                                      VIR_CONNECT_LIST_NETWORKS_ACTIVE);
        for (i = 0; i < n; i++) {
            g_ptr_array_add(out, g_strdup(virNetworkGetName(nets[i])));
            virNetworkFree(nets[i]);
        }
        free(nets);
    } else if (kind == SHOAL_SCHED_OBJECT_SECRET) {
        virSecretPtr *secrets = NULL;

        n = virConnectListAllSecrets(conn, &secrets, 0);
        for (i = 0; i < n; i++) {
            char uuid[VIR_UUID_STRING_BUFLEN];

            if (virSecretGetUUIDString(secrets[i], uuid) == 0)
                g_ptr_array_add(out, g_strdup(uuid));
            virSecretFree(secrets[i]);
        }
        free(secrets);
    }
    if (n < 0)
        virResetLastError();
}

/* Whether @conn has volume "pool/volume" @item in an active pool. */
static bool
needsHostHasVolume(virConnectPtr conn, const char *item)
{
    const char *slash = strchr(item, '/');
    g_autofree char *poolName = g_strndup(item, slash - item);
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, poolName);
    virStorageVolPtr vol = NULL;
    bool found = false;

    if (pool && virStoragePoolIsActive(pool) == 1)
        vol = virStorageVolLookupByName(pool, slash + 1);
    found = vol != NULL;
    if (vol)
        virStorageVolFree(vol);
    if (pool)
        virStoragePoolFree(pool);
    virResetLastError();
    return found;
}

/* Sets what @conn has of @all on @objs. */
static void
needsFillHost(virConnectPtr conn, GHashTable **all, shoalSchedObjects *objs)
{
    unsigned k;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++) {
        g_autoptr(GPtrArray) have = g_ptr_array_new_with_free_func(g_free);

        if (g_hash_table_size(all[k]) == 0)
            continue;
        if (k == SHOAL_SCHED_OBJECT_VOLUME) {
            GHashTableIter iter;
            gpointer item;

            g_hash_table_iter_init(&iter, all[k]);
            while (g_hash_table_iter_next(&iter, &item, NULL))
                if (needsHostHasVolume(conn, item))
                    g_ptr_array_add(have, g_strdup(item));
            g_ptr_array_sort(have, (GCompareFunc) g_strcmp0);
        } else {
            needsListHost(conn, k, have);
        }
        needsSet(objs, k, have);
    }
}

/**
 * shoalClusterFillHostObjects:
 * @extra: (nullable): requirements of a domain not in @snap (a new one)
 *
 * Sets each online node's objects: of the kinds some domain of @snap (or
 * @extra) needs, those its host has active. Asks the hosts: not under
 * any lock. Any thread.
 */
void
shoalClusterFillHostObjects(shoalCluster *cluster,
                            shoalSchedSnapshot *snap,
                            const shoalSchedObjects *extra)
{
    GHashTable **all = needsUnion(snap, extra);
    bool any = false;
    unsigned k;
    guint i;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        any = any || g_hash_table_size(all[k]) > 0;
    for (i = 0; any && i < snap->nodes->len; i++) {
        shoalSchedNode *node = snap->nodes->pdata[i];
        g_autoptr(shoalHost) host = NULL;
        virConnectPtr conn;

        shoalSchedObjectsClear(&node->objects);
        if (!node->online ||
            !(host = shoalClusterLookupHost(cluster, node->name, NULL)) ||
            !(conn = shoalHostGetConnection(host, NULL)))
            continue;
        needsFillHost(conn, all, &node->objects);
        virConnectClose(conn);
    }
    needsUnionFree(all);
}

/**
 * shoalClusterCheckObjects:
 *
 * Whether host @hostName has every object the stored definition of
 * @uuid needs: the check of a move to a destination the client chose.
 * A domain without a stored definition passes.
 */
bool
shoalClusterCheckObjects(shoalCluster *cluster,
                         const unsigned char *uuid,
                         const char *domName,
                         const char *hostName,
                         GError **error)
{
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(shoalDomainNeeds) needs = NULL;
    g_autoptr(shoalNeedsPools) pools = NULL;
    g_autoptr(shoalSchedSnapshot) snap = shoalSchedSnapshotNew();
    g_autofree char *why = NULL;
    shoalSchedDomain *dom;
    shoalSchedNode *node;
    shoalSchedObjectKind kind;
    const char *missing;

    if (!cluster->store ||
        !(sd = shoalStoreLookup(cluster->store, uuid, NULL)) ||
        !(needs = shoalDomainNeedsParse(sd->xml)))
        return true;
    pools = shoalNeedsPoolsNew(cluster);
    dom = shoalSchedDomainNew(domName);
    shoalNeedsResolve(pools, needs, &dom->requires);
    g_ptr_array_add(snap->domains, dom);
    node = shoalSchedNodeNew(hostName);
    g_ptr_array_add(snap->nodes, node);
    shoalClusterFillHostObjects(cluster, snap, NULL);
    if (!shoalSchedObjectsFindMissing(&node->objects, &dom->requires, &kind,
                                      &missing))
        return true;
    why = shoalSchedObjectsMissingReason(hostName, kind, missing);
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                _("Requested operation is not valid: domain '%1$s' cannot run on host '%2$s': %3$s"),
                domName, hostName, why);
    return false;
}
