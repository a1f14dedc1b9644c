/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Host power for power-saving mode (issue 12): each host's power
 * commands, whether it is in standby (powered off on purpose, stored so
 * a restart knows) or failed a power step, and the power steps of the
 * scheduler's plans, carried out with those commands.
 */

#include <stdbool.h>

#include <glib.h>

#include "sched_plan.h"
#include "sched_snapshot.h"

typedef struct _shoalCluster shoalCluster;
typedef struct _shoalClusterPower shoalClusterPower;
typedef struct _shoalClusterHostInfo shoalClusterHostInfo;

/* A host's power, as reports and the snapshot see it. */
typedef struct _shoalClusterPowerStatus {
    bool control;     /* it has both commands */
    bool standby;     /* powered off by power-saving mode */
    bool failed;      /* its last power step failed */
    bool busy;        /* a power step runs */
    gint64 changedMs; /* monotonic ms of its last power change, 0: never */
    char *error;      /* nullable: why it failed */
} shoalClusterPowerStatus;

void shoalClusterPowerStatusClear(shoalClusterPowerStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(shoalClusterPowerStatus,
                                 shoalClusterPowerStatusClear)

shoalClusterPower *shoalClusterPowerNew(void);

void shoalClusterPowerFree(shoalClusterPower *power);

void shoalClusterPowerStop(shoalClusterPower *power);

bool shoalClusterSetHostPower(shoalCluster *cluster,
                              const char *name,
                              const char *offCommand,
                              const char *onCommand,
                              unsigned onTimeoutS,
                              unsigned commandTimeoutS,
                              GError **error);

void shoalClusterPowerGetStatus(shoalCluster *cluster,
                                const char *name,
                                shoalClusterPowerStatus *status);

bool shoalClusterPowerInStandby(shoalCluster *cluster, const char *name);

void shoalClusterPowerLoadStandby(shoalCluster *cluster,
                                  const char *name,
                                  bool standby);

void shoalClusterPowerFillNode(shoalCluster *cluster, shoalSchedNode *node);

void shoalClusterPowerFillInfo(shoalCluster *cluster,
                               shoalClusterHostInfo *info);

bool shoalClusterPowerOff(shoalCluster *cluster,
                          const char *name,
                          GError **error);

bool shoalClusterPowerOn(shoalCluster *cluster,
                         const char *name,
                         GError **error);

void shoalClusterPowerWakeForPlacement(shoalCluster *cluster,
                                       const shoalSchedSnapshot *snap,
                                       GError *error);

unsigned shoalClusterPowerRunStep(shoalCluster *cluster,
                                  const shoalSchedStep *step);
