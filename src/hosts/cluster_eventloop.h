/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

typedef struct _shoalEventLoop shoalEventLoop;

shoalEventLoop *shoalEventLoopNew(GError **error);

void shoalEventLoopFree(shoalEventLoop *loop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalEventLoop, shoalEventLoopFree)
