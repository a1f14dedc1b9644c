/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_objects.h"

/*
 * One kind's libvirt calls on a host connection, on untyped handles
 * (virStoragePoolPtr, virNetworkPtr, virSecretPtr, virNWFilterPtr), so
 * one replication code serves every kind. Each returns as its libvirt
 * function does, with libvirt's error of this thread set on failure.
 * Optional calls are NULL for a kind that lacks them: a secret has no
 * name (lookupByName), nothing but a secret has a value, and secrets and
 * filters never run (create, destroy, setAutostart, isActive).
 */
typedef struct _shoalObjectOps {
    const char *name; /* "pool": logs, the store */
    int noObjectCode; /* VIR_ERR_NO_STORAGE_POOL, ... */
    void *(*lookupByName)(virConnectPtr conn, const char *name);
    void *(*lookupByUUID)(virConnectPtr conn, const unsigned char *uuid);
    void *(*define)(virConnectPtr conn, const char *xml);
    int (*undefine)(void *obj);
    int (*create)(void *obj);
    int (*destroy)(void *obj);
    int (*setAutostart)(void *obj, int on);
    int (*isActive)(void *obj);
    char *(*getXML)(void *obj, bool inactive);
    int (*getUUID)(void *obj, unsigned char *uuid);
    const char *(*getName)(void *obj);
    void (*free)(void *obj);
    int (*listAll)(virConnectPtr conn, void ***objs);
    int (*getUsageType)(void *obj);
    int (*setValue)(void *obj, GBytes *value);
} shoalObjectOps;

const shoalObjectOps *shoalObjectOpsGet(shoalObjectKind kind);

/* The cluster's objects in memory; see cluster_objects.c. */
typedef struct _shoalObjectTable shoalObjectTable;

shoalObjectTable *shoalObjectTableNew(void);

void shoalObjectTableFree(shoalObjectTable *table);

bool shoalClusterObjectsLoad(shoalCluster *cluster, GError **error);

void shoalClusterObjectsReplay(shoalCluster *cluster,
                               const char *hostName,
                               virConnectPtr conn);

char *shoalClusterObjectXMLName(const char *xml);

char *shoalClusterObjectXMLString(const char *xml, const char *expr);

void shoalClusterObjectHostError(GError **error, const char *hostName);

char *shoalClusterObjectGetDefinition(shoalCluster *cluster,
                                      shoalObjectKind kind,
                                      const unsigned char *uuid);
