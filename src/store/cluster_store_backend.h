/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "cluster_store.h"

/*
 * What a backend of the store implements (issue 9, part 4): where the
 * records live and how a change becomes durable. The store above it
 * (cluster_store.c) keeps the table in memory, the per-host index,
 * validation, the skip of unchanged records and the per-UUID claims, so
 * a backend sees at most one change of a UUID at a time, but changes of
 * different UUIDs in parallel, and may share their durability (one
 * fsync, one transaction) between them.
 *
 * Every function may block on I/O; none is called with a lock of the
 * store held. Each is called from any thread.
 */

typedef struct _shoalStoreBackend shoalStoreBackend;

typedef struct {
    /*
     * Reads every record into @domains (shoalStoreDomain, transfer full;
     * generation ignored) and the host records into @hosts (NULL if
     * there are none). A damaged record is the backend's to report and
     * set aside; fail only when records could be lost: an I/O error
     * (VIR_ERR_SYSTEM_ERROR), or a record written by a newer Shoal
     * (VIR_ERR_CONFIG_UNSUPPORTED). Called once, before the store is
     * shared.
     */
    bool (*load)(shoalStoreBackend *backend,
                 GPtrArray *domains,
                 char **hosts,
                 GError **error);
    /*
     * Replaces the record of @dom's UUID durably: on success it survives
     * a crash. Sets @applied once the backend holds @dom, even if making
     * it durable then fails, so that the store's table follows.
     */
    bool (*put)(shoalStoreBackend *backend,
                const shoalStoreDomain *dom,
                bool *applied,
                GError **error);
    /*
     * Replaces the records of @doms (@n of them, distinct UUIDs) durably,
     * as put does each, but sharing one durability step between them
     * (one directory fsync, one transaction): a host's domains adopted at
     * once cost one. Sets @applied[i] as put sets its @applied. Optional:
     * without it the store calls put once per record.
     */
    bool (*putBatch)(shoalStoreBackend *backend,
                     const shoalStoreDomain *const *doms,
                     guint n,
                     bool *applied,
                     GError **error);
    /*
     * Removes the record of @uuid durably; an absent record is no
     * error. Sets @applied once the record is gone.
     */
    bool (*remove)(shoalStoreBackend *backend,
                   const unsigned char *uuid,
                   bool *applied,
                   GError **error);
    /* Replaces the host records durably; called one at a time. */
    bool (*putHosts)(shoalStoreBackend *backend,
                     const char *json,
                     bool *applied,
                     GError **error);
    /*
     * Replaces the document @name (another layer's whole-cluster record,
     * opaque here) durably; called one at a time.
     */
    bool (*putDocument)(shoalStoreBackend *backend,
                        const char *name,
                        const char *json,
                        GError **error);
    /* Returns: (transfer full) (nullable): document @name; NULL with
     * @error unset when there is none. */
    char *(*getDocument)(shoalStoreBackend *backend,
                         const char *name,
                         GError **error);
    /*
     * Whether this daemon may still change anything on the hosts: with a
     * shared store, only while it surely leads (its lease cannot have
     * run out meanwhile). Any thread. Optional: without it, always.
     */
    bool (*mayAct)(shoalStoreBackend *backend, GError **error);
    void (*free)(shoalStoreBackend *backend);
} shoalStoreBackendOps;

/* A backend embeds this as its first member. */
struct _shoalStoreBackend {
    const shoalStoreBackendOps *ops; /* immutable */
};

shoalStore *shoalStoreNew(shoalStoreBackend *backend, GError **error);

void shoalStoreBackendFree(shoalStoreBackend *backend);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalStoreBackend, shoalStoreBackendFree)

shoalStoreBackend *shoalStoreFileBackendNew(const char *dir, GError **error);

/* The record codec every backend shares (cluster_store_domain.c). */
bool shoalStoreDomainEqual(const shoalStoreDomain *a,
                           const shoalStoreDomain *b);

const char *shoalStoreDomainInvalidField(const shoalStoreDomain *dom);

char *shoalStoreDomainFormat(const shoalStoreDomain *dom);

shoalStoreDomain *shoalStoreDomainParse(const char *data,
                                        size_t len,
                                        GError **error);
