/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * JSON helpers shared by the scheduler's codecs (snapshot, config, plan,
 * simulation). Private to src/sched and its tests: sched.h does not
 * include it, so the json_object cleanup function below cannot clash with
 * src/util's.
 *
 * Readers take a path ("domains[3].vcpus") for their error messages and
 * fail with SHOAL_SCHED_ERROR_INVALID. Writers never fail.
 */
#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <json-c/json.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

json_object *shoalSchedJsonParse(const char *text, GError **error);

bool shoalSchedJsonCheckKeys(json_object *obj,
                             const char *path,
                             const char *const *known,
                             GError **error);

bool shoalSchedJsonCheckType(json_object *val,
                             const char *path,
                             json_type type,
                             GError **error);

bool shoalSchedJsonLookupMember(json_object *obj,
                                const char *path,
                                const char *key,
                                json_type type,
                                bool required,
                                json_object **member,
                                GError **error);

/* Parses one element of an array, found at @path, into @data. */
typedef bool (*shoalSchedJsonItemParser)(json_object *item,
                                         const char *path,
                                         gpointer data,
                                         GError **error);

bool shoalSchedJsonParseItems(json_object *arr,
                              const char *path,
                              shoalSchedJsonItemParser parse,
                              gpointer data,
                              GError **error);
bool shoalSchedJsonParseList(json_object *obj,
                             const char *path,
                             const char *key,
                             bool required,
                             shoalSchedJsonItemParser parse,
                             gpointer data,
                             GError **error);

bool shoalSchedJsonGetString(json_object *obj,
                             const char *path,
                             const char *key,
                             bool required,
                             char **value,
                             GError **error);
bool shoalSchedJsonGetBool(json_object *obj,
                           const char *path,
                           const char *key,
                           bool def,
                           bool *value,
                           GError **error);
bool shoalSchedJsonGetUInt64(json_object *obj,
                             const char *path,
                             const char *key,
                             bool required,
                             guint64 max,
                             guint64 *value,
                             GError **error);
bool shoalSchedJsonGetInt64(json_object *obj,
                            const char *path,
                            const char *key,
                            gint64 *value,
                            GError **error);
bool shoalSchedJsonGetDouble(json_object *obj,
                             const char *path,
                             const char *key,
                             bool required,
                             double *value,
                             GError **error);
bool shoalSchedJsonGetStrv(json_object *obj,
                           const char *path,
                           const char *key,
                           GStrv *value,
                           GError **error);

bool shoalSchedJsonToDouble(json_object *val,
                            const char *path,
                            double *value,
                            GError **error);

json_object *shoalSchedJsonNewDouble(double value);
json_object *shoalSchedJsonNewRounded(double value, int decimals);
json_object *shoalSchedJsonNewCompactArray(void);
json_object *shoalSchedJsonNewArray(size_t len);
json_object *shoalSchedJsonNewStrv(const char *const *strv);
char *shoalSchedJsonFormat(json_object *obj);
