/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for util_command.c: a power command's exit status, standard
 * error and time bound reach the error.
 */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "util_command.h"
#include "util_error.h"

static void
testCommandSuccess(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalCommandRun("echo quiet; true", 10000, &error));
    g_assert_no_error(error);
}

static void
testCommandFalse(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(shoalCommandRun("/bin/false", 10000, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "exited with status 1"));
}

static void
testCommandStderr(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(
        shoalCommandRun("echo 'no BMC answers' >&2; exit 3", 10000, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "status 3"));
    g_assert_nonnull(strstr(error->message, "no BMC answers"));
}

/* past the bound: killed with what it started, reported as a timeout */
static void
testCommandTimeout(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(shoalCommandRun("sleep 600; sleep 600", 300, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "300 ms"));
}

static void
testCommandSignal(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(shoalCommandRun("kill -KILL $$", 10000, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(error->message, "signal 9"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/command/success", testCommandSuccess);
    g_test_add_func("/util/command/false", testCommandFalse);
    g_test_add_func("/util/command/stderr", testCommandStderr);
    g_test_add_func("/util/command/timeout", testCommandTimeout);
    g_test_add_func("/util/command/signal", testCommandSignal);
    return g_test_run();
}
