/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_stats.h"

#include <string.h>

#include "cluster_error.h"
#include "cluster_virtiomem.h"

/* The last raw counters of a domain, to take deltas from. */
typedef struct _statsRaw {
    gint64 atUs;
    unsigned long long cpuTimeNs;
    unsigned long long vcpuTimeNs; /* summed over vCPUs */
    unsigned long long vcpuDelayNs;
} statsRaw;

typedef struct _statsEntry {
    shoalStatsDomain dom;
    statsRaw raw;
    bool hasRaw;
    bool seen;        /* in the host's latest collection */
    gint64 memReadUs; /* live XML last read while running; 0: read next */
} statsEntry;

/*
 * A running domain whose live XML had no virtio-mem device is read again
 * after this long: the XML of every running domain each interval was
 * most of an idle daemon's work at 1000 hosts. A start reads it at once;
 * a device hot-plugged into a running domain shows within this time.
 */
#define STATS_VIRTIOMEM_RECHECK_US (60 * G_USEC_PER_SEC)

struct _shoalStats {
    GMutex lock;
    GHashTable *domains; /* protected by lock: uuid bytes → statsEntry */
    GHashTable *hosts;   /* protected by lock: name → GArray of double */
    /* protected by lock: host name → (uuid bytes → statsEntry, borrowed
     * from domains), so one host's sample costs what the host has */
    GHashTable *byHost;
};

void
shoalStatsDomainFree(shoalStatsDomain *dom)
{
    if (!dom)
        return;
    g_free(dom->host);
    if (dom->samples)
        g_array_unref(dom->samples);
    g_free(dom);
}

static void
statsEntryFree(gpointer opaque)
{
    statsEntry *e = opaque;

    g_free(e->dom.host);
    g_array_unref(e->dom.samples);
    g_free(e);
}

shoalStats *
shoalStatsNew(void)
{
    shoalStats *stats = g_new0(shoalStats, 1);

    g_mutex_init(&stats->lock);
    stats->domains =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, statsEntryFree);
    stats->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_array_unref);
    stats->byHost = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_hash_table_unref);
    return stats;
}

void
shoalStatsFree(shoalStats *stats)
{
    if (!stats)
        return;
    g_hash_table_unref(stats->byHost);
    g_hash_table_unref(stats->domains);
    g_hash_table_unref(stats->hosts);
    g_mutex_clear(&stats->lock);
    g_free(stats);
}

/* Call with the lock held. Returns: the domains sampled on @hostName,
 * uuid bytes → statsEntry; created empty if need be. */
static GHashTable *
statsHostDomains(shoalStats *stats, const char *hostName)
{
    GHashTable *set = g_hash_table_lookup(stats->byHost, hostName);

    if (!set) {
        set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                    (GDestroyNotify) g_bytes_unref, NULL);
        g_hash_table_insert(stats->byHost, g_strdup(hostName), set);
    }
    return set;
}

static void
statsPush(GArray *ring, gconstpointer item)
{
    if (ring->len >= SHOAL_STATS_SAMPLES)
        g_array_remove_index(ring, 0);
    g_array_append_vals(ring, item, 1);
}

/* The counters of one record, summed over vCPUs. */
static void
statsReadRaw(virDomainStatsRecordPtr rec,
             statsRaw *raw,
             unsigned *vcpus,
             unsigned *maxVcpus,
             unsigned long long *balloonKiB,
             bool *pressure,
             double *memoryUsed)
{
    unsigned long long usable = 0;
    unsigned long long available = 0;
    unsigned i;

    memset(raw, 0, sizeof(*raw));
    *vcpus = 0;
    *maxVcpus = 0;
    *balloonKiB = 0;
    virTypedParamsGetULLong(rec->params, rec->nparams, "cpu.time",
                            &raw->cpuTimeNs);
    virTypedParamsGetUInt(rec->params, rec->nparams, "vcpu.current", vcpus);
    virTypedParamsGetUInt(rec->params, rec->nparams, "vcpu.maximum", maxVcpus);
    virTypedParamsGetULLong(rec->params, rec->nparams, "balloon.current",
                            balloonKiB);
    for (i = 0; i < *vcpus; i++) {
        char key[64];
        unsigned long long v = 0;

        g_snprintf(key, sizeof(key), "vcpu.%u.time", i);
        if (virTypedParamsGetULLong(rec->params, rec->nparams, key, &v) == 1)
            raw->vcpuTimeNs += v;
        v = 0;
        g_snprintf(key, sizeof(key), "vcpu.%u.delay", i);
        if (virTypedParamsGetULLong(rec->params, rec->nparams, key, &v) == 1)
            raw->vcpuDelayNs += v;
    }
    /* the guest's own view, where its balloon driver reports it: little
     * usable memory left means it would use more */
    *pressure = virTypedParamsGetULLong(rec->params, rec->nparams,
                                        "balloon.usable", &usable) == 1 &&
                virTypedParamsGetULLong(rec->params, rec->nparams,
                                        "balloon.available", &available) == 1 &&
                available > 0 && usable * 10 < available;
    *memoryUsed = available > 0 && usable <= available
                      ? 1.0 - (double) usable / (double) available
                      : 0;
}

/* A running domain's virtio-mem device from its live XML; a domain
 * that stopped meanwhile, or has none, leaves @mem empty. */
static bool
statsIsRunning(virDomainStatsRecordPtr rec)
{
    int state = VIR_DOMAIN_NOSTATE;

    virTypedParamsGetInt(rec->params, rec->nparams, "state.state", &state);
    return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED;
}

static void
statsReadVirtioMem(virDomainStatsRecordPtr rec, shoalVirtioMem *mem)
{
    g_autofree char *xml = NULL;

    if (!statsIsRunning(rec))
        return;
    if (!(xml = virDomainGetXMLDesc(rec->dom, 0)))
        return;
    shoalVirtioMemParse(xml, mem);
}

/*
 * Call with the lock held. Returns: (transfer none) (nullable): @rec's
 * entry; @key is set to its key, or NULL if @rec has no UUID.
 */
static statsEntry *
statsLookupLocked(shoalStats *stats, virDomainStatsRecordPtr rec, GBytes **key)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    *key = NULL;
    if (virDomainGetUUID(rec->dom, uuid) < 0)
        return NULL;
    *key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    return g_hash_table_lookup(stats->domains, *key);
}

/*
 * Call with the lock held. Whether @rec's live XML is to be read now:
 * not for a domain of @hostName that had no virtio-mem device when it
 * was read less than STATS_VIRTIOMEM_RECHECK_US ago.
 */
static bool
statsNeedsXMLLocked(shoalStats *stats,
                    virDomainStatsRecordPtr rec,
                    const char *hostName,
                    gint64 nowUs)
{
    g_autoptr(GBytes) key = NULL;
    statsEntry *e;

    if (!statsIsRunning(rec))
        return true;
    e = statsLookupLocked(stats, rec, &key);
    return !e || g_strcmp0(e->dom.host, hostName) != 0 || e->memReadUs == 0 ||
           e->dom.virtioMemMaxKiB != 0 ||
           nowUs - e->memReadUs >= STATS_VIRTIOMEM_RECHECK_US;
}

static double
statsRate(unsigned long long now, unsigned long long before, double dtNs)
{
    /* counters restart with the guest: no sample rather than a wild one */
    if (now < before || dtNs <= 0)
        return 0;
    return (double) (now - before) / dtNs;
}

/* Call with the lock held. Returns the cores the domain used. */
static double
statsUpdateLocked(shoalStats *stats,
                  virDomainStatsRecordPtr rec,
                  const shoalVirtioMem *mem,
                  bool memRead,
                  const char *hostName,
                  gint64 nowUs)
{
    g_autoptr(GBytes) key = NULL;
    statsEntry *e = statsLookupLocked(stats, rec, &key);
    statsRaw raw;
    unsigned vcpus;
    unsigned maxVcpus;
    unsigned long long balloon;
    bool pressure;
    shoalStatsSample s = { 0 };

    if (!key)
        return 0;
    if (!e) {
        e = g_new0(statsEntry, 1);
        memcpy(e->dom.uuid, g_bytes_get_data(key, NULL), VIR_UUID_BUFLEN);
        e->dom.samples = g_array_new(FALSE, TRUE, sizeof(shoalStatsSample));
        g_hash_table_insert(stats->domains, g_bytes_ref(key), e);
    }
    if (g_strcmp0(e->dom.host, hostName) != 0) {
        /* moved: the new host's counters start anew */
        if (e->dom.host)
            g_hash_table_remove(statsHostDomains(stats, e->dom.host), key);
        g_hash_table_replace(statsHostDomains(stats, hostName),
                             g_bytes_ref(key), e);
        g_free(e->dom.host);
        e->dom.host = g_strdup(hostName);
        e->hasRaw = false;
    }
    statsReadRaw(rec, &raw, &vcpus, &maxVcpus, &balloon, &pressure,
                 &s.memoryUsed);
    raw.atUs = nowUs;
    e->seen = true;
    e->dom.vcpus = vcpus;
    e->dom.maxVcpus = MAX(maxVcpus, vcpus);
    e->dom.balloonKiB = balloon;
    e->dom.memoryPressure = pressure;
    /* not read: it had none a moment ago, and keeps the empty values */
    if (memRead) {
        e->dom.virtioMemMaxKiB = mem->sizeKiB;
        e->dom.virtioMemBlockKiB = mem->blockKiB;
        e->dom.virtioMemRequestedKiB = mem->requestedKiB;
        e->dom.virtioMemPluggedKiB = mem->pluggedKiB;
        e->memReadUs = statsIsRunning(rec) ? nowUs : 0;
    }
    if (raw.cpuTimeNs == 0) {
        /* not running: nothing to measure, and the next start counts
         * from zero again */
        e->hasRaw = false;
        return 0;
    }
    if (e->hasRaw) {
        double dtNs = (double) (nowUs - e->raw.atUs) * 1000.0;

        s.cpuCores = statsRate(raw.cpuTimeNs, e->raw.cpuTimeNs, dtNs);
        if (vcpus > 0) {
            s.vcpuBusy =
                statsRate(raw.vcpuTimeNs, e->raw.vcpuTimeNs, dtNs * vcpus);
            s.vcpuDelay =
                statsRate(raw.vcpuDelayNs, e->raw.vcpuDelayNs, dtNs * vcpus);
        }
        statsPush(e->dom.samples, &s);
    }
    e->raw = raw;
    e->hasRaw = true;
    return s.cpuCores;
}

/**
 * shoalStatsCollect:
 *
 * One interval of one host: a single virConnectGetAllDomainStats call.
 * Domains the host no longer reports are forgotten. Worker thread.
 */
bool
shoalStatsCollect(shoalStats *stats,
                  virConnectPtr conn,
                  const char *hostName,
                  gint64 nowUs,
                  GError **error)
{
    virDomainStatsRecordPtr *recs = NULL;
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    GHashTable *set;
    GArray *ring;
    g_autofree shoalVirtioMem *mems = NULL;
    g_autofree bool *memRead = NULL;
    double demand = 0;
    int n;
    int i;

    n = virConnectGetAllDomainStats(conn,
                                    VIR_DOMAIN_STATS_STATE |
                                        VIR_DOMAIN_STATS_CPU_TOTAL |
                                        VIR_DOMAIN_STATS_VCPU |
                                        VIR_DOMAIN_STATS_BALLOON,
                                    &recs, 0);
    if (n < 0) {
        shoalErrorFromLibvirt(error, hostName);
        return false;
    }
    mems = g_new0(shoalVirtioMem, MAX(n, 1));
    memRead = g_new0(bool, MAX(n, 1));
    g_mutex_lock(&stats->lock);
    for (i = 0; i < n; i++)
        memRead[i] = statsNeedsXMLLocked(stats, recs[i], hostName, nowUs);
    g_mutex_unlock(&stats->lock);
    /* outside the lock: one call per running domain read */
    for (i = 0; i < n; i++) {
        if (memRead[i])
            statsReadVirtioMem(recs[i], &mems[i]);
    }
    g_mutex_lock(&stats->lock);
    g_hash_table_iter_init(&iter, statsHostDomains(stats, hostName));
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        statsEntry *e = value;

        e->seen = false;
    }
    for (i = 0; i < n; i++)
        demand += statsUpdateLocked(stats, recs[i], &mems[i], memRead[i],
                                    hostName, nowUs);
    /* a domain that moved here left its old host's set in the update */
    set = statsHostDomains(stats, hostName);
    g_hash_table_iter_init(&iter, set);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        statsEntry *e = value;

        if (e->seen)
            continue;
        g_hash_table_remove(stats->domains, key);
        g_hash_table_iter_remove(&iter);
    }
    ring = g_hash_table_lookup(stats->hosts, hostName);
    if (!ring) {
        ring = g_array_new(FALSE, TRUE, sizeof(double));
        g_hash_table_insert(stats->hosts, g_strdup(hostName), ring);
    }
    statsPush(ring, &demand);
    g_mutex_unlock(&stats->lock);
    for (i = 0; i < n; i++)
        shoalVirtioMemClear(&mems[i]);
    virDomainStatsRecordListFree(recs);
    return true;
}

/**
 * shoalStatsListDomains:
 * Returns: (transfer full): copies (shoalStatsDomain) of every domain.
 */
GPtrArray *
shoalStatsListDomains(shoalStats *stats)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStatsDomainFree);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&stats->lock);
    g_hash_table_iter_init(&iter, stats->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const statsEntry *e = value;
        shoalStatsDomain *copy = g_new0(shoalStatsDomain, 1);

        *copy = e->dom;
        copy->host = g_strdup(e->dom.host);
        copy->samples = g_array_copy(e->dom.samples);
        g_ptr_array_add(out, copy);
    }
    g_mutex_unlock(&stats->lock);
    return out;
}

/**
 * shoalStatsHostSamples:
 * Returns: (transfer full): the host's CPU demand (cores) per interval,
 *   oldest first; empty if never collected.
 */
GArray *
shoalStatsHostSamples(shoalStats *stats, const char *hostName)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&stats->lock);
    GArray *ring = g_hash_table_lookup(stats->hosts, hostName);

    return ring ? g_array_copy(ring) : g_array_new(FALSE, TRUE, sizeof(double));
}
