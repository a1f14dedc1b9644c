/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_dispatch.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "driver_client.h"
#include "driver_dispatch_procs.h"
#include "driver_error.h"
#include "driver_server.h"
#include "util_error.h"
#include "util_log.h"

/* One call on its way to a worker. */
typedef struct _shoalDispatchJob {
    shoalDriverClient *client; /* a reference */
    shoalMessageHeader hdr;
    GBytes *packet;                /* the whole packet */
    const shoalDispatchProc *proc; /* static */
} shoalDispatchJob;

static void
dispatchJobFree(shoalDispatchJob *job)
{
    shoalDriverClientUnref(job->client);
    g_bytes_unref(job->packet);
    g_free(job);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDispatchJob, dispatchJobFree)

static void
dispatchSendError(shoalDriverClient *client,
                  const shoalMessageHeader *hdr,
                  const GError *error)
{
    g_autoptr(GBytes) reply = shoalDriverErrorEncode(hdr, error);

    if (reply)
        shoalDriverClientSend(client, reply);
}

static void
dispatchKeepalive(shoalDriverClient *client, const shoalMessageHeader *hdr)
{
    shoalMessageHeader pong = *hdr;
    g_autoptr(GBytes) packet = NULL;

    if (hdr->type != SHOAL_MESSAGE_TYPE_MESSAGE ||
        hdr->proc != KEEPALIVE_PROC_PING)
        return;
    pong.proc = KEEPALIVE_PROC_PONG;
    pong.serial = 0;
    pong.status = SHOAL_MESSAGE_STATUS_OK;
    packet = shoalMessageEncode(&pong, NULL, NULL, NULL);
    shoalDriverClientSend(client, packet);
}

/**
 * shoalDispatchMessage:
 * @packet: (transfer none): one whole packet
 *
 * Main thread. Answers keepalive and malformed calls at once, so a long
 * call never delays them, and hands every other call to a worker.
 */
void
shoalDispatchMessage(shoalDriverServer *server,
                     shoalDriverClient *client,
                     GBytes *packet)
{
    g_autoptr(GError) error = NULL;
    shoalDispatchJob *job;
    shoalMessageHeader hdr;
    const shoalDispatchProc *proc;
    gsize len;
    const guint8 *data = g_bytes_get_data(packet, &len);

    if (!shoalMessageDecodeHeader(data, len, &hdr, &error))
        return;

    if (hdr.prog == KEEPALIVE_PROGRAM &&
        hdr.vers == KEEPALIVE_PROTOCOL_VERSION) {
        dispatchKeepalive(client, &hdr);
        return;
    }
    if (hdr.type == SHOAL_MESSAGE_TYPE_STREAM ||
        hdr.type == SHOAL_MESSAGE_TYPE_STREAM_HOLE) {
        shoalDriverClientStreamPacket(client, &hdr, packet);
        return;
    }
    if (hdr.type != SHOAL_MESSAGE_TYPE_CALL) {
        /* no descriptor passing here; libvirtd drops these too */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_CLIENT(client->idStr), "MESSAGE",
                         "ignoring packet of type %d", hdr.type);
        return;
    }
    if (hdr.prog != REMOTE_PROGRAM || hdr.vers != REMOTE_PROTOCOL_VERSION) {
        g_set_error(&error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("Cannot find program %1$d version %2$d"), (int) hdr.prog,
                    (int) hdr.vers);
        dispatchSendError(client, &hdr, error);
        return;
    }
    proc = shoalDispatchProcLookup(hdr.proc);
    if (!proc) {
        g_set_error(&error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("unknown procedure: %1$d"), hdr.proc);
        dispatchSendError(client, &hdr, error);
        return;
    }

    job = g_new0(shoalDispatchJob, 1);
    job->client = shoalDriverClientRef(client);
    job->hdr = hdr;
    job->packet = g_bytes_ref(packet);
    job->proc = proc;
    shoalDriverClientCallBegin(client);
    g_thread_pool_push(proc->highPriority ? server->prioWorkers
                                          : server->workers,
                       job, NULL);
}

/* "DOMAIN_SET_MEMORY_FLAGS" → "virDomainSetMemoryFlags", for messages. */
static char *
dispatchApiName(const char *procName)
{
    GString *api = g_string_new("vir");
    bool upper = true;
    const char *p;

    for (p = procName; *p; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        g_string_append_c(api, upper ? *p : g_ascii_tolower(*p));
        upper = false;
    }
    return g_string_free(api, FALSE);
}

static bool
dispatchCheckAccess(shoalDriverClient *client,
                    const shoalDispatchProc *proc,
                    GError **error)
{
    bool open;
    bool readOnly;

    if (client->denied) {
        g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_ACCESS_DENIED,
                            client->denied);
        return false;
    }
    open = shoalDriverClientGetOpen(client, &readOnly);

    if (!open && proc->proc != REMOTE_PROC_CONNECT_OPEN &&
        proc->proc != REMOTE_PROC_AUTH_LIST &&
        proc->proc != REMOTE_PROC_CONNECT_SUPPORTS_FEATURE) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("connection not open"));
        return false;
    }
    if (readOnly && proc->writes) {
        g_autofree char *api = dispatchApiName(proc->name);

        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_DENIED,
                    _("operation forbidden: read only access prevents %1$s"),
                    api);
        return false;
    }
    return true;
}

static GBytes *
dispatchCall(shoalDispatchJob *job, GError **error)
{
    const shoalDispatchProc *proc = job->proc;
    g_autofree void *args = NULL;
    g_autofree void *ret = NULL;
    shoalMessageHeader hdr = job->hdr;
    GBytes *reply = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data(job->packet, &len);
    bool ok;

    if (!dispatchCheckAccess(job->client, proc, error))
        return NULL;

    if (proc->argsSize)
        args = g_malloc0(proc->argsSize);
    if (proc->retSize)
        ret = g_malloc0(proc->retSize);

    if (args && !shoalMessageDecodePayload(data + SHOAL_MESSAGE_MIN,
                                           len - SHOAL_MESSAGE_MIN,
                                           proc->argsFilter, args, error)) {
        xdr_free(proc->argsFilter, args);
        return NULL;
    }

    ok = proc->func(job->client, args, ret, error);
    if (ok) {
        hdr.type = SHOAL_MESSAGE_TYPE_REPLY;
        hdr.status = SHOAL_MESSAGE_STATUS_OK;
        reply =
            shoalMessageEncode(&hdr, ret ? proc->retFilter : NULL, ret, error);
    }
    if (args)
        xdr_free(proc->argsFilter, args);
    if (ret)
        xdr_free(proc->retFilter, ret);
    return reply;
}

/**
 * shoalDispatchRun:
 * @job: (transfer full): a shoalDispatchJob
 *
 * Worker thread: runs one call and queues its reply.
 */
void
shoalDispatchRun(gpointer data, gpointer opaque)
{
    g_autoptr(shoalDispatchJob) job = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) reply = NULL;

    reply = dispatchCall(job, &error);
    if (reply) {
        shoalDriverClientCallReplied(job->client, &job->hdr, reply);
        /* libvirtd closes the socket once CONNECT_CLOSE is answered */
        if (job->proc->proc == REMOTE_PROC_CONNECT_CLOSE)
            shoalDriverClientCloseAfterFlush(job->client);
    } else {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                         SHOAL_LOG_CLIENT(job->client->idStr), "MESSAGE",
                         "call %s failed: %s", job->proc->name, error->message);
        shoalDriverClientCallReplied(job->client, &job->hdr, NULL);
        dispatchSendError(job->client, &job->hdr, error);
        if (job->client->denied)
            shoalDriverClientCloseAfterFlush(job->client);
    }
    shoalDriverClientCallDone(job->client);
}
