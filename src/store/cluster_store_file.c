/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The embedded local backend of the store: DIR/domains/<uuid>.json, one
 * record per domain, and DIR/hosts.json. A record is replaced by writing
 * <uuid>.json.tmp, syncing it, renaming it over <uuid>.json and syncing
 * the directory, the steps of libvirt's virFileRewrite(), so a crash at
 * any point leaves the old record or the new one, never a mix.
 */

#define _GNU_SOURCE /* syncfs() */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_store_backend.h"
#include "util_error.h"
#include "util_uuid.h"

#define STORE_HOSTS_FILE "hosts.json"

/* One kind of shared sync: fsync of the domains directory, or syncfs. */
typedef struct {
    guint64 changeSeq; /* last change number taken */
    guint64 syncedSeq; /* changes up to this one are durable */
    bool syncing;      /* a thread runs this sync now */
} storeFileGroupSync;

typedef struct {
    shoalStoreBackend parent;
    char *dir;        /* immutable: DIR */
    int dirFd;        /* immutable: open on dir */
    char *domainsDir; /* immutable: DIR/domains */
    int domainsFd;    /* immutable: open on domainsDir */

    /*
     * Syncs are shared (group commit). Each rename or unlink takes the
     * next number of dirSync, each batch's written .tmp files the next of
     * dataSync; one sync makes every change numbered up to what it read
     * durable, and changes that waited meanwhile need no sync of their
     * own: 16 000 adoptions cost far fewer than 16 000 syncs. syncLock is
     * never held across I/O.
     */
    GMutex syncLock;
    storeFileGroupSync dirSync;  /* protected by syncLock */
    storeFileGroupSync dataSync; /* protected by syncLock */
    GCond syncCond;              /* a sync ended */
} storeFile;

static void storeFileSetSystemError(GError **error,
                                    int errsv,
                                    const char *format,
                                    ...) G_GNUC_PRINTF(3, 4);

/*
 * Sets a VIR_ERR_SYSTEM_ERROR as libvirt's virReportSystemError() does:
 * the translated sentence of @format, ": " and the text of @errsv.
 */
static void
storeFileSetSystemError(GError **error, int errsv, const char *format, ...)
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
storeFileSyncDir(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int errsv;

    if (fd < 0) {
        storeFileSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                                path);
        return false;
    }
    if (fsync(fd) < 0) {
        errsv = errno;
        close(fd);
        storeFileSetSystemError(error, errsv, _("cannot sync directory '%1$s'"),
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
storeFileMakeDir(const char *path, GError **error)
{
    g_autofree char *parent = NULL;
    struct stat st;

    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return true;
        storeFileSetSystemError(error, ENOTDIR,
                                _("cannot create directory '%1$s'"), path);
        return false;
    }
    parent = g_path_get_dirname(path);
    if (!g_str_equal(parent, path) && !storeFileMakeDir(parent, error))
        return false;
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        storeFileSetSystemError(error, errno,
                                _("cannot create directory '%1$s'"), path);
        return false;
    }
    return storeFileSyncDir(parent, error);
}

static bool
storeFileWriteAll(int fd, const char *data, size_t len)
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
        storeFileSetSystemError(error, errno, _("cannot create file '%1$s'"),
                                tmpPath);
        return false;
    }
    if (!storeFileWriteAll(fd, data, strlen(data))) {
        storeFileSetSystemError(error, errno,
                                _("cannot write data to file '%1$s'"), tmpPath);
        close(fd);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    if (fsync(fd) < 0) {
        storeFileSetSystemError(error, errno, _("cannot sync file '%1$s'"),
                                tmpPath);
        close(fd);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    /* on Linux the descriptor is closed even when close() fails */
    if (close(fd) < 0 && errno != EINTR) {
        storeFileSetSystemError(error, errno, _("cannot save file '%1$s'"),
                                tmpPath);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    if (renameat(dirFd, tmpName, dirFd, name) < 0) {
        storeFileSetSystemError(error, errno,
                                _("cannot rename file '%1$s' as '%2$s'"),
                                tmpPath, path);
        unlinkat(dirFd, tmpName, 0);
        return false;
    }
    *renamed = true;
    if (syncDir && fsync(dirFd) < 0) {
        storeFileSetSystemError(error, errno, _("cannot sync directory '%1$s'"),
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
storeFileReadRecord(storeFile *file,
                    const char *name,
                    const char *path,
                    GError **error)
{
    g_autoptr(GByteArray) data = g_byte_array_new();
    struct stat st;
    int fd;

    fd = openat(file->domainsFd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        storeFileSetSystemError(error, errno, _("cannot open file '%1$s'"),
                                path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        storeFileSetSystemError(error, errno, _("cannot stat file '%1$s'"),
                                path);
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
            storeFileSetSystemError(error, errno, _("cannot read file '%1$s'"),
                                    path);
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        g_byte_array_append(data, buf, (guint) n);
    }
    close(fd);
    return shoalStoreDomainParse((const char *) data->data, data->len, error);
}

/*
 * Renames a damaged record to NAME.corrupt, or NAME.corrupt.N if that is
 * taken: an operator may still need its contents.
 */
static void
storeFileMoveAside(storeFile *file,
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
        if (fstatat(file->domainsFd, aside, &st, AT_SYMLINK_NOFOLLOW) < 0)
            break;
    }
    asidePath = g_build_filename(file->domainsDir, aside, NULL);
    if (renameat(file->domainsFd, name, file->domainsFd, aside) < 0) {
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
storeFileLoadEntry(storeFile *file,
                   const char *name,
                   GPtrArray *domains,
                   bool *changed,
                   GError **error)
{
    g_autofree char *path = g_build_filename(file->domainsDir, name, NULL);
    g_autoptr(shoalStoreDomain) dom = NULL;
    g_autoptr(GError) err = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *expected = NULL;

    if (g_str_has_suffix(name, ".json.tmp")) {
        /* a write that never reached its rename: the old record stands */
        if (unlinkat(file->domainsFd, name, 0) < 0)
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

    dom = storeFileReadRecord(file, name, path, &err);
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
        storeFileMoveAside(file, name, path, err->message);
        *changed = true;
        return true;
    }
    g_ptr_array_add(domains, g_steal_pointer(&dom));
    return true;
}

static gint
storeFileCompareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static bool
storeFileLoadDomains(storeFile *file, GPtrArray *domains, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    bool changed = false;
    DIR *dir;
    guint i;

    dir = opendir(file->domainsDir);
    if (!dir) {
        storeFileSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                                file->domainsDir);
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
        storeFileSetSystemError(error, errno, _("cannot read directory '%1$s'"),
                                file->domainsDir);
        closedir(dir);
        return false;
    }
    closedir(dir);
    g_ptr_array_sort(names, storeFileCompareNames);

    for (i = 0; i < names->len; i++) {
        if (!storeFileLoadEntry(file, names->pdata[i], domains, &changed,
                                error))
            return false;
    }
    /* the clean-up need not be durable: a crash only means doing it again */
    if (changed && fsync(file->domainsFd) < 0)
        g_warning("cannot sync directory '%s': %s", file->domainsDir,
                  g_strerror(errno));
    return true;
}

/* The cluster's own host records, an opaque JSON text to the store. */
static bool
storeFileLoadHosts(storeFile *file, char **hosts, GError **error)
{
    g_autofree char *path = g_build_filename(file->dir, STORE_HOSTS_FILE, NULL);
    g_autoptr(GError) err = NULL;
    char *data = NULL;

    if (!g_file_get_contents(path, &data, NULL, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return true;
        g_set_error(error, SHOAL_ERROR, VIR_ERR_SYSTEM_ERROR,
                    _("cannot read file '%1$s': %2$s"), path, err->message);
        return false;
    }
    *hosts = data;
    return true;
}

/*
 * Makes every change of @group numbered up to @seq durable by one sync
 * (fsync of the domains directory, or syncfs() of its file system for
 * the data of written files): one sync serves every change made before
 * it started, so changes running in parallel share it (group commit).
 */
static bool
storeFileSync(storeFile *file,
              storeFileGroupSync *group,
              guint64 seq,
              GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&file->syncLock);

    while (group->syncedSeq < seq) {
        guint64 target;
        int rc;
        int errsv;

        if (group->syncing) {
            g_cond_wait(&file->syncCond, &file->syncLock);
            continue;
        }
        target = group->changeSeq;
        group->syncing = true;
        g_mutex_unlock(&file->syncLock);
        if (group == &file->dirSync)
            rc = fsync(file->domainsFd);
        else
            rc = syncfs(file->domainsFd);
        errsv = errno;
        g_mutex_lock(&file->syncLock);
        group->syncing = false;
        g_cond_broadcast(&file->syncCond);
        if (rc < 0) {
            /* those who waited for this sync try one of their own */
            storeFileSetSystemError(error, errsv,
                                    _("cannot sync directory '%1$s'"),
                                    file->domainsDir);
            return false;
        }
        group->syncedSeq = MAX(group->syncedSeq, target);
    }
    return true;
}

/* Takes the next change number of @group, for storeFileSync(). */
static guint64
storeFileNoteChange(storeFile *file, storeFileGroupSync *group)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&file->syncLock);

    return ++group->changeSeq;
}

/* Makes the renames and unlinks made so far durable. */
static bool
storeFileSyncDirectory(storeFile *file, GError **error)
{
    return storeFileSync(file, &file->dirSync,
                         storeFileNoteChange(file, &file->dirSync), error);
}

static bool
storeFileLoad(shoalStoreBackend *backend,
              GPtrArray *domains,
              char **hosts,
              GError **error)
{
    storeFile *file = (storeFile *) backend;

    return storeFileLoadDomains(file, domains, error) &&
           storeFileLoadHosts(file, hosts, error);
}

/*
 * The rename makes the record the one a restart reads; the directory's
 * fsync, shared with the puts running meanwhile, makes it durable.
 */
static bool
storeFileWriteRecord(storeFile *file,
                     const shoalStoreDomain *dom,
                     bool *applied,
                     GError **error)
{
    g_autofree char *data = shoalStoreDomainFormat(dom);
    g_autofree char *name = NULL;
    g_autofree char *tmpName = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(dom->uuid, uuid);
    name = g_strdup_printf("%s.json", uuid);
    tmpName = g_strdup_printf("%s.json.tmp", uuid);
    return storeFileReplace(file->domainsFd, file->domainsDir, tmpName, name,
                            data, false, applied, error);
}

static bool
storeFilePut(shoalStoreBackend *backend,
             const shoalStoreDomain *dom,
             bool *applied,
             GError **error)
{
    storeFile *file = (storeFile *) backend;

    if (!storeFileWriteRecord(file, dom, applied, error))
        return false;
    return storeFileSyncDirectory(file, error);
}

/* Writes @data to the new file @tmpName of the domains directory. */
static bool
storeFileWriteTemp(storeFile *file,
                   const char *tmpName,
                   const char *data,
                   GError **error)
{
    int fd = openat(file->domainsFd, tmpName,
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_autofree char *tmpPath = NULL;
    bool written;
    int errsv;

    if (fd < 0) {
        errsv = errno;
    } else {
        written = storeFileWriteAll(fd, data, strlen(data));
        errsv = errno;
        /* on Linux the descriptor is closed even when close() fails */
        if (close(fd) < 0 && errno != EINTR && written) {
            written = false;
            errsv = errno;
        }
        if (written)
            return true;
        unlinkat(file->domainsFd, tmpName, 0);
    }
    tmpPath = g_build_filename(file->domainsDir, tmpName, NULL);
    storeFileSetSystemError(error, errsv, _("cannot write data to file '%1$s'"),
                            tmpPath);
    return false;
}

/*
 * The steps of a put for many records at once: every .tmp file is
 * written, one syncfs() makes their data durable (fsync of each costs a
 * device flush each: 16 a host), then each is renamed over its record and
 * one fsync of the directory makes the renames durable. Both syncs are
 * shared with the batches running meanwhile. A batch of one is a put.
 */
static bool
storeFilePutBatch(shoalStoreBackend *backend,
                  const shoalStoreDomain *const *doms,
                  guint n,
                  bool *applied,
                  GError **error)
{
    storeFile *file = (storeFile *) backend;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    guint written;
    guint i;
    bool ok = true;

    if (n == 1)
        return storeFilePut(backend, doms[0], &applied[0], error);
    for (i = 0; i < n; i++)
        applied[i] = false;
    for (written = 0; ok && written < n; written++) {
        g_autofree char *data = shoalStoreDomainFormat(doms[written]);
        g_autofree char *tmpName = NULL;
        char uuid[VIR_UUID_STRING_BUFLEN];

        shoalUUIDFormat(doms[written]->uuid, uuid);
        g_ptr_array_add(names, g_strdup_printf("%s.json", uuid));
        tmpName = g_strdup_printf("%s.json.tmp", uuid);
        ok = storeFileWriteTemp(file, tmpName, data, error);
    }
    ok = ok && storeFileSync(file, &file->dataSync,
                             storeFileNoteChange(file, &file->dataSync), error);
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *tmpName = g_strconcat(name, ".tmp", NULL);

        if (ok &&
            renameat(file->domainsFd, tmpName, file->domainsFd, name) < 0) {
            g_autofree char *path =
                g_build_filename(file->domainsDir, name, NULL);

            storeFileSetSystemError(error, errno,
                                    _("cannot rename file '%1$s' as '%2$s'"),
                                    tmpName, path);
            ok = false;
        }
        if (ok)
            applied[i] = true;
        else
            unlinkat(file->domainsFd, tmpName, 0);
    }
    /* those renamed before a failure still deserve their sync */
    if (names->len > 0 && applied[0])
        return storeFileSyncDirectory(file, ok ? error : NULL) && ok;
    return ok;
}

static bool
storeFileRemove(shoalStoreBackend *backend,
                const unsigned char *uuid,
                bool *applied,
                GError **error)
{
    storeFile *file = (storeFile *) backend;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(uuid, uuidstr);
    name = g_strdup_printf("%s.json", uuidstr);
    *applied = false;
    if (unlinkat(file->domainsFd, name, 0) < 0) {
        if (errno != ENOENT) {
            path = g_build_filename(file->domainsDir, name, NULL);
            storeFileSetSystemError(error, errno,
                                    _("cannot remove file '%1$s'"), path);
            return false;
        }
        *applied = true;
        return true;
    }
    *applied = true;
    return storeFileSyncDirectory(file, error);
}

static bool
storeFilePutHosts(shoalStoreBackend *backend,
                  const char *json,
                  bool *applied,
                  GError **error)
{
    storeFile *file = (storeFile *) backend;

    return storeFileReplace(file->dirFd, file->dir, STORE_HOSTS_FILE ".tmp",
                            STORE_HOSTS_FILE, json, true, applied, error);
}

/* A document is DIR/NAME.json. */
static bool
storeFilePutDocument(shoalStoreBackend *backend,
                     const char *name,
                     const char *json,
                     GError **error)
{
    storeFile *file = (storeFile *) backend;
    g_autofree char *target = g_strdup_printf("%s.json", name);
    g_autofree char *tmp = g_strdup_printf("%s.json.tmp", name);
    bool applied;

    return storeFileReplace(file->dirFd, file->dir, tmp, target, json, true,
                            &applied, error);
}

static char *
storeFileGetDocument(shoalStoreBackend *backend,
                     const char *name,
                     GError **error)
{
    storeFile *file = (storeFile *) backend;
    g_autofree char *base = g_strdup_printf("%s.json", name);
    g_autofree char *path = g_build_filename(file->dir, base, NULL);
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

static void
storeFileFree(shoalStoreBackend *backend)
{
    storeFile *file = (storeFile *) backend;

    if (file->domainsFd >= 0)
        close(file->domainsFd);
    if (file->dirFd >= 0)
        close(file->dirFd);
    g_free(file->dir);
    g_free(file->domainsDir);
    g_cond_clear(&file->syncCond);
    g_mutex_clear(&file->syncLock);
    g_free(file);
}

static const shoalStoreBackendOps storeFileOps = {
    .load = storeFileLoad,
    .put = storeFilePut,
    .putBatch = storeFilePutBatch,
    .remove = storeFileRemove,
    .putHosts = storeFilePutHosts,
    .putDocument = storeFilePutDocument,
    .getDocument = storeFileGetDocument,
    .free = storeFileFree,
};

/**
 * shoalStoreFileBackendNew:
 * @dir: the store's directory, created (0700) with its parents if needed
 * @error: return location for an error
 *
 * The embedded local backend. Its load removes the leftovers of
 * interrupted writes and moves a damaged record aside to NAME.corrupt,
 * with a g_warning(), loading the others. Fails with
 * VIR_ERR_SYSTEM_ERROR if @dir cannot be created or opened.
 *
 * Returns: (transfer full): the backend, for shoalStoreNew(), or NULL.
 */
shoalStoreBackend *
shoalStoreFileBackendNew(const char *dir, GError **error)
{
    storeFile *file = g_new0(storeFile, 1);
    g_autoptr(shoalStoreBackend) backend = &file->parent;

    backend->ops = &storeFileOps;
    g_mutex_init(&file->syncLock);
    g_cond_init(&file->syncCond);
    file->dir = g_strdup(dir);
    file->dirFd = -1;
    file->domainsDir = g_build_filename(dir, "domains", NULL);
    file->domainsFd = -1;

    if (!storeFileMakeDir(file->domainsDir, error))
        return NULL;
    file->domainsFd =
        open(file->domainsDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (file->domainsFd < 0) {
        storeFileSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                                file->domainsDir);
        return NULL;
    }
    file->dirFd = open(file->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (file->dirFd < 0) {
        storeFileSetSystemError(error, errno, _("cannot open directory '%1$s'"),
                                file->dir);
        return NULL;
    }
    return g_steal_pointer(&backend);
}

/**
 * shoalStoreOpen:
 * @dir: the store's directory, created (0700) with its parents if needed
 * @error: return location for an error
 *
 * Opens the local store (shoalStoreFileBackendNew()) and loads every
 * record. Fails with VIR_ERR_SYSTEM_ERROR on an I/O error, and with
 * VIR_ERR_CONFIG_UNSUPPORTED on a record written by a newer Shoal.
 *
 * Returns: (transfer full): the store, or NULL.
 */
shoalStore *
shoalStoreOpen(const char *dir, GError **error)
{
    shoalStoreBackend *backend = shoalStoreFileBackendNew(dir, error);

    if (!backend)
        return NULL;
    return shoalStoreNew(backend, error);
}
