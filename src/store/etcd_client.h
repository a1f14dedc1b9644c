/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small client of etcd v3's JSON gateway (/v3/kv/..., /v3/lease/...)
 * over libcurl: keys and values travel base64-encoded, 64-bit numbers as
 * decimal strings. Only what the etcd store backend needs.
 *
 * Every call may block on the network for at most the client's timeout
 * per endpoint; all are callable from any thread.
 */

#include <stdbool.h>

#include <glib.h>
#include <json-c/json.h>

typedef struct _shoalEtcdClient shoalEtcdClient;

shoalEtcdClient *shoalEtcdClientNew(const char *endpoints,
                                    unsigned timeoutMs,
                                    GError **error);

void shoalEtcdClientFree(shoalEtcdClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalEtcdClient, shoalEtcdClientFree)

/* One key as a range returns it. */
typedef struct {
    char *key;
    GBytes *value;
    gint64 createRevision;
    gint64 modRevision;
    gint64 lease;
} shoalEtcdKeyValue;

void shoalEtcdKeyValueFree(shoalEtcdKeyValue *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalEtcdKeyValue, shoalEtcdKeyValueFree)

json_object *shoalEtcdClientCall(shoalEtcdClient *client,
                                 const char *path,
                                 json_object *request,
                                 GError **error);

GPtrArray *shoalEtcdRange(shoalEtcdClient *client,
                          const char *key,
                          bool prefix,
                          GError **error);

shoalEtcdKeyValue *shoalEtcdGet(shoalEtcdClient *client,
                                const char *key,
                                GError **error);

/* Parts of a transaction (shoalEtcdTxn()), each (transfer full). */
json_object *shoalEtcdOpPut(const char *key,
                            const char *value,
                            gsize len,
                            gint64 lease);

json_object *shoalEtcdOpDelete(const char *key);

json_object *shoalEtcdCompareCreate(const char *key, gint64 revision);

bool shoalEtcdTxn(shoalEtcdClient *client,
                  json_object *compare,
                  json_object *success,
                  bool *succeeded,
                  GError **error);

gint64 shoalEtcdLeaseGrant(shoalEtcdClient *client,
                           gint64 ttlS,
                           GError **error);

gint64 shoalEtcdLeaseKeepAlive(shoalEtcdClient *client,
                               gint64 id,
                               GError **error);

bool shoalEtcdLeaseRevoke(shoalEtcdClient *client, gint64 id, GError **error);
