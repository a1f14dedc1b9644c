/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_eventloop.h"

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>

#include "cluster_error.h"

/*
 * libvirt's client event loop: keepalive and events of every host
 * connection. It runs on its own thread so that a slow callback never
 * touches the daemon's main loop; callbacks only copy data and hand it on.
 */
struct _shoalEventLoop {
    GThread *thread; /* immutable */
    gint quit;       /* atomic */
};

static gpointer
eventLoopRun(gpointer opaque)
{
    shoalEventLoop *loop = opaque;

    while (!g_atomic_int_get(&loop->quit)) {
        if (virEventRunDefaultImpl() < 0) {
            g_warning("libvirt event loop failed: %s",
                      virGetLastErrorMessage());
            break;
        }
    }
    return NULL;
}

static void
eventLoopWake(int timer, void *opaque)
{
    virEventRemoveTimeout(timer);
}

/* libvirt prints every error to stderr unless told otherwise; we convert
 * them into GErrors where they happen instead. */
static void
eventLoopQuietErrors(void *opaque, virErrorPtr err)
{
}

/**
 * shoalEventLoopNew:
 *
 * Registers libvirt's default event implementation, which must happen
 * before the first connection is opened, and starts its thread. Call once
 * per process.
 */
shoalEventLoop *
shoalEventLoopNew(GError **error)
{
    shoalEventLoop *loop;

    /* libxml2 (2.9) initialises itself lazily and not safely from two
     * threads at once, as two hosts connecting in parallel would */
    xmlInitParser();
    virSetErrorFunc(NULL, eventLoopQuietErrors);
    if (virEventRegisterDefaultImpl() < 0) {
        shoalErrorFromLibvirt(error, NULL);
        return NULL;
    }
    loop = g_new0(shoalEventLoop, 1);
    loop->thread = g_thread_new("libvirt-events", eventLoopRun, loop);
    return loop;
}

void
shoalEventLoopFree(shoalEventLoop *loop)
{
    if (!loop)
        return;
    g_atomic_int_set(&loop->quit, 1);
    /* a timer that fires at once makes the loop iterate and see quit */
    virEventAddTimeout(0, eventLoopWake, NULL, NULL);
    g_thread_join(loop->thread);
    g_free(loop);
}
