/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "driver_flags.h"

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/**
 * shoalDriverCheckFlags:
 * @function: the libvirt API the procedure stands for, as libvirt names it
 *
 * Rejects flags outside @supported the way libvirt's virCheckFlags does.
 */
bool
shoalDriverCheckFlags(unsigned flags,
                      unsigned supported,
                      const char *function,
                      GError **error)
{
    if ((flags & ~supported) == 0)
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                _("invalid argument: unsupported flags (0x%1$x) in function %2$s"),
                flags & ~supported, function);
    return false;
}
