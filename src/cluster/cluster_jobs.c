/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-domain jobs: which domains a change runs on now. */
#include <config.h>

#include "cluster_jobs.h"

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/* libvirt's own wait for a domain's job lock */
#define JOBS_WAIT_US (30 * G_USEC_PER_SEC)

struct _shoalDomainJobs {
    GMutex lock;
    GCond cond;         /* signalled when a job ends */
    GHashTable *active; /* protected by lock: GBytes uuids with a job */
    /* protected by lock: names a define or create holds while it talks
     * to the host, so that names stay unique cluster-wide */
    GHashTable *names;
};

shoalDomainJobs *
shoalDomainJobsNew(void)
{
    shoalDomainJobs *jobs = g_new0(shoalDomainJobs, 1);

    g_mutex_init(&jobs->lock);
    g_cond_init(&jobs->cond);
    jobs->active = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref, NULL);
    jobs->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return jobs;
}

/* With no job running: a job holder keeps the cluster, and so this. */
void
shoalDomainJobsFree(shoalDomainJobs *jobs)
{
    if (!jobs)
        return;
    g_hash_table_unref(jobs->active);
    g_hash_table_unref(jobs->names);
    g_cond_clear(&jobs->cond);
    g_mutex_clear(&jobs->lock);
    g_free(jobs);
}

/* Adds @key (transfer full) to @table once no one holds it, waiting until
 * @deadline. */
static bool
jobsTake(shoalDomainJobs *jobs,
         GHashTable *table,
         gpointer key,
         gint64 deadline,
         GError **error)
{
    bool ok = true;

    g_mutex_lock(&jobs->lock);
    while (g_hash_table_contains(table, key)) {
        if (!g_cond_wait_until(&jobs->cond, &jobs->lock, deadline)) {
            ok = false;
            break;
        }
    }
    if (ok)
        g_hash_table_add(table, key);
    g_mutex_unlock(&jobs->lock);
    if (!ok) {
        if (table == jobs->names)
            g_free(key);
        else
            g_bytes_unref(key);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                    _("Timed out during operation: cannot acquire state change lock"));
    }
    return ok;
}

static void
jobsRelease(shoalDomainJobs *jobs, GHashTable *table, gconstpointer key)
{
    g_mutex_lock(&jobs->lock);
    g_hash_table_remove(table, key);
    g_cond_broadcast(&jobs->cond);
    g_mutex_unlock(&jobs->lock);
}

/**
 * shoalDomainJobsBeginTimeout:
 * @waitUs: how long to wait for a running job to end
 *
 * Takes the domain's job, waiting up to @waitUs for the running one.
 * Fails like libvirt does when the wait runs out.
 */
bool
shoalDomainJobsBeginTimeout(shoalDomainJobs *jobs,
                            const unsigned char *uuid,
                            gint64 waitUs,
                            GError **error)
{
    return jobsTake(jobs, jobs->active, g_bytes_new(uuid, VIR_UUID_BUFLEN),
                    g_get_monotonic_time() + waitUs, error);
}

/* Takes the domain's job, waiting up to 30 s as libvirt does. */
bool
shoalDomainJobsBegin(shoalDomainJobs *jobs,
                     const unsigned char *uuid,
                     GError **error)
{
    return shoalDomainJobsBeginTimeout(jobs, uuid, JOBS_WAIT_US, error);
}

/* Takes the domain's job only if no change runs now. */
bool
shoalDomainJobsTryBegin(shoalDomainJobs *jobs, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&jobs->lock);

    if (g_hash_table_contains(jobs->active, key))
        return false;
    g_hash_table_add(jobs->active, g_bytes_ref(key));
    return true;
}

/* Whether a change to the domain runs now (it then keeps the store in
 * step itself). */
bool
shoalDomainJobsIsActive(shoalDomainJobs *jobs, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new_static(uuid, VIR_UUID_BUFLEN);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&jobs->lock);

    return g_hash_table_contains(jobs->active, key);
}

void
shoalDomainJobsEnd(shoalDomainJobs *jobs, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = g_bytes_new_static(uuid, VIR_UUID_BUFLEN);

    jobsRelease(jobs, jobs->active, key);
}

/**
 * shoalDomainJobsReserveName:
 *
 * Holds @name for a define or create, waiting up to 30 s for another to
 * release it: a domain that is not on a host yet has no UUID to take a
 * job on, so its name stands in.
 */
bool
shoalDomainJobsReserveName(shoalDomainJobs *jobs,
                           const char *name,
                           GError **error)
{
    return jobsTake(jobs, jobs->names, g_strdup(name),
                    g_get_monotonic_time() + JOBS_WAIT_US, error);
}

void
shoalDomainJobsReleaseName(shoalDomainJobs *jobs, const char *name)
{
    jobsRelease(jobs, jobs->names, name);
}
