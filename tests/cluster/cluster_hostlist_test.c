/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shoalHostList: the members, the run state, the first reads at start. */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_hostlist.h"
#include "util_error.h"

static void
hostListAdd(shoalHostList *list, const char *name)
{
    g_autoptr(shoalHost) host = shoalHostNew(name, "test:///default", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalHostListAdd(list, host, &error));
    g_assert_no_error(error);
}

static void
testHostListMembers(void)
{
    g_autoptr(shoalHostList) list = shoalHostListNew();
    g_autoptr(shoalHost) dup = shoalHostNew("b", "test:///default", NULL);
    g_autoptr(shoalHost) found = NULL;
    g_autoptr(shoalHost) taken = NULL;
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GError) error = NULL;

    hostListAdd(list, "b");
    hostListAdd(list, "a");
    g_assert_false(shoalHostListAdd(list, dup, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_clear_error(&error);

    all = shoalHostListGetAll(list);
    g_assert_cmpuint(all->len, ==, 2);
    g_assert_cmpstr(((shoalHost *) all->pdata[0])->name, ==, "a");
    g_assert_cmpstr(((shoalHost *) all->pdata[1])->name, ==, "b");

    found = shoalHostListLookup(list, "a", &error);
    g_assert_no_error(error);
    g_assert_true(found == all->pdata[0]);
    taken = shoalHostListTake(list, "a");
    g_assert_true(taken == found);
    g_assert_null(shoalHostListTake(list, "a"));
    g_assert_null(shoalHostListLookup(list, "a", &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
}

/* Once closed, the list takes no work; autostart is claimed once. */
static void
testHostListRunState(void)
{
    g_autoptr(shoalHostList) list = shoalHostListNew();

    g_assert_false(shoalHostListIsStarted(list));
    shoalHostListBeginFirstReads(list, 0);
    g_assert_true(shoalHostListIsStarted(list));
    g_assert_false(shoalHostListAutostartClaimed(list));
    g_assert_true(shoalHostListClaimAutostart(list));
    g_assert_true(shoalHostListAutostartClaimed(list));
    g_assert_false(shoalHostListClaimAutostart(list));

    g_assert_true(shoalHostListEnter(list));
    shoalHostListLeave(list);
    g_assert_true(shoalHostListClose(list));
    g_assert_false(shoalHostListClose(list));
    g_assert_false(shoalHostListEnter(list));
}

/*
 * Lists wait for every host's first read; past the deadline the one
 * caller that finds hosts unread gets their names, once.
 */
static void
testHostListFirstReads(void)
{
    g_autoptr(shoalHostList) list = shoalHostListNew();
    g_auto(GStrv) late = NULL;

    hostListAdd(list, "a");
    hostListAdd(list, "b");
    /* before the start there is nothing to wait for */
    g_assert_null(shoalHostListWaitFirstReads(list));

    shoalHostListBeginFirstReads(list, 0);
    g_assert_true(shoalHostListFirstReadPending(list, "a"));
    shoalHostListFirstReadDone(list, "a");
    g_assert_false(shoalHostListFirstReadPending(list, "a"));
    g_assert_true(shoalHostListFirstReadPending(list, "b"));

    late = shoalHostListWaitFirstReads(list);
    g_assert_nonnull(late);
    g_assert_cmpstrv(late, ((const char *const[]){ "b", NULL }));
    g_assert_false(shoalHostListFirstReadPending(list, "b"));
    shoalHostListSeeded(list);
    g_assert_null(shoalHostListWaitFirstReads(list));
}

typedef struct {
    shoalHostList *list; /* borrowed */
    GStrv late;
} hostListWaiter;

static gpointer
hostListWaiterRun(gpointer opaque)
{
    hostListWaiter *w = opaque;

    w->late = shoalHostListWaitFirstReads(w->list);
    return NULL;
}

/* A list waits for the first read (its deadline is far), not for time. */
static void
testHostListFirstReadWait(void)
{
    g_autoptr(shoalHostList) list = shoalHostListNew();
    hostListWaiter w = { list, NULL };
    GThread *thread;

    hostListAdd(list, "a");
    shoalHostListBeginFirstReads(list, (gint64) 3600 * G_USEC_PER_SEC);
    thread = g_thread_new("first-read-waiter", hostListWaiterRun, &w);
    shoalHostListFirstReadDone(list, "a");
    g_thread_join(thread);
    g_assert_null(w.late);
}

/* The scheduler waits while first reads run: until each host answered,
 * or until the deadline passed. */
static void
testHostListFirstReadsRunning(void)
{
    g_autoptr(shoalHostList) list = shoalHostListNew();
    g_autoptr(shoalHostList) late = shoalHostListNew();

    hostListAdd(list, "a");
    hostListAdd(list, "b");
    g_assert_false(shoalHostListFirstReadsRunning(list));
    shoalHostListBeginFirstReads(list, (gint64) 3600 * G_USEC_PER_SEC);
    g_assert_true(shoalHostListFirstReadsRunning(list));
    shoalHostListFirstReadDone(list, "a");
    g_assert_true(shoalHostListFirstReadsRunning(list));
    shoalHostListFirstReadDone(list, "b");
    g_assert_false(shoalHostListFirstReadsRunning(list));

    /* a host that never answers holds nobody past the deadline */
    hostListAdd(late, "a");
    shoalHostListBeginFirstReads(late, 0);
    g_assert_false(shoalHostListFirstReadsRunning(late));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/hostlist/members", testHostListMembers);
    g_test_add_func("/cluster/hostlist/run-state", testHostListRunState);
    g_test_add_func("/cluster/hostlist/first-reads", testHostListFirstReads);
    g_test_add_func("/cluster/hostlist/first-read-wait",
                    testHostListFirstReadWait);
    g_test_add_func("/cluster/hostlist/first-reads-running",
                    testHostListFirstReadsRunning);
    return g_test_run();
}
