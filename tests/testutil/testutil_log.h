/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading structured log fields, for tests that capture warnings. */
#include <stdbool.h>

#include <glib.h>

const char *testLogField(const GLogField *fields,
                         gsize nFields,
                         const char *key);

/*
 * Every message logged in the process, for tests that check what was
 * reported. One a process: testLogCaptureInit installs GLib's writer
 * function, which GLib lets a process set only once.
 */
typedef struct {
    GMutex lock;
    GPtrArray *messages; /* protected by lock */
} testLogCapture;

void testLogCaptureInit(testLogCapture *log);
void testLogCaptureClear(testLogCapture *log);
void testLogCaptureReset(testLogCapture *log);
bool testLogCaptureHas(testLogCapture *log, const char *text);
guint testLogCaptureCount(testLogCapture *log, const char *text);
