/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a secret adds to a cluster object: a value, the same on every
 * host (set through shoalClusterObjectSetValue), read back from one.
 */
#include <config.h>

#include <string.h>

#include "cluster_internal.h"

static int
secretGetValueOne(void *secret, const char *hostName, gpointer opaque)
{
    GBytes **out = opaque;
    size_t len = 0;
    unsigned char *value = virSecretGetValue(secret, &len, 0);

    if (!value)
        return -1;
    *out = g_bytes_new(value, len);
    memset(value, 0, len);
    free(value);
    return 0;
}

/**
 * shoalClusterSecretGetValue:
 *
 * The value as a host that has the secret gives it: the host refuses a
 * private secret's, as libvirt does.
 * Returns: (transfer full): the value.
 */
GBytes *
shoalClusterSecretGetValue(shoalCluster *cluster,
                           const unsigned char *uuid,
                           GError **error)
{
    GBytes *value = NULL;

    if (shoalClusterObjectCall(cluster, SHOAL_OBJECT_SECRET, uuid, false,
                               secretGetValueOne, &value, NULL, error) < 0)
        return NULL;
    return value;
}
