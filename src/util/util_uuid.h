/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/* libvirt's sizes, without its headers (sched must not include them) */
#define SHOAL_UUID_BUFLEN 16
#define SHOAL_UUID_STRING_BUFLEN 37

bool shoalUUIDParse(const char *str, unsigned char *uuid);

void shoalUUIDFormat(const unsigned char *uuid,
                     char str[SHOAL_UUID_STRING_BUFLEN]);

guint shoalUUIDHash(gconstpointer key);

gboolean shoalUUIDEqual(gconstpointer a, gconstpointer b);
