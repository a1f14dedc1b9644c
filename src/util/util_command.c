/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_command.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/* Enough of standard error to say why; a chatty command is cut. */
#define COMMAND_STDERR_MAX 2048

/* In the child: its own process group, so a timeout kills what it
 * started too (a shell's sleep, an ipmitool). */
static void
commandChildSetup(gpointer data G_GNUC_UNUSED)
{
    setpgid(0, 0);
}

/* Reads what is there on non-blocking @fd into @buf. Returns: 1 if it
 * read some, 0 at its end, -1 if nothing is there now. */
static int
commandReadStderr(int fd, GString *buf)
{
    char chunk[512];
    ssize_t n = read(fd, chunk, sizeof(chunk));

    if (n < 0)
        return errno == EINTR ? 1 : (errno == EAGAIN ? -1 : 0);
    if (n == 0)
        return 0;
    if (buf->len < COMMAND_STDERR_MAX)
        g_string_append_len(buf, chunk,
                            MIN((gsize) n, COMMAND_STDERR_MAX - buf->len));
    return 1;
}

/* Waits for @pid and its standard error until @deadlineUs; returns false
 * when the time is over (the process still runs). */
static bool
commandWait(GPid pid, int errFd, gint64 deadlineUs, GString *err, int *status)
{
    bool open = true;

    for (;;) {
        gint64 left = deadlineUs - g_get_monotonic_time();
        struct pollfd pfd = { errFd, POLLIN, 0 };
        pid_t done;

        done = waitpid(pid, status, WNOHANG);
        if (done == pid) {
            /* a daemon it started may keep the pipe: take what is there */
            while (open && commandReadStderr(errFd, err) > 0)
                ;
            return true;
        }
        if (left <= 0)
            return false;
        /* a closed standard error still needs the exit: poll in steps */
        if (!open || poll(&pfd, 1, (int) MIN(left / 1000 + 1, 100)) <= 0) {
            if (!open)
                g_usleep(MIN(left, 50 * 1000));
            continue;
        }
        open = commandReadStderr(errFd, err) != 0;
    }
}

/**
 * shoalCommandRun:
 * @command: a shell command line
 * @timeoutMs: how long it may run; then it and its process group are
 *   killed
 *
 * Runs @command under /bin/sh, its standard output discarded. Any
 * thread. Returns: true if it exited with status 0; else false with
 * VIR_ERR_OPERATION_FAILED (its exit status or signal, its standard
 * error) or VIR_ERR_OPERATION_TIMEOUT.
 */
bool
shoalCommandRun(const char *command, unsigned timeoutMs, GError **error)
{
    const char *argv[] = { "/bin/sh", "-c", command, NULL };
    g_autoptr(GString) err = g_string_new(NULL);
    g_autoptr(GError) spawnErr = NULL;
    GPid pid = 0;
    int errFd = -1;
    int status = 0;
    bool exited;

    if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD |
                                      G_SPAWN_STDOUT_TO_DEV_NULL,
                                  commandChildSetup, NULL, &pid, NULL, NULL,
                                  &errFd, &spawnErr)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: cannot run '%1$s': %2$s"), command,
                    spawnErr->message);
        return false;
    }
    g_unix_set_fd_nonblocking(errFd, TRUE, NULL);
    exited = commandWait(pid, errFd,
                         g_get_monotonic_time() + (gint64) timeoutMs * 1000,
                         err, &status);
    if (!exited) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    close(errFd);
    g_spawn_close_pid(pid);
    g_strstrip(err->str);
    if (!exited) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                    _("operation timed out: '%1$s' did not finish within %2$u ms"),
                    command, timeoutMs);
        return false;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFEXITED(status))
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: '%1$s' exited with status %2$d: %3$s"),
                    command, WEXITSTATUS(status),
                    *err->str ? err->str : _("no error output"));
    else
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: '%1$s' was killed by signal %2$d: %3$s"),
                    command, WTERMSIG(status),
                    *err->str ? err->str : _("no error output"));
    return false;
}
