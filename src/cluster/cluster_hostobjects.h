/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Objects of one host that Shoal shows read-only, named with their
 * host: node devices ("h1/pci_0000_00_01_0"), host interfaces
 * ("h1/eth0") and network filter bindings (by port: "h1/vnet0"). A name without a known host prefix names nothing. See
 * doc/internals/objects.md.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

typedef enum {
    SHOAL_HOST_OBJECT_NODE_DEVICE = 0,
    SHOAL_HOST_OBJECT_INTERFACE,
    SHOAL_HOST_OBJECT_NWFILTER_BINDING,
    SHOAL_HOST_OBJECT_KIND_LAST
} shoalHostObjectKind;

/* One host object as a client names it. */
typedef struct _shoalHostObject {
    char *name; /* "host/name" */
    char *mac;  /* interfaces: the MAC address; bindings: the filter */
} shoalHostObject;

void shoalHostObjectFree(shoalHostObject *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalHostObject, shoalHostObjectFree)

typedef struct _shoalCluster shoalCluster;

GPtrArray *shoalClusterHostObjectList(shoalCluster *cluster,
                                      shoalHostObjectKind kind,
                                      unsigned flags,
                                      const char *cap,
                                      GError **error);

shoalHostObject *shoalClusterHostObjectLookup(shoalCluster *cluster,
                                              shoalHostObjectKind kind,
                                              const char *name,
                                              GError **error);

shoalHostObject *shoalClusterInterfaceLookupByMAC(shoalCluster *cluster,
                                                  const char *mac,
                                                  GError **error);

char *shoalClusterHostObjectGetXML(shoalCluster *cluster,
                                   shoalHostObjectKind kind,
                                   const char *name,
                                   unsigned flags,
                                   GError **error);

int shoalClusterInterfaceIsActive(shoalCluster *cluster,
                                  const char *name,
                                  GError **error);

bool shoalClusterNodeDeviceGetParent(shoalCluster *cluster,
                                     const char *name,
                                     char **parent,
                                     GError **error);

GStrv shoalClusterNodeDeviceListCaps(shoalCluster *cluster,
                                     const char *name,
                                     GError **error);
