/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading structured log fields, for tests that capture warnings. */
#include <glib.h>

const char *testLogField(const GLogField *fields,
                         gsize nFields,
                         const char *key);
