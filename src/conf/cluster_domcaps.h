/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

char *shoalDomcapsIntersect(const char *const *xmls,
                            unsigned n,
                            GError **error);
