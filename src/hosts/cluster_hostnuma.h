/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_numacells.h"

/* Each host's NUMA cells with their free memory, as last read. */
typedef struct _shoalHostNuma shoalHostNuma;

shoalHostNuma *shoalHostNumaNew(void);
void shoalHostNumaFree(shoalHostNuma *numa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalHostNuma, shoalHostNumaFree)

bool shoalHostNumaCollect(shoalHostNuma *numa,
                          virConnectPtr conn,
                          const char *hostName,
                          const char *capabilities,
                          GError **error);
GArray *shoalHostNumaGet(shoalHostNuma *numa, const char *hostName);
