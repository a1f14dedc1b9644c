/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_domain.h"

/* What a host told us about one of its domains. */
typedef struct _shoalInventoryRecord {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int hostId; /* the host's own id, -1 when inactive */
    int state;  /* virDomainState */
    int reason;
    bool persistent;
    bool autostart;
    bool managedSave;
    bool hasSnapshot;
    unsigned long long memoryKiB; /* maximum memory: what placement commits */
    unsigned vcpus;               /* current vCPUs */
} shoalInventoryRecord;

shoalInventoryRecord *shoalInventoryRecordNew(const char *name,
                                              const unsigned char *uuid);

void shoalInventoryRecordFree(shoalInventoryRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalInventoryRecord, shoalInventoryRecordFree)

/* A copy of one inventory entry, for callers outside the lock. */
typedef struct _shoalInventoryEntry {
    shoalInventoryRecord rec;
    int id;              /* Shoal's id, -1 when inactive */
    char *hostName;      /* the owning host */
    bool reachable;      /* the owning host answers */
    int lastState;       /* the state last read, even while unreachable */
    GStrv conflictHosts; /* NULL, or every host that has this UUID */
} shoalInventoryEntry;

void shoalInventoryEntryFree(shoalInventoryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalInventoryEntry, shoalInventoryEntryFree)

typedef struct _shoalInventory shoalInventory;

shoalInventory *shoalInventoryNew(void);

void shoalInventoryFree(shoalInventory *inv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalInventory, shoalInventoryFree)

void shoalInventorySyncHost(shoalInventory *inv,
                            const char *hostName,
                            GPtrArray *records);

void shoalInventorySeedHost(shoalInventory *inv,
                            const char *hostName,
                            GPtrArray *records);

void shoalInventoryUpdate(shoalInventory *inv,
                          const char *hostName,
                          const shoalInventoryRecord *record);

void shoalInventoryMove(shoalInventory *inv,
                        const char *from,
                        const char *to,
                        const shoalInventoryRecord *record);

void shoalInventorySetMoving(shoalInventory *inv,
                             const unsigned char *uuid,
                             bool moving);

void shoalInventoryAddCPUTime(shoalInventory *inv,
                              const unsigned char *uuid,
                              unsigned long long cpuTimeNs);

unsigned long long shoalInventoryGetCPUOffset(shoalInventory *inv,
                                              const unsigned char *uuid);

void shoalInventoryRemove(shoalInventory *inv,
                          const char *hostName,
                          const unsigned char *uuid);

void shoalInventorySetHostReachable(shoalInventory *inv,
                                    const char *hostName,
                                    bool reachable);

GPtrArray *shoalInventoryList(shoalInventory *inv, unsigned flags);

shoalInventoryEntry *shoalInventoryLookupByUUID(shoalInventory *inv,
                                                const unsigned char *uuid,
                                                GError **error);

shoalInventoryEntry *shoalInventoryLookupByName(shoalInventory *inv,
                                                const char *name,
                                                GError **error);

shoalInventoryEntry *shoalInventoryLookupByID(shoalInventory *inv,
                                              int id,
                                              GError **error);

void shoalInventoryHostUsage(shoalInventory *inv,
                             const char *hostName,
                             const unsigned char *except,
                             unsigned long long *memoryKiB,
                             unsigned *vcpus);

unsigned shoalInventoryHostCount(shoalInventory *inv,
                                 const char *hostName,
                                 unsigned *running);

GPtrArray *shoalInventoryListHost(shoalInventory *inv, const char *hostName);

GPtrArray *shoalInventoryListAll(shoalInventory *inv);

shoalDomainRef *shoalInventoryEntryToRef(const shoalInventoryEntry *entry);

bool shoalInventoryEntryCheckUsable(const shoalInventoryEntry *entry,
                                    GError **error);
