/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <rpc/rpc.h>
#include <stdbool.h>

#include <glib.h>

#include "driver_message.h"

typedef struct _shoalDriverClient shoalDriverClient;
typedef struct _shoalDriverServer shoalDriverServer;

/*
 * A handler decodes nothing itself: @args is the decoded argument struct
 * (NULL for void), @ret zeroed storage for the reply (NULL for void).
 * Returns false with @error set to answer with a libvirt error.
 */
typedef bool (*shoalDispatchFunc)(shoalDriverClient *client,
                                  const void *args,
                                  void *ret,
                                  GError **error);

/* One row of the generated procedure table (driver_procedures.txt). */
typedef struct {
    int proc;
    const char *name;
    xdrproc_t argsFilter;
    size_t argsSize;
    xdrproc_t retFilter;
    size_t retSize;
    shoalDispatchFunc func;
    bool highPriority; /* cheap and answered from memory */
    bool writes;       /* refused on read-only connections */
} shoalDispatchProc;

const shoalDispatchProc *shoalDispatchProcLookup(int proc);

void shoalDispatchMessage(shoalDriverServer *server,
                          shoalDriverClient *client,
                          GBytes *packet);

void shoalDispatchRun(gpointer job, gpointer server);
