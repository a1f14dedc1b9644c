/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Every domain event Shoal relays, as its encoder puts it on the wire,
 * decoded with libvirt 9.0's own codec (rpcgen of its remote_protocol.x's
 * event messages, tests/data/driver/libvirt_events.x): the procedure number
 * and each field must come out as a libvirt client reads them. The values
 * go in as the cluster's relays take them from libvirt's callbacks: the
 * numbers and then the strings, each in the callback's parameter order.
 */

#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "driver_event.h"
#include "driver_message.h"
#include "tests/driver/driver_event_ref.h"

#define TEST_CALLBACK 42

static const unsigned char testUuid[VIR_UUID_BUFLEN] = {
    0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
    0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
};
static const shoalDomainRef testDom = {
    .name = (char *) "ev-dom",
    .uuid = {
        0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
        0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
    },
    .id = 7,
};

/* distinct values, wide enough to catch a truncated hyper */
static const unsigned long long testNums[4] = {
    0x1122334455ULL,
    5,
    6,
    7,
};
static const char *const testStrs[6] = {
    "str0", "str1", "str2", "str3", "str4", "str5",
};

static shoalClusterEvent
testEvent(int eventId)
{
    shoalClusterEvent event = {
        .eventId = eventId,
        .dom = &testDom,
        .nums = testNums,
        .strs = testStrs,
    };

    return event;
}

/* Encodes @event, checks its header, decodes it into @msg with libvirt's
 * @filter, which must take the whole payload. */
static void
testDecode(const shoalClusterEvent *event,
           int wantProc,
           xdrproc_t filter,
           void *msg)
{
    g_autoptr(GBytes) packet = shoalDriverEventEncode(TEST_CALLBACK, event);
    shoalMessageHeader hdr;
    const guint8 *buf;
    gsize len;
    guint32 plen;
    XDR xdr;

    g_assert_nonnull(packet);
    buf = g_bytes_get_data(packet, &len);
    g_assert_true(shoalMessageDecodeLength(buf, &plen, NULL));
    g_assert_cmpuint(plen, ==, len);
    g_assert_true(shoalMessageDecodeHeader(buf, len, &hdr, NULL));
    g_assert_cmpuint(hdr.prog, ==, 0x20008086); /* libvirt's REMOTE_PROGRAM */
    g_assert_cmpuint(hdr.vers, ==, 1);
    g_assert_cmpint(hdr.proc, ==, wantProc);
    g_assert_cmpint(hdr.type, ==, SHOAL_MESSAGE_TYPE_MESSAGE);
    g_assert_cmpint(hdr.status, ==, SHOAL_MESSAGE_STATUS_OK);

    xdrmem_create(&xdr, (char *) buf + SHOAL_MESSAGE_MIN,
                  len - SHOAL_MESSAGE_MIN, XDR_DECODE);
    g_assert_true(filter(&xdr, msg, 0));
    g_assert_cmpuint(xdr_getpos(&xdr), ==, len - SHOAL_MESSAGE_MIN);
    xdr_destroy(&xdr);
}

static void
testCheckDom(const lvref_nonnull_domain *dom)
{
    g_assert_cmpstr(dom->name, ==, "ev-dom");
    g_assert_cmpmem(dom->uuid, VIR_UUID_BUFLEN, testUuid, VIR_UUID_BUFLEN);
    g_assert_cmpint(dom->id, ==, 7);
}

/* Decodes event @ID as libvirt's struct TYPE into m, procedure PROC. */
#define TEST_DECODE(ID, TYPE, PROC)       \
    shoalClusterEvent ev = testEvent(ID); \
    TYPE m = { 0 };                       \
    testDecode(&ev, PROC, (xdrproc_t) xdr_##TYPE, &m)

#define TEST_FREE(TYPE) xdr_free((xdrproc_t) xdr_##TYPE, (char *) &m)

static void
testLifecycle(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_LIFECYCLE);
    lvref_domain_event_callback_lifecycle_msg m = { 0 };

    ev.event = VIR_DOMAIN_EVENT_STOPPED;
    ev.detail = VIR_DOMAIN_EVENT_STOPPED_MIGRATED;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
               (xdrproc_t) xdr_lvref_domain_event_callback_lifecycle_msg, &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpint(m.msg.event, ==, VIR_DOMAIN_EVENT_STOPPED);
    g_assert_cmpint(m.msg.detail, ==, VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
    TEST_FREE(lvref_domain_event_callback_lifecycle_msg);
}

static void
testReboot(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_REBOOT,
                lvref_domain_event_callback_reboot_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_REBOOT);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    TEST_FREE(lvref_domain_event_callback_reboot_msg);
}

static void
testRtcChange(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_RTC_CHANGE,
                lvref_domain_event_callback_rtc_change_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpint(m.msg.offset, ==, (long long) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_rtc_change_msg);
}

static void
testWatchdog(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_WATCHDOG,
                lvref_domain_event_callback_watchdog_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpint(m.msg.action, ==, (int) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_watchdog_msg);
}

static void
testIOError(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_IO_ERROR,
                lvref_domain_event_callback_io_error_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpstr(m.msg.srcPath, ==, "str0");
    g_assert_cmpstr(m.msg.devAlias, ==, "str1");
    g_assert_cmpint(m.msg.action, ==, (int) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_io_error_msg);
}

static void
testGraphics(void)
{
    static const char *const subject[] = {
        "x509dname", "CN=client", "saslUsername", "fred", NULL,
    };
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_GRAPHICS);
    lvref_domain_event_callback_graphics_msg m = { 0 };
    /* phase, local family, remote family */
    static const unsigned long long nums[4] = {
        VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE,
        VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4,
        VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV6,
        0,
    };

    ev.nums = nums;
    ev.subject = subject;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS,
               (xdrproc_t) xdr_lvref_domain_event_callback_graphics_msg, &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpint(m.msg.phase, ==, VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE);
    g_assert_cmpint(m.msg.local.family, ==,
                    VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4);
    g_assert_cmpstr(m.msg.local.node, ==, "str0");
    g_assert_cmpstr(m.msg.local.service, ==, "str1");
    g_assert_cmpint(m.msg.remote.family, ==,
                    VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV6);
    g_assert_cmpstr(m.msg.remote.node, ==, "str2");
    g_assert_cmpstr(m.msg.remote.service, ==, "str3");
    g_assert_cmpstr(m.msg.authScheme, ==, "str4");
    g_assert_cmpuint(m.msg.subject.subject_len, ==, 2);
    g_assert_cmpstr(m.msg.subject.subject_val[0].type, ==, "x509dname");
    g_assert_cmpstr(m.msg.subject.subject_val[0].name, ==, "CN=client");
    g_assert_cmpstr(m.msg.subject.subject_val[1].type, ==, "saslUsername");
    g_assert_cmpstr(m.msg.subject.subject_val[1].name, ==, "fred");
    TEST_FREE(lvref_domain_event_callback_graphics_msg);
}

static void
testIOErrorReason(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON,
                lvref_domain_event_callback_io_error_reason_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpstr(m.msg.srcPath, ==, "str0");
    g_assert_cmpstr(m.msg.devAlias, ==, "str1");
    g_assert_cmpint(m.msg.action, ==, (int) testNums[0]);
    g_assert_cmpstr(m.msg.reason, ==, "str2");
    TEST_FREE(lvref_domain_event_callback_io_error_reason_msg);
}

static void
testControlError(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_CONTROL_ERROR,
                lvref_domain_event_callback_control_error_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    TEST_FREE(lvref_domain_event_callback_control_error_msg);
}

static void
testBlockJob(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_BLOCK_JOB,
                lvref_domain_event_callback_block_job_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpstr(m.msg.path, ==, "str0");
    g_assert_cmpint(m.msg.type, ==, (int) testNums[0]);
    g_assert_cmpint(m.msg.status, ==, (int) testNums[1]);
    TEST_FREE(lvref_domain_event_callback_block_job_msg);
}

static void
testDiskChange(void)
{
    static const char *const strs[6] = { NULL, "new", "disk0" };
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_DISK_CHANGE);
    lvref_domain_event_callback_disk_change_msg m = { 0 };

    /* the old source absent: a NULL remote_string, not "" */
    ev.strs = strs;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE,
               (xdrproc_t) xdr_lvref_domain_event_callback_disk_change_msg, &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_null(m.msg.oldSrcPath);
    g_assert_nonnull(m.msg.newSrcPath);
    g_assert_cmpstr(*m.msg.newSrcPath, ==, "new");
    g_assert_cmpstr(m.msg.devAlias, ==, "disk0");
    g_assert_cmpint(m.msg.reason, ==, (int) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_disk_change_msg);
}

static void
testTrayChange(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_TRAY_CHANGE,
                lvref_domain_event_callback_tray_change_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpstr(m.msg.devAlias, ==, "str0");
    g_assert_cmpint(m.msg.reason, ==, (int) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_tray_change_msg);
}

static void
testPMWakeup(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_PMWAKEUP,
                lvref_domain_event_callback_pmwakeup_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    g_assert_cmpint(m.reason, ==, (int) testNums[0]);
    testCheckDom(&m.msg.dom);
    TEST_FREE(lvref_domain_event_callback_pmwakeup_msg);
}

static void
testPMSuspend(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_PMSUSPEND,
                lvref_domain_event_callback_pmsuspend_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    g_assert_cmpint(m.reason, ==, (int) testNums[0]);
    testCheckDom(&m.msg.dom);
    TEST_FREE(lvref_domain_event_callback_pmsuspend_msg);
}

static void
testBalloonChange(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE);
    lvref_domain_event_callback_balloon_change_msg m = { 0 };

    ev.value = 0x123456789ULL;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE,
               (xdrproc_t) xdr_lvref_domain_event_callback_balloon_change_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpuint(m.msg.actual, ==, 0x123456789ULL);
    TEST_FREE(lvref_domain_event_callback_balloon_change_msg);
}

static void
testPMSuspendDisk(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK,
                lvref_domain_event_callback_pmsuspend_disk_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    g_assert_cmpint(m.reason, ==, (int) testNums[0]);
    testCheckDom(&m.msg.dom);
    TEST_FREE(lvref_domain_event_callback_pmsuspend_disk_msg);
}

static void
testDeviceRemoved(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED);
    lvref_domain_event_callback_device_removed_msg m = { 0 };

    ev.str = "net1";
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED,
               (xdrproc_t) xdr_lvref_domain_event_callback_device_removed_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.msg.dom);
    g_assert_cmpstr(m.msg.devAlias, ==, "net1");
    TEST_FREE(lvref_domain_event_callback_device_removed_msg);
}

static void
testBlockJob2(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                lvref_domain_event_block_job_2_msg,
                LVREF_PROC_DOMAIN_EVENT_BLOCK_JOB_2);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpstr(m.dst, ==, "str0");
    g_assert_cmpint(m.type, ==, (int) testNums[0]);
    g_assert_cmpint(m.status, ==, (int) testNums[1]);
    TEST_FREE(lvref_domain_event_block_job_2_msg);
}

/* Typed parameters as the cluster keeps them: an int and a string. */
static GPtrArray *
testParams(void)
{
    GPtrArray *params =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalTypedParamFree);
    shoalTypedParam *p = g_new0(shoalTypedParam, 1);

    p->field = g_strdup(VIR_DOMAIN_TUNABLE_CPU_CPU_SHARES);
    p->type = VIR_TYPED_PARAM_ULLONG;
    p->value.ul = 2048;
    g_ptr_array_add(params, p);
    p = g_new0(shoalTypedParam, 1);
    p->field = g_strdup(VIR_DOMAIN_TUNABLE_CPU_VCPUPIN "0");
    p->type = VIR_TYPED_PARAM_STRING;
    p->value.s = g_strdup("0-1");
    g_ptr_array_add(params, p);
    return params;
}

static void
testCheckParams(const lvref_typed_param *val, u_int len)
{
    g_assert_cmpuint(len, ==, 2);
    g_assert_cmpstr(val[0].field, ==, VIR_DOMAIN_TUNABLE_CPU_CPU_SHARES);
    g_assert_cmpint(val[0].value.type, ==, VIR_TYPED_PARAM_ULLONG);
    g_assert_cmpuint(val[0].value.lvref_typed_param_value_u.ul, ==, 2048);
    g_assert_cmpstr(val[1].field, ==, VIR_DOMAIN_TUNABLE_CPU_VCPUPIN "0");
    g_assert_cmpint(val[1].value.type, ==, VIR_TYPED_PARAM_STRING);
    g_assert_cmpstr(val[1].value.lvref_typed_param_value_u.s, ==, "0-1");
}

static void
testTunable(void)
{
    g_autoptr(GPtrArray) params = testParams();
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_TUNABLE);
    lvref_domain_event_callback_tunable_msg m = { 0 };

    ev.params = params;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE,
               (xdrproc_t) xdr_lvref_domain_event_callback_tunable_msg, &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    testCheckParams(m.params.params_val, m.params.params_len);
    TEST_FREE(lvref_domain_event_callback_tunable_msg);
}

static void
testAgentLifecycle(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE);
    lvref_domain_event_callback_agent_lifecycle_msg m = { 0 };

    ev.event = VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED;
    ev.detail = VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE,
               (xdrproc_t) xdr_lvref_domain_event_callback_agent_lifecycle_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpint(m.state, ==,
                    VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED);
    g_assert_cmpint(m.reason, ==,
                    VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL);
    TEST_FREE(lvref_domain_event_callback_agent_lifecycle_msg);
}

static void
testDeviceAdded(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_DEVICE_ADDED);
    lvref_domain_event_callback_device_added_msg m = { 0 };

    ev.str = "ua-disk";
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED,
               (xdrproc_t) xdr_lvref_domain_event_callback_device_added_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpstr(m.devAlias, ==, "ua-disk");
    TEST_FREE(lvref_domain_event_callback_device_added_msg);
}

static void
testMigrationIteration(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                lvref_domain_event_callback_migration_iteration_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpint(m.iteration, ==, (int) testNums[0]);
    TEST_FREE(lvref_domain_event_callback_migration_iteration_msg);
}

static void
testJobCompleted(void)
{
    g_autoptr(GPtrArray) params = testParams();
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_JOB_COMPLETED);
    lvref_domain_event_callback_job_completed_msg m = { 0 };

    ev.params = params;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
               (xdrproc_t) xdr_lvref_domain_event_callback_job_completed_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    testCheckParams(m.params.params_val, m.params.params_len);
    TEST_FREE(lvref_domain_event_callback_job_completed_msg);
}

static void
testDeviceRemovalFailed(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
                lvref_domain_event_callback_device_removal_failed_msg,
                LVREF_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpstr(m.devAlias, ==, "str0");
    TEST_FREE(lvref_domain_event_callback_device_removal_failed_msg);
}

static void
testMetadataChange(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_METADATA_CHANGE);
    lvref_domain_event_callback_metadata_change_msg m = { 0 };

    ev.event = VIR_DOMAIN_METADATA_ELEMENT;
    ev.str = "http://example.org/ns";
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE,
               (xdrproc_t) xdr_lvref_domain_event_callback_metadata_change_msg,
               &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpint(m.type, ==, VIR_DOMAIN_METADATA_ELEMENT);
    g_assert_nonnull(m.nsuri);
    g_assert_cmpstr(*m.nsuri, ==, "http://example.org/ns");
    TEST_FREE(lvref_domain_event_callback_metadata_change_msg);
}

static void
testBlockThreshold(void)
{
    static const char *const strs[6] = { "vda[1]", NULL };
    static const unsigned long long nums[4] = {
        0x100000000ULL,
        0x200000001ULL,
    };
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD);
    lvref_domain_event_block_threshold_msg m = { 0 };

    ev.strs = strs;
    ev.nums = nums;
    testDecode(&ev, LVREF_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD,
               (xdrproc_t) xdr_lvref_domain_event_block_threshold_msg, &m);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpstr(m.dev, ==, "vda[1]");
    g_assert_null(m.path);
    g_assert_cmpuint(m.threshold, ==, 0x100000000ULL);
    g_assert_cmpuint(m.excess, ==, 0x200000001ULL);
    TEST_FREE(lvref_domain_event_block_threshold_msg);
}

static void
testMemoryFailure(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE,
                lvref_domain_event_memory_failure_msg,
                LVREF_PROC_DOMAIN_EVENT_MEMORY_FAILURE);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpint(m.recipient, ==, (int) testNums[0]);
    g_assert_cmpint(m.action, ==, (int) testNums[1]);
    g_assert_cmpuint(m.flags, ==, (unsigned) testNums[2]);
    TEST_FREE(lvref_domain_event_memory_failure_msg);
}

static void
testMemoryDeviceSizeChange(void)
{
    TEST_DECODE(VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE,
                lvref_domain_event_memory_device_size_change_msg,
                LVREF_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE);
    g_assert_cmpint(m.callbackID, ==, TEST_CALLBACK);
    testCheckDom(&m.dom);
    g_assert_cmpstr(m.alias, ==, "str0");
    g_assert_cmpuint(m.size, ==, testNums[0]);
    TEST_FREE(lvref_domain_event_memory_device_size_change_msg);
}

/* An event ID past libvirt 9.0's is not put on the wire. */
static void
testUnknown(void)
{
    shoalClusterEvent ev = testEvent(VIR_DOMAIN_EVENT_ID_LAST);
    g_autoptr(GBytes) packet = shoalDriverEventEncode(TEST_CALLBACK, &ev);

    g_assert_null(packet);
}

int
main(int argc, char **argv)
{
    /* one per libvirt 9.0 event ID, in its order */
    static const struct {
        const char *path;
        GTestFunc func;
    } tests[] = {
        { "/event/lifecycle", testLifecycle },
        { "/event/reboot", testReboot },
        { "/event/rtc-change", testRtcChange },
        { "/event/watchdog", testWatchdog },
        { "/event/io-error", testIOError },
        { "/event/graphics", testGraphics },
        { "/event/io-error-reason", testIOErrorReason },
        { "/event/control-error", testControlError },
        { "/event/block-job", testBlockJob },
        { "/event/disk-change", testDiskChange },
        { "/event/tray-change", testTrayChange },
        { "/event/pmwakeup", testPMWakeup },
        { "/event/pmsuspend", testPMSuspend },
        { "/event/balloon-change", testBalloonChange },
        { "/event/pmsuspend-disk", testPMSuspendDisk },
        { "/event/device-removed", testDeviceRemoved },
        { "/event/block-job-2", testBlockJob2 },
        { "/event/tunable", testTunable },
        { "/event/agent-lifecycle", testAgentLifecycle },
        { "/event/device-added", testDeviceAdded },
        { "/event/migration-iteration", testMigrationIteration },
        { "/event/job-completed", testJobCompleted },
        { "/event/device-removal-failed", testDeviceRemovalFailed },
        { "/event/metadata-change", testMetadataChange },
        { "/event/block-threshold", testBlockThreshold },
        { "/event/memory-failure", testMemoryFailure },
        { "/event/memory-device-size-change", testMemoryDeviceSizeChange },
    };
    size_t i;

    G_STATIC_ASSERT(G_N_ELEMENTS(tests) == VIR_DOMAIN_EVENT_ID_LAST);
    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(tests); i++)
        g_test_add_func(tests[i].path, tests[i].func);
    g_test_add_func("/event/unknown", testUnknown);
    return g_test_run();
}
