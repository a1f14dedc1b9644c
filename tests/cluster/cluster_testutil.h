/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A cluster in-process, as virtshoald runs it, with libvirt's test driver
 * as member hosts (no root, no QEMU), a store in a temporary directory
 * and the main loop on a thread of its own.
 */
#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster.h"
#include "cluster_eventloop.h"
#include "testutil_loop.h"

/* One member host: a file of tests/data/integration, or a literal URI. */
typedef struct {
    const char *name;
    const char *file;
    const char *uri;
} testClusterHost;

typedef struct {
    char *dir; /* the store's */
    testLoop *loop;
    shoalCluster *cluster;
    bool started;
} testCluster;

char *testClusterDataURI(const char *file);

testCluster *testClusterNew(const testClusterHost *hosts,
                            const shoalClusterConfig *config);

testCluster *testClusterNewInDir(const testClusterHost *hosts,
                                 const shoalClusterConfig *config,
                                 char *dir);

void testClusterStart(testCluster *tc);

void testClusterWaitDomains(testCluster *tc, unsigned n);

void testClusterWaitIdle(testCluster *tc);

testCluster *testClusterNewTwoHosts(const shoalClusterConfig *config);

void testClusterFree(testCluster *tc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(testCluster, testClusterFree)

shoalEventLoop *testClusterInit(int *argc, char ***argv);

virConnectPtr testClusterHostConnect(testCluster *tc, const char *hostName);

const unsigned char *testClusterUUID(const char *str, unsigned char *buf);
