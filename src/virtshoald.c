/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virtshoald: many KVM hosts served as one libvirt hypervisor. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_admin.h"
#include "cluster_eventloop.h"
#include "cluster_power.h"
#include "driver_server.h"
#include "util_error.h"
#include "virtshoald_store.h"

#define DEFAULT_CONFIG SHOAL_SYSCONFDIR "/virtshoald.conf"

/* Everything the daemon owns; main creates one and passes it down. */
typedef struct _shoalDaemon {
    GMainContext *context; /* ours: libvirt's event loop owns the default */
    GMainLoop *loop;
    shoalEventLoop *events;
    shoalCluster *cluster;
    shoalDriverServer *server;
    shoalAdminServer *admin;
    shoalSocketConfig sockets; /* immutable once the servers listen */
    unsigned timeoutS;         /* 0: never exit when idle */
    gint64 idleSinceUs;        /* main thread only */
    char *pidFile;
    int pidFd;
    bool deposed; /* main thread only: another daemon leads now */
} shoalDaemon;

typedef struct _shoalOptions {
    char *configFile;
    char *socketDir;
    char *stateDir;
    char *pidFile;
    char *accessGroup;
    char **hosts;
    gboolean daemonize;
    gboolean verbose;
    gboolean version;
    int timeout;
    int firstReadWaitMs; /* -1: as the configuration says */
} shoalOptions;

static void
optionsClear(shoalOptions *opts)
{
    g_free(opts->configFile);
    g_free(opts->socketDir);
    g_free(opts->stateDir);
    g_free(opts->pidFile);
    g_free(opts->accessGroup);
    g_strfreev(opts->hosts);
}

static bool
daemonParseArgs(shoalOptions *opts, int *argc, char ***argv, GError **error)
{
    const GOptionEntry entries[] = {
        { "config", 'f', 0, G_OPTION_ARG_FILENAME, &opts->configFile,
          N_("Configuration file (default " DEFAULT_CONFIG ")"), N_("FILE") },
        { "socket-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts->socketDir,
          N_("Directory of the sockets (default /run/libvirt)"), N_("DIR") },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts->stateDir,
          N_("Directory of durable state (default /var/lib/shoal)"),
          N_("DIR") },
        { "host", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opts->hosts,
          N_("Member host, repeatable (as [host NAME] uri= in the config)"),
          N_("NAME=URI") },
        { "access-group", 0, 0, G_OPTION_ARG_STRING, &opts->accessGroup,
          N_("Group that may use the read-write and admin sockets besides root"),
          N_("GROUP") },
        { "pid-file", 'p', 0, G_OPTION_ARG_FILENAME, &opts->pidFile,
          N_("Write the process ID to FILE and lock it"), N_("FILE") },
        { "daemon", 'd', 0, G_OPTION_ARG_NONE, &opts->daemonize,
          N_("Run in the background once the sockets exist"), NULL },
        { "timeout", 't', 0, G_OPTION_ARG_INT, &opts->timeout,
          N_("Exit after SECONDS without clients (0: never)"), N_("SECONDS") },
        { "first-read-wait", 0, 0, G_OPTION_ARG_INT, &opts->firstReadWaitMs,
          N_("At start, answer lists after every host was read or MS passed"),
          N_("MS") },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opts->verbose,
          N_("Log debug messages"), NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &opts->version,
          N_("Print the version and exit"), NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);

    g_option_context_set_summary(ctx,
                                 _("Serve a cluster of libvirt hosts as one hypervisor at shoal:///system."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, argc, argv, error))
        return false;
    if (opts->timeout < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: --timeout must not be negative"));
        return false;
    }
    if (opts->firstReadWaitMs < -1) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: --first-read-wait must not be negative"));
        return false;
    }
    return true;
}

/* The configuration file; none at the default place is an empty one. */
static shoalDaemonConfig *
daemonReadConfig(const shoalOptions *opts, GError **error)
{
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    const char *path = opts->configFile ? opts->configFile : DEFAULT_CONFIG;

    if (!shoalDaemonConfigLoadFile(config, path, !opts->configFile, error))
        return NULL;
    if (opts->firstReadWaitMs >= 0)
        config->cluster.firstReadWaitMs = opts->firstReadWaitMs;
    return g_steal_pointer(&config);
}

/* Hosts from [host NAME] groups of the config and from --host options. */
static bool
daemonAddHosts(const shoalDaemonConfig *config,
               const shoalOptions *opts,
               shoalCluster *cluster,
               GError **error)
{
    size_t i;

    for (i = 0; i < config->hosts->len; i++) {
        const shoalDaemonConfigHost *host = config->hosts->pdata[i];

        if (!shoalClusterAddHost(cluster, host->name, host->uri,
                                 host->migrationUri, error) ||
            !shoalClusterSetHostCapacity(cluster, host->name, host->cpus,
                                         host->memoryMiB * 1024, error))
            return false;
        if (host->powerOffCommand &&
            !shoalClusterSetHostPower(cluster, host->name,
                                      host->powerOffCommand,
                                      host->powerOnCommand,
                                      host->powerOnTimeoutS,
                                      host->powerCommandTimeoutS, error))
            return false;
    }
    for (i = 0; opts->hosts && opts->hosts[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(opts->hosts[i], "=", 2);

        if (!kv[0] || !kv[1]) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                        _("invalid argument: --host wants NAME=URI, not '%1$s'"),
                        opts->hosts[i]);
            return false;
        }
        if (!shoalClusterAddHost(cluster, kv[0], kv[1], NULL, error))
            return false;
    }
    return true;
}

/* Takes a lock on the pid file: a second daemon fails here. */
static bool
daemonWritePidFile(shoalDaemon *daemon, const char *path, GError **error)
{
    g_autofree char *pid = g_strdup_printf("%d\n", (int) getpid());
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0 || fcntl(fd, F_SETLK, &lk) < 0 || ftruncate(fd, 0) < 0 ||
        write(fd, pid, strlen(pid)) != (ssize_t) strlen(pid)) {
        int err = errno;

        if (fd >= 0)
            close(fd);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("cannot lock pid file '%1$s': %2$s"), path,
                    g_strerror(err));
        return false;
    }
    daemon->pidFd = fd;
    daemon->pidFile = g_strdup(path);
    return true;
}

static gboolean
daemonOnSignal(gpointer opaque)
{
    shoalDaemon *daemon = opaque;

    g_message("shutting down");
    g_main_loop_quit(daemon->loop);
    return G_SOURCE_CONTINUE;
}

static void
daemonWatchSignal(shoalDaemon *daemon, int signum)
{
    g_autoptr(GSource) source = g_unix_signal_source_new(signum);

    g_source_set_callback(source, daemonOnSignal, daemon, NULL);
    g_source_attach(source, daemon->context);
}

static gboolean
daemonOnDeposed(gpointer opaque)
{
    shoalDaemon *daemon = opaque;

    daemon->deposed = true;
    g_main_loop_quit(daemon->loop);
    return G_SOURCE_REMOVE;
}

/* Any thread: the etcd store lost the lead; the main loop ends. */
static void
daemonDeposed(gpointer opaque)
{
    shoalDaemon *daemon = opaque;

    g_main_context_invoke(daemon->context, daemonOnDeposed, daemon);
}

/*
 * Forks; the parent exits once the child reports its sockets exist, so a
 * caller of --daemon can connect at once. Returns the pipe to report on.
 */
static int
daemonFork(GError **error)
{
    int fds[2];
    pid_t pid;
    char status = 1;

    if (pipe(fds) < 0 || (pid = fork()) < 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot fork: %1$s"), g_strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        if (read(fds[0], &status, 1) != 1)
            status = 1;
        _exit(status);
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

static void
daemonDetachStdio(void)
{
    int fd = open("/dev/null", O_RDWR);

    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
}

/*
 * Exits after the configured time without clients, admin commands or
 * migrations, as libvirtd's --timeout: under systemd the sockets stay and
 * the next client starts the daemon again.
 */
static gboolean
daemonOnIdleTick(gpointer opaque)
{
    shoalDaemon *daemon = opaque;
    shoalClusterStatus status;
    gint64 now = g_get_monotonic_time();

    shoalClusterGetStatus(daemon->cluster, &status);
    if (shoalDriverServerCountClients(daemon->server) > 0 ||
        !shoalAdminServerIsIdle(daemon->admin) ||
        status.migrationsRunning > 0) {
        daemon->idleSinceUs = now;
        return G_SOURCE_CONTINUE;
    }
    if (now - daemon->idleSinceUs < (gint64) daemon->timeoutS * G_USEC_PER_SEC)
        return G_SOURCE_CONTINUE;
    g_message("exiting after %u seconds without clients", daemon->timeoutS);
    g_main_loop_quit(daemon->loop);
    return G_SOURCE_REMOVE;
}

static void
daemonWatchIdle(shoalDaemon *daemon)
{
    g_autoptr(GSource) tick = NULL;

    if (daemon->timeoutS == 0)
        return;
    daemon->idleSinceUs = g_get_monotonic_time();
    tick = g_timeout_source_new_seconds(1);
    g_source_set_callback(tick, daemonOnIdleTick, daemon, NULL);
    g_source_attach(tick, daemon->context);
}

/* A socket systemd passed that none of ours uses would never be served. */
static void
daemonCheckInherited(shoalDaemon *daemon, const char *adminPath)
{
    GHashTableIter iter;
    gpointer path;

    g_hash_table_iter_init(&iter, daemon->sockets.inherited);
    while (g_hash_table_iter_next(&iter, &path, NULL)) {
        if (!shoalDriverServerHasPath(daemon->server, path) &&
            !g_str_equal(path, adminPath))
            g_warning("ignoring socket '%s' passed by systemd: not in socket_dir",
                      (const char *) path);
    }
}

static void
daemonFree(shoalDaemon *daemon)
{
    g_clear_pointer(&daemon->admin, shoalAdminServerFree);
    g_clear_pointer(&daemon->server, shoalDriverServerFree);
    if (daemon->cluster)
        shoalClusterStop(daemon->cluster);
    g_clear_pointer(&daemon->events, shoalEventLoopFree);
    g_clear_pointer(&daemon->cluster, shoalClusterFree);
    shoalSocketConfigClear(&daemon->sockets);
    if (daemon->pidFile) {
        g_unlink(daemon->pidFile);
        close(daemon->pidFd);
        g_free(daemon->pidFile);
    }
    g_clear_pointer(&daemon->loop, g_main_loop_unref);
    if (daemon->context) {
        g_main_context_pop_thread_default(daemon->context);
        g_main_context_unref(daemon->context);
    }
}

static int
daemonRun(shoalOptions *opts)
{
    shoalDaemon daemon = { .pidFd = -1 };
    shoalDriverServerConfig serverConfig;
    g_autoptr(GError) error = NULL;
    g_autofree char *socketDir = g_strdup(opts->socketDir);
    g_autoptr(shoalDaemonConfig) config = NULL;
    g_autofree char *autostartMarker = NULL;
    g_autofree char *defaultSocketDir = g_strdup("/run/libvirt");
    g_autofree char *adminPath = NULL;
    g_autofree char *accessGroup = g_strdup(opts->accessGroup);
    const char *stateDir = opts->stateDir ? opts->stateDir : "/var/lib/shoal";
    g_autofree char *schedInputDir = NULL;
    int readyFd = -1;
    int ret = EXIT_FAILURE;

    shoalDriverServerConfigInit(&serverConfig);
    shoalSocketConfigInit(&daemon.sockets);
    daemon.timeoutS = opts->timeout;
    /* libvirt's event implementation iterates GLib's default context on
     * its own thread; the daemon's loop must be another one */
    daemon.context = g_main_context_new();
    g_main_context_push_thread_default(daemon.context);
    daemon.loop = g_main_loop_new(daemon.context, FALSE);
    /* before any thread starts: this unsets LISTEN_FDS; a fork keeps only
     * the calling thread, so it comes before libvirt's event thread */
    if (!shoalSocketConfigTakeInherited(&daemon.sockets, &error))
        goto cleanup;
    if (opts->daemonize && (readyFd = daemonFork(&error)) < 0)
        goto cleanup;
    if (!(daemon.events = shoalEventLoopNew(&error)))
        goto cleanup;
    if (!(config = daemonReadConfig(opts, &error)))
        goto cleanup;
    if (!socketDir)
        socketDir = g_strdup(config->socketDir);
    if (!accessGroup)
        accessGroup = g_strdup(config->accessGroup);
    if (accessGroup &&
        !shoalSocketConfigSetGroup(&daemon.sockets, accessGroup, &error))
        goto cleanup;
    daemon.cluster = shoalClusterNew(&config->cluster, daemon.context);
    if (!daemonAddHosts(config, opts, daemon.cluster, &error) ||
        !shoalClusterLoadSchedConfig(daemon.cluster, config->keyFile, &error))
        goto cleanup;
    shoalClusterSetHaConfig(daemon.cluster, &config->ha);
    serverConfig.socketDir = socketDir ? socketDir : defaultSocketDir;
    serverConfig.sockets = &daemon.sockets;
    serverConfig.dropin = config->dropin;
    if (g_mkdir_with_parents(stateDir, 0700) < 0) {
        g_set_error(&error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot create directory '%1$s': %2$s"), stateDir,
                    g_strerror(errno));
        goto cleanup;
    }
    if (!shoalDaemonOpenStore(daemon.cluster, config, stateDir,
                              serverConfig.socketDir, &daemon.sockets,
                              daemonDeposed, &daemon, &error))
        goto cleanup;
    schedInputDir = g_build_filename(stateDir, "sched-inputs", NULL);
    shoalClusterSetSchedInputDir(daemon.cluster, schedInputDir);
    if (opts->pidFile && !daemonWritePidFile(&daemon, opts->pidFile, &error))
        goto cleanup;
    if (!(daemon.server = shoalDriverServerNew(daemon.cluster, &serverConfig,
                                               daemon.context, &error)) ||
        !shoalDriverServerListen(daemon.server, &error))
        goto cleanup;
    adminPath =
        g_build_filename(serverConfig.socketDir, SHOAL_ADMIN_SOCKET_NAME, NULL);
    if (!(daemon.admin =
              shoalAdminServerNew(daemon.cluster, adminPath, &daemon.sockets,
                                  daemon.context, &error)))
        goto cleanup;
    daemonCheckInherited(&daemon, adminPath);

    /* the socket directory lives in /run: emptied at each boot */
    autostartMarker = g_build_filename(serverConfig.socketDir,
                                       "virtshoald-autostarted", NULL);
    shoalClusterSetAutostartMarker(daemon.cluster, autostartMarker);
    daemonWatchSignal(&daemon, SIGTERM);
    daemonWatchSignal(&daemon, SIGINT);
    shoalClusterStart(daemon.cluster);
    daemonWatchIdle(&daemon);
    if (!shoalSocketNotify("READY=1", &error)) {
        g_warning("%s", error->message);
        g_clear_error(&error);
    }
    if (readyFd >= 0) {
        char ok = 0;

        if (write(readyFd, &ok, 1) != 1)
            g_warning("cannot tell the parent process the daemon is ready");
        close(readyFd);
        readyFd = -1;
        daemonDetachStdio();
    }
    g_main_loop_run(daemon.loop);
    if (daemon.deposed) {
        g_set_error(&error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED,
                    _("operation failed: another daemon leads the cluster now"));
        goto cleanup;
    }
    ret = EXIT_SUCCESS;

cleanup:
    if (error)
        g_printerr("virtshoald: %s\n", error->message);
    if (readyFd >= 0)
        close(readyFd);
    daemonFree(&daemon);
    return ret;
}

int
main(int argc, char **argv)
{
    shoalOptions opts = { .firstReadWaitMs = -1 };
    g_autoptr(GError) error = NULL;
    const char *localeDir;
    int ret;

    setlocale(LC_ALL, "");
    /* SHOAL_LOCALEDIR: the catalogues of a build tree, for its tests */
    localeDir = g_getenv("SHOAL_LOCALEDIR");
    if (!localeDir || !*localeDir)
        localeDir = LOCALEDIR;
    bindtextdomain(GETTEXT_PACKAGE, localeDir);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    signal(SIGPIPE, SIG_IGN);

    if (!daemonParseArgs(&opts, &argc, &argv, &error)) {
        g_printerr("virtshoald: %s\n", error->message);
        optionsClear(&opts);
        return EXIT_FAILURE;
    }
    if (opts.version) {
        g_print("virtshoald (Shoal) %s\n", PACKAGE_VERSION);
        optionsClear(&opts);
        return EXIT_SUCCESS;
    }
    if (opts.verbose)
        g_log_set_debug_enabled(TRUE);
    ret = daemonRun(&opts);
    optionsClear(&opts);
    return ret;
}
