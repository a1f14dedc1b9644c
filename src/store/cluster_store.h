/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

/*
 * The durable store of domain definitions (invariant 2): a definition is
 * on stable storage before shoalStorePut() returns, so a restart of the
 * daemon loses nothing.
 *
 * The interface names no backend. shoalStoreOpen() gives the embedded
 * local store, one JSON file per domain (cluster_store_file.c); another
 * backend (etcd, say) implements cluster_store_backend.h and is opened
 * with shoalStoreNew(), and every other function stays.
 */

/* One stored definition: plain data, owned by whoever holds it. */
typedef struct _shoalStoreDomain {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *hostName; /* the member host it belongs to, NULL: to be placed */
    char *xml;      /* the inactive domain XML, byte for byte as given */
    bool autostart;
    /* set by the store: changes whenever the stored record does, 0 in a
     * record the store has not seen (shoalStoreGetGeneration()) */
    guint64 generation;
} shoalStoreDomain;

shoalStoreDomain *shoalStoreDomainNew(const char *name,
                                      const unsigned char *uuid,
                                      const char *hostName,
                                      const char *xml,
                                      bool autostart);

shoalStoreDomain *shoalStoreDomainCopy(const shoalStoreDomain *dom);

void shoalStoreDomainFree(shoalStoreDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStoreDomain, shoalStoreDomainFree)

typedef struct _shoalStore shoalStore;

shoalStore *shoalStoreOpen(const char *dir, GError **error);

void shoalStoreFree(shoalStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStore, shoalStoreFree)

bool shoalStorePut(shoalStore *store,
                   const shoalStoreDomain *dom,
                   GError **error);

bool shoalStorePutBatch(shoalStore *store, GPtrArray *doms, GError **error);

bool shoalStoreRemove(shoalStore *store,
                      const unsigned char *uuid,
                      GError **error);

shoalStoreDomain *shoalStoreLookup(shoalStore *store,
                                   const unsigned char *uuid,
                                   GError **error);

guint64 shoalStoreGetGeneration(shoalStore *store, const unsigned char *uuid);

GPtrArray *shoalStoreList(shoalStore *store);

GPtrArray *shoalStoreListHost(shoalStore *store, const char *hostName);

bool shoalStorePutHosts(shoalStore *store, const char *json, GError **error);

char *shoalStoreGetHosts(shoalStore *store);

bool shoalStorePutDocument(shoalStore *store,
                           const char *name,
                           const char *json,
                           GError **error);

char *shoalStoreGetDocument(shoalStore *store,
                            const char *name,
                            GError **error);

bool shoalStoreMayAct(shoalStore *store, GError **error);
