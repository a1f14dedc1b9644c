/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Following what a host does without an event (cluster_follow.c): each
 * online host's persistent inactive domains, polled. Private to
 * src/cluster/.
 */

#include <stdbool.h>

#include <glib.h>

/* What the poll saw of each host last, with its own lock. */
typedef struct _shoalFollow shoalFollow;

shoalFollow *shoalFollowNew(void);

void shoalFollowFree(shoalFollow *follow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalFollow, shoalFollowFree)

guint shoalFollowNextStart(shoalFollow *follow, guint nhosts, guint max);

bool shoalFollowClaim(shoalFollow *follow, const char *hostName);

void shoalFollowMarkChanged(shoalFollow *follow, const char *hostName);
