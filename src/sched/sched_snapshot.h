/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

#include "sched_config.h"
#include "sched_objects.h"

/* The largest sizes a snapshot may give: 2^50 KiB (an exbibyte), and
 * a million cores or vCPUs. */
#define SHOAL_SCHED_SNAPSHOT_MAX_KIB (G_GUINT64_CONSTANT(1) << 50)
#define SHOAL_SCHED_SNAPSHOT_MAX_CPUS 1000000

/* One statistics interval of a domain. */
typedef struct _shoalSchedSample {
    /* physical cores used in the interval: cpu.time delta / interval */
    double cpuCores;
    /* fraction of its current vCPUs busy:
     * sum vcpu.N.time delta / (vcpus * interval), 0..1 */
    double vcpuBusy;
    /* fraction of time its vCPUs waited for a host CPU:
     * sum vcpu.N.delay delta / (vcpus * interval), 0..1 */
    double vcpuDelay;
    /* fraction of the guest's memory in use, from its balloon driver's
     * statistics (1 - usable / available), 0..1; 0 = unknown */
    double memoryUsed;
} shoalSchedSample;

typedef struct _shoalSchedDomain {
    char *name;
    char *uuid; /* canonical string */
    char *host; /* current host name; NULL = not placed on any host */
    bool running;
    bool migrating; /* a migration of it is in flight */
    unsigned vcpus; /* current */
    unsigned maxVcpus;
    unsigned long long memoryKiB; /* maximum memory: what it commits on a host */
    unsigned long long balloonKiB; /* current balloon, 0 if unknown */
    bool memoryPressure; /* the guest reports memory pressure (balloon stats) */
    GArray *samples;     /* of shoalSchedSample, oldest first, the newest ending
                        at nowMs, one every intervalMs; may be empty */
    char *mode;     /* NULL (cluster default), "off", "advise", "automatic" */
    GStrv affinity; /* group names: members should share a host; NULL = none */
    GStrv antiAffinity; /* group names: members must never share a host */
    GStrv pinned;       /* hosts it may run on; NULL = any */
    gint64 lastMoveMs; /* when it last moved (same clock as nowMs), 0 = never */
    char *lastHost;    /* the host it left at lastMoveMs; NULL = unknown */
    gint64 lastResizeMs; /* when its vCPUs or balloon last changed, 0 = never */
    /* vertical scaling down stops at this many vCPUs: the placement
     * metadata's floor, else the vCPUs it was defined with; 0 = never
     * remove vCPUs */
    unsigned vcpuFloor;
    /* its virtio-mem device, all 0 if it has none: size (the most it can
     * plug), block size, the size requested and the size the guest has
     * plugged */
    unsigned long long virtioMemMaxKiB;
    unsigned long long virtioMemBlockKiB;
    unsigned long long virtioMemRequestedKiB;
    unsigned long long virtioMemPluggedKiB;
    /* when its guest last did not carry out a resize, 0 = never */
    gint64 resizeRefusedMs;
    /* the pools, volumes, networks and secrets it needs on its host */
    shoalSchedObjects requires;
    /* why it cannot leave its host (a snapshot's state that stays on
     * the host); NULL = it can move */
    char *unmovable;
    /* its placement metadata opts out of NUMA placement and pinning */
    bool numaOptOut;
} shoalSchedDomain;

shoalSchedDomain *shoalSchedDomainNew(const char *name);
shoalSchedDomain *shoalSchedDomainCopy(const shoalSchedDomain *dom);
void shoalSchedDomainFree(shoalSchedDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedDomain, shoalSchedDomainFree)

/* A member host. (shoalSchedHost is placement's, in sched_placement.h.) */
typedef struct _shoalSchedNode {
    char *name;
    bool online;
    bool maintenance;
    unsigned cpus;                  /* physical cores */
    unsigned long long memoryKiB;   /* physical memory */
    unsigned long long reservedKiB; /* kept for the host itself */
    /* powered off on purpose by power-saving mode (then also !online):
     * never chosen for placement, not failed */
    bool standby;
    /* it has power commands: power-saving mode may power it off and on */
    bool powerControl;
    gint64 powerChangedMs; /* when it was last powered off or on, 0 = never */
    GArray *samples;       /* of double: CPU cores demanded per interval, oldest
                        first, aligned like the domains' samples; empty =
                        derive from the domains' samples */
    shoalSchedObjects objects; /* the objects it has, active */
    /* its NUMA cells, of shoalSchedCell (sched_numa.h); NULL = none
     * described: one cell, no NUMA decision */
    GArray *cells;
} shoalSchedNode;

shoalSchedNode *shoalSchedNodeNew(const char *name);
shoalSchedNode *shoalSchedNodeCopy(const shoalSchedNode *node);
void shoalSchedNodeFree(shoalSchedNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedNode, shoalSchedNodeFree)

/* A migration in flight. */
typedef struct _shoalSchedMigration {
    char *domain;
    char *from;
    char *to;
} shoalSchedMigration;

shoalSchedMigration *shoalSchedMigrationNew(const char *domain,
                                            const char *from,
                                            const char *to);
void shoalSchedMigrationFree(shoalSchedMigration *mig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedMigration, shoalSchedMigrationFree)

/*
 * Everything the scheduler knows about the cluster at one moment.
 * Ref-counted; whoever creates one fills it in and then publishes it,
 * after which nobody changes it.
 */
typedef struct _shoalSchedSnapshot {
    gint64 nowMs;          /* the clock of lastMoveMs and recentMovesMs */
    unsigned intervalMs;   /* the length of one statistics interval */
    GPtrArray *nodes;      /* of shoalSchedNode, names unique */
    GPtrArray *domains;    /* of shoalSchedDomain, names unique */
    GPtrArray *migrations; /* of shoalSchedMigration */
    GArray *recentMovesMs; /* of gint64: start times of moves in the last hour */
    GArray *recentResizesMs; /* of gint64: times of resizes in the last hour */
    /* the configuration recorded with it (a replayed snapshot, or the
     * limits of a benchmark file); hasConfig false: none recorded */
    bool hasConfig;
    shoalSchedConfig config;
} shoalSchedSnapshot;

shoalSchedSnapshot *shoalSchedSnapshotNew(void);
shoalSchedSnapshot *shoalSchedSnapshotCopy(const shoalSchedSnapshot *snap);
shoalSchedSnapshot *shoalSchedSnapshotRef(shoalSchedSnapshot *snap);
void shoalSchedSnapshotUnref(shoalSchedSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalSchedSnapshot, shoalSchedSnapshotUnref)

shoalSchedNode *shoalSchedSnapshotFindNode(const shoalSchedSnapshot *snap,
                                           const char *name);
shoalSchedDomain *shoalSchedSnapshotFindDomain(const shoalSchedSnapshot *snap,
                                               const char *name);
void shoalSchedSnapshotGetConfig(const shoalSchedSnapshot *snap,
                                 shoalSchedConfig *config);
bool shoalSchedSnapshotValidate(const shoalSchedSnapshot *snap, GError **error);

shoalSchedSnapshot *shoalSchedSnapshotParseJSON(const char *json,
                                                GError **error);
char *shoalSchedSnapshotFormatJSON(const shoalSchedSnapshot *snap);

shoalSchedSnapshot *shoalSchedSnapshotParseVmcluster(const char *json,
                                                     GError **error);
shoalSchedSnapshot *shoalSchedSnapshotParseHtools(const char *text,
                                                  const char *util,
                                                  GError **error);
shoalSchedSnapshot *shoalSchedSnapshotLoad(const char *path,
                                           const char *utilPath,
                                           GError **error);
