/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "cluster_inventory.h"

GPtrArray *shoalSyncReadHost(virConnectPtr conn,
                             const char *hostName,
                             GError **error);

shoalInventoryRecord *shoalSyncReadDomain(virDomainPtr dom,
                                          const char *hostName,
                                          GError **error);
