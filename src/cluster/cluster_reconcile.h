/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What Shoal does when it sees a host's domains change: the rule table of
 * cluster_reconcile.c (doc/internals/reconcile.md), and the little state
 * it keeps between reads. Private to src/cluster/.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_admin_types.h"

/*
 * The namespace of the metadata-change event (VIR_DOMAIN_METADATA_ELEMENT)
 * sent once when a domain becomes a conflict: defined on two hosts.
 */
#define SHOAL_CONFLICT_NS "http://shoal.example.org/xmlns/conflict/1"

/*
 * What reconciling remembers between reads, with its own lock: domains
 * missing on their host, conflicts already reported, and the shut-off
 * copies Shoal's own re-homes left behind.
 */
typedef struct _shoalReconcile shoalReconcile;

shoalReconcile *shoalReconcileNew(void);

void shoalReconcileFree(shoalReconcile *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalReconcile, shoalReconcileFree)

bool shoalReconcileOpen(shoalReconcile *rec, const char *dir, GError **error);

void shoalReconcileNoteLeftover(shoalReconcile *rec,
                                const char *hostName,
                                const unsigned char *uuid,
                                const char *xml);

bool shoalReconcileIsMissing(shoalReconcile *rec,
                             const char *hostName,
                             const unsigned char *uuid);

GPtrArray *shoalReconcileListMissing(shoalReconcile *rec);
