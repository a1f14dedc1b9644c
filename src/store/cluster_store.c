/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The embedded local backend of the store: DIR/domains/<uuid>.json, one
 * JSON object per domain. A record is replaced by writing <uuid>.json.tmp,
 * syncing it, renaming it over <uuid>.json and syncing the directory, the
 * steps of libvirt's virFileRewrite(), so a crash at any point leaves the
 * old record or the new one, never a mix.
 */

#include <config.h>

#include "cluster_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "util_cleanup.h"
#include "util_error.h"
#include "util_uuid.h"

/* The record version this code writes, and the newest it reads. */
#define STORE_RECORD_VERSION 1

struct _shoalStore {
    char *dir;        /* immutable: DIR */
    int dirFd;        /* immutable: open on dir */
    char *domainsDir; /* immutable: DIR/domains */
    int domainsFd;    /* immutable: open on domainsDir */
    char *hosts;      /* protected by lock: DIR/hosts.json, or NULL */

    /*
     * Held across a whole change of hosts.json on disk and the copy in
     * memory that follows. Taken before lock.
     */
    GMutex writeLock;

    /* Held only to read or change the table, never across I/O, so
     * lookups and lists never wait for the disk. */
    GMutex lock;
    GHashTable *domains; /* protected by lock: uuid → shoalStoreDomain */
    /*
     * protected by lock: the UUIDs whose record a put or remove is
     * changing on disk. Each claims its UUID for the whole change (write,
     * fsync, rename, table update), so one domain's changes reach the disk
     * and the table in one order and never share its .tmp file, while
     * different domains' changes run in parallel: a host read at start
     * may adopt all its domains at once.
     */
    GHashTable *claimed;
    GCond claimCond; /* claimed lost a UUID */
    /*
     * protected by lock: the directory sync is shared. Each rename or
     * unlink takes the next sequence number (changeSeq); one fsync of the
     * directory makes every change numbered up to what it read durable
     * (syncedSeq), and changes that waited meanwhile need no fsync of
     * their own: 16 000 adoptions cost far fewer than 16 000 syncs.
     */
    guint64 changeSeq;
    guint64 syncedSeq;
    bool syncing;
    GCond syncCond; /* a directory sync ended */
    /* protected by lock: host name → (uuid → shoalStoreDomain, borrowed
     * from domains), the records placed on each host, so reading one host
     * costs what it holds, not what the cluster holds */
    GHashTable *byHost;
};

/* Parses the canonical form only, as file names use it. */
static bool
storeUUIDParse(const char *str, unsigned char *uuid)
{
    unsigned char out[SHOAL_UUID_BUFLEN];
    char canon[SHOAL_UUID_STRING_BUFLEN];

    if (!shoalUUIDParse(str, out))
        return false;
    shoalUUIDFormat(out, canon);
    if (g_ascii_strcasecmp(canon, str) != 0)
        return false;
    memcpy(uuid, out, SHOAL_UUID_BUFLEN);
    return true;
}

/* Call with the lock held, or before the store is shared. */
static void
storeIndexAdd(shoalStore *store, shoalStoreDomain *dom)
{
    GHashTable *set;

    if (!dom->hostName)
        return;
    set = g_hash_table_lookup(store->byHost, dom->hostName);
    if (!set) {
        set = g_hash_table_new(shoalUUIDHash, shoalUUIDEqual);
        g_hash_table_insert(store->byHost, g_strdup(dom->hostName), set);
    }
    g_hash_table_insert(set, dom->uuid, dom);
}

/* Call with the lock held. */
static void
storeIndexRemove(shoalStore *store, const shoalStoreDomain *dom)
{
    GHashTable *set;

    if (!dom->hostName ||
        !(set = g_hash_table_lookup(store->byHost, dom->hostName)))
        return;
    g_hash_table_remove(set, dom->uuid);
    if (g_hash_table_size(set) == 0)
        g_hash_table_remove(store->byHost, dom->hostName);
}

/* Call with the lock held, or before the store is shared: @dom (transfer
 * full) replaces the record of its UUID, in the table and the index. */
static void
storeTableReplace(shoalStore *store, shoalStoreDomain *dom)
{
    const shoalStoreDomain *old =
        g_hash_table_lookup(store->domains, dom->uuid);

    if (old)
        storeIndexRemove(store, old);
    /* the key lives in the value: replace, not insert */
    g_hash_table_replace(store->domains, dom->uuid, dom);
    storeIndexAdd(store, dom);
}

/* Call with the lock held: waits until no change of @uuid is under way,
 * then claims it. */
static void
storeClaim(shoalStore *store, const unsigned char *uuid)
{
    while (g_hash_table_contains(store->claimed, uuid))
        g_cond_wait(&store->claimCond, &store->lock);
    g_hash_table_add(store->claimed, g_memdup2(uuid, VIR_UUID_BUFLEN));
}

/* Call with the lock held. */
static void
storeRelease(shoalStore *store, const unsigned char *uuid)
{
    g_hash_table_remove(store->claimed, uuid);
    g_cond_broadcast(&store->claimCond);
}

/* Call with the lock held. */
static void
storeTableRemove(shoalStore *store, const unsigned char *uuid)
{
    const shoalStoreDomain *old = g_hash_table_lookup(store->domains, uuid);

    if (!old)
        return;
    storeIndexRemove(store, old);
    g_hash_table_remove(store->domains, uuid);
}

/**
 * shoalStoreDomainNew:
 * @name: the domain's name
 * @uuid: its VIR_UUID_BUFLEN bytes
 * @hostName: (nullable): its member host, NULL while it waits to be placed
 * @xml: its inactive XML
 * @autostart: whether it starts with the cluster
 *
 * Returns: (transfer full): a new record holding copies of the arguments.
 */
shoalStoreDomain *
shoalStoreDomainNew(const char *name,
                    const unsigned char *uuid,
                    const char *hostName,
                    const char *xml,
                    bool autostart)
{
    shoalStoreDomain *dom = g_new0(shoalStoreDomain, 1);

    dom->name = g_strdup(name);
    memcpy(dom->uuid, uuid, VIR_UUID_BUFLEN);
    dom->hostName = g_strdup(hostName);
    dom->xml = g_strdup(xml);
    dom->autostart = autostart;
    return dom;
}

/**
 * shoalStoreDomainCopy:
 * Returns: (transfer full): a deep copy of @dom.
 */
shoalStoreDomain *
shoalStoreDomainCopy(const shoalStoreDomain *dom)
{
    return shoalStoreDomainNew(dom->name, dom->uuid, dom->hostName, dom->xml,
                               dom->autostart);
}

static bool
storeDomainEqual(const shoalStoreDomain *a, const shoalStoreDomain *b)
{
    return memcmp(a->uuid, b->uuid, VIR_UUID_BUFLEN) == 0 &&
           a->autostart == b->autostart && g_str_equal(a->name, b->name) &&
           g_strcmp0(a->hostName, b->hostName) == 0 &&
           g_str_equal(a->xml, b->xml);
}

void
shoalStoreDomainFree(shoalStoreDomain *dom)
{
    if (!dom)
        return;
    g_free(dom->name);
    g_free(dom->hostName);
    g_free(dom->xml);
    g_free(dom);
}

static bool
storeStringValid(const char *str)
{
    return str && *str && g_utf8_validate(str, -1, NULL);
}

/*
 * What every record must satisfy, checked before a put and after a load,
 * so that shoalStorePut() never writes what shoalStoreOpen() would move
 * aside. Returns: the record field that is invalid, or NULL.
 */
static const char *
storeDomainInvalidField(const shoalStoreDomain *dom)
{
    if (!storeStringValid(dom->name))
        return "name";
    if (dom->hostName && !storeStringValid(dom->hostName))
        return "host";
    if (!storeStringValid(dom->xml))
        return "xml";
    return NULL;
}

/* Returns: (transfer full): the record of @dom, as stored. */
static char *
storeDomainFormat(const shoalStoreDomain *dom)
{
    const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                      JSON_C_TO_STRING_NOSLASHESCAPE;
    g_autoptr(json_object) obj = json_object_new_object();
    json_object *host = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(dom->uuid, uuid);
    if (dom->hostName)
        host = json_object_new_string(dom->hostName);
    json_object_object_add(obj, "version",
                           json_object_new_int(STORE_RECORD_VERSION));
    json_object_object_add(obj, "name", json_object_new_string(dom->name));
    json_object_object_add(obj, "uuid", json_object_new_string(uuid));
    json_object_object_add(obj, "host", host);
    json_object_object_add(obj, "autostart",
                           json_object_new_boolean(dom->autostart));
    json_object_object_add(obj, "xml", json_object_new_string(dom->xml));
    return g_strconcat(json_object_to_json_string_ext(obj, flags), "\n", NULL);
}

/*
 * Sets @value to the string member @key of @obj, borrowed from @obj; with
 * @nullable, a JSON null gives NULL.
 */
static bool
storeRecordGetString(json_object *obj,
                     const char *key,
                     bool nullable,
                     const char **value,
                     GError **error)
{
    json_object *member;

    if (!json_object_object_get_ex(obj, key, &member)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing"),
                    key);
        return false;
    }
    if (nullable && !member) {
        *value = NULL;
        return true;
    }
    if (!json_object_is_type(member, json_type_string)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is not a string"),
                    key);
        return false;
    }
    /* a \u0000 escape would silently cut the C string short */
    if (strlen(json_object_get_string(member)) !=
        (size_t) json_object_get_string_len(member)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record contains a NUL character"),
                    key);
        return false;
    }
    *value = json_object_get_string(member);
    return true;
}

static bool
storeRecordGetVersion(json_object *obj, GError **error)
{
    json_object *member;
    long long version;

    if (!json_object_object_get_ex(obj, "version", &member) ||
        !json_object_is_type(member, json_type_int)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing or not an integer"),
                    "version");
        return false;
    }
    version = json_object_get_int64(member);
    if (version > STORE_RECORD_VERSION) {
        /* written by a newer Shoal: not corrupt, and not ours to read */
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: record version %1$lld is newer than the newest this daemon reads (%2$d)"),
                    version, STORE_RECORD_VERSION);
        return false;
    }
    if (version < 1) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: invalid record version %1$lld"),
                    version);
        return false;
    }
    return true;
}

/*
 * Parses one record. Damaged data gives VIR_ERR_INTERNAL_ERROR; a record
 * from a newer Shoal gives VIR_ERR_CONFIG_UNSUPPORTED.
 * Returns: (transfer full): the record, or NULL.
 */
static shoalStoreDomain *
storeDomainParse(const char *data, size_t len, GError **error)
{
    g_autoptr(json_object) obj = NULL;
    g_autoptr(shoalStoreDomain) dom = NULL;
    struct json_tokener *tok;
    enum json_tokener_error jerr;
    json_object *autostart;
    const char *uuid;
    const char *name;
    const char *hostName;
    const char *xml;
    const char *field;
    size_t end;

    if (len > INT_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the record is too large (%1$zu bytes)"),
                    len);
        return NULL;
    }
    tok = json_tokener_new();
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, data, (int) len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    /* the tokener waits for more: a file cut short, perhaps empty */
    if (jerr == json_tokener_continue)
        jerr = json_tokener_error_parse_eof;
    /* strict mode also rejects anything but white space after the object */
    if (jerr != json_tokener_success) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: cannot parse the record at offset %1$zu: %2$s"),
                    end, json_tokener_error_desc(jerr));
        return NULL;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the record is not a JSON object"));
        return NULL;
    }
    if (!storeRecordGetVersion(obj, error))
        return NULL;

    dom = g_new0(shoalStoreDomain, 1);
    if (!storeRecordGetString(obj, "uuid", false, &uuid, error))
        return NULL;
    if (!storeUUIDParse(uuid, dom->uuid)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: invalid UUID '%1$s' in the record"),
                    uuid);
        return NULL;
    }
    if (!storeRecordGetString(obj, "name", false, &name, error) ||
        !storeRecordGetString(obj, "host", true, &hostName, error) ||
        !storeRecordGetString(obj, "xml", false, &xml, error))
        return NULL;
    dom->name = g_strdup(name);
    dom->hostName = g_strdup(hostName);
    dom->xml = g_strdup(xml);
    if (!json_object_object_get_ex(obj, "autostart", &autostart) ||
        !json_object_is_type(autostart, json_type_boolean)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing or not a boolean"),
                    "autostart");
        return NULL;
    }
    dom->autostart = json_object_get_boolean(autostart);

    field = storeDomainInvalidField(dom);
    if (field) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is empty or not valid UTF-8"),
                    field);
        return NULL;
    }
    return g_steal_pointer(&dom);
}

static void storeSetSystemError(GError **error,
                                int errsv,
                                const char *format,
                                ...) G_GNUC_PRINTF(3, 4);

/*
 * Sets a VIR_ERR_SYSTEM_ERROR as libvirt's virReportSystemError() does:
 * the translated sentence of @format, ": " and the text of @errsv.
 */
static void
storeSetSystemError(GError **error, int errsv, const char *format, ...)
{
    g_autofree char *message = NULL;
    g_autofree char *full = NULL;
    va_list args;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    full = g_strconcat(message, ": ", g_strerror(errsv), NULL);
    g_set_error_literal(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR, full);
}

static bool
storeSyncDir(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int errsv;

    if (fd < 0) {
        storeSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                            path);
        return false;
    }
    if (fsync(fd) < 0) {
        errsv = errno;
        close(fd);
        storeSetSystemError(error, errsv, _("cannot sync directory '%1$s'"),
                            path);
        return false;
    }
    close(fd);
    return true;
}

/*
 * Creates @path (0700) and any missing parent, syncing the parent of each
 * directory it creates: a record is only durable if every directory
 * entry on its way is.
 */
static bool
storeMakeDir(const char *path, GError **error)
{
    g_autofree char *parent = NULL;
    struct stat st;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        storeSetSystemError(error, ENOTDIR, _("cannot create directory '%1$s'"),
                            path);
        return false;
    }
    parent = g_path_get_dirname(path);
    if (!g_str_equal(parent, path) && !storeMakeDir(parent, error))
        return false;
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        storeSetSystemError(error, errno, _("cannot create directory '%1$s'"),
                            path);
        return false;
    }
    return storeSyncDir(parent, error);
}

static bool
storeWriteAll(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        data += n;
        len -= (size_t) n;
    }
    return true;
}

/*
 * Writes @data to @tmpName, syncs it and renames it over @name, in the
 * directory, then syncs the directory if @syncDir (else the caller
 * does). Sets @renamed once @name holds @data, even if syncing the
 * directory then fails.
 */
static bool
storeFileReplace(int dirFd,
                 const char *dirPath,
                 const char *tmpName,
                 const char *name,
                 const char *data,
                 bool syncDir,
                 bool *renamed,
                 GError **error)
{
    g_autofree char *tmpPath = g_build_filename(dirPath, tmpName, NULL);
    g_autofree char *path = g_build_filename(dirPath, name, NULL);
    int fd;

    *renamed = false;
    fd = openat(dirFd, tmpName, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        storeSetSystemError(error, errno, _("cannot create file '%1$s'"),
                            tmpPath);
        return false;
    }
    if (!storeWriteAll(fd, data, strlen(data))) {
        storeSetSystemError(error, errno, _("cannot write data to file '%1$s'"),
                            tmpPath);
        close(fd);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    if (fsync(fd) < 0) {
        storeSetSystemError(error, errno, _("cannot sync file '%1$s'"),
                            tmpPath);
        close(fd);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    /* on Linux the descriptor is closed even when close() fails */
    if (close(fd) < 0 && errno != EINTR) {
        storeSetSystemError(error, errno, _("cannot save file '%1$s'"),
                            tmpPath);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    if (renameat(dirFd, tmpName, dirFd, name) < 0) {
        storeSetSystemError(error, errno,
                            _("cannot rename file '%1$s' as '%2$s'"), tmpPath,
                            path);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    *renamed = true;
    if (syncDir && fsync(dirFd) < 0) {
        storeSetSystemError(error, errno, _("cannot sync directory '%1$s'"),
                            dirPath);
        return false;
    }
    return true;
}

/*
 * Reads and parses @name of the domains directory. I/O errors give
 * VIR_ERR_SYSTEM_ERROR; a file that is not a regular one counts as
 * damaged data, VIR_ERR_INTERNAL_ERROR.
 * Returns: (transfer full): the record, or NULL.
 */
static shoalStoreDomain *
storeFileRead(shoalStore *store,
              const char *name,
              const char *path,
              GError **error)
{
    g_autoptr(GByteArray) data = g_byte_array_new();
    struct stat st;
    int fd;

    fd = openat(store->domainsFd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        storeSetSystemError(error, errno, _("cannot open file '%1$s'"), path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        storeSetSystemError(error, errno, _("cannot stat file '%1$s'"), path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the record is not a regular file"));
        close(fd);
        return NULL;
    }
    for (;;) {
        guint8 buf[8192];
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            storeSetSystemError(error, errno, _("cannot read file '%1$s'"),
                                path);
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        g_byte_array_append(data, buf, (guint) n);
    }
    close(fd);
    return storeDomainParse((const char *) data->data, data->len, error);
}

/*
 * Renames a damaged record to NAME.corrupt, or NAME.corrupt.N if that is
 * taken: an operator may still need its contents.
 */
static void
storeMoveAside(shoalStore *store,
               const char *name,
               const char *path,
               const char *reason)
{
    g_autofree char *aside = NULL;
    g_autofree char *asidePath = NULL;
    unsigned i;

    for (i = 0;; i++) {
        struct stat st;

        g_free(aside);
        if (i == 0)
            aside = g_strdup_printf("%s.corrupt", name);
        else
            aside = g_strdup_printf("%s.corrupt.%u", name, i);
        if (fstatat(store->domainsFd, aside, &st, AT_SYMLINK_NOFOLLOW) < 0)
            break;
    }
    asidePath = g_build_filename(store->domainsDir, aside, NULL);
    if (renameat(store->domainsFd, name, store->domainsFd, aside) < 0) {
        int errsv = errno;

        g_warning("store file '%s' is corrupt and cannot be moved aside to "
                  "'%s' (%s): %s",
                  path, asidePath, g_strerror(errsv), reason);
        return;
    }
    g_warning("store file '%s' is corrupt, moved aside to '%s': %s", path,
              asidePath, reason);
}

/*
 * Loads one entry of the domains directory. Damaged records are moved
 * aside and reported; only I/O errors and records from a newer Shoal
 * fail, so that nothing is lost by a transient error or a downgrade.
 */
static bool
storeLoadEntry(shoalStore *store,
               const char *name,
               bool *changed,
               GError **error)
{
    g_autofree char *path = g_build_filename(store->domainsDir, name, NULL);
    g_autoptr(shoalStoreDomain) dom = NULL;
    g_autoptr(GError) err = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *expected = NULL;

    if (g_str_has_suffix(name, ".json.tmp")) {
        /* a write that never reached its rename: the old record stands */
        if (unlinkat(store->domainsFd, name, 0) < 0)
            g_warning("cannot remove '%s', left over from an interrupted "
                      "write: %s",
                      path, g_strerror(errno));
        else
            g_info("removed '%s', left over from an interrupted write", path);
        *changed = true;
        return true;
    }
    if (!g_str_has_suffix(name, ".json")) {
        g_debug("ignoring '%s' in the store", path);
        return true;
    }

    dom = storeFileRead(store, name, path, &err);
    if (dom) {
        shoalUUIDFormat(dom->uuid, uuid);
        expected = g_strdup_printf("%s.json", uuid);
        if (!g_str_equal(name, expected)) {
            g_set_error(&err, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                        _("internal error: UUID '%1$s' of the record does not match its file name"),
                        uuid);
            g_clear_pointer(&dom, shoalStoreDomainFree);
        }
    }
    if (!dom) {
        if (g_error_matches(err, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return false;
        }
        if (!g_error_matches(err, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                       _("cannot load store file '%1$s': "),
                                       path);
            return false;
        }
        storeMoveAside(store, name, path, err->message);
        *changed = true;
        return true;
    }
    /* the store is not shared yet: no lock */
    storeTableReplace(store, g_steal_pointer(&dom));
    return true;
}

static gint
storeCompareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static bool
storeLoad(shoalStore *store, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    bool changed = false;
    DIR *dir;
    guint i;

    dir = opendir(store->domainsDir);
    if (!dir) {
        storeSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                            store->domainsDir);
        return false;
    }
    /* names first: renaming entries while reading the directory could
     * show an entry twice or skip one */
    for (;;) {
        struct dirent *ent;

        errno = 0;
        ent = readdir(dir);
        if (!ent)
            break;
        if (ent->d_name[0] != '.')
            g_ptr_array_add(names, g_strdup(ent->d_name));
    }
    if (errno != 0) {
        storeSetSystemError(error, errno, _("cannot read directory '%1$s'"),
                            store->domainsDir);
        closedir(dir);
        return false;
    }
    closedir(dir);
    g_ptr_array_sort(names, storeCompareNames);

    for (i = 0; i < names->len; i++) {
        if (!storeLoadEntry(store, names->pdata[i], &changed, error))
            return false;
    }
    /* the clean-up need not be durable: a crash only means doing it again */
    if (changed && fsync(store->domainsFd) < 0)
        g_warning("cannot sync directory '%s': %s", store->domainsDir,
                  g_strerror(errno));
    return true;
}

#define STORE_HOSTS_FILE "hosts.json"

/* The cluster's own host records, an opaque JSON text to the store. */
static bool
storeLoadHosts(shoalStore *store, GError **error)
{
    g_autofree char *path =
        g_build_filename(store->dir, STORE_HOSTS_FILE, NULL);
    g_autoptr(GError) err = NULL;
    char *data = NULL;

    if (!g_file_get_contents(path, &data, NULL, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return true;
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot read file '%1$s': %2$s"), path, err->message);
        return false;
    }
    store->hosts = data;
    return true;
}

/**
 * shoalStorePutHosts:
 * @json: the cluster's host records, stored as given
 *
 * Durable on return, like shoalStorePut().
 */
bool
shoalStorePutHosts(shoalStore *store, const char *json, GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);
    bool renamed;
    bool ok;

    ok = storeFileReplace(store->dirFd, store->dir, STORE_HOSTS_FILE ".tmp",
                          STORE_HOSTS_FILE, json, true, &renamed, error);
    if (renamed) {
        g_mutex_lock(&store->lock);
        g_free(store->hosts);
        store->hosts = g_strdup(json);
        g_mutex_unlock(&store->lock);
    }
    return ok;
}

/**
 * shoalStoreGetHosts:
 * Returns: (transfer full) (nullable): what shoalStorePutHosts() last
 *   stored, or NULL if it never did.
 */
char *
shoalStoreGetHosts(shoalStore *store)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);

    return g_strdup(store->hosts);
}

/**
 * shoalStorePutDocument:
 * @name: the document, a plain file name ("objects"): DIR/NAME.json
 * @json: stored as given
 *
 * One whole-cluster record of another layer (its cluster objects, say),
 * opaque to the store. Durable on return, like shoalStorePut().
 */
bool
shoalStorePutDocument(shoalStore *store,
                      const char *name,
                      const char *json,
                      GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *tmp = g_strdup_printf("%s.json.tmp", name);
    bool renamed;

    return storeFileReplace(store->dirFd, store->dir, tmp, file, json, true,
                            &renamed, error);
}

/**
 * shoalStoreGetDocument:
 * Returns: (transfer full) (nullable): what shoalStorePutDocument() last
 *   stored under @name; NULL with @error unset if it never did.
 */
char *
shoalStoreGetDocument(shoalStore *store, const char *name, GError **error)
{
    g_autoptr(GMutexLocker) writer = g_mutex_locker_new(&store->writeLock);
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *path = g_build_filename(store->dir, file, NULL);
    g_autoptr(GError) err = NULL;
    char *data = NULL;

    if (!g_file_get_contents(path, &data, NULL, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return NULL;
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot read file '%1$s': %2$s"), path, err->message);
        return NULL;
    }
    return data;
}

/**
 * shoalStoreOpen:
 * @dir: the store's directory, created (0700) with its parents if needed
 * @error: return location for an error
 *
 * Opens the local store and loads every record. A damaged record is
 * reported with g_warning() and moved aside to NAME.corrupt; the others
 * load. Leftovers of interrupted writes are removed. Fails with
 * VIR_ERR_SYSTEM_ERROR on an I/O error, and with VIR_ERR_CONFIG_UNSUPPORTED
 * on a record written by a newer Shoal.
 *
 * Returns: (transfer full): the store, or NULL.
 */
shoalStore *
shoalStoreOpen(const char *dir, GError **error)
{
    g_autoptr(shoalStore) store = g_new0(shoalStore, 1);

    g_mutex_init(&store->writeLock);
    g_mutex_init(&store->lock);
    g_cond_init(&store->claimCond);
    g_cond_init(&store->syncCond);
    store->claimed =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, g_free, NULL);
    /* the key lives in the value: update with g_hash_table_replace() */
    store->domains =
        g_hash_table_new_full(shoalUUIDHash, shoalUUIDEqual, NULL,
                              (GDestroyNotify) shoalStoreDomainFree);
    store->byHost = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_hash_table_unref);
    store->dir = g_strdup(dir);
    store->dirFd = -1;
    store->domainsDir = g_build_filename(dir, "domains", NULL);
    store->domainsFd = -1;

    if (!storeMakeDir(store->domainsDir, error))
        return NULL;
    store->domainsFd =
        open(store->domainsDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (store->domainsFd < 0) {
        storeSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                            store->domainsDir);
        return NULL;
    }
    store->dirFd = open(store->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (store->dirFd < 0) {
        storeSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                            store->dir);
        return NULL;
    }
    if (!storeLoad(store, error) || !storeLoadHosts(store, error))
        return NULL;
    return g_steal_pointer(&store);
}

void
shoalStoreFree(shoalStore *store)
{
    if (!store)
        return;
    if (store->domainsFd >= 0)
        close(store->domainsFd);
    if (store->dirFd >= 0)
        close(store->dirFd);
    g_free(store->dir);
    g_free(store->hosts);
    g_hash_table_unref(store->byHost);
    g_hash_table_unref(store->domains);
    g_hash_table_unref(store->claimed);
    g_cond_clear(&store->claimCond);
    g_cond_clear(&store->syncCond);
    g_mutex_clear(&store->lock);
    g_mutex_clear(&store->writeLock);
    g_free(store->domainsDir);
    g_free(store);
}

/*
 * Makes every change of the domains directory numbered up to @seq
 * durable: one fsync of the directory serves every change made before it
 * started, so changes running in parallel share it (group commit).
 */
static bool
storeSyncDomains(shoalStore *store, guint64 seq, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);

    while (store->syncedSeq < seq) {
        guint64 target;
        int rc;
        int errsv;

        if (store->syncing) {
            g_cond_wait(&store->syncCond, &store->lock);
            continue;
        }
        target = store->changeSeq;
        store->syncing = true;
        g_mutex_unlock(&store->lock);
        rc = fsync(store->domainsFd);
        errsv = errno;
        g_mutex_lock(&store->lock);
        store->syncing = false;
        g_cond_broadcast(&store->syncCond);
        if (rc < 0) {
            /* those who waited for this sync try one of their own */
            storeSetSystemError(error, errsv, _("cannot sync directory '%1$s'"),
                                store->domainsDir);
            return false;
        }
        store->syncedSeq = MAX(store->syncedSeq, target);
    }
    return true;
}

/**
 * shoalStorePut:
 * @store: the store
 * @dom: the record to add or replace, keyed by its UUID; copied
 * @error: return location for an error
 *
 * Stores @dom durably: when this returns true, the record survives a
 * crash of the daemon or of the machine. A record equal to the stored
 * one is not written again (most changes leave the definition). Fails with VIR_ERR_INVALID_ARG
 * if a name, host or XML is empty or not UTF-8, and VIR_ERR_SYSTEM_ERROR
 * on an I/O error; the store then holds the previous record or @dom, on
 * disk and in memory alike, and a caller who wants neither removes it.
 * Callable from any thread; it waits for the disk, so not from the main
 * loop.
 */
bool
shoalStorePut(shoalStore *store, const shoalStoreDomain *dom, GError **error)
{
    g_autofree char *data = NULL;
    g_autofree char *name = NULL;
    g_autofree char *tmpName = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    const shoalStoreDomain *old;
    const char *field;
    guint64 seq = 0;
    bool renamed;
    bool same;
    bool ok;

    shoalUUIDFormat(dom->uuid, uuid);
    field = storeDomainInvalidField(dom);
    if (field) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: field '%1$s' of domain '%2$s' is empty or not valid UTF-8"),
                    field, uuid);
        return false;
    }
    g_mutex_lock(&store->lock);
    storeClaim(store, dom->uuid);
    old = g_hash_table_lookup(store->domains, dom->uuid);
    same = old && storeDomainEqual(old, dom);
    if (same)
        storeRelease(store, dom->uuid);
    g_mutex_unlock(&store->lock);
    if (same)
        return true;
    /* formatted only now: every re-read of a host puts each of its
     * definitions, and nearly all are unchanged */
    data = storeDomainFormat(dom);
    name = g_strdup_printf("%s.json", uuid);
    tmpName = g_strdup_printf("%s.json.tmp", uuid);
    ok = storeFileReplace(store->domainsFd, store->domainsDir, tmpName, name,
                          data, false, &renamed, error);
    g_mutex_lock(&store->lock);
    if (renamed) {
        storeTableReplace(store, shoalStoreDomainCopy(dom));
        seq = ++store->changeSeq;
    }
    storeRelease(store, dom->uuid);
    g_mutex_unlock(&store->lock);
    if (renamed && !storeSyncDomains(store, seq, error))
        return false;
    return ok;
}

/**
 * shoalStoreRemove:
 * @store: the store
 * @uuid: the UUID of the record to remove
 * @error: return location for an error
 *
 * Removes a record durably; removing an absent one succeeds. Fails with
 * VIR_ERR_SYSTEM_ERROR on an I/O error, leaving the record or not, on
 * disk and in memory alike. Callable from any thread; it waits for the
 * disk, so not from the main loop.
 */
bool
shoalStoreRemove(shoalStore *store, const unsigned char *uuid, GError **error)
{
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    bool unlinked = false;
    guint64 seq = 0;

    shoalUUIDFormat(uuid, uuidstr);
    name = g_strdup_printf("%s.json", uuidstr);
    path = g_build_filename(store->domainsDir, name, NULL);

    g_mutex_lock(&store->lock);
    storeClaim(store, uuid);
    g_mutex_unlock(&store->lock);
    if (unlinkat(store->domainsFd, name, 0) == 0) {
        unlinked = true;
    } else if (errno != ENOENT) {
        storeSetSystemError(error, errno, _("cannot remove file '%1$s'"), path);
        g_mutex_lock(&store->lock);
        storeRelease(store, uuid);
        g_mutex_unlock(&store->lock);
        return false;
    }
    g_mutex_lock(&store->lock);
    storeTableRemove(store, uuid);
    if (unlinked)
        seq = ++store->changeSeq;
    storeRelease(store, uuid);
    g_mutex_unlock(&store->lock);
    return !unlinked || storeSyncDomains(store, seq, error);
}

/**
 * shoalStoreLookup:
 * @store: the store
 * @uuid: the UUID to look for
 * @error: return location for an error
 *
 * Fails with VIR_ERR_NO_DOMAIN if no record has @uuid. Callable from any
 * thread; never waits for the disk.
 *
 * Returns: (transfer full): a copy of the record, or NULL.
 */
shoalStoreDomain *
shoalStoreLookup(shoalStore *store, const unsigned char *uuid, GError **error)
{
    shoalStoreDomain *copy = NULL;
    const shoalStoreDomain *dom;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    g_mutex_lock(&store->lock);
    dom = g_hash_table_lookup(store->domains, uuid);
    if (dom)
        copy = shoalStoreDomainCopy(dom);
    g_mutex_unlock(&store->lock);

    if (!copy) {
        shoalUUIDFormat(uuid, uuidstr);
        g_set_error(error, SHOAL_ERROR, VIR_ERR_NO_DOMAIN,
                    _("Domain not found: no domain with matching uuid '%1$s'"),
                    uuidstr);
    }
    return copy;
}

static gint
storeCompareDomains(gconstpointer a, gconstpointer b)
{
    const shoalStoreDomain *da = *(const shoalStoreDomain *const *) a;
    const shoalStoreDomain *db = *(const shoalStoreDomain *const *) b;
    int cmp = strcmp(da->name, db->name);

    if (cmp != 0)
        return cmp;
    return memcmp(da->uuid, db->uuid, VIR_UUID_BUFLEN);
}

/**
 * shoalStoreList:
 * @store: the store
 *
 * Callable from any thread; never waits for the disk.
 *
 * Returns: (transfer full): copies of every record (shoalStoreDomain),
 * sorted by name, then UUID.
 */
GPtrArray *
shoalStoreList(shoalStore *store)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&store->lock);
    g_hash_table_iter_init(&iter, store->domains);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(out, shoalStoreDomainCopy(value));
    g_mutex_unlock(&store->lock);

    g_ptr_array_sort(out, storeCompareDomains);
    return out;
}

/**
 * shoalStoreListHost:
 * @store: the store
 * @hostName: a member host
 *
 * Costs what @hostName holds, not what the store holds. Callable from
 * any thread; never waits for the disk.
 *
 * Returns: (transfer full): copies of the records placed on @hostName
 * (shoalStoreDomain), sorted by name, then UUID.
 */
GPtrArray *
shoalStoreListHost(shoalStore *store, const char *hostName)
{
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    GHashTable *set;
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&store->lock);
    if ((set = g_hash_table_lookup(store->byHost, hostName))) {
        g_hash_table_iter_init(&iter, set);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            g_ptr_array_add(out, shoalStoreDomainCopy(value));
    }
    g_mutex_unlock(&store->lock);

    g_ptr_array_sort(out, storeCompareDomains);
    return out;
}
