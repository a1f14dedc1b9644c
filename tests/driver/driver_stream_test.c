/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stream state machine (driver_stream.c) between a fake client and a
 * fake host end: which packets the client gets, what the host is asked to
 * do, flow control both ways, and that either side going closes the
 * other.
 */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "driver_error.h"
#include "driver_protocol.h"
#include "driver_stream.h"
#include "util_error.h"

#define TEST_SERIAL 77

typedef struct {
    shoalDriverStream *stream;
    /* the host's end */
    GPtrArray *sent; /* GBytes the host was given */
    unsigned resumes;
    unsigned finishes;
    unsigned aborts;
    bool started;
    bool hostRefuses; /* send() answers false */
    /* the client's end */
    GPtrArray *packets; /* GBytes queued for the client */
    unsigned released;
    unsigned closed;
} Fixture;

static void
fakeStart(gpointer host, shoalDriverStream *stream)
{
    ((Fixture *) host)->started = true;
}

static bool
fakeSend(gpointer host, GBytes *data)
{
    Fixture *f = host;

    if (f->hostRefuses)
        return false;
    g_ptr_array_add(f->sent, g_bytes_ref(data));
    return true;
}

static void
fakeResume(gpointer host)
{
    ((Fixture *) host)->resumes++;
}

static void
fakeFinish(gpointer host)
{
    ((Fixture *) host)->finishes++;
}

static void
fakeAbort(gpointer host)
{
    ((Fixture *) host)->aborts++;
}

static const shoalDriverStreamHostOps fakeHostOps = {
    .start = fakeStart,
    .send = fakeSend,
    .resume = fakeResume,
    .finish = fakeFinish,
    .abort = fakeAbort,
};

static void
fakeTransmit(gpointer peer, GBytes *packet)
{
    g_ptr_array_add(((Fixture *) peer)->packets, g_bytes_ref(packet));
}

static void
fakeRelease(gpointer peer)
{
    ((Fixture *) peer)->released++;
}

static void
fakeClosed(gpointer peer, shoalDriverStream *stream)
{
    ((Fixture *) peer)->closed++;
}

static const shoalDriverStreamPeerOps fakePeerOps = {
    .transmit = fakeTransmit,
    .release = fakeRelease,
    .closed = fakeClosed,
};

static const shoalMessageHeader testCall = {
    .prog = REMOTE_PROGRAM,
    .vers = REMOTE_PROTOCOL_VERSION,
    .proc = REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
    .type = SHOAL_MESSAGE_TYPE_CALL,
    .serial = TEST_SERIAL,
    .status = SHOAL_MESSAGE_STATUS_OK,
};

static void
fixtureSetUp(Fixture *f, gconstpointer data)
{
    f->sent = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    f->packets = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    f->stream =
        shoalDriverStreamNew(&fakeHostOps, f, NULL, &fakePeerOps, f, NULL);
    shoalDriverStreamBind(f->stream, &testCall);
    shoalDriverStreamStart(f->stream);
}

static void
fixtureTearDown(Fixture *f, gconstpointer data)
{
    shoalDriverStreamUnref(f->stream);
    g_ptr_array_unref(f->packets);
    g_ptr_array_unref(f->sent);
}

/* A packet from the client: header of this stream, @status, payload. */
static bool
clientSends(Fixture *f, int type, int status, const char *payload)
{
    shoalMessageHeader hdr = testCall;

    hdr.type = type;
    hdr.status = status;
    return shoalDriverStreamHandlePacket(f->stream, &hdr,
                                         (const guint8 *) payload,
                                         payload ? strlen(payload) : 0);
}

/* Packet @i the client got: its header, and its payload in @payload. */
static void
clientGot(
    Fixture *f, guint i, int type, int status, const char **payload, gsize *len)
{
    GBytes *packet;
    shoalMessageHeader hdr;
    gsize size;
    const guint8 *data;

    g_assert_cmpuint(i, <, f->packets->len);
    packet = f->packets->pdata[i];
    data = g_bytes_get_data(packet, &size);
    g_assert_true(shoalMessageDecodeHeader(data, size, &hdr, NULL));
    g_assert_cmpint(hdr.proc, ==, REMOTE_PROC_DOMAIN_OPEN_CONSOLE);
    g_assert_cmpuint(hdr.serial, ==, TEST_SERIAL);
    g_assert_cmpint(hdr.type, ==, type);
    g_assert_cmpint(hdr.status, ==, status);
    if (payload)
        *payload = (const char *) data + SHOAL_MESSAGE_MIN;
    if (len)
        *len = size - SHOAL_MESSAGE_MIN;
}

/* The client's STREAM/ERROR packet @i carries @code. */
static void
clientGotError(Fixture *f, guint i, int code)
{
    const char *payload;
    gsize len;
    remote_error rerr = { 0 };

    clientGot(f, i, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_ERROR,
              &payload, &len);
    g_assert_true(shoalMessageDecodePayload((const guint8 *) payload, len,
                                            (xdrproc_t) xdr_remote_error, &rerr,
                                            NULL));
    g_assert_cmpint(rerr.code, ==, code);
    xdr_free((xdrproc_t) xdr_remote_error, (char *) &rerr);
}

static void
testStarts(Fixture *f, gconstpointer data)
{
    g_assert_true(f->started);
    g_assert_cmpuint(f->packets->len, ==, 0);
}

/* Host data reaches the client as STREAM/CONTINUE; its end as an empty
 * CONTINUE; the client's finish is confirmed once the host finished. */
static void
testDownloadAndFinish(Fixture *f, gconstpointer data)
{
    const char *payload;
    gsize len;

    g_assert_true(shoalDriverStreamHostData(f->stream, "hello", 5));
    clientGot(f, 0, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_CONTINUE,
              &payload, &len);
    g_assert_cmpmem(payload, len, "hello", 5);

    shoalDriverStreamHostData(f->stream, NULL, 0);
    clientGot(f, 1, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_CONTINUE,
              NULL, &len);
    g_assert_cmpuint(len, ==, 0);

    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_OK, NULL));
    g_assert_cmpuint(f->finishes, ==, 1);
    g_assert_cmpuint(f->packets->len, ==, 2);
    shoalDriverStreamHostClosed(f->stream, NULL);
    clientGot(f, 2, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_OK, NULL,
              &len);
    g_assert_cmpuint(len, ==, 0);
    g_assert_cmpuint(f->closed, ==, 1);
    g_assert_true(shoalDriverStreamIsClosed(f->stream));
    g_assert_cmpuint(f->aborts, ==, 0);
}

/* The client's data is held until the host took it. */
static void
testUpload(Fixture *f, gconstpointer data)
{
    g_assert_true(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                              SHOAL_MESSAGE_STATUS_CONTINUE, "typed"));
    g_assert_cmpuint(f->sent->len, ==, 1);
    g_assert_cmpmem(g_bytes_get_data(f->sent->pdata[0], NULL),
                    g_bytes_get_size(f->sent->pdata[0]), "typed", 5);
    g_assert_cmpuint(f->released, ==, 0);
    shoalDriverStreamHostSent(f->stream);
    g_assert_cmpuint(f->released, ==, 1);
    /* an empty CONTINUE carries nothing to the host */
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_CONTINUE, NULL));
    g_assert_cmpuint(f->sent->len, ==, 1);
}

/* A host end that is ending does not hold the client's data. */
static void
testUploadRefused(Fixture *f, gconstpointer data)
{
    f->hostRefuses = true;
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_CONTINUE, "typed"));
}

/* Reading from the host pauses while the client has not taken enough,
 * and resumes once a packet is written. */
static void
testFlowControl(Fixture *f, gconstpointer data)
{
    unsigned i;

    for (i = 0; i + 1 < SHOAL_DRIVER_STREAM_TX_MAX; i++)
        g_assert_true(shoalDriverStreamHostData(f->stream, "x", 1));
    g_assert_false(shoalDriverStreamHostData(f->stream, "x", 1));
    g_assert_cmpuint(f->packets->len, ==, SHOAL_DRIVER_STREAM_TX_MAX);
    g_assert_cmpuint(f->resumes, ==, 0);
    /* the client's queue writes (drops) its first packet */
    g_ptr_array_remove_index(f->packets, 0);
    g_assert_cmpuint(f->resumes, ==, 1);
    g_ptr_array_remove_index(f->packets, 0);
    g_assert_cmpuint(f->resumes, ==, 1);
    g_assert_true(shoalDriverStreamHostData(f->stream, "x", 1));
}

/* The client's abort aborts the host's end and is confirmed. */
static void
testClientAbort(Fixture *f, gconstpointer data)
{
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_ERROR, NULL));
    g_assert_cmpuint(f->aborts, ==, 1);
    /* late packets are dropped */
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_CONTINUE, "late"));
    g_assert_cmpuint(f->sent->len, ==, 0);
    g_assert_true(shoalDriverStreamHostData(f->stream, "x", 1));
    g_assert_cmpuint(f->packets->len, ==, 0);
    shoalDriverStreamHostClosed(f->stream, NULL);
    clientGot(f, 0, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_OK, NULL,
              NULL);
    g_assert_cmpuint(f->closed, ==, 1);
}

/* The client going aborts the host's end, which then sends it nothing. */
static void
testClientGone(Fixture *f, gconstpointer data)
{
    shoalDriverStreamPeerGone(f->stream);
    g_assert_cmpuint(f->aborts, ==, 1);
    shoalDriverStreamPeerGone(f->stream);
    g_assert_cmpuint(f->aborts, ==, 1);
    shoalDriverStreamHostClosed(f->stream, NULL);
    g_assert_cmpuint(f->packets->len, ==, 0);
    g_assert_cmpuint(f->closed, ==, 1);
    /* reported once */
    shoalDriverStreamHostClosed(f->stream, NULL);
    g_assert_cmpuint(f->closed, ==, 1);
}

/* The host's end failing on its own ends the client's with its error. */
static void
testHostFails(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_set_error(&error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED, "gone");
    shoalDriverStreamHostClosed(f->stream, error);
    clientGotError(f, 0, VIR_ERR_OPERATION_FAILED);
    g_assert_cmpuint(f->closed, ==, 1);
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM,
                               SHOAL_MESSAGE_STATUS_OK, NULL));
    g_assert_cmpuint(f->finishes, ==, 0);
}

/* A host end that closes without an error, unasked, is still an error. */
static void
testHostHangsUp(Fixture *f, gconstpointer data)
{
    shoalDriverStreamHostClosed(f->stream, NULL);
    clientGotError(f, 0, VIR_ERR_RPC);
}

/* A finish the host refuses reaches the client as its error. */
static void
testFinishFails(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    clientSends(f, SHOAL_MESSAGE_TYPE_STREAM, SHOAL_MESSAGE_STATUS_OK, NULL);
    g_set_error(&error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID, "no");
    shoalDriverStreamHostClosed(f->stream, error);
    clientGotError(f, 0, VIR_ERR_OPERATION_INVALID);
}

/* No relayed stream is sparse: a hole aborts with libvirt's error. */
static void
testHole(Fixture *f, gconstpointer data)
{
    g_assert_false(clientSends(f, SHOAL_MESSAGE_TYPE_STREAM_HOLE,
                               SHOAL_MESSAGE_STATUS_CONTINUE, "01234567"));
    g_assert_cmpuint(f->aborts, ==, 1);
    shoalDriverStreamHostClosed(f->stream, NULL);
    clientGotError(f, 0, VIR_ERR_RPC);
}

/* Shoal's own abort (the reply could not be sent) tells the client why. */
static void
testShoalAbort(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_set_error(&error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR, "why");
    shoalDriverStreamAbort(f->stream, error);
    g_assert_cmpuint(f->aborts, ==, 1);
    shoalDriverStreamHostClosed(f->stream, NULL);
    clientGotError(f, 0, VIR_ERR_INTERNAL_ERROR);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, func) \
    g_test_add(path, Fixture, NULL, fixtureSetUp, func, fixtureTearDown)
    ADD("/driver/stream/starts", testStarts);
    ADD("/driver/stream/download-and-finish", testDownloadAndFinish);
    ADD("/driver/stream/upload", testUpload);
    ADD("/driver/stream/upload-refused", testUploadRefused);
    ADD("/driver/stream/flow-control", testFlowControl);
    ADD("/driver/stream/client-abort", testClientAbort);
    ADD("/driver/stream/client-gone", testClientGone);
    ADD("/driver/stream/host-fails", testHostFails);
    ADD("/driver/stream/host-hangs-up", testHostHangsUp);
    ADD("/driver/stream/finish-fails", testFinishFails);
    ADD("/driver/stream/hole", testHole);
    ADD("/driver/stream/shoal-abort", testShoalAbort);
#undef ADD
    return g_test_run();
}
