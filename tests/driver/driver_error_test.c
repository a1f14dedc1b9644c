/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for driver_error.c, the one place that turns a GError into a
 * REPLY/ERROR packet carrying a remote_error.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>
#include <libvirt/virterror.h>

#include "driver_error.h"
#include "driver_message.h"
#include "driver_protocol.h"
#include "util_error.h"

/* What a REPLY/ERROR packet must carry. */
typedef struct {
    int code;
    int domain;
    const char *message;
} errorTestExpected;

/*
 * Encodes @error as the answer to @call and checks the whole packet: the
 * framing, the header echoing @call, and every field of the remote_error.
 */
static void
errorTestCheck(const shoalMessageHeader *call,
               const GError *error,
               const errorTestExpected *expected)
{
    g_autoptr(GBytes) packet = NULL;
    g_autoptr(GBytes) again = NULL;
    g_autoptr(GError) local = NULL;
    shoalMessageHeader hdr = { 0 };
    remote_error rerr = { 0 };
    const guint8 *data;
    size_t size;
    guint32 len = 0;

    packet = shoalDriverErrorEncode(call, error);
    g_assert_nonnull(packet);
    data = g_bytes_get_data(packet, &size);
    g_assert_cmpuint(size, >, SHOAL_MESSAGE_MIN);
    g_assert_true(shoalMessageDecodeLength(data, &len, &local));
    g_assert_no_error(local);
    g_assert_cmpuint(len, ==, size);

    g_assert_true(shoalMessageDecodeHeader(data, size, &hdr, &local));
    g_assert_no_error(local);
    g_assert_cmphex(hdr.prog, ==, call->prog);
    g_assert_cmpuint(hdr.vers, ==, call->vers);
    g_assert_cmpint(hdr.proc, ==, call->proc);
    g_assert_cmpint(hdr.type, ==, SHOAL_MESSAGE_TYPE_REPLY);
    g_assert_cmpint(hdr.type, ==, 1);
    g_assert_cmpuint(hdr.serial, ==, call->serial);
    g_assert_cmpint(hdr.status, ==, SHOAL_MESSAGE_STATUS_ERROR);
    g_assert_cmpint(hdr.status, ==, 1);

    g_assert_true(shoalMessageDecodePayload(data + SHOAL_MESSAGE_MIN,
                                            size - SHOAL_MESSAGE_MIN,
                                            (xdrproc_t) xdr_remote_error, &rerr,
                                            &local));
    g_assert_no_error(local);
    g_assert_cmpint(rerr.code, ==, expected->code);
    g_assert_cmpint(rerr.domain, ==, expected->domain);
    g_assert_nonnull(rerr.message);
    g_assert_cmpstr(*rerr.message, ==, expected->message);
    g_assert_cmpint(rerr.level, ==, VIR_ERR_ERROR);
    g_assert_cmpint(rerr.level, ==, 2);
    g_assert_null(rerr.dom);
    /* as virRaiseError() with "%s": the format, then the text */
    g_assert_nonnull(rerr.str1);
    g_assert_cmpstr(*rerr.str1, ==, "%s");
    g_assert_nonnull(rerr.str2);
    g_assert_cmpstr(*rerr.str2, ==, expected->message);
    g_assert_null(rerr.str3);
    g_assert_cmpint(rerr.int1, ==, -1);
    g_assert_cmpint(rerr.int2, ==, -1);
    g_assert_null(rerr.net);

    /* the payload is exactly one remote_error, nothing after it */
    hdr.type = SHOAL_MESSAGE_TYPE_REPLY;
    again =
        shoalMessageEncode(&hdr, (xdrproc_t) xdr_remote_error, &rerr, &local);
    g_assert_no_error(local);
    g_assert_true(g_bytes_equal(again, packet));
    xdr_free((xdrproc_t) xdr_remote_error, &rerr);
}

static const shoalMessageHeader errorTestLookupCall = {
    REMOTE_PROGRAM,
    REMOTE_PROTOCOL_VERSION,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
    SHOAL_MESSAGE_TYPE_CALL,
    6,
    SHOAL_MESSAGE_STATUS_OK,
};

static void
testNoDomain(void)
{
    const char *text =
        "Domain not found: no domain with matching name 'nosuch'";
    const errorTestExpected expected = { VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN,
                                         text };
    g_autoptr(GError) error =
        g_error_new_literal(SHOAL_ERROR, VIR_ERR_NO_DOMAIN, text);

    g_assert_cmpint(VIR_ERR_NO_DOMAIN, ==, 42);
    errorTestCheck(&errorTestLookupCall, error, &expected);
}

/* GIO's own codes mean nothing to a libvirt client. */
static void
testForeignDomain(void)
{
    const char *text = "Error opening file '/nonexistent': No such file";
    const errorTestExpected expected = { VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE,
                                         text };
    g_autoptr(GError) error =
        g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, text);

    g_assert_cmpint(VIR_ERR_INTERNAL_ERROR, ==, 1);
    errorTestCheck(&errorTestLookupCall, error, &expected);
}

/* Code 0 is VIR_ERR_OK: never send it as a failure. */
static void
testCodeZero(void)
{
    const char *text = "something failed";
    const errorTestExpected expected = { VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE,
                                         text };
    g_autoptr(GError) error = g_error_new_literal(SHOAL_ERROR, 0, text);

    errorTestCheck(&errorTestLookupCall, error, &expected);
}

/* Whatever the call was, its identity comes back unchanged. */
static void
testEchoHeader(void)
{
    const shoalMessageHeader calls[] = {
        { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
          REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, SHOAL_MESSAGE_TYPE_CALL,
          0xffffffff, SHOAL_MESSAGE_STATUS_OK },
        { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, REMOTE_PROC_NODE_GET_INFO,
          SHOAL_MESSAGE_TYPE_CALL_WITH_FDS, 0, SHOAL_MESSAGE_STATUS_OK },
        /* an unknown program still gets its answer addressed to it */
        { 0x12345678, 7, -1, SHOAL_MESSAGE_TYPE_CALL, 99,
          SHOAL_MESSAGE_STATUS_CONTINUE },
    };
    const char *text = "h\xc3\xb6st 'h1' said no";
    const errorTestExpected expected = { VIR_ERR_OPERATION_FAILED,
                                         VIR_FROM_NONE, text };
    g_autoptr(GError) error =
        g_error_new_literal(SHOAL_ERROR, VIR_ERR_OPERATION_FAILED, text);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(calls); i++)
        errorTestCheck(&calls[i], error, &expected);
}

typedef struct {
    int code;
    int domain;
} errorTestOrigin;

static const errorTestOrigin errorTestOrigins[] = {
    { VIR_ERR_RPC, VIR_FROM_RPC },
    { VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN },
    { VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN },
    { VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE },
    { VIR_ERR_INVALID_ARG, VIR_FROM_NONE },
    { VIR_ERR_MULTIPLE_DOMAINS, VIR_FROM_NONE },
    { VIR_ERR_OPERATION_FAILED, VIR_FROM_NONE },
};

/* Decodes the (code, domain) pair that shoalDriverErrorEncode() sends. */
static void
errorTestEncodeCode(int code, int *wireCode, int *wireDomain)
{
    g_autoptr(GError) error = g_error_new_literal(SHOAL_ERROR, code, "x");
    g_autoptr(GBytes) packet = NULL;
    g_autoptr(GError) local = NULL;
    remote_error rerr = { 0 };
    const guint8 *data;
    size_t size;

    packet = shoalDriverErrorEncode(&errorTestLookupCall, error);
    g_assert_nonnull(packet);
    data = g_bytes_get_data(packet, &size);
    g_assert_true(shoalMessageDecodePayload(data + SHOAL_MESSAGE_MIN,
                                            size - SHOAL_MESSAGE_MIN,
                                            (xdrproc_t) xdr_remote_error, &rerr,
                                            &local));
    g_assert_no_error(local);
    *wireCode = rerr.code;
    *wireDomain = rerr.domain;
    xdr_free((xdrproc_t) xdr_remote_error, &rerr);
}

static void
testOrigin(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(errorTestOrigins); i++) {
        int code = -1;
        int domain = -1;

        errorTestEncodeCode(errorTestOrigins[i].code, &code, &domain);
        g_assert_cmpint(code, ==, errorTestOrigins[i].code);
        g_assert_cmpint(domain, ==, errorTestOrigins[i].domain);
    }
}

/*
 * What a libvirt client makes of a (code, domain) pair: the interop switch
 * of virNetClientProgramDispatchError() for servers 0.7.1 to 0.7.7.
 */
static int
errorTestClientCode(int code, int domain)
{
    switch (code) {
    case VIR_ERR_INVALID_NWFILTER:
    case VIR_ERR_NO_NWFILTER:
    case VIR_ERR_BUILD_FIREWALL:
        return domain != VIR_FROM_NWFILTER ? code + 4 : code;
    case VIR_WAR_NO_SECRET:
        return domain == VIR_FROM_QEMU ? VIR_ERR_OPERATION_TIMEOUT : code;
    case VIR_ERR_INVALID_SECRET:
        return domain == VIR_FROM_XEN ? VIR_ERR_MIGRATE_PERSIST_FAILED : code;
    default:
        return code;
    }
}

/*
 * Every code Shoal may pass on (host errors keep theirs) must reach the
 * client as itself; a host's VIR_ERR_NO_NWFILTER must not turn into
 * VIR_ERR_NO_SECRET.
 */
static void
testClientSeesCode(void)
{
    int code;

    /* VIR_ERR_MULTIPLE_DOMAINS is the last code of libvirt 9.0 */
    for (code = VIR_ERR_INTERNAL_ERROR; code <= VIR_ERR_MULTIPLE_DOMAINS;
         code++) {
        int wireCode = -1;
        int wireDomain = -1;

        errorTestEncodeCode(code, &wireCode, &wireDomain);
        g_assert_cmpint(wireCode, ==, code);
        if (errorTestClientCode(wireCode, wireDomain) != code)
            g_test_message("code %d is sent with domain %d", code, wireDomain);
        g_assert_cmpint(errorTestClientCode(wireCode, wireDomain), ==, code);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/driver/error/no-domain", testNoDomain);
    g_test_add_func("/driver/error/foreign-domain", testForeignDomain);
    g_test_add_func("/driver/error/code-zero", testCodeZero);
    g_test_add_func("/driver/error/echo-header", testEchoHeader);
    g_test_add_func("/driver/error/origin", testOrigin);
    g_test_add_func("/driver/error/client-sees-code", testClientSeesCode);

    return g_test_run();
}
