/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "cluster_placementcache.h"
#include "sched.h"

/*
 * What the scheduler keeps between rounds: its configuration, the last
 * plan, when each domain last moved or changed size, the moves of the last
 * hour, and the rounds' saved inputs. One object with its own lock, taken
 * only in cluster_schedstate.c; every function may be called from any
 * thread unless it says otherwise.
 */
typedef struct _shoalSchedState shoalSchedState;

/* One round; @state runs at most one at a time, on its own thread. */
typedef void (*shoalSchedStateRoundFunc)(gpointer opaque);

shoalSchedState *shoalSchedStateNew(shoalSchedStateRoundFunc round,
                                    gpointer opaque);

void shoalSchedStateFree(shoalSchedState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedState, shoalSchedStateFree)

void shoalSchedStateStop(shoalSchedState *state);

void shoalSchedStateTick(shoalSchedState *state);

shoalSchedConfig *shoalSchedStateGetConfig(shoalSchedState *state);

void shoalSchedStateSetConfig(shoalSchedState *state, shoalSchedConfig *config);

shoalSchedPlan *shoalSchedStateGetPlan(shoalSchedState *state);

void shoalSchedStateSetPlan(shoalSchedState *state, shoalSchedPlan *plan);

void shoalSchedStateNoteChange(shoalSchedState *state,
                               const unsigned char *uuid,
                               bool moved,
                               gint64 nowMs);

void shoalSchedStateNoteDefined(shoalSchedState *state,
                                const unsigned char *uuid,
                                unsigned vcpus);

void shoalSchedStateNoteRefused(shoalSchedState *state,
                                const unsigned char *uuid,
                                gint64 nowMs);

void shoalSchedStateFillDomain(shoalSchedState *state,
                               const unsigned char *uuid,
                               shoalSchedDomain *dom);

void shoalSchedStateFillRecentMoves(shoalSchedState *state,
                                    shoalSchedSnapshot *snap);

/* The saved inputs of the last this many rounds, by default. */
#define SHOAL_SCHED_STATE_SAVED_INPUTS 50

shoalPlacementCache *shoalSchedStateGetPlacementCache(shoalSchedState *state);

bool shoalSchedStateQuietInputDue(shoalSchedState *state, gint64 nowMs);

void shoalSchedStateSetInputDir(shoalSchedState *state, const char *dir);

void shoalSchedStateSetInputKeep(shoalSchedState *state, unsigned keep);

char *shoalSchedStateSaveInput(shoalSchedState *state,
                               const shoalSchedSnapshot *snap,
                               const shoalSchedConfig *config,
                               GError **error);
