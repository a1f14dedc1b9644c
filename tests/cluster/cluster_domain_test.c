/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_domain.c: domain references, and typed parameters
 * copied out of libvirt's arrays, which the caller frees right after.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_domain.h"

static const unsigned char domainTestUUID[VIR_UUID_BUFLEN] = {
    0x82, 0x05, 0xe6, 0xeb, 0xd6, 0xa4, 0x47, 0xb3,
    0x96, 0x7e, 0x5e, 0x6f, 0x9b, 0x5b, 0x72, 0x0b,
};

static void
domainTestAddParams(virTypedParameterPtr *params, int *nparams)
{
    int maxparams = 0;

    g_assert_cmpint(virTypedParamsAddInt(params, nparams, &maxparams,
                                         "state.state", G_MININT32),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddUInt(params, nparams, &maxparams,
                                          "vcpu.current", G_MAXUINT32),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddLLong(params, nparams, &maxparams,
                                           "cpu.time.delta", G_MININT64),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddULLong(params, nparams, &maxparams,
                                            "balloon.current", G_MAXUINT64),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddDouble(params, nparams, &maxparams,
                                            "cpu.ratio", -0.125),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddBoolean(params, nparams, &maxparams,
                                             "vcpu.0.halted", 1),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddString(params, nparams, &maxparams,
                                            "block.0.name",
                                            "v\xc3\xb6"
                                            "da"),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddBoolean(params, nparams, &maxparams,
                                             "vcpu.1.halted", 0),
                    ==, 0);
    g_assert_cmpint(virTypedParamsAddString(params, nparams, &maxparams,
                                            "block.1.name", ""),
                    ==, 0);
}

static const shoalTypedParam *
domainTestParam(GPtrArray *out, guint i, const char *field, int type)
{
    const shoalTypedParam *p;

    g_assert_cmpuint(i, <, out->len);
    p = out->pdata[i];
    g_assert_cmpstr(p->field, ==, field);
    g_assert_cmpint(p->type, ==, type);
    return p;
}

/* Every type is copied, in order; strings are copies of their own. */
static void
testTypedParamsEveryType(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    g_autoptr(GPtrArray) out = NULL;
    const shoalTypedParam *p;

    domainTestAddParams(&params, &nparams);
    g_assert_cmpint(nparams, ==, 9);
    out = shoalTypedParamsFromLibvirt(params, nparams);
    /* libvirt's copy is gone: ours must not point into it */
    virTypedParamsFree(params, nparams);

    g_assert_cmpuint(out->len, ==, 9);
    p = domainTestParam(out, 0, "state.state", VIR_TYPED_PARAM_INT);
    g_assert_cmpint(p->value.i, ==, G_MININT32);
    p = domainTestParam(out, 1, "vcpu.current", VIR_TYPED_PARAM_UINT);
    g_assert_cmpuint(p->value.ui, ==, G_MAXUINT32);
    p = domainTestParam(out, 2, "cpu.time.delta", VIR_TYPED_PARAM_LLONG);
    g_assert_cmpint(p->value.l, ==, G_MININT64);
    p = domainTestParam(out, 3, "balloon.current", VIR_TYPED_PARAM_ULLONG);
    g_assert_cmpuint(p->value.ul, ==, G_MAXUINT64);
    p = domainTestParam(out, 4, "cpu.ratio", VIR_TYPED_PARAM_DOUBLE);
    g_assert_cmpfloat(p->value.d, ==, -0.125);
    p = domainTestParam(out, 5, "vcpu.0.halted", VIR_TYPED_PARAM_BOOLEAN);
    g_assert_true(p->value.b);
    p = domainTestParam(out, 6, "block.0.name", VIR_TYPED_PARAM_STRING);
    g_assert_cmpstr(p->value.s, ==,
                    "v\xc3\xb6"
                    "da");
    p = domainTestParam(out, 7, "vcpu.1.halted", VIR_TYPED_PARAM_BOOLEAN);
    g_assert_false(p->value.b);
    p = domainTestParam(out, 8, "block.1.name", VIR_TYPED_PARAM_STRING);
    g_assert_cmpstr(p->value.s, ==, "");
}

/* A type newer than Shoal is left out; its neighbours are kept. */
static void
testTypedParamsUnknownType(void)
{
    virTypedParameter params[3];
    g_autoptr(GPtrArray) out = NULL;
    const shoalTypedParam *p;

    memset(params, 0, sizeof(params));
    g_strlcpy(params[0].field, "a", sizeof(params[0].field));
    params[0].type = VIR_TYPED_PARAM_INT;
    params[0].value.i = 7;
    g_strlcpy(params[1].field, "future", sizeof(params[1].field));
    params[1].type = VIR_TYPED_PARAM_STRING + 1;
    params[1].value.ul = G_MAXUINT64;
    g_strlcpy(params[2].field, "b", sizeof(params[2].field));
    params[2].type = VIR_TYPED_PARAM_ULLONG;
    params[2].value.ul = 9;

    out = shoalTypedParamsFromLibvirt(params, G_N_ELEMENTS(params));
    g_assert_cmpuint(out->len, ==, 2);
    p = domainTestParam(out, 0, "a", VIR_TYPED_PARAM_INT);
    g_assert_cmpint(p->value.i, ==, 7);
    p = domainTestParam(out, 1, "b", VIR_TYPED_PARAM_ULLONG);
    g_assert_cmpuint(p->value.ul, ==, 9);
}

/* A field name that fills libvirt's whole buffer is copied whole. */
static void
testTypedParamsLongField(void)
{
    virTypedParameter param;
    g_autoptr(GPtrArray) out = NULL;
    const shoalTypedParam *p;

    memset(&param, 0, sizeof(param));
    memset(param.field, 'f', VIR_TYPED_PARAM_FIELD_LENGTH - 1);
    param.type = VIR_TYPED_PARAM_UINT;
    param.value.ui = 3;

    out = shoalTypedParamsFromLibvirt(&param, 1);
    g_assert_cmpuint(out->len, ==, 1);
    p = out->pdata[0];
    g_assert_cmpuint(strlen(p->field), ==, VIR_TYPED_PARAM_FIELD_LENGTH - 1);
    g_assert_cmpint(p->field[0], ==, 'f');
    g_assert_cmpuint(p->value.ui, ==, 3);
}

static void
testTypedParamsEmpty(void)
{
    g_autoptr(GPtrArray) out = shoalTypedParamsFromLibvirt(NULL, 0);

    g_assert_nonnull(out);
    g_assert_cmpuint(out->len, ==, 0);
}

static void
testRef(void)
{
    g_autofree char *name = g_strdup("web");
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(shoalDomainRef) ref = NULL;
    g_autoptr(shoalDomainRef) inactive = NULL;

    memcpy(uuid, domainTestUUID, sizeof(uuid));
    ref = shoalDomainRefNew(name, uuid, 4);
    /* the caller's buffers may change afterwards */
    name[0] = 'X';
    memset(uuid, 0, sizeof(uuid));
    g_assert_cmpstr(ref->name, ==, "web");
    g_assert_cmpmem(ref->uuid, VIR_UUID_BUFLEN, domainTestUUID,
                    VIR_UUID_BUFLEN);
    g_assert_cmpint(ref->id, ==, 4);

    inactive = shoalDomainRefNew("off", domainTestUUID, -1);
    g_assert_cmpint(inactive->id, ==, -1);
}

/* Stats own their reference and their parameters. */
static void
testStatsFree(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    shoalDomainStats *stats = g_new0(shoalDomainStats, 1);
    shoalDomainStats *bare = g_new0(shoalDomainStats, 1);

    domainTestAddParams(&params, &nparams);
    stats->dom = shoalDomainRefNew("web", domainTestUUID, 4);
    stats->params = shoalTypedParamsFromLibvirt(params, nparams);
    virTypedParamsFree(params, nparams);
    g_assert_cmpuint(stats->params->len, ==, 9);
    /* valgrind checks that this frees everything */
    shoalDomainStatsFree(stats);

    /* no reference, no parameters yet */
    shoalDomainStatsFree(bare);
    shoalDomainStatsFree(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* virTypedParamsAdd*() reset libvirt's thread-local error */
    g_assert_cmpint(virInitialize(), ==, 0);

    g_test_add_func("/cluster/domain/typed-params/every-type",
                    testTypedParamsEveryType);
    g_test_add_func("/cluster/domain/typed-params/unknown-type",
                    testTypedParamsUnknownType);
    g_test_add_func("/cluster/domain/typed-params/long-field",
                    testTypedParamsLongField);
    g_test_add_func("/cluster/domain/typed-params/empty", testTypedParamsEmpty);
    g_test_add_func("/cluster/domain/ref/new", testRef);
    g_test_add_func("/cluster/domain/stats/free", testStatsFree);

    return g_test_run();
}
