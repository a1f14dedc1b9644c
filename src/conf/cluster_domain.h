/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

/* A domain as clients name it: plain data, owned by whoever holds it. */
typedef struct _shoalDomainRef {
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int id; /* Shoal's own id while active, -1 otherwise */
} shoalDomainRef;

shoalDomainRef *shoalDomainRefNew(const char *name,
                                  const unsigned char *uuid,
                                  int id);

void shoalDomainRefFree(shoalDomainRef *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDomainRef, shoalDomainRefFree)

/* One typed parameter of a statistics record, copied out of libvirt. */
typedef struct _shoalTypedParam {
    char *field;
    int type; /* virTypedParameterType */
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        bool b;
        char *s;
    } value;
} shoalTypedParam;

void shoalTypedParamFree(shoalTypedParam *param);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalTypedParam, shoalTypedParamFree)

shoalTypedParam *shoalTypedParamFromLibvirt(const char *field,
                                            const virTypedParameter *param);
GPtrArray *shoalTypedParamsFromLibvirt(const virTypedParameter *params,
                                       int nparams);

/* One record of virConnectGetAllDomainStats(), with Shoal's domain ref. */
typedef struct _shoalDomainStats {
    shoalDomainRef *dom;
    GPtrArray *params; /* shoalTypedParam */
} shoalDomainStats;

void shoalDomainStatsFree(shoalDomainStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDomainStats, shoalDomainStatsFree)
