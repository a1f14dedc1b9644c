/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cluster model, as the driver sees it: one call per procedure, plain
 * data in and out. Every function may be called from any thread; those
 * that talk to a member host block the calling thread, never the main
 * loop.
 */

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_admin_types.h"
#include "cluster_domain.h"
#include "cluster_forward.h"
#include "cluster_ha_types.h"
#include "cluster_hostobjects.h"
#include "cluster_objects.h"
#include "cluster_storage.h"
#include "cluster_stream.h"
#include "cluster_volstream.h"
#include "daemon_config.h"
#include "sched_plan.h"
#include "sched_snapshot.h"

typedef struct _shoalCluster shoalCluster;

shoalCluster *shoalClusterNew(const shoalClusterConfig *config,
                              GMainContext *context);

void shoalClusterFree(shoalCluster *cluster);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalCluster, shoalClusterFree)

bool shoalClusterAddHost(shoalCluster *cluster,
                         const char *name,
                         const char *uri,
                         const char *migrationUri,
                         GError **error);

bool shoalClusterSetHostCapacity(shoalCluster *cluster,
                                 const char *name,
                                 unsigned cpus,
                                 unsigned long long memoryKiB,
                                 GError **error);

bool shoalClusterLoadSchedConfig(shoalCluster *cluster,
                                 GKeyFile *kf,
                                 GError **error);

void shoalClusterSetSchedInputDir(shoalCluster *cluster, const char *dir);

/* The admin interface: hosts, maintenance, migrations. */
GPtrArray *shoalClusterListHostInfo(shoalCluster *cluster);

bool shoalClusterRemoveHost(shoalCluster *cluster,
                            const char *name,
                            GError **error);

bool shoalClusterSetMaintenance(shoalCluster *cluster,
                                const char *name,
                                bool on,
                                bool returnDomains,
                                shoalMaintenanceResult **result,
                                GError **error);

GPtrArray *shoalClusterListMigrations(shoalCluster *cluster);

void shoalClusterGetStatus(shoalCluster *cluster, shoalClusterStatus *status);

/* The live state, in the format the offline planner reads. */
shoalSchedSnapshot *shoalClusterSnapshot(shoalCluster *cluster);

/* One scheduler round now; with @execute, carries out the steps whose
 * mode is automatic. Blocks: a worker thread, never the main loop. */
shoalSchedPlan *shoalClusterRebalance(shoalCluster *cluster,
                                      bool execute,
                                      unsigned *failed,
                                      GError **error);

/* The last round's plan, or NULL before the first. */
shoalSchedPlan *shoalClusterGetPlan(shoalCluster *cluster);

bool shoalClusterOpenStore(shoalCluster *cluster,
                           const char *dir,
                           GError **error);

/* issue 13: the store on another backend (etcd); @dir keeps local state */
typedef struct _shoalStoreBackend shoalStoreBackend;

bool shoalClusterOpenStoreBackend(shoalCluster *cluster,
                                  shoalStoreBackend *backend,
                                  const char *dir,
                                  GError **error);

void shoalClusterSetAutostartMarker(shoalCluster *cluster, const char *path);

void shoalClusterStart(shoalCluster *cluster);

void shoalClusterStop(shoalCluster *cluster);

/* Changes to one domain, forwarded to its host (shoalClusterDomainApply). */
typedef enum {
    SHOAL_DOMAIN_OP_CREATE = 0,
    SHOAL_DOMAIN_OP_DESTROY,
    SHOAL_DOMAIN_OP_SHUTDOWN,
    SHOAL_DOMAIN_OP_REBOOT,
    SHOAL_DOMAIN_OP_RESET,
    SHOAL_DOMAIN_OP_SUSPEND,
    SHOAL_DOMAIN_OP_RESUME,
    SHOAL_DOMAIN_OP_SET_AUTOSTART,
    SHOAL_DOMAIN_OP_SET_VCPUS,
    SHOAL_DOMAIN_OP_SET_MEMORY,
    SHOAL_DOMAIN_OP_SET_MAX_MEMORY,
    SHOAL_DOMAIN_OP_LAST
} shoalDomainOp;

/* Events: called on the main context's thread. */
typedef struct _shoalClusterEvent {
    int eventId;               /* virDomainEventID */
    const shoalDomainRef *dom; /* borrowed */
    int event;                 /* lifecycle: virDomainEventType; agent:
                                  state; metadata: type */
    int detail;                /* lifecycle: detail; agent: reason */
    unsigned long long value;  /* balloon change: actual KiB */
    const char *str;           /* device alias; metadata namespace URI */
    GPtrArray *params;         /* job completed, tunable: shoalTypedParam */
    /* the events of driver_events.txt: their fields in the table's order */
    const unsigned long long *nums;
    const char *const *strs;    /* [6], NULL allowed */
    const char *const *subject; /* graphics: type, name, ...; NULL-ended */
} shoalClusterEvent;

typedef void (*shoalClusterEventFunc)(const shoalClusterEvent *event,
                                      gpointer opaque);

void shoalClusterAddEventHandler(shoalCluster *cluster,
                                 shoalClusterEventFunc func,
                                 gpointer opaque);

/* The cluster as one hypervisor */
void shoalClusterRemoveEventHandler(shoalCluster *cluster,
                                    shoalClusterEventFunc func,
                                    gpointer opaque);

const char *shoalClusterGetType(shoalCluster *cluster);

unsigned long long shoalClusterGetVersion(shoalCluster *cluster);

unsigned long long shoalClusterGetLibVersion(shoalCluster *cluster);

char *shoalClusterGetHostname(shoalCluster *cluster, GError **error);

char *shoalClusterGetCapabilities(shoalCluster *cluster, GError **error);

char *shoalClusterGetSysinfo(shoalCluster *cluster,
                             unsigned flags,
                             GError **error);

bool shoalClusterGetNodeInfo(shoalCluster *cluster,
                             virNodeInfo *info,
                             GError **error);

int shoalClusterGetMaxVcpus(shoalCluster *cluster,
                            const char *type,
                            GError **error);

/* Domains: answered from the inventory */
GPtrArray *shoalClusterListDomains(shoalCluster *cluster,
                                   unsigned flags,
                                   GError **error);

shoalDomainRef *shoalClusterLookupDomainByName(shoalCluster *cluster,
                                               const char *name,
                                               GError **error);

shoalDomainRef *shoalClusterLookupDomainByUUID(shoalCluster *cluster,
                                               const unsigned char *uuid,
                                               GError **error);

shoalDomainRef *shoalClusterLookupDomainByID(shoalCluster *cluster,
                                             int id,
                                             GError **error);

bool shoalClusterDomainGetState(shoalCluster *cluster,
                                const unsigned char *uuid,
                                int *state,
                                int *reason,
                                GError **error);

int shoalClusterDomainIsActive(shoalCluster *cluster,
                               const unsigned char *uuid,
                               GError **error);

int shoalClusterDomainIsPersistent(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   GError **error);

/* Domains: answered by the owning host */
bool shoalClusterDomainGetInfo(shoalCluster *cluster,
                               const unsigned char *uuid,
                               virDomainInfo *info,
                               GError **error);

char *shoalClusterDomainGetXMLDesc(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   unsigned flags,
                                   GError **error);

char *shoalClusterDomainGetOSType(shoalCluster *cluster,
                                  const unsigned char *uuid,
                                  GError **error);

int shoalClusterDomainGetAutostart(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   GError **error);

int shoalClusterDomainGetVcpusFlags(shoalCluster *cluster,
                                    const unsigned char *uuid,
                                    unsigned flags,
                                    GError **error);

int shoalClusterDomainGetMaxVcpus(shoalCluster *cluster,
                                  const unsigned char *uuid,
                                  GError **error);

bool shoalClusterDomainGetMaxMemory(shoalCluster *cluster,
                                    const unsigned char *uuid,
                                    unsigned long long *memoryKiB,
                                    GError **error);

int shoalClusterDomainHasManagedSaveImage(shoalCluster *cluster,
                                          const unsigned char *uuid,
                                          unsigned flags,
                                          GError **error);

shoalDomainRef *shoalClusterDomainDefine(shoalCluster *cluster,
                                         const char *xml,
                                         unsigned flags,
                                         GError **error);

shoalDomainRef *shoalClusterDomainCreateXML(shoalCluster *cluster,
                                            const char *xml,
                                            unsigned flags,
                                            GError **error);

bool shoalClusterDomainUndefine(shoalCluster *cluster,
                                const unsigned char *uuid,
                                unsigned flags,
                                GError **error);

bool shoalClusterDomainMigrate(shoalCluster *cluster,
                               const unsigned char *uuid,
                               const char *dconnuri,
                               GPtrArray *params,
                               unsigned flags,
                               GError **error);

bool shoalClusterDomainGetJobInfo(shoalCluster *cluster,
                                  const unsigned char *uuid,
                                  virDomainJobInfo *info,
                                  GError **error);

GPtrArray *shoalClusterDomainGetJobStats(shoalCluster *cluster,
                                         const unsigned char *uuid,
                                         unsigned flags,
                                         int *type,
                                         GError **error);

bool shoalClusterDomainAbortJob(shoalCluster *cluster,
                                const unsigned char *uuid,
                                GError **error);

bool shoalClusterDomainApply(shoalCluster *cluster,
                             const unsigned char *uuid,
                             shoalDomainOp op,
                             unsigned long long value,
                             unsigned flags,
                             GError **error);

bool shoalClusterDomainSetMetadata(shoalCluster *cluster,
                                   const unsigned char *uuid,
                                   int type,
                                   const char *metadata,
                                   const char *key,
                                   const char *uri,
                                   unsigned flags,
                                   GError **error);

char *shoalClusterDomainGetMetadata(shoalCluster *cluster,
                                    const unsigned char *uuid,
                                    int type,
                                    const char *uri,
                                    unsigned flags,
                                    GError **error);

int shoalClusterDomainSnapshotNum(shoalCluster *cluster,
                                  const unsigned char *uuid,
                                  unsigned flags,
                                  GError **error);

GStrv shoalClusterDomainGetMessages(shoalCluster *cluster,
                                    const unsigned char *uuid,
                                    unsigned flags,
                                    GError **error);

GPtrArray *shoalClusterGetAllDomainStats(shoalCluster *cluster,
                                         GPtrArray *uuids,
                                         unsigned stats,
                                         unsigned flags,
                                         GError **error);

GPtrArray *shoalClusterListConflicts(shoalCluster *cluster);

bool shoalClusterRestoreHost(shoalCluster *cluster,
                             const char *hostName,
                             const char *const *domains,
                             GPtrArray **restored,
                             GError **error);

/* Save images on shared storage (cluster_saveimage.c) */
bool shoalClusterDomainRestore(shoalCluster *cluster,
                               const char *from,
                               const char *dxml,
                               virTypedParameterPtr params,
                               int nparams,
                               unsigned flags,
                               GError **error);

char *shoalClusterSaveImageGetXMLDesc(shoalCluster *cluster,
                                      const char *file,
                                      unsigned flags,
                                      GError **error);

bool shoalClusterSaveImageDefineXML(shoalCluster *cluster,
                                    const char *file,
                                    const char *dxml,
                                    unsigned flags,
                                    GError **error);

/* HA restart (cluster_ha.c): [ha] configuration, what it did, and what
 * each host is configured for */
void shoalClusterSetHaConfig(shoalCluster *cluster,
                             const shoalDaemonConfigHa *conf);

shoalClusterHaStatus *shoalClusterGetHaStatus(shoalCluster *cluster);

GPtrArray *shoalClusterCheckHosts(shoalCluster *cluster,
                                  const char *name,
                                  GError **error);

bool shoalClusterDomainRename(shoalCluster *cluster,
                              const unsigned char *uuid,
                              const char *newName,
                              unsigned flags,
                              GError **error);

/* Node calls with cluster meaning (cluster_node.c). */
bool shoalClusterNodeGetCPUStats(shoalCluster *cluster,
                                 int cpuNum,
                                 virNodeCPUStatsPtr params,
                                 int *nparams,
                                 unsigned flags,
                                 GError **error);

bool shoalClusterNodeGetMemoryStats(shoalCluster *cluster,
                                    int cellNum,
                                    virNodeMemoryStatsPtr params,
                                    int *nparams,
                                    unsigned flags,
                                    GError **error);

int shoalClusterNodeGetCellsFreeMemory(shoalCluster *cluster,
                                       unsigned long long *freeMems,
                                       int startCell,
                                       int maxCells,
                                       GError **error);

bool shoalClusterNodeGetFreeMemory(shoalCluster *cluster,
                                   unsigned long long *freeMem,
                                   GError **error);

int shoalClusterNodeGetCPUMap(shoalCluster *cluster,
                              unsigned char **cpumap,
                              unsigned *online,
                              unsigned flags,
                              GError **error);

char *shoalClusterGetDomainCapabilities(shoalCluster *cluster,
                                        const char *emulatorbin,
                                        const char *arch,
                                        const char *machine,
                                        const char *virttype,
                                        unsigned flags,
                                        GError **error);

int shoalClusterGetCPUModelNames(shoalCluster *cluster,
                                 const char *arch,
                                 GStrv *models,
                                 unsigned flags,
                                 GError **error);

int shoalClusterCompareHypervisorCPU(shoalCluster *cluster,
                                     const char *emulator,
                                     const char *arch,
                                     const char *machine,
                                     const char *virttype,
                                     const char *xmlCPU,
                                     unsigned flags,
                                     GError **error);

char *shoalClusterBaselineHypervisorCPU(shoalCluster *cluster,
                                        const char *emulator,
                                        const char *arch,
                                        const char *machine,
                                        const char *virttype,
                                        const char *const *xmlCPUs,
                                        unsigned ncpus,
                                        unsigned flags,
                                        GError **error);

/* Elastic VM groups (groups12), see cluster_group.h */
/* A group as the cluster has it. */
typedef struct _shoalGroupInfo {
    char *name;
    char *template;
    unsigned min;
    unsigned max;
    unsigned targetCpu; /* percent */
    unsigned graceSeconds;
    bool spread;
    GStrv members;       /* oldest first */
    gint64 lastChangeMs; /* 0: none since the daemon started */
} shoalGroupInfo;

void shoalGroupInfoFree(shoalGroupInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalGroupInfo, shoalGroupInfoFree)

GPtrArray *shoalClusterGroupList(shoalCluster *cluster);
