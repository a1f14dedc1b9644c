/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "testutil_log.h"

#include <string.h>

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

static GLogWriterOutput
testLogCaptureWriter(GLogLevelFlags level,
                     const GLogField *fields,
                     gsize nFields,
                     gpointer opaque)
{
    testLogCapture *log = opaque;
    gsize i;

    for (i = 0; i < nFields; i++) {
        const char *value = fields[i].value;
        char *text;

        if (!g_str_equal(fields[i].key, "MESSAGE"))
            continue;
        if (fields[i].length < 0)
            text = g_strdup(value);
        else
            text = g_strndup(value, fields[i].length);
        g_mutex_lock(&log->lock);
        g_ptr_array_add(log->messages, text);
        g_mutex_unlock(&log->lock);
    }
    return g_log_writer_default(level, fields, nFields, NULL);
}

/* Starts capturing; messages still go to GLib's default writer too. */
void
testLogCaptureInit(testLogCapture *log)
{
    g_mutex_init(&log->lock);
    log->messages = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(testLogCaptureWriter, log, NULL);
}

/* After the last test: nothing logs any more. */
void
testLogCaptureClear(testLogCapture *log)
{
    g_clear_pointer(&log->messages, g_ptr_array_unref);
    g_mutex_clear(&log->lock);
}

/* Forgets what was captured so far. */
void
testLogCaptureReset(testLogCapture *log)
{
    g_mutex_lock(&log->lock);
    g_ptr_array_set_size(log->messages, 0);
    g_mutex_unlock(&log->lock);
}

/* How many messages captured so far contain @text. */
guint
testLogCaptureCount(testLogCapture *log, const char *text)
{
    guint n = 0;
    guint i;

    g_mutex_lock(&log->lock);
    for (i = 0; i < log->messages->len; i++)
        n += strstr(log->messages->pdata[i], text) != NULL;
    g_mutex_unlock(&log->lock);
    return n;
}

/* Whether a message captured so far contains @text. */
bool
testLogCaptureHas(testLogCapture *log, const char *text)
{
    return testLogCaptureCount(log, text) > 0;
}
