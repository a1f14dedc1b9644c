/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain event registrations of clients, and delivery to them. */
#include <config.h>

#include "driver_event.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_params.h"
#include "driver_server.h"
#include "util_error.h"

bool
shoalDispatchConnectDomainEventCallbackRegisterAny(
    shoalDriverClient *client,
    const remote_connect_domain_event_callback_register_any_args *args,
    remote_connect_domain_event_callback_register_any_ret *ret,
    GError **error)
{
    shoalDriverEventCallback *cb;

    if (args->eventID < 0 || args->eventID >= VIR_DOMAIN_EVENT_ID_LAST) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: unsupported event ID %1$d"),
                    args->eventID);
        return false;
    }
    cb = g_new0(shoalDriverEventCallback, 1);
    cb->eventId = args->eventID;
    if (args->dom) {
        cb->hasDomain = true;
        memcpy(cb->uuid, args->dom->uuid, VIR_UUID_BUFLEN);
    }
    ret->callbackID = shoalDriverClientAddEventCallback(client, cb);
    return true;
}

bool
shoalDispatchConnectDomainEventCallbackDeregisterAny(
    shoalDriverClient *client,
    const remote_connect_domain_event_callback_deregister_any_args *args,
    void *ret,
    GError **error)
{
    if (!shoalDriverClientRemoveEventCallback(client, args->callbackID)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: could not find event callback %1$d"),
                    args->callbackID);
        return false;
    }
    return true;
}

void
shoalDriverEventFillDom(remote_nonnull_domain *out, const shoalDomainRef *dom)
{
    /* borrowed: the message is encoded before @dom goes away */
    out->name = dom->name;
    memcpy(out->uuid, dom->uuid, VIR_UUID_BUFLEN);
    out->id = dom->id;
}

/* String field @i of a generated event, borrowed; "" for none. */
char *
shoalDriverEventStr(const shoalClusterEvent *event, unsigned i)
{
    return (char *) (event->strs && event->strs[i] ? event->strs[i] : "");
}

/* The wire message of one event for one client callback. */
typedef union {
    remote_domain_event_callback_lifecycle_msg lifecycle;
    remote_domain_event_callback_reboot_msg reboot;
    remote_domain_event_callback_balloon_change_msg balloon;
    remote_domain_event_callback_device_removed_msg removed;
    remote_domain_event_callback_device_added_msg added;
    remote_domain_event_callback_agent_lifecycle_msg agent;
    remote_domain_event_callback_metadata_change_msg metadata;
    remote_domain_event_callback_job_completed_msg job;
    remote_domain_event_callback_tunable_msg tunable;
} eventMessage;

/**
 * shoalDriverEventEncode:
 *
 * The wire message (a packet: length word, header, payload) of @event for
 * the client callback @callbackId; NULL for an event Shoal does not relay.
 */
GBytes *
shoalDriverEventEncode(int callbackId, const shoalClusterEvent *event)
{
    shoalMessageHeader hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .type = SHOAL_MESSAGE_TYPE_MESSAGE,
        /* libvirtd sends events with serial 1; clients ignore it */
        .serial = 1,
        .status = SHOAL_MESSAGE_STATUS_OK,
    };
    eventMessage m;
    xdrproc_t filter = NULL;
    char *str = (char *) event->str;
    GBytes *packet;

    memset(&m, 0, sizeof(m));
    switch (event->eventId) {
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE;
        filter = (xdrproc_t) xdr_remote_domain_event_callback_lifecycle_msg;
        m.lifecycle.callbackID = callbackId;
        shoalDriverEventFillDom(&m.lifecycle.msg.dom, event->dom);
        m.lifecycle.msg.event = event->event;
        m.lifecycle.msg.detail = event->detail;
        break;
    case VIR_DOMAIN_EVENT_ID_REBOOT:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT;
        filter = (xdrproc_t) xdr_remote_domain_event_callback_reboot_msg;
        m.reboot.callbackID = callbackId;
        shoalDriverEventFillDom(&m.reboot.msg.dom, event->dom);
        break;
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE;
        filter =
            (xdrproc_t) xdr_remote_domain_event_callback_balloon_change_msg;
        m.balloon.callbackID = callbackId;
        shoalDriverEventFillDom(&m.balloon.msg.dom, event->dom);
        m.balloon.msg.actual = event->value;
        break;
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED;
        filter =
            (xdrproc_t) xdr_remote_domain_event_callback_device_removed_msg;
        m.removed.callbackID = callbackId;
        shoalDriverEventFillDom(&m.removed.msg.dom, event->dom);
        m.removed.msg.devAlias = str ? str : (char *) "";
        break;
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED;
        filter = (xdrproc_t) xdr_remote_domain_event_callback_device_added_msg;
        m.added.callbackID = callbackId;
        shoalDriverEventFillDom(&m.added.dom, event->dom);
        m.added.devAlias = str ? str : (char *) "";
        break;
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE;
        filter =
            (xdrproc_t) xdr_remote_domain_event_callback_agent_lifecycle_msg;
        m.agent.callbackID = callbackId;
        shoalDriverEventFillDom(&m.agent.dom, event->dom);
        m.agent.state = event->event;
        m.agent.reason = event->detail;
        break;
    case VIR_DOMAIN_EVENT_ID_METADATA_CHANGE:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE;
        filter =
            (xdrproc_t) xdr_remote_domain_event_callback_metadata_change_msg;
        m.metadata.callbackID = callbackId;
        shoalDriverEventFillDom(&m.metadata.dom, event->dom);
        m.metadata.type = event->event;
        m.metadata.nsuri = str ? &str : NULL;
        break;
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED;
        filter = (xdrproc_t) xdr_remote_domain_event_callback_job_completed_msg;
        m.job.callbackID = callbackId;
        shoalDriverEventFillDom(&m.job.dom, event->dom);
        shoalDriverParamsFill(event->params, &m.job.params.params_val,
                              &m.job.params.params_len);
        break;
    case VIR_DOMAIN_EVENT_ID_TUNABLE:
        hdr.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE;
        filter = (xdrproc_t) xdr_remote_domain_event_callback_tunable_msg;
        m.tunable.callbackID = callbackId;
        shoalDriverEventFillDom(&m.tunable.dom, event->dom);
        shoalDriverParamsFill(event->params, &m.tunable.params.params_val,
                              &m.tunable.params.params_len);
        break;
    default:
        return shoalDriverEventEncodeGen(callbackId, event, &hdr);
    }
    packet = shoalMessageEncode(&hdr, filter, &m, NULL);
    /* of the message, only the typed parameters were allocated here */
    if (event->eventId == VIR_DOMAIN_EVENT_ID_JOB_COMPLETED)
        shoalDriverParamsClear(m.job.params.params_val,
                               m.job.params.params_len);
    else if (event->eventId == VIR_DOMAIN_EVENT_ID_TUNABLE)
        shoalDriverParamsClear(m.tunable.params.params_val,
                               m.tunable.params.params_len);
    return packet;
}

static void
eventRelayToClient(gpointer data, gpointer opaque)
{
    shoalDriverClient *client = data;
    const shoalClusterEvent *event = opaque;
    g_autoptr(GArray) ids =
        shoalDriverClientMatchEventCallbacks(client, event->eventId,
                                             event->dom->uuid);
    guint i;

    /* encoded with the client's lock released */
    for (i = 0; i < ids->len; i++) {
        g_autoptr(GBytes) packet =
            shoalDriverEventEncode(g_array_index(ids, int, i), event);

        if (packet)
            shoalDriverClientSend(client, packet);
    }
}

/**
 * shoalDriverEventRelay:
 * @server: the shoalDriverServer
 *
 * Main thread, called by the cluster: sends @event to every client
 * callback registered for it.
 */
void
shoalDriverEventRelay(const shoalClusterEvent *event, gpointer server)
{
    shoalDriverServerForeachClient(server, eventRelayToClient,
                                   (gpointer) event);
}
