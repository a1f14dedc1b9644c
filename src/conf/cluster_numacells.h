/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/* One NUMA cell of a host, from its capabilities' <topology><cells>. */
typedef struct _shoalNumaCell {
    unsigned id;
    unsigned cpus;
    char *cpuset; /* its CPUs as a libvirt cpuset ("0-3,8") */
    unsigned long long memoryKiB;
    unsigned long long freeKiB; /* virNodeGetCellsFreeMemory; 0 = unknown */
} shoalNumaCell;

GArray *shoalNumaCellsParse(const char *capabilities);
GArray *shoalNumaCellsCopy(const GArray *cells);
char *shoalNumaCellsCpuset(const GArray *cells, guint64 nodeset);

char *shoalNumaPinDomainXML(const char *xml,
                            const char *nodeset,
                            const char *cpuset,
                            GError **error);
char *shoalNumaDomainNodeset(const char *xml);
