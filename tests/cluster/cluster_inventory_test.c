/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Tests for cluster_inventory.c, in memory: which domain is where, Shoal's
 * own domain ids, conflicts between hosts, unreachable hosts, and the
 * virConnectListAllDomains filters.
 */

#include <config.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cluster_inventory.h"
#include "testutil_log.h"
#include "util_error.h"

/*
 * Warnings the inventory logs. A test that expects one sets @expecting;
 * any other warning goes to GLib's writer, which G_DEBUG=fatal-warnings
 * makes fatal.
 */
typedef struct {
    GMutex lock;
    bool expecting;      /* protected by lock */
    GPtrArray *warnings; /* protected by lock: "host|domain|message" */
} inventoryTestLog;

typedef struct {
    shoalInventory *inv;
    inventoryTestLog *log; /* borrowed */
} inventoryTestFixture;

static GLogWriterOutput
inventoryTestLogWriter(GLogLevelFlags level,
                       const GLogField *fields,
                       gsize nFields,
                       gpointer userData)
{
    inventoryTestLog *log = userData;
    bool captured = false;

    if ((level & G_LOG_LEVEL_WARNING) &&
        g_str_equal(testLogField(fields, nFields, "GLIB_DOMAIN"),
                    "shoal-cluster")) {
        g_mutex_lock(&log->lock);
        if (log->expecting) {
            g_ptr_array_add(log->warnings,
                            g_strdup_printf("%s|%s|%s",
                                            testLogField(fields, nFields,
                                                         "SHOAL_HOST"),
                                            testLogField(fields, nFields,
                                                         "SHOAL_DOMAIN"),
                                            testLogField(fields, nFields,
                                                         "MESSAGE")));
            captured = true;
        }
        g_mutex_unlock(&log->lock);
    }
    if (captured)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_default(level, fields, nFields, NULL);
}

/* Stops expecting warnings; returns those logged, joined by newlines. */
static char *
inventoryTestLogTake(inventoryTestLog *log)
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
inventoryTestLogExpect(inventoryTestLog *log)
{
    g_mutex_lock(&log->lock);
    g_assert_cmpuint(log->warnings->len, ==, 0);
    log->expecting = true;
    g_mutex_unlock(&log->lock);
}

static void
inventoryTestSetup(inventoryTestFixture *fixture, gconstpointer data)
{
    fixture->inv = shoalInventoryNew();
    fixture->log = (inventoryTestLog *) data;
}

static void
inventoryTestTeardown(inventoryTestFixture *fixture,
                      gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *warnings = inventoryTestLogTake(fixture->log);

    /* every expected warning was checked and taken by its test */
    g_assert_cmpstr(warnings, ==, "");
    shoalInventoryFree(fixture->inv);
}

/* A UUID that differs from the others only in its last byte, @n. */
static void
inventoryTestUUID(unsigned char uuid[VIR_UUID_BUFLEN], unsigned n)
{
    memset(uuid, 0, VIR_UUID_BUFLEN);
    uuid[0] = 0x5a;
    uuid[6] = 0x40;
    uuid[8] = 0x80;
    uuid[15] = n;
}

static GPtrArray *
inventoryTestRecords(void)
{
    return g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalInventoryRecordFree);
}

/*
 * Adds a domain to @records: running domains get @hostId, the others -1.
 * Returns: (transfer none): the record, to set its other fields.
 */
static shoalInventoryRecord *
inventoryTestAddRecord(
    GPtrArray *records, const char *name, unsigned uuidN, int state, int hostId)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    shoalInventoryRecord *rec;

    inventoryTestUUID(uuid, uuidN);
    rec = shoalInventoryRecordNew(name, uuid);
    rec->state = state;
    rec->reason = 1;
    rec->hostId = state == VIR_DOMAIN_SHUTOFF ? -1 : hostId;
    rec->persistent = true;
    g_ptr_array_add(records, rec);
    return rec;
}

/* Syncs @hostName with a single domain. */
static void
inventoryTestSyncOne(shoalInventory *inv,
                     const char *hostName,
                     const char *name,
                     unsigned uuidN,
                     int state,
                     int hostId)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();

    inventoryTestAddRecord(records, name, uuidN, state, hostId);
    shoalInventorySyncHost(inv, hostName, records);
}

/* The names shoalInventoryList() gives for @flags, space-separated. */
static char *
inventoryTestListNames(shoalInventory *inv, unsigned flags)
{
    g_autoptr(GPtrArray) refs = shoalInventoryList(inv, flags);
    g_autoptr(GString) names = g_string_new(NULL);
    guint i;

    for (i = 0; i < refs->len; i++) {
        const shoalDomainRef *ref = refs->pdata[i];

        if (i > 0)
            g_string_append_c(names, ' ');
        g_string_append(names, ref->name);
    }
    return g_string_free(g_steal_pointer(&names), FALSE);
}

static shoalInventoryEntry *
inventoryTestLookup(shoalInventory *inv, const char *name)
{
    g_autoptr(GError) error = NULL;
    shoalInventoryEntry *entry;

    entry = shoalInventoryLookupByName(inv, name, &error);
    g_assert_no_error(error);
    g_assert_nonnull(entry);
    g_assert_cmpstr(entry->rec.name, ==, name);
    return entry;
}

static int
inventoryTestId(shoalInventory *inv, const char *name)
{
    g_autoptr(shoalInventoryEntry) entry = inventoryTestLookup(inv, name);

    return entry->id;
}

/*
 * One sync fills the inventory. Running domains come first, by Shoal id,
 * whatever their names; then the others, by name.
 */
static void
testSyncList(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autoptr(GPtrArray) refs = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *names = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    const shoalDomainRef *ref;
    shoalInventoryRecord *rec;

    inventoryTestAddRecord(records, "zeta", 1, VIR_DOMAIN_RUNNING, 7);
    inventoryTestAddRecord(records, "mid", 2, VIR_DOMAIN_SHUTOFF, -1);
    rec = inventoryTestAddRecord(records, "alpha", 3, VIR_DOMAIN_PAUSED, 3);
    rec->reason = VIR_DOMAIN_PAUSED_USER;
    rec->autostart = true;
    inventoryTestAddRecord(records, "beta", 4, VIR_DOMAIN_SHUTOFF, -1);
    shoalInventorySyncHost(fixture->inv, "h1", records);

    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "zeta alpha beta mid");

    refs = shoalInventoryList(fixture->inv, 0);
    g_assert_cmpuint(refs->len, ==, 4);
    ref = refs->pdata[0];
    inventoryTestUUID(uuid, 1);
    g_assert_cmpmem(ref->uuid, VIR_UUID_BUFLEN, uuid, VIR_UUID_BUFLEN);
    g_assert_cmpint(ref->id, >, 0);
    ref = refs->pdata[1];
    inventoryTestUUID(uuid, 3);
    g_assert_cmpmem(ref->uuid, VIR_UUID_BUFLEN, uuid, VIR_UUID_BUFLEN);
    g_assert_cmpint(ref->id, >, ((shoalDomainRef *) refs->pdata[0])->id);
    g_assert_cmpint(((shoalDomainRef *) refs->pdata[2])->id, ==, -1);
    g_assert_cmpint(((shoalDomainRef *) refs->pdata[3])->id, ==, -1);

    /* the entry carries the host's record and the owning host */
    entry = inventoryTestLookup(fixture->inv, "alpha");
    g_assert_cmpstr(entry->hostName, ==, "h1");
    g_assert_true(entry->reachable);
    g_assert_null(entry->conflictHosts);
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_PAUSED);
    g_assert_cmpint(entry->rec.reason, ==, VIR_DOMAIN_PAUSED_USER);
    g_assert_cmpint(entry->rec.hostId, ==, 3);
    g_assert_true(entry->rec.persistent);
    g_assert_true(entry->rec.autostart);
    g_assert_false(entry->rec.managedSave);
    g_assert_false(entry->rec.hasSnapshot);
    g_assert_cmpint(entry->id, ==, ref->id);

    /* a second host's domains join the list */
    inventoryTestSyncOne(fixture->inv, "h2", "gamma", 5, VIR_DOMAIN_RUNNING, 1);
    g_clear_pointer(&names, g_free);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "zeta alpha gamma beta mid");
}

static void
testSyncEmpty(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autoptr(GPtrArray) refs = NULL;

    shoalInventorySyncHost(fixture->inv, "h1", records);
    refs = shoalInventoryList(fixture->inv, 0);
    g_assert_cmpuint(refs->len, ==, 0);
}

/* Running domains get positive ids, unique across hosts. */
static void
testIdsUnique(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) h1 = inventoryTestRecords();
    g_autoptr(GPtrArray) h2 = inventoryTestRecords();
    g_autoptr(GPtrArray) refs = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    guint i;

    /* both hosts number their domains 1, 2, ... */
    inventoryTestAddRecord(h1, "a", 1, VIR_DOMAIN_RUNNING, 1);
    inventoryTestAddRecord(h1, "b", 2, VIR_DOMAIN_RUNNING, 2);
    inventoryTestAddRecord(h1, "c", 3, VIR_DOMAIN_PAUSED, 3);
    inventoryTestAddRecord(h2, "d", 4, VIR_DOMAIN_RUNNING, 1);
    inventoryTestAddRecord(h2, "e", 5, VIR_DOMAIN_RUNNING, 2);
    inventoryTestAddRecord(h2, "f", 6, VIR_DOMAIN_SHUTOFF, -1);
    shoalInventorySyncHost(fixture->inv, "h1", h1);
    shoalInventorySyncHost(fixture->inv, "h2", h2);

    refs = shoalInventoryList(fixture->inv, 0);
    g_assert_cmpuint(refs->len, ==, 6);
    for (i = 0; i < refs->len; i++) {
        const shoalDomainRef *ref = refs->pdata[i];

        if (g_str_equal(ref->name, "f")) {
            g_assert_cmpint(ref->id, ==, -1);
            continue;
        }
        g_assert_cmpint(ref->id, >, 0);
        g_assert_false(g_hash_table_contains(seen, GINT_TO_POINTER(ref->id)));
        g_hash_table_add(seen, GINT_TO_POINTER(ref->id));
    }
    g_assert_cmpuint(g_hash_table_size(seen), ==, 5);
}

/* The id follows the domain's run, not the sync that saw it. */
static void
testIdsLifecycle(inventoryTestFixture *fixture,
                 gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) gone = NULL;
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
    shoalInventory *inv = fixture->inv;
    int first;
    int id;

    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 4);
    first = inventoryTestId(inv, "web");
    g_assert_cmpint(first, >, 0);
    g_hash_table_add(used, GINT_TO_POINTER(first));

    /* the same run seen again: the same id */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 4);
    g_assert_cmpint(inventoryTestId(inv, "web"), ==, first);

    /* paused and resumed: still the same run */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_PAUSED, 4);
    g_assert_cmpint(inventoryTestId(inv, "web"), ==, first);
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 4);
    g_assert_cmpint(inventoryTestId(inv, "web"), ==, first);

    /* restarted between two syncs: the host's id changed */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 5);
    id = inventoryTestId(inv, "web");
    g_assert_cmpint(id, >, 0);
    g_assert_false(g_hash_table_contains(used, GINT_TO_POINTER(id)));
    g_hash_table_add(used, GINT_TO_POINTER(id));

    /* the old id names nothing any more */
    gone = shoalInventoryLookupByID(inv, first, &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_null(gone);
    g_clear_error(&error);

    /* a state the host could not tell is not a run: no id */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_NOSTATE, 5);
    g_assert_cmpint(inventoryTestId(inv, "web"), ==, -1);

    /* stopped: no id */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 5);
    id = inventoryTestId(inv, "web");
    g_assert_cmpint(id, >, 0);
    g_assert_false(g_hash_table_contains(used, GINT_TO_POINTER(id)));
    g_hash_table_add(used, GINT_TO_POINTER(id));
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_SHUTOFF, -1);
    g_assert_cmpint(inventoryTestId(inv, "web"), ==, -1);

    /* started again, even with the host's old id: a new Shoal id */
    inventoryTestSyncOne(inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 5);
    id = inventoryTestId(inv, "web");
    g_assert_cmpint(id, >, 0);
    g_assert_false(g_hash_table_contains(used, GINT_TO_POINTER(id)));
    g_hash_table_add(used, GINT_TO_POINTER(id));

    /* an event updates the same way as a sync */
    {
        g_autoptr(shoalInventoryRecord) rec = NULL;
        unsigned char uuid[VIR_UUID_BUFLEN];

        inventoryTestUUID(uuid, 1);
        rec = shoalInventoryRecordNew("web", uuid);
        rec->state = VIR_DOMAIN_RUNNING;
        rec->hostId = 5;
        shoalInventoryUpdate(inv, "h1", rec);
        g_assert_cmpint(inventoryTestId(inv, "web"), ==, id);

        rec->hostId = 6;
        shoalInventoryUpdate(inv, "h1", rec);
        id = inventoryTestId(inv, "web");
        g_assert_cmpint(id, >, 0);
        g_assert_false(g_hash_table_contains(used, GINT_TO_POINTER(id)));
    }
}

/* What a host no longer reports is gone; other hosts' domains stay. */
static void
testSyncRemoves(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *names = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    inventoryTestAddRecord(records, "a", 1, VIR_DOMAIN_RUNNING, 1);
    inventoryTestAddRecord(records, "b", 2, VIR_DOMAIN_SHUTOFF, -1);
    shoalInventorySyncHost(fixture->inv, "h1", records);
    inventoryTestSyncOne(fixture->inv, "h2", "c", 3, VIR_DOMAIN_RUNNING, 1);

    /* h1 undefined "a" */
    g_ptr_array_remove_index(records, 0);
    shoalInventorySyncHost(fixture->inv, "h1", records);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "c b");

    entry = shoalInventoryLookupByName(fixture->inv, "a", &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_null(entry);
    g_clear_error(&error);
    inventoryTestUUID(uuid, 1);
    entry = shoalInventoryLookupByUUID(fixture->inv, uuid, &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_null(entry);
    g_clear_error(&error);

    /* h1 has nothing left */
    g_ptr_array_set_size(records, 0);
    shoalInventorySyncHost(fixture->inv, "h1", records);
    g_clear_pointer(&names, g_free);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "c");

    /* an event removes one domain */
    inventoryTestUUID(uuid, 3);
    shoalInventoryRemove(fixture->inv, "h1", uuid);
    g_clear_pointer(&names, g_free);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "c");
    shoalInventoryRemove(fixture->inv, "h2", uuid);
    g_clear_pointer(&names, g_free);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "");
}

/* One UUID on two hosts: listed once, routed nowhere, logged once. */
static void
testConflict(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) refs = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *warnings = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    const shoalDomainRef *ref;

    inventoryTestSyncOne(fixture->inv, "h1", "dup", 1, VIR_DOMAIN_RUNNING, 3);
    inventoryTestLogExpect(fixture->log);
    inventoryTestSyncOne(fixture->inv, "h2", "dup", 1, VIR_DOMAIN_RUNNING, 8);
    warnings = inventoryTestLogTake(fixture->log);
    g_assert_cmpstr(warnings, ==,
                    "h2|dup|domain 'dup' is also on host 'h1': conflict");

    refs = shoalInventoryList(fixture->inv, 0);
    g_assert_cmpuint(refs->len, ==, 1);
    ref = refs->pdata[0];
    g_assert_cmpstr(ref->name, ==, "dup");

    inventoryTestUUID(uuid, 1);
    entry = shoalInventoryLookupByUUID(fixture->inv, uuid, &error);
    g_assert_no_error(error);
    g_assert_nonnull(entry);
    g_assert_cmpstr(entry->hostName, ==, "h1");
    g_assert_nonnull(entry->conflictHosts);
    g_assert_cmpuint(g_strv_length(entry->conflictHosts), ==, 2);
    g_assert_cmpstr(entry->conflictHosts[0], ==, "h1");
    g_assert_cmpstr(entry->conflictHosts[1], ==, "h2");
    g_assert_false(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_MULTIPLE_DOMAINS);
    g_assert_cmpstr(error->message, ==,
                    "multiple matching domains found: domain 'dup' exists on hosts 'h1', 'h2'; remove all but one copy");
    g_clear_error(&error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* the name is unique: the lookup works, the use does not */
    entry = inventoryTestLookup(fixture->inv, "dup");
    g_assert_false(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_MULTIPLE_DOMAINS);
    g_clear_error(&error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* the same conflict seen again is not logged again */
    inventoryTestSyncOne(fixture->inv, "h2", "dup", 1, VIR_DOMAIN_RUNNING, 8);
    inventoryTestSyncOne(fixture->inv, "h1", "dup", 1, VIR_DOMAIN_RUNNING, 3);

    /* h2's copy is removed: usable again, still on h1, same id */
    {
        g_autoptr(GPtrArray) none = inventoryTestRecords();

        shoalInventorySyncHost(fixture->inv, "h2", none);
    }
    entry = inventoryTestLookup(fixture->inv, "dup");
    g_assert_null(entry->conflictHosts);
    g_assert_cmpstr(entry->hostName, ==, "h1");
    g_assert_cmpint(entry->id, ==, ref->id);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
}

/* The owner's copy goes away: the other host's copy takes over. */
static void
testConflictOwnerLeaves(inventoryTestFixture *fixture,
                        gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) none = inventoryTestRecords();
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *warnings = NULL;
    g_autofree char *names = NULL;
    int first;

    inventoryTestSyncOne(fixture->inv, "h1", "dup", 1, VIR_DOMAIN_RUNNING, 3);
    first = inventoryTestId(fixture->inv, "dup");
    inventoryTestLogExpect(fixture->log);
    inventoryTestSyncOne(fixture->inv, "h2", "dup", 1, VIR_DOMAIN_PAUSED, 8);
    warnings = inventoryTestLogTake(fixture->log);
    g_assert_cmpstr(warnings, ==,
                    "h2|dup|domain 'dup' is also on host 'h1': conflict");

    shoalInventorySyncHost(fixture->inv, "h1", none);
    entry = inventoryTestLookup(fixture->inv, "dup");
    g_assert_cmpstr(entry->hostName, ==, "h2");
    g_assert_null(entry->conflictHosts);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
    /* h2's last record is known already: no wait for its next re-read */
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_PAUSED);
    g_assert_cmpint(entry->rec.hostId, ==, 8);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* h2's next sync brings its own record and a new id */
    inventoryTestSyncOne(fixture->inv, "h2", "dup", 1, VIR_DOMAIN_PAUSED, 8);
    entry = inventoryTestLookup(fixture->inv, "dup");
    g_assert_cmpstr(entry->hostName, ==, "h2");
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_PAUSED);
    g_assert_cmpint(entry->rec.hostId, ==, 8);
    g_assert_cmpint(entry->id, >, 0);
    g_assert_cmpint(entry->id, !=, first);
    names =
        inventoryTestListNames(fixture->inv, VIR_CONNECT_LIST_DOMAINS_PAUSED);
    g_assert_cmpstr(names, ==, "dup");
}

/*
 * A migration Shoal does not drive (virsh on the hosts): the incoming copy
 * is no conflict, and when the source's copy goes the destination's
 * record is the domain's at once.
 */
static void
testHandover(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autofree char *warnings = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    shoalInventoryRecord *source;
    shoalInventoryRecord *rec;
    int id;

    inventoryTestSyncOne(fixture->inv, "h1", "mv", 1, VIR_DOMAIN_RUNNING, 3);
    rec = inventoryTestAddRecord(records, "mv", 1, VIR_DOMAIN_PAUSED, 9);
    rec->reason = VIR_DOMAIN_PAUSED_MIGRATION;
    shoalInventoryUpdate(fixture->inv, "h2", rec);
    entry = inventoryTestLookup(fixture->inv, "mv");
    g_assert_cmpstr(entry->hostName, ==, "h1");
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_null(entry->conflictHosts);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* the destination resumes, the source reports its copy migrated:
     * the destination owns the guest now, under the same id */
    id = inventoryTestId(fixture->inv, "mv");
    rec->state = VIR_DOMAIN_RUNNING;
    rec->reason = VIR_DOMAIN_RUNNING_MIGRATED;
    shoalInventoryUpdate(fixture->inv, "h2", rec);
    source = inventoryTestAddRecord(records, "mv", 1, VIR_DOMAIN_SHUTOFF, -1);
    source->reason = VIR_DOMAIN_SHUTOFF_MIGRATED;
    shoalInventoryUpdate(fixture->inv, "h1", source);
    entry = inventoryTestLookup(fixture->inv, "mv");
    g_assert_cmpstr(entry->hostName, ==, "h2");
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(entry->rec.hostId, ==, 9);
    g_assert_cmpint(entry->id, ==, id);
    g_assert_null(entry->conflictHosts);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* then the source's copy goes */
    inventoryTestUUID(uuid, 1);
    shoalInventoryRemove(fixture->inv, "h1", uuid);
    entry = inventoryTestLookup(fixture->inv, "mv");
    g_assert_cmpstr(entry->hostName, ==, "h2");
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(entry->id, ==, id);
    g_assert_null(entry->conflictHosts);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* a running copy on another host that is not migrating: a conflict */
    rec->hostId = 4;
    inventoryTestLogExpect(fixture->log);
    shoalInventoryUpdate(fixture->inv, "h3", rec);
    warnings = inventoryTestLogTake(fixture->log);
    g_assert_cmpstr(warnings, ==,
                    "h3|mv|domain 'mv' is also on host 'h2': conflict");
    entry = inventoryTestLookup(fixture->inv, "mv");
    g_assert_nonnull(entry->conflictHosts);
}

/* Two UUIDs, one name: a lookup by name cannot choose. */
static void
testNameClash(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *names = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    inventoryTestSyncOne(fixture->inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 1);
    inventoryTestSyncOne(fixture->inv, "h2", "web", 2, VIR_DOMAIN_SHUTOFF, -1);

    entry = shoalInventoryLookupByName(fixture->inv, "web", &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_MULTIPLE_DOMAINS);
    g_assert_cmpstr(error->message, ==,
                    "multiple matching domains found: 2 domains with different UUIDs are named 'web'; use the UUID");
    g_assert_null(entry);
    g_clear_error(&error);

    /* both are listed, and each is usable by its UUID */
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "web web");
    inventoryTestUUID(uuid, 2);
    entry = shoalInventoryLookupByUUID(fixture->inv, uuid, &error);
    g_assert_no_error(error);
    g_assert_nonnull(entry);
    g_assert_cmpstr(entry->hostName, ==, "h2");
    g_assert_cmpint(entry->id, ==, -1);
    g_assert_null(entry->conflictHosts);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
}

/*
 * An unreachable host's domains stay listed with no state, and cannot be
 * used until the host answers again.
 */
static void
testUnreachable(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autofree char *names = NULL;
    int id;

    inventoryTestAddRecord(records, "web", 1, VIR_DOMAIN_RUNNING, 2);
    inventoryTestAddRecord(records, "off", 2, VIR_DOMAIN_SHUTOFF, -1);
    shoalInventorySyncHost(fixture->inv, "h1", records);
    inventoryTestSyncOne(fixture->inv, "h2", "db", 3, VIR_DOMAIN_RUNNING, 1);
    id = inventoryTestId(fixture->inv, "web");

    shoalInventorySetHostReachable(fixture->inv, "h1", false);
    names = inventoryTestListNames(fixture->inv, 0);
    g_assert_cmpstr(names, ==, "web db off");

    entry = inventoryTestLookup(fixture->inv, "web");
    g_assert_false(entry->reachable);
    g_assert_cmpstr(entry->hostName, ==, "h1");
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_NOSTATE);
    g_assert_cmpint(entry->rec.reason, ==, 0);
    g_assert_cmpint(entry->id, ==, id);
    g_assert_false(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_assert_cmpstr(error->message, ==,
                    "operation failed: host 'h1' of domain 'web' is unreachable");
    g_clear_error(&error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    entry = inventoryTestLookup(fixture->inv, "off");
    g_assert_false(entry->reachable);
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_NOSTATE);
    g_assert_false(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_FAILED);
    g_clear_error(&error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* the other host is not affected */
    entry = inventoryTestLookup(fixture->inv, "db");
    g_assert_true(entry->reachable);
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* back: the last known state, usable again */
    shoalInventorySetHostReachable(fixture->inv, "h1", true);
    entry = inventoryTestLookup(fixture->inv, "web");
    g_assert_true(entry->reachable);
    g_assert_cmpint(entry->rec.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(entry->rec.reason, ==, 1);
    g_assert_true(shoalInventoryEntryCheckUsable(entry, &error));
    g_assert_no_error(error);
    g_clear_pointer(&entry, shoalInventoryEntryFree);

    /* a successful sync also means the host answers */
    shoalInventorySetHostReachable(fixture->inv, "h1", false);
    shoalInventorySyncHost(fixture->inv, "h1", records);
    entry = inventoryTestLookup(fixture->inv, "web");
    g_assert_true(entry->reachable);
    g_assert_cmpint(entry->id, ==, id);
}

/*
 * A state filter agrees with the state a lookup reports: an unreachable
 * host's running domain reports VIR_DOMAIN_NOSTATE, so it is "other",
 * not "running".
 */
static void
testUnreachableStateFilters(inventoryTestFixture *fixture,
                            gconstpointer data G_GNUC_UNUSED)
{
    g_autofree char *running = NULL;
    g_autofree char *other = NULL;

    inventoryTestSyncOne(fixture->inv, "h1", "web", 1, VIR_DOMAIN_RUNNING, 2);
    inventoryTestSyncOne(fixture->inv, "h2", "db", 2, VIR_DOMAIN_RUNNING, 1);
    shoalInventorySetHostReachable(fixture->inv, "h1", false);

    running =
        inventoryTestListNames(fixture->inv, VIR_CONNECT_LIST_DOMAINS_RUNNING);
    g_assert_cmpstr(running, ==, "db");
    other =
        inventoryTestListNames(fixture->inv, VIR_CONNECT_LIST_DOMAINS_OTHER);
    g_assert_cmpstr(other, ==, "web");
}

static void
testLookupUnknown(inventoryTestFixture *fixture,
                  gconstpointer data G_GNUC_UNUSED)
{
    const int ids[] = { 99, 0, -1, G_MININT };
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    size_t i;

    /* an inactive domain has id -1, yet -1 names no domain */
    inventoryTestSyncOne(fixture->inv, "h1", "off", 1, VIR_DOMAIN_SHUTOFF, -1);

    entry = shoalInventoryLookupByName(fixture->inv, "nosuch", &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpstr(error->message, ==,
                    "Domain not found: no domain with matching name 'nosuch'");
    g_assert_null(entry);
    g_clear_error(&error);

    inventoryTestUUID(uuid, 0xab);
    entry = shoalInventoryLookupByUUID(fixture->inv, uuid, &error);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_assert_cmpstr(error->message, ==,
                    "Domain not found: no domain with matching uuid '5a000000-0000-4000-8000-0000000000ab'");
    g_assert_null(entry);
    g_clear_error(&error);

    for (i = 0; i < G_N_ELEMENTS(ids); i++) {
        g_autofree char *message =
            g_strdup_printf("Domain not found: no domain with matching id %d",
                            ids[i]);

        entry = shoalInventoryLookupByID(fixture->inv, ids[i], &error);
        g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
        g_assert_cmpstr(error->message, ==, message);
        g_assert_null(entry);
        g_clear_error(&error);
    }
}

static void
testLookupKnown(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autoptr(GError) error = NULL;
    g_autoptr(shoalInventoryEntry) byName = NULL;
    g_autoptr(shoalInventoryEntry) byID = NULL;
    g_autoptr(shoalInventoryEntry) byUUID = NULL;
    g_autoptr(shoalDomainRef) ref = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    inventoryTestAddRecord(records, "a", 1, VIR_DOMAIN_RUNNING, 1);
    inventoryTestAddRecord(records, "b", 2, VIR_DOMAIN_RUNNING, 2);
    shoalInventorySyncHost(fixture->inv, "h1", records);

    byName = inventoryTestLookup(fixture->inv, "b");
    byID = shoalInventoryLookupByID(fixture->inv, byName->id, &error);
    g_assert_no_error(error);
    g_assert_nonnull(byID);
    g_assert_cmpstr(byID->rec.name, ==, "b");
    inventoryTestUUID(uuid, 2);
    g_assert_cmpmem(byID->rec.uuid, VIR_UUID_BUFLEN, uuid, VIR_UUID_BUFLEN);

    byUUID = shoalInventoryLookupByUUID(fixture->inv, uuid, &error);
    g_assert_no_error(error);
    g_assert_nonnull(byUUID);
    g_assert_cmpstr(byUUID->rec.name, ==, "b");
    g_assert_cmpint(byUUID->id, ==, byName->id);
    g_assert_cmpint(byUUID->rec.hostId, ==, 2);

    ref = shoalInventoryEntryToRef(byUUID);
    g_assert_cmpstr(ref->name, ==, "b");
    g_assert_cmpmem(ref->uuid, VIR_UUID_BUFLEN, uuid, VIR_UUID_BUFLEN);
    g_assert_cmpint(ref->id, ==, byName->id);
}

/*
 * The prepared set for the filter cases, all on one reachable host. Ids
 * follow the order below, so the running ones list in this order.
 */
typedef struct {
    const char *name;
    int state;
    bool persistent;
    bool autostart;
    bool managedSave;
    bool hasSnapshot;
} inventoryTestDomain;

static const inventoryTestDomain inventoryTestDomains[] = {
    { "run1", VIR_DOMAIN_RUNNING, true, true, false, true },
    { "run2", VIR_DOMAIN_RUNNING, false, false, false, false },
    { "paused", VIR_DOMAIN_PAUSED, true, false, false, true },
    { "blocked", VIR_DOMAIN_BLOCKED, true, false, false, false },
    { "suspended", VIR_DOMAIN_PMSUSPENDED, true, true, false, false },
    { "off-a", VIR_DOMAIN_SHUTOFF, true, false, true, false },
    { "off-b", VIR_DOMAIN_SHUTOFF, true, true, false, true },
};

#define INVENTORY_TEST_ALL "run1 run2 paused blocked suspended off-a off-b"

typedef struct {
    const char *path;
    unsigned flags;
    const char *names;
} inventoryTestFilter;

static const inventoryTestFilter inventoryTestFilters[] = {
    { "none", 0, INVENTORY_TEST_ALL },
    { "active", VIR_CONNECT_LIST_DOMAINS_ACTIVE,
      "run1 run2 paused blocked suspended" },
    { "inactive", VIR_CONNECT_LIST_DOMAINS_INACTIVE, "off-a off-b" },
    { "persistent", VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
      "run1 paused blocked suspended off-a off-b" },
    { "transient", VIR_CONNECT_LIST_DOMAINS_TRANSIENT, "run2" },
    { "running", VIR_CONNECT_LIST_DOMAINS_RUNNING, "run1 run2" },
    { "paused", VIR_CONNECT_LIST_DOMAINS_PAUSED, "paused" },
    { "shutoff", VIR_CONNECT_LIST_DOMAINS_SHUTOFF, "off-a off-b" },
    { "other", VIR_CONNECT_LIST_DOMAINS_OTHER, "blocked suspended" },
    { "managedsave", VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, "off-a" },
    { "no-managedsave", VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
      "run1 run2 paused blocked suspended off-b" },
    { "autostart", VIR_CONNECT_LIST_DOMAINS_AUTOSTART, "run1 suspended off-b" },
    { "no-autostart", VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
      "run2 paused blocked off-a" },
    { "has-snapshot", VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
      "run1 paused off-b" },
    { "no-snapshot", VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
      "run2 blocked suspended off-a" },
    { "has-checkpoint", VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, "" },
    { "no-checkpoint", VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
      INVENTORY_TEST_ALL },
    /* both halves of a pair filter nothing */
    { "active+inactive",
      VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE,
      INVENTORY_TEST_ALL },
    { "autostart+no-autostart",
      VIR_CONNECT_LIST_DOMAINS_AUTOSTART |
          VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
      INVENTORY_TEST_ALL },
    /* states add up */
    { "running+paused",
      VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED,
      "run1 run2 paused" },
    { "shutoff+other",
      VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER,
      "blocked suspended off-a off-b" },
    /* groups narrow each other */
    { "persistent+active",
      VIR_CONNECT_LIST_DOMAINS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_ACTIVE,
      "run1 paused blocked suspended" },
    { "inactive+autostart",
      VIR_CONNECT_LIST_DOMAINS_INACTIVE | VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
      "off-b" },
    { "transient+inactive",
      VIR_CONNECT_LIST_DOMAINS_TRANSIENT | VIR_CONNECT_LIST_DOMAINS_INACTIVE,
      "" },
    { "running+has-snapshot",
      VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
      "run1" },
};

static void
testListFilter(gconstpointer data)
{
    const inventoryTestFilter *tc = data;
    g_autoptr(shoalInventory) inv = shoalInventoryNew();
    g_autoptr(GPtrArray) records = inventoryTestRecords();
    g_autofree char *names = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(inventoryTestDomains); i++) {
        const inventoryTestDomain *dom = &inventoryTestDomains[i];
        shoalInventoryRecord *rec;

        rec = inventoryTestAddRecord(records, dom->name, i + 1, dom->state,
                                     i + 1);
        rec->persistent = dom->persistent;
        rec->autostart = dom->autostart;
        rec->managedSave = dom->managedSave;
        rec->hasSnapshot = dom->hasSnapshot;
    }
    shoalInventorySyncHost(inv, "h1", records);

    names = inventoryTestListNames(inv, tc->flags);
    g_assert_cmpstr(names, ==, tc->names);
}

static gint
inventoryTestCompareNames(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* Names shoalInventoryListHost() gives for @hostName, sorted. */
static char *
inventoryTestHostNames(shoalInventory *inv, const char *hostName)
{
    g_autoptr(GPtrArray) entries = shoalInventoryListHost(inv, hostName);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    guint i;

    for (i = 0; i < entries->len; i++) {
        const shoalInventoryEntry *entry = entries->pdata[i];

        g_assert_cmpstr(entry->hostName, ==, hostName);
        g_ptr_array_add(names, entry->rec.name);
    }
    g_ptr_array_sort(names, inventoryTestCompareNames);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **) names->pdata);
}

/* How many domains @hostName owns, and how many of them run, as "n/r". */
static char *
inventoryTestHostCount(shoalInventory *inv, const char *hostName)
{
    unsigned running = 0;
    unsigned n = shoalInventoryHostCount(inv, hostName, &running);

    return g_strdup_printf("%u/%u", n, running);
}

#define INVENTORY_TEST_HOST(inv, host, names, count)               \
    do {                                                           \
        g_autofree char *got_ = inventoryTestHostNames(inv, host); \
        g_autofree char *n_ = inventoryTestHostCount(inv, host);   \
        g_assert_cmpstr(got_, ==, names);                          \
        g_assert_cmpstr(n_, ==, count);                            \
    } while (0)

/*
 * What one host owns (its list, count and usage) follows syncs of that
 * host and of others, conflicts, moves and removals: the per-host index
 * the re-read of a host uses agrees with the whole inventory.
 */
static void
testHostIndex(inventoryTestFixture *fixture, gconstpointer data G_GNUC_UNUSED)
{
    shoalInventory *inv = fixture->inv;
    g_autoptr(GPtrArray) h1 = inventoryTestRecords();
    g_autoptr(GPtrArray) h2 = inventoryTestRecords();
    g_autoptr(GPtrArray) none = inventoryTestRecords();
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(shoalInventoryEntry) entry = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *warnings = NULL;
    unsigned long long memoryKiB;
    unsigned char uuid[VIR_UUID_BUFLEN];
    shoalInventoryRecord *rec;
    unsigned vcpus;
    unsigned i;

    /* 40 other hosts with 4 domains each: none of them counts for h1 */
    for (i = 0; i < 40; i++) {
        g_autoptr(GPtrArray) other = inventoryTestRecords();
        g_autofree char *host = g_strdup_printf("o%u", i);
        unsigned j;

        for (j = 0; j < 4; j++) {
            g_autofree char *name = g_strdup_printf("o%u-%u", i, j);

            inventoryTestAddRecord(other, name, 10 + i * 4 + j,
                                   VIR_DOMAIN_RUNNING, j + 1);
        }
        shoalInventorySyncHost(inv, host, other);
    }
    rec = inventoryTestAddRecord(h1, "a", 1, VIR_DOMAIN_RUNNING, 1);
    rec->memoryKiB = 1024;
    rec->vcpus = 2;
    rec = inventoryTestAddRecord(h1, "b", 2, VIR_DOMAIN_SHUTOFF, -1);
    rec->memoryKiB = 2048;
    rec->vcpus = 1;
    shoalInventorySyncHost(inv, "h1", h1);
    INVENTORY_TEST_HOST(inv, "h1", "a b", "2/1");
    INVENTORY_TEST_HOST(inv, "h2", "", "0/0");
    INVENTORY_TEST_HOST(inv, "o7", "o7-0 o7-1 o7-2 o7-3", "4/4");
    shoalInventoryHostUsage(inv, "h1", NULL, &memoryKiB, &vcpus);
    g_assert_cmpuint(memoryKiB, ==, 3072);
    g_assert_cmpuint(vcpus, ==, 3);
    inventoryTestUUID(uuid, 1);
    shoalInventoryHostUsage(inv, "h1", uuid, &memoryKiB, &vcpus);
    g_assert_cmpuint(memoryKiB, ==, 2048);
    g_assert_cmpuint(vcpus, ==, 1);

    /* h2 has a copy of b too: a conflict, b stays h1's */
    inventoryTestLogExpect(fixture->log);
    inventoryTestAddRecord(h2, "b", 2, VIR_DOMAIN_SHUTOFF, -1);
    inventoryTestAddRecord(h2, "c", 3, VIR_DOMAIN_RUNNING, 1);
    shoalInventorySyncHost(inv, "h2", h2);
    warnings = inventoryTestLogTake(fixture->log);
    g_assert_cmpstr(warnings, ==,
                    "h2|b|domain 'b' is also on host 'h1': conflict");
    INVENTORY_TEST_HOST(inv, "h1", "a b", "2/1");
    INVENTORY_TEST_HOST(inv, "h2", "c", "1/1");

    /* h1 loses b: h2's copy owns it now */
    g_ptr_array_remove_index(h1, 1);
    shoalInventorySyncHost(inv, "h1", h1);
    INVENTORY_TEST_HOST(inv, "h1", "a", "1/1");
    INVENTORY_TEST_HOST(inv, "h2", "b c", "2/1");

    /* a moves to h2 */
    shoalInventoryMove(inv, "h1", "h2", h1->pdata[0]);
    INVENTORY_TEST_HOST(inv, "h1", "", "0/0");
    INVENTORY_TEST_HOST(inv, "h2", "a b c", "3/2");

    /* h2 comes back empty: only its domains go */
    shoalInventorySyncHost(inv, "h2", none);
    INVENTORY_TEST_HOST(inv, "h2", "", "0/0");
    INVENTORY_TEST_HOST(inv, "o7", "o7-0 o7-1 o7-2 o7-3", "4/4");
    all = shoalInventoryListAll(inv);
    g_assert_cmpuint(all->len, ==, 160);

    /* a host's re-read with one domain fewer removes just that one */
    inventoryTestSyncOne(inv, "o7", "o7-2", 40, VIR_DOMAIN_RUNNING, 3);
    INVENTORY_TEST_HOST(inv, "o7", "o7-2", "1/1");
    INVENTORY_TEST_HOST(inv, "o8", "o8-0 o8-1 o8-2 o8-3", "4/4");
    inventoryTestUUID(uuid, 40);
    shoalInventoryRemove(inv, "o7", uuid);
    INVENTORY_TEST_HOST(inv, "o7", "", "0/0");
    entry = shoalInventoryLookupByName(inv, "o7-2", &error);
    g_assert_null(entry);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_clear_error(&error);

    /* renamed on its host (same UUID): found by its new name only */
    inventoryTestSyncOne(inv, "o8", "o8-renamed", 42, VIR_DOMAIN_SHUTOFF, -1);
    INVENTORY_TEST_HOST(inv, "o8", "o8-renamed", "1/0");
    entry = shoalInventoryLookupByName(inv, "o8-0", &error);
    g_assert_null(entry);
    g_assert_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN);
    g_clear_error(&error);
    entry = inventoryTestLookup(inv, "o8-renamed");
    inventoryTestUUID(uuid, 42);
    g_assert_cmpmem(entry->rec.uuid, VIR_UUID_BUFLEN, uuid, VIR_UUID_BUFLEN);
    g_clear_pointer(&entry, shoalInventoryEntryFree);
}

int
main(int argc, char **argv)
{
    inventoryTestLog log = { 0 };
    int ret;
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_mutex_init(&log.lock);
    log.warnings = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(inventoryTestLogWriter, &log, NULL);

#define INVENTORY_TEST_ADD(path, func)                                     \
    g_test_add(path, inventoryTestFixture, &log, inventoryTestSetup, func, \
               inventoryTestTeardown)
    INVENTORY_TEST_ADD("/cluster/inventory/sync/list", testSyncList);
    INVENTORY_TEST_ADD("/cluster/inventory/sync/empty", testSyncEmpty);
    INVENTORY_TEST_ADD("/cluster/inventory/sync/removes", testSyncRemoves);
    INVENTORY_TEST_ADD("/cluster/inventory/ids/unique", testIdsUnique);
    INVENTORY_TEST_ADD("/cluster/inventory/ids/lifecycle", testIdsLifecycle);
    INVENTORY_TEST_ADD("/cluster/inventory/conflict/same-uuid", testConflict);
    INVENTORY_TEST_ADD("/cluster/inventory/conflict/owner-leaves",
                       testConflictOwnerLeaves);
    INVENTORY_TEST_ADD("/cluster/inventory/conflict/handover", testHandover);
    INVENTORY_TEST_ADD("/cluster/inventory/conflict/same-name", testNameClash);
    INVENTORY_TEST_ADD("/cluster/inventory/lookup/unknown", testLookupUnknown);
    INVENTORY_TEST_ADD("/cluster/inventory/lookup/known", testLookupKnown);
    INVENTORY_TEST_ADD("/cluster/inventory/host/index", testHostIndex);
    for (i = 0; i < G_N_ELEMENTS(inventoryTestFilters); i++) {
        g_autofree char *path =
            g_strdup_printf("/cluster/inventory/list/filter/%s",
                            inventoryTestFilters[i].path);

        g_test_add_data_func(path, &inventoryTestFilters[i], testListFilter);
    }

    /* the unreachable cases run last: a failure there hides no other */
    INVENTORY_TEST_ADD("/cluster/inventory/unreachable/lookup",
                       testUnreachable);
    INVENTORY_TEST_ADD("/cluster/inventory/unreachable/state-filters",
                       testUnreachableStateFilters);
#undef INVENTORY_TEST_ADD

    ret = g_test_run();
    g_ptr_array_unref(log.warnings);
    g_mutex_clear(&log.lock);
    return ret;
}
