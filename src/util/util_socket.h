/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <gio/gio.h>

bool shoalSocketListen(GSocketListener *listener,
                       const char *path,
                       unsigned mode,
                       GObject *tag,
                       GError **error);
