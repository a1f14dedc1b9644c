/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_error.h"

#include <gio/gio.h>
#include <libvirt/virterror.h>

/*
 * What a SHOAL_ERROR carries besides code and message: the libvirt error
 * domain (virErrorDomain) of a host's error, so that VIR_FROM_QEMU
 * reaches the client as VIR_FROM_QEMU. Kept as GLib's private data of an
 * extended error domain (G_DEFINE_EXTENDED_ERROR without its names).
 */
typedef struct {
    int origin; /* virErrorDomain; VIR_FROM_NONE: not known */
} shoalErrorPrivate;

static shoalErrorPrivate *
errorGetPrivate(const GError *error)
{
    /* GLib keeps the private data just before the GError, aligned as
     * GType instances are (gerror.h, G_DEFINE_EXTENDED_ERROR) */
    const gsize sa = 2 * sizeof(gsize);
    const gsize as = (sizeof(shoalErrorPrivate) + (sa - 1)) & -sa;

    return (shoalErrorPrivate *) (((guint8 *) error) - as);
}

static void
errorPrivateInit(GError *error)
{
    errorGetPrivate(error)->origin = VIR_FROM_NONE;
}

static void
errorPrivateCopy(const GError *src, GError *dest)
{
    errorGetPrivate(dest)->origin = errorGetPrivate(src)->origin;
}

static void
errorPrivateClear(GError *error)
{
}

GQuark
shoalErrorQuark(void)
{
    static gsize quark = 0; /* written once, by g_once_init_leave() */

    if (g_once_init_enter(&quark)) {
        GQuark q =
            g_error_domain_register_static("shoal-error-quark",
                                           sizeof(shoalErrorPrivate),
                                           errorPrivateInit, errorPrivateCopy,
                                           errorPrivateClear);

        g_once_init_leave(&quark, q);
    }
    return (GQuark) quark;
}

/**
 * shoalErrorSetOrigin:
 * @origin: the virErrorDomain the error came from (a host's error)
 */
void
shoalErrorSetOrigin(GError *error, int origin)
{
    if (error && error->domain == SHOAL_ERROR)
        errorGetPrivate(error)->origin = origin;
}

/**
 * shoalErrorGetOrigin:
 * Returns: the virErrorDomain set by shoalErrorSetOrigin(), or
 *   VIR_FROM_NONE.
 */
int
shoalErrorGetOrigin(const GError *error)
{
    if (!error || error->domain != SHOAL_ERROR)
        return VIR_FROM_NONE;
    return errorGetPrivate(error)->origin;
}

/**
 * shoalErrorRetarget:
 * @code: a virErrorNumber
 *
 * Replaces *@error, of any domain, by a SHOAL_ERROR with @code and the
 * same message. Errors of SHOAL_ERROR carry private data: a GError of
 * another domain must never just get SHOAL_ERROR as its domain.
 */
void
shoalErrorRetarget(GError **error, int code)
{
    GError *e = g_error_new_literal(SHOAL_ERROR, code, (*error)->message);

    g_error_free(*error);
    *error = e;
}

typedef struct {
    GQuark (*domain)(void);
    int code; /* -1: any code of that domain */
    virErrorNumber to;
} shoalErrorMapping;

/* The one table that maps foreign error domains to ours. */
static const shoalErrorMapping errorMappings[] = {
    { g_io_error_quark, G_IO_ERROR_NOT_FOUND, VIR_ERR_NO_SUPPORT },
    { g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, VIR_ERR_INVALID_ARG },
    { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, VIR_ERR_ACCESS_DENIED },
    { g_io_error_quark, G_IO_ERROR_TIMED_OUT, VIR_ERR_OPERATION_TIMEOUT },
    { g_io_error_quark, G_IO_ERROR_CANCELLED, VIR_ERR_OPERATION_ABORTED },
    { g_io_error_quark, -1, VIR_ERR_SYSTEM_ERROR },
    { g_file_error_quark, -1, VIR_ERR_SYSTEM_ERROR },
    { g_key_file_error_quark, -1, VIR_ERR_CONF_SYNTAX },
    { g_markup_error_quark, -1, VIR_ERR_XML_ERROR },
    { g_option_error_quark, -1, VIR_ERR_INVALID_ARG },
};

/**
 * shoalErrorConvert:
 * @error: (inout): an error of any domain, or NULL
 *
 * Rewrites an error of a foreign domain (GIO, GFile, GKeyFile, ...) into
 * SHOAL_ERROR, keeping its message. Unknown domains become
 * VIR_ERR_INTERNAL_ERROR.
 */
void
shoalErrorConvert(GError **error)
{
    size_t i;

    if (!error || !*error || (*error)->domain == SHOAL_ERROR)
        return;

    for (i = 0; i < G_N_ELEMENTS(errorMappings); i++) {
        const shoalErrorMapping *m = &errorMappings[i];

        if ((*error)->domain != m->domain())
            continue;
        if (m->code != -1 && (*error)->code != m->code)
            continue;
        shoalErrorRetarget(error, m->to);
        return;
    }
    shoalErrorRetarget(error, VIR_ERR_INTERNAL_ERROR);
}
