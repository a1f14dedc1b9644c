/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain event registrations of clients, and delivery to them. */
#include <config.h>

#include "driver_event.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
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
    g_mutex_lock(&client->lock);
    cb->callbackId = client->nextCallbackId++;
    g_hash_table_insert(client->callbacks, GINT_TO_POINTER(cb->callbackId), cb);
    ret->callbackID = cb->callbackId;
    g_mutex_unlock(&client->lock);
    return true;
}

bool
shoalDispatchConnectDomainEventCallbackDeregisterAny(
    shoalDriverClient *client,
    const remote_connect_domain_event_callback_deregister_any_args *args,
    void *ret,
    GError **error)
{
    bool removed;

    g_mutex_lock(&client->lock);
    removed = g_hash_table_remove(client->callbacks,
                                  GINT_TO_POINTER(args->callbackID));
    g_mutex_unlock(&client->lock);
    if (!removed) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: could not find event callback %1$d"),
                    args->callbackID);
        return false;
    }
    return true;
}

static GBytes *
eventEncodeLifecycle(int callbackId, const shoalClusterEvent *event)
{
    shoalMessageHeader hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
        .type = SHOAL_MESSAGE_TYPE_MESSAGE,
        /* libvirtd sends events with serial 1; clients ignore it */
        .serial = 1,
        .status = SHOAL_MESSAGE_STATUS_OK,
    };
    remote_domain_event_callback_lifecycle_msg msg = { 0 };

    msg.callbackID = callbackId;
    msg.msg.dom.name = event->dom->name;
    memcpy(msg.msg.dom.uuid, event->dom->uuid, VIR_UUID_BUFLEN);
    msg.msg.dom.id = event->dom->id;
    msg.msg.event = event->event;
    msg.msg.detail = event->detail;
    return shoalMessageEncode(&hdr,
                              (xdrproc_t)
                                  xdr_remote_domain_event_callback_lifecycle_msg,
                              &msg, NULL);
}

static void
eventRelayToClient(gpointer data, gpointer opaque)
{
    shoalDriverClient *client = data;
    const shoalClusterEvent *event = opaque;
    g_autoptr(GPtrArray) packets =
        g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    GHashTableIter iter;
    gpointer value;
    guint i;

    g_mutex_lock(&client->lock);
    g_hash_table_iter_init(&iter, client->callbacks);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        const shoalDriverEventCallback *cb = value;
        GBytes *packet;

        if (cb->eventId != event->eventId ||
            (cb->hasDomain &&
             memcmp(cb->uuid, event->dom->uuid, VIR_UUID_BUFLEN) != 0))
            continue;
        packet = eventEncodeLifecycle(cb->callbackId, event);
        if (packet)
            g_ptr_array_add(packets, packet);
    }
    g_mutex_unlock(&client->lock);

    for (i = 0; i < packets->len; i++)
        shoalDriverClientSend(client, packets->pdata[i]);
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
    if (event->eventId != VIR_DOMAIN_EVENT_ID_LIFECYCLE)
        return;
    shoalDriverServerForeachClient(server, eventRelayToClient,
                                   (gpointer) event);
}
