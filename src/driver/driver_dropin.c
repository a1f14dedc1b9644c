/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Drop-in mode: the QEMU driver's sockets and name. */
#include <config.h>

#include "driver_dropin.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "util_error.h"

/* where the QEMU units listen; a private socket directory is no unit's */
#define DROPIN_UNITS_DIR "/run/libvirt"

/* the modular daemon's names, then the monolithic libvirtd's */
static const struct {
    const char *name;
    bool readOnly;
} dropinSockets[] = {
    { "virtqemud-sock", false },
    { "virtqemud-sock-ro", true },
    { "libvirt-sock", false },
    { "libvirt-sock-ro", true },
};

/* the units that own those sockets when a local QEMU daemon runs */
static const char *const dropinUnits[] = {
    "virtqemud.socket", "virtqemud-ro.socket", "virtqemud.service",
    "libvirtd.socket",  "libvirtd-ro.socket",  "libvirtd.service",
};

/* Whether @name is qemu:///system (a client's ?socket= is its own). */
bool
shoalDriverDropinNameIsOurs(const char *name)
{
    g_autoptr(GUri) uri = NULL;
    const char *host;

    if (!name)
        return false;
    uri = g_uri_parse(name, G_URI_FLAGS_NONE, NULL);
    if (!uri)
        return false;
    host = g_uri_get_host(uri);
    return g_strcmp0(g_uri_get_scheme(uri), "qemu") == 0 && (!host || !*host) &&
           g_strcmp0(g_uri_get_path(uri), "/system") == 0;
}

/* Appends the QEMU driver's socket paths under @socketDir (transfer full). */
void
shoalDriverDropinAddPaths(const char *socketDir,
                          GPtrArray *paths,
                          GPtrArray *roPaths)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dropinSockets); i++)
        g_ptr_array_add(dropinSockets[i].readOnly ? roPaths : paths,
                        g_build_filename(socketDir, dropinSockets[i].name,
                                         NULL));
}

/* A unit of a local QEMU daemon that is active, NULL if none (or no
 * systemd to ask). */
static char *
dropinActiveUnit(void)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!g_file_test("/run/systemd/system", G_FILE_TEST_IS_DIR))
        return NULL;
    g_ptr_array_add(argv, (char *) "systemctl");
    g_ptr_array_add(argv, (char *) "is-active");
    for (i = 0; i < G_N_ELEMENTS(dropinUnits); i++)
        g_ptr_array_add(argv, (char *) dropinUnits[i]);
    g_ptr_array_add(argv, NULL);
    /* is-active exits non-zero unless one is active: read its lines */
    if (!g_spawn_sync(NULL, (char **) argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                      NULL, &out, NULL, NULL, NULL))
        return NULL;
    lines = g_strsplit(out, "\n", -1);
    for (i = 0; lines[i] && i < G_N_ELEMENTS(dropinUnits); i++) {
        if (g_str_equal(lines[i], "active") ||
            g_str_equal(lines[i], "activating") ||
            g_str_equal(lines[i], "reloading"))
            return g_strdup(dropinUnits[i]);
    }
    return NULL;
}

/**
 * shoalDriverDropinCheckFree:
 * @sockets: (nullable): sockets systemd passed are ours, not a rival's
 *
 * Refuses drop-in mode where a local QEMU daemon owns the QEMU driver's
 * sockets: one answers on them, or (in /run/libvirt, under systemd) a
 * virtqemud or libvirtd unit is active and would take them back.
 */
bool
shoalDriverDropinCheckFree(const char *socketDir,
                           const shoalSocketConfig *sockets,
                           GError **error)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *unit = NULL;
    size_t i;

    shoalDriverDropinAddPaths(socketDir, paths, paths);
    for (i = 0; i < paths->len; i++) {
        const char *path = paths->pdata[i];

        if (shoalSocketIsInherited(sockets, path) || !shoalSocketAnswers(path))
            continue;
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("drop-in mode: a local QEMU daemon answers on '%1$s'; stop and disable virtqemud or libvirtd first"),
                    path);
        return false;
    }
    if (g_str_equal(socketDir, DROPIN_UNITS_DIR) &&
        (unit = dropinActiveUnit())) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("drop-in mode: the local QEMU daemon's unit '%1$s' is active; stop and mask it first"),
                    unit);
        return false;
    }
    return true;
}
