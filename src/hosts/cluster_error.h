/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

void shoalErrorFromLibvirt(GError **error, const char *hostName);
