/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_error.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/**
 * shoalErrorFromLibvirt:
 * @hostName: the host the failing call went to, or NULL
 *
 * Converts libvirt's last error of this thread, keeping the host's code,
 * error domain and message. Call it right after the failing libvirt call, on the same
 * thread: libvirt keeps the error thread-local.
 */
void
shoalErrorFromLibvirt(GError **error, const char *hostName)
{
    virErrorPtr err = virGetLastError();

    if (!err || err->code == VIR_ERR_OK) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("an error occurred on host '%1$s', but the cause is unknown"),
                    hostName ? hostName : "?");
        return;
    }
    /* a broken connection to the host is about the host, so name it; an
     * error of the host's own drivers (QEMU's) is the host's answer */
    if (hostName &&
        (err->code == VIR_ERR_NO_CONNECT || err->code == VIR_ERR_INVALID_CONN ||
         ((err->domain == VIR_FROM_RPC || err->domain == VIR_FROM_REMOTE) &&
          (err->code == VIR_ERR_SYSTEM_ERROR || err->code == VIR_ERR_RPC ||
           err->code == VIR_ERR_INTERNAL_ERROR))))
        g_set_error(error, SHOAL_ERROR, err->code, _("host '%1$s': %2$s"),
                    hostName, err->message ? err->message : "");
    else
        g_set_error_literal(error, SHOAL_ERROR, err->code,
                            err->message ? err->message : "");
    /* the client sees the host's error domain too (VIR_FROM_QEMU...) */
    if (error)
        shoalErrorSetOrigin(*error, err->domain);
    virResetLastError();
}
