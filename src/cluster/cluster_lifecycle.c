/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changes to one domain: serialized per domain, carried out by its host. */
#include <config.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_internal.h"
#include "cluster_sync.h"
#include "util_error.h"
#include "util_log.h"

/**
 * shoalClusterRefreshDomain:
 *
 * Re-reads one domain into the inventory right after a change, so that the
 * caller's next call sees it without waiting for the host's event.
 * Worker thread.
 */
void
shoalClusterRefreshDomain(shoalCluster *cluster,
                          virDomainPtr dom,
                          const char *hostName)
{
    g_autoptr(shoalInventoryRecord) rec = NULL;
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    rec = shoalSyncReadDomain(dom, hostName, &error);
    if (rec) {
        shoalInventoryUpdate(cluster->inventory, hostName, rec);
    } else if (g_error_matches(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN) &&
               virDomainGetUUID(dom, uuid) == 0) {
        /* gone, e.g. a transient domain that stopped; any other failure
         * (the host died) leaves the record to the host's own handling */
        shoalInventoryRemove(cluster->inventory, hostName, uuid);
    }
    virResetLastError();
}

/* One operation of shoalClusterDomainApply(). */
typedef struct _lifecycleOp {
    shoalDomainOp op;
    unsigned long long value;
    unsigned flags;
} lifecycleOp;

static int
lifecycleCall(virDomainPtr dom, gpointer opaque)
{
    const lifecycleOp *o = opaque;

    switch (o->op) {
    case SHOAL_DOMAIN_OP_CREATE:
        return virDomainCreateWithFlags(dom, o->flags);
    case SHOAL_DOMAIN_OP_DESTROY:
        return virDomainDestroyFlags(dom, o->flags);
    case SHOAL_DOMAIN_OP_SHUTDOWN:
        return virDomainShutdownFlags(dom, o->flags);
    case SHOAL_DOMAIN_OP_REBOOT:
        return virDomainReboot(dom, o->flags);
    case SHOAL_DOMAIN_OP_RESET:
        return virDomainReset(dom, o->flags);
    case SHOAL_DOMAIN_OP_SUSPEND:
        return virDomainSuspend(dom);
    case SHOAL_DOMAIN_OP_RESUME:
        return virDomainResume(dom);
    case SHOAL_DOMAIN_OP_SET_AUTOSTART:
        return virDomainSetAutostart(dom, o->value != 0);
    case SHOAL_DOMAIN_OP_SET_VCPUS:
        return virDomainSetVcpusFlags(dom, o->value, o->flags);
    case SHOAL_DOMAIN_OP_SET_MEMORY:
        return virDomainSetMemoryFlags(dom, o->value, o->flags);
    case SHOAL_DOMAIN_OP_SET_MAX_MEMORY:
        return virDomainSetMaxMemory(dom, o->value);
    case SHOAL_DOMAIN_OP_LAST:
        break;
    }
    return -1;
}

/*
 * Starting a shut-off domain whose host does not answer: define it on the
 * host placement picks, from the store, so it can start there. The
 * unreachable host's stale copy is removed when it comes back. Call with
 * the domain's job held.
 */
static void
lifecycleRehomeForStart(shoalCluster *cluster, const unsigned char *uuid)
{
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalHost) to = NULL;
    g_autoptr(GError) error = NULL;

    entry = shoalInventoryLookupByUUID(cluster->inventory, uuid, NULL);
    if (!entry || entry->reachable || entry->conflictHosts ||
        entry->lastState != VIR_DOMAIN_SHUTOFF || !entry->rec.persistent)
        return;
    if (!(to = shoalClusterPickDestination(cluster, entry, &error)) ||
        !shoalClusterRehome(cluster, entry, to, &error)) {
        /* the start then fails naming the unreachable host */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_DOMAIN(entry->rec.name), "MESSAGE",
                         "cannot re-home '%s': %s", entry->rec.name,
                         error->message);
        return;
    }
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_DOMAIN(entry->rec.name),
                     SHOAL_LOG_HOST(to->name), "MESSAGE",
                     "domain '%s' re-homed from unreachable host '%s' to '%s'",
                     entry->rec.name, entry->hostName, to->name);
}

/**
 * shoalClusterDomainApply:
 * @value: the operation's argument (vCPUs, KiB, autostart), or 0
 * @flags: passed to the host unchanged: it knows which it supports
 *
 * Carries out one change on the domain's host under the domain's job,
 * then re-reads the domain and stores its definition. The host's error
 * comes back unchanged.
 */
bool
shoalClusterDomainApply(shoalCluster *cluster,
                        const unsigned char *uuid,
                        shoalDomainOp op,
                        unsigned long long value,
                        unsigned flags,
                        GError **error)
{
    lifecycleOp o = { op, value, flags };
    int rc;

    if (op < 0 || op >= SHOAL_DOMAIN_OP_LAST) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: unknown domain operation %1$d"), op);
        return false;
    }
    if (op != SHOAL_DOMAIN_OP_CREATE)
        return shoalClusterDomainCall(cluster, uuid,
                                      SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                                      lifecycleCall, &o, error) >= 0;
    /* re-homing needs the job too, before the host is chosen */
    if (!shoalDomainJobsBegin(cluster->jobs, uuid, error))
        return false;
    lifecycleRehomeForStart(cluster, uuid);
    rc = shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_REFRESH,
                                lifecycleCall, &o, error);
    shoalDomainJobsEnd(cluster->jobs, uuid);
    return rc >= 0;
}

typedef struct _lifecycleMetadata {
    int type;
    const char *metadata;
    const char *key;
    const char *uri;
    unsigned flags;
    char *out;
} lifecycleMetadata;

static int
lifecycleCallSetMetadata(virDomainPtr dom, gpointer opaque)
{
    const lifecycleMetadata *m = opaque;

    return virDomainSetMetadata(dom, m->type, m->metadata, m->key, m->uri,
                                m->flags);
}

bool
shoalClusterDomainSetMetadata(shoalCluster *cluster,
                              const unsigned char *uuid,
                              int type,
                              const char *metadata,
                              const char *key,
                              const char *uri,
                              unsigned flags,
                              GError **error)
{
    lifecycleMetadata m = { type, metadata, key, uri, flags, NULL };

    return shoalClusterDomainCall(cluster, uuid,
                                  SHOAL_CALL_JOB | SHOAL_CALL_REFRESH,
                                  lifecycleCallSetMetadata, &m, error) >= 0;
}

static int
lifecycleCallGetMetadata(virDomainPtr dom, gpointer opaque)
{
    lifecycleMetadata *m = opaque;

    m->out = virDomainGetMetadata(dom, m->type, m->uri, m->flags);
    return m->out ? 0 : -1;
}

char *
shoalClusterDomainGetMetadata(shoalCluster *cluster,
                              const unsigned char *uuid,
                              int type,
                              const char *uri,
                              unsigned flags,
                              GError **error)
{
    lifecycleMetadata m = { type, NULL, NULL, uri, flags, NULL };

    shoalClusterDomainCall(cluster, uuid, SHOAL_CALL_RETRY,
                           lifecycleCallGetMetadata, &m, error);
    return m.out;
}
