/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for the store (cluster_store.c) through its backend interface.
 * The cases under /cluster/store/ run on the local backend
 * (cluster_store_file.c) on a real directory: records survive a reopen
 * byte for byte, updates and removals are durable, leftovers of an
 * interrupted write are cleaned, damaged records (tests/data/cluster/store)
 * are moved aside and reported, and I/O errors are VIR_ERR_SYSTEM_ERROR.
 * The backend-neutral ones run again under /cluster/store/memory/ on an
 * in-memory backend written here from cluster_store_backend.h alone,
 * which also fails on demand, and under /cluster/store/on-etcd/ on the
 * etcd backend against a real etcd started here (if etcd is installed).
 */

#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_store.h"
#include "cluster_store_backend.h"
#include "cluster_store_etcd.h"
#include "etcd_client.h"
#include "testutil_etcd.h"
#include "util_error.h"
#include "util_uuid.h"

/*
 * Warnings the store logs. A test that expects some sets @expecting; any
 * other warning goes to GLib's writer, which G_DEBUG=fatal-warnings makes
 * fatal.
 */
typedef struct {
    GMutex lock;
    bool expecting;      /* protected by lock */
    GPtrArray *warnings; /* protected by lock: messages */
} storeTestLog;

typedef enum {
    STORE_TEST_VALID,   /* loads */
    STORE_TEST_CORRUPT, /* moved aside with a warning; the others load */
    STORE_TEST_FAIL,    /* shoalStoreOpen() fails, the file stays */
} storeTestOutcome;

/* tests/data/cluster/store/<name>.json, and <name>.err unless valid */
typedef struct {
    const char *name;
    storeTestOutcome outcome;
} storeTestCase;

static const storeTestCase storeTestCases[] = {
    { "valid-v1", STORE_TEST_VALID },
    { "truncated", STORE_TEST_CORRUPT },
    { "empty", STORE_TEST_CORRUPT },
    { "trailing-data", STORE_TEST_CORRUPT },
    { "not-object", STORE_TEST_CORRUPT },
    { "uuid-mismatch", STORE_TEST_CORRUPT },
    { "uuid-invalid", STORE_TEST_CORRUPT },
    { "name-missing", STORE_TEST_CORRUPT },
    { "name-empty", STORE_TEST_CORRUPT },
    { "host-missing", STORE_TEST_CORRUPT },
    { "xml-missing", STORE_TEST_CORRUPT },
    { "xml-not-string", STORE_TEST_CORRUPT },
    { "xml-nul", STORE_TEST_CORRUPT },
    { "autostart-not-boolean", STORE_TEST_CORRUPT },
    { "invalid-utf8", STORE_TEST_CORRUPT },
    { "version-missing", STORE_TEST_CORRUPT },
    { "version-zero", STORE_TEST_CORRUPT },
    { "version-newer", STORE_TEST_FAIL },
};

/* The file name every case is copied to. */
#define STORE_TEST_CASE_UUID "8f4b1a3e-2c6d-4e5f-9a7b-0c1d2e3f4a5b"

/* The record valid-v1.json holds. */
#define STORE_TEST_V1_NAME "web-01"
#define STORE_TEST_V1_HOST "kvm3"
#define STORE_TEST_V1_XML                                                   \
    "<domain type='kvm'>\n"                                                 \
    "  <name>web-01</name>\n"                                               \
    "  <description>Café \"Ωmega\" — 日本 &amp; \\ /</description>\n" \
    "\t<memory unit='KiB'>1048576</memory>\r\n"                             \
    "</domain>\n"

typedef struct {
    storeTestLog *log;       /* borrowed */
    const storeTestCase *tc; /* borrowed, or NULL */
    bool memory;             /* on the in-memory backend */
    testEtcd *etcd;          /* borrowed, or NULL: on the etcd backend */
} storeTestData;

/*
 * What the in-memory backend keeps, shared by every store opened on it as
 * a directory is: each record as the text the codec gives, under the
 * file name the local backend would use, so both list alike.
 */
typedef struct {
    GMutex lock;
    GHashTable *records;   /* protected by lock: "<uuid>.json" → text */
    GHashTable *writes;    /* protected by lock: name → GUINT (puts of it) */
    char *hosts;           /* protected by lock */
    GHashTable *documents; /* protected by lock: name → text */
    unsigned writeCount;   /* protected by lock */
    unsigned batchCount;   /* protected by lock: putBatch calls */
    /* protected by lock: the next put fails with VIR_ERR_SYSTEM_ERROR,
     * after holding the record if failApplied, before if not */
    bool failNext;
    bool failApplied;
} storeTestMemory;

typedef struct {
    shoalStoreBackend parent;
    storeTestMemory *mem; /* borrowed: outlives the store */
} storeTestMemoryBackend;

typedef struct {
    char *dir;               /* the store's directory */
    char *domainsDir;        /* where its records are */
    shoalStore *forked;      /* or NULL: a store a child process inherits */
    storeTestLog *log;       /* borrowed */
    storeTestMemory *memory; /* the in-memory backend's data, or NULL */
    testEtcd *etcd;          /* borrowed, or NULL */
    char *etcdPrefix;        /* this case's keys in etcd */
} storeTestFixture;

static char *
storeTestMemoryName(const unsigned char *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(uuid, str);
    return g_strdup_printf("%s.json", str);
}

static bool
storeTestMemoryLoad(shoalStoreBackend *backend,
                    GPtrArray *domains,
                    char **hosts,
                    GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, mem->records);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        shoalStoreDomain *dom =
            shoalStoreDomainParse(value, strlen(value), error);

        if (!dom)
            return false;
        g_ptr_array_add(domains, dom);
    }
    *hosts = g_strdup(mem->hosts);
    return true;
}

static bool
storeTestMemoryPut(shoalStoreBackend *backend,
                   const shoalStoreDomain *dom,
                   bool *applied,
                   GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);
    char *name = storeTestMemoryName(dom->uuid);
    bool fail = mem->failNext;

    *applied = false;
    mem->failNext = false;
    if (fail && !mem->failApplied) {
        g_free(name);
        g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                            "cannot write: injected");
        return false;
    }
    g_hash_table_insert(mem->writes, g_strdup(name),
                        GUINT_TO_POINTER(++mem->writeCount));
    g_hash_table_insert(mem->records, name, shoalStoreDomainFormat(dom));
    *applied = true;
    if (fail) {
        g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                            "cannot sync: injected");
        return false;
    }
    return true;
}

/* Holds every record, then fails as a put would (failNext). */
static bool
storeTestMemoryPutBatch(shoalStoreBackend *backend,
                        const shoalStoreDomain *const *doms,
                        guint n,
                        bool *applied,
                        GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);
    bool fail = mem->failNext;
    guint i;

    mem->failNext = false;
    mem->batchCount++;
    if (fail && !mem->failApplied) {
        g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                            "cannot write: injected");
        return false;
    }
    for (i = 0; i < n; i++) {
        char *name = storeTestMemoryName(doms[i]->uuid);

        g_hash_table_insert(mem->writes, g_strdup(name),
                            GUINT_TO_POINTER(++mem->writeCount));
        g_hash_table_insert(mem->records, name,
                            shoalStoreDomainFormat(doms[i]));
        applied[i] = true;
    }
    if (fail) {
        g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                            "cannot sync: injected");
        return false;
    }
    return true;
}

static bool
storeTestMemoryRemove(shoalStoreBackend *backend,
                      const unsigned char *uuid,
                      bool *applied,
                      GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);
    g_autofree char *name = storeTestMemoryName(uuid);

    g_hash_table_remove(mem->records, name);
    *applied = true;
    return true;
}

static bool
storeTestMemoryPutHosts(shoalStoreBackend *backend,
                        const char *json,
                        bool *applied,
                        GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);

    g_free(mem->hosts);
    mem->hosts = g_strdup(json);
    *applied = true;
    return true;
}

static bool
storeTestMemoryPutDocument(shoalStoreBackend *backend,
                           const char *name,
                           const char *json,
                           GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);

    g_hash_table_insert(mem->documents, g_strdup(name), g_strdup(json));
    return true;
}

static char *
storeTestMemoryGetDocument(shoalStoreBackend *backend,
                           const char *name,
                           GError **error)
{
    storeTestMemory *mem = ((storeTestMemoryBackend *) backend)->mem;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&mem->lock);

    return g_strdup(g_hash_table_lookup(mem->documents, name));
}

static void
storeTestMemoryFree(shoalStoreBackend *backend)
{
    g_free(backend);
}

static const shoalStoreBackendOps storeTestMemoryOps = {
    .load = storeTestMemoryLoad,
    .put = storeTestMemoryPut,
    .putBatch = storeTestMemoryPutBatch,
    .remove = storeTestMemoryRemove,
    .putHosts = storeTestMemoryPutHosts,
    .putDocument = storeTestMemoryPutDocument,
    .getDocument = storeTestMemoryGetDocument,
    .free = storeTestMemoryFree,
};

static storeTestMemory *
storeTestMemoryNew(void)
{
    storeTestMemory *mem = g_new0(storeTestMemory, 1);

    g_mutex_init(&mem->lock);
    mem->records =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    mem->writes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    mem->documents =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return mem;
}

static void
storeTestMemoryFreeData(storeTestMemory *mem)
{
    g_hash_table_unref(mem->records);
    g_hash_table_unref(mem->writes);
    g_hash_table_unref(mem->documents);
    g_free(mem->hosts);
    g_mutex_clear(&mem->lock);
    g_free(mem);
}

static GLogWriterOutput
storeTestLogWriter(GLogLevelFlags level,
                   const GLogField *fields,
                   gsize nFields,
                   gpointer userData)
{
    storeTestLog *log = userData;
    const char *domain = "";
    const char *message = "";
    bool captured = false;
    gsize i;

    for (i = 0; i < nFields; i++) {
        if (fields[i].length >= 0)
            continue;
        if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
            domain = fields[i].value;
        else if (g_str_equal(fields[i].key, "MESSAGE"))
            message = fields[i].value;
    }
    if ((level & G_LOG_LEVEL_WARNING) && g_str_equal(domain, "shoal-cluster")) {
        g_mutex_lock(&log->lock);
        if (log->expecting) {
            g_ptr_array_add(log->warnings, g_strdup(message));
            captured = true;
        }
        g_mutex_unlock(&log->lock);
    }
    if (captured)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, nFields, NULL);
}

static void
storeTestLogExpect(storeTestLog *log)
{
    g_mutex_lock(&log->lock);
    g_assert_cmpuint(log->warnings->len, ==, 0);
    log->expecting = true;
    g_mutex_unlock(&log->lock);
}

/* Stops expecting warnings; returns those logged, joined by newlines. */
static char *
storeTestLogTake(storeTestLog *log)
{
    char *joined;

    g_mutex_lock(&log->lock);
    log->expecting = false;
    g_ptr_array_add(log->warnings, NULL);
    joined = g_strjoinv("\n", (char **) log->warnings->pdata);
    g_ptr_array_set_size(log->warnings, 0);
    g_mutex_unlock(&log->lock);
    return joined;
}

static void
storeTestRemoveTree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
        !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        GDir *dir;
        const char *name;

        g_chmod(path, 0700);
        dir = g_dir_open(path, 0, NULL);
        g_assert_nonnull(dir);
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *child = g_build_filename(path, name, NULL);

            storeTestRemoveTree(child);
        }
        g_dir_close(dir);
    }
    g_assert_cmpint(g_remove(path), ==, 0);
}

static void
storeTestSetup(storeTestFixture *fixture, gconstpointer data)
{
    const storeTestData *td = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = g_dir_make_tmp("shoal-store-XXXXXX", &error);

    g_assert_no_error(error);
    /* a directory the store must create, two levels down */
    fixture->dir = g_build_filename(tmp, "state", "shoal", NULL);
    fixture->domainsDir = g_build_filename(fixture->dir, "domains", NULL);
    fixture->log = td->log;
    if (td->memory)
        fixture->memory = storeTestMemoryNew();
    if (td->etcd) {
        fixture->etcd = td->etcd;
        fixture->etcdPrefix =
            g_strdup_printf("%s-%d/", g_test_get_path(), (int) getpid());
    }
}

static void
storeTestTeardown(storeTestFixture *fixture, gconstpointer data)
{
    g_autofree char *warnings = storeTestLogTake(fixture->log);
    g_autofree char *state = g_path_get_dirname(fixture->dir);
    g_autofree char *tmp = g_path_get_dirname(state);

    /* every expected warning was checked and taken by its test */
    g_assert_cmpstr(warnings, ==, "");
    g_clear_pointer(&fixture->forked, shoalStoreFree);
    g_clear_pointer(&fixture->memory, storeTestMemoryFreeData);
    /* the memory backend never creates the directory */
    if (g_file_test(tmp, G_FILE_TEST_EXISTS))
        storeTestRemoveTree(tmp);
    g_free(fixture->domainsDir);
    g_free(fixture->dir);
    g_free(fixture->etcdPrefix);
}

/* A UUID that differs from the others only in its last byte, @n. */
static void
storeTestUUID(unsigned char uuid[VIR_UUID_BUFLEN], unsigned n)
{
    memset(uuid, 0, VIR_UUID_BUFLEN);
    uuid[0] = 0x5a;
    uuid[6] = 0x40;
    uuid[8] = 0x80;
    uuid[15] = n;
}

static shoalStoreDomain *
storeTestDomain(const char *name, unsigned uuidN, const char *hostName)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autofree char *xml = NULL;

    storeTestUUID(uuid, uuidN);
    xml = g_strdup_printf("<domain type='kvm'>\n  <name>%s</name>\n</domain>\n",
                          name);
    return shoalStoreDomainNew(name, uuid, hostName, xml, false);
}

static shoalStore *
storeTestOpen(storeTestFixture *fixture)
{
    g_autoptr(GError) error = NULL;
    shoalStore *store = NULL;

    if (fixture->memory) {
        storeTestMemoryBackend *backend = g_new0(storeTestMemoryBackend, 1);

        backend->parent.ops = &storeTestMemoryOps;
        backend->mem = fixture->memory;
        store = shoalStoreNew(&backend->parent, &error);
    } else if (fixture->etcd) {
        shoalStoreEtcdConfig config = {
            .endpoints = testEtcdEndpoints(fixture->etcd),
            .prefix = fixture->etcdPrefix,
            .identity = "store-test",
        };
        shoalStoreBackend *backend = shoalStoreEtcdBackendNew(&config, &error);

        g_assert_no_error(error);
        /* the last store's lease was revoked when it was freed */
        g_assert_true(shoalStoreEtcdCampaign(backend, 30000, &error));
        g_assert_no_error(error);
        store = shoalStoreNew(backend, &error);
    } else {
        store = shoalStoreOpen(fixture->dir, &error);
    }

    g_assert_no_error(error);
    g_assert_nonnull(store);
    return store;
}

static void
storeTestPut(shoalStore *store, const shoalStoreDomain *dom)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(shoalStorePut(store, dom, &error));
    g_assert_no_error(error);
}

static void
storeTestAssertEqual(const shoalStoreDomain *a, const shoalStoreDomain *b)
{
    g_assert_cmpstr(a->name, ==, b->name);
    g_assert_cmpmem(a->uuid, VIR_UUID_BUFLEN, b->uuid, VIR_UUID_BUFLEN);
    g_assert_cmpstr(a->hostName, ==, b->hostName);
    g_assert_cmpmem(a->xml, strlen(a->xml), b->xml, strlen(b->xml));
    g_assert_cmpint(a->autostart, ==, b->autostart);
}

/* Asserts that @store holds @expected, and returns its copy. */
static shoalStoreDomain *
storeTestAssertStored(shoalStore *store, const shoalStoreDomain *expected)
{
    g_autoptr(GError) error = NULL;
    shoalStoreDomain *dom = shoalStoreLookup(store, expected->uuid, &error);

    g_assert_no_error(error);
    g_assert_nonnull(dom);
    storeTestAssertEqual(dom, expected);
    return dom;
}

static void
storeTestAssertAbsent(shoalStore *store, unsigned uuidN)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalStoreDomain) dom = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    storeTestUUID(uuid, uuidN);
    dom = shoalStoreLookup(store, uuid, &error);
    g_assert_null(dom);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
}

/* The names shoalStoreList() gives, space-separated. */
static char *
storeTestListNames(shoalStore *store)
{
    g_autoptr(GPtrArray) doms = shoalStoreList(store);
    g_autoptr(GString) names = g_string_new(NULL);
    guint i;

    for (i = 0; i < doms->len; i++) {
        const shoalStoreDomain *dom = doms->pdata[i];

        if (i > 0)
            g_string_append_c(names, ' ');
        g_string_append(names, dom->name);
    }
    return g_string_free(g_steal_pointer(&names), FALSE);
}

static gint
storeTestCompareStrings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The entries of the domains directory, or the in-memory backend's
 * records, sorted, space-separated. */
static char *
storeTestListFiles(storeTestFixture *fixture)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    GDir *dir;
    const char *name;

    if (fixture->memory) {
        GHashTableIter iter;
        gpointer key;

        g_mutex_lock(&fixture->memory->lock);
        g_hash_table_iter_init(&iter, fixture->memory->records);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            g_ptr_array_add(names, g_strdup(key));
        g_mutex_unlock(&fixture->memory->lock);
    } else if (fixture->etcd) {
        g_autoptr(shoalEtcdClient) client =
            shoalEtcdClientNew(testEtcdEndpoints(fixture->etcd), 5000, NULL);
        g_autofree char *prefix =
            g_strconcat(fixture->etcdPrefix, "domains/", NULL);
        g_autoptr(GPtrArray) kvs = shoalEtcdRange(client, prefix, true, &error);
        guint i;

        g_assert_no_error(error);
        /* named as the local backend's files are */
        for (i = 0; i < kvs->len; i++) {
            const shoalEtcdKeyValue *kv = kvs->pdata[i];

            g_ptr_array_add(names, g_strdup_printf("%s.json",
                                                   kv->key + strlen(prefix)));
        }
    } else {
        dir = g_dir_open(fixture->domainsDir, 0, &error);
        g_assert_no_error(error);
        while ((name = g_dir_read_name(dir)))
            g_ptr_array_add(names, g_strdup(name));
        g_dir_close(dir);
    }
    g_ptr_array_sort(names, storeTestCompareStrings);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **) names->pdata);
}

static void
testOpenCreates(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GPtrArray) doms = shoalStoreList(store);
    g_autofree char *files = storeTestListFiles(fixture);
    struct stat st;

    g_assert_cmpuint(doms->len, ==, 0);
    g_assert_cmpstr(files, ==, "");
    g_assert_cmpint(g_stat(fixture->dir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
    g_assert_cmpint(g_stat(fixture->domainsDir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
}

/* What a store holds, a new one finds, byte for byte. */
static void
testPutReopen(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) placed = NULL;
    g_autoptr(shoalStoreDomain) waiting = storeTestDomain("db", 2, NULL);
    g_autoptr(shoalStoreDomain) copy = NULL;
    g_autoptr(shoalStoreDomain) found = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autofree char *files = NULL;

    storeTestUUID(uuid, 1);
    placed = shoalStoreDomainNew(STORE_TEST_V1_NAME, uuid, STORE_TEST_V1_HOST,
                                 STORE_TEST_V1_XML, true);
    storeTestPut(store, placed);
    storeTestPut(store, waiting);

    /* the store keeps its own copy */
    copy = shoalStoreDomainCopy(placed);
    g_free(placed->xml);
    placed->xml = g_strdup("<domain/>");
    found = storeTestAssertStored(store, copy);
    g_clear_pointer(&found, shoalStoreDomainFree);
    g_clear_pointer(&store, shoalStoreFree);

    store = storeTestOpen(fixture);
    found = storeTestAssertStored(store, copy);
    g_clear_pointer(&found, shoalStoreDomainFree);
    found = storeTestAssertStored(store, waiting);
    g_assert_null(found->hostName);

    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==,
                    "5a000000-0000-4000-8000-000000000001.json "
                    "5a000000-0000-4000-8000-000000000002.json");
}

static void
testUpdate(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, NULL);
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autofree char *names = NULL;

    storeTestPut(store, dom);
    g_free(dom->hostName);
    dom->hostName = g_strdup("h2");
    g_free(dom->xml);
    dom->xml =
        g_strdup("<domain type='kvm'><name>web</name><vcpu>4</vcpu></domain>");
    dom->autostart = true;
    storeTestPut(store, dom);

    found = storeTestAssertStored(store, dom);
    g_clear_pointer(&found, shoalStoreDomainFree);
    g_clear_pointer(&store, shoalStoreFree);

    store = storeTestOpen(fixture);
    found = storeTestAssertStored(store, dom);
    names = storeTestListNames(store);
    g_assert_cmpstr(names, ==, "web");
}

/* The inode of @dom's record file: a write replaces the file. In
 * memory, the number of the backend's last write of it. */
static ino_t
storeTestInode(storeTestFixture *fixture, const shoalStoreDomain *dom)
{
    g_autofree char *name = storeTestMemoryName(dom->uuid);
    g_autofree char *path = NULL;
    struct stat sb;
    ino_t ino;

    if (fixture->memory) {
        g_mutex_lock(&fixture->memory->lock);
        ino = GPOINTER_TO_UINT(
            g_hash_table_lookup(fixture->memory->writes, name));
        g_mutex_unlock(&fixture->memory->lock);
        g_assert_cmpuint(ino, >, 0);
        return ino;
    }
    if (fixture->etcd) {
        /* a write's mark in etcd: the key's revision */
        g_autoptr(shoalEtcdClient) client =
            shoalEtcdClientNew(testEtcdEndpoints(fixture->etcd), 5000, NULL);
        char uuid[VIR_UUID_STRING_BUFLEN];
        g_autofree char *key = NULL;
        g_autoptr(shoalEtcdKeyValue) kv = NULL;

        shoalUUIDFormat(dom->uuid, uuid);
        key = g_strdup_printf("%sdomains/%s", fixture->etcdPrefix, uuid);
        kv = shoalEtcdGet(client, key, NULL);
        g_assert_nonnull(kv);
        return (ino_t) kv->modRevision;
    }
    path = g_build_filename(fixture->domainsDir, name, NULL);
    g_assert_cmpint(stat(path, &sb), ==, 0);
    return sb.st_ino;
}

/* An unchanged record is not written again; any changed field is. */
static void
testPutSame(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) copy = NULL;
    ino_t ino;

    storeTestPut(store, dom);
    ino = storeTestInode(fixture, dom);
    copy = shoalStoreDomainCopy(dom);
    storeTestPut(store, copy);
    g_assert_cmpuint(storeTestInode(fixture, dom), ==, ino);

    copy->autostart = true;
    storeTestPut(store, copy);
    g_assert_cmpuint(storeTestInode(fixture, dom), !=, ino);
    ino = storeTestInode(fixture, dom);
    g_free(copy->hostName);
    copy->hostName = g_strdup("h2");
    storeTestPut(store, copy);
    g_assert_cmpuint(storeTestInode(fixture, dom), !=, ino);
    ino = storeTestInode(fixture, dom);
    g_free(copy->xml);
    copy->xml = g_strdup("<domain type='kvm'><name>web</name></domain>");
    storeTestPut(store, copy);
    g_assert_cmpuint(storeTestInode(fixture, dom), !=, ino);
    g_clear_pointer(&dom, shoalStoreDomainFree);
    dom = storeTestAssertStored(store, copy);
}

static void
testRemove(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) db = storeTestDomain("db", 2, "h1");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *files = NULL;

    storeTestPut(store, web);
    storeTestPut(store, db);
    g_assert_true(shoalStoreRemove(store, web->uuid, &error));
    g_assert_no_error(error);
    storeTestAssertAbsent(store, 1);
    g_clear_pointer(&store, shoalStoreFree);

    store = storeTestOpen(fixture);
    storeTestAssertAbsent(store, 1);
    found = storeTestAssertStored(store, db);
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==, "5a000000-0000-4000-8000-000000000002.json");
}

static void
testRemoveAbsent(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    storeTestUUID(uuid, 9);
    g_assert_true(shoalStoreRemove(store, uuid, &error));
    g_assert_no_error(error);

    /* twice: the second finds nothing */
    storeTestPut(store, web);
    g_assert_true(shoalStoreRemove(store, web->uuid, &error));
    g_assert_no_error(error);
    g_assert_true(shoalStoreRemove(store, web->uuid, &error));
    g_assert_no_error(error);
    storeTestAssertAbsent(store, 1);
}

static void
testLookupAbsent(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    storeTestUUID(uuid, 0xab);
    dom = shoalStoreLookup(store, uuid, &error);
    g_assert_null(dom);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpstr(error->message, ==,
                    "Domain not found: no domain with matching uuid '5a000000-0000-4000-8000-0000000000ab'");
}

static void
testListSorted(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GPtrArray) doms = NULL;
    g_autofree char *names = NULL;
    static const char *const unsorted[] = { "web",  "db",    "cache",
                                            "Zeta", "web-2", "db" };
    size_t i;

    /* the UUIDs run against the names: 6 for the first, 1 for the last */
    for (i = 0; i < G_N_ELEMENTS(unsorted); i++) {
        g_autoptr(shoalStoreDomain) dom = NULL;

        dom = storeTestDomain(unsorted[i], G_N_ELEMENTS(unsorted) - i, NULL);
        storeTestPut(store, dom);
    }
    names = storeTestListNames(store);
    g_assert_cmpstr(names, ==, "Zeta cache db db web web-2");
    g_clear_pointer(&names, g_free);
    g_clear_pointer(&store, shoalStoreFree);

    store = storeTestOpen(fixture);
    names = storeTestListNames(store);
    g_assert_cmpstr(names, ==, "Zeta cache db db web web-2");

    /* one name, two UUIDs: the smaller UUID first */
    doms = shoalStoreList(store);
    g_assert_cmpuint(((shoalStoreDomain *) doms->pdata[2])->uuid[15], ==, 1);
    g_assert_cmpuint(((shoalStoreDomain *) doms->pdata[3])->uuid[15], ==, 5);
}

/* Names of shoalStoreListHost(), space-separated. */
static char *
storeTestListHostNames(shoalStore *store, const char *hostName)
{
    g_autoptr(GPtrArray) doms = shoalStoreListHost(store, hostName);
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < doms->len; i++) {
        const shoalStoreDomain *dom = doms->pdata[i];

        g_assert_cmpstr(dom->hostName, ==, hostName);
        g_string_append_printf(out, "%s%s", i ? " " : "", dom->name);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * A host's records, sorted, follow every put (a move to another host, a
 * record that loses its host), removal and reopen.
 */
static void
testListHost(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GError) error = NULL;
    static const struct {
        const char *name;
        const char *host;
    } doms[] = {
        { "web", "kvm1" }, { "db", "kvm2" },    { "cache", "kvm1" },
        { "mail", NULL },  { "proxy", "kvm1" },
    };
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autofree char *names = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(doms); i++) {
        g_autoptr(shoalStoreDomain) dom =
            storeTestDomain(doms[i].name, i + 1, doms[i].host);

        storeTestPut(store, dom);
    }
#define STORE_TEST_HOST(host, expected)              \
    do {                                             \
        g_free(names);                               \
        names = storeTestListHostNames(store, host); \
        g_assert_cmpstr(names, ==, expected);        \
    } while (0)
    STORE_TEST_HOST("kvm1", "cache proxy web");
    STORE_TEST_HOST("kvm2", "db");
    STORE_TEST_HOST("kvm3", "");

    /* web moves to kvm2, cache loses its host, db is removed */
    {
        g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "kvm2");
        g_autoptr(shoalStoreDomain) cache = storeTestDomain("cache", 3, NULL);

        storeTestPut(store, web);
        storeTestPut(store, cache);
    }
    storeTestUUID(uuid, 2);
    g_assert_true(shoalStoreRemove(store, uuid, &error));
    g_assert_no_error(error);
    STORE_TEST_HOST("kvm1", "proxy");
    STORE_TEST_HOST("kvm2", "web");

    g_clear_pointer(&store, shoalStoreFree);
    store = storeTestOpen(fixture);
    STORE_TEST_HOST("kvm1", "proxy");
    STORE_TEST_HOST("kvm2", "web");
    storeTestUUID(uuid, 5);
    g_assert_true(shoalStoreRemove(store, uuid, &error));
    g_assert_no_error(error);
    STORE_TEST_HOST("kvm1", "");
#undef STORE_TEST_HOST
}

/*
 * A batch stores each record as a put would, skipping unchanged ones,
 * durably; an invalid record or a UUID given twice stores none.
 */
static void
testPutBatch(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GPtrArray) batch =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *names = NULL;
    ino_t ino;
    guint i;

    g_ptr_array_add(batch, storeTestDomain("web", 3, "h1"));
    g_ptr_array_add(batch, storeTestDomain("db", 1, "h1"));
    g_ptr_array_add(batch, storeTestDomain("cache", 2, "h1"));
    storeTestPut(store, batch->pdata[0]);
    ino = storeTestInode(fixture, batch->pdata[0]);
    g_assert_true(shoalStorePutBatch(store, batch, &error));
    g_assert_no_error(error);
    /* unchanged: not written again */
    g_assert_cmpuint(storeTestInode(fixture, batch->pdata[0]), ==, ino);
    names = storeTestListHostNames(store, "h1");
    g_assert_cmpstr(names, ==, "cache db web");
    g_clear_pointer(&names, g_free);
    g_clear_pointer(&store, shoalStoreFree);

    store = storeTestOpen(fixture);
    for (i = 0; i < batch->len; i++) {
        found = storeTestAssertStored(store, batch->pdata[i]);
        g_clear_pointer(&found, shoalStoreDomainFree);
    }

    /* a UUID twice: nothing stored, not even the other records */
    g_ptr_array_set_size(batch, 0);
    g_ptr_array_add(batch, storeTestDomain("new", 4, "h2"));
    g_ptr_array_add(batch, storeTestDomain("db", 1, "h2"));
    g_ptr_array_add(batch, storeTestDomain("db", 1, "h3"));
    g_assert_false(shoalStorePutBatch(store, batch, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_clear_error(&error);
    storeTestAssertAbsent(store, 4);
    names = storeTestListHostNames(store, "h1");
    g_assert_cmpstr(names, ==, "cache db web");
    g_clear_pointer(&names, g_free);

    /* an invalid record: nothing stored */
    g_ptr_array_remove_index(batch, 2);
    g_free(((shoalStoreDomain *) batch->pdata[1])->name);
    ((shoalStoreDomain *) batch->pdata[1])->name = g_strdup("");
    g_assert_false(shoalStorePutBatch(store, batch, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    storeTestAssertAbsent(store, 4);
    names = storeTestListHostNames(store, "h2");
    g_assert_cmpstr(names, ==, "");
}

/*
 * A batch reaches the backend as one call of its own, with only the
 * changed records; a failure leaves the table as the backend is.
 */
static void
testBatchBackend(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GPtrArray) batch =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    g_autoptr(GError) error = NULL;
    g_autofree char *names = NULL;
    unsigned writes;

    g_ptr_array_add(batch, storeTestDomain("a", 1, "h1"));
    g_ptr_array_add(batch, storeTestDomain("b", 2, "h1"));
    storeTestPut(store, batch->pdata[0]);
    writes = fixture->memory->writeCount;
    g_assert_true(shoalStorePutBatch(store, batch, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fixture->memory->batchCount, ==, 1);
    g_assert_cmpuint(fixture->memory->writeCount, ==, writes + 1);

    /* all unchanged: the backend is not called */
    g_assert_true(shoalStorePutBatch(store, batch, &error));
    g_assert_cmpuint(fixture->memory->batchCount, ==, 1);

    g_ptr_array_set_size(batch, 0);
    g_ptr_array_add(batch, storeTestDomain("a", 1, "h2"));
    g_ptr_array_add(batch, storeTestDomain("b", 2, "h2"));
    fixture->memory->failNext = true;
    fixture->memory->failApplied = false;
    g_assert_false(shoalStorePutBatch(store, batch, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    g_clear_error(&error);
    names = storeTestListHostNames(store, "h1");
    g_assert_cmpstr(names, ==, "a b");
    g_clear_pointer(&names, g_free);

    fixture->memory->failNext = true;
    fixture->memory->failApplied = true;
    g_assert_false(shoalStorePutBatch(store, batch, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    names = storeTestListHostNames(store, "h2");
    g_assert_cmpstr(names, ==, "a b");
    g_clear_pointer(&names, g_free);
    names = storeTestListHostNames(store, "h1");
    g_assert_cmpstr(names, ==, "");
}

/*
 * A crash between writing the .tmp file and its rename leaves the old
 * record: the next open keeps it and removes the leftover, quietly.
 */
static void
testTmpLeftover(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp1 = NULL;
    g_autofree char *tmp2 = NULL;
    g_autofree char *other = NULL;
    g_autofree char *files = NULL;

    storeTestPut(store, web);
    g_clear_pointer(&store, shoalStoreFree);

    /* a newer web, cut short; and a first write of another domain */
    tmp1 =
        g_build_filename(fixture->domainsDir,
                         "5a000000-0000-4000-8000-000000000001.json.tmp", NULL);
    g_file_set_contents(tmp1, "{ \"version\": 1, \"name\": \"web\", \"uu", -1,
                        &error);
    g_assert_no_error(error);
    tmp2 =
        g_build_filename(fixture->domainsDir,
                         "5a000000-0000-4000-8000-000000000002.json.tmp", NULL);
    g_file_set_contents(tmp2, "", 0, &error);
    g_assert_no_error(error);
    /* files the store does not own are left alone */
    other = g_build_filename(fixture->domainsDir, "README", NULL);
    g_file_set_contents(other, "notes\n", -1, &error);
    g_assert_no_error(error);

    store = storeTestOpen(fixture);
    found = storeTestAssertStored(store, web);
    storeTestAssertAbsent(store, 2);
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==,
                    "5a000000-0000-4000-8000-000000000001.json README");
}

static char *
storeTestDataPath(const char *caseName, const char *ext)
{
    g_autofree char *base = g_strconcat(caseName, ext, NULL);

    return g_test_build_filename(G_TEST_DIST, "data", "cluster", "store", base,
                                 NULL);
}

static bool
storeTestRegenerate(void)
{
    return g_getenv("SHOAL_TEST_REGENERATE") != NULL;
}

/* Compares @actual with <case>.err, or rewrites it when regenerating. */
static void
storeTestCompareErr(const storeTestCase *tc, const char *actual)
{
    g_autofree char *path = storeTestDataPath(tc->name, ".err");
    g_autofree char *withNewline = g_strconcat(actual, "\n", NULL);
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;

    if (storeTestRegenerate()) {
        g_file_set_contents(path, withNewline, -1, &error);
        g_assert_no_error(error);
    }
    g_file_get_contents(path, &expected, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(withNewline, ==, expected);
}

/* The record valid-v1.json must hold, and its writing must give. */
static shoalStoreDomain *
storeTestV1Domain(void)
{
    unsigned char uuid[VIR_UUID_BUFLEN] = {
        0x8f, 0x4b, 0x1a, 0x3e, 0x2c, 0x6d, 0x4e, 0x5f,
        0x9a, 0x7b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
    };

    return shoalStoreDomainNew(STORE_TEST_V1_NAME, uuid, STORE_TEST_V1_HOST,
                               STORE_TEST_V1_XML, true);
}

/* The format of a record is stable: what v1 wrote, the store writes. */
static void
storeTestCheckFormat(storeTestFixture *fixture, const char *dataPath)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) v1 = storeTestV1Domain();
    g_autofree char *written = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *path =
        g_build_filename(fixture->domainsDir, STORE_TEST_CASE_UUID ".json",
                         NULL);
    g_autoptr(GError) error = NULL;

    storeTestPut(store, v1);
    g_file_get_contents(path, &written, NULL, &error);
    g_assert_no_error(error);
    if (storeTestRegenerate()) {
        g_file_set_contents(dataPath, written, -1, &error);
        g_assert_no_error(error);
    }
    g_file_get_contents(dataPath, &expected, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(written, ==, expected);
}

/*
 * Each data file is copied to the store as STORE_TEST_CASE_UUID.json,
 * beside a good record that must load whatever happens to the case.
 */
static void
testDataCase(storeTestFixture *fixture, gconstpointer data)
{
    const storeTestCase *tc = ((const storeTestData *) data)->tc;
    g_autofree char *dataPath = storeTestDataPath(tc->name, ".json");
    g_autofree char *path =
        g_build_filename(fixture->domainsDir, STORE_TEST_CASE_UUID ".json",
                         NULL);
    g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);
    g_autoptr(shoalStoreDomain) good = storeTestDomain("good", 1, "h1");
    g_autoptr(shoalStoreDomain) v1 = storeTestV1Domain();
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(shoalStore) store = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *contents = NULL;
    g_autofree char *moved = NULL;
    g_autofree char *warnings = NULL;
    g_autofree char *prefix = NULL;
    gsize len;
    gsize movedLen;

    if (tc->outcome == STORE_TEST_VALID) {
        storeTestCheckFormat(fixture, dataPath);
        g_assert_cmpint(g_remove(path), ==, 0);
    }

    store = storeTestOpen(fixture);
    storeTestPut(store, good);
    g_clear_pointer(&store, shoalStoreFree);
    g_file_get_contents(dataPath, &contents, &len, &error);
    g_assert_no_error(error);
    g_file_set_contents(path, contents, (gssize) len, &error);
    g_assert_no_error(error);

    switch (tc->outcome) {
    case STORE_TEST_VALID:
        store = storeTestOpen(fixture);
        found = storeTestAssertStored(store, v1);
        break;
    case STORE_TEST_CORRUPT:
        storeTestLogExpect(fixture->log);
        store = storeTestOpen(fixture);
        warnings = storeTestLogTake(fixture->log);
        prefix =
            g_strdup_printf("store file '%s' is corrupt, moved aside to '%s': ",
                            path, aside);
        g_assert_true(g_str_has_prefix(warnings, prefix));
        storeTestCompareErr(tc, warnings + strlen(prefix));

        /* moved aside untouched; gone from the store */
        g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
        g_file_get_contents(aside, &moved, &movedLen, &error);
        g_assert_no_error(error);
        g_assert_cmpmem(moved, movedLen, contents, len);
        found = shoalStoreLookup(store, v1->uuid, NULL);
        g_assert_null(found);
        break;
    case STORE_TEST_FAIL:
        store = shoalStoreOpen(fixture->dir, &error);
        g_assert_null(store);
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED);
        prefix = g_strdup_printf("cannot load store file '%s': ", path);
        g_assert_true(g_str_has_prefix(error->message, prefix));
        storeTestCompareErr(tc, error->message + strlen(prefix));

        /* left where it was, for a newer Shoal to read */
        g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
        g_assert_false(g_file_test(aside, G_FILE_TEST_EXISTS));
        return;
    }

    g_clear_pointer(&found, shoalStoreDomainFree);
    found = storeTestAssertStored(store, good);
}

/* A data file that no case uses is a mistake. */
static void
testDataAllUsed(void)
{
    g_autofree char *dirPath =
        g_test_build_filename(G_TEST_DIST, "data", "cluster", "store", NULL);
    g_autoptr(GError) error = NULL;
    GDir *dir = g_dir_open(dirPath, 0, &error);
    const char *name;
    unsigned count = 0;
    unsigned expected = 0;
    size_t i;

    g_assert_no_error(error);
    while ((name = g_dir_read_name(dir))) {
        bool used = false;

        for (i = 0; i < G_N_ELEMENTS(storeTestCases); i++) {
            const storeTestCase *tc = &storeTestCases[i];
            g_autofree char *json = g_strconcat(tc->name, ".json", NULL);
            g_autofree char *err = g_strconcat(tc->name, ".err", NULL);

            if (g_str_equal(name, json) ||
                (tc->outcome != STORE_TEST_VALID && g_str_equal(name, err)))
                used = true;
        }
        if (!used)
            g_test_message("unused data file '%s'", name);
        g_assert_true(used);
        count++;
    }
    g_dir_close(dir);
    /* and every case has its files */
    for (i = 0; i < G_N_ELEMENTS(storeTestCases); i++)
        expected += storeTestCases[i].outcome == STORE_TEST_VALID ? 1 : 2;
    g_assert_cmpuint(count, ==, expected);
}

/* A damaged record whose NAME.corrupt is taken goes to NAME.corrupt.1. */
static void
testCorruptTwice(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GError) error = NULL;
    g_autofree char *path =
        g_build_filename(fixture->domainsDir, STORE_TEST_CASE_UUID ".json",
                         NULL);
    g_autofree char *warnings = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *files = NULL;
    int round;

    g_clear_pointer(&store, shoalStoreFree);
    for (round = 0; round < 2; round++) {
        g_file_set_contents(path, "{", -1, &error);
        g_assert_no_error(error);
        storeTestLogExpect(fixture->log);
        store = storeTestOpen(fixture);
        g_clear_pointer(&store, shoalStoreFree);
        warnings = storeTestLogTake(fixture->log);
        expected =
            g_strdup_printf("store file '%s' is corrupt, moved aside to '%s.corrupt%s': internal error: cannot parse the record at offset 1: unexpected end of data",
                            path, path, round == 0 ? "" : ".1");
        g_assert_cmpstr(warnings, ==, expected);
        g_clear_pointer(&warnings, g_free);
        g_clear_pointer(&expected, g_free);
    }
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==,
                    STORE_TEST_CASE_UUID ".json.corrupt " STORE_TEST_CASE_UUID
                                         ".json.corrupt.1");
}

/* Something that is not a file is no record either. */
static void
testCorruptNotRegular(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autofree char *path =
        g_build_filename(fixture->domainsDir, STORE_TEST_CASE_UUID ".json",
                         NULL);
    g_autofree char *warnings = NULL;
    g_autofree char *expected = NULL;

    g_clear_pointer(&store, shoalStoreFree);
    g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
    storeTestLogExpect(fixture->log);
    store = storeTestOpen(fixture);
    warnings = storeTestLogTake(fixture->log);
    expected =
        g_strdup_printf("store file '%s' is corrupt, moved aside to '%s.corrupt': internal error: the record is not a regular file",
                        path, path);
    g_assert_cmpstr(warnings, ==, expected);
}

/* Put never writes what open would reject. */
static void
testPutInvalid(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    g_autofree char *files = NULL;

    g_free(dom->name);
    dom->name = g_strdup("");
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(error->message, ==,
                    "invalid argument: field 'name' of domain '5a000000-0000-4000-8000-000000000001' is empty or not valid UTF-8");
    g_clear_error(&error);

    g_free(dom->name);
    dom->name = g_strdup("web");
    g_free(dom->hostName);
    dom->hostName = g_strdup("");
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_clear_error(&error);

    g_free(dom->hostName);
    dom->hostName = NULL;
    g_free(dom->xml);
    dom->xml = g_strdup("<domain>\xff</domain>");
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(error->message, ==,
                    "invalid argument: field 'xml' of domain '5a000000-0000-4000-8000-000000000001' is empty or not valid UTF-8");
    g_clear_error(&error);

    storeTestAssertAbsent(store, 1);
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==, "");
}

/* A directory the daemon may not write to: needs a user root is not. */
static void
testErrorUnwritable(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = NULL;

    if (geteuid() == 0) {
        g_test_skip("root writes to any directory");
        return;
    }
    g_assert_cmpint(g_chmod(fixture->domainsDir, 0500), ==, 0);
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    expected =
        g_strdup_printf("cannot create file '%s/5a000000-0000-4000-8000-000000000001.json.tmp': %s",
                        fixture->domainsDir, g_strerror(EACCES));
    g_assert_cmpstr(error->message, ==, expected);
    storeTestAssertAbsent(store, 1);
}

/* The same failure for root too: the .tmp name is taken by a directory. */
static void
testErrorCreate(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp =
        g_build_filename(fixture->domainsDir,
                         "5a000000-0000-4000-8000-000000000001.json.tmp", NULL);
    g_autofree char *expected = NULL;

    g_assert_cmpint(g_mkdir(tmp, 0700), ==, 0);
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    expected =
        g_strdup_printf("cannot create file '%s': %s", tmp, g_strerror(EISDIR));
    g_assert_cmpstr(error->message, ==, expected);
    storeTestAssertAbsent(store, 1);
}

/* A failed rename keeps the old record and removes the .tmp file. */
static void
testErrorRename(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(GError) error = NULL;
    g_autofree char *path =
        g_build_filename(fixture->domainsDir,
                         "5a000000-0000-4000-8000-000000000001.json", NULL);
    g_autofree char *inside = g_build_filename(path, "x", NULL);
    g_autofree char *expected = NULL;
    g_autofree char *files = NULL;

    /* a non-empty directory cannot be renamed over, not even by root */
    g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
    g_file_set_contents(inside, "", 0, &error);
    g_assert_no_error(error);
    g_assert_false(shoalStorePut(store, dom, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    expected = g_strdup_printf("cannot rename file '%s.tmp' as '%s': %s", path,
                               path, g_strerror(EISDIR));
    g_assert_cmpstr(error->message, ==, expected);
    storeTestAssertAbsent(store, 1);
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==, "5a000000-0000-4000-8000-000000000001.json");
}

static void
testErrorRemove(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *path =
        g_build_filename(fixture->domainsDir,
                         "5a000000-0000-4000-8000-000000000001.json", NULL);
    g_autofree char *expected = NULL;

    storeTestPut(store, dom);
    g_assert_cmpint(g_remove(path), ==, 0);
    g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
    g_assert_false(shoalStoreRemove(store, dom->uuid, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    expected = g_strdup_printf("cannot remove file '%s': %s", path,
                               g_strerror(EISDIR));
    g_assert_cmpstr(error->message, ==, expected);
    found = storeTestAssertStored(store, dom);
}

/* The store's directory cannot be made: a file is in the way. */
static void
testErrorOpen(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *parent = g_path_get_dirname(fixture->dir);
    g_autofree char *expected = NULL;

    g_assert_cmpint(g_mkdir(parent, 0700), ==, 0);
    g_file_set_contents(fixture->dir, "", 0, &error);
    g_assert_no_error(error);
    store = shoalStoreOpen(fixture->dir, &error);
    g_assert_null(store);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    expected = g_strdup_printf("cannot create directory '%s': %s", fixture->dir,
                               g_strerror(ENOTDIR));
    g_assert_cmpstr(error->message, ==, expected);
}

/*
 * A child puts a record into the store it inherits and exits at once,
 * without freeing anything: the record must not depend on what happens
 * after shoalStorePut() returns. A new store finds it. (The store hangs
 * off the fixture so that valgrind still reaches it in the child.)
 */
static void
testCrashAfterPut(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) reopened = NULL;
    g_autoptr(shoalStoreDomain) dom = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autofree char *files = NULL;
    pid_t pid;
    int status;

    fixture->forked = storeTestOpen(fixture);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        bool ok = shoalStorePut(fixture->forked, dom, NULL);

        /* the test's own data; the store stays as a crash leaves it */
        shoalStoreDomainFree(g_steal_pointer(&dom));
        _exit(ok ? 0 : 1);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);

    reopened = storeTestOpen(fixture);
    found = storeTestAssertStored(reopened, dom);
    files = storeTestListFiles(fixture);
    g_assert_cmpstr(files, ==, "5a000000-0000-4000-8000-000000000001.json");
}

/*
 * A record's generation changes with every change of the record and
 * only then, is never reused (not after a removal, nor by another
 * record), and is 0 for a UUID the store does not hold.
 */
static void
testGeneration(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) db = storeTestDomain("db", 2, "h1");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    guint64 first;
    guint64 second;

    g_assert_cmpuint(shoalStoreGetGeneration(store, web->uuid), ==, 0);
    storeTestPut(store, web);
    storeTestPut(store, db);
    first = shoalStoreGetGeneration(store, web->uuid);
    g_assert_cmpuint(first, >, 0);
    g_assert_cmpuint(shoalStoreGetGeneration(store, db->uuid), !=, first);
    found = shoalStoreLookup(store, web->uuid, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(found->generation, ==, first);

    /* the same record again: no change */
    storeTestPut(store, web);
    g_assert_cmpuint(shoalStoreGetGeneration(store, web->uuid), ==, first);

    g_free(web->xml);
    web->xml = g_strdup("<domain><name>web</name><vcpu>2</vcpu></domain>");
    storeTestPut(store, web);
    second = shoalStoreGetGeneration(store, web->uuid);
    g_assert_cmpuint(second, >, first);

    g_assert_true(shoalStoreRemove(store, web->uuid, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(shoalStoreGetGeneration(store, web->uuid), ==, 0);
    storeTestPut(store, web);
    g_assert_cmpuint(shoalStoreGetGeneration(store, web->uuid), >, second);
}

/*
 * A backend that fails before it holds the record leaves the old one in
 * the table; one that holds it and then fails to make it durable leaves
 * the new one: the table follows the backend either way.
 */
static void
testBackendFails(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(shoalStoreDomain) web = storeTestDomain("web", 1, "h1");
    g_autoptr(shoalStoreDomain) moved = storeTestDomain("web", 1, "h2");
    g_autoptr(shoalStoreDomain) found = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *names = NULL;

    storeTestPut(store, web);
    fixture->memory->failNext = true;
    fixture->memory->failApplied = false;
    g_assert_false(shoalStorePut(store, moved, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    g_clear_error(&error);
    found = storeTestAssertStored(store, web);
    g_clear_pointer(&found, shoalStoreDomainFree);
    names = storeTestListHostNames(store, "h2");
    g_assert_cmpstr(names, ==, "");
    g_clear_pointer(&names, g_free);

    fixture->memory->failNext = true;
    fixture->memory->failApplied = true;
    g_assert_false(shoalStorePut(store, moved, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR);
    found = storeTestAssertStored(store, moved);
    names = storeTestListHostNames(store, "h2");
    g_assert_cmpstr(names, ==, "web");
    g_clear_pointer(&names, g_free);
    names = storeTestListHostNames(store, "h1");
    g_assert_cmpstr(names, ==, "");
}

/* The host records go through the backend too. */
static void
testHosts(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    g_autoptr(GError) error = NULL;
    g_autofree char *hosts = shoalStoreGetHosts(store);

    g_assert_null(hosts);
    g_assert_true(
        shoalStorePutHosts(store, "[ { \"name\": \"h1\" } ]", &error));
    g_assert_no_error(error);
    g_clear_pointer(&store, shoalStoreFree);
    store = storeTestOpen(fixture);
    hosts = shoalStoreGetHosts(store);
    g_assert_cmpstr(hosts, ==, "[ { \"name\": \"h1\" } ]");
}

#define STORE_TEST_THREADS 4
#define STORE_TEST_PUTS 16

typedef struct {
    shoalStore *store; /* borrowed */
    unsigned first;    /* the first UUID number this thread writes */
} storeTestThread;

static gpointer
storeTestThreadRun(gpointer opaque)
{
    const storeTestThread *t = opaque;
    unsigned i;

    for (i = 0; i < STORE_TEST_PUTS; i++) {
        g_autofree char *name = g_strdup_printf("vm-%03u", t->first + i);
        g_autoptr(shoalStoreDomain) dom =
            storeTestDomain(name, t->first + i, NULL);
        g_autoptr(shoalStoreDomain) found = NULL;
        g_autoptr(GPtrArray) doms = NULL;

        /* every thread also rewrites one shared record */
        g_assert_true(shoalStorePut(t->store, dom, NULL));
        dom->uuid[15] = 0;
        g_assert_true(shoalStorePut(t->store, dom, NULL));
        found = shoalStoreLookup(t->store, dom->uuid, NULL);
        g_assert_nonnull(found);
        doms = shoalStoreList(t->store);
        g_assert_cmpuint(doms->len, >=, 2);
    }
    return NULL;
}

/* Writers and readers on several threads at once. */
static void
testThreads(storeTestFixture *fixture, gconstpointer data)
{
    g_autoptr(shoalStore) store = storeTestOpen(fixture);
    storeTestThread threads[STORE_TEST_THREADS];
    GThread *handles[STORE_TEST_THREADS];
    g_autoptr(GPtrArray) doms = NULL;
    g_autofree char *files = NULL;
    unsigned i;

    for (i = 0; i < STORE_TEST_THREADS; i++) {
        threads[i].store = store;
        threads[i].first = 1 + i * STORE_TEST_PUTS;
        handles[i] =
            g_thread_new("store-test", storeTestThreadRun, &threads[i]);
    }
    for (i = 0; i < STORE_TEST_THREADS; i++)
        g_thread_join(handles[i]);

    doms = shoalStoreList(store);
    g_assert_cmpuint(doms->len, ==, STORE_TEST_THREADS * STORE_TEST_PUTS + 1);
    g_clear_pointer(&store, shoalStoreFree);
    g_clear_pointer(&doms, g_ptr_array_unref);

    /* the disk agrees, and no .tmp file is left */
    store = storeTestOpen(fixture);
    doms = shoalStoreList(store);
    g_assert_cmpuint(doms->len, ==, STORE_TEST_THREADS * STORE_TEST_PUTS + 1);
    files = storeTestListFiles(fixture);
    g_assert_null(strstr(files, ".tmp"));
}

/* The cases that hold for any backend: each runs on both. */
static const struct {
    const char *path;
    void (*func)(storeTestFixture *fixture, gconstpointer data);
} storeTestNeutral[] = {
    { "put/reopen", testPutReopen },
    { "put/update", testUpdate },
    { "put/same", testPutSame },
    { "put/invalid", testPutInvalid },
    { "put/batch", testPutBatch },
    { "remove/present", testRemove },
    { "remove/absent", testRemoveAbsent },
    { "lookup/absent", testLookupAbsent },
    { "list/sorted", testListSorted },
    { "list/host", testListHost },
    { "generation", testGeneration },
    { "hosts", testHosts },
    { "threads", testThreads },
};

int
main(int argc, char **argv)
{
    storeTestLog log = { 0 };
    storeTestData plain = { &log, NULL, false, NULL };
    storeTestData memory = { &log, NULL, true, NULL };
    storeTestData onEtcd = { &log, NULL, false, NULL };
    storeTestData cases[G_N_ELEMENTS(storeTestCases)];
    int ret;
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_mutex_init(&log.lock);
    log.warnings = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(storeTestLogWriter, &log, NULL);

#define STORE_TEST_ADD(path, data, func)                           \
    g_test_add(path, storeTestFixture, data, storeTestSetup, func, \
               storeTestTeardown)
    STORE_TEST_ADD("/cluster/store/open/creates", &plain, testOpenCreates);
    for (i = 0; i < G_N_ELEMENTS(storeTestNeutral); i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/store/%s", storeTestNeutral[i].path);
        g_autofree char *inMemory = g_strdup_printf("/cluster/store/memory/%s",
                                                    storeTestNeutral[i].path);

        STORE_TEST_ADD(path, &plain, storeTestNeutral[i].func);
        STORE_TEST_ADD(inMemory, &memory, storeTestNeutral[i].func);
    }
    if (testEtcdAvailable()) {
        for (i = 0; i < G_N_ELEMENTS(storeTestNeutral); i++) {
            g_autofree char *path = g_strdup_printf("/cluster/store/on-etcd/%s",
                                                    storeTestNeutral[i].path);

            STORE_TEST_ADD(path, &onEtcd, storeTestNeutral[i].func);
        }
        onEtcd.etcd = testEtcdStart(1);
    }
    STORE_TEST_ADD("/cluster/store/crash/tmp-leftover", &plain,
                   testTmpLeftover);
    STORE_TEST_ADD("/cluster/store/crash/after-put", &plain, testCrashAfterPut);
    STORE_TEST_ADD("/cluster/store/corrupt/twice", &plain, testCorruptTwice);
    STORE_TEST_ADD("/cluster/store/corrupt/not-regular", &plain,
                   testCorruptNotRegular);
    STORE_TEST_ADD("/cluster/store/error/unwritable", &plain,
                   testErrorUnwritable);
    STORE_TEST_ADD("/cluster/store/error/create", &plain, testErrorCreate);
    STORE_TEST_ADD("/cluster/store/error/rename", &plain, testErrorRename);
    STORE_TEST_ADD("/cluster/store/error/remove", &plain, testErrorRemove);
    STORE_TEST_ADD("/cluster/store/error/open", &plain, testErrorOpen);
    STORE_TEST_ADD("/cluster/store/memory/backend-fails", &memory,
                   testBackendFails);
    STORE_TEST_ADD("/cluster/store/memory/batch", &memory, testBatchBackend);
    g_test_add_func("/cluster/store/data/all-used", testDataAllUsed);
    for (i = 0; i < G_N_ELEMENTS(storeTestCases); i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/store/data/%s", storeTestCases[i].name);

        cases[i].log = &log;
        cases[i].tc = &storeTestCases[i];
        cases[i].memory = false;
        cases[i].etcd = NULL;
        STORE_TEST_ADD(path, &cases[i], testDataCase);
    }

    ret = g_test_run();
    testEtcdStop(onEtcd.etcd);
    g_ptr_array_unref(log.warnings);
    g_mutex_clear(&log.lock);
    return ret;
}
