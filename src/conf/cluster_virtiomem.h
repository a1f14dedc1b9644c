/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/* A domain's virtio-mem device as its live XML shows it, in KiB. */
typedef struct _shoalVirtioMem {
    unsigned long long sizeKiB; /* the most it can plug */
    unsigned long long blockKiB;
    unsigned long long requestedKiB;
    unsigned long long pluggedKiB; /* <current>: what the guest plugged */
    char *alias;                   /* NULL if libvirt gave it none */
} shoalVirtioMem;

void shoalVirtioMemClear(shoalVirtioMem *mem);

bool shoalVirtioMemParse(const char *domainXml, shoalVirtioMem *mem);

char *shoalVirtioMemRequestXML(const char *domainXml,
                               unsigned long long requestedKiB);
