/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The shut-off copies Shoal's own re-homes left on hosts it could not
 * reach (cluster_leftover.c), kept in a file of the state directory so a
 * restart still recognises them. Private to src/cluster/.
 */

#include <stdbool.h>

#include <glib.h>

typedef struct _shoalLeftovers shoalLeftovers;

shoalLeftovers *shoalLeftoversNew(void);

void shoalLeftoversFree(shoalLeftovers *lo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalLeftovers, shoalLeftoversFree)

bool shoalLeftoversOpen(shoalLeftovers *lo, const char *dir, GError **error);

void shoalLeftoversNote(shoalLeftovers *lo, const char *key, const char *xml);

bool shoalLeftoversHas(shoalLeftovers *lo, const char *key);

char *shoalLeftoversTake(shoalLeftovers *lo, const char *key);
