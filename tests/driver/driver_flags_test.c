/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for driver_flags.c: flags are checked as libvirt's virCheckFlags
 * checks them, with the same error code and text.
 */

#include <config.h>

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "driver_flags.h"
#include "util_error.h"

typedef struct {
    unsigned flags;
    unsigned supported;
    const char *function;
    const char *message; /* NULL: the flags are accepted */
} flagsTestCase;

static const flagsTestCase flagsTestCases[] = {
    { 0, 0, "virFoo", NULL },
    { 0, 0x7, "virFoo", NULL },
    { 0x1, 0x1, "virFoo", NULL },
    { 0x5, 0x7, "virFoo", NULL },
    { 0xffffffff, 0xffffffff, "virFoo", NULL },
    { 0x4, 0x3, "virFoo",
      "invalid argument: unsupported flags (0x4) in function virFoo" },
    { 0x4, 0, "virFoo",
      "invalid argument: unsupported flags (0x4) in function virFoo" },
    /* only the unsupported bits are named */
    { 0x7, 0x1, "virDomainCreateWithFlags",
      "invalid argument: unsupported flags (0x6) in function virDomainCreateWithFlags" },
    { 0x80000001, 0x1, "virConnectListAllDomains",
      "invalid argument: unsupported flags (0x80000000) in function virConnectListAllDomains" },
    { 0xffffffff, 0, "virFoo",
      "invalid argument: unsupported flags (0xffffffff) in function virFoo" },
    { 0x1a, 0x2, "virFoo",
      "invalid argument: unsupported flags (0x18) in function virFoo" },
};

static void
testCheck(gconstpointer data)
{
    const flagsTestCase *tc = data;
    g_autoptr(GError) error = NULL;
    bool ok;

    ok = shoalDriverCheckFlags(tc->flags, tc->supported, tc->function, &error);
    if (!tc->message) {
        g_assert_no_error(error);
        g_assert_true(ok);
        return;
    }
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(error->message, ==, tc->message);
    g_assert_false(ok);
}

/* A NULL @error is allowed: the answer alone still counts. */
static void
testNoError(void)
{
    g_assert_true(shoalDriverCheckFlags(0x1, 0x1, "virFoo", NULL));
    g_assert_false(shoalDriverCheckFlags(0x2, 0x1, "virFoo", NULL));
}

/* virConnectListAllDomains: every filter of libvirt 9.0, nothing more. */
static void
testListDomainsFlags(void)
{
    const unsigned filters[] = {
        VIR_CONNECT_LIST_DOMAINS_ACTIVE,
        VIR_CONNECT_LIST_DOMAINS_INACTIVE,
        VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
        VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
        VIR_CONNECT_LIST_DOMAINS_RUNNING,
        VIR_CONNECT_LIST_DOMAINS_PAUSED,
        VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
        VIR_CONNECT_LIST_DOMAINS_OTHER,
        VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
        VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
        VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
        VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
        VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
        VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
        VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
        VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
    };
    g_autoptr(GError) error = NULL;
    unsigned all = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(filters); i++) {
        g_assert_true(
            shoalDriverCheckFlags(filters[i], SHOAL_LIST_DOMAINS_FLAGS,
                                  "virConnectListAllDomains", &error));
        g_assert_no_error(error);
        all |= filters[i];
    }
    g_assert_cmphex(all, ==, SHOAL_LIST_DOMAINS_FLAGS);

    g_assert_false(shoalDriverCheckFlags(all | (1U << 16),
                                         SHOAL_LIST_DOMAINS_FLAGS,
                                         "virConnectListAllDomains", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(error->message, ==,
                    "invalid argument: unsupported flags (0x10000) in function virConnectListAllDomains");
}

int
main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(flagsTestCases); i++) {
        g_autofree char *path =
            g_strdup_printf("/driver/flags/check/%s/0x%x-of-0x%x",
                            flagsTestCases[i].message ? "reject" : "accept",
                            flagsTestCases[i].flags,
                            flagsTestCases[i].supported);

        g_test_add_data_func(path, &flagsTestCases[i], testCheck);
    }
    g_test_add_func("/driver/flags/no-error", testNoError);
    g_test_add_func("/driver/flags/list-domains", testListDomainsFlags);

    return g_test_run();
}
