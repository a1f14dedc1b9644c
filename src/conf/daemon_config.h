/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * virtshoald's configuration file (virtshoald.conf(5)) as a typed object:
 * every key the daemon reads is parsed here, with its default, its type
 * and its error. A new group gets a struct member and rows in the key
 * table of daemon_config.c; a library that parses its own group (sched's
 * [scheduler]) reads it from keyFile.
 */

#include <stdbool.h>

#include <glib.h>

/* The cluster core's tunables; shoalClusterConfigInit() sets defaults. */
typedef struct _shoalClusterConfig {
    unsigned resyncIntervalMs; /* full re-read of every host */
    unsigned statsIntervalMs;  /* one statistics sample per host */
    unsigned reconnectMinMs;   /* first back-off after a failure */
    unsigned reconnectMaxMs;   /* back-off cap */
    int keepaliveIntervalS;    /* host connections, libvirt keepalive */
    unsigned keepaliveCount;
    unsigned hostCallTimeoutMs; /* fan-out queries skip slower hosts */
    unsigned firstReadWaitMs;   /* at start, lists and lookups wait this
                                   long for every host's first read */
    double memoryOvercommit;    /* placement: committed/physical memory */
    double vcpuRatio;           /* placement: vCPUs per physical CPU */
    unsigned migrateMaxPerSource;
    unsigned migrateMaxPerDestination;
    unsigned migrateMaxTotal;
    unsigned migrateTimeoutBaseS; /* abort after base + per GiB */
    unsigned migrateTimeoutPerGiBS;
    unsigned migrateExtraFlags; /* for migrations Shoal starts itself,
                                       e.g. VIR_MIGRATE_UNSAFE */
    bool restoreMissing;        /* define again, unasked, what a host lost */
    unsigned followPollMs;      /* poll of hosts' inactive domains, 0: none */
    unsigned followPollsPerS;   /* at most this many polls a second */
} shoalClusterConfig;

void shoalClusterConfigInit(shoalClusterConfig *config);

/* One [host NAME] group. */
typedef struct _shoalDaemonConfigHost {
    char *name;
    char *uri;
    char *migrationUri; /* nullable: as uri */
    unsigned cpus;      /* 0: as the host says */
    guint64 memoryMiB;  /* 0: as the host says */
    /* power-saving mode's commands (issue 12): both or none */
    char *powerOffCommand;         /* nullable */
    char *powerOnCommand;          /* nullable */
    unsigned powerOnTimeoutS;      /* to answer after power-on: 300 */
    unsigned powerCommandTimeoutS; /* for either command to finish: 60 */
} shoalDaemonConfigHost;

/* [ha]: HA restart's tunables; shoalDaemonConfigNew() sets defaults. */
typedef struct _shoalDaemonConfigHa {
    bool enabled;             /* enabled: true */
    char *leases;             /* leases: lockd or sanlock; NULL: none */
    unsigned failureTimeoutS; /* failure_timeout: 30 */
    bool restart;             /* restart: the domains' default, false */
    int priority;             /* priority: the domains' default, 0 */
    unsigned retryIntervalS;  /* retry_interval: 5, back-off after a
                                 refused start */
    unsigned retryMaxS;       /* retry_max: 60 */
    unsigned maxAttempts;     /* max_attempts: 5 */
} shoalDaemonConfigHa;

typedef struct _shoalDaemonConfig {
    shoalClusterConfig cluster; /* [daemon], [placement], [statistics],
                                   [migration], [reconcile] */
    char *socketDir;            /* [daemon] socket_dir; nullable */
    char *accessGroup;          /* [daemon] access_group; nullable */
    bool migrateUnsafe;         /* [migration] unsafe */
    bool migrateAutoConverge;   /* [migration] auto_converge */
    bool dropin;                /* [driver] dropin: be qemu:///system too */
    GPtrArray *hosts;           /* shoalDaemonConfigHost, in file order */
    shoalDaemonConfigHa ha;     /* [ha] */
    GKeyFile *keyFile;          /* the file as read, for groups parsed
                                   elsewhere ([scheduler]) */
    /* [store] (issue 13): where definitions live */
    char *storeBackend;      /* "file" (NULL: the default) or "etcd" */
    char *storeEndpoints;    /* etcd: "http://HOST:PORT,..." */
    char *storePrefix;       /* etcd: every key's prefix; NULL: "/shoal/" */
    char *storeName;         /* etcd: the leader key's value; NULL: the
                                host name and process ID */
    unsigned storeLeaseTtlS; /* etcd: the leader's lease; 0: default */
} shoalDaemonConfig;

shoalDaemonConfig *shoalDaemonConfigNew(void);

void shoalDaemonConfigFree(shoalDaemonConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDaemonConfig, shoalDaemonConfigFree)

bool shoalDaemonConfigLoadData(shoalDaemonConfig *config,
                               const char *data,
                               GError **error);

bool shoalDaemonConfigLoadFile(shoalDaemonConfig *config,
                               const char *path,
                               bool optional,
                               GError **error);
