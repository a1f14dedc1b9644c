/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replicated cluster objects: storage pools, networks, secrets and
 * network filters that exist with the same name, UUID and XML on every
 * member host. The definitions live
 * in the store (document "objects"); a change is applied to every online
 * host, define and start all or none; a host that joins or returns is
 * brought up to date before it goes online (shoalClusterObjectsReplay).
 */
#include <config.h>

#include "cluster_objects.h"

#include <glib/gi18n.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_objects_ops.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

#define OBJECTS_DOCUMENT "objects"
#define OBJECTS_VERSION 1
/* How long a change waits for another change of the same kind. */
#define OBJECTS_CLAIM_WAIT_US (120 * G_USEC_PER_SEC)

typedef struct {
    shoalObjectKind kind;
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *xml;      /* the inactive XML, as the first host wrote it back */
    bool active;    /* should run on every host */
    bool autostart; /* set on every host */
    bool removed;   /* undefined: a returning host must drop it too */
    int usageType;  /* secrets: VIR_SECRET_USAGE_TYPE_* */
    /* secrets: the value set through Shoal, or NULL; kept in the store
     * (root-only) so that a returning host gets it; never logged */
    GBytes *value;
    /* removed: the member hosts that have yet to drop it (the marker
     * goes when none is left); NULL: not known, every member */
    GStrv pending;
} objectRecord;

struct _shoalObjectTable {
    GMutex lock;
    GPtrArray *records; /* protected by lock: objectRecord */
    /* protected by lock: a change of that kind is under way on the hosts;
     * one at a time per kind, as a domain's job serializes its changes */
    bool busy[SHOAL_OBJECT_KIND_LAST];
    GCond busyCond;
    /* held while a snapshot of records is written, so writes of two kinds
     * reach the disk in the order they were taken; taken before lock */
    GMutex saveLock;
};

static void
objectRecordFree(objectRecord *rec)
{
    if (!rec)
        return;
    g_free(rec->name);
    g_free(rec->xml);
    g_clear_pointer(&rec->value, g_bytes_unref);
    g_strfreev(rec->pending);
    g_free(rec);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(objectRecord, objectRecordFree)

static objectRecord *
objectRecordCopy(const objectRecord *rec)
{
    objectRecord *copy = g_new0(objectRecord, 1);

    *copy = *rec;
    copy->name = g_strdup(rec->name);
    copy->xml = g_strdup(rec->xml);
    copy->value = rec->value ? g_bytes_ref(rec->value) : NULL;
    copy->pending = g_strdupv(rec->pending);
    return copy;
}

static shoalObjectRef *
objectRefFromRecord(const objectRecord *rec)
{
    shoalObjectRef *ref = shoalObjectRefNew(rec->kind, rec->name, rec->uuid);

    ref->usageType = rec->usageType;
    return ref;
}

shoalObjectRef *
shoalObjectRefNew(shoalObjectKind kind,
                  const char *name,
                  const unsigned char *uuid)
{
    shoalObjectRef *ref = g_new0(shoalObjectRef, 1);

    ref->kind = kind;
    ref->name = g_strdup(name);
    memcpy(ref->uuid, uuid, VIR_UUID_BUFLEN);
    return ref;
}

void
shoalObjectRefFree(shoalObjectRef *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}

void
shoalObjectInfoFree(shoalObjectInfo *info)
{
    if (!info)
        return;
    g_free(info->name);
    g_free(info->uuid);
    g_strfreev(info->hosts);
    g_strfreev(info->running);
    g_strfreev(info->lacking);
    g_free(info);
}

shoalObjectTable *
shoalObjectTableNew(void)
{
    shoalObjectTable *table = g_new0(shoalObjectTable, 1);

    g_mutex_init(&table->lock);
    g_mutex_init(&table->saveLock);
    g_cond_init(&table->busyCond);
    table->records =
        g_ptr_array_new_with_free_func((GDestroyNotify) objectRecordFree);
    return table;
}

void
shoalObjectTableFree(shoalObjectTable *table)
{
    if (!table)
        return;
    g_ptr_array_unref(table->records);
    g_cond_clear(&table->busyCond);
    g_mutex_clear(&table->saveLock);
    g_mutex_clear(&table->lock);
    g_free(table);
}

static shoalObjectKind
objectKindFromString(const char *str)
{
    unsigned k;

    for (k = 0; k < SHOAL_OBJECT_KIND_LAST; k++) {
        if (g_strcmp0(str, shoalObjectKindToString(k)) == 0)
            return k;
    }
    return SHOAL_OBJECT_KIND_LAST;
}

/* Call with table->lock held. Returns: (transfer none) or NULL. */
static objectRecord *
objectFindLocked(shoalObjectTable *table,
                 shoalObjectKind kind,
                 const char *name,
                 const unsigned char *uuid,
                 bool removed)
{
    guint i;

    for (i = 0; i < table->records->len; i++) {
        objectRecord *rec = table->records->pdata[i];

        if (rec->kind != kind || rec->removed != removed)
            continue;
        if (name && !g_str_equal(rec->name, name))
            continue;
        if (uuid && memcmp(rec->uuid, uuid, VIR_UUID_BUFLEN) != 0)
            continue;
        return rec;
    }
    return NULL;
}

static char *
objectTableFormat(shoalObjectTable *table)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *arr = json_object_new_array();
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&table->lock);
    guint i;

    json_object_object_add(root, "version",
                           json_object_new_int(OBJECTS_VERSION));
    json_object_object_add(root, "objects", arr);
    for (i = 0; i < table->records->len; i++) {
        const objectRecord *rec = table->records->pdata[i];
        json_object *obj = json_object_new_object();
        char uuid[VIR_UUID_STRING_BUFLEN];

        shoalUUIDFormat(rec->uuid, uuid);
        json_object_object_add(obj, "kind",
                               json_object_new_string(
                                   shoalObjectKindToString(rec->kind)));
        json_object_object_add(obj, "name", json_object_new_string(rec->name));
        json_object_object_add(obj, "uuid", json_object_new_string(uuid));
        if (rec->xml)
            json_object_object_add(obj, "xml",
                                   json_object_new_string(rec->xml));
        json_object_object_add(obj, "active",
                               json_object_new_boolean(rec->active));
        json_object_object_add(obj, "autostart",
                               json_object_new_boolean(rec->autostart));
        json_object_object_add(obj, "removed",
                               json_object_new_boolean(rec->removed));
        if (rec->kind == SHOAL_OBJECT_SECRET)
            json_object_object_add(obj, "usageType",
                                   json_object_new_int(rec->usageType));
        if (rec->value) {
            gsize len = 0;
            const guchar *data = g_bytes_get_data(rec->value, &len);
            g_autofree char *b64 = g_base64_encode(data, len);

            json_object_object_add(obj, "value", json_object_new_string(b64));
        }
        if (rec->removed && rec->pending) {
            json_object *pending = json_object_new_array();
            guint j;

            for (j = 0; rec->pending[j]; j++)
                json_object_array_add(pending,
                                      json_object_new_string(rec->pending[j]));
            json_object_object_add(obj, "pending", pending);
        }
        json_object_array_add(arr, obj);
    }
    return g_strdup(
        json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
}

static const char *
objectJsonString(json_object *obj, const char *key)
{
    json_object *val = NULL;

    if (!json_object_object_get_ex(obj, key, &val) ||
        !json_object_is_type(val, json_type_string))
        return NULL;
    return json_object_get_string(val);
}

static bool
objectJsonBool(json_object *obj, const char *key)
{
    json_object *val = NULL;

    return json_object_object_get_ex(obj, key, &val) &&
           json_object_get_boolean(val);
}

/* Returns: (transfer full) (nullable): an array of strings; NULL if none. */
static GStrv
objectJsonStrv(json_object *obj, const char *key)
{
    g_autoptr(GStrvBuilder) builder = NULL;
    json_object *arr = NULL;
    size_t i;

    if (!json_object_object_get_ex(obj, key, &arr) ||
        !json_object_is_type(arr, json_type_array))
        return NULL;
    builder = g_strv_builder_new();
    for (i = 0; i < json_object_array_length(arr); i++) {
        json_object *val = json_object_array_get_idx(arr, i);

        if (json_object_is_type(val, json_type_string))
            g_strv_builder_add(builder, json_object_get_string(val));
    }
    return g_strv_builder_end(builder);
}

static bool
objectTableParse(shoalObjectTable *table, const char *data, GError **error)
{
    g_autoptr(json_object) root = json_tokener_parse(data);
    json_object *arr = NULL;
    json_object *version = NULL;
    size_t i;

    if (!root || !json_object_object_get_ex(root, "objects", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("malformed record of cluster objects in the store"));
        return false;
    }
    if (json_object_object_get_ex(root, "version", &version) &&
        json_object_get_int(version) > OBJECTS_VERSION) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("the record of cluster objects was written by a newer version (%1$d)"),
                    json_object_get_int(version));
        return false;
    }
    for (i = 0; i < json_object_array_length(arr); i++) {
        json_object *obj = json_object_array_get_idx(arr, i);
        g_autoptr(objectRecord) rec = g_new0(objectRecord, 1);
        const char *name = objectJsonString(obj, "name");
        const char *uuid = objectJsonString(obj, "uuid");
        json_object *val = NULL;
        const char *b64;

        rec->kind = objectKindFromString(objectJsonString(obj, "kind"));
        if (rec->kind == SHOAL_OBJECT_KIND_LAST || !name || !uuid ||
            !shoalUUIDParse(uuid, rec->uuid)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                        _("malformed record of cluster objects in the store"));
            return false;
        }
        rec->name = g_strdup(name);
        rec->xml = g_strdup(objectJsonString(obj, "xml"));
        rec->active = objectJsonBool(obj, "active");
        rec->autostart = objectJsonBool(obj, "autostart");
        rec->removed = objectJsonBool(obj, "removed");
        if (json_object_object_get_ex(obj, "usageType", &val))
            rec->usageType = json_object_get_int(val);
        if ((b64 = objectJsonString(obj, "value"))) {
            gsize len = 0;
            guchar *raw = g_base64_decode(b64, &len);

            rec->value = g_bytes_new_take(raw, len);
        }
        rec->pending = objectJsonStrv(obj, "pending");
        g_ptr_array_add(table->records, g_steal_pointer(&rec));
    }
    return true;
}

/**
 * shoalClusterObjectsLoad:
 *
 * Before start, once the store is open: reads the stored objects.
 */
bool
shoalClusterObjectsLoad(shoalCluster *cluster, GError **error)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;

    data = shoalStoreGetDocument(cluster->store, OBJECTS_DOCUMENT, &err);
    if (!data) {
        if (err) {
            g_propagate_error(error, g_steal_pointer(&err));
            return false;
        }
        return true;
    }
    return objectTableParse(cluster->objects, data, error);
}

/* Durable before a change returns (invariant 2). */
static bool
objectTableSave(shoalCluster *cluster, GError **error)
{
    shoalObjectTable *table = cluster->objects;
    g_autoptr(GMutexLocker) saver = g_mutex_locker_new(&table->saveLock);
    g_autofree char *json = objectTableFormat(table);

    return shoalStorePutDocument(cluster->store, OBJECTS_DOCUMENT, json, error);
}

static bool
objectClaim(shoalObjectTable *table, shoalObjectKind kind, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + OBJECTS_CLAIM_WAIT_US;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&table->lock);

    while (table->busy[kind]) {
        if (!g_cond_wait_until(&table->busyCond, &table->lock, deadline)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                        _("Timed out during operation: another change of a cluster %1$s is still running"),
                        shoalObjectKindToString(kind));
            return false;
        }
    }
    table->busy[kind] = true;
    return true;
}

static void
objectRelease(shoalObjectTable *table, shoalObjectKind kind)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&table->lock);

    table->busy[kind] = false;
    g_cond_broadcast(&table->busyCond);
}

/* One online host's connection, for a fan-out. */
typedef struct {
    char *name;
    virConnectPtr conn;
} objectHost;

static void
objectHostFree(objectHost *h)
{
    g_free(h->name);
    virConnectClose(h->conn);
    g_free(h);
}

/* Returns: (transfer full): the online hosts, sorted by name. */
static GPtrArray *
objectOnlineHosts(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) objectHostFree);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        virConnectPtr conn = shoalHostGetConnection(host, NULL);
        objectHost *h;

        if (!conn)
            continue;
        h = g_new0(objectHost, 1);
        h->name = g_strdup(host->name);
        h->conn = conn;
        g_ptr_array_add(out, h);
    }
    return out;
}

/**
 * shoalClusterObjectHostError:
 *
 * The host's error of this thread, naming the host: the user must know
 * which one.
 */
void
shoalClusterObjectHostError(GError **error, const char *hostName)
{
    g_autoptr(GError) err = NULL;

    shoalErrorFromLibvirt(&err, hostName);
    if (!strstr(err->message, hostName))
        g_prefix_error(&err, _("host '%1$s': "), hostName);
    g_propagate_error(error, g_steal_pointer(&err));
}

/* Returns: a handle on @uuid on @conn, or NULL (libvirt's error reset). */
static void *
objectLookup(const shoalObjectOps *ops,
             virConnectPtr conn,
             const unsigned char *uuid)
{
    void *obj = ops->lookupByUUID(conn, uuid);

    if (!obj)
        virResetLastError();
    return obj;
}

/*
 * The one loop of the change paths: @apply on every host of @hosts that
 * has the object (a host without it gets it from the replay). The first
 * failure goes to @err, naming its host, and with @stop ends the loop;
 * @took (optional) gets the hosts where @apply returned > 0.
 */
static void
objectEachHost(const shoalObjectOps *ops,
               GPtrArray *hosts,
               const unsigned char *uuid,
               bool stop,
               shoalClusterObjectFunc apply,
               gpointer opaque,
               GPtrArray *took,
               GError **err)
{
    guint i;

    for (i = 0; i < hosts->len && !(stop && *err); i++) {
        objectHost *h = hosts->pdata[i];
        void *obj = objectLookup(ops, h->conn, uuid);
        int rc;

        if (!obj)
            continue;
        rc = apply(obj, h->name, opaque);
        if (rc < 0 && !*err)
            shoalClusterObjectHostError(err, h->name);
        virResetLastError();
        ops->free(obj);
        if (rc > 0 && took)
            g_ptr_array_add(took, h);
    }
}

static void
objectNoSuch(GError **error, shoalObjectKind kind, const char *what, bool byUUID)
{
    switch (kind) {
    case SHOAL_OBJECT_POOL:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_STORAGE_POOL,
                    _("Storage pool not found: %1$s"), what);
        break;
    case SHOAL_OBJECT_SECRET: /* looked up by UUID here, as libvirt says */
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SECRET,
                    _("Secret not found: no secret with matching uuid '%1$s'"),
                    what);
        break;
    case SHOAL_OBJECT_NWFILTER:
        if (byUUID)
            g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NWFILTER,
                        _("Network filter not found: no nwfilter with matching uuid '%1$s'"),
                        what);
        else
            g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NWFILTER,
                        _("Network filter not found: no nwfilter with matching name '%1$s'"),
                        what);
        break;
    case SHOAL_OBJECT_NETWORK:
    case SHOAL_OBJECT_KIND_LAST:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_NETWORK,
                    _("Network not found: %1$s"), what);
        break;
    }
}

/* Returns: (transfer full): a copy of the live record of @uuid. */
static objectRecord *
objectGet(shoalCluster *cluster,
          shoalObjectKind kind,
          const unsigned char *uuid,
          GError **error)
{
    g_autoptr(GMutexLocker) locker =
        g_mutex_locker_new(&cluster->objects->lock);
    objectRecord *rec =
        objectFindLocked(cluster->objects, kind, NULL, uuid, false);
    char str[VIR_UUID_STRING_BUFLEN];

    if (!rec) {
        shoalUUIDFormat(uuid, str);
        objectNoSuch(error, kind, str, true);
        return NULL;
    }
    return objectRecordCopy(rec);
}

/* Claims @kind for a change of @uuid. Returns: (transfer full): a copy
 * of its record, or NULL (released) with @error set. */
static objectRecord *
objectClaimRecord(shoalCluster *cluster,
                  shoalObjectKind kind,
                  const unsigned char *uuid,
                  GError **error)
{
    objectRecord *rec;

    if (!objectClaim(cluster->objects, kind, error))
        return NULL;
    if (!(rec = objectGet(cluster, kind, uuid, error)))
        objectRelease(cluster->objects, kind);
    return rec;
}

/* Replaces (or adds) the live record of rec's UUID; drops tombstones of
 * the same UUID. */
static void
objectPut(shoalCluster *cluster, const objectRecord *rec)
{
    shoalObjectTable *table = cluster->objects;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&table->lock);
    guint i = 0;

    while (i < table->records->len) {
        objectRecord *old = table->records->pdata[i];

        if (old->kind == rec->kind &&
            memcmp(old->uuid, rec->uuid, VIR_UUID_BUFLEN) == 0)
            g_ptr_array_remove_index(table->records, i);
        else
            i++;
    }
    g_ptr_array_add(table->records, objectRecordCopy(rec));
}

static bool objectForgetRemoved(shoalCluster *cluster,
                                shoalObjectKind kind,
                                const unsigned char *uuid,
                                const char *hostName);

/*
 * Ends a change: stores @rec (if not NULL), releases the kind's claim and
 * returns the change's outcome: @err (transfer full), else the store's.
 */
static bool
objectFinish(shoalCluster *cluster,
             shoalObjectKind kind,
             const objectRecord *rec,
             GError *err,
             GError **error)
{
    if (rec) {
        objectPut(cluster, rec);
        /* every member dropped it: no marker to keep */
        if (rec->removed && rec->pending && !rec->pending[0])
            objectForgetRemoved(cluster, kind, rec->uuid, NULL);
        objectTableSave(cluster, err ? NULL : &err);
    }
    objectRelease(cluster->objects, kind);
    if (err) {
        g_propagate_error(error, err);
        return false;
    }
    return true;
}

/**
 * shoalClusterObjectXMLString:
 * @expr: an XPath expression giving a string
 * Returns: (transfer full) (nullable): its value in @xml, NULL when
 *   empty or @xml does not parse.
 */
char *
shoalClusterObjectXMLString(const char *xml, const char *expr)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlXPathObject) res = NULL;

    doc = xmlReadMemory(xml, strlen(xml), "object.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (!doc || !(ctxt = xmlXPathNewContext(doc)))
        return NULL;
    res = xmlXPathEvalExpression(BAD_CAST expr, ctxt);
    if (!res || res->type != XPATH_STRING || !res->stringval ||
        !*res->stringval)
        return NULL;
    return g_strdup((const char *) res->stringval);
}

/**
 * shoalClusterObjectXMLName:
 * Returns: (transfer full) (nullable): the <name> of a definition (a
 *   pool's, a network's, a volume's); the hosts judge the rest.
 */
char *
shoalClusterObjectXMLName(const char *xml)
{
    return shoalClusterObjectXMLString(xml, "string(/*/name)");
}

/* What define did on one host, to undo it. */
typedef struct {
    objectHost *host; /* borrowed */
    char *prevXML;    /* the host's definition before, NULL: it had none */
} objectUndo;

static void
objectUndoClear(gpointer data)
{
    objectUndo *undo = data;

    g_free(undo->prevXML);
}

static void
objectDefineRollback(const shoalObjectOps *ops,
                     GArray *undo,
                     const unsigned char *uuid)
{
    guint i;

    for (i = 0; i < undo->len; i++) {
        objectUndo *u = &g_array_index(undo, objectUndo, i);
        void *obj = NULL;

        if (u->prevXML) {
            obj = ops->define(u->host->conn, u->prevXML);
        } else if ((obj = objectLookup(ops, u->host->conn, uuid))) {
            if (ops->undefine(obj) < 0) {
                g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                                 SHOAL_LOG_HOST(u->host->name), "MESSAGE",
                                 "cannot roll back %s definition on '%s': %s",
                                 ops->name, u->host->name,
                                 virGetLastErrorMessage());
            }
        }
        virResetLastError();
        if (obj)
            ops->free(obj);
    }
}

/*
 * Returns: (nullable): what @conn already has under the definition's
 * name, or (for a kind without names, a secret) under its <uuid>.
 */
static void *
objectLookupPrevious(const shoalObjectOps *ops,
                     virConnectPtr conn,
                     const char *name,
                     const char *xml)
{
    g_autofree char *str = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    void *obj = NULL;

    if (ops->lookupByName) {
        /* a filter names itself in an attribute: <filter name='...'> */
        g_autofree char *attr =
            name ? NULL : shoalClusterObjectXMLString(xml, "string(/*/@name)");

        if (name || attr)
            obj = ops->lookupByName(conn, name ? name : attr);
        virResetLastError();
        return obj;
    }
    str = shoalClusterObjectXMLString(xml, "string(/*/uuid)");
    if (!str || !shoalUUIDParse(str, uuid))
        return NULL;
    return objectLookup(ops, conn, uuid);
}

/**
 * shoalClusterObjectDefine:
 * @xml: the definition a client gave
 *
 * Defines the object on every online host, all or none: the first host
 * gives it its UUID and canonical XML, the others take that XML; if one
 * rejects it, the hosts that took it get back what they had, and the
 * host's error (naming it) is returned. Hosts that are offline get it
 * when they return. Durable on return.
 * Returns: (transfer full): the object.
 */
shoalObjectRef *
shoalClusterObjectDefine(shoalCluster *cluster,
                         shoalObjectKind kind,
                         const char *xml,
                         GError **error)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(GPtrArray) hosts = NULL;
    g_autoptr(GArray) undo = g_array_new(FALSE, TRUE, sizeof(objectUndo));
    g_autoptr(objectRecord) rec = g_new0(objectRecord, 1);
    g_autoptr(objectRecord) old = NULL;
    g_autofree char *canonical = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *name = shoalClusterObjectXMLName(xml);
    guint i;

    g_array_set_clear_func(undo, objectUndoClear);
    if (kind == SHOAL_OBJECT_NETWORK && !shoalClusterNetworkCheck(xml, error))
        return NULL;
    if (!objectClaim(cluster->objects, kind, error))
        return NULL;
    hosts = objectOnlineHosts(cluster);
    if (hosts->len == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: no member host is online to check the definition"));
        objectRelease(cluster->objects, kind);
        return NULL;
    }
    for (i = 0; i < hosts->len && !err; i++) {
        objectHost *h = hosts->pdata[i];
        objectUndo u = { h, NULL };
        void *prev = objectLookupPrevious(ops, h->conn, name, xml);
        void *obj;

        if (prev) {
            u.prevXML = ops->getXML(prev, true);
            ops->free(prev);
        }
        virResetLastError();
        obj = ops->define(h->conn, canonical ? canonical : xml);
        if (!obj) {
            shoalClusterObjectHostError(&err, h->name);
            g_free(u.prevXML);
            break;
        }
        if (!canonical) {
            char *x = ops->getXML(obj, true);

            if (!x || ops->getUUID(obj, rec->uuid) < 0) {
                shoalClusterObjectHostError(&err, h->name);
                g_free(x);
                ops->free(obj);
                g_array_append_val(undo, u);
                break;
            }
            canonical = x;
            rec->name = g_strdup(ops->getName(obj));
            if (ops->getUsageType)
                rec->usageType = ops->getUsageType(obj);
        }
        ops->free(obj);
        g_array_append_val(undo, u);
    }
    if (!err) {
        g_autoptr(GMutexLocker) locker =
            g_mutex_locker_new(&cluster->objects->lock);
        objectRecord *cur =
            objectFindLocked(cluster->objects, kind, NULL, rec->uuid, false);

        if (cur)
            old = objectRecordCopy(cur);
    }
    if (!err) {
        rec->kind = kind;
        rec->xml = g_strdup(canonical);
        if (old) {
            rec->active = old->active;
            rec->autostart = old->autostart;
            rec->value = old->value ? g_bytes_ref(old->value) : NULL;
        }
        objectPut(cluster, rec);
        if (!objectTableSave(cluster, &err)) {
            if (old)
                objectPut(cluster, old);
        }
    }
    if (err) {
        objectDefineRollback(ops, undo, rec->uuid);
        objectRelease(cluster->objects, kind);
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    objectRelease(cluster->objects, kind);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                     "%s '%s' defined on %u hosts", ops->name, rec->name,
                     hosts->len);
    return objectRefFromRecord(rec);
}

/* The libvirt calls of a change, on one host's handle. */
typedef enum {
    OBJECT_CHANGE_UNDEFINE = 0,
    OBJECT_CHANGE_START,
    OBJECT_CHANGE_DESTROY,
    OBJECT_CHANGE_AUTOSTART_ON,
    OBJECT_CHANGE_AUTOSTART_OFF,
} objectChange;

/* Returns: 1 done, 0 nothing to do, -1 libvirt failed. */
static int
objectApply(const shoalObjectOps *ops, void *obj, objectChange change)
{
    int active = ops->isActive ? ops->isActive(obj) : 1;

    if (active < 0)
        return -1;

    switch (change) {
    case OBJECT_CHANGE_UNDEFINE:
        return ops->undefine(obj) < 0 ? -1 : 1;
    case OBJECT_CHANGE_START:
        if (active)
            return 0;
        return ops->create(obj) < 0 ? -1 : 1;
    case OBJECT_CHANGE_DESTROY:
        if (!active)
            return 0;
        return ops->destroy(obj) < 0 ? -1 : 1;
    case OBJECT_CHANGE_AUTOSTART_ON:
        return ops->setAutostart(obj, 1) < 0 ? -1 : 1;
    case OBJECT_CHANGE_AUTOSTART_OFF:
        return ops->setAutostart(obj, 0) < 0 ? -1 : 1;
    }
    return 0;
}

typedef struct {
    const shoalObjectOps *ops;
    objectChange change;
} objectChangeCtx;

static int
objectChangeApply(void *obj, const char *hostName, gpointer opaque)
{
    objectChangeCtx *ctx = opaque;

    return objectApply(ctx->ops, obj, ctx->change);
}

/* Returns: (transfer full): the member hosts not among @reached
 * (objectHost). */
static GStrv
objectUnreached(shoalCluster *cluster, GPtrArray *reached)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(GStrvBuilder) out = g_strv_builder_new();
    guint i;
    guint j;

    for (i = 0; i < hosts->len; i++) {
        const shoalHost *host = hosts->pdata[i];
        bool found = false;

        for (j = 0; j < reached->len && !found; j++)
            found = g_str_equal(((objectHost *) reached->pdata[j])->name,
                                host->name);
        if (!found)
            g_strv_builder_add(out, host->name);
    }
    return g_strv_builder_end(out);
}

/*
 * Notes that @hostName dropped the removed object @uuid (NULL: every
 * member did); forgets its marker once no member host is left to drop
 * it. Returns: whether the table changed. Under the kind's claim.
 */
static bool
objectForgetRemoved(shoalCluster *cluster,
                    shoalObjectKind kind,
                    const unsigned char *uuid,
                    const char *hostName)
{
    shoalObjectTable *table = cluster->objects;
    g_autoptr(GPtrArray) hosts =
        hostName ? shoalClusterListHosts(cluster) : NULL;
    g_autoptr(GStrvBuilder) left = g_strv_builder_new();
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&table->lock);
    objectRecord *rec = objectFindLocked(table, kind, NULL, uuid, true);
    guint i;

    if (!rec)
        return false;
    /* members that left the configuration have nothing to drop */
    for (i = 0; hosts && i < hosts->len; i++) {
        const char *name = ((const shoalHost *) hosts->pdata[i])->name;

        if (!g_str_equal(name, hostName) &&
            (!rec->pending ||
             g_strv_contains((const char *const *) rec->pending, name)))
            g_strv_builder_add(left, name);
    }
    g_strfreev(rec->pending);
    rec->pending = g_strv_builder_end(left);
    if (!rec->pending[0])
        g_ptr_array_remove(table->records, rec);
    return true;
}

/*
 * @change on every online host that has the object. A start is all or
 * none (the hosts it started are stopped again if one fails); the other
 * changes go on past a failure and return the first. @rec is updated
 * and saved when every host took the change.
 */
static bool
objectChangeAll(shoalCluster *cluster,
                shoalObjectKind kind,
                const unsigned char *uuid,
                objectChange change,
                GError **error)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(objectRecord) rec = NULL;
    g_autoptr(GPtrArray) hosts = NULL;
    g_autoptr(GPtrArray) started = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    objectChangeCtx ctx = { ops, change };
    guint i;

    if (change != OBJECT_CHANGE_UNDEFINE && !ops->create) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT,
                    _("this function is not supported by the connection driver: a cluster %1$s does not run"),
                    ops->name);
        return false;
    }
    if (!(rec = objectClaimRecord(cluster, kind, uuid, error)))
        return false;
    hosts = objectOnlineHosts(cluster);
    objectEachHost(ops, hosts, uuid, change == OBJECT_CHANGE_START,
                   objectChangeApply, &ctx, started, &err);
    if (err && change == OBJECT_CHANGE_START) {
        for (i = 0; i < started->len; i++) {
            objectHost *h = started->pdata[i];
            void *obj = objectLookup(ops, h->conn, uuid);

            if (obj && ops->destroy(obj) < 0)
                virResetLastError();
            if (obj)
                ops->free(obj);
        }
    }
    if (!err) {
        switch (change) {
        case OBJECT_CHANGE_UNDEFINE:
            rec->removed = true;
            rec->active = false;
            g_strfreev(rec->pending);
            rec->pending = objectUnreached(cluster, hosts);
            break;
        case OBJECT_CHANGE_START:
            rec->active = true;
            break;
        case OBJECT_CHANGE_DESTROY:
            rec->active = false;
            break;
        case OBJECT_CHANGE_AUTOSTART_ON:
        case OBJECT_CHANGE_AUTOSTART_OFF:
            rec->autostart = change == OBJECT_CHANGE_AUTOSTART_ON;
            break;
        }
    }
    return objectFinish(cluster, kind, err ? NULL : rec, g_steal_pointer(&err),
                        error);
}

/**
 * shoalClusterObjectUndefine:
 *
 * Undefines the object on every online host and forgets it; a host that
 * is offline drops it when it returns.
 */
bool
shoalClusterObjectUndefine(shoalCluster *cluster,
                           shoalObjectKind kind,
                           const unsigned char *uuid,
                           GError **error)
{
    return objectChangeAll(cluster, kind, uuid, OBJECT_CHANGE_UNDEFINE, error);
}

/**
 * shoalClusterObjectStart:
 *
 * Starts the object on every online host that does not run it, all or
 * none; a host that is offline starts it when it returns.
 */
bool
shoalClusterObjectStart(shoalCluster *cluster,
                        shoalObjectKind kind,
                        const unsigned char *uuid,
                        GError **error)
{
    return objectChangeAll(cluster, kind, uuid, OBJECT_CHANGE_START, error);
}

bool
shoalClusterObjectDestroy(shoalCluster *cluster,
                          shoalObjectKind kind,
                          const unsigned char *uuid,
                          GError **error)
{
    return objectChangeAll(cluster, kind, uuid, OBJECT_CHANGE_DESTROY, error);
}

bool
shoalClusterObjectSetAutostart(shoalCluster *cluster,
                               shoalObjectKind kind,
                               const unsigned char *uuid,
                               bool on,
                               GError **error)
{
    return objectChangeAll(cluster, kind, uuid,
                           on ? OBJECT_CHANGE_AUTOSTART_ON
                              : OBJECT_CHANGE_AUTOSTART_OFF,
                           error);
}

/**
 * shoalClusterObjectLookupByName:
 * Returns: (transfer full): the cluster object named @name, from memory.
 */
shoalObjectRef *
shoalClusterObjectLookupByName(shoalCluster *cluster,
                               shoalObjectKind kind,
                               const char *name,
                               GError **error)
{
    g_autoptr(GMutexLocker) locker =
        g_mutex_locker_new(&cluster->objects->lock);
    objectRecord *rec =
        objectFindLocked(cluster->objects, kind, name, NULL, false);

    if (!rec) {
        objectNoSuch(error, kind, name, false);
        return NULL;
    }
    return objectRefFromRecord(rec);
}

shoalObjectRef *
shoalClusterObjectLookupByUUID(shoalCluster *cluster,
                               shoalObjectKind kind,
                               const unsigned char *uuid,
                               GError **error)
{
    g_autoptr(objectRecord) rec = objectGet(cluster, kind, uuid, error);

    if (!rec)
        return NULL;
    return objectRefFromRecord(rec);
}

static gint
objectRefCompare(gconstpointer a, gconstpointer b)
{
    const shoalObjectRef *ra = *(shoalObjectRef *const *) a;
    const shoalObjectRef *rb = *(shoalObjectRef *const *) b;

    return g_strcmp0(ra->name, rb->name);
}

/**
 * shoalClusterObjectList:
 * @flags: VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE/INACTIVE,
 *   AUTOSTART/NO_AUTOSTART, PERSISTENT (the network flags have the same
 *   values); others are the caller's to refuse
 *
 * Returns: (transfer full): shoalObjectRef of the cluster objects of
 *   @kind, sorted by name.
 */
GPtrArray *
shoalClusterObjectList(shoalCluster *cluster,
                       shoalObjectKind kind,
                       unsigned flags)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalObjectRefFree);
    g_autoptr(GMutexLocker) locker =
        g_mutex_locker_new(&cluster->objects->lock);
    unsigned activeFlags = VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE |
                           VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    unsigned autoFlags = VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART |
                         VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART;
    guint i;

    for (i = 0; i < cluster->objects->records->len; i++) {
        const objectRecord *rec = cluster->objects->records->pdata[i];

        if (rec->kind != kind || rec->removed)
            continue;
        if ((flags & activeFlags) && (flags & activeFlags) != activeFlags &&
            !(flags & VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE) == rec->active)
            continue;
        if ((flags & autoFlags) && (flags & autoFlags) != autoFlags &&
            !(flags & VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART) ==
                rec->autostart)
            continue;
        if ((flags & VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT) &&
            !(flags & VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT))
            continue; /* cluster objects are persistent */
        g_ptr_array_add(out, objectRefFromRecord(rec));
    }
    g_ptr_array_sort(out, objectRefCompare);
    return out;
}

/**
 * shoalClusterObjectGetState:
 *
 * What Shoal keeps the object at on every host: running, autostarted.
 */
bool
shoalClusterObjectGetState(shoalCluster *cluster,
                           shoalObjectKind kind,
                           const unsigned char *uuid,
                           bool *active,
                           bool *autostart,
                           GError **error)
{
    g_autoptr(objectRecord) rec = objectGet(cluster, kind, uuid, error);

    if (!rec)
        return false;
    if (active)
        *active = rec->active;
    if (autostart)
        *autostart = rec->autostart;
    return true;
}

/**
 * shoalClusterObjectCall:
 * @all: on every online host that has the object; otherwise on one host,
 *   the first by name that runs it (or has it, if none runs it)
 * @func: one libvirt call on that host's handle
 * @hostName: (out) (optional): the (last) host that answered
 *
 * Runs @func on the object's handle. With @all, goes on past a failure
 * and returns the first.
 * Returns: @func's result (the last, with @all), or -1 with @error set.
 */
int
shoalClusterObjectCall(shoalCluster *cluster,
                       shoalObjectKind kind,
                       const unsigned char *uuid,
                       bool all,
                       shoalClusterObjectFunc func,
                       gpointer opaque,
                       char **hostName,
                       GError **error)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(objectRecord) rec = objectGet(cluster, kind, uuid, error);
    g_autoptr(GPtrArray) hosts = NULL;
    g_autoptr(GError) err = NULL;
    objectHost *pick = NULL;
    int rc = -1;
    bool any = false;
    guint i;

    if (!rec)
        return -1;
    hosts = objectOnlineHosts(cluster);
    for (i = 0; i < hosts->len; i++) {
        objectHost *h = hosts->pdata[i];
        void *obj = objectLookup(ops, h->conn, uuid);
        int active;

        if (!obj)
            continue;
        if (all) {
            int r = func(obj, h->name, opaque);

            if (r < 0 && !err)
                shoalClusterObjectHostError(&err, h->name);
            virResetLastError();
            if (r >= 0)
                rc = r;
            any = true;
            if (hostName) {
                g_free(*hostName);
                *hostName = g_strdup(h->name);
            }
        } else {
            active = ops->isActive ? ops->isActive(obj) : 1;
            virResetLastError();
            if (!pick || active == 1) {
                pick = h;
                if (active == 1) {
                    ops->free(obj);
                    break;
                }
            }
        }
        ops->free(obj);
    }
    if (!all && pick) {
        void *obj = objectLookup(ops, pick->conn, uuid);

        any = obj != NULL;
        if (obj) {
            rc = func(obj, pick->name, opaque);
            if (rc < 0)
                shoalClusterObjectHostError(&err, pick->name);
            ops->free(obj);
            if (rc >= 0 && hostName)
                *hostName = g_strdup(pick->name);
        }
    }
    if (!any) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: no online host has the %1$s '%2$s'"),
                    ops->name, rec->name);
        return -1;
    }
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    return rc;
}

/**
 * shoalClusterObjectGetDefinition:
 * Returns: (transfer full) (nullable): the stored definition, from
 *   memory: for what the hosts do not change (a pool's type).
 */
char *
shoalClusterObjectGetDefinition(shoalCluster *cluster,
                                shoalObjectKind kind,
                                const unsigned char *uuid)
{
    g_autoptr(objectRecord) rec = objectGet(cluster, kind, uuid, NULL);

    return rec ? g_steal_pointer(&rec->xml) : NULL;
}

typedef struct {
    const shoalObjectOps *ops;
    bool inactive;
    char *xml;
} objectXMLRun;

static int
objectGetXMLOne(void *obj, const char *hostName, gpointer opaque)
{
    objectXMLRun *run = opaque;
    char *xml = run->ops->getXML(obj, run->inactive);

    if (!xml)
        return -1;
    run->xml = g_strdup(xml);
    free(xml);
    return 0;
}

/**
 * shoalClusterObjectGetXML:
 * @inactive: the persistent definition; otherwise the live XML (a pool's
 *   allocation, say)
 *
 * As a host that runs the object (or has it) gives it; the stored
 * definition when no online host has it.
 * Returns: (transfer full): the XML.
 */
char *
shoalClusterObjectGetXML(shoalCluster *cluster,
                         shoalObjectKind kind,
                         const unsigned char *uuid,
                         bool inactive,
                         GError **error)
{
    g_autoptr(objectRecord) rec = objectGet(cluster, kind, uuid, error);
    objectXMLRun run = { shoalObjectOpsGet(kind), inactive, NULL };
    g_autoptr(GError) err = NULL;

    if (!rec)
        return NULL;
    if (shoalClusterObjectCall(cluster, kind, uuid, false, objectGetXMLOne,
                               &run, NULL, &err) < 0) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "MESSAGE",
                         "%s '%s' XML from the store: %s",
                         shoalObjectKindToString(kind), rec->name,
                         err->message);
        return g_steal_pointer(&rec->xml);
    }
    return run.xml;
}

/* Brings one kind on @conn to what the store says. */
static void
objectReplayKind(shoalCluster *cluster,
                 shoalObjectKind kind,
                 const char *hostName,
                 virConnectPtr conn)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(GPtrArray) records =
        g_ptr_array_new_with_free_func((GDestroyNotify) objectRecordFree);
    g_autoptr(GError) err = NULL;
    bool changed = false;
    guint i;

    g_mutex_lock(&cluster->objects->lock);
    for (i = 0; i < cluster->objects->records->len; i++) {
        const objectRecord *rec = cluster->objects->records->pdata[i];

        if (rec->kind == kind)
            g_ptr_array_add(records, objectRecordCopy(rec));
    }
    g_mutex_unlock(&cluster->objects->lock);

    for (i = 0; i < records->len; i++) {
        const objectRecord *rec = records->pdata[i];
        void *obj = objectLookup(ops, conn, rec->uuid);
        const char *what = "checked";
        int active;

        if (rec->removed) {
            if (obj) {
                if (ops->isActive && ops->isActive(obj) == 1)
                    ops->destroy(obj);
                what = ops->undefine(obj) < 0 ? NULL : "undefined";
                ops->free(obj);
            }
            if (what)
                changed |=
                    objectForgetRemoved(cluster, kind, rec->uuid, hostName);
        } else {
            if (!obj && rec->xml) {
                obj = ops->define(conn, rec->xml);
                what = obj ? "defined" : NULL;
            }
            if (obj && rec->value && ops->setValue &&
                ops->setValue(obj, rec->value) < 0)
                what = NULL;
            if (obj && ops->isActive) {
                ops->setAutostart(obj, rec->autostart ? 1 : 0);
                active = ops->isActive(obj);
                if (rec->active && active == 0 && ops->create(obj) < 0)
                    what = NULL;
            }
            if (obj)
                ops->free(obj);
        }
        if (!what) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_HOST(hostName), "MESSAGE",
                             "cannot bring %s '%s' up to date on '%s': %s",
                             ops->name, rec->name, hostName,
                             virGetLastErrorMessage());
        } else {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                             SHOAL_LOG_HOST(hostName), "MESSAGE",
                             "%s '%s' %s on '%s'", ops->name, rec->name, what,
                             hostName);
        }
        virResetLastError();
    }
    if (changed && !objectTableSave(cluster, &err))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(hostName), "MESSAGE",
                         "cannot store the cluster objects: %s", err->message);
}

/**
 * shoalClusterObjectsReplay:
 * @conn: the host's new connection, just published online (so a change
 *   that runs after this replay reaches the host itself)
 *
 * Gives a host that joins or returns the cluster objects it lacks, with
 * their state, and drops those undefined while it was away. Failures are
 * logged: the host stays online.
 */
void
shoalClusterObjectsReplay(shoalCluster *cluster,
                          const char *hostName,
                          virConnectPtr conn)
{
    unsigned k;

    for (k = 0; k < SHOAL_OBJECT_KIND_LAST; k++) {
        g_autoptr(GError) err = NULL;

        if (!objectClaim(cluster->objects, k, &err)) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_HOST(hostName), "MESSAGE",
                             "cannot replay cluster objects to '%s': %s",
                             hostName, err->message);
            continue;
        }
        objectReplayKind(cluster, k, hostName, conn);
        objectRelease(cluster->objects, k);
    }
}

/* One object (kind and UUID) while a listing is gathered. */
typedef struct {
    shoalObjectInfo *info;
    unsigned char uuid[VIR_UUID_BUFLEN];
    GPtrArray *hosts;   /* char * */
    GPtrArray *running; /* char * */
} objectGather;

static void
objectGatherFree(objectGather *g)
{
    shoalObjectInfoFree(g->info);
    g_ptr_array_unref(g->hosts);
    g_ptr_array_unref(g->running);
    g_free(g);
}

static objectGather *
objectGatherFind(GPtrArray *all,
                 shoalObjectKind kind,
                 const char *name,
                 const unsigned char *uuid)
{
    objectGather *g;
    char str[VIR_UUID_STRING_BUFLEN];
    guint i;

    for (i = 0; i < all->len; i++) {
        g = all->pdata[i];
        if (g->info->kind == kind &&
            memcmp(g->uuid, uuid, VIR_UUID_BUFLEN) == 0)
            return g;
    }
    g = g_new0(objectGather, 1);
    g->info = g_new0(shoalObjectInfo, 1);
    g->info->kind = kind;
    g->info->name = g_strdup(name);
    shoalUUIDFormat(uuid, str);
    g->info->uuid = g_strdup(str);
    memcpy(g->uuid, uuid, VIR_UUID_BUFLEN);
    g->hosts = g_ptr_array_new_with_free_func(g_free);
    g->running = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(all, g);
    return g;
}

static GStrv
objectStrv(GPtrArray *arr)
{
    GStrv out = g_new0(char *, arr->len + 1);
    guint i;

    for (i = 0; i < arr->len; i++)
        out[i] = g_strdup(arr->pdata[i]);
    return out;
}

static gint
objectInfoCompare(gconstpointer a, gconstpointer b)
{
    const shoalObjectInfo *ia = *(shoalObjectInfo *const *) a;
    const shoalObjectInfo *ib = *(shoalObjectInfo *const *) b;

    if (ia->kind != ib->kind)
        return (int) ia->kind - (int) ib->kind;
    if (g_strcmp0(ia->name, ib->name) != 0)
        return g_strcmp0(ia->name, ib->name);
    return g_strcmp0(ia->uuid, ib->uuid);
}

/**
 * shoalClusterObjectListInfo:
 *
 * Every pool and network of every online host, one entry per kind and
 * UUID with the hosts that have it: Shoal's cluster objects (and the
 * hosts that lack them) and the hosts' own, never merged by name.
 * Returns: (transfer full): shoalObjectInfo, sorted by kind and name.
 */
GPtrArray *
shoalClusterObjectListInfo(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) hosts = objectOnlineHosts(cluster);
    g_autoptr(GPtrArray) all =
        g_ptr_array_new_with_free_func((GDestroyNotify) objectGatherFree);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalObjectInfoFree);
    guint i;
    guint j;
    unsigned k;

    g_mutex_lock(&cluster->objects->lock);
    for (i = 0; i < cluster->objects->records->len; i++) {
        const objectRecord *rec = cluster->objects->records->pdata[i];
        objectGather *g;

        if (rec->removed)
            continue;
        g = objectGatherFind(all, rec->kind, rec->name, rec->uuid);
        g->info->managed = true;
        g->info->active = rec->active;
        g->info->autostart = rec->autostart;
    }
    g_mutex_unlock(&cluster->objects->lock);

    for (i = 0; i < hosts->len; i++) {
        objectHost *h = hosts->pdata[i];

        for (k = 0; k < SHOAL_OBJECT_KIND_LAST; k++) {
            const shoalObjectOps *ops = shoalObjectOpsGet(k);
            void **objs = NULL;
            int n = ops->listAll(h->conn, &objs);
            int m;

            if (n < 0) {
                virResetLastError();
                continue;
            }
            for (m = 0; m < n; m++) {
                unsigned char uuid[VIR_UUID_BUFLEN];

                if (ops->getUUID(objs[m], uuid) == 0) {
                    objectGather *g =
                        objectGatherFind(all, k, ops->getName(objs[m]), uuid);

                    g_ptr_array_add(g->hosts, g_strdup(h->name));
                    if (ops->isActive && ops->isActive(objs[m]) == 1)
                        g_ptr_array_add(g->running, g_strdup(h->name));
                }
                virResetLastError();
                ops->free(objs[m]);
            }
            free(objs);
        }
    }

    for (i = 0; i < all->len; i++) {
        objectGather *g = all->pdata[i];
        g_autoptr(GPtrArray) lacking = g_ptr_array_new_with_free_func(g_free);

        if (g->info->managed) {
            for (j = 0; j < hosts->len; j++) {
                objectHost *h = hosts->pdata[j];

                if (!g_ptr_array_find_with_equal_func(g->hosts, h->name,
                                                      g_str_equal, NULL))
                    g_ptr_array_add(lacking, g_strdup(h->name));
            }
        }
        g->info->hosts = objectStrv(g->hosts);
        g->info->running = objectStrv(g->running);
        g->info->lacking = objectStrv(lacking);
        g_ptr_array_add(out, g_steal_pointer(&g->info));
    }
    g_ptr_array_sort(out, objectInfoCompare);
    return out;
}

/**
 * shoalClusterObjectLookupByUsage:
 *
 * A secret by what it is for (libvirt's virSecretLookupByUsage).
 * Returns: (transfer full): the cluster object, from memory.
 */
shoalObjectRef *
shoalClusterObjectLookupByUsage(shoalCluster *cluster,
                                shoalObjectKind kind,
                                int usageType,
                                const char *usageID,
                                GError **error)
{
    g_autoptr(GMutexLocker) locker =
        g_mutex_locker_new(&cluster->objects->lock);
    guint i;

    for (i = 0; i < cluster->objects->records->len; i++) {
        const objectRecord *rec = cluster->objects->records->pdata[i];

        if (rec->kind == kind && !rec->removed && rec->usageType == usageType &&
            g_str_equal(rec->name, usageID))
            return objectRefFromRecord(rec);
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SECRET,
                _("no secret with matching usage '%1$s'"), usageID);
    return NULL;
}

typedef struct {
    const shoalObjectOps *ops;
    GBytes *value;
} objectValueCtx;

static int
objectValueApply(void *obj, const char *hostName, gpointer opaque)
{
    objectValueCtx *ctx = opaque;

    return ctx->ops->setValue(obj, ctx->value) < 0 ? -1 : 1;
}

/**
 * shoalClusterObjectSetValue:
 * @value: the new value; never logged
 *
 * Sets a secret's value on every online host that has it. If a host
 * refuses, the hosts that took the new value get the stored one back
 * (when Shoal knows one: a host does not give a private value back) and
 * the host's error is returned. The store keeps the value for a host
 * that returns: the store directory is root's alone.
 */
bool
shoalClusterObjectSetValue(shoalCluster *cluster,
                           shoalObjectKind kind,
                           const unsigned char *uuid,
                           GBytes *value,
                           GError **error)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(objectRecord) rec = NULL;
    g_autoptr(GPtrArray) hosts = NULL;
    g_autoptr(GPtrArray) done = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    objectValueCtx ctx = { ops, value };
    guint i;

    if (!ops->setValue) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT,
                    _("this function is not supported by the connection driver: a cluster %1$s has no value"),
                    ops->name);
        return false;
    }
    if (!(rec = objectClaimRecord(cluster, kind, uuid, error)))
        return false;
    hosts = objectOnlineHosts(cluster);
    objectEachHost(ops, hosts, uuid, true, objectValueApply, &ctx, done, &err);
    for (i = 0; err && rec->value && i < done->len; i++) {
        objectHost *h = done->pdata[i];
        void *obj = objectLookup(ops, h->conn, uuid);

        if (obj && ops->setValue(obj, rec->value) < 0) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_HOST(h->name), "MESSAGE",
                             "cannot restore the value of %s '%s' on '%s': %s",
                             ops->name, rec->name, h->name,
                             virGetLastErrorMessage());
            virResetLastError();
        }
        if (obj)
            ops->free(obj);
    }
    if (!err) {
        g_clear_pointer(&rec->value, g_bytes_unref);
        rec->value = g_bytes_ref(value);
    }
    return objectFinish(cluster, kind, err ? NULL : rec, g_steal_pointer(&err),
                        error);
}

typedef struct {
    const shoalObjectOps *ops;
    shoalClusterObjectFunc func;
    gpointer opaque;
    char *xml; /* the first host's persistent XML after the change */
} objectUpdateCtx;

static int
objectUpdateApply(void *obj, const char *hostName, gpointer opaque)
{
    objectUpdateCtx *ctx = opaque;
    char *x;

    if (ctx->func(obj, hostName, ctx->opaque) < 0)
        return -1;
    if (!ctx->xml && (x = ctx->ops->getXML(obj, true))) {
        ctx->xml = g_strdup(x);
        free(x);
    }
    return 1;
}

/**
 * shoalClusterObjectUpdate:
 * @func: the change, on one host's handle
 *
 * Runs @func on every online host that has the object (going on past a
 * failure, returning the first), then keeps the persistent XML as the
 * first host that took the change gives it back, so that a host that
 * returns gets the change too.
 */
bool
shoalClusterObjectUpdate(shoalCluster *cluster,
                         shoalObjectKind kind,
                         const unsigned char *uuid,
                         shoalClusterObjectFunc func,
                         gpointer opaque,
                         GError **error)
{
    const shoalObjectOps *ops = shoalObjectOpsGet(kind);
    g_autoptr(objectRecord) rec = NULL;
    g_autoptr(GPtrArray) hosts = NULL;
    g_autoptr(GError) err = NULL;
    objectUpdateCtx ctx = { ops, func, opaque, NULL };

    if (!(rec = objectClaimRecord(cluster, kind, uuid, error)))
        return false;
    hosts = objectOnlineHosts(cluster);
    objectEachHost(ops, hosts, uuid, false, objectUpdateApply, &ctx, NULL,
                   &err);
    if (ctx.xml) {
        g_free(rec->xml);
        rec->xml = ctx.xml;
    }
    /* the hosts that took the change keep it: so does the store */
    return objectFinish(cluster, kind, rec->xml ? rec : NULL,
                        g_steal_pointer(&err), error);
}
