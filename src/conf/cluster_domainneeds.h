/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * What a domain's XML says it needs from the host it runs on: the
 * storage of its disks, the networks of its interfaces, the secrets of
 * its disks. The cluster resolves it against its pools.
 */
typedef struct _shoalDomainNeeds {
    GStrv poolVolumes; /* "pool/volume" of <source pool= volume=> disks */
    GStrv paths;       /* source files of file disks */
    GStrv networks;    /* <interface type='network'> source networks */
    GStrv secrets;     /* UUIDs of <auth> and <encryption> secrets */
} shoalDomainNeeds;

void shoalDomainNeedsFree(shoalDomainNeeds *needs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDomainNeeds, shoalDomainNeedsFree)

shoalDomainNeeds *shoalDomainNeedsCopy(const shoalDomainNeeds *needs);
shoalDomainNeeds *shoalDomainNeedsParse(const char *domainXml);
