/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_log.h"

/* The string value of field @key, or "" when there is none. */
const char *
testLogField(const GLogField *fields, gsize nFields, const char *key)
{
    gsize i;

    for (i = 0; i < nFields; i++) {
        if (g_str_equal(fields[i].key, key) && fields[i].length < 0)
            return fields[i].value;
    }
    return "";
}
