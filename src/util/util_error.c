/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_error.h"

#include <gio/gio.h>
#include <libvirt/virterror.h>

GQuark
shoalErrorQuark(void)
{
    return g_quark_from_static_string("shoal-error-quark");
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
        (*error)->domain = SHOAL_ERROR;
        (*error)->code = m->to;
        return;
    }
    (*error)->domain = SHOAL_ERROR;
    (*error)->code = VIR_ERR_INTERNAL_ERROR;
}
