/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A main loop on a thread of its own, as virtshoald's main thread, for
 * tests that serve a socket or run a cluster while the test thread plays
 * the client; and bounded waits for what that thread does.
 */
#include <stdbool.h>

#include <glib.h>

typedef struct _testLoop testLoop;

/* Runs on the loop thread; @data is the caller's. */
typedef void (*testLoopFunc)(gpointer data);

/* Polled on the test thread; @fixture and @data are the caller's. */
typedef bool (*testLoopCondFunc)(gpointer fixture, gconstpointer data);

testLoop *testLoopNew(void);
GMainContext *testLoopGetContext(testLoop *loop);
void testLoopStart(testLoop *loop, const char *name);
void testLoopInvoke(testLoop *loop, testLoopFunc func, gpointer data);
void testLoopFree(testLoop *loop);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(testLoop, testLoopFree)

void testLoopWaitFor(testLoopCondFunc cond,
                     gpointer fixture,
                     gconstpointer data,
                     const char *what);
