/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Renaming through the cluster (cluster_rename.c): a name is the
 * cluster's, and the stored definition follows the host's.
 */
#include <config.h>

#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

static void
testRename(void)
{
    g_autoptr(testCluster) tc = testClusterNewTwoHosts(NULL);
    shoalCluster *cluster = tc->cluster;
    g_autoptr(shoalDomainRef) beta = NULL;
    g_autoptr(shoalDomainRef) delta = NULL;
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(GError) error = NULL;

    /* beta is shut off on host1 */
    beta = shoalClusterLookupDomainByName(cluster, "beta", &error);
    g_assert_no_error(error);
    /* gamma is host2's: host1 alone would allow the name */
    g_assert_false(
        shoalClusterDomainRename(cluster, beta->uuid, "gamma", 0, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID);
    g_clear_error(&error);

    g_assert_true(
        shoalClusterDomainRename(cluster, beta->uuid, "delta", 0, &error));
    g_assert_no_error(error);
    delta = shoalClusterLookupDomainByName(cluster, "delta", &error);
    g_assert_no_error(error);
    g_assert_cmpmem(delta->uuid, VIR_UUID_BUFLEN, beta->uuid, VIR_UUID_BUFLEN);
    g_assert_null(shoalClusterLookupDomainByName(cluster, "beta", NULL));
    /* what a restart reads */
    sd = shoalStoreLookup(cluster->store, beta->uuid, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(sd->name, ==, "delta");
    g_assert_nonnull(strstr(sd->xml, "<name>delta</name>"));
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/rename/name-is-the-clusters", testRename);
    return g_test_run();
}
