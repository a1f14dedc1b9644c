/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster_host.h"

/*
 * The member hosts, and the cluster's run state as the hosts' workers see
 * it: open, or stopping. Self-locking: every function may be called from
 * any thread. Its lock is taken before a host's lock, never after, and
 * never held across a call out of this file.
 */
typedef struct _shoalHostList shoalHostList;

shoalHostList *shoalHostListNew(void);

void shoalHostListFree(shoalHostList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalHostList, shoalHostListFree)

bool shoalHostListAdd(shoalHostList *list, shoalHost *host, GError **error);

shoalHost *shoalHostListTake(shoalHostList *list, const char *name);

shoalHost *shoalHostListLookup(shoalHostList *list,
                               const char *name,
                               GError **error);

GPtrArray *shoalHostListGetAll(shoalHostList *list);

bool shoalHostListEnter(shoalHostList *list);

void shoalHostListLeave(shoalHostList *list);

bool shoalHostListClose(shoalHostList *list);

bool shoalHostListClaimAutostart(shoalHostList *list);

bool shoalHostListAutostartClaimed(shoalHostList *list);

bool shoalHostListIsStarted(shoalHostList *list);

void shoalHostListBeginFirstReads(shoalHostList *list, gint64 waitUs);

void shoalHostListFirstReadDone(shoalHostList *list, const char *name);

GStrv shoalHostListWaitFirstReads(shoalHostList *list);

bool shoalHostListFirstReadPending(shoalHostList *list, const char *name);

bool shoalHostListFirstReadsRunning(shoalHostList *list);

void shoalHostListSeeded(shoalHostList *list);
