/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * SHOAL_SCHED_ERROR: the scheduler's error domain. Sched has no libvirt
 * headers, so the cluster layer maps these codes to libvirt's at its
 * boundary.
 */
#define SHOAL_SCHED_ERROR (shoalSchedErrorQuark())

typedef enum {
    SHOAL_SCHED_ERROR_NO_HOST, /* no host can take the domain */
    SHOAL_SCHED_ERROR_INVALID, /* the request or configuration is invalid */
    SHOAL_SCHED_ERROR_STALE,   /* a plan step's precondition no longer holds */
    SHOAL_SCHED_ERROR_LAST
} shoalSchedErrorCode;

GQuark shoalSchedErrorQuark(void);
