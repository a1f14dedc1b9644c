/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain events of every host, relayed to the handlers of the cluster. */
#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>

#include "cluster_error.h"
#include "cluster_event_relays.h"
#include "cluster_internal.h"

shoalClusterEmit *
shoalClusterEmitNew(shoalCluster *cluster,
                    int eventId,
                    const char *name,
                    const unsigned char *uuid)
{
    shoalClusterEmit *emit = g_new0(shoalClusterEmit, 1);

    emit->cluster = cluster;
    emit->eventId = eventId;
    emit->name = g_strdup(name);
    memcpy(emit->uuid, uuid, VIR_UUID_BUFLEN);
    return emit;
}

static void
eventEmitFree(gpointer opaque)
{
    shoalClusterEmit *emit = opaque;

    size_t i;

    g_free(emit->name);
    g_free(emit->str);
    for (i = 0; i < G_N_ELEMENTS(emit->strs); i++)
        g_free(emit->strs[i]);
    g_strfreev(emit->subject);
    if (emit->params)
        g_ptr_array_unref(emit->params);
    g_free(emit);
}

/* Main thread: names the domain as clients know it, tells every handler. */
static gboolean
eventEmitRun(gpointer opaque)
{
    shoalClusterEmit *emit = opaque;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(shoalDomainRef) dom = NULL;
    shoalClusterEvent ev = { 0 };
    guint i;

    entry =
        shoalInventoryLookupByUUID(emit->cluster->inventory, emit->uuid, NULL);
    dom = entry ? shoalInventoryEntryToRef(entry)
                : shoalDomainRefNew(emit->name, emit->uuid, -1);
    ev.eventId = emit->eventId;
    ev.dom = dom;
    ev.event = emit->event;
    ev.detail = emit->detail;
    ev.value = emit->value;
    ev.str = emit->str;
    ev.params = emit->params;
    ev.nums = emit->nums;
    ev.strs = (const char *const *) emit->strs;
    ev.subject = (const char *const *) emit->subject;
    for (i = 0; i < emit->cluster->handlers->len; i++) {
        clusterEventHandler *h =
            &g_array_index(emit->cluster->handlers, clusterEventHandler, i);

        h->func(&ev, h->opaque);
    }
    return G_SOURCE_REMOVE;
}

/**
 * shoalClusterEmitPost:
 * @emit: (transfer full)
 *
 * Any thread: delivers the event on the main context.
 */
void
shoalClusterEmitPost(shoalClusterEmit *emit)
{
    g_main_context_invoke_full(emit->cluster->context, G_PRIORITY_DEFAULT,
                               eventEmitRun, emit, eventEmitFree);
}

/* Libvirt's event thread: a new event of @dom, for the callbacks'
 * @opaque (a shoalClusterCallbackCtx). */
shoalClusterEmit *
shoalClusterEmitFor(void *opaque, virDomainPtr dom, int eventId)
{
    shoalClusterCallbackCtx *ctx = opaque;
    unsigned char uuid[VIR_UUID_BUFLEN] = { 0 };

    virDomainGetUUID(dom, uuid);
    return shoalClusterEmitNew(ctx->cluster, eventId, virDomainGetName(dom),
                               uuid);
}

/*
 * The callbacks run on libvirt's event thread: they copy the event and
 * post it, nothing more.
 */
static int
eventOnLifecycle(
    virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    shoalClusterCallbackCtx *ctx = opaque;

    shoalFollowMarkChanged(ctx->cluster->follow, ctx->host->name);
    shoalClusterQueueRefresh(ctx, dom, event, detail);
    return 0;
}

static void
eventOnReboot(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
    shoalClusterEmitPost(
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_REBOOT));
}

static void
eventOnBalloonChange(virConnectPtr conn,
                     virDomainPtr dom,
                     unsigned long long actual,
                     void *opaque)
{
    shoalClusterEmit *emit =
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE);

    emit->value = actual;
    shoalClusterEmitPost(emit);
}

static void
eventOnDeviceRemoved(virConnectPtr conn,
                     virDomainPtr dom,
                     const char *devAlias,
                     void *opaque)
{
    shoalClusterEmit *emit =
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED);

    emit->str = g_strdup(devAlias);
    shoalClusterEmitPost(emit);
}

static void
eventOnDeviceAdded(virConnectPtr conn,
                   virDomainPtr dom,
                   const char *devAlias,
                   void *opaque)
{
    shoalClusterEmit *emit =
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED);

    emit->str = g_strdup(devAlias);
    shoalClusterEmitPost(emit);
}

static void
eventOnAgentLifecycle(
    virConnectPtr conn, virDomainPtr dom, int state, int reason, void *opaque)
{
    shoalClusterEmit *emit =
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE);

    emit->event = state;
    emit->detail = reason;
    shoalClusterEmitPost(emit);
}

static void
eventOnMetadataChange(virConnectPtr conn,
                      virDomainPtr dom,
                      int type,
                      const char *nsuri,
                      void *opaque)
{
    shoalClusterEmit *emit =
        shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE);

    emit->event = type;
    emit->str = g_strdup(nsuri);
    shoalClusterEmitPost(emit);
}

static void
eventOnParams(shoalClusterEmit *emit, virTypedParameterPtr params, int nparams)
{
    emit->params = shoalTypedParamsFromLibvirt(params, nparams);
    shoalClusterEmitPost(emit);
}

static void
eventOnJobCompleted(virConnectPtr conn,
                    virDomainPtr dom,
                    virTypedParameterPtr params,
                    int nparams,
                    void *opaque)
{
    eventOnParams(shoalClusterEmitFor(opaque, dom,
                                      VIR_DOMAIN_EVENT_ID_JOB_COMPLETED),
                  params, nparams);
}

static void
eventOnTunable(virConnectPtr conn,
               virDomainPtr dom,
               virTypedParameterPtr params,
               int nparams,
               void *opaque)
{
    eventOnParams(shoalClusterEmitFor(opaque, dom, VIR_DOMAIN_EVENT_ID_TUNABLE),
                  params, nparams);
}

/* What Shoal relays by hand, lifecycle first (the inventory depends on
 * it); then the generated ones (driver_events.txt). */
#define EVENT_RELAYS_HAND 9
G_STATIC_ASSERT(EVENT_RELAYS_HAND + SHOAL_CLUSTER_EVENT_RELAYS_GEN ==
                SHOAL_HOST_EVENT_IDS);

static const shoalClusterEventRelay eventRelays[EVENT_RELAYS_HAND] = {
    { VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnLifecycle) },
    { VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK(eventOnReboot) },
    { VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnBalloonChange) },
    { VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnDeviceRemoved) },
    { VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnDeviceAdded) },
    { VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnAgentLifecycle) },
    { VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnMetadataChange) },
    { VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
      VIR_DOMAIN_EVENT_CALLBACK(eventOnJobCompleted) },
    { VIR_DOMAIN_EVENT_ID_TUNABLE, VIR_DOMAIN_EVENT_CALLBACK(eventOnTunable) },
};

/**
 * shoalClusterEventsRegister:
 * @callbackIds: (out caller-allocates): SHOAL_HOST_EVENT_IDS ids, -1 where
 *   the host does not offer that event
 *
 * Worker thread. Only the lifecycle event is required.
 */
bool
shoalClusterEventsRegister(shoalCluster *cluster,
                           shoalHost *host,
                           virConnectPtr conn,
                           unsigned generation,
                           int *callbackIds,
                           GError **error)
{
    size_t i;

    for (i = 0; i < SHOAL_HOST_EVENT_IDS; i++) {
        const shoalClusterEventRelay *relay =
            i < EVENT_RELAYS_HAND
                ? &eventRelays[i]
                : &shoalClusterEventRelaysGen[i - EVENT_RELAYS_HAND];
        shoalClusterCallbackCtx *ctx =
            shoalClusterCallbackCtxNew(cluster, host, generation);

        callbackIds[i] =
            virConnectDomainEventRegisterAny(conn, NULL, relay->eventId,
                                             relay->callback, ctx,
                                             shoalClusterCallbackCtxFree);
        if (callbackIds[i] >= 0)
            continue;
        /* a refused callback's opaque stays ours (the remote driver
         * deregisters it without freecb) */
        shoalClusterCallbackCtxFree(ctx);
        if (i == 0) {
            shoalErrorFromLibvirt(error, host->name);
            return false;
        }
        virResetLastError();
    }
    return true;
}

void
shoalClusterEventsDeregister(virConnectPtr conn, const int *callbackIds)
{
    size_t i;

    for (i = 0; i < SHOAL_HOST_EVENT_IDS; i++) {
        if (callbackIds[i] >= 0)
            virConnectDomainEventDeregisterAny(conn, callbackIds[i]);
    }
    virResetLastError();
}
