/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * virtshoald in-process: a cluster and the driver's server on a testLoop,
 * started and stopped as the daemon's main does it.
 */
#include <glib.h>

#include "cluster.h"
#include "driver_server.h"
#include "testutil_loop.h"

typedef struct {
    testLoop *loop;
    shoalCluster *cluster;
    shoalDriverServer *server;
    GError *startError; /* written on the loop thread before it signals */
} testDaemon;

/* For testLoopInvoke, with the testDaemon as data. */
void testDaemonStartOnLoop(gpointer opaque);
void testDaemonStopOnLoop(gpointer opaque);

/*
 * Test thread, once the cluster has its hosts: the driver's server with
 * its sockets in @socketDir, and the loop thread @name running both.
 */
void testDaemonListen(testDaemon *daemon, char *socketDir, const char *name);
