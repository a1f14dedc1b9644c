/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * An operator's shell command (a host's power_off_command, say), run with
 * a time bound: its exit status and the end of its standard error come
 * back in the error, so that a report can say why it failed.
 */
bool shoalCommandRun(const char *command, unsigned timeoutMs, GError **error);
