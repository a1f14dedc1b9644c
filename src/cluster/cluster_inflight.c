/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Migrations in flight, in the store (issue 13): a migration is recorded
 * in the store's document "migrations" before it starts and forgotten
 * when it ended, so that a daemon that takes the lead over (the one that
 * started it died) follows it to its end instead of starting it twice.
 * The hosts run a peer-to-peer migration to its end without the daemon
 * that asked; the successor holds the domain's job meanwhile (no step,
 * no client's call moves it), polls the source's job until it ends, then
 * re-reads both hosts, which settle where the domain runs (the reconcile
 * rules, as after any migration), and forgets the record.
 */

#include <config.h>

#include <string.h>

#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_error.h"
#include "util_log.h"
#include "util_uuid.h"

#define INFLIGHT_DOCUMENT "migrations"
#define INFLIGHT_POLL_MS 500
/* how long a successor follows a migration it found in flight */
#define INFLIGHT_FOLLOW_MAX_S 1800

typedef struct {
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *domain;
    char *from;
    char *to;
    bool held; /* the follower's copy: it took the domain's job */
} inflightRecord;

struct _shoalInflight {
    /* held across the document's write: records and document agree */
    GMutex lock;
    GHashTable *records; /* protected by lock: uuid → inflightRecord */
    GThread *follower;   /* main thread: started at start, joined at stop */
    gint stopping;
};

static void
inflightRecordFree(inflightRecord *rec)
{
    g_free(rec->domain);
    g_free(rec->from);
    g_free(rec->to);
    g_free(rec);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(inflightRecord, inflightRecordFree)

shoalInflight *
shoalInflightNew(void)
{
    shoalInflight *inflight = g_new0(shoalInflight, 1);

    g_mutex_init(&inflight->lock);
    inflight->records =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, NULL,
                              (GDestroyNotify) inflightRecordFree);
    return inflight;
}

/* Main thread, before the hosts are disconnected: no more following. */
void
shoalInflightStop(shoalInflight *inflight)
{
    g_atomic_int_set(&inflight->stopping, 1);
    if (inflight->follower)
        g_thread_join(g_steal_pointer(&inflight->follower));
}

void
shoalInflightFree(shoalInflight *inflight)
{
    if (!inflight)
        return;
    shoalInflightStop(inflight);
    g_hash_table_unref(inflight->records);
    g_mutex_clear(&inflight->lock);
    g_free(inflight);
}

/* Call with the lock held: the document is the table. */
static bool
inflightWrite(shoalCluster *cluster, GError **error)
{
    shoalInflight *inflight = cluster->inflight;
    json_object *doc = json_object_new_object();
    GHashTableIter iter;
    inflightRecord *rec;
    bool ok;

    g_hash_table_iter_init(&iter, inflight->records);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rec)) {
        char uuidstr[VIR_UUID_STRING_BUFLEN];
        json_object *o = json_object_new_object();

        shoalUUIDFormat(rec->uuid, uuidstr);
        json_object_object_add(o, "domain",
                               json_object_new_string(rec->domain));
        json_object_object_add(o, "from", json_object_new_string(rec->from));
        json_object_object_add(o, "to", json_object_new_string(rec->to));
        json_object_object_add(doc, uuidstr, o);
    }
    ok =
        !cluster->store ||
        shoalStorePutDocument(cluster->store, INFLIGHT_DOCUMENT,
                              json_object_to_json_string_ext(doc,
                                                             JSON_C_TO_STRING_PLAIN),
                              error);
    json_object_put(doc);
    return ok;
}

/**
 * shoalClusterInflightRecord:
 * @opaque: a shoalClusterStepCtx
 *
 * Executor worker, before a migration starts: records it in the store.
 */
bool
shoalClusterInflightRecord(gpointer opaque,
                           const shoalExecStep *step,
                           GError **error)
{
    shoalCluster *cluster = ((shoalClusterStepCtx *) opaque)->cluster;
    shoalInflight *inflight = cluster->inflight;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&inflight->lock);
    inflightRecord *rec = g_new0(inflightRecord, 1);

    memcpy(rec->uuid, step->uuid, VIR_UUID_BUFLEN);
    rec->domain = g_strdup(step->plan->domain);
    rec->from = g_strdup(step->plan->from);
    rec->to = g_strdup(step->plan->to);
    g_hash_table_replace(inflight->records, rec->uuid, rec);
    if (inflightWrite(cluster, error))
        return true;
    g_hash_table_remove(inflight->records, step->uuid);
    return false;
}

static void
inflightForget(shoalCluster *cluster, const unsigned char *uuid)
{
    shoalInflight *inflight = cluster->inflight;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&inflight->lock);
    g_autoptr(GError) err = NULL;

    if (!g_hash_table_remove(inflight->records, uuid))
        return;
    /* a record left behind only makes a successor look at a job that
     * has ended */
    if (!inflightWrite(cluster, &err))
        g_warning("cannot record that a migration ended: %s", err->message);
}

/* Executor worker, once the migration ended, whichever way. */
void
shoalClusterInflightForget(gpointer opaque, const shoalExecStep *step)
{
    inflightForget(((shoalClusterStepCtx *) opaque)->cluster, step->uuid);
}

typedef enum {
    INFLIGHT_RUNNING, /* the source still migrates it, or cannot tell */
    INFLIGHT_ENDED,
} inflightState;

static inflightState
inflightCheck(shoalCluster *cluster, const inflightRecord *rec)
{
    g_autoptr(shoalHost) source = NULL;
    g_autoptr(GError) err = NULL;
    virDomainJobInfo info;
    virDomainPtr dom;
    bool gone;
    int rc;

    /* a source that left the cluster has nothing to tell */
    if (!(source = shoalClusterLookupHost(cluster, rec->from, NULL)))
        return INFLIGHT_ENDED;
    if (!(dom = shoalHostLookupDomain(source, rec->uuid, &err)))
        return g_error_matches(err, SHOAL_ERROR, VIR_ERR_NO_DOMAIN)
                   ? INFLIGHT_ENDED
                   : INFLIGHT_RUNNING;
    rc = virDomainGetJobInfo(dom, &info);
    /* a cached handle on a domain that left; a driver with no jobs (the
     * test driver) migrates nothing */
    gone = rc < 0 && (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ||
                      virGetLastErrorCode() == VIR_ERR_NO_SUPPORT);
    virDomainFree(dom);
    if (gone || (rc >= 0 && info.type == VIR_DOMAIN_JOB_NONE))
        return INFLIGHT_ENDED;
    return INFLIGHT_RUNNING;
}

/* Both hosts re-read: the domain's place and definitions settle. */
static void
inflightSettle(shoalCluster *cluster, const inflightRecord *rec)
{
    const char *names[] = { rec->from, rec->to };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(shoalHost) host =
            shoalClusterLookupHost(cluster, names[i], NULL);

        if (host)
            shoalClusterRequestResync(cluster, host);
    }
}

/* Returns: (transfer full): copies of the records, inflightRecord. */
static GPtrArray *
inflightCopyAll(shoalInflight *inflight)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&inflight->lock);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) inflightRecordFree);
    GHashTableIter iter;
    inflightRecord *rec;

    g_hash_table_iter_init(&iter, inflight->records);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &rec)) {
        inflightRecord *copy = g_new0(inflightRecord, 1);

        memcpy(copy->uuid, rec->uuid, VIR_UUID_BUFLEN);
        copy->domain = g_strdup(rec->domain);
        copy->from = g_strdup(rec->from);
        copy->to = g_strdup(rec->to);
        g_ptr_array_add(out, copy);
    }
    return out;
}

static gpointer
inflightFollowRun(gpointer opaque)
{
    shoalCluster *cluster = opaque;
    shoalInflight *inflight = cluster->inflight;
    gint64 deadline =
        g_get_monotonic_time() + INFLIGHT_FOLLOW_MAX_S * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) pending = inflightCopyAll(inflight);
    guint i;

    /* the domains' jobs: nothing else moves them meanwhile */
    for (i = 0; i < pending->len; i++) {
        inflightRecord *rec = pending->pdata[i];
        g_autoptr(GError) err = NULL;

        if (!(rec->held = shoalDomainJobsBegin(cluster->jobs, rec->uuid, &err)))
            g_warning("following '%s' without its job: %s", rec->domain,
                      err->message);
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                         SHOAL_LOG_DOMAIN(rec->domain), "MESSAGE",
                         "following the migration of '%s' from '%s' to '%s' the previous leader started",
                         rec->domain, rec->from, rec->to);
    }
    while (pending->len > 0 && !g_atomic_int_get(&inflight->stopping)) {
        for (i = pending->len; i-- > 0;) {
            const inflightRecord *rec = pending->pdata[i];

            if (inflightCheck(cluster, rec) != INFLIGHT_ENDED)
                continue;
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                             SHOAL_LOG_DOMAIN(rec->domain), "MESSAGE",
                             "the migration of '%s' from '%s' to '%s' ended: re-reading both hosts",
                             rec->domain, rec->from, rec->to);
            inflightSettle(cluster, rec);
            if (rec->held)
                shoalDomainJobsEnd(cluster->jobs, rec->uuid);
            inflightForget(cluster, rec->uuid);
            g_ptr_array_remove_index(pending, i);
        }
        if (g_get_monotonic_time() >= deadline)
            break;
        if (pending->len > 0)
            g_usleep(INFLIGHT_POLL_MS * G_TIME_SPAN_MILLISECOND);
    }
    for (i = 0; i < pending->len; i++) {
        const inflightRecord *rec = pending->pdata[i];

        if (!g_atomic_int_get(&inflight->stopping))
            g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                             SHOAL_LOG_DOMAIN(rec->domain), "MESSAGE",
                             "the migration of '%s' from '%s' to '%s' did not end within %d s: no longer followed",
                             rec->domain, rec->from, rec->to,
                             INFLIGHT_FOLLOW_MAX_S);
        if (rec->held)
            shoalDomainJobsEnd(cluster->jobs, rec->uuid);
    }
    return NULL;
}

static void
inflightLoadDocument(shoalInflight *inflight, json_object *doc)
{
    json_object_object_foreach(doc, key, val)
    {
        g_autoptr(inflightRecord) rec = g_new0(inflightRecord, 1);
        json_object *domain, *from, *to;
        inflightRecord *owned;

        if (!shoalUUIDParse(key, rec->uuid) ||
            !json_object_object_get_ex(val, "domain", &domain) ||
            !json_object_object_get_ex(val, "from", &from) ||
            !json_object_object_get_ex(val, "to", &to)) {
            g_message("ignoring a damaged record of a migration in flight: '%s'",
                      key);
            continue;
        }
        rec->domain = g_strdup(json_object_get_string(domain));
        rec->from = g_strdup(json_object_get_string(from));
        rec->to = g_strdup(json_object_get_string(to));
        owned = g_steal_pointer(&rec);
        g_mutex_lock(&inflight->lock);
        g_hash_table_replace(inflight->records, owned->uuid, owned);
        g_mutex_unlock(&inflight->lock);
    }
}

/* Reads the document a previous leader left. */
static void
inflightLoad(shoalCluster *cluster)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *json =
        shoalStoreGetDocument(cluster->store, INFLIGHT_DOCUMENT, &err);
    json_object *doc;

    if (err)
        g_warning("cannot read the migrations in flight: %s", err->message);
    if (!json || !(doc = json_tokener_parse(json)))
        return;
    if (json_object_is_type(doc, json_type_object))
        inflightLoadDocument(cluster->inflight, doc);
    json_object_put(doc);
}

/**
 * shoalClusterInflightResume:
 *
 * Main thread, at start: follows the migrations a previous daemon left in
 * flight, on a thread of their own, until they ended.
 */
void
shoalClusterInflightResume(shoalCluster *cluster)
{
    shoalInflight *inflight = cluster->inflight;

    if (!cluster->store)
        return;
    inflightLoad(cluster);
    if (g_hash_table_size(inflight->records) == 0)
        return;
    inflight->follower =
        g_thread_new("inflight-follow", inflightFollowRun, cluster);
}
