/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Files a test made in a temporary directory of its own. */
#include <glib.h>

void testRemoveTree(const char *path);
