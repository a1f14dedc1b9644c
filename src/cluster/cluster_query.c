/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cluster seen as one hypervisor: the answers the driver asks for. */
#include <config.h>

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

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
    return shoalInventoryList(cluster->inventory, flags);
}

shoalDomainRef *
shoalClusterLookupDomainByName(shoalCluster *cluster,
                               const char *name,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByName(cluster->inventory, name, error);

    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

shoalDomainRef *
shoalClusterLookupDomainByUUID(shoalCluster *cluster,
                               const unsigned char *uuid,
                               GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByUUID(cluster->inventory, uuid, error);

    return entry ? shoalInventoryEntryToRef(entry) : NULL;
}

shoalDomainRef *
shoalClusterLookupDomainByID(shoalCluster *cluster, int id, GError **error)
{
    g_autoptr(shoalInventoryEntry) entry =
        shoalInventoryLookupByID(cluster->inventory, id, error);

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

/* How long a call waits for a migration that just moved its domain to be
 * settled: the moment between libvirt's end and Shoal's records. */
#define QUERY_MOVE_WAIT_US (10 * G_USEC_PER_SEC)

/*
 * Whether @uuid moved away from @hostName, which answered for it: it was
 * migrating (waits, bounded, for the move to settle), or it has settled
 * already on another host (the move ended while the call was on its way).
 */
static bool
queryMoved(shoalCluster *cluster,
           const unsigned char *uuid,
           const char *hostName)
{
    gint64 deadline = g_get_monotonic_time() + QUERY_MOVE_WAIT_US;
    g_autoptr(shoalInventoryEntry) entry = NULL;

    if (shoalExecIsMigrating(cluster->exec, uuid)) {
        while (shoalExecIsMigrating(cluster->exec, uuid) &&
               g_get_monotonic_time() < deadline)
            g_usleep(20 * 1000);
        return true;
    }
    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    return entry && !g_str_equal(entry->hostName, hostName);
}

/*
 * The owning host's handle on a domain. Returns: (transfer full): release
 * with virDomainFree(); @hostName gets the host's name.
 */
virDomainPtr
shoalClusterAcquireDomain(shoalCluster *cluster,
                          const unsigned char *uuid,
                          char **hostName,
                          GError **error)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) host = NULL;
    g_autoptr(GError) err = NULL;
    virDomainPtr dom;

    if (!(entry =
              shoalInventoryLookupByUUID(cluster->inventory, uuid, error)) ||
        !shoalInventoryEntryCheckUsable(entry, error) ||
        !(host = shoalClusterLookupHost(cluster, entry->hostName, error)))
        return NULL;
    dom = shoalHostLookupDomain(host, uuid, &err);
    if (!dom) {
        /* the inventory was stale: learn what the host has now */
        if (g_error_matches(err, SHOAL_ERROR, VIR_ERR_NO_DOMAIN))
            shoalClusterRequestResync(cluster, host);
        g_propagate_error(error, g_steal_pointer(&err));
        return NULL;
    }
    *hostName = g_strdup(host->name);
    return dom;
}

/* shoalClusterForward(); @answered gets the host that answered last. */
static int
queryForward(shoalCluster *cluster,
             const unsigned char *uuid,
             shoalClusterDomainCall call,
             unsigned flags,
             gpointer out,
             char **answered,
             GError **error)
{
    unsigned attempt;
    int rc = -1;

    /* a second attempt only for a domain that a migration just moved */
    for (attempt = 0; attempt < 2; attempt++) {
        g_autofree char *hostName = NULL;
        g_autoptr(GError) err = NULL;
        virDomainPtr dom =
            shoalClusterAcquireDomain(cluster, uuid, &hostName, error);

        if (!dom)
            return -1;
        rc = call(dom, flags, out);
        /* before virDomainFree(), which resets the thread's error */
        if (rc < 0)
            shoalErrorFromLibvirt(&err, hostName);
        virDomainFree(dom);
        if (rc >= 0) {
            if (answered)
                *answered = g_steal_pointer(&hostName);
            return rc;
        }
        if (attempt > 0 ||
            !g_error_matches(err, SHOAL_ERROR, VIR_ERR_NO_DOMAIN) ||
            !queryMoved(cluster, uuid, hostName)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return rc;
        }
    }
    return rc;
}

/**
 * shoalClusterForward:
 * @call: one libvirt call on the domain's handle; returns < 0 on failure
 *
 * Runs @call on the owning host's handle of the domain; a failure is the
 * host's error. Worker thread.
 * Returns: @call's result, or -1 with @error set.
 */
int
shoalClusterForward(shoalCluster *cluster,
                    const unsigned char *uuid,
                    shoalClusterDomainCall call,
                    unsigned flags,
                    gpointer out,
                    GError **error)
{
    return queryForward(cluster, uuid, call, flags, out, NULL, error);
}

static int
queryCallInfo(virDomainPtr dom, unsigned flags, gpointer out)
{
    return virDomainGetInfo(dom, out);
}

static int
queryCallXMLDesc(virDomainPtr dom, unsigned flags, gpointer out)
{
    char **xml = out;

    *xml = virDomainGetXMLDesc(dom, flags);
    return *xml ? 0 : -1;
}

static int
queryCallVcpus(virDomainPtr dom, unsigned flags, gpointer out)
{
    return virDomainGetVcpusFlags(dom, flags);
}

static int
queryCallMaxVcpus(virDomainPtr dom, unsigned flags, gpointer out)
{
    return virDomainGetMaxVcpus(dom);
}

static int
queryCallMaxMemory(virDomainPtr dom, unsigned flags, gpointer out)
{
    unsigned long long *kib = out;

    *kib = virDomainGetMaxMemory(dom);
    return *kib ? 0 : -1;
}

static int
queryCallSnapshotNum(virDomainPtr dom, unsigned flags, gpointer out)
{
    return virDomainSnapshotNum(dom, flags);
}

bool
shoalClusterDomainGetInfo(shoalCluster *cluster,
                          const unsigned char *uuid,
                          virDomainInfo *info,
                          GError **error)
{
    g_autofree char *hostName = NULL;

    if (queryForward(cluster, uuid, queryCallInfo, 0, info, &hostName, error) <
        0)
        return false;
    /* the source's copy stops when a migration hands over: the guest
     * itself runs on, so answer from where it went */
    if (info->state == VIR_DOMAIN_SHUTOFF &&
        queryMoved(cluster, uuid, hostName) &&
        shoalClusterForward(cluster, uuid, queryCallInfo, 0, info, error) < 0)
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
    char *xml = NULL;

    shoalClusterForward(cluster, uuid, queryCallXMLDesc, flags, &xml, error);
    return xml;
}

char *
shoalClusterDomainGetOSType(shoalCluster *cluster,
                            const unsigned char *uuid,
                            GError **error)
{
    g_autofree char *hostName = NULL;
    g_autoptr(shoalHost) host = NULL;
    virDomainPtr dom =
        shoalClusterAcquireDomain(cluster, uuid, &hostName, error);
    char *type = NULL;

    if (!dom)
        return NULL;
    if ((host = shoalClusterLookupHost(cluster, hostName, error)))
        type = shoalHostGetOSType(host, dom, error);
    virDomainFree(dom);
    return type;
}

int
shoalClusterDomainGetVcpusFlags(shoalCluster *cluster,
                                const unsigned char *uuid,
                                unsigned flags,
                                GError **error)
{
    return shoalClusterForward(cluster, uuid, queryCallVcpus, flags, NULL,
                               error);
}

int
shoalClusterDomainGetMaxVcpus(shoalCluster *cluster,
                              const unsigned char *uuid,
                              GError **error)
{
    return shoalClusterForward(cluster, uuid, queryCallMaxVcpus, 0, NULL,
                               error);
}

bool
shoalClusterDomainGetMaxMemory(shoalCluster *cluster,
                               const unsigned char *uuid,
                               unsigned long long *memoryKiB,
                               GError **error)
{
    return shoalClusterForward(cluster, uuid, queryCallMaxMemory, 0, memoryKiB,
                               error) >= 0;
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
    return shoalClusterForward(cluster, uuid, queryCallSnapshotNum, flags, NULL,
                               error);
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
    g_autofree char *hostName = NULL;
    virDomainPtr dom =
        shoalClusterAcquireDomain(cluster, uuid, &hostName, error);
    char **msgs = NULL;
    GStrv out;
    int n;
    int i;

    if (!dom)
        return NULL;
    n = virDomainGetMessages(dom, &msgs, flags);
    if (n < 0)
        shoalErrorFromLibvirt(error, hostName);
    virDomainFree(dom);
    if (n < 0)
        return NULL;
    out = g_new0(char *, n + 1);
    for (i = 0; i < n; i++)
        out[i] = msgs[i];
    free(msgs);
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
            rc = -1;
            goto cleanup;
        }
        n++;
    }
    rc = virDomainListGetStats(doms, job->fan->stats, records, job->fan->flags);
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
