/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_params.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "util_error.h"

static bool
paramsFillOne(remote_typed_param *out, const shoalTypedParam *in)
{
    remote_typed_param_value *v = &out->value;

    switch (in->type) {
    case VIR_TYPED_PARAM_INT:
        v->remote_typed_param_value_u.i = in->value.i;
        break;
    case VIR_TYPED_PARAM_UINT:
        v->remote_typed_param_value_u.ui = in->value.ui;
        break;
    case VIR_TYPED_PARAM_LLONG:
        v->remote_typed_param_value_u.l = in->value.l;
        break;
    case VIR_TYPED_PARAM_ULLONG:
        v->remote_typed_param_value_u.ul = in->value.ul;
        break;
    case VIR_TYPED_PARAM_DOUBLE:
        v->remote_typed_param_value_u.d = in->value.d;
        break;
    case VIR_TYPED_PARAM_BOOLEAN:
        v->remote_typed_param_value_u.b = in->value.b;
        break;
    case VIR_TYPED_PARAM_STRING:
        v->remote_typed_param_value_u.s = g_strdup(in->value.s);
        break;
    default:
        return false;
    }
    v->type = in->type;
    out->field = g_strdup(in->field);
    return true;
}

/**
 * shoalDriverParamsFill:
 * @params: shoalTypedParam records
 * @val: (out): a new array for xdr_free() to release
 *
 * Copies typed parameters into their wire form; types the wire does not
 * know are left out.
 */
void
shoalDriverParamsFill(GPtrArray *params, remote_typed_param **val, u_int *len)
{
    guint i;
    guint n = 0;

    *val = g_new0(remote_typed_param, MAX(params ? params->len : 0, 1));
    for (i = 0; params && i < params->len; i++) {
        if (paramsFillOne(&(*val)[n], params->pdata[i]))
            n++;
    }
    *len = n;
}

/* Frees what shoalDriverParamsFill() allocated, outside of xdr_free(). */
void
shoalDriverParamsClear(remote_typed_param *val, u_int len)
{
    u_int i;

    for (i = 0; i < len; i++)
        xdr_free((xdrproc_t) xdr_remote_typed_param, (char *) &val[i]);
    g_free(val);
}

/* Sets @p's type and value from @v; its field is the caller's. */
static bool
paramsValueFromRemote(const remote_typed_param_value *v,
                      virTypedParameter *p,
                      GError **error)
{
    p->type = v->type;
    switch (v->type) {
    case VIR_TYPED_PARAM_INT:
        p->value.i = v->remote_typed_param_value_u.i;
        break;
    case VIR_TYPED_PARAM_UINT:
        p->value.ui = v->remote_typed_param_value_u.ui;
        break;
    case VIR_TYPED_PARAM_LLONG:
        p->value.l = v->remote_typed_param_value_u.l;
        break;
    case VIR_TYPED_PARAM_ULLONG:
        p->value.ul = v->remote_typed_param_value_u.ul;
        break;
    case VIR_TYPED_PARAM_DOUBLE:
        p->value.d = v->remote_typed_param_value_u.d;
        break;
    case VIR_TYPED_PARAM_BOOLEAN:
        p->value.b = v->remote_typed_param_value_u.b != 0;
        break;
    case VIR_TYPED_PARAM_STRING:
        p->value.s = g_strdup(v->remote_typed_param_value_u.s);
        break;
    default:
        g_set_error(error, SHOAL_ERROR, VIR_ERR_RPC,
                    _("unknown parameter type: %1$d"), v->type);
        return false;
    }
    return true;
}

/**
 * shoalDriverParamsParse:
 * Returns: (transfer full): the client's typed parameters as
 *   shoalTypedParam, or NULL with @error set for an unknown type.
 */
GPtrArray *
shoalDriverParamsParse(const remote_typed_param *val, u_int len, GError **error)
{
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalTypedParamFree);
    u_int i;

    for (i = 0; i < len; i++) {
        virTypedParameter value = { 0 };

        if (!paramsValueFromRemote(&val[i].value, &value, error))
            return NULL;
        /* the field as it came, however long */
        g_ptr_array_add(out, shoalTypedParamFromLibvirt(val[i].field, &value));
        if (value.type == VIR_TYPED_PARAM_STRING)
            g_free(value.value.s);
    }
    return g_steal_pointer(&out);
}

/**
 * shoalDriverParamsAlloc:
 * @nparams: how many the client asks for; 0 asks for the count only
 * @params: (out): a zeroed array of @nparams, or NULL for 0
 *
 * The buffer of a "nparams" call, refused when @nparams is out of range
 * as libvirt refuses it.
 */
bool
shoalDriverParamsAlloc(int nparams,
                       int max,
                       virTypedParameter **params,
                       GError **error)
{
    if (nparams < 0 || nparams > max) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("nparams too large"));
        return false;
    }
    *params = nparams > 0 ? g_new0(virTypedParameter, nparams) : NULL;
    return true;
}

/* Frees @params and their strings, however libvirt or we filled them. */
void
shoalDriverParamsFreeLibvirt(virTypedParameter *params, int nparams)
{
    int i;

    for (i = 0; params && i < nparams; i++) {
        if (params[i].type == VIR_TYPED_PARAM_STRING)
            g_free(params[i].value.s);
    }
    g_free(params);
}

/**
 * shoalDriverParamsToLibvirt:
 *
 * The client's typed parameters as libvirt's, for a call on a host.
 * Returns: (transfer full): an array of @len (at least one element, so
 *   never NULL on success) for shoalDriverParamsFreeLibvirt(), or NULL
 *   with @error set.
 */
virTypedParameter *
shoalDriverParamsToLibvirt(const remote_typed_param *val,
                           u_int len,
                           GError **error)
{
    virTypedParameter *params = g_new0(virTypedParameter, MAX(len, 1));
    u_int i;

    for (i = 0; i < len; i++) {
        const remote_typed_param_value *v = &val[i].value;
        virTypedParameter *p = &params[i];

        if (g_strlcpy(p->field, val[i].field, sizeof(p->field)) >=
            sizeof(p->field)) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                        _("Parameter %1$s too big for destination"),
                        val[i].field);
            shoalDriverParamsFreeLibvirt(params, i);
            return NULL;
        }
        if (!paramsValueFromRemote(v, p, error)) {
            shoalDriverParamsFreeLibvirt(params, i);
            return NULL;
        }
    }
    return params;
}

/**
 * shoalDriverParamsFromLibvirt:
 * @flags: the call's flags: without VIR_TYPED_PARAM_STRING_OKAY the client
 *   cannot take strings, which are left out
 * @val: (out): a new array for xdr_free() to release
 *
 * A host's answer in wire form. Unset slots (a sparse answer such as
 * per-CPU statistics) are left out, as libvirt does.
 */
void
shoalDriverParamsFromLibvirt(const virTypedParameter *params,
                             int nparams,
                             unsigned flags,
                             remote_typed_param **val,
                             u_int *len)
{
    g_autoptr(GPtrArray) all =
        shoalTypedParamsFromLibvirt(params, params ? nparams : 0);
    g_autoptr(GPtrArray) kept = g_ptr_array_new(); /* borrowed from all */
    guint i;

    for (i = 0; i < all->len; i++) {
        const shoalTypedParam *p = all->pdata[i];

        if (p->type == VIR_TYPED_PARAM_STRING &&
            !(flags & VIR_TYPED_PARAM_STRING_OKAY))
            continue;
        g_ptr_array_add(kept, all->pdata[i]);
    }
    shoalDriverParamsFill(kept, val, len);
}
