/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_daemon.h"

/* Loop thread: what virtshoald's main does once everything exists. */
void
testDaemonStartOnLoop(gpointer opaque)
{
    testDaemon *daemon = opaque;

    if (!shoalDriverServerListen(daemon->server, &daemon->startError))
        return;
    shoalClusterStart(daemon->cluster);
}

/* Loop thread: the daemon's shutdown order. */
void
testDaemonStopOnLoop(gpointer opaque)
{
    testDaemon *daemon = opaque;

    g_clear_pointer(&daemon->server, shoalDriverServerFree);
    shoalClusterStop(daemon->cluster);
}

void
testDaemonListen(testDaemon *daemon, char *socketDir, const char *name)
{
    shoalDriverServerConfig serverConfig;
    g_autoptr(GError) error = NULL;

    shoalDriverServerConfigInit(&serverConfig);
    serverConfig.socketDir = socketDir;
    daemon->server =
        shoalDriverServerNew(daemon->cluster, &serverConfig,
                             testLoopGetContext(daemon->loop), &error);
    g_assert_no_error(error);
    g_assert_nonnull(daemon->server);

    testLoopStart(daemon->loop, name);
    testLoopInvoke(daemon->loop, testDaemonStartOnLoop, daemon);
    g_assert_no_error(daemon->startError);
}
