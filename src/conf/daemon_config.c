/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virtshoald.conf: one table of keys, their types and their errors. */
#include <config.h>

#include "daemon_config.h"

#include <stddef.h>
#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "util_error.h"

void
shoalClusterConfigInit(shoalClusterConfig *config)
{
    memset(config, 0, sizeof(*config));
    config->resyncIntervalMs = 30000;
    config->reconnectMinMs = 1000;
    config->reconnectMaxMs = 30000;
    config->keepaliveIntervalS = 5;
    config->keepaliveCount = 3;
    config->hostCallTimeoutMs = 10000;
    config->firstReadWaitMs = 10000;
    config->memoryOvercommit = 1.0;
    config->vcpuRatio = 4.0;
    config->statsIntervalMs = 10000;
    config->migrateMaxPerSource = 2;
    config->migrateMaxPerDestination = 1;
    config->migrateMaxTotal = 4;
    config->migrateTimeoutBaseS = 60;
    config->migrateTimeoutPerGiBS = 120;
    config->followPollMs = 1000;
    config->followPollsPerS = 250;
}

typedef enum {
    CONFIG_KEY_POSITIVE_DOUBLE,
    CONFIG_KEY_POSITIVE_UINT,
    CONFIG_KEY_UINT,   /* 0 allowed */
    CONFIG_KEY_UINT64, /* 0 allowed */
    CONFIG_KEY_BOOL,
    CONFIG_KEY_STRING,
    CONFIG_KEY_INT, /* in [min, max] */
} configKeyType;

typedef struct {
    const char *group; /* "host" for every [host NAME] */
    const char *key;
    configKeyType type;
    size_t offset; /* in shoalDaemonConfig, or shoalDaemonConfigHost */
    gint64 min;    /* if max > 0: the range of a number */
    gint64 max;
} configKey;

#define DAEMON_FIELD(f) offsetof(shoalDaemonConfig, f)
#define HOST_FIELD(f) offsetof(shoalDaemonConfigHost, f)

static const configKey daemonKeys[] = {
    { "daemon", "socket_dir", CONFIG_KEY_STRING, DAEMON_FIELD(socketDir) },
    { "daemon", "access_group", CONFIG_KEY_STRING, DAEMON_FIELD(accessGroup) },
    /* 0 is meaningful here: answer at once, as hosts come */
    { "daemon", "first_read_wait_ms", CONFIG_KEY_UINT,
      DAEMON_FIELD(cluster.firstReadWaitMs) },
    { "placement", "memory_overcommit", CONFIG_KEY_POSITIVE_DOUBLE,
      DAEMON_FIELD(cluster.memoryOvercommit) },
    { "placement", "vcpu_ratio", CONFIG_KEY_POSITIVE_DOUBLE,
      DAEMON_FIELD(cluster.vcpuRatio) },
    { "statistics", "interval_ms", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.statsIntervalMs) },
    { "migration", "max_per_source", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.migrateMaxPerSource) },
    { "migration", "max_per_destination", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.migrateMaxPerDestination) },
    { "migration", "max_total", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.migrateMaxTotal) },
    { "migration", "timeout_base", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.migrateTimeoutBaseS) },
    { "migration", "timeout_per_gib", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.migrateTimeoutPerGiBS) },
    /* for the migrations Shoal starts itself (maintenance, rebalancing);
     * clients pass their own flags */
    { "migration", "unsafe", CONFIG_KEY_BOOL, DAEMON_FIELD(migrateUnsafe) },
    { "migration", "auto_converge", CONFIG_KEY_BOOL,
      DAEMON_FIELD(migrateAutoConverge) },
    /* off by default: what a host lost is defined again only on request */
    { "reconcile", "restore_missing", CONFIG_KEY_BOOL,
      DAEMON_FIELD(cluster.restoreMissing) },
    /* offline migrations away send no event: a cheap count per host */
    { "reconcile", "follow_poll_ms", CONFIG_KEY_UINT,
      DAEMON_FIELD(cluster.followPollMs) },
    { "reconcile", "follow_polls_per_s", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(cluster.followPollsPerS) },
    /* HA restart (cluster_ha.c); leases is checked by configCheckHa() */
    { "ha", "enabled", CONFIG_KEY_BOOL, DAEMON_FIELD(ha.enabled) },
    { "ha", "leases", CONFIG_KEY_STRING, DAEMON_FIELD(ha.leases) },
    { "ha", "failure_timeout", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(ha.failureTimeoutS), 1, 3600 },
    { "ha", "restart", CONFIG_KEY_BOOL, DAEMON_FIELD(ha.restart) },
    { "ha", "priority", CONFIG_KEY_INT, DAEMON_FIELD(ha.priority), -1000,
      1000 },
    { "ha", "retry_interval", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(ha.retryIntervalS), 1, 3600 },
    { "ha", "retry_max", CONFIG_KEY_POSITIVE_UINT, DAEMON_FIELD(ha.retryMaxS),
      1, 86400 },
    { "ha", "max_attempts", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(ha.maxAttempts), 1, 100 },
    /* off by default: takes the QEMU driver's sockets in socket_dir */
    { "driver", "dropin", CONFIG_KEY_BOOL, DAEMON_FIELD(dropin) },
    /* issue 13: the store's backend, the local files or etcd */
    { "store", "backend", CONFIG_KEY_STRING, DAEMON_FIELD(storeBackend) },
    { "store", "endpoints", CONFIG_KEY_STRING, DAEMON_FIELD(storeEndpoints) },
    { "store", "prefix", CONFIG_KEY_STRING, DAEMON_FIELD(storePrefix) },
    { "store", "name", CONFIG_KEY_STRING, DAEMON_FIELD(storeName) },
    { "store", "lease_ttl_s", CONFIG_KEY_POSITIVE_UINT,
      DAEMON_FIELD(storeLeaseTtlS) },
};

static const configKey hostKeys[] = {
    { "host", "uri", CONFIG_KEY_STRING, HOST_FIELD(uri) },
    { "host", "migration_uri", CONFIG_KEY_STRING, HOST_FIELD(migrationUri) },
    /* a configured capacity models a bigger or smaller host */
    { "host", "cpus", CONFIG_KEY_UINT, HOST_FIELD(cpus) },
    { "host", "memory_mib", CONFIG_KEY_UINT64, HOST_FIELD(memoryMiB) },
    /* power-saving mode (issue 12): configHostCheckPower() wants both */
    { "host", "power_off_command", CONFIG_KEY_STRING,
      HOST_FIELD(powerOffCommand) },
    { "host", "power_on_command", CONFIG_KEY_STRING,
      HOST_FIELD(powerOnCommand) },
    { "host", "power_on_timeout", CONFIG_KEY_POSITIVE_UINT,
      HOST_FIELD(powerOnTimeoutS), 1, 86400 },
    { "host", "power_command_timeout", CONFIG_KEY_POSITIVE_UINT,
      HOST_FIELD(powerCommandTimeoutS), 1, 3600 },
};

static void
configHostFree(shoalDaemonConfigHost *host)
{
    g_free(host->name);
    g_free(host->uri);
    g_free(host->migrationUri);
    g_free(host->powerOffCommand);
    g_free(host->powerOnCommand);
    g_free(host);
}

/**
 * shoalDaemonConfigNew:
 * Returns: (transfer full): the configuration of an empty file: every
 *   default, no hosts.
 */
shoalDaemonConfig *
shoalDaemonConfigNew(void)
{
    shoalDaemonConfig *config = g_new0(shoalDaemonConfig, 1);

    shoalClusterConfigInit(&config->cluster);
    config->ha.enabled = true;
    config->ha.failureTimeoutS = 30;
    config->ha.retryIntervalS = 5;
    config->ha.retryMaxS = 60;
    config->ha.maxAttempts = 5;
    config->hosts =
        g_ptr_array_new_with_free_func((GDestroyNotify) configHostFree);
    config->keyFile = g_key_file_new();
    return config;
}

void
shoalDaemonConfigFree(shoalDaemonConfig *config)
{
    if (!config)
        return;
    g_free(config->socketDir);
    g_free(config->accessGroup);
    g_free(config->ha.leases);
    g_free(config->storeBackend);
    g_free(config->storeEndpoints);
    g_free(config->storePrefix);
    g_free(config->storeName);
    g_ptr_array_unref(config->hosts);
    g_key_file_unref(config->keyFile);
    g_free(config);
}

/* Parses one key into @base + its offset; an absent key keeps what is
 * there. The error names the group and the key. */
static bool
configParseKey(GKeyFile *kf,
               const char *group,
               const configKey *k,
               void *base,
               GError **error)
{
    guint8 *field = (guint8 *) base + k->offset;
    g_autoptr(GError) err = NULL;
    const char *want = NULL;

    if (!g_key_file_has_key(kf, group, k->key, NULL))
        return true;
    switch (k->type) {
    case CONFIG_KEY_POSITIVE_DOUBLE: {
        double d = g_key_file_get_double(kf, group, k->key, &err);

        if (err || !(d > 0))
            want = N_("a positive number");
        else
            *(double *) field = d;
        break;
    }
    case CONFIG_KEY_POSITIVE_UINT:
    case CONFIG_KEY_UINT:
    case CONFIG_KEY_INT: {
        gint64 n = g_key_file_get_int64(kf, group, k->key, &err);
        gint64 min = k->type == CONFIG_KEY_UINT ? 0 : 1;

        if (k->max > 0) {
            if (!err && n >= k->min && n <= k->max) {
                if (k->type == CONFIG_KEY_INT)
                    *(int *) field = (int) n;
                else
                    *(unsigned *) field = (unsigned) n;
                return true;
            }
            g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                        _("configuration file syntax error: [%1$s] %2$s must be a number from %3$lld to %4$lld"),
                        group, k->key, (long long) k->min, (long long) k->max);
            return false;
        }
        if (err || n < min || n > G_MAXINT)
            want = min ? N_("a positive number") : N_("a number of 0 or more");
        else
            *(unsigned *) field = n;
        break;
    }
    case CONFIG_KEY_UINT64: {
        g_autofree char *text = g_key_file_get_value(kf, group, k->key, NULL);
        guint64 n;

        if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT64,
                                        &n, NULL))
            want = N_("a number of 0 or more");
        else
            *(guint64 *) field = n;
        break;
    }
    case CONFIG_KEY_BOOL: {
        gboolean b = g_key_file_get_boolean(kf, group, k->key, &err);

        if (err)
            want = N_("true or false");
        else
            *(bool *) field = b;
        break;
    }
    case CONFIG_KEY_STRING: {
        char *s = g_key_file_get_string(kf, group, k->key, &err);

        if (err) {
            want = N_("a string");
        } else {
            g_free(*(char **) field);
            *(char **) field = s;
        }
        break;
    }
    }
    if (want) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [%1$s] %2$s must be %3$s"),
                    group, k->key, _(want));
        return false;
    }
    return true;
}

/* One power command alone could power a host off for good. */
static bool
configHostCheckPower(shoalDaemonConfigHost *host,
                     const char *group,
                     GError **error)
{
    if (host->powerOffCommand && !*g_strstrip(host->powerOffCommand))
        g_clear_pointer(&host->powerOffCommand, g_free);
    if (host->powerOnCommand && !*g_strstrip(host->powerOnCommand))
        g_clear_pointer(&host->powerOnCommand, g_free);
    if (!host->powerOffCommand != !host->powerOnCommand) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [%1$s] needs both %2$s and %3$s, or neither"),
                    group, "power_off_command", "power_on_command");
        return false;
    }
    return true;
}

static bool
configParseHost(shoalDaemonConfig *config,
                GKeyFile *kf,
                const char *group,
                GError **error)
{
    shoalDaemonConfigHost *host = g_new0(shoalDaemonConfigHost, 1);
    size_t i;

    g_ptr_array_add(config->hosts, host);
    host->name = g_strstrip(g_strdup(group + strlen("host ")));
    host->powerOnTimeoutS = 300;
    host->powerCommandTimeoutS = 60;
    for (i = 0; i < G_N_ELEMENTS(hostKeys); i++) {
        if (!configParseKey(kf, group, &hostKeys[i], host, error))
            return false;
    }
    if (!host->uri || !*host->uri) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [%1$s] needs %2$s"),
                    group, "uri");
        return false;
    }
    return configHostCheckPower(host, group, error);
}

/* [ha] leases names the lock manager every member runs; none is none. */
static bool
configCheckHa(shoalDaemonConfigHa *ha, GError **error)
{
    if (!ha->leases)
        return true;
    g_strstrip(ha->leases);
    if (g_str_equal(ha->leases, "none")) {
        g_clear_pointer(&ha->leases, g_free);
        return true;
    }
    if (g_str_equal(ha->leases, "lockd") || g_str_equal(ha->leases, "sanlock"))
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                _("configuration file syntax error: [ha] leases must be lockd, sanlock or none, not '%1$s'"),
                ha->leases);
    return false;
}

static bool
configParse(shoalDaemonConfig *config, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(config->keyFile, NULL);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(daemonKeys); i++) {
        if (!configParseKey(config->keyFile, daemonKeys[i].group,
                            &daemonKeys[i], config, error))
            return false;
    }
    config->cluster.migrateExtraFlags = 0;
    if (config->migrateUnsafe)
        config->cluster.migrateExtraFlags |= VIR_MIGRATE_UNSAFE;
    if (config->migrateAutoConverge)
        config->cluster.migrateExtraFlags |= VIR_MIGRATE_AUTO_CONVERGE;
    if (!configCheckHa(&config->ha, error))
        return false;
    if (config->storeBackend && !g_str_equal(config->storeBackend, "file") &&
        !g_str_equal(config->storeBackend, "etcd")) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [%1$s] %2$s must be %3$s"),
                    "store", "backend", "file, etcd");
        return false;
    }
    if (g_strcmp0(config->storeBackend, "etcd") == 0 &&
        !config->storeEndpoints) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX,
                    _("configuration file syntax error: [%1$s] %2$s must be %3$s"),
                    "store", "endpoints", "http://HOST:PORT,...");
        return false;
    }
    for (i = 0; groups[i]; i++) {
        if (g_str_has_prefix(groups[i], "host ") &&
            !configParseHost(config, config->keyFile, groups[i], error))
            return false;
    }
    return true;
}

/**
 * shoalDaemonConfigLoadData:
 * @config: fresh from shoalDaemonConfigNew()
 * @data: the text of a configuration file
 *
 * Returns: false, with an error of code VIR_ERR_CONF_SYNTAX that names
 *   the group and key, for a value of the wrong type or range.
 */
bool
shoalDaemonConfigLoadData(shoalDaemonConfig *config,
                          const char *data,
                          GError **error)
{
    if (!g_key_file_load_from_data(config->keyFile, data, -1, G_KEY_FILE_NONE,
                                   error)) {
        shoalErrorConvert(error);
        return false;
    }
    return configParse(config, error);
}

/**
 * shoalDaemonConfigLoadFile:
 * @optional: a missing file is an empty one (the default path)
 *
 * As shoalDaemonConfigLoadData(), from @path; errors name the file.
 */
bool
shoalDaemonConfigLoadFile(shoalDaemonConfig *config,
                          const char *path,
                          bool optional,
                          GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!g_key_file_load_from_file(config->keyFile, path, G_KEY_FILE_NONE,
                                   &err)) {
        if (optional && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return true;
        shoalErrorConvert(&err);
    } else {
        configParse(config, &err);
    }
    if (err) {
        g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                   _("cannot read configuration '%1$s': "),
                                   path);
        return false;
    }
    return true;
}
