/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_admin.h"

#include <string.h>
#include <sys/types.h>

#include <glib/gi18n.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "cluster.h"

#define SHOAL_CLUSTER_ADMIN_PRIV_H_ALLOW
#include "cluster_admin_group.h"
#include "cluster_admin_priv.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_log.h"
#include "util_socket.h"
#include "util_sockserver.h"

#define ADMIN_READ_CHUNK 65536
#define ADMIN_MAX_CLIENTS 64
#define ADMIN_WORKERS 8      /* commands that may block for minutes */
#define ADMIN_PRIO_WORKERS 2 /* queries answered from memory */
#define ADMIN_JSON_DEPTH 16  /* requests are flat objects */

/* One typed field of a request, checked before its command runs. */
typedef enum {
    ADMIN_FIELD_STRING = 0,
    ADMIN_FIELD_BOOL,
    ADMIN_FIELD_STRINGS, /* an array of strings */
} adminFieldType;

typedef struct {
    const char *name;
    adminFieldType type;
    bool required;
} adminField;

/*
 * A command: takes the checked request, returns its result (a new
 * reference; never NULL on success) or an error. Runs on a worker thread.
 */
typedef bool (*adminCommandFunc)(shoalCluster *cluster,
                                 json_object *request,
                                 json_object **result,
                                 GError **error);

typedef struct {
    const char *name;         /* the request's "command" */
    adminCommandFunc func;    /* one cluster call */
    bool priority;            /* answered from memory: the quick pool */
    const adminField *fields; /* ends with a NULL name */
} adminCommand;

struct _shoalAdminServer {
    shoalCluster *cluster;     /* borrowed: outlives the server */
    GMainContext *context;     /* immutable */
    char *socketPath;          /* immutable */
    shoalSockServer *listener; /* context thread only */
    GThreadPool *workers;      /* immutable: commands that change things */
    GThreadPool *prioWorkers;  /* immutable: cheap queries */
    GHashTable *clients;       /* context thread only: set of adminClient */
    unsigned nextClientId;     /* context thread only */
    gint jobs;                 /* atomic: commands queued or running */
    /* borrowed, nullable: the access group, sockets from systemd */
    const shoalSocketConfig *sockets;
};

/*
 * One connection. Reference counted: the server's set holds one while the
 * socket is open, a request in flight holds one. Requests run one at a
 * time, so responses go out in order and input is read only while idle.
 */
typedef struct {
    gint refs;
    unsigned id;              /* immutable */
    char idStr[16];           /* immutable: id for log fields */
    shoalAdminServer *server; /* borrowed; context thread only */
    GSocketConnection *conn;  /* context thread only */
    GSocket *socket;          /* context thread only: NULL once closed */
    GError *accessError;      /* immutable: why it is refused, or NULL */
    int pid;                  /* immutable: SO_PEERCRED, for logs */
    GByteArray *inBuf;        /* context thread only: unparsed input */
    GByteArray *outBuf;       /* context thread only: response to send */
    gsize outOffset;          /* context thread only: sent of outBuf */
    GSource *inSource;        /* context thread only */
    GSource *outSource;       /* context thread only */
    bool busy;                /* context thread only: a request runs */
    bool eof;                 /* context thread only: peer sent all */
} adminClient;

/* A request on its way through a worker and back. */
typedef struct {
    adminClient *client;         /* a reference */
    shoalAdminServer *server;    /* borrowed: waits for its workers */
    const adminCommand *command; /* static */
    json_object *request;        /* owned */
    char *response;              /* owned: written by the worker */
} adminJob;

static adminClient *
adminClientRef(adminClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}

static void
adminClientUnref(adminClient *client)
{
    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;
    g_clear_error(&client->accessError);
    g_byte_array_unref(client->inBuf);
    g_byte_array_unref(client->outBuf);
    g_clear_object(&client->conn);
    g_free(client);
}

static void
adminJobFree(adminJob *job)
{
    adminClientUnref(job->client);
    json_object_put(job->request);
    g_free(job->response);
    g_free(job);
}

/* Encoding */

static json_object *
adminJsonString(const char *str)
{
    return str ? json_object_new_string(str) : NULL;
}

/* ISO 8601 in UTC, to the second; null before a start. */
static json_object *
adminTimeFormat(gint64 us)
{
    g_autoptr(GDateTime) dt = NULL;
    g_autofree char *str = NULL;

    if (us <= 0)
        return NULL;
    dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    if (!dt)
        return NULL;
    str = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    return json_object_new_string(str);
}

/* 0..1, or null while the amount of data is unknown. */
static json_object *
adminProgressFormat(const shoalMigrationInfo *info)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    double progress;

    if (info->state == SHOAL_MIGRATION_DONE) {
        progress = 1.0;
    } else if (info->dataTotal > 0) {
        progress = (double) info->dataProcessed / (double) info->dataTotal;
        progress = CLAMP(progress, 0.0, 1.0);
    } else {
        return NULL;
    }
    /* four digits, not json-c's seventeen */
    g_ascii_formatd(buf, sizeof(buf), "%.4f", progress);
    return json_object_new_double_s(progress, buf);
}

static json_object *
adminHostInfoFormat(const shoalClusterHostInfo *info)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "name", adminJsonString(info->name));
    json_object_object_add(obj, "uri", adminJsonString(info->uri));
    json_object_object_add(obj, "migration_uri",
                           adminJsonString(info->migrationUri));
    json_object_object_add(obj, "state", adminJsonString(info->state));
    json_object_object_add(obj, "maintenance",
                           json_object_new_boolean(info->maintenance));
    json_object_object_add(obj, "last_error", adminJsonString(info->lastError));
    json_object_object_add(obj, "memory_kib",
                           json_object_new_uint64(info->memoryKiB));
    json_object_object_add(obj, "cpus", json_object_new_uint64(info->cpus));
    json_object_object_add(obj, "committed_memory_kib",
                           json_object_new_uint64(info->committedMemoryKiB));
    json_object_object_add(obj, "committed_vcpus",
                           json_object_new_uint64(info->committedVcpus));
    json_object_object_add(obj, "domains",
                           json_object_new_uint64(info->domains));
    json_object_object_add(obj, "running",
                           json_object_new_uint64(info->running));
    json_object_object_add(obj, "cpu_load",
                           info->cpuLoad < 0
                               ? NULL
                               : json_object_new_double(info->cpuLoad));
    return obj;
}

static json_object *
adminMigrationFormat(const shoalMigrationInfo *info)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "id", json_object_new_uint64(info->id));
    json_object_object_add(obj, "domain", adminJsonString(info->domain));
    json_object_object_add(obj, "from", adminJsonString(info->from));
    json_object_object_add(obj, "to", adminJsonString(info->to));
    json_object_object_add(obj, "reason", adminJsonString(info->reason));
    json_object_object_add(obj, "state",
                           adminJsonString(
                               shoalMigrationStateToString(info->state)));
    json_object_object_add(obj, "started", adminTimeFormat(info->startedUs));
    json_object_object_add(obj, "duration_ms",
                           json_object_new_int64(info->durationMs));
    json_object_object_add(obj, "data_total",
                           json_object_new_uint64(info->dataTotal));
    json_object_object_add(obj, "data_processed",
                           json_object_new_uint64(info->dataProcessed));
    json_object_object_add(obj, "progress", adminProgressFormat(info));
    /* libvirt reports downtime only once a migration completes */
    json_object_object_add(obj, "downtime_ms",
                           info->downtimeMs > 0
                               ? json_object_new_uint64(info->downtimeMs)
                               : NULL);
    json_object_object_add(obj, "error", adminJsonString(info->error));
    return obj;
}

static char *
adminResponseFormat(json_object *response)
{
    /* plain: one line, whatever the strings hold */
    return g_strdup(
        json_object_to_json_string_ext(response,
                                       JSON_C_TO_STRING_PLAIN |
                                           JSON_C_TO_STRING_NOSLASHESCAPE));
}

static char *
adminResponseFormatResult(json_object *result)
{
    g_autoptr(json_object) response = json_object_new_object();

    json_object_object_add(response, "ok", json_object_new_boolean(true));
    json_object_object_add(response, "result", json_object_get(result));
    return adminResponseFormat(response);
}

/* Any error: the code is libvirt's, through our one table if foreign. */
static char *
adminResponseFormatError(GError *error)
{
    g_autoptr(json_object) response = json_object_new_object();
    json_object *err = json_object_new_object();

    shoalErrorConvert(&error);
    json_object_object_add(err, "code", json_object_new_int(error->code));
    json_object_object_add(err, "message", adminJsonString(error->message));
    json_object_object_add(response, "ok", json_object_new_boolean(false));
    json_object_object_add(response, "error", err);
    return adminResponseFormat(response);
}

/* Decoding: fields were checked against the command's table. */

static const char *
adminRequestGetString(json_object *request, const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(request, key, &value) || !value)
        return NULL;
    return json_object_get_string(value);
}

static bool
adminRequestGetBool(json_object *request, const char *key)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(request, key, &value) || !value)
        return false;
    return json_object_get_boolean(value);
}

/* Commands: one cluster call each */

static bool
adminCommandHostList(shoalCluster *cluster,
                     json_object *request,
                     json_object **result,
                     GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHostInfo(cluster);
    json_object *out = json_object_new_array();
    guint i;

    for (i = 0; hosts && i < hosts->len; i++)
        json_object_array_add(out, adminHostInfoFormat(hosts->pdata[i]));
    *result = out;
    return true;
}

static bool
adminCommandHostAdd(shoalCluster *cluster,
                    json_object *request,
                    json_object **result,
                    GError **error)
{
    if (!shoalClusterAddHost(cluster, adminRequestGetString(request, "name"),
                             adminRequestGetString(request, "uri"),
                             adminRequestGetString(request, "migration_uri"),
                             error))
        return false;
    *result = json_object_new_object();
    return true;
}

static bool
adminCommandHostRemove(shoalCluster *cluster,
                       json_object *request,
                       json_object **result,
                       GError **error)
{
    if (!shoalClusterRemoveHost(cluster, adminRequestGetString(request, "name"),
                                error))
        return false;
    *result = json_object_new_object();
    return true;
}

static bool
adminCommandHostMaintenance(shoalCluster *cluster,
                            json_object *request,
                            json_object **result,
                            GError **error)
{
    g_autoptr(shoalMaintenanceResult) res = NULL;
    bool on = adminRequestGetBool(request, "on");
    bool returnDomains = adminRequestGetBool(request, "return");
    json_object *errors;
    json_object *out;
    guint i;

    if (on && returnDomains) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: 'return' applies only when maintenance is switched off"));
        return false;
    }
    if (!shoalClusterSetMaintenance(cluster,
                                    adminRequestGetString(request, "name"), on,
                                    returnDomains, &res, error))
        return false;
    out = json_object_new_object();
    errors = json_object_new_array();
    for (i = 0; res && res->errors && i < res->errors->len; i++) {
        json_object_array_add(errors, adminJsonString(res->errors->pdata[i]));
    }
    json_object_object_add(out, "migrated",
                           json_object_new_uint64(res ? res->migrated : 0));
    json_object_object_add(out, "rehomed",
                           json_object_new_uint64(res ? res->rehomed : 0));
    json_object_object_add(out, "failed",
                           json_object_new_uint64(res ? res->failed : 0));
    json_object_object_add(out, "errors", errors);
    *result = out;
    return true;
}

/* What waits for an operator: duplicates and missing definitions. */
static bool
adminCommandConflicts(shoalCluster *cluster,
                      json_object *request,
                      json_object **result,
                      GError **error)
{
    g_autoptr(GPtrArray) conflicts = shoalClusterListConflicts(cluster);
    json_object *out = json_object_new_array();
    guint i;

    for (i = 0; i < conflicts->len; i++) {
        const shoalClusterConflictInfo *c = conflicts->pdata[i];
        json_object *obj = json_object_new_object();
        json_object *hosts = json_object_new_array();
        guint j;

        for (j = 0; c->hosts[j]; j++)
            json_object_array_add(hosts, adminJsonString(c->hosts[j]));
        json_object_object_add(obj, "kind",
                               json_object_new_string(
                                   shoalConflictKindToString(c->kind)));
        json_object_object_add(obj, "domain", adminJsonString(c->domain));
        json_object_object_add(obj, "uuid", json_object_new_string(c->uuid));
        json_object_object_add(obj, "hosts", hosts);
        json_object_array_add(out, obj);
    }
    *result = out;
    return true;
}

static json_object *
adminJsonStrv(GStrv strv)
{
    json_object *arr = json_object_new_array();
    size_t i;

    for (i = 0; strv && strv[i]; i++)
        json_object_array_add(arr, adminJsonString(strv[i]));
    return arr;
}

/* Pools and networks with the hosts that have them (cluster_objects.h). */
static bool
adminCommandObjects(shoalCluster *cluster,
                    json_object *request,
                    json_object **result,
                    GError **error)
{
    g_autoptr(GPtrArray) infos = shoalClusterObjectListInfo(cluster);
    json_object *out = json_object_new_array();
    guint i;

    for (i = 0; i < infos->len; i++) {
        const shoalObjectInfo *info = infos->pdata[i];
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "kind",
                               json_object_new_string(
                                   shoalObjectKindToString(info->kind)));
        json_object_object_add(obj, "name", adminJsonString(info->name));
        json_object_object_add(obj, "uuid", adminJsonString(info->uuid));
        json_object_object_add(obj, "cluster",
                               json_object_new_boolean(info->managed));
        json_object_object_add(obj, "active",
                               json_object_new_boolean(info->active));
        json_object_object_add(obj, "autostart",
                               json_object_new_boolean(info->autostart));
        json_object_object_add(obj, "hosts", adminJsonStrv(info->hosts));
        json_object_object_add(obj, "running", adminJsonStrv(info->running));
        json_object_object_add(obj, "lacking", adminJsonStrv(info->lacking));
        json_object_array_add(out, obj);
    }
    *result = out;
    return true;
}

/* Defines again, from the store, what a host lacks. */
static bool
adminCommandHostRestore(shoalCluster *cluster,
                        json_object *request,
                        json_object **result,
                        GError **error)
{
    g_autoptr(GPtrArray) restored = NULL;
    g_autoptr(GPtrArray) names = NULL;
    json_object *domains = NULL;
    json_object *out;
    size_t i;

    if (json_object_object_get_ex(request, "domains", &domains) && domains) {
        names = g_ptr_array_new();
        for (i = 0; i < json_object_array_length(domains); i++)
            g_ptr_array_add(names, (gpointer) json_object_get_string(
                                       json_object_array_get_idx(domains, i)));
        g_ptr_array_add(names, NULL);
    }
    if (!shoalClusterRestoreHost(cluster,
                                 adminRequestGetString(request, "name"),
                                 names ? (const char *const *) names->pdata
                                       : NULL,
                                 &restored, error))
        return false;
    out = json_object_new_array();
    for (i = 0; i < restored->len; i++)
        json_object_array_add(out, adminJsonString(restored->pdata[i]));
    *result = json_object_new_object();
    json_object_object_add(*result, "restored", out);
    return true;
}

/* HA restart: on or off and why, failed hosts, what became of their
 * domains. */
static bool
adminCommandHa(shoalCluster *cluster,
               json_object *request,
               json_object **result,
               GError **error)
{
    g_autoptr(shoalClusterHaStatus) status = shoalClusterGetHaStatus(cluster);
    json_object *out = json_object_new_object();
    json_object *failed = json_object_new_array();
    json_object *domains = json_object_new_array();
    guint i;

    for (i = 0; status->failedHosts[i]; i++)
        json_object_array_add(failed, adminJsonString(status->failedHosts[i]));
    for (i = 0; i < status->records->len; i++) {
        const shoalClusterHaRecord *r = status->records->pdata[i];
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "domain", adminJsonString(r->domain));
        json_object_object_add(obj, "uuid", adminJsonString(r->uuid));
        json_object_object_add(obj, "from", adminJsonString(r->from));
        json_object_object_add(obj, "to", adminJsonString(r->to));
        json_object_object_add(obj, "status", adminJsonString(r->status));
        json_object_object_add(obj, "reason", adminJsonString(r->reason));
        json_object_object_add(obj, "error", adminJsonString(r->error));
        json_object_object_add(obj, "attempts",
                               json_object_new_uint64(r->attempts));
        json_object_object_add(obj, "priority",
                               json_object_new_int(r->priority));
        json_object_object_add(obj, "time", adminTimeFormat(r->timeUs));
        json_object_object_add(obj, "next_try_ms",
                               json_object_new_int64(r->nextTryInMs));
        json_object_array_add(domains, obj);
    }
    json_object_object_add(out, "enabled",
                           json_object_new_boolean(status->enabled));
    json_object_object_add(out, "disabled_reason",
                           adminJsonString(status->disabledReason));
    json_object_object_add(out, "leases", adminJsonString(status->leases));
    json_object_object_add(out, "failure_timeout_s",
                           json_object_new_uint64(status->failureTimeoutS));
    json_object_object_add(out, "failed_hosts", failed);
    json_object_object_add(out, "domains", domains);
    *result = out;
    return true;
}

/* Per host: state, the lock manager it declares, whether HA sees it
 * failed. */
static bool
adminCommandHostCheck(shoalCluster *cluster,
                      json_object *request,
                      json_object **result,
                      GError **error)
{
    g_autoptr(GPtrArray) checks =
        shoalClusterCheckHosts(cluster, adminRequestGetString(request, "name"),
                               error);
    json_object *out;
    guint i;

    if (!checks)
        return false;
    out = json_object_new_array();
    for (i = 0; i < checks->len; i++) {
        const shoalClusterHostCheck *c = checks->pdata[i];
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "name", adminJsonString(c->name));
        json_object_object_add(obj, "state", adminJsonString(c->state));
        json_object_object_add(obj, "maintenance",
                               json_object_new_boolean(c->maintenance));
        json_object_object_add(obj, "leases", adminJsonString(c->leases));
        json_object_object_add(obj, "leases_source",
                               json_object_new_string(c->leases ? "declared"
                                                                : "unknown"));
        json_object_object_add(obj, "failed",
                               json_object_new_boolean(c->failed));
        json_object_object_add(obj, "down_ms",
                               json_object_new_int64(c->downMs));
        json_object_array_add(out, obj);
    }
    *result = out;
    return true;
}

static bool
adminCommandMigrations(shoalCluster *cluster,
                       json_object *request,
                       json_object **result,
                       GError **error)
{
    g_autoptr(GPtrArray) migrations = shoalClusterListMigrations(cluster);
    json_object *out = json_object_new_array();
    guint i;

    for (i = 0; migrations && i < migrations->len; i++)
        json_object_array_add(out, adminMigrationFormat(migrations->pdata[i]));
    *result = out;
    return true;
}

static bool
adminCommandStatus(shoalCluster *cluster,
                   json_object *request,
                   json_object **result,
                   GError **error)
{
    shoalClusterStatus status = { 0 };
    json_object *out = json_object_new_object();

    shoalClusterGetStatus(cluster, &status);
    json_object_object_add(out, "hosts", json_object_new_uint64(status.hosts));
    json_object_object_add(out, "hosts_online",
                           json_object_new_uint64(status.hostsOnline));
    json_object_object_add(out, "hosts_maintenance",
                           json_object_new_uint64(status.hostsMaintenance));
    json_object_object_add(out, "domains",
                           json_object_new_uint64(status.domains));
    json_object_object_add(out, "running",
                           json_object_new_uint64(status.running));
    json_object_object_add(out, "migrations_running",
                           json_object_new_uint64(status.migrationsRunning));
    *result = out;
    return true;
}

/* sched's JSON, embedded as an object in the response. */
static bool
adminEmbedJSON(char *json, json_object **result, GError **error)
{
    g_autofree char *text = json;
    json_object *obj = json_tokener_parse(text);

    if (!obj) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the scheduler produced invalid JSON"));
        return false;
    }
    *result = obj;
    return true;
}

/* The last round's plan, or a fresh one (nothing executed) if none ran. */
static bool
adminCommandPlan(shoalCluster *cluster,
                 json_object *request,
                 json_object **result,
                 GError **error)
{
    g_autoptr(shoalSchedPlan) plan = shoalClusterGetPlan(cluster);

    if (!plan && !(plan = shoalClusterRebalance(cluster, false, NULL, error)))
        return false;
    return adminEmbedJSON(shoalSchedPlanFormatJSON(plan), result, error);
}

/* One round now, carried out as the mode says. */
static bool
adminCommandRebalance(shoalCluster *cluster,
                      json_object *request,
                      json_object **result,
                      GError **error)
{
    g_autoptr(shoalSchedPlan) plan = NULL;
    json_object *planObj = NULL;
    unsigned failed = 0;

    if (!(plan = shoalClusterRebalance(cluster, true, &failed, error)) ||
        !adminEmbedJSON(shoalSchedPlanFormatJSON(plan), &planObj, error))
        return false;
    *result = json_object_new_object();
    json_object_object_add(*result, "plan", planObj);
    json_object_object_add(*result, "failed", json_object_new_uint64(failed));
    return true;
}

/* The live snapshot, in the format the offline planner reads. */
static bool
adminCommandSnapshot(shoalCluster *cluster,
                     json_object *request,
                     json_object **result,
                     GError **error)
{
    g_autoptr(shoalSchedSnapshot) snap = shoalClusterSnapshot(cluster);

    return adminEmbedJSON(shoalSchedSnapshotFormatJSON(snap), result, error);
}

static const adminField adminNoFields[] = {
    { NULL, 0, false },
};

static const adminField adminHostAddFields[] = {
    { "name", ADMIN_FIELD_STRING, true },
    { "uri", ADMIN_FIELD_STRING, true },
    { "migration_uri", ADMIN_FIELD_STRING, false },
    { NULL, 0, false },
};

static const adminField adminHostNameFields[] = {
    { "name", ADMIN_FIELD_STRING, true },
    { NULL, 0, false },
};

static const adminField adminHostMaintenanceFields[] = {
    { "name", ADMIN_FIELD_STRING, true },
    { "on", ADMIN_FIELD_BOOL, true },
    { "return", ADMIN_FIELD_BOOL, false },
    { NULL, 0, false },
};

static const adminField adminHostCheckFields[] = {
    { "name", ADMIN_FIELD_STRING, false },
    { NULL, 0, false },
};

static const adminField adminHostRestoreFields[] = {
    { "name", ADMIN_FIELD_STRING, true },
    { "domains", ADMIN_FIELD_STRINGS, false },
    { NULL, 0, false },
};

/* The protocol: to add a command, add its row and its function. */
static const adminCommand adminCommands[] = {
    { "host-list", adminCommandHostList, true, adminNoFields },
    { "host-add", adminCommandHostAdd, false, adminHostAddFields },
    { "host-remove", adminCommandHostRemove, false, adminHostNameFields },
    { "host-maintenance", adminCommandHostMaintenance, false,
      adminHostMaintenanceFields },
    { "host-restore", adminCommandHostRestore, false, adminHostRestoreFields },
    { "conflicts", adminCommandConflicts, true, adminNoFields },
    { "objects", adminCommandObjects, true, adminNoFields },
    { "migrations", adminCommandMigrations, true, adminNoFields },
    { "status", adminCommandStatus, true, adminNoFields },
    { "plan", adminCommandPlan, false, adminNoFields },
    { "rebalance", adminCommandRebalance, false, adminNoFields },
    { "snapshot", adminCommandSnapshot, true, adminNoFields },
    { "ha", adminCommandHa, true, adminNoFields },
    { "host-check", adminCommandHostCheck, true, adminHostCheckFields },
    /* elastic VM groups (groups12) */
    { "group-list", shoalAdminCommandGroupList, false, adminNoFields },
};

static const adminCommand *
adminCommandLookup(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(adminCommands); i++) {
        if (g_str_equal(adminCommands[i].name, name))
            return &adminCommands[i];
    }
    return NULL;
}

static const adminField *
adminCommandLookupField(const adminCommand *command, const char *name)
{
    const adminField *field;

    for (field = command->fields; field->name; field++) {
        if (g_str_equal(field->name, name))
            return field;
    }
    return NULL;
}

static bool
adminFieldCheck(const adminCommand *command,
                const adminField *field,
                json_object *value,
                GError **error)
{
    size_t i;

    switch (field->type) {
    case ADMIN_FIELD_STRING:
        if (!json_object_is_type(value, json_type_string)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: field '%1$s' of admin command '%2$s' must be a string"),
                        field->name, command->name);
            return false;
        }
        if (strlen(json_object_get_string(value)) !=
            (size_t) json_object_get_string_len(value)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: field '%1$s' of admin command '%2$s' contains a NUL character"),
                        field->name, command->name);
            return false;
        }
        return true;
    case ADMIN_FIELD_STRINGS:
        if (!json_object_is_type(value, json_type_array)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: field '%1$s' of admin command '%2$s' must be an array of strings"),
                        field->name, command->name);
            return false;
        }
        for (i = 0; i < json_object_array_length(value); i++) {
            json_object *item = json_object_array_get_idx(value, i);

            if (!json_object_is_type(item, json_type_string) ||
                strlen(json_object_get_string(item)) !=
                    (size_t) json_object_get_string_len(item)) {
                g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                            _("invalid argument: field '%1$s' of admin command '%2$s' must be an array of strings"),
                            field->name, command->name);
                return false;
            }
        }
        return true;
    case ADMIN_FIELD_BOOL:
        if (!json_object_is_type(value, json_type_boolean)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: field '%1$s' of admin command '%2$s' must be true or false"),
                        field->name, command->name);
            return false;
        }
        return true;
    }
    g_assert_not_reached();
}

/* Every field known and well typed, every required one there. */
static bool
adminRequestCheck(const adminCommand *command,
                  json_object *request,
                  GError **error)
{
    struct json_object_iterator it = json_object_iter_begin(request);
    struct json_object_iterator end = json_object_iter_end(request);
    const adminField *field;

    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *name = json_object_iter_peek_name(&it);

        if (g_str_equal(name, "command"))
            continue;
        if (!adminCommandLookupField(command, name)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: admin command '%1$s' has no field '%2$s'"),
                        command->name, name);
            return false;
        }
    }
    for (field = command->fields; field->name; field++) {
        json_object *value = NULL;

        /* null stands for an optional field left out */
        if (!json_object_object_get_ex(request, field->name, &value) ||
            !value) {
            if (!field->required)
                continue;
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: admin command '%1$s' needs field '%2$s'"),
                        command->name, field->name);
            return false;
        }
        if (!adminFieldCheck(command, field, value, error))
            return false;
    }
    return true;
}

/*
 * One request line of @len bytes, without its newline; @data[@len] is a
 * NUL. Returns the command's row and the checked request (a new
 * reference).
 */
static bool
adminRequestParse(const char *data,
                  size_t len,
                  const adminCommand **command,
                  json_object **request,
                  GError **error)
{
    g_autoptr(json_object) obj = NULL;
    json_tokener *tok;
    enum json_tokener_error jerr;
    json_object *name = NULL;
    const adminCommand *cmd;

    if (memchr(data, '\0', len)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("cannot parse admin request: it contains a NUL byte"));
        return false;
    }
    tok = json_tokener_new_ex(ADMIN_JSON_DEPTH);
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    /* the final NUL tells the tokener the input ends here */
    obj = json_tokener_parse_ex(tok, data, (int) len + 1);
    jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("cannot parse admin request: %1$s"),
                    json_tokener_error_desc(jerr));
        return false;
    }
    /* JSON null parses to NULL, which is no object either */
    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("admin request is not a JSON object"));
        return false;
    }
    if (!json_object_object_get_ex(obj, "command", &name) ||
        !json_object_is_type(name, json_type_string)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("admin request has no 'command' string"));
        return false;
    }
    cmd = adminCommandLookup(json_object_get_string(name));
    if (!cmd) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("unknown admin command '%1$s'"),
                    json_object_get_string(name));
        return false;
    }
    if (!adminRequestCheck(cmd, obj, error))
        return false;
    *command = cmd;
    *request = g_steal_pointer(&obj);
    return true;
}

/* Returns: (transfer full): the response line, without its newline. */
static char *
adminRequestRun(shoalCluster *cluster,
                const adminCommand *command,
                json_object *request)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) result = NULL;

    if (!command->func(cluster, request, &result, &error))
        return adminResponseFormatError(error);
    return adminResponseFormatResult(result);
}

/**
 * shoalAdminHandleRequest:
 * @line: one request, without its newline
 *
 * Decodes @line, runs its command (which may block on member hosts for
 * minutes) and encodes the outcome. Any thread but the main loop's.
 *
 * Returns: (transfer full): the response line, without its newline.
 */
char *
shoalAdminHandleRequest(shoalCluster *cluster, const char *line)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) request = NULL;
    const adminCommand *command = NULL;

    if (!adminRequestParse(line, strlen(line), &command, &request, &error))
        return adminResponseFormatError(error);
    return adminRequestRun(cluster, command, request);
}

/**
 * shoalAdminCheckAccess:
 * @sockets: (nullable): the access group; NULL for none
 * @creds: (nullable): the peer's credentials (SO_PEERCRED)
 *
 * Decides who may use the admin interface: root and the access group.
 */
bool
shoalAdminCheckAccess(const shoalSocketConfig *sockets,
                      GCredentials *creds,
                      GError **error)
{
    if (shoalSocketCheckPeer(sockets, creds))
        return true;
    if (sockets && sockets->accessGroup)
        g_set_error(error, SHOAL_ERROR, VIR_ERR_ACCESS_DENIED,
                    _("access denied: only root and group '%1$s' may use the admin interface"),
                    sockets->accessGroup);
    else
        g_set_error(error, SHOAL_ERROR, VIR_ERR_ACCESS_DENIED,
                    _("access denied: only root may use the admin interface"));
    return false;
}

/* Connections: all on the server's context */

static void adminClientRun(adminClient *client);

static gboolean adminClientOnReadable(GSocket *socket,
                                      GIOCondition cond,
                                      gpointer opaque);

static gboolean adminClientOnWritable(GSocket *socket,
                                      GIOCondition cond,
                                      gpointer opaque);

static void
adminClientClose(adminClient *client)
{
    shoalAdminServer *server = client->server;

    if (!client->socket)
        return;
    if (client->inSource) {
        g_source_destroy(client->inSource);
        g_clear_pointer(&client->inSource, g_source_unref);
    }
    if (client->outSource) {
        g_source_destroy(client->outSource);
        g_clear_pointer(&client->outSource, g_source_unref);
    }
    g_io_stream_close(G_IO_STREAM(client->conn), NULL, NULL);
    client->socket = NULL;
    client->server = NULL;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                     SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                     "admin client closed");
    /* may drop the last reference */
    g_hash_table_remove(server->clients, client);
}

/* Reads only while no request runs: that bounds what a client buffers. */
static void
adminClientWatchInput(adminClient *client)
{
    if (client->inSource)
        return;
    client->inSource =
        shoalSockServerWatch(client->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                             G_SOURCE_FUNC(adminClientOnReadable), client,
                             client->server->context);
}

/*
 * Sends what the socket takes of the response. Returns true once all of
 * it is out (the client is idle again); false while it waits for the
 * socket, or after closing the client.
 */
static bool
adminClientFlush(adminClient *client)
{
    while (client->outOffset < client->outBuf->len) {
        g_autoptr(GError) error = NULL;
        gssize n;

        n = g_socket_send(client->socket,
                          (const char *) client->outBuf->data +
                              client->outOffset,
                          client->outBuf->len - client->outOffset, NULL,
                          &error);
        if (n < 0) {
            if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                client->outSource =
                    shoalSockServerWatch(client->socket, G_IO_OUT,
                                         G_SOURCE_FUNC(adminClientOnWritable),
                                         client, client->server->context);
                return false;
            }
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                             SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                             "cannot send to admin client: %s", error->message);
            adminClientClose(client);
            return false;
        }
        client->outOffset += n;
    }
    g_byte_array_set_size(client->outBuf, 0);
    client->outOffset = 0;
    client->busy = false;
    return true;
}

static gboolean
adminClientOnWritable(GSocket *socket, GIOCondition cond, gpointer opaque)
{
    adminClient *client = opaque;

    g_clear_pointer(&client->outSource, g_source_unref);
    if (adminClientFlush(client))
        adminClientRun(client);
    return G_SOURCE_REMOVE;
}

/* Queues @response and its newline; true if it is out already. */
static bool
adminClientRespond(adminClient *client, const char *response)
{
    g_byte_array_append(client->outBuf, (const guint8 *) response,
                        strlen(response));
    g_byte_array_append(client->outBuf, (const guint8 *) "\n", 1);
    return adminClientFlush(client);
}

static gboolean
adminJobOnDone(gpointer opaque)
{
    adminJob *job = opaque;

    /* a client closed meanwhile gets nothing */
    if (job->client->socket && adminClientRespond(job->client, job->response))
        adminClientRun(job->client);
    return G_SOURCE_REMOVE;
}

/* Worker thread: runs the command, posts the response to the context. */
static void
adminJobRun(gpointer data, gpointer opaque)
{
    adminJob *job = data;
    g_autoptr(GSource) done = g_idle_source_new();

    job->response =
        adminRequestRun(job->server->cluster, job->command, job->request);
    g_atomic_int_add(&job->server->jobs, -1);
    /* a source of its own, so the response is never sent from here */
    g_source_set_priority(done, G_PRIORITY_DEFAULT);
    g_source_set_callback(done, adminJobOnDone, job,
                          (GDestroyNotify) adminJobFree);
    g_source_attach(done, job->server->context);
}

/*
 * Starts one request. Returns: (transfer full): the response if it is
 * answered at once (refused, malformed), or NULL if a worker runs it.
 */
static char *
adminClientDispatch(adminClient *client, const char *data, size_t len)
{
    shoalAdminServer *server = client->server;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_object) request = NULL;
    const adminCommand *command = NULL;
    adminJob *job;

    if (client->accessError)
        return adminResponseFormatError(client->accessError);
    if (!adminRequestParse(data, len, &command, &request, &error))
        return adminResponseFormatError(error);
    g_log_structured(G_LOG_DOMAIN,
                     command->priority ? G_LOG_LEVEL_DEBUG : G_LOG_LEVEL_INFO,
                     SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                     "admin command '%s' from pid %d", command->name,
                     client->pid);
    job = g_new0(adminJob, 1);
    job->client = adminClientRef(client);
    job->server = server;
    job->command = command;
    job->request = g_steal_pointer(&request);
    g_atomic_int_inc(&server->jobs);
    if (!g_thread_pool_push(command->priority ? server->prioWorkers
                                              : server->workers,
                            job, &error)) {
        g_atomic_int_add(&server->jobs, -1);
        adminJobFree(job);
        return adminResponseFormatError(error);
    }
    return NULL;
}

/*
 * Takes the next whole line, if any, and starts it. Returns false when
 * there is none: then it reads on, or closes at EOF or on a line that is
 * too long.
 */
static bool
adminClientNextLine(adminClient *client)
{
    const char *data = (const char *) client->inBuf->data;
    size_t len = client->inBuf->len;
    g_autofree char *line = NULL;
    g_autofree char *response = NULL;
    const char *nl;
    size_t lineLen;

    nl =
        len > 0 ? memchr(data, '\n', MIN(len, SHOAL_ADMIN_LINE_MAX + 1)) : NULL;
    if (!nl) {
        if (len > SHOAL_ADMIN_LINE_MAX) {
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                             SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                             "closing admin client: request longer than %d bytes",
                             SHOAL_ADMIN_LINE_MAX);
            adminClientClose(client);
        } else if (client->eof) {
            /* an unterminated last line is not a request */
            adminClientClose(client);
        } else {
            adminClientWatchInput(client);
        }
        return false;
    }
    lineLen = nl - data;
    line = g_malloc(lineLen + 1);
    memcpy(line, data, lineLen);
    line[lineLen] = '\0';
    g_byte_array_remove_range(client->inBuf, 0, lineLen + 1);
    if (lineLen > 0 && line[lineLen - 1] == '\r') {
        lineLen--;
        line[lineLen] = '\0';
    }
    client->busy = true;
    response = adminClientDispatch(client, line, lineLen);
    if (response)
        adminClientRespond(client, response);
    return true;
}

/*
 * Answers buffered lines in order until a command runs on a worker, the
 * socket is full, or no whole line is left. A loop, not recursion: a
 * client may pipeline many short requests.
 */
static void
adminClientRun(adminClient *client)
{
    adminClientRef(client);
    while (client->socket && !client->busy) {
        if (!adminClientNextLine(client))
            break;
    }
    adminClientUnref(client);
}

static gboolean
adminClientOnReadable(GSocket *socket, GIOCondition cond, gpointer opaque)
{
    adminClient *client = opaque;
    g_autoptr(GError) error = NULL;
    shoalSockRecv got;

    got =
        shoalSockServerReceive(socket, client->inBuf, ADMIN_READ_CHUNK, &error);
    if (got == SHOAL_SOCK_RECV_AGAIN)
        return G_SOURCE_CONTINUE;
    if (got == SHOAL_SOCK_RECV_ERROR) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "admin client disconnected: %s", error->message);
        adminClientClose(client);
        return G_SOURCE_REMOVE;
    }
    /* one read per wake-up; adminClientRun() watches again if idle */
    g_clear_pointer(&client->inSource, g_source_unref);
    if (got == SHOAL_SOCK_RECV_EOF)
        client->eof = true;
    adminClientRun(client);
    return G_SOURCE_REMOVE;
}

static guint
adminServerCountClients(gpointer opaque)
{
    shoalAdminServer *server = opaque;

    return g_hash_table_size(server->clients);
}

/* From the socket-server core: a client under the limit. */
static void
adminServerOnIncoming(GSocketConnection *conn,
                      bool readOnly,
                      GCredentials *creds,
                      gpointer opaque)
{
    shoalAdminServer *server = opaque;
    adminClient *client;

    client = g_new0(adminClient, 1);
    client->refs = 1;
    client->id = ++server->nextClientId;
    g_snprintf(client->idStr, sizeof(client->idStr), "admin-%u", client->id);
    client->server = server;
    client->conn = g_object_ref(conn);
    client->socket = g_socket_connection_get_socket(conn);
    client->pid = -1;
    g_socket_set_blocking(client->socket, FALSE);
    if (creds)
        client->pid = g_credentials_get_unix_pid(creds, NULL);
    /* refused clients get an error for each request, not a silent EOF */
    shoalAdminCheckAccess(server->sockets, creds, &client->accessError);
    client->inBuf = g_byte_array_new();
    client->outBuf = g_byte_array_new();
    g_hash_table_add(server->clients, client);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                     SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                     "admin client connected pid=%d allowed=%d", client->pid,
                     client->accessError == NULL);
    adminClientWatchInput(client);
}

/**
 * shoalAdminServerNew:
 * @cluster: (transfer none): must outlive the server
 * @socketPath: the socket's file; refused if a live daemon answers there,
 *   replaced if stale, or the one systemd passed in
 * @sockets: (nullable): the access group and sockets from systemd; must
 *   outlive the server
 * @context: where connections are accepted and served; the thread that
 *   runs it must have it as its thread-default context (GSocketService
 *   accepts there)
 *
 * Listens on @socketPath (mode 0600, or 0660 with an access group) at
 * once. Call on @context's thread, or before any thread runs @context.
 *
 * Returns: (transfer full): the server, or NULL with @error set.
 */
shoalAdminServer *
shoalAdminServerNew(shoalCluster *cluster,
                    const char *socketPath,
                    const shoalSocketConfig *sockets,
                    GMainContext *context,
                    GError **error)
{
    g_autoptr(shoalAdminServer) server = g_new0(shoalAdminServer, 1);
    bool ok;

    server->cluster = cluster;
    server->context = g_main_context_ref(context);
    server->socketPath = g_strdup(socketPath);
    server->sockets = sockets;
    server->clients =
        g_hash_table_new_full(g_direct_hash, g_direct_equal,
                              (GDestroyNotify) adminClientUnref, NULL);
    server->workers = g_thread_pool_new_full(adminJobRun, server,
                                             (GDestroyNotify) adminJobFree,
                                             ADMIN_WORKERS, FALSE, error);
    if (!server->workers)
        return NULL;
    server->prioWorkers =
        g_thread_pool_new_full(adminJobRun, server,
                               (GDestroyNotify) adminJobFree,
                               ADMIN_PRIO_WORKERS, FALSE, error);
    if (!server->prioWorkers)
        return NULL;

    g_main_context_push_thread_default(context);
    server->listener =
        shoalSockServerNew(sockets, "admin client", ADMIN_MAX_CLIENTS,
                           adminServerCountClients, adminServerOnIncoming,
                           server);
    ok =
        shoalSockServerListen(server->listener, socketPath, true, false, error);
    if (ok)
        shoalSockServerStart(server->listener);
    g_main_context_pop_thread_default(context);
    if (!ok)
        return NULL;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                     "admin interface listening on '%s'", socketPath);
    return g_steal_pointer(&server);
}

/**
 * shoalAdminServerIsIdle:
 * Whether no client is connected and no command runs. On @context's
 * thread.
 */
bool
shoalAdminServerIsIdle(shoalAdminServer *server)
{
    return g_hash_table_size(server->clients) == 0 &&
           g_atomic_int_get(&server->jobs) == 0;
}

/**
 * shoalAdminServerFree:
 * Stops listening, closes every client, removes the socket file, then
 * waits for commands that already run (requests not started yet are
 * dropped). On @context's thread.
 */
void
shoalAdminServerFree(shoalAdminServer *server)
{
    g_autoptr(GPtrArray) all = NULL;
    GHashTableIter iter;
    gpointer key;
    guint i;

    if (!server)
        return;
    /* systemd's socket outlives us: it starts the next daemon */
    g_clear_pointer(&server->listener, shoalSockServerFree);
    all = g_ptr_array_new_with_free_func((GDestroyNotify) adminClientUnref);
    g_hash_table_iter_init(&iter, server->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(all, adminClientRef(key));
    for (i = 0; i < all->len; i++)
        adminClientClose(all->pdata[i]);
    /* responses of commands that finish now find their client closed */
    if (server->workers)
        g_thread_pool_free(server->workers, TRUE, TRUE);
    if (server->prioWorkers)
        g_thread_pool_free(server->prioWorkers, TRUE, TRUE);
    g_hash_table_unref(server->clients);
    g_main_context_unref(server->context);
    g_free(server->socketPath);
    g_free(server);
}
