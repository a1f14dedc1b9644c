/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_error.h"

GQuark
shoalSchedErrorQuark(void)
{
    return g_quark_from_static_string("shoal-sched-error-quark");
}
