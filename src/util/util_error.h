/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * SHOAL_ERROR: Shoal's one error domain. Its codes are libvirt's
 * virErrorNumber values, so they reach clients unchanged.
 */
#define SHOAL_ERROR (shoalErrorQuark())

GQuark shoalErrorQuark(void);

void shoalErrorConvert(GError **error);

void shoalErrorRetarget(GError **error, int code);

void shoalErrorSetOrigin(GError *error, int origin);

int shoalErrorGetOrigin(const GError *error);
