/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A real etcd cluster for tests: @members etcd processes on loopback,
 * free ports, a temporary data directory; killed with the test process.
 */

#include <stdbool.h>

#include <glib.h>

typedef struct _testEtcd testEtcd;

bool testEtcdAvailable(void);

testEtcd *testEtcdStart(unsigned members);

const char *testEtcdEndpoints(testEtcd *etcd);

const char *testEtcdMemberEndpoint(testEtcd *etcd, unsigned member);

void testEtcdKill(testEtcd *etcd, unsigned member);

void testEtcdRestart(testEtcd *etcd, unsigned member);

void testEtcdWait(testEtcd *etcd);

void testEtcdStop(testEtcd *etcd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(testEtcd, testEtcdStop)
