/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a domain's snapshots keep it on its host, cached per domain (see
 * cluster_snapshotpins.h). The host is asked once per domain and host,
 * and again after a change to the domain through Shoal.
 */
#include <config.h>

#include "cluster_snapshotpins.h"

#include <stdlib.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"

typedef struct {
    char *host;   /* where it was read */
    char *reason; /* NULL: nothing keeps the domain there */
    bool seen;    /* asked for since the last sweep */
} snapshotPin;

struct _shoalSnapshotPins {
    GMutex lock;
    GHashTable *byUUID; /* GBytes -> snapshotPin, under lock */
};

static void
snapshotPinFree(snapshotPin *pin)
{
    g_free(pin->host);
    g_free(pin->reason);
    g_free(pin);
}

shoalSnapshotPins *
shoalSnapshotPinsNew(void)
{
    shoalSnapshotPins *pins = g_new0(shoalSnapshotPins, 1);

    g_mutex_init(&pins->lock);
    pins->byUUID = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref,
                                         (GDestroyNotify) snapshotPinFree);
    return pins;
}

void
shoalSnapshotPinsFree(shoalSnapshotPins *pins)
{
    if (!pins)
        return;
    g_hash_table_unref(pins->byUUID);
    g_mutex_clear(&pins->lock);
    g_free(pins);
}

/* Any thread: the next round asks the host again. */
void
shoalSnapshotPinsForget(shoalSnapshotPins *pins, const unsigned char *uuid)
{
    g_autoptr(GBytes) key = NULL;

    if (!pins)
        return;
    key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    g_mutex_lock(&pins->lock);
    g_hash_table_remove(pins->byUUID, key);
    g_mutex_unlock(&pins->lock);
}

static gboolean
snapshotPinUnseen(gpointer key, gpointer value, gpointer opaque)
{
    snapshotPin *pin = value;
    bool unseen = !pin->seen;

    pin->seen = false;
    return unseen;
}

/* Drops the domains not asked for since the last sweep: gone, or not
 * running (asked again when they run). Any thread. */
void
shoalSnapshotPinsSweep(shoalSnapshotPins *pins)
{
    if (!pins)
        return;
    g_mutex_lock(&pins->lock);
    g_hash_table_foreach_remove(pins->byUUID, snapshotPinUnseen, NULL);
    g_mutex_unlock(&pins->lock);
}

typedef struct {
    char *reason;
} snapshotPinScan;

/* The first snapshot whose memory state is in a file of its own. */
static int
snapshotPinScanRun(virDomainPtr dom, gpointer opaque)
{
    snapshotPinScan *scan = opaque;
    virDomainSnapshotPtr *snaps = NULL;
    int n = virDomainListAllSnapshots(dom, &snaps, 0);
    int i;

    if (n < 0)
        return -1;
    for (i = 0; i < n; i++) {
        g_autofree char *xml = NULL;
        g_autofree char *file = NULL;

        if (!scan->reason && (xml = virDomainSnapshotGetXMLDesc(snaps[i], 0)) &&
            (file = shoalSnapshotMemoryFile(xml)))
            scan->reason =
                g_strdup_printf(_("snapshot '%1$s' keeps its memory state in '%2$s', which cannot follow the domain"),
                                virDomainSnapshotGetName(snaps[i]), file);
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    virResetLastError();
    return 0;
}

/**
 * shoalClusterSnapshotPinReason:
 * @hostName: where the inventory has the domain now
 *
 * Returns: (transfer full) (nullable): why @uuid's snapshots keep it on
 *   its host; NULL if nothing does or the host cannot tell now. Asks the
 *   host when nothing is cached for it: not under any lock.
 */
char *
shoalClusterSnapshotPinReason(shoalCluster *cluster,
                              const unsigned char *uuid,
                              const char *hostName)
{
    shoalSnapshotPins *pins = cluster->snapshotPins;
    g_autoptr(GBytes) key = g_bytes_new(uuid, VIR_UUID_BUFLEN);
    g_autoptr(GError) error = NULL;
    g_autofree char *answered = NULL;
    snapshotPinScan scan = { NULL };
    snapshotPin *pin;
    char *reason = NULL;
    bool cached = false;

    if (!pins)
        return NULL;
    g_mutex_lock(&pins->lock);
    pin = g_hash_table_lookup(pins->byUUID, key);
    if (pin && g_strcmp0(pin->host, hostName) == 0) {
        reason = g_strdup(pin->reason);
        pin->seen = true;
        cached = true;
    }
    g_mutex_unlock(&pins->lock);
    if (cached)
        return reason;
    if (shoalClusterDomainCallFull(cluster, uuid, 0, snapshotPinScanRun, &scan,
                                   &answered, &error) < 0)
        return NULL; /* not cached: the next round asks again */
    pin = g_new0(snapshotPin, 1);
    pin->host = g_steal_pointer(&answered);
    pin->reason = g_strdup(scan.reason);
    pin->seen = true;
    g_mutex_lock(&pins->lock);
    g_hash_table_replace(pins->byUUID, g_steal_pointer(&key), pin);
    g_mutex_unlock(&pins->lock);
    return scan.reason;
}
