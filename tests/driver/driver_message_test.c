/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the libvirt RPC framing in driver_message.c: the length word
 * at its bounds, headers captured from a real libvirtd 9.0, encode/decode
 * round trips, and truncated or padded payloads.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "driver_message.h"
#include "driver_protocol.h"
#include "util_error.h"

/*
 * tirpc declares xdr_void() without parameters; casting through
 * void (*)(void) says the call with (XDR *, void *) is meant.
 */
#define MESSAGE_TEST_XDR_VOID ((xdrproc_t) (void (*)(void)) xdr_void)

static const guint8 messageTestUUID1[VIR_UUID_BUFLEN] = {
    0x8a, 0x9a, 0x2e, 0xca, 0x49, 0x4e, 0x4d, 0xfd,
    0xab, 0x41, 0x0f, 0x31, 0x97, 0xa9, 0xbf, 0x9d,
};

static const guint8 messageTestUUID2[VIR_UUID_BUFLEN] = {
    0x82, 0x05, 0xe6, 0xeb, 0xd6, 0xa4, 0x47, 0xb3,
    0x96, 0x7e, 0x5e, 0x6f, 0x9b, 0x5b, 0x72, 0x0b,
};

static void
messageTestPutU32(guint8 *buf, guint32 value)
{
    buf[0] = value >> 24;
    buf[1] = value >> 16;
    buf[2] = value >> 8;
    buf[3] = value;
}

static guint32
messageTestGetU32(const guint8 *buf)
{
    return ((guint32) buf[0] << 24) | ((guint32) buf[1] << 16) |
           ((guint32) buf[2] << 8) | (guint32) buf[3];
}

/* Appends the big-endian hex words of @text ("0000001c 20008086 ..."). */
static void
messageTestAppendWords(GByteArray *bytes, const char *text)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
    size_t i;

    for (i = 0; words[i]; i++) {
        g_autoptr(GError) error = NULL;
        guint64 value;
        guint8 be[4];

        if (*words[i] == '\0')
            continue;
        g_assert_cmpuint(strlen(words[i]), ==, 8);
        g_assert_true(g_ascii_string_to_unsigned(words[i], 16, 0, G_MAXUINT32,
                                                 &value, &error));
        g_assert_no_error(error);
        messageTestPutU32(be, value);
        g_byte_array_append(bytes, be, sizeof(be));
    }
}

/*
 * Returns every word of the packet whose title line in the libvirtd
 * capture starts with @prefix: its "header:" line (length word and
 * header) and then its payload lines, that is, the whole packet.
 */
static GByteArray *
messageTestLoadPacket(const char *prefix)
{
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GByteArray) packet = NULL;
    size_t i;

    path = g_test_build_filename(G_TEST_DIST, "data", "driver", "protocol",
                                 "hexsamples_libvirtd.log", NULL);
    g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
    g_assert_no_error(error);

    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *colon;

        if (*lines[i] != ' ') {
            if (packet)
                break;
            if (g_str_has_prefix(lines[i], prefix))
                packet = g_byte_array_new();
            continue;
        }
        if (!packet)
            continue;
        colon = strchr(lines[i], ':');
        g_assert_nonnull(colon);
        messageTestAppendWords(packet, colon + 1);
    }
    g_assert_nonnull(packet);
    return g_steal_pointer(&packet);
}

static void
messageTestCheckHeader(const shoalMessageHeader *hdr,
                       const shoalMessageHeader *expected)
{
    g_assert_cmphex(hdr->prog, ==, expected->prog);
    g_assert_cmpuint(hdr->vers, ==, expected->vers);
    g_assert_cmpint(hdr->proc, ==, expected->proc);
    g_assert_cmpint(hdr->type, ==, expected->type);
    g_assert_cmpuint(hdr->serial, ==, expected->serial);
    g_assert_cmpint(hdr->status, ==, expected->status);
}

/*
 * Checks the framing of an encoded @packet: its length word, its header,
 * and that @payloadLen bytes follow. Returns the payload.
 */
static const guint8 *
messageTestCheckFrame(GBytes *packet,
                      const shoalMessageHeader *expected,
                      size_t payloadLen)
{
    g_autoptr(GError) error = NULL;
    shoalMessageHeader hdr = { 0 };
    const guint8 *data;
    size_t size;
    guint32 len = 0;

    data = g_bytes_get_data(packet, &size);
    g_assert_cmpuint(size, ==, SHOAL_MESSAGE_MIN + payloadLen);
    g_assert_true(shoalMessageDecodeLength(data, &len, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, size);
    g_assert_true(shoalMessageDecodeHeader(data, size, &hdr, &error));
    g_assert_no_error(error);
    messageTestCheckHeader(&hdr, expected);
    return data + SHOAL_MESSAGE_MIN;
}

typedef struct {
    guint32 word;
    bool ok;
    const char *message; /* NULL when @ok */
} messageTestLengthCase;

static const messageTestLengthCase messageTestLengthCases[] = {
    { 0, false, "packet 0 bytes received from client too small, want 28" },
    { 27, false, "packet 27 bytes received from client too small, want 28" },
    { 28, true, NULL },
    { 29, true, NULL },
    { 65536, true, NULL },
    { 33554436, true, NULL },
    { 33554437, false,
      "packet 33554437 bytes received from client too large, want 33554436" },
    { 0xffffffff, false,
      "packet 4294967295 bytes received from client too large, want 33554436" },
};

static void
testLengthBounds(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(messageTestLengthCases); i++) {
        const messageTestLengthCase *tc = &messageTestLengthCases[i];
        g_autoptr(GError) error = NULL;
        guint8 buf[4];
        guint32 len = 0x5a5a5a5a;
        bool ok;

        g_test_message("length word %u", tc->word);
        messageTestPutU32(buf, tc->word);
        ok = shoalMessageDecodeLength(buf, &len, &error);
        if (tc->ok) {
            g_assert_no_error(error);
            g_assert_true(ok);
            g_assert_cmpuint(len, ==, tc->word);
        } else {
            g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
            g_assert_cmpstr(error->message, ==, tc->message);
            g_assert_false(ok);
            /* out-params are written only on success */
            g_assert_cmphex(len, ==, 0x5a5a5a5a);
        }
    }
}

/* The length word is big-endian: 0x1c000000 is not 28. */
static void
testLengthByteOrder(void)
{
    g_autoptr(GError) error = NULL;
    const guint8 little[4] = { 0x1c, 0x00, 0x00, 0x00 };
    const guint8 big[4] = { 0x00, 0x00, 0x01, 0x1c };
    guint32 len = 0;

    g_assert_false(shoalMessageDecodeLength(little, &len, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
    g_clear_error(&error);

    g_assert_true(shoalMessageDecodeLength(big, &len, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, 284);
}

typedef struct {
    const char *title;
    guint32 length;
    shoalMessageHeader hdr;
} messageTestCaptureHeader;

static const messageTestCaptureHeader messageTestCaptureHeaders[] = {
    { "NODE_GET_INFO reply",
      188,
      { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, REMOTE_PROC_NODE_GET_INFO,
        SHOAL_MESSAGE_TYPE_REPLY, 2, SHOAL_MESSAGE_STATUS_OK } },
    { "DOMAIN_LOOKUP_BY_NAME(nosuch) error reply",
      200,
      { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
        REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, SHOAL_MESSAGE_TYPE_REPLY, 6,
        SHOAL_MESSAGE_STATUS_ERROR } },
};

static void
testHeaderCapture(gconstpointer data)
{
    const messageTestCaptureHeader *tc = data;
    g_autoptr(GByteArray) packet = messageTestLoadPacket(tc->title);
    g_autoptr(GError) error = NULL;
    shoalMessageHeader hdr = { 0 };
    guint32 len = 0;

    g_assert_cmpuint(packet->len, ==, tc->length);
    g_assert_true(shoalMessageDecodeLength(packet->data, &len, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, tc->length);

    g_assert_true(
        shoalMessageDecodeHeader(packet->data, packet->len, &hdr, &error));
    g_assert_no_error(error);
    messageTestCheckHeader(&hdr, &tc->hdr);

    /* the header alone is enough */
    memset(&hdr, 0, sizeof(hdr));
    g_assert_true(shoalMessageDecodeHeader(packet->data, SHOAL_MESSAGE_MIN,
                                           &hdr, &error));
    g_assert_no_error(error);
    messageTestCheckHeader(&hdr, &tc->hdr);
}

/* Less than a length word and a header: an error, nothing read. */
static void
testHeaderShort(void)
{
    g_autoptr(GByteArray) packet = messageTestLoadPacket("NODE_GET_INFO reply");
    size_t len;

    for (len = 0; len < SHOAL_MESSAGE_MIN; len++) {
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *copy = g_memdup2(packet->data, len);
        shoalMessageHeader hdr = { 0 };

        g_assert_false(shoalMessageDecodeHeader(copy, len, &hdr, &error));
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
        g_assert_cmpstr(error->message, ==, "Unable to decode message header");
        g_assert_cmpuint(hdr.prog, ==, 0);
    }
}

/* Signed fields come back negative, unsigned ones keep their high bit. */
static void
testHeaderSigned(void)
{
    g_autoptr(GError) error = NULL;
    guint8 buf[SHOAL_MESSAGE_MIN];
    shoalMessageHeader hdr = { 0 };

    messageTestPutU32(buf, SHOAL_MESSAGE_MIN);
    messageTestPutU32(buf + 4, 0xfffffffe);
    messageTestPutU32(buf + 8, 0x80000000);
    messageTestPutU32(buf + 12, 0xffffffff);
    messageTestPutU32(buf + 16, 0xfffffffd);
    messageTestPutU32(buf + 20, 0xfffffffc);
    messageTestPutU32(buf + 24, 0xfffffffb);
    g_assert_true(shoalMessageDecodeHeader(buf, sizeof(buf), &hdr, &error));
    g_assert_no_error(error);
    g_assert_cmphex(hdr.prog, ==, 0xfffffffe);
    g_assert_cmphex(hdr.vers, ==, 0x80000000);
    g_assert_cmpint(hdr.proc, ==, -1);
    g_assert_cmpint(hdr.type, ==, -3);
    g_assert_cmphex(hdr.serial, ==, 0xfffffffc);
    g_assert_cmpint(hdr.status, ==, -5);
}

/* A captured reply decodes, and encoding it again gives the same bytes. */
static void
testCaptureNodeInfo(void)
{
    g_autoptr(GByteArray) packet = messageTestLoadPacket("NODE_GET_INFO reply");
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) again = NULL;
    remote_node_get_info_ret info = { 0 };
    shoalMessageHeader hdr = { 0 };

    g_assert_true(
        shoalMessageDecodeHeader(packet->data, packet->len, &hdr, &error));
    g_assert_no_error(error);
    g_assert_true(
        shoalMessageDecodePayload(packet->data + SHOAL_MESSAGE_MIN,
                                  packet->len - SHOAL_MESSAGE_MIN,
                                  (xdrproc_t) xdr_remote_node_get_info_ret,
                                  &info, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(info.model, ==, "x86_64");
    g_assert_cmpuint(info.memory, ==, 5204184);
    g_assert_cmpint(info.cpus, ==, 2);
    g_assert_cmpint(info.mhz, ==, 2500);
    g_assert_cmpint(info.nodes, ==, 1);
    g_assert_cmpint(info.sockets, ==, 1);
    g_assert_cmpint(info.cores, ==, 2);
    g_assert_cmpint(info.threads, ==, 1);

    again = shoalMessageEncode(&hdr, (xdrproc_t) xdr_remote_node_get_info_ret,
                               &info, &error);
    g_assert_no_error(error);
    g_assert_nonnull(again);
    g_assert_cmpmem(g_bytes_get_data(again, NULL), g_bytes_get_size(again),
                    packet->data, packet->len);
    xdr_free((xdrproc_t) xdr_remote_node_get_info_ret, &info);
}

static void
testCaptureError(void)
{
    g_autoptr(GByteArray) packet =
        messageTestLoadPacket("DOMAIN_LOOKUP_BY_NAME(nosuch) error reply");
    g_autoptr(GError) error = NULL;
    remote_error rerr = { 0 };

    g_assert_true(shoalMessageDecodePayload(packet->data + SHOAL_MESSAGE_MIN,
                                            packet->len - SHOAL_MESSAGE_MIN,
                                            (xdrproc_t) xdr_remote_error, &rerr,
                                            &error));
    g_assert_no_error(error);
    g_assert_cmpint(rerr.code, ==, VIR_ERR_NO_DOMAIN);
    g_assert_nonnull(rerr.message);
    g_assert_cmpstr(*rerr.message, ==,
                    "Domain not found: no domain with matching name 'nosuch'");
    g_assert_cmpint(rerr.level, ==, VIR_ERR_ERROR);
    g_assert_null(rerr.dom);
    g_assert_null(rerr.net);
    xdr_free((xdrproc_t) xdr_remote_error, &rerr);
}

static void
testRoundTripVoid(void)
{
    const shoalMessageHeader expected = {
        KEEPALIVE_PROGRAM,
        KEEPALIVE_PROTOCOL_VERSION,
        KEEPALIVE_PROC_PING,
        SHOAL_MESSAGE_TYPE_MESSAGE,
        0,
        SHOAL_MESSAGE_STATUS_OK,
    };
    const guint8 wire[SHOAL_MESSAGE_MIN] = {
        0x00, 0x00, 0x00, 0x1c, 0x6b, 0x65, 0x65, 0x70, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) packet = NULL;
    g_autoptr(GBytes) viaVoid = NULL;
    const guint8 *payload;

    /* no filter: length word and header only */
    packet = shoalMessageEncode(&expected, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(packet);
    g_assert_cmpmem(g_bytes_get_data(packet, NULL), g_bytes_get_size(packet),
                    wire, sizeof(wire));
    payload = messageTestCheckFrame(packet, &expected, 0);
    g_assert_true(shoalMessageDecodePayload(payload, 0, MESSAGE_TEST_XDR_VOID,
                                            NULL, &error));
    g_assert_no_error(error);

    /* xdr_void says the same */
    viaVoid =
        shoalMessageEncode(&expected, MESSAGE_TEST_XDR_VOID, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(viaVoid);
    g_assert_true(g_bytes_equal(packet, viaVoid));
}

static void
messageTestSetDomain(remote_nonnull_domain *dom,
                     const char *name,
                     const guint8 *uuid,
                     int id)
{
    dom->name = (char *) name;
    memcpy(dom->uuid, uuid, VIR_UUID_BUFLEN);
    dom->id = id;
}

/* Three domains: "rpcx1" (id 8), "t1" (id 2), and an inactive one. */
static void
messageTestFillDomains(remote_nonnull_domain doms[3],
                       remote_connect_list_all_domains_ret *ret)
{
    messageTestSetDomain(&doms[0], "rpcx1", messageTestUUID1, 8);
    messageTestSetDomain(&doms[1], "t1", messageTestUUID2, 2);
    messageTestSetDomain(&doms[2], "stopped-with-a-longer-name",
                         messageTestUUID2, -1);
    memset(ret, 0, sizeof(*ret));
    ret->domains.domains_val = doms;
    ret->domains.domains_len = 3;
    ret->ret = 3;
}

/* The XDR size of messageTestFillDomains()' list. */
#define MESSAGE_TEST_DOMAINS_LEN \
    (4 + (4 + 8 + 16 + 4) + (4 + 4 + 16 + 4) + (4 + 28 + 16 + 4) + 4)

static void
testRoundTripListAllDomains(void)
{
    const shoalMessageHeader expected = {
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
        SHOAL_MESSAGE_TYPE_REPLY,
        0xfffffff0,
        SHOAL_MESSAGE_STATUS_OK,
    };
    remote_nonnull_domain doms[3];
    remote_connect_list_all_domains_ret ret;
    remote_connect_list_all_domains_ret out = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) packet = NULL;
    const guint8 *payload;
    size_t i;

    messageTestFillDomains(doms, &ret);
    packet =
        shoalMessageEncode(&expected,
                           (xdrproc_t) xdr_remote_connect_list_all_domains_ret,
                           &ret, &error);
    g_assert_no_error(error);
    g_assert_nonnull(packet);
    payload =
        messageTestCheckFrame(packet, &expected, MESSAGE_TEST_DOMAINS_LEN);
    /* the count of domains comes first, then "rpcx1" */
    g_assert_cmpuint(messageTestGetU32(payload), ==, 3);
    g_assert_cmpuint(messageTestGetU32(payload + 4), ==, 5);
    g_assert_cmpmem(payload + 8, 5, "rpcx1", 5);

    g_assert_true(
        shoalMessageDecodePayload(payload, MESSAGE_TEST_DOMAINS_LEN,
                                  (xdrproc_t)
                                      xdr_remote_connect_list_all_domains_ret,
                                  &out, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(out.ret, ==, 3);
    g_assert_cmpuint(out.domains.domains_len, ==, 3);
    for (i = 0; i < 3; i++) {
        const remote_nonnull_domain *dom = &out.domains.domains_val[i];

        g_assert_cmpstr(dom->name, ==, doms[i].name);
        g_assert_cmpmem(dom->uuid, VIR_UUID_BUFLEN, doms[i].uuid,
                        VIR_UUID_BUFLEN);
        g_assert_cmpint(dom->id, ==, doms[i].id);
    }
    xdr_free((xdrproc_t) xdr_remote_connect_list_all_domains_ret, &out);
}

static void
messageTestFillNodeInfo(remote_node_get_info_ret *info)
{
    memset(info, 0, sizeof(*info));
    g_strlcpy(info->model, "aarch64", sizeof(info->model));
    info->memory = G_GUINT64_CONSTANT(0x123456789a);
    info->cpus = 64;
    info->mhz = 3000;
    info->nodes = 2;
    info->sockets = 2;
    info->cores = 16;
    info->threads = 2;
}

/* model is 32 chars of one XDR unit each, then a hyper and six ints */
#define MESSAGE_TEST_NODE_INFO_LEN (REMOTE_NODE_INFO_MODEL * 4 + 8 + 6 * 4)

static void
testRoundTripNodeInfo(void)
{
    const shoalMessageHeader expected = {
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        REMOTE_PROC_NODE_GET_INFO,
        SHOAL_MESSAGE_TYPE_REPLY,
        17,
        SHOAL_MESSAGE_STATUS_OK,
    };
    remote_node_get_info_ret info;
    remote_node_get_info_ret out = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) packet = NULL;
    const guint8 *payload;

    messageTestFillNodeInfo(&info);
    packet =
        shoalMessageEncode(&expected, (xdrproc_t) xdr_remote_node_get_info_ret,
                           &info, &error);
    g_assert_no_error(error);
    g_assert_nonnull(packet);
    payload =
        messageTestCheckFrame(packet, &expected, MESSAGE_TEST_NODE_INFO_LEN);
    /* the hyper follows the model, high word first */
    g_assert_cmphex(messageTestGetU32(payload), ==, 'a');
    g_assert_cmphex(messageTestGetU32(payload + 128), ==, 0x12);
    g_assert_cmphex(messageTestGetU32(payload + 132), ==, 0x3456789a);

    g_assert_true(
        shoalMessageDecodePayload(payload, MESSAGE_TEST_NODE_INFO_LEN,
                                  (xdrproc_t) xdr_remote_node_get_info_ret,
                                  &out, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(out.model, sizeof(out.model), info.model,
                    sizeof(info.model));
    g_assert_cmpuint(out.memory, ==, info.memory);
    g_assert_cmpint(out.cpus, ==, 64);
    g_assert_cmpint(out.mhz, ==, 3000);
    g_assert_cmpint(out.nodes, ==, 2);
    g_assert_cmpint(out.sockets, ==, 2);
    g_assert_cmpint(out.cores, ==, 16);
    g_assert_cmpint(out.threads, ==, 2);
    xdr_free((xdrproc_t) xdr_remote_node_get_info_ret, &out);
}

/* A payload too large for one packet is refused, not truncated. */
static void
testEncodeTooLarge(void)
{
    const shoalMessageHeader hdr = {
        REMOTE_PROGRAM,
        REMOTE_PROTOCOL_VERSION,
        REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
        SHOAL_MESSAGE_TYPE_REPLY,
        1,
        SHOAL_MESSAGE_STATUS_OK,
    };
    g_autofree char *name = NULL;
    remote_nonnull_domain doms[9];
    remote_connect_list_all_domains_ret ret = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) packet = NULL;
    size_t i;

    /* nine names of REMOTE_STRING_MAX bytes: over 36 MiB */
    name = g_malloc(REMOTE_STRING_MAX + 1);
    memset(name, 'n', REMOTE_STRING_MAX);
    name[REMOTE_STRING_MAX] = '\0';
    for (i = 0; i < G_N_ELEMENTS(doms); i++)
        messageTestSetDomain(&doms[i], name, messageTestUUID1, -1);
    ret.domains.domains_val = doms;
    ret.domains.domains_len = G_N_ELEMENTS(doms);
    ret.ret = G_N_ELEMENTS(doms);

    packet =
        shoalMessageEncode(&hdr,
                           (xdrproc_t) xdr_remote_connect_list_all_domains_ret,
                           &ret, &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
    g_assert_cmpstr(error->message, ==, "message payload is too large");
    g_assert_null(packet);
}

typedef struct {
    const char *name;
    int procedure;
    xdrproc_t proc;
    size_t size;
    size_t len;
} messageTestCodec;

static const messageTestCodec messageTestCodecs[] = {
    { "list-all-domains", REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
      (xdrproc_t) xdr_remote_connect_list_all_domains_ret,
      sizeof(remote_connect_list_all_domains_ret), MESSAGE_TEST_DOMAINS_LEN },
    { "node-info", REMOTE_PROC_NODE_GET_INFO,
      (xdrproc_t) xdr_remote_node_get_info_ret,
      sizeof(remote_node_get_info_ret), MESSAGE_TEST_NODE_INFO_LEN },
};

/* The header of messageTestEncodeCodec()'s reply for @codec. */
static void
messageTestCodecHeader(const messageTestCodec *codec, shoalMessageHeader *hdr)
{
    hdr->prog = REMOTE_PROGRAM;
    hdr->vers = REMOTE_PROTOCOL_VERSION;
    hdr->proc = codec->procedure;
    hdr->type = SHOAL_MESSAGE_TYPE_REPLY;
    hdr->serial = 3;
    hdr->status = SHOAL_MESSAGE_STATUS_OK;
}

/* Encodes the test value for @codec; returns the whole packet. */
static GBytes *
messageTestEncodeCodec(const messageTestCodec *codec)
{
    shoalMessageHeader hdr;
    remote_nonnull_domain doms[3];
    remote_connect_list_all_domains_ret ret;
    remote_node_get_info_ret info;
    g_autoptr(GError) error = NULL;
    GBytes *packet;
    void *data;

    messageTestCodecHeader(codec, &hdr);
    if (codec->proc == (xdrproc_t) xdr_remote_node_get_info_ret) {
        messageTestFillNodeInfo(&info);
        data = &info;
    } else {
        messageTestFillDomains(doms, &ret);
        data = &ret;
    }
    packet = shoalMessageEncode(&hdr, codec->proc, data, &error);
    g_assert_no_error(error);
    g_assert_nonnull(packet);
    g_assert_cmpuint(g_bytes_get_size(packet), ==,
                     SHOAL_MESSAGE_MIN + codec->len);
    return packet;
}

/* Every proper prefix of a payload fails with VIR_ERR_RPC. */
static void
testDecodeTruncated(gconstpointer data)
{
    const messageTestCodec *codec = data;
    g_autoptr(GBytes) packet = messageTestEncodeCodec(codec);
    const guint8 *payload =
        (const guint8 *) g_bytes_get_data(packet, NULL) + SHOAL_MESSAGE_MIN;
    size_t len;

    for (len = 0; len < codec->len; len++) {
        g_autoptr(GError) error = NULL;
        /* a copy of exactly @len bytes, so valgrind sees any over-read */
        g_autofree guint8 *copy = g_memdup2(payload, len);
        g_autofree void *obj = g_malloc0(codec->size);

        g_assert_false(
            shoalMessageDecodePayload(copy, len, codec->proc, obj, &error));
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
        g_assert_cmpstr(error->message, ==, "Unable to decode message payload");
        xdr_free(codec->proc, obj);
    }
}

/* Bytes after the payload are ignored, as libvirtd ignores them. */
static void
testDecodeTrailing(gconstpointer data)
{
    const messageTestCodec *codec = data;
    g_autoptr(GBytes) packet = messageTestEncodeCodec(codec);
    g_autoptr(GByteArray) padded = g_byte_array_new();
    const guint8 junk[7] = { 0xde, 0xad, 0xbe, 0xef, 0xff, 0x00, 0x01 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) again = NULL;
    g_autofree void *obj = g_malloc0(codec->size);
    shoalMessageHeader hdr;

    messageTestCodecHeader(codec, &hdr);
    g_byte_array_append(padded,
                        (const guint8 *) g_bytes_get_data(packet, NULL) +
                            SHOAL_MESSAGE_MIN,
                        codec->len);
    g_byte_array_append(padded, junk, sizeof(junk));
    g_assert_true(shoalMessageDecodePayload(padded->data, padded->len,
                                            codec->proc, obj, &error));
    g_assert_no_error(error);

    /* what was decoded is exactly what was sent */
    again = shoalMessageEncode(&hdr, codec->proc, obj, &error);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(again, packet));
    xdr_free(codec->proc, obj);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/driver/message/length/bounds", testLengthBounds);
    g_test_add_func("/driver/message/length/byte-order", testLengthByteOrder);
    g_test_add_data_func("/driver/message/header/capture/node-info",
                         &messageTestCaptureHeaders[0], testHeaderCapture);
    g_test_add_data_func("/driver/message/header/capture/error",
                         &messageTestCaptureHeaders[1], testHeaderCapture);
    g_test_add_func("/driver/message/header/short", testHeaderShort);
    g_test_add_func("/driver/message/header/signed", testHeaderSigned);
    g_test_add_func("/driver/message/payload/capture/node-info",
                    testCaptureNodeInfo);
    g_test_add_func("/driver/message/payload/capture/error", testCaptureError);
    g_test_add_func("/driver/message/roundtrip/void", testRoundTripVoid);
    g_test_add_func("/driver/message/roundtrip/list-all-domains",
                    testRoundTripListAllDomains);
    g_test_add_func("/driver/message/roundtrip/node-info",
                    testRoundTripNodeInfo);
    g_test_add_func("/driver/message/encode/too-large", testEncodeTooLarge);
    for (i = 0; i < G_N_ELEMENTS(messageTestCodecs); i++) {
        g_autofree char *truncated =
            g_strdup_printf("/driver/message/payload/truncated/%s",
                            messageTestCodecs[i].name);
        g_autofree char *trailing =
            g_strdup_printf("/driver/message/payload/trailing/%s",
                            messageTestCodecs[i].name);

        g_test_add_data_func(truncated, &messageTestCodecs[i],
                             testDecodeTruncated);
        g_test_add_data_func(trailing, &messageTestCodecs[i],
                             testDecodeTrailing);
    }

    return g_test_run();
}
