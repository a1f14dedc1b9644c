/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_stats.c on libvirt's test driver, in process: which
 * domains one host's sample keeps, moves and forgets, whatever the other
 * hosts hold.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_stats.h"

/* A test:/// host file with @n running domains named PREFIX-0 ... */
static char *
statsTestHostFile(const char *dir, const char *prefix, unsigned n)
{
    g_autoptr(GString) xml = g_string_new("<node>\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup_printf("%s.xml", prefix);
    char *path = g_build_filename(dir, name, NULL);
    unsigned i;

    for (i = 0; i < n; i++)
        g_string_append_printf(xml,
                               "<domain type='test'><name>%s-%u</name>"
                               "<memory>65536</memory><vcpu>1</vcpu>"
                               "<os><type>hvm</type></os></domain>\n",
                               prefix, i);
    g_string_append(xml, "</node>\n");
    g_file_set_contents(path, xml->str, -1, &error);
    g_assert_no_error(error);
    return path;
}

static virConnectPtr
statsTestOpen(const char *path)
{
    g_autofree char *uri = g_strdup_printf("test://%s", path);
    virConnectPtr conn = virConnectOpen(uri);

    g_assert_nonnull(conn);
    return conn;
}

static void
statsTestCollect(shoalStats *stats, virConnectPtr conn, const char *hostName)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalStatsCollect(stats, conn, hostName,
                                    g_get_monotonic_time(), &error));
    g_assert_no_error(error);
}

/* How many sampled domains each host has, as "h1=2 h2=3" (sorted). */
static char *
statsTestHosts(shoalStats *stats)
{
    g_autoptr(GPtrArray) doms = shoalStatsListDomains(stats);
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GString) out = g_string_new(NULL);
    GList *hosts;
    GList *l;
    guint i;

    for (i = 0; i < doms->len; i++) {
        const shoalStatsDomain *dom = doms->pdata[i];
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, dom->host));

        g_hash_table_insert(counts, dom->host, GUINT_TO_POINTER(n + 1));
    }
    hosts = g_list_sort(g_hash_table_get_keys(counts), (GCompareFunc) strcmp);
    for (l = hosts; l; l = l->next)
        g_string_append_printf(out, "%s%s=%u", l == hosts ? "" : " ",
                               (const char *) l->data,
                               GPOINTER_TO_UINT(
                                   g_hash_table_lookup(counts, l->data)));
    g_list_free(hosts);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * Each host's sample replaces what was known of that host only: another
 * host's domains stay; a domain that shows up on another host moves
 * there; a host that reports fewer domains forgets the others.
 */
static void
testCollectPerHost(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("shoal-stats-XXXXXX", &error);
    g_autofree char *threePath = NULL;
    g_autofree char *twoPath = NULL;
    g_autofree char *nonePath = NULL;
    g_autoptr(shoalStats) stats = shoalStatsNew();
    g_autofree char *got = NULL;
    g_autoptr(GArray) samples = NULL;
    virConnectPtr three;
    virConnectPtr two;
    virConnectPtr none;

    g_assert_no_error(error);
    threePath = statsTestHostFile(dir, "a", 3);
    twoPath = statsTestHostFile(dir, "b", 2);
    nonePath = statsTestHostFile(dir, "c", 0);
    three = statsTestOpen(threePath);
    two = statsTestOpen(twoPath);
    none = statsTestOpen(nonePath);

#define STATS_TEST_HOSTS(expected)          \
    do {                                    \
        g_free(got);                        \
        got = statsTestHosts(stats);        \
        g_assert_cmpstr(got, ==, expected); \
    } while (0)
    statsTestCollect(stats, three, "h1");
    statsTestCollect(stats, two, "h2");
    STATS_TEST_HOSTS("h1=3 h2=2");
    /* h1 again: h2's domains stay */
    statsTestCollect(stats, three, "h1");
    STATS_TEST_HOSTS("h1=3 h2=2");
    /* the same three domains now reported by h3: they moved */
    statsTestCollect(stats, three, "h3");
    STATS_TEST_HOSTS("h2=2 h3=3");
    /* h1 still reports none of them: nothing to forget there */
    statsTestCollect(stats, none, "h1");
    STATS_TEST_HOSTS("h2=2 h3=3");
    /* h3 reports none now: its domains are forgotten, h2's stay */
    statsTestCollect(stats, none, "h3");
    STATS_TEST_HOSTS("h2=2");
    /* back on h3, then h2 empty */
    statsTestCollect(stats, three, "h3");
    statsTestCollect(stats, none, "h2");
    STATS_TEST_HOSTS("h3=3");
#undef STATS_TEST_HOSTS
    samples = shoalStatsHostSamples(stats, "h3");
    g_assert_cmpuint(samples->len, ==, 3);

    virConnectClose(three);
    virConnectClose(two);
    virConnectClose(none);
    g_unlink(threePath);
    g_unlink(twoPath);
    g_unlink(nonePath);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cluster/stats/collect/per-host", testCollectPerHost);
    return g_test_run();
}
