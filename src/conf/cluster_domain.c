/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_domain.h"

#include <string.h>

/**
 * shoalDomainRefNew:
 * Returns: (transfer full): a new reference record.
 */
shoalDomainRef *
shoalDomainRefNew(const char *name, const unsigned char *uuid, int id)
{
    shoalDomainRef *ref = g_new0(shoalDomainRef, 1);

    ref->name = g_strdup(name);
    memcpy(ref->uuid, uuid, VIR_UUID_BUFLEN);
    ref->id = id;
    return ref;
}

void
shoalDomainRefFree(shoalDomainRef *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}

void
shoalTypedParamFree(shoalTypedParam *param)
{
    if (!param)
        return;
    if (param->type == VIR_TYPED_PARAM_STRING)
        g_free(param->value.s);
    g_free(param->field);
    g_free(param);
}

/**
 * shoalTypedParamFromLibvirt:
 * @field: its name, which may be longer than libvirt's field allows
 * Returns: (transfer full): a copy of @param's value named @field, or NULL
 *   for a type newer than us.
 */
shoalTypedParam *
shoalTypedParamFromLibvirt(const char *field, const virTypedParameter *param)
{
    g_autoptr(shoalTypedParam) p = g_new0(shoalTypedParam, 1);

    p->field = g_strdup(field);
    p->type = param->type;
    switch (param->type) {
    case VIR_TYPED_PARAM_INT:
        p->value.i = param->value.i;
        break;
    case VIR_TYPED_PARAM_UINT:
        p->value.ui = param->value.ui;
        break;
    case VIR_TYPED_PARAM_LLONG:
        p->value.l = param->value.l;
        break;
    case VIR_TYPED_PARAM_ULLONG:
        p->value.ul = param->value.ul;
        break;
    case VIR_TYPED_PARAM_DOUBLE:
        p->value.d = param->value.d;
        break;
    case VIR_TYPED_PARAM_BOOLEAN:
        p->value.b = param->value.b;
        break;
    case VIR_TYPED_PARAM_STRING:
        p->value.s = g_strdup(param->value.s);
        break;
    default:
        return NULL;
    }
    return g_steal_pointer(&p);
}

/**
 * shoalTypedParamsFromLibvirt:
 * Returns: (transfer full): a copy of @params as shoalTypedParam.
 */
GPtrArray *
shoalTypedParamsFromLibvirt(const virTypedParameter *params, int nparams)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalTypedParamFree);
    int i;

    for (i = 0; i < nparams; i++) {
        shoalTypedParam *p =
            shoalTypedParamFromLibvirt(params[i].field, &params[i]);

        /* a type newer than us: leave it out rather than guess */
        if (p)
            g_ptr_array_add(out, p);
    }
    return out;
}

void
shoalDomainStatsFree(shoalDomainStats *stats)
{
    if (!stats)
        return;
    shoalDomainRefFree(stats->dom);
    if (stats->params)
        g_ptr_array_unref(stats->params);
    g_free(stats);
}
