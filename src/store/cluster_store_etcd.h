/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The etcd backend of the store (issue 13, part 3): the records live in
 * an etcd cluster under a prefix, and several daemons share them. One of
 * them leads: it holds the key PREFIX "leader" on a lease it keeps alive,
 * and every write of the backend is a transaction that holds only while
 * that key is still the one this daemon created (fencing: a deposed
 * leader's writes fail, whatever it believes).
 */

#include <stdbool.h>

#include <glib.h>

#include "cluster_store_backend.h"

typedef struct {
    const char *endpoints; /* "http://127.0.0.1:2379,..." */
    const char *prefix;    /* "/shoal/": every key starts with it */
    const char *identity;  /* the leader key's value while this daemon
                              leads: where clients find it */
    unsigned leaseTtlS;    /* 0: SHOAL_STORE_ETCD_LEASE_TTL_S */
    unsigned timeoutMs;    /* per request; 0: SHOAL_STORE_ETCD_TIMEOUT_MS */
    /* nullable: called from any thread, with no lock held, each time
     * this daemon stops leading (its lease lost, or a write fenced off) */
    void (*deposed)(gpointer opaque);
    gpointer deposedOpaque;
} shoalStoreEtcdConfig;

#define SHOAL_STORE_ETCD_LEASE_TTL_S 5
#define SHOAL_STORE_ETCD_TIMEOUT_MS 2000

shoalStoreBackend *shoalStoreEtcdBackendNew(const shoalStoreEtcdConfig *config,
                                            GError **error);

bool shoalStoreEtcdCampaign(shoalStoreBackend *backend,
                            unsigned timeoutMs,
                            GError **error);

bool shoalStoreEtcdIsLeader(shoalStoreBackend *backend);

char *shoalStoreEtcdGetLeader(shoalStoreBackend *backend, GError **error);
