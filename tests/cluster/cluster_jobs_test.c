/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shoalDomainJobs: one change at a time per domain, names held by defines. */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_jobs.h"
#include "util_error.h"

static const unsigned char jobsA[VIR_UUID_BUFLEN] = { 0xa };
static const unsigned char jobsB[VIR_UUID_BUFLEN] = { 0xb };

static void
testJobsExclusive(void)
{
    g_autoptr(shoalDomainJobs) jobs = shoalDomainJobsNew();
    g_autoptr(GError) error = NULL;

    g_assert_false(shoalDomainJobsIsActive(jobs, jobsA));
    g_assert_true(shoalDomainJobsBegin(jobs, jobsA, &error));
    g_assert_no_error(error);
    g_assert_true(shoalDomainJobsIsActive(jobs, jobsA));
    /* one domain's job leaves the others free */
    g_assert_false(shoalDomainJobsTryBegin(jobs, jobsA));
    g_assert_true(shoalDomainJobsTryBegin(jobs, jobsB));
    shoalDomainJobsEnd(jobs, jobsB);
    shoalDomainJobsEnd(jobs, jobsA);
    g_assert_false(shoalDomainJobsIsActive(jobs, jobsA));
    g_assert_true(shoalDomainJobsTryBegin(jobs, jobsA));
    shoalDomainJobsEnd(jobs, jobsA);
}

static void
testJobsTimeout(void)
{
    g_autoptr(shoalDomainJobs) jobs = shoalDomainJobsNew();
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalDomainJobsBegin(jobs, jobsA, NULL));
    g_assert_false(shoalDomainJobsBeginTimeout(jobs, jobsA, 1000, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(
        strstr(error->message, "cannot acquire state change lock"));
    /* the failed wait took nothing: the holder still ends its job */
    g_assert_true(shoalDomainJobsIsActive(jobs, jobsA));
    shoalDomainJobsEnd(jobs, jobsA);
    g_assert_false(shoalDomainJobsIsActive(jobs, jobsA));
}

typedef struct {
    shoalDomainJobs *jobs; /* borrowed */
    gint done;
} jobsWaiter;

static gpointer
jobsWaiterRun(gpointer opaque)
{
    jobsWaiter *w = opaque;
    bool ok = shoalDomainJobsBegin(w->jobs, jobsA, NULL);

    g_atomic_int_set(&w->done, 1);
    if (ok)
        shoalDomainJobsEnd(w->jobs, jobsA);
    return GINT_TO_POINTER(ok);
}

/* A waiting job starts once the running one ends. */
static void
testJobsWait(void)
{
    g_autoptr(shoalDomainJobs) jobs = shoalDomainJobsNew();
    jobsWaiter w = { jobs, 0 };
    GThread *thread;

    g_assert_true(shoalDomainJobsBegin(jobs, jobsA, NULL));
    thread = g_thread_new("job-waiter", jobsWaiterRun, &w);
    /* it cannot pass while the job is held: its wait is 30 s */
    g_assert_cmpint(g_atomic_int_get(&w.done), ==, 0);
    shoalDomainJobsEnd(jobs, jobsA);
    g_assert_true(GPOINTER_TO_INT(g_thread_join(thread)));
    g_assert_cmpint(g_atomic_int_get(&w.done), ==, 1);
    g_assert_false(shoalDomainJobsIsActive(jobs, jobsA));
}

static void
testJobsNames(void)
{
    g_autoptr(shoalDomainJobs) jobs = shoalDomainJobsNew();
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalDomainJobsReserveName(jobs, "vm1", &error));
    g_assert_no_error(error);
    g_assert_true(shoalDomainJobsReserveName(jobs, "vm2", &error));
    g_assert_no_error(error);
    /* names and UUIDs are apart */
    g_assert_true(shoalDomainJobsTryBegin(jobs, jobsA));
    shoalDomainJobsEnd(jobs, jobsA);
    shoalDomainJobsReleaseName(jobs, "vm1");
    g_assert_true(shoalDomainJobsReserveName(jobs, "vm1", &error));
    g_assert_no_error(error);
    shoalDomainJobsReleaseName(jobs, "vm1");
    shoalDomainJobsReleaseName(jobs, "vm2");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/jobs/exclusive", testJobsExclusive);
    g_test_add_func("/cluster/jobs/timeout", testJobsTimeout);
    g_test_add_func("/cluster/jobs/wait", testJobsWait);
    g_test_add_func("/cluster/jobs/names", testJobsNames);
    return g_test_run();
}
