/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Forwarded domain procedures, differentially: each case makes the same
 * libvirt calls through virtshoald (in-process, shoal+unix://) and on its
 * member host directly, and the two transcripts must be equal. The host is
 * libvirt's shared test:///default driver of this very process, so both
 * connections see one state; a host's error must come back with its code,
 * its error domain and its message.
 */

#include <config.h>

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster.h"
#include "cluster_eventloop.h"
#include "driver_server.h"
#include "testutil_daemon.h"
#include "testutil_file.h"
#include "testutil_loop.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainSnapshot, virDomainSnapshotFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainCheckpoint, virDomainCheckpointFree)

#define FORWARD_HOST_URI "test:///default"
#define FORWARD_DOMAIN "test"

typedef struct {
    char *dir;
    char *storeDir; /* the durable store, for the cases that ask for it */
    testDaemon daemon;
    virConnectPtr shoal;
    virConnectPtr host;
} forwardFixture;

/* One case: calls on @dom, written to @out; run once per connection. */
typedef struct {
    const char *path;
    void (*func)(virDomainPtr dom, GString *out);
} forwardCase;

static bool
forwardDaemonReady(gpointer opaque, gconstpointer data)
{
    forwardFixture *fixture = opaque;
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByName(fixture->daemon.cluster, FORWARD_DOMAIN,
                                       NULL);

    return ref != NULL;
}

/* Marks the cases whose daemon keeps a durable store. */
static const char forwardWithStore[] = "store";

static void
forwardFixtureSetUp(forwardFixture *fixture, gconstpointer data)
{
    shoalClusterConfig clusterConfig;
    g_autoptr(GError) error = NULL;
    g_autofree char *uri = NULL;

    fixture->dir = g_dir_make_tmp("shoal-forward-XXXXXX", &error);
    g_assert_no_error(error);
    fixture->daemon.loop = testLoopNew();
    shoalClusterConfigInit(&clusterConfig);
    fixture->daemon.cluster =
        shoalClusterNew(&clusterConfig,
                        testLoopGetContext(fixture->daemon.loop));
    g_assert_true(shoalClusterAddHost(fixture->daemon.cluster, "host1",
                                      FORWARD_HOST_URI, NULL, &error));
    g_assert_no_error(error);
    if (data == forwardWithStore) {
        fixture->storeDir =
            g_dir_make_tmp("shoal-forward-store-XXXXXX", &error);
        g_assert_no_error(error);
        g_assert_true(shoalClusterOpenStore(fixture->daemon.cluster,
                                            fixture->storeDir, &error));
        g_assert_no_error(error);
    }
    testDaemonListen(&fixture->daemon, fixture->dir, "forward-loop");
    testLoopWaitFor(forwardDaemonReady, fixture, NULL,
                    "the member host to come online");

    uri = g_strdup_printf("shoal+unix:///system?socket=%s/virtshoald-sock",
                          fixture->dir);
    fixture->shoal = virConnectOpen(uri);
    g_assert_nonnull(fixture->shoal);
    fixture->host = virConnectOpen(FORWARD_HOST_URI);
    g_assert_nonnull(fixture->host);
}

static void
forwardFixtureTearDown(forwardFixture *fixture, gconstpointer data)
{
    g_clear_pointer(&fixture->shoal, virConnectClose);
    g_clear_pointer(&fixture->host, virConnectClose);
    testLoopInvoke(fixture->daemon.loop, testDaemonStopOnLoop,
                   &fixture->daemon);
    g_clear_pointer(&fixture->daemon.loop, testLoopFree);
    g_clear_pointer(&fixture->daemon.cluster, shoalClusterFree);
    g_assert_cmpint(g_rmdir(fixture->dir), ==, 0);
    g_free(fixture->dir);
    if (fixture->storeDir)
        testRemoveTree(fixture->storeDir);
    g_free(fixture->storeDir);
}

/* Transcript helpers */

/* A failed call: what the client sees of the error. */
static void
forwardError(GString *out, const char *call)
{
    virErrorPtr err = virGetLastError();

    g_assert_nonnull(err);
    g_string_append_printf(out, "%s: error code=%d domain=%d '%s'\n", call,
                           err->code, err->domain, err->message);
    virResetLastError();
}

static void
forwardInt(GString *out, const char *call, int rc)
{
    if (rc < 0)
        forwardError(out, call);
    else
        g_string_append_printf(out, "%s: %d\n", call, rc);
}

static void
forwardParams(
    GString *out, const char *call, int rc, virTypedParameterPtr params, int n)
{
    int i;

    if (rc < 0) {
        forwardError(out, call);
        return;
    }
    g_string_append_printf(out, "%s:\n", call);
    for (i = 0; i < n; i++) {
        g_autofree char *value = NULL;

        /* a slot the answer left unset (over the wire: left out) */
        if (params[i].type == 0)
            continue;
        if (params[i].type == VIR_TYPED_PARAM_STRING)
            value = g_strdup(params[i].value.s);
        else if (params[i].type == VIR_TYPED_PARAM_BOOLEAN)
            value = g_strdup(params[i].value.b ? "yes" : "no");
        else if (params[i].type == VIR_TYPED_PARAM_DOUBLE)
            value = g_strdup_printf("%g", params[i].value.d);
        else
            value = g_strdup_printf("%llu", params[i].value.ul);
        g_string_append_printf(out, "  %s type=%d %s\n", params[i].field,
                               params[i].type, value);
    }
    virTypedParamsClear(params, n);
}

/* A getter with libvirt's "nparams = 0 asks for the count" convention. */
typedef int (*forwardParamsGetter)(virDomainPtr dom,
                                   virTypedParameterPtr params,
                                   int *nparams,
                                   unsigned flags);

static void
forwardParamsByCount(virDomainPtr dom,
                     GString *out,
                     const char *call,
                     forwardParamsGetter get)
{
    virTypedParameter params[32];
    int n = 0;
    int rc = get(dom, NULL, &n, 0);

    forwardInt(out, call, rc < 0 ? rc : n);
    if (rc < 0)
        return;
    g_assert_cmpint(n, <=, G_N_ELEMENTS(params));
    memset(params, 0, sizeof(params));
    rc = get(dom, params, &n, 0);
    forwardParams(out, call, rc, params, n);
}

/* Cases */

static void
forwardCaseMemoryStats(virDomainPtr dom, GString *out)
{
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    int n = virDomainMemoryStats(dom, stats, G_N_ELEMENTS(stats), 0);
    int i;

    forwardInt(out, "virDomainMemoryStats", n);
    for (i = 0; i < n; i++)
        g_string_append_printf(out, "  tag %d = %llu\n", stats[i].tag,
                               stats[i].val);
}

/* The test driver's counters move with the clock: compare what does not. */
static void
forwardCaseDeviceStats(virDomainPtr dom, GString *out)
{
    virDomainBlockStatsStruct block;
    virDomainInterfaceStatsStruct iface;
    virDomainBlockInfo info;

    forwardInt(out, "virDomainBlockStats",
               virDomainBlockStats(dom, "vda", &block, sizeof(block)));
    forwardInt(out, "virDomainInterfaceStats",
               virDomainInterfaceStats(dom, "testnet0", &iface, sizeof(iface)));
    forwardInt(out, "virDomainBlockStats unknown disk",
               virDomainBlockStats(dom, "nosuchdisk", &block, sizeof(block)));
    if (virDomainGetBlockInfo(dom, "vda", &info, 0) < 0)
        forwardError(out, "virDomainGetBlockInfo");
    else
        g_string_append_printf(out, "block info %llu %llu %llu\n",
                               info.capacity, info.allocation, info.physical);
}

static void
forwardCaseScheduler(virDomainPtr dom, GString *out)
{
    virTypedParameter params[4] = { 0 };
    g_autofree char *type = NULL;
    int n = 0;

    /* a change first, so that both runs see the same state */
    params[0].type = VIR_TYPED_PARAM_UINT;
    g_strlcpy(params[0].field, VIR_DOMAIN_SCHEDULER_WEIGHT,
              sizeof(params[0].field));
    params[0].value.ui = 100;
    forwardInt(out, "virDomainSetSchedulerParameters",
               virDomainSetSchedulerParameters(dom, params, 1));
    type = virDomainGetSchedulerType(dom, &n);
    g_string_append_printf(out, "scheduler %s %d\n", type ? type : "-", n);
    g_assert_cmpint(n, <=, G_N_ELEMENTS(params));
    forwardParams(out, "virDomainGetSchedulerParameters",
                  virDomainGetSchedulerParameters(dom, params, &n), params, n);
    /* the client adds VIR_TYPED_PARAM_STRING_OKAY, the test driver
     * refuses it: its own error (VIR_FROM_TEST) must come through */
    n = G_N_ELEMENTS(params);
    forwardParams(out, "virDomainGetSchedulerParametersFlags",
                  virDomainGetSchedulerParametersFlags(dom, params, &n, 0),
                  params, n);
}

static void
forwardCaseTunables(virDomainPtr dom, GString *out)
{
    virTypedParameter set = { .type = VIR_TYPED_PARAM_ULLONG };

    g_strlcpy(set.field, VIR_DOMAIN_MEMORY_HARD_LIMIT, sizeof(set.field));
    set.value.ul = 1048576;
    forwardInt(out, "virDomainSetMemoryParameters",
               virDomainSetMemoryParameters(dom, &set, 1, 0));
    forwardParamsByCount(dom, out, "virDomainGetMemoryParameters",
                         virDomainGetMemoryParameters);
    forwardParamsByCount(dom, out, "virDomainGetBlkioParameters",
                         virDomainGetBlkioParameters);
    forwardParamsByCount(dom, out, "virDomainGetNumaParameters",
                         virDomainGetNumaParameters);
}

static void
forwardCaseDeviceTunables(virDomainPtr dom, GString *out)
{
    /* at most what the protocol carries (REMOTE_..._PARAMETERS_MAX) */
    virTypedParameter params[16] = { 0 };
    virTypedParameterPtr perf = NULL;
    int n = G_N_ELEMENTS(params);

    forwardParams(out, "virDomainGetInterfaceParameters",
                  virDomainGetInterfaceParameters(dom, "testnet0", params, &n,
                                                  0),
                  params, n);
    n = G_N_ELEMENTS(params);
    forwardParams(out, "virDomainGetBlockIoTune",
                  virDomainGetBlockIoTune(dom, "vda", params, &n, 0), params,
                  n);
    n = 0;
    forwardParams(out, "virDomainGetPerfEvents",
                  virDomainGetPerfEvents(dom, &perf, &n, 0), perf, n);
    g_free(perf);
    n = G_N_ELEMENTS(params);
    forwardParams(out, "virDomainBlockStatsFlags",
                  virDomainBlockStatsFlags(dom, "vda", params, &n, 0), params,
                  n);
}

static void
forwardCaseCPUs(virDomainPtr dom, GString *out)
{
    virVcpuInfo info[2];
    unsigned char maps[2] = { 0 };
    unsigned char pin[2] = { 0 };
    unsigned char one = 1;
    int n;
    int i;

    forwardInt(out, "virDomainPinVcpu", virDomainPinVcpu(dom, 1, &one, 1));
    n = virDomainGetVcpus(dom, info, 2, maps, 1);
    forwardInt(out, "virDomainGetVcpus", n);
    for (i = 0; i < n; i++)
        g_string_append_printf(out, "  vcpu %u state %d cpu %d map %x\n",
                               info[i].number, info[i].state, info[i].cpu,
                               maps[i]);
    n = virDomainGetVcpuPinInfo(dom, 2, pin, 1, 0);
    forwardInt(out, "virDomainGetVcpuPinInfo", n);
    g_string_append_printf(out, "  pins %x %x\n", pin[0], pin[1]);
    /* per-CPU figures move with the clock: the field names stay */
    n = virDomainGetCPUStats(dom, NULL, 0, -1, 1, 0);
    forwardInt(out, "virDomainGetCPUStats count", n);
}

static void
forwardCaseIOThreads(virDomainPtr dom, GString *out)
{
    virDomainIOThreadInfoPtr *info = NULL;
    int n;
    int i;

    forwardInt(out, "virDomainAddIOThread",
               virDomainAddIOThread(dom, 7, VIR_DOMAIN_AFFECT_LIVE));
    n = virDomainGetIOThreadInfo(dom, &info, 0);
    forwardInt(out, "virDomainGetIOThreadInfo", n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  iothread %u maplen %d map %x\n",
                               info[i]->iothread_id, info[i]->cpumaplen,
                               info[i]->cpumap[0]);
        virDomainIOThreadInfoFree(info[i]);
    }
    g_free(info);
    forwardInt(out, "virDomainDelIOThread",
               virDomainDelIOThread(dom, 7, VIR_DOMAIN_AFFECT_LIVE));
}

static void
forwardCaseGuest(virDomainPtr dom, GString *out)
{
    virDomainFSInfoPtr *fs = NULL;
    virDomainInterfacePtr *ifaces = NULL;
    g_autofree char *hostname = NULL;
    int n;
    int i;
    size_t j;

    n = virDomainGetFSInfo(dom, &fs, 0);
    forwardInt(out, "virDomainGetFSInfo", n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  fs %s %s %s", fs[i]->mountpoint,
                               fs[i]->name, fs[i]->fstype);
        for (j = 0; j < fs[i]->ndevAlias; j++)
            g_string_append_printf(out, " %s", fs[i]->devAlias[j]);
        g_string_append_c(out, '\n');
        virDomainFSInfoFree(fs[i]);
    }
    g_free(fs);
    n = virDomainInterfaceAddresses(dom, &ifaces,
                                    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
                                    0);
    forwardInt(out, "virDomainInterfaceAddresses", n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  iface %s %s", ifaces[i]->name,
                               ifaces[i]->hwaddr ? ifaces[i]->hwaddr : "-");
        for (j = 0; j < ifaces[i]->naddrs; j++)
            g_string_append_printf(out, " %s/%u", ifaces[i]->addrs[j].addr,
                                   ifaces[i]->addrs[j].prefix);
        g_string_append_c(out, '\n');
        virDomainInterfaceFree(ifaces[i]);
    }
    g_free(ifaces);
    hostname = virDomainGetHostname(dom, 0);
    if (!hostname)
        forwardError(out, "virDomainGetHostname");
    else
        g_string_append_printf(out, "hostname %s\n", hostname);
    forwardInt(out, "virDomainSetUserPassword",
               virDomainSetUserPassword(dom, "root", "secret", 0));
    forwardInt(out, "virDomainFSTrim", virDomainFSTrim(dom, NULL, 0, 0));
    forwardInt(out, "virDomainSetTime", virDomainSetTime(dom, 1000, 0, 0));
}

static void
forwardCaseControl(virDomainPtr dom, GString *out)
{
    virDomainControlInfo info;
    unsigned keys[1] = { 30 };

    if (virDomainGetControlInfo(dom, &info, 0) < 0)
        forwardError(out, "virDomainGetControlInfo");
    else
        g_string_append_printf(out, "control %u %u\n", info.state,
                               info.details);
    forwardInt(out, "virDomainIsUpdated", virDomainIsUpdated(dom));
    forwardInt(out, "virDomainInjectNMI", virDomainInjectNMI(dom, 0));
    forwardInt(out, "virDomainSendKey",
               virDomainSendKey(dom, VIR_KEYCODE_SET_LINUX, 10, keys, 1, 0));
    forwardInt(out, "virDomainSetMemoryStatsPeriod",
               virDomainSetMemoryStatsPeriod(dom, 5, 0));
    forwardInt(out, "virDomainSetLifecycleAction",
               virDomainSetLifecycleAction(dom, VIR_DOMAIN_LIFECYCLE_REBOOT,
                                           VIR_DOMAIN_LIFECYCLE_ACTION_RESTART,
                                           0));
    forwardInt(out, "virDomainManagedSaveRemove",
               virDomainManagedSaveRemove(dom, 0));
}

/* What the test driver does not implement: its errors, unchanged. */
static void
forwardCaseUnsupported(virDomainPtr dom, GString *out)
{
    virDomainBlockJobInfo job;
    char peek[16];
    size_t i;

    forwardInt(out, "virDomainAttachDeviceFlags",
               virDomainAttachDeviceFlags(dom, "<disk type='file'/>", 0));
    forwardInt(out, "virDomainGetBlockJobInfo",
               virDomainGetBlockJobInfo(dom, "vda", &job, 0));
    forwardInt(out, "virDomainBlockResize",
               virDomainBlockResize(dom, "vda", 1, 0));
    forwardInt(out, "virDomainPMWakeup", virDomainPMWakeup(dom, 0));
    forwardInt(out, "virDomainBlockPeek",
               virDomainBlockPeek(dom, "vda", 0, sizeof(peek), peek, 0));
    memset(peek, 0x5a, sizeof(peek));
    forwardInt(out, "virDomainMemoryPeek",
               virDomainMemoryPeek(dom, 0, sizeof(peek), peek,
                                   VIR_MEMORY_VIRTUAL));
    for (i = 0; i < sizeof(peek); i++)
        g_string_append_printf(out, "%02x", (guint8) peek[i]);
    g_string_append_c(out, '\n');
    forwardInt(out, "virDomainSendProcessSignal",
               virDomainSendProcessSignal(dom, 1, VIR_DOMAIN_PROCESS_SIGNAL_NOP,
                                          0));
    forwardInt(out, "virDomainAbortJobFlags", virDomainAbortJobFlags(dom, 0));
    forwardInt(out, "virDomainMigrateStartPostCopy",
               virDomainMigrateStartPostCopy(dom, 0));
}

static void
forwardSnapshotNames(GString *out,
                     const char *call,
                     int n,
                     virDomainSnapshotPtr *snaps)
{
    int i;

    forwardInt(out, call, n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  %s of %s\n",
                               virDomainSnapshotGetName(snaps[i]),
                               virDomainGetName(
                                   virDomainSnapshotGetDomain(snaps[i])));
        virDomainSnapshotFree(snaps[i]);
    }
    g_free(snaps);
}

/* The names a legacy list call wrote into @names (n of them), freed. */
static void
forwardLegacyNames(GString *out, const char *call, int n, char **names)
{
    int i;

    forwardInt(out, call, n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  %s\n", names[i]);
        g_clear_pointer(&names[i], g_free);
    }
}

static void
forwardCaseSnapshots(virDomainPtr dom, GString *out)
{
    g_autoptr(virDomainSnapshot) first = NULL;
    g_autoptr(virDomainSnapshot) second = NULL;
    g_autoptr(virDomainSnapshot) found = NULL;
    g_autoptr(virDomainSnapshot) parent = NULL;
    g_autoptr(virDomainSnapshot) current = NULL;
    g_autofree char *xml = NULL;
    virDomainSnapshotPtr *snaps = NULL;
    char *legacy[4] = { NULL };
    int n;

    forwardInt(out, "virDomainHasCurrentSnapshot",
               virDomainHasCurrentSnapshot(dom, 0));
    first =
        virDomainSnapshotCreateXML(dom,
                                   "<domainsnapshot><name>first</name></domainsnapshot>",
                                   0);
    g_assert_nonnull(first);
    second =
        virDomainSnapshotCreateXML(dom,
                                   "<domainsnapshot><name>second</name></domainsnapshot>",
                                   0);
    g_assert_nonnull(second);
    n = virDomainListAllSnapshots(dom, &snaps, 0);
    forwardSnapshotNames(out, "virDomainListAllSnapshots", n, snaps);
    forwardInt(out, "virDomainListAllSnapshots count",
               virDomainListAllSnapshots(dom, NULL, 0));
    current = virDomainSnapshotCurrent(dom, 0);
    g_string_append_printf(out, "current %s\n",
                           current ? virDomainSnapshotGetName(current) : "-");
    found = virDomainSnapshotLookupByName(dom, "second", 0);
    g_assert_nonnull(found);
    parent = virDomainSnapshotGetParent(found, 0);
    g_string_append_printf(out, "parent %s\n",
                           parent ? virDomainSnapshotGetName(parent) : "-");
    forwardInt(out, "virDomainSnapshotIsCurrent",
               virDomainSnapshotIsCurrent(found, 0));
    forwardInt(out, "virDomainSnapshotHasMetadata",
               virDomainSnapshotHasMetadata(found, 0));
    forwardInt(out, "virDomainSnapshotNumChildren",
               virDomainSnapshotNumChildren(first, 0));
    snaps = NULL;
    n = virDomainSnapshotListAllChildren(first, &snaps, 0);
    forwardSnapshotNames(out, "virDomainSnapshotListAllChildren", n, snaps);
    forwardLegacyNames(out, "virDomainSnapshotListNames",
                       virDomainSnapshotListNames(dom, legacy, 4, 0), legacy);
    forwardLegacyNames(out, "virDomainSnapshotListChildrenNames",
                       virDomainSnapshotListChildrenNames(first, legacy, 4, 0),
                       legacy);
    xml = virDomainSnapshotGetXMLDesc(found, 0);
    g_assert_nonnull(xml);
    g_string_append_printf(out, "xml names second: %d\n",
                           strstr(xml, "<name>second</name>") != NULL);
    forwardInt(out, "virDomainSnapshotGetParent of a root",
               virDomainSnapshotGetParent(first, 0) ? 0 : -1);
    forwardInt(out, "virDomainSnapshotLookupByName unknown",
               virDomainSnapshotLookupByName(dom, "nosuch", 0) ? 0 : -1);
    forwardInt(out, "virDomainRevertToSnapshot",
               virDomainRevertToSnapshot(first, 0));
    forwardInt(out, "virDomainSnapshotDelete children",
               virDomainSnapshotDelete(first,
                                       VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN));
    forwardInt(out, "virDomainSnapshotDelete gone",
               virDomainSnapshotDelete(second, 0));
    forwardInt(out, "virDomainHasCurrentSnapshot after",
               virDomainHasCurrentSnapshot(dom, 0));
}

static void
forwardCaseCheckpoints(virDomainPtr dom, GString *out)
{
    g_autoptr(virDomainCheckpoint) cp = NULL;
    g_autoptr(virDomainCheckpoint) found = NULL;
    g_autofree char *xml = NULL;
    virDomainCheckpointPtr *cps = NULL;
    int n;
    int i;

    cp =
        virDomainCheckpointCreateXML(dom,
                                     "<domaincheckpoint><name>cp1</name></domaincheckpoint>",
                                     0);
    forwardInt(out, "virDomainCheckpointCreateXML", cp ? 0 : -1);
    n = virDomainListAllCheckpoints(dom, &cps, 0);
    forwardInt(out, "virDomainListAllCheckpoints", n);
    for (i = 0; i < n; i++) {
        g_string_append_printf(out, "  %s\n",
                               virDomainCheckpointGetName(cps[i]));
        virDomainCheckpointFree(cps[i]);
    }
    g_free(cps);
    found = virDomainCheckpointLookupByName(dom, "cp1", 0);
    forwardInt(out, "virDomainCheckpointLookupByName", found ? 0 : -1);
    if (!found)
        return;
    xml = virDomainCheckpointGetXMLDesc(found, 0);
    g_string_append_printf(out, "xml names cp1: %d\n",
                           xml && strstr(xml, "<name>cp1</name>") != NULL);
    forwardInt(out, "virDomainCheckpointGetParent",
               virDomainCheckpointGetParent(found, 0) ? 0 : -1);
    forwardInt(out, "virDomainCheckpointDelete",
               virDomainCheckpointDelete(found, 0));
}

static void
forwardTestCase(forwardFixture *fixture, gconstpointer data)
{
    const forwardCase *tc = data;
    g_autoptr(virDomain) viaShoal =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    g_autoptr(virDomain) direct =
        virDomainLookupByName(fixture->host, FORWARD_DOMAIN);
    g_autoptr(GString) shoalOut = g_string_new(NULL);
    g_autoptr(GString) hostOut = g_string_new(NULL);

    g_assert_nonnull(viaShoal);
    g_assert_nonnull(direct);
    tc->func(viaShoal, shoalOut);
    tc->func(direct, hostOut);
    g_test_message("through Shoal:\n%s", shoalOut->str);
    g_assert_cmpstr(shoalOut->str, ==, hostOut->str);
}

/* Returned snapshots name Shoal's domain, with Shoal's id. */
static void
forwardTestSnapshotDomain(forwardFixture *fixture, gconstpointer data)
{
    g_autoptr(virDomain) dom =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    g_autoptr(virDomainSnapshot) snap = NULL;
    g_autoptr(shoalDomainRef) ref =
        shoalClusterLookupDomainByName(fixture->daemon.cluster, FORWARD_DOMAIN,
                                       NULL);
    virDomainSnapshotPtr *snaps = NULL;
    int n;
    int i;

    g_assert_nonnull(dom);
    g_assert_nonnull(ref);
    snap =
        virDomainSnapshotCreateXML(dom,
                                   "<domainsnapshot><name>ids</name></domainsnapshot>",
                                   0);
    g_assert_nonnull(snap);
    g_assert_cmpint(virDomainGetID(virDomainSnapshotGetDomain(snap)), ==,
                    ref->id);
    n = virDomainListAllSnapshots(dom, &snaps, 0);
    g_assert_cmpint(n, ==, 1);
    for (i = 0; i < n; i++) {
        g_assert_cmpint(virDomainGetID(virDomainSnapshotGetDomain(snaps[i])),
                        ==, ref->id);
        virDomainSnapshotFree(snaps[i]);
    }
    g_free(snaps);
    g_assert_cmpint(virDomainSnapshotDelete(snap, 0), ==, 0);
}

/* A host's error keeps its own error domain (here VIR_FROM_TEST). */
static void
forwardTestErrorDomain(forwardFixture *fixture, gconstpointer data)
{
    g_autoptr(virDomain) dom =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    virErrorPtr err;

    g_assert_nonnull(dom);
    g_assert_null(virDomainSnapshotLookupByName(dom, "nosuch", 0));
    err = virGetLastError();
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, VIR_ERR_NO_DOMAIN_SNAPSHOT);
    g_assert_cmpint(err->domain, ==, VIR_FROM_TEST);
    g_assert_nonnull(strstr(err->message, "nosuch"));
    virResetLastError();
}

static const forwardCase forwardCases[] = {
    { "/integration/forward/memory-stats", forwardCaseMemoryStats },
    { "/integration/forward/device-stats", forwardCaseDeviceStats },
    { "/integration/forward/scheduler", forwardCaseScheduler },
    { "/integration/forward/tunables", forwardCaseTunables },
    { "/integration/forward/device-tunables", forwardCaseDeviceTunables },
    { "/integration/forward/cpus", forwardCaseCPUs },
    { "/integration/forward/iothreads", forwardCaseIOThreads },
    { "/integration/forward/guest", forwardCaseGuest },
    { "/integration/forward/control", forwardCaseControl },
    { "/integration/forward/unsupported", forwardCaseUnsupported },
    { "/integration/forward/snapshots", forwardCaseSnapshots },
    { "/integration/forward/checkpoints", forwardCaseCheckpoints },
};

static bool
forwardStoreHas(gpointer opaque, gconstpointer data)
{
    const char *const *what = data; /* record file, text */
    g_autofree char *text = NULL;

    return g_file_get_contents(what[0], &text, NULL, NULL) &&
           strstr(text, what[1]) != NULL;
}

/* A change to the definition through Shoal reaches its stored copy. */
static void
forwardTestStoreRefresh(forwardFixture *fixture, gconstpointer data)
{
    g_autoptr(virDomain) dom =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *record = NULL;
    const char *what[2];

    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainGetUUIDString(dom, uuid), ==, 0);
    record = g_strdup_printf("%s/domains/%s.json", fixture->storeDir, uuid);
    what[0] = record;
    what[1] = "iothread id='9'";
    g_assert_false(forwardStoreHas(fixture, what));
    g_assert_cmpint(virDomainAddIOThread(dom, 9, VIR_DOMAIN_AFFECT_CONFIG), ==,
                    0);
    /* stored before the call returned: no waiting */
    g_assert_true(forwardStoreHas(fixture, what));
    g_assert_cmpint(virDomainDelIOThread(dom, 9, VIR_DOMAIN_AFFECT_CONFIG), ==,
                    0);
    g_assert_false(forwardStoreHas(fixture, what));
}

/* No security driver is applied through Shoal: one empty label, as for
 * virDomainGetSecurityLabel(). */
static void
forwardTestSecurityLabelList(forwardFixture *fixture, gconstpointer data)
{
    g_autoptr(virDomain) dom =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    virSecurityLabelPtr labels = NULL;

    g_assert_nonnull(dom);
    g_assert_cmpint(virDomainGetSecurityLabelList(dom, &labels), ==, 1);
    g_assert_cmpstr(labels[0].label, ==, "");
    g_assert_cmpint(labels[0].enforcing, ==, 0);
    g_free(labels);
}

/* A screenshot as the client library receives it: MIME type and bytes. */
static GBytes *
forwardScreenshot(virConnectPtr conn, char **mime)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(conn, FORWARD_DOMAIN);
    g_autoptr(GByteArray) image = g_byte_array_new();
    virStreamPtr st = virStreamNew(conn, 0);
    char buf[4096];
    int n;
    int rc;

    g_assert_nonnull(dom);
    g_assert_nonnull(st);
    *mime = virDomainScreenshot(dom, st, 0, 0);
    g_assert_nonnull(*mime);
    while ((n = virStreamRecv(st, buf, sizeof(buf))) > 0)
        g_byte_array_append(image, (const guint8 *) buf, n);
    g_assert_cmpint(n, ==, 0);
    rc = virStreamFinish(st);
    if (rc < 0)
        g_test_message("finish: %s", virGetLastErrorMessage());
    g_assert_cmpint(rc, ==, 0);
    virStreamFree(st);
    return g_byte_array_free_to_bytes(g_steal_pointer(&image));
}

/* The screenshot stream is relayed byte for byte, and the host's end of a
 * stream the client aborts is closed: the next one works. */
static void
forwardTestScreenshotStream(forwardFixture *fixture, gconstpointer data)
{
    g_autofree char *hostMime = NULL;
    g_autofree char *shoalMime = NULL;
    g_autofree char *mime = NULL;
    g_autofree char *againMime = NULL;
    g_autoptr(GBytes) viaHost = forwardScreenshot(fixture->host, &hostMime);
    g_autoptr(GBytes) viaShoal = forwardScreenshot(fixture->shoal, &shoalMime);
    g_autoptr(GBytes) again = NULL;
    g_autoptr(virDomain) dom =
        virDomainLookupByName(fixture->shoal, FORWARD_DOMAIN);
    virStreamPtr st = virStreamNew(fixture->shoal, 0);
    char buf[16];

    g_assert_cmpstr(shoalMime, ==, hostMime);
    g_assert_cmpuint(g_bytes_get_size(viaHost), >, 1000);
    g_assert_true(g_bytes_equal(viaShoal, viaHost));

    mime = virDomainScreenshot(dom, st, 0, 0);
    g_assert_nonnull(mime);
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), >, 0);
    g_assert_cmpint(virStreamAbort(st), ==, 0);
    virStreamFree(st);

    again = forwardScreenshot(fixture->shoal, &againMime);
    g_assert_true(g_bytes_equal(again, viaHost));
}

static void
forwardAdd(const char *path,
           gconstpointer data,
           void (*test)(forwardFixture *fixture, gconstpointer data))
{
    g_test_add(path, forwardFixture, data, forwardFixtureSetUp, test,
               forwardFixtureTearDown);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalEventLoop) events = NULL;
    size_t i;

    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);
    events = shoalEventLoopNew(&error);
    g_assert_no_error(error);

    for (i = 0; i < G_N_ELEMENTS(forwardCases); i++)
        forwardAdd(forwardCases[i].path, &forwardCases[i], forwardTestCase);
    forwardAdd("/integration/forward/snapshot-domain-id", NULL,
               forwardTestSnapshotDomain);
    forwardAdd("/integration/forward/error-domain", NULL,
               forwardTestErrorDomain);
    forwardAdd("/integration/forward/store-refresh", forwardWithStore,
               forwardTestStoreRefresh);
    forwardAdd("/integration/forward/security-label-list", NULL,
               forwardTestSecurityLabelList);
    forwardAdd("/integration/forward/screenshot-stream", NULL,
               forwardTestScreenshotStream);
    return g_test_run();
}
