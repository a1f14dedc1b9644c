/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster seen as one hypervisor: the answers the driver asks for. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_call.h"
#include "cluster_error.h"
#include "cluster_internal.h"
#include "util_error.h"
#include "util_log.h"

const char *
shoalClusterGetType(shoalCluster *cluster)
{
    return "Shoal";
}

unsigned long long
shoalClusterGetVersion(shoalCluster *cluster)
{
    return SHOAL_VERSION_NUMBER;
}

unsigned long long
shoalClusterGetLibVersion(shoalCluster *cluster)
{
    unsigned long version = 0;

    virGetVersion(&version, NULL, NULL);
    return version;
}

char *
shoalClusterGetHostname(shoalCluster *cluster, GError **error)
{
    /* the cluster answers where its daemon runs */
    return g_strdup(g_get_host_name());
}

/* Facts of every online host, in host name order. */
static GPtrArray *
queryOnlineFacts(shoalCluster *cluster, GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    g_autoptr(GPtrArray) facts =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalHostFactsFree);
    guint i;

    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        shoalHostFacts *f;

        if (shoalHostGetState(host) != SHOAL_HOST_STATE_ONLINE)
            continue;
        f = shoalHostCopyFacts(host);
        if (f)
            g_ptr_array_add(facts, f);
    }
    if (facts->len == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: no member host is online"));
        return NULL;
    }
    return g_steal_pointer(&facts);
}

/**
 * shoalClusterGetCapabilities:
 *
 * Guests can run on any member, so the first online host's capabilities
 * stand for the cluster. Returns: (transfer full): capabilities XML.
 */
char *
shoalClusterGetCapabilities(shoalCluster *cluster, GError **error)
{
    g_autoptr(GPtrArray) facts = queryOnlineFacts(cluster, error);

    if (!facts)
        return NULL;
    return g_strdup(((shoalHostFacts *) facts->pdata[0])->capabilities);
}

char *
shoalClusterGetSysinfo(shoalCluster *cluster, unsigned flags, GError **error)
{
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);

    /* SMBIOS of no single machine fits; describe the cluster instead */
    return g_strdup_printf("<sysinfo type='smbios'>\n"
                           "  <system>\n"
                           "    <entry name='manufacturer'>Shoal</entry>\n"
                           "    <entry name='product'>Shoal cluster</entry>\n"
                           "    <entry name='version'>%s</entry>\n"
                           "    <entry name='family'>%u hosts</entry>\n"
                           "  </system>\n"
                           "</sysinfo>\n",
                           PACKAGE_VERSION, hosts->len);
}

/**
 * shoalClusterGetNodeInfo:
 *
 * The cluster's totals over online hosts: memory and CPUs add up, the
 * clock is the slowest host's, the topology is flattened to one socket per
 * NUMA node so that nodes × sockets × cores × threads = CPUs.
 */
bool
shoalClusterGetNodeInfo(shoalCluster *cluster,
                        virNodeInfo *info,
                        GError **error)
{
    g_autoptr(GPtrArray) facts = queryOnlineFacts(cluster, error);
    unsigned nodes = 0;
    guint i;

    if (!facts)
        return false;
    memset(info, 0, sizeof(*info));
    g_strlcpy(info->model, ((shoalHostFacts *) facts->pdata[0])->nodeInfo.model,
              sizeof(info->model));
    for (i = 0; i < facts->len; i++) {
        const virNodeInfo *n = &((shoalHostFacts *) facts->pdata[i])->nodeInfo;

        info->memory += n->memory;
        info->cpus += n->cpus;
        nodes += MAX(n->nodes, 1);
        if (info->mhz == 0 || (n->mhz && n->mhz < info->mhz))
            info->mhz = n->mhz;
    }
    if (info->cpus % nodes != 0)
        nodes = 1;
    info->nodes = nodes;
    info->sockets = 1;
    info->cores = info->cpus / nodes;
    info->threads = 1;
    return true;
}

int
shoalClusterGetMaxVcpus(shoalCluster *cluster, const char *type, GError **error)
{
    g_autoptr(GPtrArray) facts = queryOnlineFacts(cluster, error);
    int max = -1;
    guint i;

    if (!facts)
        return -1;
    /* a guest must fit on every host it may be moved to */
    for (i = 0; i < facts->len; i++) {
        int n = ((shoalHostFacts *) facts->pdata[i])->maxVcpus;

        if (n > 0 && (max < 0 || n < max))
            max = n;
    }
    if (max < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_SUPPORT,
                    _("this function is not supported by the connection driver: virConnectGetMaxVcpus"));
        return -1;
    }
    return max;
}

GPtrArray *
shoalClusterListDomains(shoalCluster *cluster, unsigned flags, GError **error)
{
    shoalClusterWaitFirstReads(cluster);
    return shoalInventoryList(cluster->inventory, flags);
}

shoalDomainRef *
shoalClusterLookupDomainByName(shoalCluster *cluster,
                               const char *name,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;

    shoalClusterWaitFirstReads(cluster);
    entry = shoalInventoryLookupByName(cluster->inventory, name, error);
    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

shoalDomainRef *
shoalClusterLookupDomainByUUID(shoalCluster *cluster,
                               const unsigned char *uuid,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;

    shoalClusterWaitFirstReads(cluster);
    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, error);
    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

shoalDomainRef *
shoalClusterLookupDomainByID(shoalCluster *cluster, int id, GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;

    shoalClusterWaitFirstReads(cluster);
    entry = shoalInventoryLookupByID(cluster->inventory, id, error);
    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

bool
shoalClusterDomainGetState(shoalCluster *cluster,
                           const unsigned char *uuid,
                           int *state,
                           int *reason,
                           GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    if (!entry)
        return false;
    *state = entry->rec.state;
    *reason = entry->rec.reason;
    return true;
}

int
shoalClusterDomainIsActive(shoalCluster *cluster,
                           const unsigned char *uuid,
                           GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    return entry ? entry->id > 0 : -1;
}

int
shoalClusterDomainIsPersistent(shoalCluster *cluster,
                               const unsigned char *uuid,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    return entry ? entry->rec.persistent : -1;
}

int
shoalClusterDomainGetAutostart(shoalCluster *cluster,
                               const unsigned char *uuid,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    return entry ? entry->rec.autostart : -1;
}

int
shoalClusterDomainHasManagedSaveImage(shoalCluster *cluster,
                                      const unsigned char *uuid,
                                      unsigned flags,
                                      GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    return entry ? entry->rec.managedSave : -1;
}

static int
queryCallInfo(virDomainPtr dom, gpointer opaque)
{
    return virDomainGetInfo(dom, opaque);
}

/* A call with flags in and a string out. */
typedef struct _queryString {
    unsigned flags;
    char *str;
} queryString;

static int
queryCallXMLDesc(virDomainPtr dom, gpointer opaque)
{
    queryString *q = opaque;

    q->str = virDomainGetXMLDesc(dom, q->flags);
    return q->str ? 0 : -1;
}

static int
queryCallVcpus(virDomainPtr dom, gpointer opaque)
{
    return virDomainGetVcpusFlags(dom, *(const unsigned *) opaque);
}

static int
queryCallMaxVcpus(virDomainPtr dom, gpointer opaque)
{
    return virDomainGetMaxVcpus(dom);
}

static int
queryCallMaxMemory(virDomainPtr dom, gpointer opaque)
{
    unsigned long long *kib = opaque;

    *kib = virDomainGetMaxMemory(dom);
    return *kib ? 0 : -1;
}

static int
queryCallSnapshotNum(virDomainPtr dom, gpointer opaque)
{
    return virDomainSnapshotNum(dom, *(const unsigned *) opaque);
}

bool
shoalClusterDomainGetInfo(shoalCluster *cluster,
                          const unsigned char *uuid,
                          virDomainInfo *info,
                          GError **error)
{
    g_autofree char *hostName = NULL;

    if (shoalClusterDomainCallFull(cluster, uuid, SHOAL_CALL_RETRY,
                                   queryCallInfo, info, &hostName, error) < 0)
        return false;
    /* the source's copy stops when a migration hands over: the guest
     * itself runs on, so answer from where it went */
    if (info->state == VIR_DOMAIN_SHUTOFF &&
        shoalClusterDomainMoved(cluster, uuid, hostName) &&
        shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY, queryCallInfo,
                               info, error) < 0)
        return false;
    /* the guest's time on hosts it left, so the counter never goes back */
    info->cpuTime += shoalInventoryGetCPUOffset(cluster->inventory, uuid);
    return true;
}

char *
shoalClusterDomainGetXMLDesc(shoalCluster *cluster,
                             const unsigned char *uuid,
                             unsigned flags,
                             GError **error)
{
    queryString q = { flags, NULL };

    shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY, queryCallXMLDesc,
                           &q, error);
    return q.str;
}

/* The OS type through the host's cache; its error is kept aside, as the
 * cache has converted it already. */
typedef struct _queryOSType {
    shoalCluster *cluster; /* borrowed */
    char *type;
    GError *error;
} queryOSType;

static int
queryCallOSType(virDomainPtr dom, gpointer opaque)
{
    queryOSType *q = opaque;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) host = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (virDomainGetUUID(dom, uuid) < 0)
        return -1;
    if ((entry = shoalInventoryLookupByUUID(q->cluster->inventory, uuid,
                                            &q->error)) &&
        (host = shoalClusterLookupHost(q->cluster, entry->hostName, &q->error)))
        q->type = shoalHostGetOSType(host, dom, &q->error);
    return q->type ? 0 : -1;
}

char *
shoalClusterDomainGetOSType(shoalCluster *cluster,
                            const unsigned char *uuid,
                            GError **error)
{
    queryOSType q = { cluster, NULL, NULL };
    g_autoptr(GError) err = NULL;

    if (shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY, queryCallOSType,
                               &q, &err) < 0) {
        g_propagate_error(error, q.error ? g_steal_pointer(&q.error)
                                         : g_steal_pointer(&err));
        g_clear_error(&q.error);
        return NULL;
    }
    return q.type;
}

int
shoalClusterDomainGetVcpusFlags(shoalCluster *cluster,
                                const unsigned char *uuid,
                                unsigned flags,
                                GError **error)
{
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  queryCallVcpus, &flags, error);
}

int
shoalClusterDomainGetMaxVcpus(shoalCluster *cluster,
                              const unsigned char *uuid,
                              GError **error)
{
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  queryCallMaxVcpus, NULL, error);
}

bool
shoalClusterDomainGetMaxMemory(shoalCluster *cluster,
                               const unsigned char *uuid,
                               unsigned long long *memoryKiB,
                               GError **error)
{
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  queryCallMaxMemory, memoryKiB, error) >= 0;
}

int
shoalClusterDomainSnapshotNum(shoalCluster *cluster,
                              const unsigned char *uuid,
                              unsigned flags,
                              GError **error)
{
    /* none where its host lost it: virsh undefine asks before forgetting */
    if (shoalClusterIsMissing(cluster, uuid))
        return 0;
    return shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                                  queryCallSnapshotNum, &flags, error);
}

typedef struct _queryMessages {
    unsigned flags;
    char **msgs; /* libvirt's allocation */
} queryMessages;

static int
queryCallMessages(virDomainPtr dom, gpointer opaque)
{
    queryMessages *q = opaque;

    return virDomainGetMessages(dom, &q->msgs, q->flags);
}

/**
 * shoalClusterDomainGetMessages:
 * Returns: (transfer full): the host's messages about the domain (tainting,
 *   deprecations), possibly empty.
 */
GStrv
shoalClusterDomainGetMessages(shoalCluster *cluster,
                              const unsigned char *uuid,
                              unsigned flags,
                              GError **error)
{
    queryMessages q = { flags, NULL };
    GStrv out;
    int n;
    int i;

    n = shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                               queryCallMessages, &q, error);
    if (n < 0)
        return NULL;
    out = g_new0(char *, n + 1);
    for (i = 0; i < n; i++)
        out[i] = q.msgs[i];
    free(q.msgs);
    return out;
}

/*
 * Statistics fan out to the hosts in parallel: one slow host costs at most
 * hostCallTimeoutMs, and never the answer about the others.
 */
typedef struct _queryFanOut {
    gint refs;
    GMutex lock;
    GCond cond;
    unsigned pending;   /* protected by lock */
    GPtrArray *results; /* protected by lock: shoalDomainStats */
    GError *error;      /* protected by lock: first failure */
    unsigned stats;     /* immutable */
    unsigned flags;     /* immutable */
} queryFanOut;

static queryFanOut *
queryFanOutRef(queryFanOut *fan)
{
    g_atomic_int_inc(&fan->refs);
    return fan;
}

static void
queryFanOutUnref(queryFanOut *fan)
{
    if (!fan || !g_atomic_int_dec_and_test(&fan->refs))
        return;
    g_ptr_array_unref(fan->results);
    g_clear_error(&fan->error);
    g_mutex_clear(&fan->lock);
    g_cond_clear(&fan->cond);
    g_free(fan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(queryFanOut, queryFanOutUnref)

typedef struct _queryJob {
    queryFanOut *fan; /* a reference */
    shoalHost *host;  /* a reference */
    GPtrArray *uuids; /* NULL: every domain of the host */
} queryJob;

static void
queryJobFree(queryJob *job)
{
    queryFanOutUnref(job->fan);
    shoalHostUnref(job->host);
    if (job->uuids)
        g_ptr_array_unref(job->uuids);
    g_free(job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(queryJob, queryJobFree)

/* Returns the number of records, or -1 with @error set. */
static int
queryHostStats(virConnectPtr conn,
               queryJob *job,
               virDomainStatsRecordPtr **records,
               GError **error)
{
    g_autofree virDomainPtr *doms = NULL;
    guint i;
    guint n = 0;
    int rc;

    if (!job->uuids) {
        rc = virConnectGetAllDomainStats(conn, job->fan->stats, records,
                                         job->fan->flags);
        if (rc < 0)
            shoalErrorFromLibvirt(error, job->host->name);
        return rc;
    }
    doms = g_new0(virDomainPtr, job->uuids->len + 1);
    for (i = 0; i < job->uuids->len; i++) {
        doms[n] = virDomainLookupByUUID(conn, job->uuids->pdata[i]);
        if (!doms[n]) {
            shoalErrorFromLibvirt(error, job->host->name);
            rc = -1;
            goto cleanup;
        }
        n++;
    }
    rc = virDomainListGetStats(doms, job->fan->stats, records, job->fan->flags);
    if (rc < 0)
        shoalErrorFromLibvirt(error, job->host->name);
cleanup:
    for (i = 0; i < n; i++)
        virDomainFree(doms[i]);
    return rc;
}

/* cpu.time goes on across hosts, as in virDomainGetInfo(). */
static void
queryAddCPUOffset(GPtrArray *params, unsigned long long offsetNs)
{
    guint i;

    for (i = 0; offsetNs && i < params->len; i++) {
        shoalTypedParam *p = params->pdata[i];

        if (p->type == VIR_TYPED_PARAM_ULLONG &&
            g_str_equal(p->field, "cpu.time"))
            p->value.ul += offsetNs;
    }
}

/* Query pool: one host's statistics into the fan-out. */
void
shoalClusterQueryRun(gpointer data, gpointer opaque)
{
    g_autoptr(queryJob) job = data;
    shoalCluster *cluster = opaque;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDomainStatsFree);
    virDomainStatsRecordPtr *records = NULL;
    virConnectPtr conn;
    int n = -1;
    int i;

    conn = shoalHostGetConnection(job->host, &error);
    if (conn) {
        n = queryHostStats(conn, job, &records, &error);
        virConnectClose(conn);
    }
    for (i = 0; i < n; i++) {
        shoalDomainStats *rec = g_new0(shoalDomainStats, 1);
        g_autoptr(shoalInventoryEntry) entry = NULL;
        unsigned char uuid[VIR_UUID_BUFLEN];

        virDomainGetUUID(records[i]->dom, uuid);
        entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
        rec->dom = entry ? shoalInventoryEntryToRef(entry)
                         : shoalDomainRefNew(virDomainGetName(records[i]->dom),
                                             uuid, -1);
        rec->params = shoalTypedParamsFromLibvirt(records[i]->params,
                                                  records[i]->nparams);
        queryAddCPUOffset(rec->params,
                          shoalInventoryGetCPUOffset(cluster->inventory, uuid));
        g_ptr_array_add(out, rec);
    }
    if (records)
        virDomainStatsRecordListFree(records);

    g_mutex_lock(&job->fan->lock);
    g_ptr_array_extend_and_steal(job->fan->results, g_steal_pointer(&out));
    if (error && !job->fan->error)
        job->fan->error = g_steal_pointer(&error);
    job->fan->pending--;
    g_cond_signal(&job->fan->cond);
    g_mutex_unlock(&job->fan->lock);
}

static void
queryFanOutPush(shoalCluster *cluster,
                queryFanOut *fan,
                shoalHost *host,
                GPtrArray *uuids)
{
    queryJob *job = g_new0(queryJob, 1);

    job->fan = queryFanOutRef(fan);
    job->host = shoalHostRef(host);
    job->uuids = uuids ? g_ptr_array_ref(uuids) : NULL;
    fan->pending++;
    g_thread_pool_push(cluster->queryPool, job, NULL);
}

/* Groups @uuids by owning host. Returns: host name → GPtrArray of uuids. */
static GHashTable *
queryGroupByHost(shoalCluster *cluster, GPtrArray *uuids, GError **error)
{
    g_autoptr(GHashTable) groups =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                              (GDestroyNotify) g_ptr_array_unref);
    guint i;

    for (i = 0; i < uuids->len; i++) {
        g_autoptr(shoalInventoryEntry) entry = NULL;
        GPtrArray *group;

        if (!(entry = shoalInventoryLookupByUUID(cluster->inventory,
                                                 uuids->pdata[i], error)) ||
            !shoalInventoryEntryCheckUsable(entry, error))
            return NULL;
        group = g_hash_table_lookup(groups, entry->hostName);
        if (!group) {
            group = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(groups, g_strdup(entry->hostName), group);
        }
        g_ptr_array_add(group, g_memdup2(uuids->pdata[i], VIR_UUID_BUFLEN));
    }
    return g_steal_pointer(&groups);
}

/**
 * shoalClusterGetAllDomainStats:
 * @uuids: (nullable): the domains asked for, or NULL for every domain
 *
 * Returns: (transfer full): shoalDomainStats records. Without @uuids a host
 *   that fails or is too slow is left out; with them it is an error.
 */
GPtrArray *
shoalClusterGetAllDomainStats(shoalCluster *cluster,
                              GPtrArray *uuids,
                              unsigned stats,
                              unsigned flags,
                              GError **error)
{
    g_autoptr(queryFanOut) fan = g_new0(queryFanOut, 1);
    g_autoptr(GHashTable) groups = NULL;
    g_autoptr(GPtrArray) hosts = shoalClusterListHosts(cluster);
    GPtrArray *results;
    gint64 deadline;
    guint i;

    fan->refs = 1;
    g_mutex_init(&fan->lock);
    g_cond_init(&fan->cond);
    fan->results =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDomainStatsFree);
    fan->stats = stats;
    fan->flags = flags;

    if (uuids && !(groups = queryGroupByHost(cluster, uuids, error)))
        return NULL;

    g_mutex_lock(&fan->lock);
    for (i = 0; i < hosts->len; i++) {
        shoalHost *host = hosts->pdata[i];
        GPtrArray *group =
            groups ? g_hash_table_lookup(groups, host->name) : NULL;

        if (groups && !group)
            continue;
        if (!groups && shoalHostGetState(host) != SHOAL_HOST_STATE_ONLINE)
            continue;
        queryFanOutPush(cluster, fan, host, group);
    }
    deadline = g_get_monotonic_time() +
               (gint64) cluster->config.hostCallTimeoutMs * 1000;
    while (fan->pending > 0) {
        if (!g_cond_wait_until(&fan->cond, &fan->lock, deadline))
            break;
    }
    if (fan->pending > 0 && groups) {
        g_mutex_unlock(&fan->lock);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                    _("Timed out during operation: a member host did not answer within %1$u ms"),
                    cluster->config.hostCallTimeoutMs);
        return NULL;
    }
    if (fan->error && groups) {
        g_propagate_error(error, g_steal_pointer(&fan->error));
        g_mutex_unlock(&fan->lock);
        return NULL;
    }
    if (fan->error)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE",
                         "statistics of a host left out: %s",
                         fan->error->message);
    /* late answers land in a fresh array that dies with the fan-out */
    results = g_steal_pointer(&fan->results);
    fan->results =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalDomainStatsFree);
    g_mutex_unlock(&fan->lock);
    return results;
}
