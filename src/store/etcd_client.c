/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * etcd v3's JSON gateway over libcurl (etcd_client.h). One easy handle
 * per call keeps calls of different threads apart; an endpoint that does
 * not answer is skipped for the next one, and the last one that answered
 * is tried first.
 */

#include <config.h>

#include "etcd_client.h"

#include <curl/curl.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/* a reply larger than this is not etcd's */
#define ETCD_REPLY_MAX (256 * 1024 * 1024)

struct _shoalEtcdClient {
    GStrv endpoints;    /* immutable: "http://HOST:PORT", no trailing / */
    unsigned timeoutMs; /* immutable: per request and endpoint */
    GMutex preferredLock;
    guint preferred; /* protected by preferredLock: the endpoint that last
                        answered */
};

/**
 * shoalEtcdClientNew:
 * @endpoints: comma-separated URLs, "http://127.0.0.1:2379,..."
 * @timeoutMs: the most one request may take on one endpoint
 *
 * Fails with VIR_ERR_CONFIG_UNSUPPORTED if @endpoints names none or one
 * that is not http(s). Connects to nothing yet.
 *
 * Returns: (transfer full): the client, or NULL.
 */
shoalEtcdClient *
shoalEtcdClientNew(const char *endpoints, unsigned timeoutMs, GError **error)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) parts = g_strsplit(endpoints ? endpoints : "", ",", -1);
    shoalEtcdClient *client;
    guint i;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (i = 0; parts[i]; i++) {
        char *url = g_strstrip(parts[i]);

        if (!*url)
            continue;
        if (!g_str_has_prefix(url, "http://") &&
            !g_str_has_prefix(url, "https://")) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                        _("unsupported configuration: etcd endpoint '%1$s' is not an http:// or https:// URL"),
                        url);
            return NULL;
        }
        while (g_str_has_suffix(url, "/"))
            url[strlen(url) - 1] = '\0';
        g_ptr_array_add(list, g_strdup(url));
    }
    if (list->len == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: no etcd endpoint given"));
        return NULL;
    }
    g_ptr_array_add(list, NULL);
    client = g_new0(shoalEtcdClient, 1);
    client->endpoints = (GStrv) g_ptr_array_steal(list, NULL);
    client->timeoutMs = timeoutMs;
    g_mutex_init(&client->preferredLock);
    return client;
}

void
shoalEtcdClientFree(shoalEtcdClient *client)
{
    if (!client)
        return;
    g_strfreev(client->endpoints);
    g_mutex_clear(&client->preferredLock);
    g_free(client);
}

void
shoalEtcdKeyValueFree(shoalEtcdKeyValue *kv)
{
    if (!kv)
        return;
    g_free(kv->key);
    g_bytes_unref(kv->value);
    g_free(kv);
}

static size_t
etcdClientReceive(char *data, size_t size, size_t nmemb, void *opaque)
{
    GByteArray *reply = opaque;
    size_t len = size * nmemb;

    if (reply->len + len > ETCD_REPLY_MAX)
        return 0;
    g_byte_array_append(reply, (const guint8 *) data, (guint) len);
    return len;
}

/*
 * One POST to one endpoint. Returns the HTTP status, or 0 if the
 * endpoint did not answer (@curlError then says why).
 */
static long
etcdClientPost(shoalEtcdClient *client,
               const char *url,
               const char *body,
               GByteArray *reply,
               char *curlError)
{
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();
    long status = 0;
    CURLcode rc;

    if (!curl) {
        g_strlcpy(curlError, "cannot create a libcurl handle", CURL_ERROR_SIZE);
        return 0;
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, etcdClientReceive);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curlError);
    /* threads: no SIGALRM for name resolution timeouts */
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) MIN(client->timeoutMs, 1000));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) client->timeoutMs);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curlError[0] = '\0';
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else if (!curlError[0])
        g_strlcpy(curlError, curl_easy_strerror(rc), CURL_ERROR_SIZE);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

/**
 * shoalEtcdClientCall:
 * @path: the gateway's path, "/v3/kv/range"
 * @request: the request's JSON object, borrowed
 *
 * Sends @request to the first endpoint that answers. Fails with
 * VIR_ERR_OPERATION_FAILED when none does ("etcd is unreachable") or
 * when etcd refuses the request; then the request may still have been
 * applied (a reply lost on the way back).
 *
 * Returns: (transfer full): the reply, or NULL.
 */
json_object *
shoalEtcdClientCall(shoalEtcdClient *client,
                    const char *path,
                    json_object *request,
                    GError **error)
{
    const char *body =
        json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
    guint count = g_strv_length(client->endpoints);
    g_autoptr(GString) failures = g_string_new(NULL);
    guint first;
    guint i;

    g_mutex_lock(&client->preferredLock);
    first = client->preferred;
    g_mutex_unlock(&client->preferredLock);

    for (i = 0; i < count; i++) {
        guint n = (first + i) % count;
        g_autoptr(GByteArray) reply = g_byte_array_new();
        g_autofree char *url = g_strconcat(client->endpoints[n], path, NULL);
        char curlError[CURL_ERROR_SIZE];
        json_object *parsed;
        json_object *message;
        long status;

        status = etcdClientPost(client, url, body, reply, curlError);
        if (status == 0) {
            g_string_append_printf(failures, "%s%s: %s",
                                   failures->len ? "; " : "",
                                   client->endpoints[n], curlError);
            continue;
        }
        g_mutex_lock(&client->preferredLock);
        client->preferred = n;
        g_mutex_unlock(&client->preferredLock);

        g_byte_array_append(reply, (const guint8 *) "", 1);
        parsed = json_tokener_parse((const char *) reply->data);
        if (status == 200 && parsed &&
            json_object_is_type(parsed, json_type_object))
            return parsed;
        if (parsed && json_object_object_get_ex(parsed, "message", &message))
            g_string_append_printf(failures, "%s%s: %s",
                                   failures->len ? "; " : "",
                                   client->endpoints[n],
                                   json_object_get_string(message));
        else
            g_string_append_printf(failures, "%s%s: HTTP status %ld",
                                   failures->len ? "; " : "",
                                   client->endpoints[n], status);
        json_object_put(parsed);
        /* a member without a quorum fails (5xx); another may have one */
        if (status < 500) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                        _("operation failed: etcd refused the request: %1$s"),
                        failures->str);
            return NULL;
        }
    }
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                _("operation failed: etcd is unreachable: %1$s"),
                failures->str);
    return NULL;
}

static json_object *
etcdString64(gint64 n)
{
    g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, n);

    return json_object_new_string(text);
}

static json_object *
etcdBase64(const void *data, gsize len)
{
    g_autofree char *text = g_base64_encode(data, len);

    return json_object_new_string(text);
}

static gint64
etcdGetInt64(json_object *obj, const char *field)
{
    json_object *value;

    if (!json_object_object_get_ex(obj, field, &value))
        return 0;
    return json_object_get_int64(value);
}

/* Returns: (transfer full): the decoded base64 @field of @obj, empty if
 * absent. */
static GBytes *
etcdGetBytes(json_object *obj, const char *field)
{
    json_object *value;
    guchar *data;
    gsize len = 0;

    if (!json_object_object_get_ex(obj, field, &value))
        return g_bytes_new(NULL, 0);
    data = g_base64_decode(json_object_get_string(value), &len);
    return g_bytes_new_take(data, len);
}

static shoalEtcdKeyValue *
etcdParseKeyValue(json_object *obj)
{
    shoalEtcdKeyValue *kv = g_new0(shoalEtcdKeyValue, 1);
    g_autoptr(GBytes) key = etcdGetBytes(obj, "key");
    gsize len;
    const char *data = g_bytes_get_data(key, &len);

    kv->key = g_strndup(data ? data : "", len);
    kv->value = etcdGetBytes(obj, "value");
    kv->createRevision = etcdGetInt64(obj, "create_revision");
    kv->modRevision = etcdGetInt64(obj, "mod_revision");
    kv->lease = etcdGetInt64(obj, "lease");
    return kv;
}

/*
 * The range end of every key that starts with @prefix: the prefix with
 * its last byte below 0xff incremented, as etcdctl --prefix does.
 */
static char *
etcdPrefixEnd(const char *prefix)
{
    g_autofree char *end = g_strdup(prefix);
    gssize i;

    for (i = (gssize) strlen(end) - 1; i >= 0; i--) {
        if ((guchar) end[i] < 0xff) {
            end[i]++;
            end[i + 1] = '\0';
            return g_steal_pointer(&end);
        }
    }
    /* every byte 0xff: to the end of the key space */
    return g_strdup("");
}

/**
 * shoalEtcdRange:
 * @key: the key, or the prefix if @prefix
 *
 * Returns: (transfer full): the keys found (shoalEtcdKeyValue), in key
 *   order, or NULL on error.
 */
GPtrArray *
shoalEtcdRange(shoalEtcdClient *client,
               const char *key,
               bool prefix,
               GError **error)
{
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalEtcdKeyValueFree);
    json_object *request = json_object_new_object();
    json_object *reply;
    json_object *kvs;
    size_t i;

    json_object_object_add(request, "key", etcdBase64(key, strlen(key)));
    if (prefix) {
        g_autofree char *end = etcdPrefixEnd(key);

        json_object_object_add(request, "range_end",
                               etcdBase64(end, MAX(strlen(end), 1)));
    }
    reply = shoalEtcdClientCall(client, "/v3/kv/range", request, error);
    json_object_put(request);
    if (!reply)
        return NULL;
    if (json_object_object_get_ex(reply, "kvs", &kvs) &&
        json_object_is_type(kvs, json_type_array)) {
        for (i = 0; i < json_object_array_length(kvs); i++)
            g_ptr_array_add(out, etcdParseKeyValue(
                                     json_object_array_get_idx(kvs, i)));
    }
    json_object_put(reply);
    return g_steal_pointer(&out);
}

/**
 * shoalEtcdGet:
 * Returns: (transfer full) (nullable): @key, or NULL with @error unset
 *   if there is none.
 */
shoalEtcdKeyValue *
shoalEtcdGet(shoalEtcdClient *client, const char *key, GError **error)
{
    g_autoptr(GPtrArray) found = shoalEtcdRange(client, key, false, error);

    if (!found || found->len == 0)
        return NULL;
    return g_ptr_array_steal_index(found, 0);
}

json_object *
shoalEtcdOpPut(const char *key, const char *value, gsize len, gint64 lease)
{
    json_object *put = json_object_new_object();
    json_object *op = json_object_new_object();

    json_object_object_add(put, "key", etcdBase64(key, strlen(key)));
    json_object_object_add(put, "value", etcdBase64(value, len));
    if (lease)
        json_object_object_add(put, "lease", etcdString64(lease));
    json_object_object_add(op, "request_put", put);
    return op;
}

json_object *
shoalEtcdOpDelete(const char *key)
{
    json_object *del = json_object_new_object();
    json_object *op = json_object_new_object();

    json_object_object_add(del, "key", etcdBase64(key, strlen(key)));
    json_object_object_add(op, "request_delete_range", del);
    return op;
}

/* The key's create_revision is @revision (0: the key does not exist). */
json_object *
shoalEtcdCompareCreate(const char *key, gint64 revision)
{
    json_object *cmp = json_object_new_object();

    json_object_object_add(cmp, "key", etcdBase64(key, strlen(key)));
    json_object_object_add(cmp, "target", json_object_new_string("CREATE"));
    json_object_object_add(cmp, "result", json_object_new_string("EQUAL"));
    json_object_object_add(cmp, "create_revision", etcdString64(revision));
    return cmp;
}

/**
 * shoalEtcdTxn:
 * @compare: (transfer full): an array of compares (shoalEtcdCompare*())
 * @success: (transfer full): an array of operations (shoalEtcdOp*()), run
 *   if every compare holds
 * @succeeded: set to whether they held
 *
 * Returns: whether etcd answered.
 */
bool
shoalEtcdTxn(shoalEtcdClient *client,
             json_object *compare,
             json_object *success,
             bool *succeeded,
             GError **error)
{
    json_object *request = json_object_new_object();
    json_object *reply;
    json_object *value;

    json_object_object_add(request, "compare", compare);
    json_object_object_add(request, "success", success);
    reply = shoalEtcdClientCall(client, "/v3/kv/txn", request, error);
    json_object_put(request);
    if (!reply)
        return false;
    /* the gateway leaves false out */
    *succeeded = json_object_object_get_ex(reply, "succeeded", &value) &&
                 json_object_get_boolean(value);
    json_object_put(reply);
    return true;
}

/* A lease request: one number in @field. Returns: (transfer full): the
 * reply, or NULL. */
static json_object *
etcdLeaseCall(shoalEtcdClient *client,
              const char *path,
              const char *field,
              gint64 n,
              GError **error)
{
    json_object *request = json_object_new_object();
    json_object *reply;

    json_object_object_add(request, field, etcdString64(n));
    reply = shoalEtcdClientCall(client, path, request, error);
    json_object_put(request);
    return reply;
}

/* Returns: the new lease's ID, or 0 on error. */
gint64
shoalEtcdLeaseGrant(shoalEtcdClient *client, gint64 ttlS, GError **error)
{
    json_object *reply =
        etcdLeaseCall(client, "/v3/lease/grant", "TTL", ttlS, error);
    gint64 id;

    if (!reply)
        return 0;
    id = etcdGetInt64(reply, "ID");
    json_object_put(reply);
    if (id == 0)
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: etcd granted no lease"));
    return id;
}

/*
 * Returns: the lease's remaining TTL in seconds, 0 if it expired, -1 on
 * error.
 */
gint64
shoalEtcdLeaseKeepAlive(shoalEtcdClient *client, gint64 id, GError **error)
{
    json_object *reply =
        etcdLeaseCall(client, "/v3/lease/keepalive", "ID", id, error);
    json_object *result;
    gint64 ttl = 0;

    if (!reply)
        return -1;
    /* a stream of one message: {"result": {..., "TTL": "5"}} */
    if (json_object_object_get_ex(reply, "result", &result))
        ttl = etcdGetInt64(result, "TTL");
    json_object_put(reply);
    return ttl;
}

bool
shoalEtcdLeaseRevoke(shoalEtcdClient *client, gint64 id, GError **error)
{
    json_object *reply =
        etcdLeaseCall(client, "/v3/lease/revoke", "ID", id, error);

    json_object_put(reply);
    return reply != NULL;
}
