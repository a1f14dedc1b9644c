/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Cluster objects: storage pools, networks, secrets and network filters
 * that exist with the same name, UUID and XML on every member host. Shoal keeps their definitions
 * in its store, applies each change to every online host (all or none
 * for define and start) and replays them to a host that joins or
 * returns. See doc/internals/objects.md.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

typedef enum {
    SHOAL_OBJECT_POOL = 0,
    SHOAL_OBJECT_NETWORK,
    SHOAL_OBJECT_SECRET,   /* named by its usage ID; has a value */
    SHOAL_OBJECT_NWFILTER, /* never runs: no start, destroy, autostart */
    SHOAL_OBJECT_KIND_LAST
} shoalObjectKind;

const char *shoalObjectKindToString(shoalObjectKind kind);

/* A cluster object as a client names it. */
typedef struct _shoalObjectRef {
    shoalObjectKind kind;
    char *name; /* a secret's usage ID */
    unsigned char uuid[VIR_UUID_BUFLEN];
    int usageType; /* secrets: VIR_SECRET_USAGE_TYPE_* */
} shoalObjectRef;

shoalObjectRef *shoalObjectRefNew(shoalObjectKind kind,
                                  const char *name,
                                  const unsigned char *uuid);

void shoalObjectRefFree(shoalObjectRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalObjectRef, shoalObjectRefFree)

/* Where one object (one name and UUID) exists, for the admin listing. */
typedef struct _shoalObjectInfo {
    shoalObjectKind kind;
    char *name;
    char *uuid;     /* the string form */
    bool managed;   /* Shoal stores it: a cluster object */
    bool active;    /* managed: should be running */
    bool autostart; /* managed: its autostart flag */
    GStrv hosts;    /* the online hosts that have it */
    GStrv running;  /* those where it is active */
    GStrv lacking;  /* managed: online hosts that lack it */
} shoalObjectInfo;

void shoalObjectInfoFree(shoalObjectInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalObjectInfo, shoalObjectInfoFree)

typedef struct _shoalCluster shoalCluster;

shoalObjectRef *shoalClusterObjectDefine(shoalCluster *cluster,
                                         shoalObjectKind kind,
                                         const char *xml,
                                         GError **error);

bool shoalClusterObjectUndefine(shoalCluster *cluster,
                                shoalObjectKind kind,
                                const unsigned char *uuid,
                                GError **error);

bool shoalClusterObjectStart(shoalCluster *cluster,
                             shoalObjectKind kind,
                             const unsigned char *uuid,
                             GError **error);

bool shoalClusterObjectDestroy(shoalCluster *cluster,
                               shoalObjectKind kind,
                               const unsigned char *uuid,
                               GError **error);

bool shoalClusterObjectSetAutostart(shoalCluster *cluster,
                                    shoalObjectKind kind,
                                    const unsigned char *uuid,
                                    bool on,
                                    GError **error);

shoalObjectRef *shoalClusterObjectLookupByName(shoalCluster *cluster,
                                               shoalObjectKind kind,
                                               const char *name,
                                               GError **error);

shoalObjectRef *shoalClusterObjectLookupByUUID(shoalCluster *cluster,
                                               shoalObjectKind kind,
                                               const unsigned char *uuid,
                                               GError **error);

GPtrArray *shoalClusterObjectList(shoalCluster *cluster,
                                  shoalObjectKind kind,
                                  unsigned flags);

bool shoalClusterObjectGetState(shoalCluster *cluster,
                                shoalObjectKind kind,
                                const unsigned char *uuid,
                                bool *active,
                                bool *autostart,
                                GError **error);

char *shoalClusterObjectGetXML(shoalCluster *cluster,
                               shoalObjectKind kind,
                               const unsigned char *uuid,
                               bool inactive,
                               GError **error);

/*
 * One libvirt call on an object's handle (virStoragePoolPtr,
 * virNetworkPtr) on @hostName. Returns < 0 with libvirt's error of this
 * thread set on failure, as libvirt's functions do.
 */
typedef int (*shoalClusterObjectFunc)(void *obj,
                                      const char *hostName,
                                      gpointer opaque);

int shoalClusterObjectCall(shoalCluster *cluster,
                           shoalObjectKind kind,
                           const unsigned char *uuid,
                           bool all,
                           shoalClusterObjectFunc func,
                           gpointer opaque,
                           char **hostName,
                           GError **error);

GPtrArray *shoalClusterObjectListInfo(shoalCluster *cluster);

bool shoalClusterObjectUpdate(shoalCluster *cluster,
                              shoalObjectKind kind,
                              const unsigned char *uuid,
                              shoalClusterObjectFunc func,
                              gpointer opaque,
                              GError **error);

bool shoalClusterNetworkUpdate(shoalCluster *cluster,
                               const unsigned char *uuid,
                               unsigned command,
                               unsigned section,
                               int parentIndex,
                               const char *xml,
                               unsigned flags,
                               GError **error);

shoalObjectRef *shoalClusterObjectLookupByUsage(shoalCluster *cluster,
                                                shoalObjectKind kind,
                                                int usageType,
                                                const char *usageID,
                                                GError **error);

bool shoalClusterObjectSetValue(shoalCluster *cluster,
                                shoalObjectKind kind,
                                const unsigned char *uuid,
                                GBytes *value,
                                GError **error);

GBytes *shoalClusterSecretGetValue(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   GError **error);

bool shoalClusterNetworkCheck(const char *xml, GError **error);

char *shoalClusterNetworkGetBridgeName(shoalCluster *cluster,
                                       const unsigned char *uuid,
                                       GError **error);

GPtrArray *shoalClusterNetworkListPorts(shoalCluster *cluster,
                                        const unsigned char *netUUID,
                                        unsigned flags,
                                        GError **error);

bool shoalClusterNetworkPortLookup(shoalCluster *cluster,
                                   const unsigned char *netUUID,
                                   const unsigned char *portUUID,
                                   GError **error);

char *shoalClusterNetworkPortGetXML(shoalCluster *cluster,
                                    const unsigned char *netUUID,
                                    const unsigned char *portUUID,
                                    unsigned flags,
                                    GError **error);

bool shoalClusterNetworkPortDelete(shoalCluster *cluster,
                                   const unsigned char *netUUID,
                                   const unsigned char *portUUID,
                                   unsigned flags,
                                   GError **error);

bool shoalClusterNetworkPortGetParameters(shoalCluster *cluster,
                                          const unsigned char *netUUID,
                                          const unsigned char *portUUID,
                                          virTypedParameterPtr *params,
                                          int *nparams,
                                          unsigned flags,
                                          GError **error);

bool shoalClusterNetworkPortSetParameters(shoalCluster *cluster,
                                          const unsigned char *netUUID,
                                          const unsigned char *portUUID,
                                          virTypedParameterPtr params,
                                          int nparams,
                                          unsigned flags,
                                          GError **error);

bool shoalClusterNetworkPortCreate(shoalCluster *cluster,
                                   const unsigned char *netUUID,
                                   const char *xml,
                                   unsigned flags,
                                   unsigned char *portUUID,
                                   GError **error);

GPtrArray *shoalClusterNetworkGetDHCPLeases(shoalCluster *cluster,
                                            const unsigned char *uuid,
                                            const char *mac,
                                            unsigned flags,
                                            GError **error);
