/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Each host's NUMA cells: CPUs and memory from its capabilities, free
 * memory per cell from virNodeGetCellsFreeMemory, read with its
 * statistics each interval, for the scheduler's snapshot.
 */
#include <config.h>

#include "cluster_hostnuma.h"

#include "cluster_error.h"

struct _shoalHostNuma {
    GMutex lock;
    GHashTable *hosts; /* protected by lock: name -> GArray of shoalNumaCell */
};

shoalHostNuma *
shoalHostNumaNew(void)
{
    shoalHostNuma *numa = g_new0(shoalHostNuma, 1);

    g_mutex_init(&numa->lock);
    numa->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_array_unref);
    return numa;
}

void
shoalHostNumaFree(shoalHostNuma *numa)
{
    if (!numa)
        return;
    g_hash_table_unref(numa->hosts);
    g_mutex_clear(&numa->lock);
    g_free(numa);
}

/**
 * shoalHostNumaCollect:
 *
 * Reads the free memory of each cell @capabilities describes. A host
 * without cells is forgotten (one cell, no NUMA decision). Worker thread.
 */
bool
shoalHostNumaCollect(shoalHostNuma *numa,
                     virConnectPtr conn,
                     const char *hostName,
                     const char *capabilities,
                     GError **error)
{
    g_autoptr(GArray) cells = shoalNumaCellsParse(capabilities);
    bool ok = true;
    guint i;

    for (i = 0; cells && i < cells->len; i++) {
        shoalNumaCell *c = &g_array_index(cells, shoalNumaCell, i);
        unsigned long long freeBytes = 0;

        /* one cell at a time: cell ids need not be contiguous */
        if (virNodeGetCellsFreeMemory(conn, &freeBytes, (int) c->id, 1) != 1) {
            shoalErrorFromLibvirt(error, hostName);
            ok = false;
            g_clear_pointer(&cells, g_array_unref);
            break;
        }
        c->freeKiB = MIN(freeBytes / 1024, c->memoryKiB);
    }
    g_mutex_lock(&numa->lock);
    if (cells)
        g_hash_table_insert(numa->hosts, g_strdup(hostName),
                            g_steal_pointer(&cells));
    else
        g_hash_table_remove(numa->hosts, hostName);
    g_mutex_unlock(&numa->lock);
    return ok;
}

/**
 * shoalHostNumaGet:
 * Returns: (transfer full) (nullable): a copy of @hostName's cells, or
 *   NULL if it has none known.
 */
GArray *
shoalHostNumaGet(shoalHostNuma *numa, const char *hostName)
{
    GArray *cells;

    g_mutex_lock(&numa->lock);
    cells = shoalNumaCellsCopy(g_hash_table_lookup(numa->hosts, hostName));
    g_mutex_unlock(&numa->lock);
    return cells;
}
