/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the forwarded domain procedures' pieces that need no host:
 * their wire structures (byte for byte, from libvirt's wire facts), the
 * typed-parameter conversions their generated handlers use, and the
 * procedure table's access column.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "driver_dispatch.h"
#include "driver_error.h"
#include "driver_message.h"
#include "driver_params.h"
#include "driver_protocol.h"
#include "util_error.h"

/* Encodes @data with @filter. Returns: (transfer full): the bytes. */
static GByteArray *
forwardEncode(xdrproc_t filter, void *data)
{
    guint8 buf[4096];
    XDR xdr;
    GByteArray *out;

    xdrmem_create(&xdr, (char *) buf, sizeof(buf), XDR_ENCODE);
    g_assert_true(filter(&xdr, data));
    out = g_byte_array_new();
    g_byte_array_append(out, buf, xdr_getpos(&xdr));
    xdr_destroy(&xdr);
    return out;
}

static void
forwardAssertBytes(const GByteArray *got, const guint8 *want, size_t len)
{
    g_assert_cmpmem(got->data, got->len, want, len);
}

/* A returned snapshot is its name, then its domain (name, UUID, id). */
static void
testSnapshotWire(void)
{
    char *snapName = (char *) "s";
    char *domName = (char *) "dom";
    remote_domain_snapshot_get_parent_ret ret = { 0 };
    static const guint8 want[] = {
        0, 0, 0, 1, 's', 0,   0,   0, /* snapshot name */
        0, 0, 0, 3, 'd', 'o', 'm', 0, /* domain name */
        0, 1, 2, 3, 4,   5,   6,   7, 8, 9, 10, 11, 12, 13, 14, 15, /* UUID */
        0, 0, 0, 7,                                                 /* id */
    };
    g_autoptr(GByteArray) got = NULL;
    int i;

    ret.snap.name = snapName;
    ret.snap.dom.name = domName;
    for (i = 0; i < VIR_UUID_BUFLEN; i++)
        ret.snap.dom.uuid[i] = i;
    ret.snap.dom.id = 7;
    got = forwardEncode((xdrproc_t) xdr_remote_domain_snapshot_get_parent_ret,
                        &ret);
    forwardAssertBytes(got, want, sizeof(want));
}

/* GET_BLOCK_JOB_INFO: found, type, then three unsigned hypers. */
static void
testBlockJobInfoWire(void)
{
    remote_domain_get_block_job_info_ret ret = {
        .found = 1,
        .type = 2,
        .bandwidth = 3,
        .cur = 0x100000004ULL,
        .end = 5,
    };
    static const guint8 want[] = {
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3,
        0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5,
    };
    g_autoptr(GByteArray) got =
        forwardEncode((xdrproc_t) xdr_remote_domain_get_block_job_info_ret,
                      &ret);

    forwardAssertBytes(got, want, sizeof(want));
}

/* INTERFACE_ADDRESSES: an optional hwaddr is a pointer (0 or 1 + string). */
static void
testInterfaceWire(void)
{
    char *name = (char *) "eth0";
    char *addr = (char *) "10.0.0.1";
    remote_domain_ip_addr ip = { .type = 0, .addr = addr, .prefix = 24 };
    remote_domain_interface iface = {
        .name = name,
        .hwaddr = NULL,
        .addrs = { .addrs_len = 1, .addrs_val = &ip },
    };
    remote_domain_interface_addresses_ret ret = {
        .ifaces = { .ifaces_len = 1, .ifaces_val = &iface },
    };
    static const guint8 want[] = {
        0, 0, 0, 1,                                          /* one interface */
        0, 0, 0, 4,  'e', 't', 'h', '0',                     /* name */
        0, 0, 0, 0,                                          /* no hwaddr */
        0, 0, 0, 1,                                          /* one address */
        0, 0, 0, 0,                                          /* type */
        0, 0, 0, 8,  '1', '0', '.', '0', '.', '0', '.', '1', /* addr */
        0, 0, 0, 24,                                         /* prefix */
    };
    g_autoptr(GByteArray) got =
        forwardEncode((xdrproc_t) xdr_remote_domain_interface_addresses_ret,
                      &ret);

    forwardAssertBytes(got, want, sizeof(want));
}

static void
testParamsAlloc(void)
{
    g_autoptr(GError) error = NULL;
    virTypedParameter *params = (virTypedParameter *) 1;

    g_assert_true(shoalDriverParamsAlloc(0, 16, &params, &error));
    g_assert_no_error(error);
    g_assert_null(params);
    g_assert_true(shoalDriverParamsAlloc(16, 16, &params, &error));
    g_assert_nonnull(params);
    g_assert_cmpint(params[15].type, ==, 0);
    g_free(params);
    g_assert_false(shoalDriverParamsAlloc(17, 16, &params, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_clear_error(&error);
    g_assert_false(shoalDriverParamsAlloc(-1, 16, &params, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
}

/* A host's answer to the wire: unset slots and, for a client that cannot
 * take them, strings are left out. */
static void
testParamsFromLibvirt(void)
{
    virTypedParameter params[3] = { 0 };
    remote_typed_param *val = NULL;
    u_int len = 0;

    g_strlcpy(params[0].field, "weight", sizeof(params[0].field));
    params[0].type = VIR_TYPED_PARAM_UINT;
    params[0].value.ui = 500;
    g_strlcpy(params[1].field, "device_weight", sizeof(params[1].field));
    params[1].type = VIR_TYPED_PARAM_STRING;
    params[1].value.s = (char *) "/dev/vda,100";
    /* params[2] left unset, as per-CPU statistics leave holes */

    shoalDriverParamsFromLibvirt(params, 3, 0, &val, &len);
    g_assert_cmpuint(len, ==, 1);
    g_assert_cmpstr(val[0].field, ==, "weight");
    g_assert_cmpint(val[0].value.type, ==, VIR_TYPED_PARAM_UINT);
    g_assert_cmpuint(val[0].value.remote_typed_param_value_u.ui, ==, 500);
    shoalDriverParamsClear(val, len);

    shoalDriverParamsFromLibvirt(params, 3, VIR_TYPED_PARAM_STRING_OKAY, &val,
                                 &len);
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmpstr(val[1].field, ==, "device_weight");
    g_assert_cmpstr(val[1].value.remote_typed_param_value_u.s, ==,
                    "/dev/vda,100");
    shoalDriverParamsClear(val, len);
}

static void
testParamsToLibvirt(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *longField = g_strnfill(VIR_TYPED_PARAM_FIELD_LENGTH, 'x');
    remote_typed_param val[2] = { 0 };
    virTypedParameter *params;

    val[0].field = (char *) "hard_limit";
    val[0].value.type = VIR_TYPED_PARAM_ULLONG;
    val[0].value.remote_typed_param_value_u.ul = 1048576;
    val[1].field = (char *) "name";
    val[1].value.type = VIR_TYPED_PARAM_STRING;
    val[1].value.remote_typed_param_value_u.s = (char *) "x";
    params = shoalDriverParamsToLibvirt(val, 2, &error);
    g_assert_no_error(error);
    g_assert_nonnull(params);
    g_assert_cmpstr(params[0].field, ==, "hard_limit");
    g_assert_cmpint(params[0].type, ==, VIR_TYPED_PARAM_ULLONG);
    g_assert_cmpuint(params[0].value.ul, ==, 1048576);
    g_assert_cmpstr(params[1].value.s, ==, "x");
    shoalDriverParamsFreeLibvirt(params, 2);

    /* a field libvirt's struct cannot hold */
    val[0].field = longField;
    g_assert_null(shoalDriverParamsToLibvirt(val, 2, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR);
    g_clear_error(&error);

    /* a type libvirt does not know */
    val[0].field = (char *) "hard_limit";
    val[1].value.type = 99;
    g_assert_null(shoalDriverParamsToLibvirt(val, 2, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_RPC);
}

/* The error domain a REPLY/ERROR packet names for @error. */
static int
forwardErrorDomain(const GError *error)
{
    shoalMessageHeader call = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .proc = REMOTE_PROC_DOMAIN_ATTACH_DEVICE,
        .type = SHOAL_MESSAGE_TYPE_CALL,
        .serial = 1,
    };
    g_autoptr(GBytes) packet = shoalDriverErrorEncode(&call, error);
    remote_error rerr = { 0 };
    gsize len;
    const guint8 *data = g_bytes_get_data(packet, &len);
    int domain;

    g_assert_true(shoalMessageDecodePayload(data + SHOAL_MESSAGE_MIN,
                                            len - SHOAL_MESSAGE_MIN,
                                            (xdrproc_t) xdr_remote_error, &rerr,
                                            NULL));
    g_assert_cmpint(rerr.code, ==, error->code);
    domain = rerr.domain;
    xdr_free((xdrproc_t) xdr_remote_error, (char *) &rerr);
    return domain;
}

/* A host's error keeps its error domain on the way to the client, also
 * through a copy and a prefix; Shoal's own errors get one from the code. */
static void
testErrorOrigin(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) copy = NULL;

    error = g_error_new_literal(SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                                "domain is not running");
    g_assert_cmpint(shoalErrorGetOrigin(error), ==, VIR_FROM_NONE);
    g_assert_cmpint(forwardErrorDomain(error), ==, VIR_FROM_DOMAIN);
    shoalErrorSetOrigin(error, VIR_FROM_QEMU);
    g_assert_cmpint(forwardErrorDomain(error), ==, VIR_FROM_QEMU);
    copy = g_error_copy(error);
    g_prefix_error(&copy, "context: ");
    g_assert_cmpint(shoalErrorGetOrigin(copy), ==, VIR_FROM_QEMU);
    g_assert_cmpint(forwardErrorDomain(copy), ==, VIR_FROM_QEMU);
    /* another domain's error is replaced, never relabelled in place */
    g_clear_error(&copy);
    copy = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");
    shoalErrorConvert(&copy);
    g_assert_error(copy, SHOAL_ERROR, VIR_ERR_NO_SUPPORT);
    g_assert_cmpint(shoalErrorGetOrigin(copy), ==, VIR_FROM_NONE);
    g_assert_cmpstr(copy->message, ==, "gone");
}

/* The access column: what libvirt refuses on read-only connections. */
static void
testAccess(void)
{
    static const struct {
        int proc;
        bool writes;
    } cases[] = {
        { REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS, true },
        { REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS, true },
        { REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS, true },
        { REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, true },
        { REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, true },
        { REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, true },
        { REMOTE_PROC_DOMAIN_BACKUP_BEGIN, true },
        /* the guest agent's answers count as writing, as in libvirt */
        { REMOTE_PROC_DOMAIN_GET_HOSTNAME, true },
        { REMOTE_PROC_DOMAIN_GET_FSINFO, true },
        { REMOTE_PROC_DOMAIN_GET_TIME, true },
        { REMOTE_PROC_DOMAIN_GET_GUEST_INFO, true },
        { REMOTE_PROC_DOMAIN_MEMORY_STATS, false },
        { REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS, false },
        { REMOTE_PROC_DOMAIN_BLOCK_STATS, false },
        { REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, false },
        { REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, false },
        /* only its agent source writes: the handler refuses that */
        { REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, false },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        const shoalDispatchProc *p = shoalDispatchProcLookup(cases[i].proc);

        g_test_message("procedure %d", cases[i].proc);
        g_assert_nonnull(p);
        g_assert_cmpint(p->writes, ==, cases[i].writes);
        /* every forwarded call waits on a host */
        g_assert_false(p->highPriority);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/driver/forward/snapshot-wire", testSnapshotWire);
    g_test_add_func("/driver/forward/block-job-info-wire",
                    testBlockJobInfoWire);
    g_test_add_func("/driver/forward/interface-wire", testInterfaceWire);
    g_test_add_func("/driver/forward/params-alloc", testParamsAlloc);
    g_test_add_func("/driver/forward/params-from-libvirt",
                    testParamsFromLibvirt);
    g_test_add_func("/driver/forward/params-to-libvirt", testParamsToLibvirt);
    g_test_add_func("/driver/forward/access", testAccess);
    g_test_add_func("/driver/forward/error-origin", testErrorOrigin);
    return g_test_run();
}
