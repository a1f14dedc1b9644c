/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "driver_message.h"

GBytes *shoalDriverErrorEncode(const shoalMessageHeader *call,
                               const GError *error);

GBytes *shoalDriverErrorEncodeStream(const shoalMessageHeader *stream,
                                     const GError *error);
