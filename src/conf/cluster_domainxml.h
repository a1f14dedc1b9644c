/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "util_uuid.h"

/* What Shoal reads of a domain XML; the host validates the rest. */
typedef struct _shoalDomainXML {
    char *name;
    bool hasUUID;
    unsigned char uuid[VIR_UUID_BUFLEN];
    unsigned long long memoryKiB; /* maximum memory */
    unsigned vcpus;               /* current vCPUs */
    unsigned maxVcpus;
} shoalDomainXML;

void shoalDomainXMLFree(shoalDomainXML *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDomainXML, shoalDomainXMLFree)

shoalDomainXML *shoalDomainXMLParse(const char *xml, GError **error);
