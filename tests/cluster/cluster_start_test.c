/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A starting cluster answers lists and lookups only complete: once every
 * host was read, or after the start's wait, with the stored domains of
 * hosts that did not answer listed with no state.
 */
#include <config.h>

#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "cluster_testutil.h"
#include "util_error.h"

#define STORED_UUID "77777777-7777-4777-8777-777777777777"

/*
 * A host that hangs: a socket that accepts libvirt's connection and never
 * answers. Closing it lets the connect fail, so the cluster can stop.
 */
typedef struct {
    char *dir;
    char *path;
    GSocket *listener;
    GPtrArray *accepted; /* GSocket */
    GThread *thread;
    gint stop;
} startHungHost;

static gpointer
startHungHostAccept(gpointer opaque)
{
    startHungHost *hung = opaque;

    while (!g_atomic_int_get(&hung->stop)) {
        GSocket *s = g_socket_accept(hung->listener, NULL, NULL);

        if (!s)
            break;
        if (g_atomic_int_get(&hung->stop)) {
            g_object_unref(s);
            break;
        }
        g_ptr_array_add(hung->accepted, s);
    }
    return NULL;
}

static startHungHost *
startHungHostNew(void)
{
    startHungHost *hung = g_new0(startHungHost, 1);
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) error = NULL;

    hung->dir = g_dir_make_tmp("shoal-hung-XXXXXX", &error);
    g_assert_no_error(error);
    hung->path = g_build_filename(hung->dir, "sock", NULL);
    hung->accepted = g_ptr_array_new_with_free_func(g_object_unref);
    hung->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);
    g_assert_no_error(error);
    addr = g_unix_socket_address_new(hung->path);
    g_assert_true(g_socket_bind(hung->listener, addr, TRUE, &error));
    g_assert_true(g_socket_listen(hung->listener, &error));
    g_assert_no_error(error);
    hung->thread = g_thread_new("hung-host", startHungHostAccept, hung);
    return hung;
}

static char *
startHungHostURI(const startHungHost *hung)
{
    return g_strdup_printf("qemu+unix:///system?socket=%s", hung->path);
}

static void
startHungHostFree(startHungHost *hung)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(hung->path);
    g_autoptr(GSocketConnection) wake = NULL;

    /* wake the accepting thread, then hang up on every client */
    g_atomic_int_set(&hung->stop, 1);
    wake =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, NULL);
    g_thread_join(hung->thread);
    g_ptr_array_unref(hung->accepted);
    g_socket_close(hung->listener, NULL);
    g_object_unref(hung->listener);
    g_assert_cmpint(g_unlink(hung->path), ==, 0);
    g_assert_cmpint(g_rmdir(hung->dir), ==, 0);
    g_free(hung->path);
    g_free(hung->dir);
    g_free(hung);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(startHungHost, startHungHostFree)

/* Stores a domain on @hostName, as an earlier run of the daemon did. */
static void
startStoreDomain(const char *dir, const char *hostName)
{
    g_autoptr(shoalStore) store = NULL;
    g_autoptr(shoalStoreDomain) sd = NULL;
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    store = shoalStoreOpen(dir, &error);
    g_assert_no_error(error);
    sd = shoalStoreDomainNew("stored", testClusterUUID(STORED_UUID, uuid),
                             hostName,
                             "<domain type='test'><name>stored</name>"
                             "<uuid>" STORED_UUID "</uuid>"
                             "<memory>65536</memory><vcpu>1</vcpu>"
                             "<os><type>hvm</type></os></domain>",
                             false);
    g_assert_true(shoalStorePut(store, sd, &error));
    g_assert_no_error(error);
}

static gint
startCompareNames(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* The names listed, sorted and joined by commas; states by name. */
static char *
startList(shoalCluster *cluster, GHashTable *states)
{
    g_autoptr(GPtrArray) doms = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    guint i;

    doms = shoalClusterListDomains(cluster, 0, &error);
    g_assert_no_error(error);
    for (i = 0; i < doms->len; i++) {
        const shoalDomainRef *ref = doms->pdata[i];
        int state = -1;
        int reason = -1;

        g_ptr_array_add(names, ref->name);
        if (states) {
            g_assert_true(shoalClusterDomainGetState(cluster, ref->uuid, &state,
                                                     &reason, &error));
            g_hash_table_insert(states, g_strdup(ref->name),
                                GINT_TO_POINTER(state));
        }
    }
    g_ptr_array_sort(names, startCompareNames);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(",", (char **) names->pdata);
}

/* With every host answering, the very first list is complete. */
static void
testStartComplete(void)
{
    static const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { "host2", "host2.xml", NULL },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = testClusterNew(hosts, NULL);
    g_autofree char *names = NULL;
    g_autoptr(shoalDomainRef) gamma = NULL;
    g_autoptr(GError) error = NULL;

    testClusterStart(tc);
    names = startList(tc->cluster, NULL);
    g_assert_cmpstr(names, ==, "alpha,beta,gamma");
    gamma = shoalClusterLookupDomainByName(tc->cluster, "gamma", &error);
    g_assert_no_error(error);
    g_assert_nonnull(gamma);
}

/*
 * A host that hangs past the start's wait, and one that fails at once:
 * their stored domains are listed with no state, next to what the
 * answering host has.
 */
static void
testStartLate(gconstpointer data)
{
    bool hang = GPOINTER_TO_INT(data);
    g_autoptr(startHungHost) hung = hang ? startHungHostNew() : NULL;
    g_autofree char *lateURI = hang ? startHungHostURI(hung)
                                    : g_strdup("test:///nonexistent/late.xml");
    const testClusterHost hosts[] = {
        { "host1", "host1.xml", NULL },
        { "late", NULL, lateURI },
        { NULL, NULL, NULL },
    };
    g_autoptr(testCluster) tc = NULL;
    g_autoptr(GHashTable) states =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(shoalDomainRef) stored = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *names = NULL;
    shoalClusterConfig config;
    char *dir = g_dir_make_tmp("shoal-start-XXXXXX", &error);

    g_assert_no_error(error);
    /* what an earlier run of the daemon stored */
    startStoreDomain(dir, "late");
    shoalClusterConfigInit(&config);
    config.firstReadWaitMs = 200;
    tc = testClusterNewInDir(hosts, &config, dir);

    testClusterStart(tc);
    /* host1 answers in time (bounded: under valgrind its first read may
     * take longer than the start's wait) */
    testClusterWaitDomains(tc, 3);
    names = startList(tc->cluster, states);
    g_assert_cmpstr(names, ==, "alpha,beta,stored");
    g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(states, "stored")), ==,
                    VIR_DOMAIN_NOSTATE);
    g_assert_cmpint(GPOINTER_TO_INT(g_hash_table_lookup(states, "alpha")), ==,
                    VIR_DOMAIN_RUNNING);
    stored = shoalClusterLookupDomainByName(tc->cluster, "stored", &error);
    g_assert_no_error(error);
    g_assert_nonnull(stored);
    /* let the hung connect fail before the cluster waits for it */
    g_clear_pointer(&hung, startHungHostFree);
}

int
main(int argc, char **argv)
{
    g_autoptr(shoalEventLoop) events = testClusterInit(&argc, &argv);

    g_test_add_func("/cluster/start/complete", testStartComplete);
    g_test_add_data_func("/cluster/start/late-hung", GINT_TO_POINTER(TRUE),
                         testStartLate);
    g_test_add_data_func("/cluster/start/late-failed", GINT_TO_POINTER(FALSE),
                         testStartLate);
    return g_test_run();
}
