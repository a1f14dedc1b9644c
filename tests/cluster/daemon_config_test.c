/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shoalDaemonConfig: virtshoald.conf's keys parsed into their fields,
 * the defaults of an empty file, and errors that name the key.
 */
#include <config.h>

#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "daemon_config.h"
#include "util_error.h"

static void
testDefaults(void)
{
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalDaemonConfigLoadData(config, "", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(config->cluster.firstReadWaitMs, ==, 10000);
    g_assert_cmpfloat(config->cluster.memoryOvercommit, ==, 1.0);
    g_assert_cmpfloat(config->cluster.vcpuRatio, ==, 4.0);
    g_assert_cmpuint(config->cluster.statsIntervalMs, ==, 10000);
    g_assert_cmpuint(config->cluster.migrateMaxPerSource, ==, 2);
    g_assert_cmpuint(config->cluster.migrateMaxPerDestination, ==, 1);
    g_assert_cmpuint(config->cluster.migrateMaxTotal, ==, 4);
    g_assert_cmpuint(config->cluster.migrateExtraFlags, ==, 0);
    g_assert_false(config->cluster.restoreMissing);
    g_assert_false(config->dropin);
    g_assert_null(config->socketDir);
    /* the local store unless [store] says otherwise */
    g_assert_null(config->storeBackend);
    g_assert_null(config->accessGroup);
    g_assert_cmpuint(config->hosts->len, ==, 0);
    g_assert_true(config->ha.enabled);
    g_assert_null(config->ha.leases);
    g_assert_cmpuint(config->ha.failureTimeoutS, ==, 30);
    g_assert_false(config->ha.restart);
    g_assert_cmpint(config->ha.priority, ==, 0);
    g_assert_cmpuint(config->ha.retryIntervalS, ==, 5);
    g_assert_cmpuint(config->ha.retryMaxS, ==, 60);
    g_assert_cmpuint(config->ha.maxAttempts, ==, 5);
}

/* A missing file at the default place is an empty one; a named one is
 * an error naming the file. */
static void
testMissingFile(void)
{
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    g_autoptr(GError) error = NULL;
    const char *path = "/nonexistent/virtshoald.conf";

    g_assert_true(shoalDaemonConfigLoadFile(config, path, true, &error));
    g_assert_no_error(error);
    g_assert_false(shoalDaemonConfigLoadFile(config, path, false, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, path));
}

static void
testEveryKey(void)
{
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    g_autoptr(GError) error = NULL;
    const shoalDaemonConfigHost *host;
    const char *data = "[daemon]\n"
                       "socket_dir=/run/shoal-test\n"
                       "access_group=shoal\n"
                       "first_read_wait_ms=0\n"
                       "[placement]\n"
                       "memory_overcommit=1.5\n"
                       "vcpu_ratio=8\n"
                       "[statistics]\n"
                       "interval_ms=2000\n"
                       "[migration]\n"
                       "max_per_source=3\n"
                       "max_per_destination=2\n"
                       "max_total=6\n"
                       "timeout_base=30\n"
                       "timeout_per_gib=60\n"
                       "unsafe=true\n"
                       "auto_converge=true\n"
                       "[reconcile]\n"
                       "restore_missing=true\n"
                       "[driver]\n"
                       "dropin=true\n"
                       "[host kvm1]\n"
                       "uri=qemu+ssh://kvm1/system\n"
                       "[host kvm2]\n"
                       "uri=qemu+tcp://kvm2/system\n"
                       "migration_uri=tcp://10.0.0.2\n"
                       "cpus=16\n"
                       "memory_mib=65536\n"
                       "power_off_command=ipmitool power soft\n"
                       "power_on_command=wakeonlan 52:54:00:00:00:02\n"
                       "power_on_timeout=120\n"
                       "power_command_timeout=20\n"
                       "[ha]\n"
                       "enabled=false\n"
                       "leases= sanlock \n"
                       "failure_timeout=12\n"
                       "restart=true\n"
                       "priority=-20\n"
                       "retry_interval=3\n"
                       "retry_max=90\n"
                       "max_attempts=7\n"
                       "[scheduler]\n"
                       "mode=balance\n"
                       "[store]\n"
                       "backend=etcd\n"
                       "endpoints=http://127.0.0.1:2379,http://[::1]:2379\n"
                       "prefix=/prod/\n"
                       "name=mgr1\n"
                       "lease_ttl_s=3\n";

    g_assert_true(shoalDaemonConfigLoadData(config, data, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(config->socketDir, ==, "/run/shoal-test");
    g_assert_cmpstr(config->accessGroup, ==, "shoal");
    g_assert_cmpuint(config->cluster.firstReadWaitMs, ==, 0);
    g_assert_cmpfloat(config->cluster.memoryOvercommit, ==, 1.5);
    g_assert_cmpfloat(config->cluster.vcpuRatio, ==, 8.0);
    g_assert_cmpuint(config->cluster.statsIntervalMs, ==, 2000);
    g_assert_cmpuint(config->cluster.migrateMaxPerSource, ==, 3);
    g_assert_cmpuint(config->cluster.migrateMaxPerDestination, ==, 2);
    g_assert_cmpuint(config->cluster.migrateMaxTotal, ==, 6);
    g_assert_cmpuint(config->cluster.migrateTimeoutBaseS, ==, 30);
    g_assert_cmpuint(config->cluster.migrateTimeoutPerGiBS, ==, 60);
    g_assert_cmpuint(config->cluster.migrateExtraFlags, ==,
                     VIR_MIGRATE_UNSAFE | VIR_MIGRATE_AUTO_CONVERGE);
    g_assert_true(config->cluster.restoreMissing);
    g_assert_true(config->dropin);

    g_assert_cmpuint(config->hosts->len, ==, 2);
    host = config->hosts->pdata[0];
    g_assert_cmpstr(host->name, ==, "kvm1");
    g_assert_cmpstr(host->uri, ==, "qemu+ssh://kvm1/system");
    g_assert_null(host->migrationUri);
    g_assert_cmpuint(host->cpus, ==, 0);
    g_assert_cmpuint(host->memoryMiB, ==, 0);
    g_assert_null(host->powerOffCommand);
    g_assert_null(host->powerOnCommand);
    g_assert_cmpuint(host->powerOnTimeoutS, ==, 300);
    g_assert_cmpuint(host->powerCommandTimeoutS, ==, 60);
    host = config->hosts->pdata[1];
    g_assert_cmpstr(host->name, ==, "kvm2");
    g_assert_cmpstr(host->migrationUri, ==, "tcp://10.0.0.2");
    g_assert_cmpuint(host->cpus, ==, 16);
    g_assert_cmpuint(host->memoryMiB, ==, 65536);
    g_assert_cmpstr(host->powerOffCommand, ==, "ipmitool power soft");
    g_assert_cmpstr(host->powerOnCommand, ==, "wakeonlan 52:54:00:00:00:02");
    g_assert_cmpuint(host->powerOnTimeoutS, ==, 120);
    g_assert_cmpuint(host->powerCommandTimeoutS, ==, 20);
    g_assert_false(config->ha.enabled);
    g_assert_cmpstr(config->ha.leases, ==, "sanlock");
    g_assert_cmpuint(config->ha.failureTimeoutS, ==, 12);
    g_assert_true(config->ha.restart);
    g_assert_cmpint(config->ha.priority, ==, -20);
    g_assert_cmpuint(config->ha.retryIntervalS, ==, 3);
    g_assert_cmpuint(config->ha.retryMaxS, ==, 90);
    g_assert_cmpuint(config->ha.maxAttempts, ==, 7);
    g_assert_cmpstr(config->storeBackend, ==, "etcd");
    g_assert_cmpstr(config->storeEndpoints, ==,
                    "http://127.0.0.1:2379,http://[::1]:2379");
    g_assert_cmpstr(config->storePrefix, ==, "/prod/");
    g_assert_cmpstr(config->storeName, ==, "mgr1");
    g_assert_cmpuint(config->storeLeaseTtlS, ==, 3);
    /* the groups other libraries parse stay readable */
    g_assert_true(
        g_key_file_has_key(config->keyFile, "scheduler", "mode", NULL));
}

typedef struct {
    const char *data;
    const char *message; /* a part of the error's message */
} badCase;

static const badCase badCases[] = {
    { "[placement]\nmemory_overcommit=0\n",
      "[placement] memory_overcommit must be a positive number" },
    { "[placement]\nvcpu_ratio=lots\n",
      "[placement] vcpu_ratio must be a positive number" },
    { "[migration]\nmax_total=0\n",
      "[migration] max_total must be a positive number" },
    { "[statistics]\ninterval_ms=-5\n",
      "[statistics] interval_ms must be a positive number" },
    { "[daemon]\nfirst_read_wait_ms=-1\n",
      "[daemon] first_read_wait_ms must be a number of 0 or more" },
    { "[migration]\nunsafe=maybe\n",
      "[migration] unsafe must be true or false" },
    { "[reconcile]\nrestore_missing=2\n",
      "[reconcile] restore_missing must be true or false" },
    { "[host kvm1]\nmigration_uri=tcp://kvm1\n", "[host kvm1] needs uri" },
    { "[driver]\ndropin=yes please\n",
      "[driver] dropin must be true or false" },
    { "[host kvm1]\nuri=qemu:///system\ncpus=-2\n",
      "[host kvm1] cpus must be a number of 0 or more" },
    { "[host kvm1]\nuri=qemu:///system\nmemory_mib=1G\n",
      "[host kvm1] memory_mib must be a number of 0 or more" },
    { "[ha]\nleases=flock\n",
      "[ha] leases must be lockd, sanlock or none, not 'flock'" },
    { "[ha]\nfailure_timeout=0\n",
      "[ha] failure_timeout must be a number from 1 to 3600" },
    { "[ha]\npriority=5000\n",
      "[ha] priority must be a number from -1000 to 1000" },
    { "[ha]\nenabled=maybe\n", "[ha] enabled must be true or false" },
    { "[ha]\nmax_attempts=x\n",
      "[ha] max_attempts must be a number from 1 to 100" },
    { "[daemon\nsocket_dir=/run\n", "" },
    /* issue 13: the store's backend */
    { "[store]\nbackend=zookeeper\n", "[store] backend must be file, etcd" },
    { "[store]\nbackend=etcd\n", "[store] endpoints must be" },
    { "[store]\nbackend=etcd\nendpoints=http://127.0.0.1:2379\n"
      "lease_ttl_s=0\n",
      "[store] lease_ttl_s must be a positive number" },
    /* issue 12: power-saving mode's commands */
    { "[host kvm1]\nuri=qemu:///system\npower_off_command=poweroff\n",
      "[host kvm1] needs both power_off_command and power_on_command" },
    { "[host kvm1]\nuri=qemu:///system\npower_off_command=a\n"
      "power_on_command=b\npower_on_timeout=0\n",
      "[host kvm1] power_on_timeout must be a number from 1 to 86400" },
};

static void
testBad(gconstpointer data)
{
    const badCase *bad = data;
    g_autoptr(shoalDaemonConfig) config = shoalDaemonConfigNew();
    g_autoptr(GError) error = NULL;

    g_assert_false(shoalDaemonConfigLoadData(config, bad->data, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONF_SYNTAX);
    if (!strstr(error->message, bad->message))
        g_error("'%s' does not say '%s'", error->message, bad->message);
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/conf/daemon/defaults", testDefaults);
    g_test_add_func("/conf/daemon/missing-file", testMissingFile);
    g_test_add_func("/conf/daemon/every-key", testEveryKey);
    for (i = 0; i < G_N_ELEMENTS(badCases); i++) {
        g_autofree char *path = g_strdup_printf("/conf/daemon/bad/%zu", i);

        g_test_add_data_func(path, &badCases[i], testBad);
    }
    return g_test_run();
}
