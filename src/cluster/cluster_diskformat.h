/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct _shoalCluster shoalCluster;

char *shoalClusterDiskFormatFill(shoalCluster *cluster,
                                 virConnectPtr conn,
                                 const char *xml);
