/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What this process holds now, for tests that check nothing leaks. */
#include <glib.h>

unsigned testProcCountFds(void);
unsigned testProcCountThreads(void);
