/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Fuzz target for the packet decoder, fed what a client writes to the
 * socket. The input is cut into packets as clientProcessInput() does
 * (shoalMessageDecodeLength(); a last packet shorter than its length word
 * is decoded as far as it goes). Each packet's header is decoded, and its
 * payload with the codecs of the procedure it names
 * (shoalDispatchProcLookup()): the arguments, as dispatchCall() decodes a
 * call, and for a REPLY the return value or the remote_error, so that the
 * replies captured from libvirtd reach the codecs the daemon encodes
 * with. An unknown procedure is answered with shoalDriverErrorEncode().
 * The typed parameters of a migration go through shoalDriverParamsParse()
 * and back through shoalDriverParamsFill(), as the handlers use them.
 * A STREAM or STREAM_HOLE packet goes to a stream of its call
 * (driver_stream.c) between fakes; what the client would get back must
 * be a whole packet of that stream.
 *
 * Whatever decodes must survive encode, decode, encode unchanged.
 */

#include <config.h>

#include <stdbool.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "driver_dispatch_procs.h"
#include "driver_error.h"
#include "driver_message.h"
#include "driver_params.h"
#include "driver_stream.h"
#include "fuzz.h"
#include "util_error.h"

/* Returns: (transfer full): the decoded struct, or NULL. */
static void *
fuzzDecode(xdrproc_t filter, size_t size, const guint8 *payload, size_t len)
{
    void *data = g_malloc0(size);

    if (!shoalMessageDecodePayload(payload, len, filter, data, NULL)) {
        /* partly decoded members are the caller's to free, as in
         * dispatchCall() */
        xdr_free(filter, data);
        g_free(data);
        return NULL;
    }
    return data;
}

static void
fuzzFree(xdrproc_t filter, void *data)
{
    xdr_free(filter, data);
    g_free(data);
}

/* Encoding what decoded must work, and give bytes that decode to the
 * same value: a second encoding is identical. */
static void
fuzzRoundTrip(const shoalMessageHeader *hdr,
              xdrproc_t filter,
              size_t size,
              const void *data)
{
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    const guint8 *bytes;
    gsize len;
    void *again;

    first = shoalMessageEncode(hdr, filter, (void *) data, NULL);
    g_assert_nonnull(first);
    bytes = g_bytes_get_data(first, &len);
    g_assert_cmpuint(len, >=, SHOAL_MESSAGE_MIN);
    again = fuzzDecode(filter, size, bytes + SHOAL_MESSAGE_MIN,
                       len - SHOAL_MESSAGE_MIN);
    g_assert_nonnull(again);
    second = shoalMessageEncode(hdr, filter, again, NULL);
    fuzzFree(filter, again);
    g_assert_nonnull(second);
    g_assert_true(g_bytes_equal(first, second));
}

/* A client's typed parameters, read and written back. */
static void
fuzzParams(const remote_typed_param *val, u_int len)
{
    g_autoptr(GPtrArray) params = shoalDriverParamsParse(val, len, NULL);
    remote_typed_param *out = NULL;
    u_int outLen = 0;

    if (!params)
        return;
    g_assert_cmpuint(params->len, ==, len);
    shoalDriverParamsFill(params, &out, &outLen);
    g_assert_cmpuint(outLen, ==, len);
    shoalDriverParamsClear(out, outLen);
}

/* What the handler of @proc reads from its decoded @args beyond fields. */
static void
fuzzArgs(int proc, const void *args)
{
    const remote_domain_migrate_begin3_params_args *begin = args;
    const remote_domain_migrate_perform3_params_args *perform = args;

    if (proc == REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS)
        fuzzParams(begin->params.params_val, begin->params.params_len);
    else if (proc == REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS)
        fuzzParams(perform->params.params_val, perform->params.params_len);
}

static void
fuzzPayload(const shoalMessageHeader *hdr,
            xdrproc_t filter,
            size_t size,
            const guint8 *payload,
            size_t len,
            bool args)
{
    void *data = fuzzDecode(filter, size, payload, len);

    if (!data)
        return;
    fuzzRoundTrip(hdr, filter, size, data);
    if (args)
        fuzzArgs(hdr->proc, data);
    fuzzFree(filter, data);
}

/* A host's error, relayed: its message goes back out through the one
 * place that builds a remote_error. */
static void
fuzzError(const shoalMessageHeader *hdr, const guint8 *payload, size_t len)
{
    remote_error *rerr = fuzzDecode((xdrproc_t) xdr_remote_error,
                                    sizeof(remote_error), payload, len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) reply = NULL;

    if (!rerr)
        return;
    fuzzRoundTrip(hdr, (xdrproc_t) xdr_remote_error, sizeof(remote_error),
                  rerr);
    error = g_error_new_literal(SHOAL_ERROR, rerr->code,
                                rerr->message ? *rerr->message : "");
    fuzzFree((xdrproc_t) xdr_remote_error, rerr);
    reply = shoalDriverErrorEncode(hdr, error);
    g_assert_nonnull(reply);
}

/* The fakes of fuzzStream(): the host takes everything, the client's
 * packets are checked. */
static void
fuzzStreamStart(gpointer host, shoalDriverStream *stream)
{
}

static bool
fuzzStreamSend(gpointer host, GBytes *data)
{
    g_assert_cmpuint(g_bytes_get_size(data), >, 0);
    return true;
}

static void
fuzzStreamNothing(gpointer host)
{
}

static const shoalDriverStreamHostOps fuzzStreamHostOps = {
    .start = fuzzStreamStart,
    .send = fuzzStreamSend,
    .resume = fuzzStreamNothing,
    .finish = fuzzStreamNothing,
    .abort = fuzzStreamNothing,
};

static void
fuzzStreamTransmit(gpointer peer, GBytes *packet)
{
    const shoalMessageHeader *call = peer;
    shoalMessageHeader hdr;
    gsize len;
    const guint8 *data = g_bytes_get_data(packet, &len);
    guint32 want;

    g_assert_true(shoalMessageDecodeLength(data, &want, NULL));
    g_assert_cmpuint(want, ==, len);
    g_assert_true(shoalMessageDecodeHeader(data, len, &hdr, NULL));
    g_assert_cmpint(hdr.type, ==, SHOAL_MESSAGE_TYPE_STREAM);
    g_assert_cmpuint(hdr.serial, ==, call->serial);
    g_assert_cmpint(hdr.proc, ==, call->proc);
}

static void
fuzzStreamReleased(gpointer peer)
{
}

static void
fuzzStreamClosed(gpointer peer, shoalDriverStream *stream)
{
}

static const shoalDriverStreamPeerOps fuzzStreamPeerOps = {
    .transmit = fuzzStreamTransmit,
    .release = fuzzStreamReleased,
    .closed = fuzzStreamClosed,
};

static void
fuzzStream(const shoalMessageHeader *hdr, const guint8 *payload, size_t len)
{
    g_autoptr(shoalDriverStream) stream =
        shoalDriverStreamNew(&fuzzStreamHostOps, NULL, NULL, &fuzzStreamPeerOps,
                             (gpointer) hdr, NULL);

    shoalDriverStreamBind(stream, hdr);
    shoalDriverStreamStart(stream);
    if (shoalDriverStreamHandlePacket(stream, hdr, payload, len))
        shoalDriverStreamHostSent(stream);
    shoalDriverStreamHostData(stream, (const char *) payload, len);
    shoalDriverStreamHostClosed(stream, NULL);
    g_assert_true(shoalDriverStreamIsClosed(stream));
}

static void
fuzzPacket(const guint8 *packet, size_t len)
{
    shoalMessageHeader hdr;
    const shoalDispatchProc *proc;
    const guint8 *payload = packet + SHOAL_MESSAGE_MIN;
    size_t payloadLen;

    if (!shoalMessageDecodeHeader(packet, len, &hdr, NULL))
        return;
    payloadLen = len - SHOAL_MESSAGE_MIN;
    if (hdr.prog != REMOTE_PROGRAM)
        return;
    if (hdr.type == SHOAL_MESSAGE_TYPE_STREAM ||
        hdr.type == SHOAL_MESSAGE_TYPE_STREAM_HOLE) {
        fuzzStream(&hdr, payload, payloadLen);
        return;
    }

    if (hdr.type == SHOAL_MESSAGE_TYPE_REPLY &&
        hdr.status == SHOAL_MESSAGE_STATUS_ERROR)
        fuzzError(&hdr, payload, payloadLen);

    proc = shoalDispatchProcLookup(hdr.proc);
    if (!proc) {
        g_autoptr(GError) error =
            g_error_new(SHOAL_ERROR, VIR_ERR_RPC, "unknown procedure: %d",
                        hdr.proc);
        g_autoptr(GBytes) reply = shoalDriverErrorEncode(&hdr, error);

        g_assert_nonnull(reply);
        return;
    }
    g_assert_cmpint(proc->proc, ==, hdr.proc);
    if (proc->argsSize)
        fuzzPayload(&hdr, proc->argsFilter, proc->argsSize, payload, payloadLen,
                    true);
    if (proc->retSize && hdr.type == SHOAL_MESSAGE_TYPE_REPLY &&
        hdr.status == SHOAL_MESSAGE_STATUS_OK)
        fuzzPayload(&hdr, proc->retFilter, proc->retSize, payload, payloadLen,
                    false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size >= SHOAL_MESSAGE_LEN_SIZE) {
        g_autofree guint8 *packet = NULL;
        guint32 want;

        if (!shoalMessageDecodeLength(data, &want, NULL))
            break;
        want = MIN(want, size);
        /* a copy of exactly the packet, so that reading past its end is
         * an error the sanitizers see */
        packet = g_memdup2(data, want);
        fuzzPacket(packet, want);
        data += want;
        size -= want;
    }
    return 0;
}
