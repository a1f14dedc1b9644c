/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "util_uuid.h"

#include <string.h>

/* Accepts libvirt's forms: 32 hex digits, dashes anywhere between pairs. */
bool
shoalUUIDParse(const char *str, unsigned char *uuid)
{
    size_t n = 0;

    while (*str && n < SHOAL_UUID_BUFLEN) {
        int hi;
        int lo;

        if (*str == '-' || g_ascii_isspace(*str)) {
            str++;
            continue;
        }
        hi = g_ascii_xdigit_value(str[0]);
        lo = str[1] ? g_ascii_xdigit_value(str[1]) : -1;
        if (hi < 0 || lo < 0)
            return false;
        uuid[n++] = (hi << 4) | lo;
        str += 2;
    }
    while (*str && (*str == '-' || g_ascii_isspace(*str)))
        str++;
    return n == SHOAL_UUID_BUFLEN && *str == '\0';
}

void
shoalUUIDFormat(const unsigned char *u, char str[SHOAL_UUID_STRING_BUFLEN])
{
    g_snprintf(str, SHOAL_UUID_STRING_BUFLEN,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
               "%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
               u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* GHashFunc for tables keyed by a raw UUID of SHOAL_UUID_BUFLEN bytes. */
guint
shoalUUIDHash(gconstpointer key)
{
    const unsigned char *uuid = key;
    guint hash = 0;
    size_t i;

    for (i = 0; i < SHOAL_UUID_BUFLEN; i++)
        hash = hash * 31 + uuid[i];
    return hash;
}

/* GEqualFunc to go with shoalUUIDHash(). */
gboolean
shoalUUIDEqual(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, SHOAL_UUID_BUFLEN) == 0;
}
