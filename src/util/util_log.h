/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * Identities go into structured log fields, so journald can filter on
 * them (SHOAL_HOST=h3). Use inside g_log_structured() argument lists,
 * before "MESSAGE"; each value is a plain string.
 */
#define SHOAL_LOG_HOST(name) "SHOAL_HOST", (const char *) (name)
#define SHOAL_LOG_DOMAIN(name) "SHOAL_DOMAIN", (const char *) (name)
#define SHOAL_LOG_CLIENT(idstr) "SHOAL_CLIENT", (const char *) (idstr)
