/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_loop.h"

/* Bounded waits: poll every 10 ms, give up after 10 s. */
#define TEST_LOOP_POLL_US (10 * 1000)
#define TEST_LOOP_WAIT_US (10 * G_USEC_PER_SEC)
/* Calls onto the loop thread may wait for host calls in flight. */
#define TEST_LOOP_INVOKE_US (30 * G_USEC_PER_SEC)

struct _testLoop {
    GMainContext *context; /* immutable */
    GMainLoop *loop;       /* immutable */
    GThread *thread;       /* test thread only */
};

/* A function run on the loop thread while the test thread waits. */
typedef struct {
    testLoopFunc func;
    gpointer data;
    GMutex lock;
    GCond cond;
    bool done; /* protected by lock */
} testLoopCall;

/* Returns: (transfer full): a loop on a context of its own, not running. */
testLoop *
testLoopNew(void)
{
    testLoop *loop = g_new0(testLoop, 1);

    loop->context = g_main_context_new();
    loop->loop = g_main_loop_new(loop->context, FALSE);
    return loop;
}

/* Returns: (transfer none): the context the loop thread runs. */
GMainContext *
testLoopGetContext(testLoop *loop)
{
    return loop->context;
}

static gpointer
testLoopRun(gpointer opaque)
{
    testLoop *loop = opaque;

    /* GSocketService accepts on the thread-default context */
    g_main_context_push_thread_default(loop->context);
    g_main_loop_run(loop->loop);
    g_main_context_pop_thread_default(loop->context);
    return NULL;
}

/* Starts the loop thread, called @name. */
void
testLoopStart(testLoop *loop, const char *name)
{
    g_assert_null(loop->thread);
    loop->thread = g_thread_new(name, testLoopRun, loop);
}

static gboolean
testLoopCallRun(gpointer opaque)
{
    testLoopCall *call = opaque;

    call->func(call->data);
    g_mutex_lock(&call->lock);
    call->done = true;
    g_cond_signal(&call->cond);
    g_mutex_unlock(&call->lock);
    return G_SOURCE_REMOVE;
}

/* Runs @func on the loop thread and waits for it to return. */
void
testLoopInvoke(testLoop *loop, testLoopFunc func, gpointer data)
{
    testLoopCall call = { .func = func, .data = data };
    gint64 deadline = g_get_monotonic_time() + TEST_LOOP_INVOKE_US;
    bool done;

    g_mutex_init(&call.lock);
    g_cond_init(&call.cond);
    g_main_context_invoke(loop->context, testLoopCallRun, &call);
    g_mutex_lock(&call.lock);
    while (!call.done && g_cond_wait_until(&call.cond, &call.lock, deadline))
        ;
    done = call.done;
    g_mutex_unlock(&call.lock);
    g_assert_true(done);
    g_mutex_clear(&call.lock);
    g_cond_clear(&call.cond);
}

/*
 * Stops the loop thread and frees @loop. Stop what runs on the context
 * first, on the loop thread: its cancelled accepts and late responses
 * finish in later iterations, dispatched here, and GTasks among them hold
 * the context, which would otherwise outlive the test with its descriptor.
 */
void
testLoopFree(testLoop *loop)
{
    if (!loop)
        return;
    if (loop->thread) {
        g_main_loop_quit(loop->loop);
        g_thread_join(loop->thread);
    }
    while (g_main_context_iteration(loop->context, FALSE))
        ;
    g_main_loop_unref(loop->loop);
    g_main_context_unref(loop->context);
    g_free(loop);
}

/*
 * Polls @cond until it holds, from the test thread while the loop thread
 * works; fails the test, naming @what, if it does not within 10 s.
 */
void
testLoopWaitFor(testLoopCondFunc cond,
                gpointer fixture,
                gconstpointer data,
                const char *what)
{
    gint64 deadline = g_get_monotonic_time() + TEST_LOOP_WAIT_US;

    while (!cond(fixture, data)) {
        if (g_get_monotonic_time() >= deadline) {
            g_test_message("gave up waiting for %s", what);
            g_assert_not_reached();
        }
        g_usleep(TEST_LOOP_POLL_US);
    }
}
