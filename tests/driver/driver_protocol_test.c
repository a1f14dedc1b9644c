/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the XDR codecs rpcgen generates from driver_protocol.x:
 * round trips, payloads captured from a real libvirtd 9.0, and malformed
 * input, which must fail to decode without crashing.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "driver_protocol.h"

/* Large enough for every structure encoded here. */
#define ENCODE_MAX (1024 * 1024)

/* One packet from hexsamples_libvirtd.log. */
typedef struct {
    char *title;
    GByteArray *header; /* length word + header, empty if not captured */
    GByteArray *payload;
    unsigned packetSize; /* from the title, counts the length word */
} protocolSample;

static void
protocolSampleFree(gpointer data)
{
    protocolSample *sample = data;

    g_free(sample->title);
    g_byte_array_unref(sample->header);
    g_byte_array_unref(sample->payload);
    g_free(sample);
}

static void
appendWords(GByteArray *bytes, const char *text)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
    size_t i;

    for (i = 0; words[i]; i++) {
        guint64 value;
        guint8 be[4];
        g_autoptr(GError) error = NULL;

        if (*words[i] == '\0')
            continue;
        g_assert_cmpuint(strlen(words[i]), ==, 8);
        g_assert_true(g_ascii_string_to_unsigned(words[i], 16, 0, G_MAXUINT32,
                                                 &value, &error));
        g_assert_no_error(error);
        be[0] = value >> 24;
        be[1] = value >> 16;
        be[2] = value >> 8;
        be[3] = value;
        g_byte_array_append(bytes, be, sizeof(be));
    }
}

/*
 * The log holds one packet per title line ("NAME reply, N bytes"),
 * followed by indented "label: hex words" lines. The "header" line, when
 * present, holds the length word and the header; every other line is
 * payload, in order.
 */
static GPtrArray *
loadSamples(void)
{
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) samples = NULL;
    protocolSample *sample = NULL;
    size_t i;

    samples = g_ptr_array_new_with_free_func(protocolSampleFree);
    path = g_test_build_filename(G_TEST_DIST, "data", "driver", "protocol",
                                 "hexsamples_libvirtd.log", NULL);
    g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
    g_assert_no_error(error);

    lines = g_strsplit(contents, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];
        const char *colon;
        const char *size;
        g_autofree char *label = NULL;

        if (*line == '\0')
            continue;

        if (*line != ' ') {
            sample = g_new0(protocolSample, 1);
            sample->title = g_strdup(line);
            sample->header = g_byte_array_new();
            sample->payload = g_byte_array_new();
            size = strrchr(line, ',');
            g_assert_nonnull(size);
            sample->packetSize = g_ascii_strtoull(size + 1, NULL, 10);
            g_ptr_array_add(samples, sample);
            continue;
        }

        g_assert_nonnull(sample);
        colon = strchr(line, ':');
        g_assert_nonnull(colon);
        label = g_strstrip(g_strndup(line, colon - line));
        if (g_str_equal(label, "header"))
            appendWords(sample->header, colon + 1);
        else
            appendWords(sample->payload, colon + 1);
    }

    g_assert_cmpuint(samples->len, ==, 5);
    return g_steal_pointer(&samples);
}

static const protocolSample *
findSample(GPtrArray *samples, const char *prefix)
{
    size_t i;

    for (i = 0; i < samples->len; i++) {
        const protocolSample *sample = g_ptr_array_index(samples, i);

        if (g_str_has_prefix(sample->title, prefix))
            return sample;
    }
    g_assert_not_reached();
    return NULL;
}

/*
 * Decodes @len bytes into @obj, which must be zeroed. Returns what the
 * codec returned and stores the number of bytes it consumed in @used.
 * The caller frees @obj with xdr_free() either way.
 */
static bool
decodeBytes(
    xdrproc_t proc, const guint8 *data, size_t len, void *obj, size_t *used)
{
    XDR xdr;
    bool ok;

    xdrmem_create(&xdr, (char *) data, len, XDR_DECODE);
    ok = proc(&xdr, obj);
    *used = xdr_getpos(&xdr);
    xdr_destroy(&xdr);
    return ok;
}

/* Returns the encoding of @obj. */
static GBytes *
encodeBytes(xdrproc_t proc, void *obj)
{
    g_autofree char *buf = g_malloc0(ENCODE_MAX);
    XDR xdr;
    bool ok;
    size_t len;

    xdrmem_create(&xdr, buf, ENCODE_MAX, XDR_ENCODE);
    ok = proc(&xdr, obj);
    len = xdr_getpos(&xdr);
    xdr_destroy(&xdr);
    g_assert_true(ok);
    return g_bytes_new(buf, len);
}

/* Encode, decode, encode again: both encodings must be equal. */
static void
checkRoundTrip(xdrproc_t proc, void *obj, size_t size)
{
    g_autoptr(GBytes) first = encodeBytes(proc, obj);
    g_autoptr(GBytes) second = NULL;
    g_autofree void *copy = g_malloc0(size);
    size_t used;

    g_assert_cmpuint(g_bytes_get_size(first) % 4, ==, 0);
    g_assert_true(decodeBytes(proc, g_bytes_get_data(first, NULL),
                              g_bytes_get_size(first), copy, &used));
    g_assert_cmpuint(used, ==, g_bytes_get_size(first));
    second = encodeBytes(proc, copy);
    g_assert_true(g_bytes_equal(first, second));
    xdr_free(proc, copy);
}

/* Checks that @obj encodes to @words, hex words as in the capture log. */
static void
checkEncoding(xdrproc_t proc, void *obj, const char *words)
{
    g_autoptr(GBytes) bytes = encodeBytes(proc, obj);
    g_autoptr(GByteArray) expected = g_byte_array_new();

    appendWords(expected, words);
    g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes),
                    expected->data, expected->len);
}

/* Decodes a captured payload whole, then checks it encodes back the same. */
static void
decodeSample(const protocolSample *sample, xdrproc_t proc, void *obj)
{
    g_autoptr(GBytes) again = NULL;
    size_t used;

    g_assert_cmpuint(sample->packetSize, ==, 28 + sample->payload->len);
    g_assert_true(decodeBytes(proc, sample->payload->data, sample->payload->len,
                              obj, &used));
    g_assert_cmpuint(used, ==, sample->payload->len);
    again = encodeBytes(proc, obj);
    g_assert_cmpmem(g_bytes_get_data(again, NULL), g_bytes_get_size(again),
                    sample->payload->data, sample->payload->len);
}

/* The length word and header, decoded with remote_message_header. */
static void
checkSampleHeader(const protocolSample *sample,
                  int proc,
                  unsigned serial,
                  remote_message_status status)
{
    remote_message_header header = { 0 };
    size_t used;
    guint32 length;

    g_assert_cmpuint(sample->header->len, ==, 4 + REMOTE_MESSAGE_HEADER_MAX);
    memcpy(&length, sample->header->data, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(length), ==, sample->packetSize);
    g_assert_true(decodeBytes((xdrproc_t) xdr_remote_message_header,
                              sample->header->data + 4,
                              REMOTE_MESSAGE_HEADER_MAX, &header, &used));
    g_assert_cmpuint(used, ==, REMOTE_MESSAGE_HEADER_MAX);
    g_assert_cmphex(header.prog, ==, REMOTE_PROGRAM);
    g_assert_cmpuint(header.vers, ==, REMOTE_PROTOCOL_VERSION);
    g_assert_cmpint(header.proc, ==, proc);
    g_assert_cmpint(header.type, ==, REMOTE_MESSAGE_REPLY);
    g_assert_cmpuint(header.serial, ==, serial);
    g_assert_cmpint(header.status, ==, status);
}

static const guint8 uuidRpcx1[REMOTE_UUID_BUFLEN] = {
    0x8a, 0x9a, 0x2e, 0xca, 0x49, 0x4e, 0x4d, 0xfd,
    0xab, 0x41, 0x0f, 0x31, 0x97, 0xa9, 0xbf, 0x9d,
};

static const guint8 uuidT1[REMOTE_UUID_BUFLEN] = {
    0x82, 0x05, 0xe6, 0xeb, 0xd6, 0xa4, 0x47, 0xb3,
    0x96, 0x7e, 0x5e, 0x6f, 0x9b, 0x5b, 0x72, 0x0b,
};

static void
setDomain(remote_nonnull_domain *dom,
          const char *name,
          const guint8 *uuid,
          int id)
{
    dom->name = (char *) name;
    memcpy(dom->uuid, uuid, REMOTE_UUID_BUFLEN);
    dom->id = id;
}

static void
testRoundTripNonnullDomain(void)
{
    remote_nonnull_domain dom;

    /* "rpcx1" as libvirtd sent it in CONNECT_LIST_ALL_DOMAINS */
    setDomain(&dom, "rpcx1", uuidRpcx1, 8);
    checkEncoding((xdrproc_t) xdr_remote_nonnull_domain, &dom,
                  "00000005 72706378 31000000 8a9a2eca 494e4dfd ab410f31 "
                  "97a9bf9d 00000008");
    checkRoundTrip((xdrproc_t) xdr_remote_nonnull_domain, &dom, sizeof(dom));

    /* inactive, and a name that needs no padding */
    setDomain(&dom, "four", uuidT1, -1);
    checkRoundTrip((xdrproc_t) xdr_remote_nonnull_domain, &dom, sizeof(dom));

    setDomain(&dom, "", uuidT1, -1);
    checkRoundTrip((xdrproc_t) xdr_remote_nonnull_domain, &dom, sizeof(dom));
}

static void
testRoundTripListAllDomains(void)
{
    remote_nonnull_domain doms[3];
    remote_connect_list_all_domains_ret ret = { 0 };

    setDomain(&doms[0], "rpcx1", uuidRpcx1, 8);
    setDomain(&doms[1], "t1", uuidT1, 2);
    setDomain(&doms[2], "stopped-with-a-longer-name", uuidT1, -1);
    ret.domains.domains_val = doms;
    ret.domains.domains_len = G_N_ELEMENTS(doms);
    ret.ret = G_N_ELEMENTS(doms);
    checkRoundTrip((xdrproc_t) xdr_remote_connect_list_all_domains_ret, &ret,
                   sizeof(ret));

    /* need_results=0: no list, only the count */
    ret.domains.domains_val = NULL;
    ret.domains.domains_len = 0;
    checkRoundTrip((xdrproc_t) xdr_remote_connect_list_all_domains_ret, &ret,
                   sizeof(ret));
}

static void
testRoundTripNodeInfo(void)
{
    remote_node_get_info_ret info = { 0 };
    g_autoptr(GBytes) bytes = NULL;

    g_strlcpy(info.model, "x86_64", sizeof(info.model));
    info.memory = G_GUINT64_CONSTANT(5204184);
    info.cpus = 2;
    info.mhz = 2500;
    info.nodes = 1;
    info.sockets = 1;
    info.cores = 2;
    info.threads = 1;
    checkRoundTrip((xdrproc_t) xdr_remote_node_get_info_ret, &info,
                   sizeof(info));

    /* every char of the model takes a whole XDR unit */
    bytes = encodeBytes((xdrproc_t) xdr_remote_node_get_info_ret, &info);
    g_assert_cmpuint(g_bytes_get_size(bytes), ==,
                     REMOTE_NODE_INFO_MODEL * 4 + 8 + 6 * 4);

    memset(info.model, 'm', sizeof(info.model));
    info.memory = G_MAXUINT64;
    checkRoundTrip((xdrproc_t) xdr_remote_node_get_info_ret, &info,
                   sizeof(info));
}

static void
setParam(remote_typed_param *param, const char *field, int type)
{
    memset(param, 0, sizeof(*param));
    param->field = (char *) field;
    param->value.type = type;
}

/* One parameter of each type, with values at the edges of their range. */
static void
fillParams(remote_typed_param params[7])
{
    setParam(&params[0], "int", REMOTE_TYPED_PARAM_INT);
    params[0].value.remote_typed_param_value_u.i = G_MININT32;
    setParam(&params[1], "uint", REMOTE_TYPED_PARAM_UINT);
    params[1].value.remote_typed_param_value_u.ui = G_MAXUINT32;
    setParam(&params[2], "llong", REMOTE_TYPED_PARAM_LLONG);
    params[2].value.remote_typed_param_value_u.l = G_MININT64;
    setParam(&params[3], "ullong", REMOTE_TYPED_PARAM_ULLONG);
    params[3].value.remote_typed_param_value_u.ul = G_MAXUINT64;
    setParam(&params[4], "double", REMOTE_TYPED_PARAM_DOUBLE);
    params[4].value.remote_typed_param_value_u.d = -0.1;
    setParam(&params[5], "boolean", REMOTE_TYPED_PARAM_BOOLEAN);
    params[5].value.remote_typed_param_value_u.b = 1;
    setParam(&params[6], "string", REMOTE_TYPED_PARAM_STRING);
    params[6].value.remote_typed_param_value_u.s = (char *) "h\xc3\xb6st-1";
}

static void
testRoundTripTypedParam(void)
{
    remote_typed_param params[7];
    remote_typed_param param;
    size_t i;

    fillParams(params);
    for (i = 0; i < G_N_ELEMENTS(params); i++) {
        checkRoundTrip((xdrproc_t) xdr_remote_typed_param, &params[i],
                       sizeof(params[i]));
    }

    /* field "d", type DOUBLE, 3.25 as a big-endian IEEE double */
    setParam(&param, "d", REMOTE_TYPED_PARAM_DOUBLE);
    param.value.remote_typed_param_value_u.d = 3.25;
    checkEncoding((xdrproc_t) xdr_remote_typed_param, &param,
                  "00000001 64000000 00000005 400a0000 00000000");

    /* field "l", type LLONG, -2 in two words */
    setParam(&param, "l", REMOTE_TYPED_PARAM_LLONG);
    param.value.remote_typed_param_value_u.l = -2;
    checkEncoding((xdrproc_t) xdr_remote_typed_param, &param,
                  "00000001 6c000000 00000003 ffffffff fffffffe");

    /* field "ul", type ULLONG, high word first */
    setParam(&param, "ul", REMOTE_TYPED_PARAM_ULLONG);
    param.value.remote_typed_param_value_u.ul = G_GUINT64_CONSTANT(0x100000002);
    checkEncoding((xdrproc_t) xdr_remote_typed_param, &param,
                  "00000002 756c0000 00000004 00000001 00000002");

    /* field "s", type STRING "abcde", padded to two words */
    setParam(&param, "s", REMOTE_TYPED_PARAM_STRING);
    param.value.remote_typed_param_value_u.s = (char *) "abcde";
    checkEncoding((xdrproc_t) xdr_remote_typed_param, &param,
                  "00000001 73000000 00000007 00000005 61626364 65000000");
}

static void
testRoundTripAllDomainStats(void)
{
    remote_typed_param params[7];
    remote_typed_param state[2];
    remote_domain_stats_record records[3];
    remote_connect_get_all_domain_stats_ret ret = { 0 };

    fillParams(params);
    setParam(&state[0], "state.state", REMOTE_TYPED_PARAM_INT);
    state[0].value.remote_typed_param_value_u.i = 1;
    setParam(&state[1], "state.reason", REMOTE_TYPED_PARAM_INT);
    state[1].value.remote_typed_param_value_u.i = 5;

    setDomain(&records[0].dom, "rpcx1", uuidRpcx1, 8);
    records[0].params.params_val = state;
    records[0].params.params_len = G_N_ELEMENTS(state);
    setDomain(&records[1].dom, "t1", uuidT1, 2);
    records[1].params.params_val = params;
    records[1].params.params_len = G_N_ELEMENTS(params);
    setDomain(&records[2].dom, "empty", uuidT1, -1);
    records[2].params.params_val = NULL;
    records[2].params.params_len = 0;

    ret.retStats.retStats_val = records;
    ret.retStats.retStats_len = G_N_ELEMENTS(records);
    checkRoundTrip((xdrproc_t) xdr_remote_connect_get_all_domain_stats_ret,
                   &ret, sizeof(ret));
}

static void
testRoundTripError(void)
{
    char *message =
        (char *) "Domain not found: no domain with matching name 'nosuch'";
    char *format = (char *) "Domain not found: %s";
    char *detail = (char *) "no domain with matching name 'nosuch'";
    char *extra = (char *) "str3";
    remote_nonnull_domain dom;
    remote_nonnull_network net = { 0 };
    remote_error err = { 0 };

    /* as libvirtd fills it: no domain, no network, no str3 */
    err.code = 42;
    err.domain = 10;
    err.message = &message;
    err.level = 2;
    err.str1 = &format;
    err.str2 = &detail;
    err.int1 = -1;
    err.int2 = -1;
    checkRoundTrip((xdrproc_t) xdr_remote_error, &err, sizeof(err));

    /* every optional member present */
    setDomain(&dom, "t1", uuidT1, 2);
    net.name = (char *) "default";
    memcpy(net.uuid, uuidRpcx1, REMOTE_UUID_BUFLEN);
    err.dom = &dom;
    err.str3 = &extra;
    err.net = &net;
    checkRoundTrip((xdrproc_t) xdr_remote_error, &err, sizeof(err));

    /* nothing optional present */
    memset(&err, 0, sizeof(err));
    err.code = 39;
    err.domain = 7;
    checkRoundTrip((xdrproc_t) xdr_remote_error, &err, sizeof(err));
}

static void
testCaptureNodeInfo(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    const protocolSample *sample = findSample(samples, "NODE_GET_INFO reply");
    remote_node_get_info_ret info = { 0 };

    checkSampleHeader(sample, REMOTE_PROC_NODE_GET_INFO, 2, REMOTE_MESSAGE_OK);
    decodeSample(sample, (xdrproc_t) xdr_remote_node_get_info_ret, &info);
    g_assert_cmpstr(info.model, ==, "x86_64");
    g_assert_cmpuint(info.memory, ==, 5204184);
    g_assert_cmpint(info.cpus, ==, 2);
    g_assert_cmpint(info.mhz, ==, 2500);
    g_assert_cmpint(info.nodes, ==, 1);
    g_assert_cmpint(info.sockets, ==, 1);
    g_assert_cmpint(info.cores, ==, 2);
    g_assert_cmpint(info.threads, ==, 1);
    xdr_free((xdrproc_t) xdr_remote_node_get_info_ret, &info);
}

static void
testCaptureListAllDomains(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    const protocolSample *sample =
        findSample(samples, "CONNECT_LIST_ALL_DOMAINS reply");
    remote_connect_list_all_domains_ret ret = { 0 };
    const remote_nonnull_domain *doms;

    decodeSample(sample, (xdrproc_t) xdr_remote_connect_list_all_domains_ret,
                 &ret);
    g_assert_cmpuint(ret.domains.domains_len, ==, 2);
    g_assert_cmpuint(ret.ret, ==, 2);
    doms = ret.domains.domains_val;
    g_assert_cmpstr(doms[0].name, ==, "rpcx1");
    g_assert_cmpmem(doms[0].uuid, REMOTE_UUID_BUFLEN, uuidRpcx1,
                    REMOTE_UUID_BUFLEN);
    g_assert_cmpint(doms[0].id, ==, 8);
    g_assert_cmpstr(doms[1].name, ==, "t1");
    g_assert_cmpmem(doms[1].uuid, REMOTE_UUID_BUFLEN, uuidT1,
                    REMOTE_UUID_BUFLEN);
    g_assert_cmpint(doms[1].id, ==, 2);
    xdr_free((xdrproc_t) xdr_remote_connect_list_all_domains_ret, &ret);
}

static void
checkStateParams(const remote_domain_stats_record *record,
                 int state,
                 int reason)
{
    const remote_typed_param *params = record->params.params_val;

    g_assert_cmpuint(record->params.params_len, ==, 2);
    g_assert_cmpstr(params[0].field, ==, "state.state");
    g_assert_cmpint(params[0].value.type, ==, REMOTE_TYPED_PARAM_INT);
    g_assert_cmpint(params[0].value.remote_typed_param_value_u.i, ==, state);
    g_assert_cmpstr(params[1].field, ==, "state.reason");
    g_assert_cmpint(params[1].value.type, ==, REMOTE_TYPED_PARAM_INT);
    g_assert_cmpint(params[1].value.remote_typed_param_value_u.i, ==, reason);
}

static void
testCaptureAllDomainStats(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    const protocolSample *sample =
        findSample(samples, "CONNECT_GET_ALL_DOMAIN_STATS");
    remote_connect_get_all_domain_stats_ret ret = { 0 };
    const remote_domain_stats_record *records;

    decodeSample(sample,
                 (xdrproc_t) xdr_remote_connect_get_all_domain_stats_ret, &ret);
    g_assert_cmpuint(ret.retStats.retStats_len, ==, 2);
    records = ret.retStats.retStats_val;
    g_assert_cmpstr(records[0].dom.name, ==, "rpcx1");
    g_assert_cmpint(records[0].dom.id, ==, 8);
    checkStateParams(&records[0], 1, 5);
    g_assert_cmpstr(records[1].dom.name, ==, "t1");
    g_assert_cmpint(records[1].dom.id, ==, 2);
    checkStateParams(&records[1], 1, 1);
    xdr_free((xdrproc_t) xdr_remote_connect_get_all_domain_stats_ret, &ret);
}

static void
testCaptureSecurityModel(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    const protocolSample *sample =
        findSample(samples, "NODE_GET_SECURITY_MODEL reply");
    remote_node_get_security_model_ret ret = { 0 };

    decodeSample(sample, (xdrproc_t) xdr_remote_node_get_security_model_ret,
                 &ret);
    /* the counts include the NUL */
    g_assert_cmpuint(ret.model.model_len, ==, 5);
    g_assert_cmpstr(ret.model.model_val, ==, "none");
    g_assert_cmpuint(ret.doi.doi_len, ==, 2);
    g_assert_cmpstr(ret.doi.doi_val, ==, "0");
    xdr_free((xdrproc_t) xdr_remote_node_get_security_model_ret, &ret);
}

static void
testCaptureError(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    const protocolSample *sample =
        findSample(samples, "DOMAIN_LOOKUP_BY_NAME(nosuch) error reply");
    remote_error err = { 0 };

    checkSampleHeader(sample, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, 6,
                      REMOTE_MESSAGE_ERROR);
    decodeSample(sample, (xdrproc_t) xdr_remote_error, &err);
    g_assert_cmpint(err.code, ==, 42);
    g_assert_cmpint(err.domain, ==, 10);
    g_assert_nonnull(err.message);
    g_assert_cmpstr(*err.message, ==,
                    "Domain not found: no domain with matching name 'nosuch'");
    g_assert_cmpint(err.level, ==, 2);
    g_assert_null(err.dom);
    g_assert_nonnull(err.str1);
    g_assert_cmpstr(*err.str1, ==, "Domain not found: %s");
    g_assert_nonnull(err.str2);
    g_assert_cmpstr(*err.str2, ==, "no domain with matching name 'nosuch'");
    g_assert_null(err.str3);
    g_assert_cmpint(err.int1, ==, -1);
    g_assert_cmpint(err.int2, ==, -1);
    g_assert_null(err.net);
    xdr_free((xdrproc_t) xdr_remote_error, &err);
}

static const struct {
    const char *title;
    xdrproc_t proc;
    size_t size;
} captureCodecs[] = {
    { "NODE_GET_INFO reply", (xdrproc_t) xdr_remote_node_get_info_ret,
      sizeof(remote_node_get_info_ret) },
    { "CONNECT_LIST_ALL_DOMAINS reply",
      (xdrproc_t) xdr_remote_connect_list_all_domains_ret,
      sizeof(remote_connect_list_all_domains_ret) },
    { "CONNECT_GET_ALL_DOMAIN_STATS",
      (xdrproc_t) xdr_remote_connect_get_all_domain_stats_ret,
      sizeof(remote_connect_get_all_domain_stats_ret) },
    { "NODE_GET_SECURITY_MODEL reply",
      (xdrproc_t) xdr_remote_node_get_security_model_ret,
      sizeof(remote_node_get_security_model_ret) },
    { "DOMAIN_LOOKUP_BY_NAME(nosuch) error reply", (xdrproc_t) xdr_remote_error,
      sizeof(remote_error) },
};

/* Every proper prefix of every captured payload must fail to decode. */
static void
testMalformedTruncated(gconstpointer data)
{
    GPtrArray *samples = (GPtrArray *) data;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(captureCodecs); i++) {
        const protocolSample *sample =
            findSample(samples, captureCodecs[i].title);
        size_t len;

        for (len = 0; len < sample->payload->len; len++) {
            g_autofree void *obj = g_malloc0(captureCodecs[i].size);
            size_t used;

            g_assert_false(decodeBytes(captureCodecs[i].proc,
                                       sample->payload->data, len, obj, &used));
            g_assert_cmpuint(used, <=, len);
            xdr_free(captureCodecs[i].proc, obj);
        }
    }
}

static void
appendWord(GByteArray *bytes, guint32 value)
{
    guint32 be = GUINT32_TO_BE(value);

    g_byte_array_append(bytes, (const guint8 *) &be, sizeof(be));
}

/* Expects decoding @bytes with @proc to fail. */
static void
checkDecodeFails(xdrproc_t proc, size_t size, const GByteArray *bytes)
{
    g_autofree void *obj = g_malloc0(size);
    size_t used;

    g_assert_false(decodeBytes(proc, bytes->data, bytes->len, obj, &used));
    xdr_free(proc, obj);
}

static void
testMalformedLongString(void)
{
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    size_t i;

    /* one byte over REMOTE_STRING_MAX, with the bytes present */
    appendWord(bytes, REMOTE_STRING_MAX + 1);
    g_byte_array_set_size(bytes, 4 + REMOTE_STRING_MAX + 4 + 16 + 4);
    memset(bytes->data + 4, 'a', REMOTE_STRING_MAX + 4);
    checkDecodeFails((xdrproc_t) xdr_remote_nonnull_domain,
                     sizeof(remote_nonnull_domain), bytes);

    /* a length that would wrap when padded */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, G_MAXUINT32);
    for (i = 0; i < 8; i++)
        appendWord(bytes, 0x61616161);
    checkDecodeFails((xdrproc_t) xdr_remote_nonnull_domain,
                     sizeof(remote_nonnull_domain), bytes);

    /* within the limit, but longer than the buffer */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, 100);
    appendWord(bytes, 0x61616161);
    checkDecodeFails((xdrproc_t) xdr_remote_nonnull_domain,
                     sizeof(remote_nonnull_domain), bytes);

    /* the optional message of an error, over the limit */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, 42);
    appendWord(bytes, 10);
    appendWord(bytes, 1);
    appendWord(bytes, REMOTE_STRING_MAX + 1);
    checkDecodeFails((xdrproc_t) xdr_remote_error, sizeof(remote_error), bytes);
}

static void
testMalformedLongArray(void)
{
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    size_t i;

    /* one auth type too many, every entry present */
    appendWord(bytes, REMOTE_AUTH_TYPE_LIST_MAX + 1);
    for (i = 0; i < REMOTE_AUTH_TYPE_LIST_MAX + 1; i++)
        appendWord(bytes, REMOTE_AUTH_NONE);
    checkDecodeFails((xdrproc_t) xdr_remote_auth_list_ret,
                     sizeof(remote_auth_list_ret), bytes);

    /* a security model one char over its limit */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, REMOTE_SECURITY_MODEL_MAX + 1);
    for (i = 0; i < REMOTE_SECURITY_MODEL_MAX + 1; i++)
        appendWord(bytes, 'a');
    appendWord(bytes, 0);
    checkDecodeFails((xdrproc_t) xdr_remote_node_get_security_model_ret,
                     sizeof(remote_node_get_security_model_ret), bytes);

    /* more domains than REMOTE_DOMAIN_LIST_MAX */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, REMOTE_DOMAIN_LIST_MAX + 1);
    appendWord(bytes, 0);
    checkDecodeFails((xdrproc_t) xdr_remote_connect_list_all_domains_ret,
                     sizeof(remote_connect_list_all_domains_ret), bytes);

    /* a count that promises more domains than the buffer holds */
    g_byte_array_set_size(bytes, 0);
    appendWord(bytes, 3);
    appendWord(bytes, 1);
    appendWord(bytes, 0x61000000);
    for (i = 0; i < 5; i++)
        appendWord(bytes, 0);
    checkDecodeFails((xdrproc_t) xdr_remote_connect_list_all_domains_ret,
                     sizeof(remote_connect_list_all_domains_ret), bytes);
}

static void
testMalformedParamType(void)
{
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    const guint32 types[] = { 0, REMOTE_TYPED_PARAM_STRING + 1, G_MAXUINT32 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(types); i++) {
        g_byte_array_set_size(bytes, 0);
        appendWord(bytes, 1);
        appendWord(bytes, 0x78000000); /* field "x" */
        appendWord(bytes, types[i]);
        appendWord(bytes, 0);
        appendWord(bytes, 0);
        checkDecodeFails((xdrproc_t) xdr_remote_typed_param,
                         sizeof(remote_typed_param), bytes);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) samples = NULL;

    g_test_init(&argc, &argv, NULL);

    samples = loadSamples();

    g_test_add_func("/driver/protocol/roundtrip/nonnull-domain",
                    testRoundTripNonnullDomain);
    g_test_add_func("/driver/protocol/roundtrip/list-all-domains",
                    testRoundTripListAllDomains);
    g_test_add_func("/driver/protocol/roundtrip/node-info",
                    testRoundTripNodeInfo);
    g_test_add_func("/driver/protocol/roundtrip/typed-param",
                    testRoundTripTypedParam);
    g_test_add_func("/driver/protocol/roundtrip/all-domain-stats",
                    testRoundTripAllDomainStats);
    g_test_add_func("/driver/protocol/roundtrip/error", testRoundTripError);
    g_test_add_data_func("/driver/protocol/capture/node-info", samples,
                         testCaptureNodeInfo);
    g_test_add_data_func("/driver/protocol/capture/list-all-domains", samples,
                         testCaptureListAllDomains);
    g_test_add_data_func("/driver/protocol/capture/all-domain-stats", samples,
                         testCaptureAllDomainStats);
    g_test_add_data_func("/driver/protocol/capture/security-model", samples,
                         testCaptureSecurityModel);
    g_test_add_data_func("/driver/protocol/capture/error", samples,
                         testCaptureError);
    g_test_add_data_func("/driver/protocol/malformed/truncated", samples,
                         testMalformedTruncated);
    g_test_add_func("/driver/protocol/malformed/long-string",
                    testMalformedLongString);
    g_test_add_func("/driver/protocol/malformed/long-array",
                    testMalformedLongArray);
    g_test_add_func("/driver/protocol/malformed/param-type",
                    testMalformedParamType);

    return g_test_run();
}
