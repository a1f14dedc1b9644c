/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_json.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-c/printbuf.h>

#include "sched_error.h"

/**
 * shoalSchedJsonParse:
 * @text: a NUL-terminated JSON document
 * @error: return location for an error
 *
 * Parses one JSON value; anything but white space after it is an error.
 *
 * Returns: a new reference, or NULL with SHOAL_SCHED_ERROR_INVALID set.
 */
json_object *
shoalSchedJsonParse(const char *text, GError **error)
{
    json_tokener *tok = NULL;
    g_autoptr(json_object) obj = NULL;
    enum json_tokener_error jerr;
    size_t len = strlen(text);
    size_t end;

    if (len > G_MAXINT) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("the JSON document is too large"));
        return NULL;
    }
    tok = json_tokener_new();
    obj = json_tokener_parse_ex(tok, text, (int) len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (jerr == json_tokener_continue) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("invalid JSON: unexpected end of the document"));
        return NULL;
    }
    if (jerr != json_tokener_success || !obj) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid JSON at byte %1$zu: %2$s"), end,
                    json_tokener_error_desc(jerr));
        return NULL;
    }
    while (end < len && g_ascii_isspace(text[end]))
        end++;
    if (end < len) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid JSON at byte %1$zu: unexpected data after the document"),
                    end);
        return NULL;
    }
    return g_steal_pointer(&obj);
}

static char *
jsonPath(const char *path, const char *key)
{
    if (!path || !*path)
        return g_strdup(key);
    return g_strdup_printf("%s.%s", path, key);
}

/**
 * shoalSchedJsonCheckKeys:
 * @obj: a JSON object
 * @path: where @obj is, for messages
 * @known: the keys @obj may have, NULL-terminated
 * @error: return location for an error
 *
 * Rejects a key outside @known, so that a misspelt one cannot pass
 * unnoticed.
 */
bool
shoalSchedJsonCheckKeys(json_object *obj,
                        const char *path,
                        const char *const *known,
                        GError **error)
{
    json_object_object_foreach(obj, key, val)
    {
        (void) val;
        if (!g_strv_contains(known, key)) {
            g_autofree char *where = jsonPath(path, key);

            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("unknown key '%1$s'"), where);
            return false;
        }
    }
    return true;
}

static void
jsonTypeError(const char *where, json_type type, GError **error)
{
    switch (type) {
    case json_type_object:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an object"), where);
        break;
    case json_type_array:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an array"), where);
        break;
    case json_type_string:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be a string"), where);
        break;
    case json_type_boolean:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be true or false"), where);
        break;
    case json_type_int:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an integer"), where);
        break;
    case json_type_double:
    case json_type_null:
    default:
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be a finite number"), where);
        break;
    }
}

/**
 * shoalSchedJsonCheckType:
 * @val: a JSON value, or NULL for a JSON null
 * @path: where @val is, for messages
 * @type: the type it must have
 * @error: return location for an error
 *
 * Fails with "'@path' must be an object" (or array, string...) if @val
 * is not of @type.
 */
bool
shoalSchedJsonCheckType(json_object *val,
                        const char *path,
                        json_type type,
                        GError **error)
{
    if (json_object_is_type(val, type))
        return true;
    jsonTypeError(path, type, error);
    return false;
}

/*
 * Sets *@member to member @key of @obj (borrowed), or to NULL if it is
 * missing or a JSON null, which is an error if @required.
 */
static bool
jsonLookupAny(json_object *obj,
              const char *path,
              const char *key,
              bool required,
              json_object **member,
              GError **error)
{
    json_object *val = NULL;

    if (json_object_object_get_ex(obj, key, &val) && val) {
        *member = val;
        return true;
    }
    if (required) {
        g_autofree char *where = jsonPath(path, key);

        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' is missing"), where);
        return false;
    }
    *member = NULL;
    return true;
}

/**
 * shoalSchedJsonLookupMember:
 * @obj: a JSON object
 * @path: where @obj is, for messages
 * @key: the member to look up
 * @type: the type it must have
 * @required: whether a missing member is an error
 * @member: set to the member (borrowed from @obj), or to NULL if it is
 *   missing and optional
 * @error: return location for an error
 *
 * A JSON null counts as missing. Fails if the member has the wrong type
 * or is missing and @required.
 */
bool
shoalSchedJsonLookupMember(json_object *obj,
                           const char *path,
                           const char *key,
                           json_type type,
                           bool required,
                           json_object **member,
                           GError **error)
{
    json_object *val = NULL;

    if (!jsonLookupAny(obj, path, key, required, &val, error))
        return false;
    if (val && !json_object_is_type(val, type)) {
        g_autofree char *where = jsonPath(path, key);

        jsonTypeError(where, type, error);
        return false;
    }
    *member = val;
    return true;
}

/**
 * shoalSchedJsonParseItems:
 * @arr: (nullable): a JSON array; NULL counts as empty
 * @path: where @arr is, for messages
 * @parse: called on each element in turn, with its path ("@path[3]")
 * @data: passed to @parse
 * @error: return location for an error
 *
 * Stops at the first element @parse fails on.
 */
bool
shoalSchedJsonParseItems(json_object *arr,
                         const char *path,
                         shoalSchedJsonItemParser parse,
                         gpointer data,
                         GError **error)
{
    size_t i;

    for (i = 0; arr && i < json_object_array_length(arr); i++) {
        g_autofree char *where = g_strdup_printf("%s[%zu]", path, i);

        if (!parse(json_object_array_get_idx(arr, i), where, data, error))
            return false;
    }
    return true;
}

/**
 * shoalSchedJsonParseList:
 * @obj: a JSON object
 * @path: where @obj is, for messages
 * @key: the member, an array
 * @required: whether a missing member is an error
 * @parse: called on each element in turn
 * @data: passed to @parse
 * @error: return location for an error
 *
 * shoalSchedJsonLookupMember() followed by shoalSchedJsonParseItems().
 */
bool
shoalSchedJsonParseList(json_object *obj,
                        const char *path,
                        const char *key,
                        bool required,
                        shoalSchedJsonItemParser parse,
                        gpointer data,
                        GError **error)
{
    json_object *arr = NULL;
    g_autofree char *where = NULL;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_array, required,
                                    &arr, error))
        return false;
    where = jsonPath(path, key);
    return shoalSchedJsonParseItems(arr, where, parse, data, error);
}

/* A missing optional member leaves *@value alone. */
bool
shoalSchedJsonGetString(json_object *obj,
                        const char *path,
                        const char *key,
                        bool required,
                        char **value,
                        GError **error)
{
    json_object *val = NULL;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_string, required,
                                    &val, error))
        return false;
    if (val) {
        g_free(*value);
        *value = g_strdup(json_object_get_string(val));
    }
    return true;
}

bool
shoalSchedJsonGetBool(json_object *obj,
                      const char *path,
                      const char *key,
                      bool def,
                      bool *value,
                      GError **error)
{
    json_object *val = NULL;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_boolean, false,
                                    &val, error))
        return false;
    *value = val ? json_object_get_boolean(val) : def;
    return true;
}

/* A missing optional member sets *@value to 0. */
bool
shoalSchedJsonGetUInt64(json_object *obj,
                        const char *path,
                        const char *key,
                        bool required,
                        guint64 max,
                        guint64 *value,
                        GError **error)
{
    json_object *val = NULL;
    guint64 u;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_int, required,
                                    &val, error))
        return false;
    if (!val) {
        *value = 0;
        return true;
    }
    u = json_object_get_uint64(val);
    if (json_object_get_int64(val) < 0 || u > max) {
        g_autofree char *where = jsonPath(path, key);

        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s' must be an integer from 0 to %2$llu"), where,
                    (unsigned long long) max);
        return false;
    }
    *value = u;
    return true;
}

/* Optional; a missing member sets *@value to 0. */
bool
shoalSchedJsonGetInt64(json_object *obj,
                       const char *path,
                       const char *key,
                       gint64 *value,
                       GError **error)
{
    json_object *val = NULL;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_int, false, &val,
                                    error))
        return false;
    *value = val ? json_object_get_int64(val) : 0;
    return true;
}

/**
 * shoalSchedJsonToDouble:
 * @val: a JSON value
 * @path: where @val is, for messages
 * @value: set to the number on success
 * @error: return location for an error
 *
 * Accepts an integer or a finite floating-point number.
 */
bool
shoalSchedJsonToDouble(json_object *val,
                       const char *path,
                       double *value,
                       GError **error)
{
    double d;

    if (!json_object_is_type(val, json_type_double) &&
        !json_object_is_type(val, json_type_int)) {
        jsonTypeError(path, json_type_double, error);
        return false;
    }
    d = json_object_get_double(val);
    if (!isfinite(d)) {
        jsonTypeError(path, json_type_double, error);
        return false;
    }
    *value = d;
    return true;
}

/* A missing optional member leaves *@value alone. */
bool
shoalSchedJsonGetDouble(json_object *obj,
                        const char *path,
                        const char *key,
                        bool required,
                        double *value,
                        GError **error)
{
    json_object *val = NULL;
    g_autofree char *where = NULL;

    if (!jsonLookupAny(obj, path, key, required, &val, error))
        return false;
    if (!val)
        return true;
    where = jsonPath(path, key);
    return shoalSchedJsonToDouble(val, where, value, error);
}

/* Optional; a missing member sets *@value to NULL. */
bool
shoalSchedJsonGetStrv(json_object *obj,
                      const char *path,
                      const char *key,
                      GStrv *value,
                      GError **error)
{
    json_object *arr = NULL;
    g_autoptr(GStrvBuilder) builder = NULL;
    size_t i;
    size_t n;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_array, false,
                                    &arr, error))
        return false;
    if (!arr) {
        *value = NULL;
        return true;
    }
    builder = g_strv_builder_new();
    n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(arr, i);

        if (!json_object_is_type(s, json_type_string)) {
            g_autofree char *where = jsonPath(path, key);

            g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                        _("'%1$s' must be an array of strings"), where);
            return false;
        }
        g_strv_builder_add(builder, json_object_get_string(s));
    }
    *value = g_strv_builder_end(builder);
    return true;
}

/**
 * shoalSchedJsonNewDouble:
 * @value: a number
 *
 * The shortest decimal form that reads back as exactly @value, written
 * the same in every locale (0.863, not 0.86299999999999999), so that
 * recorded files round-trip byte for byte. A number that is not finite,
 * which JSON cannot express, becomes 0.
 *
 * Returns: a new reference.
 */
json_object *
shoalSchedJsonNewDouble(double value)
{
    static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    size_t i;

    if (!isfinite(value))
        value = 0;
    for (i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], value);
        if (g_ascii_strtod(buf, NULL) == value)
            break;
    }
    /* "-0" reads back as 0 and equal, but looks odd */
    if (value == 0)
        g_strlcpy(buf, "0", sizeof(buf));
    return json_object_new_double_s(value, buf);
}

/**
 * shoalSchedJsonNewRounded:
 * @value: a number
 * @decimals: how many decimals to keep, 0 to 9
 *
 * For computed figures: rounded, so that they read well and compare
 * exactly in expected test output; trailing zeros are dropped.
 *
 * Returns: a new reference.
 */
json_object *
shoalSchedJsonNewRounded(double value, int decimals)
{
    char format[8];
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char *dot;
    size_t len;

    if (!isfinite(value))
        value = 0;
    decimals = CLAMP(decimals, 0, 9);
    g_snprintf(format, sizeof(format), "%%.%df", decimals);
    g_ascii_formatd(buf, sizeof(buf), format, value);
    dot = strchr(buf, '.');
    if (dot) {
        len = strlen(buf);
        while (len > 0 && buf[len - 1] == '0')
            buf[--len] = '\0';
        if (len > 0 && buf[len - 1] == '.')
            buf[--len] = '\0';
    }
    if (g_str_equal(buf, "-0"))
        g_strlcpy(buf, "0", sizeof(buf));
    return json_object_new_double_s(g_ascii_strtod(buf, NULL), buf);
}

/* Writes a compact array on one line, even in a pretty-printed document. */
static int
jsonCompactSerialize(json_object *jso, struct printbuf *pb, int level, int flags)
{
    size_t n = json_object_array_length(jso);
    size_t i;

    printbuf_memappend(pb, "[", 1);
    for (i = 0; i < n; i++) {
        const char *s =
            json_object_to_json_string_ext(json_object_array_get_idx(jso, i),
                                           JSON_C_TO_STRING_PLAIN |
                                               JSON_C_TO_STRING_NOSLASHESCAPE);

        if (i > 0)
            printbuf_memappend(pb, ", ", 2);
        printbuf_memappend(pb, s, (int) strlen(s));
    }
    printbuf_memappend(pb, "]", 1);
    return 0;
}

/**
 * shoalSchedJsonNewCompactArray:
 *
 * An array that is written on one line, for short lists of numbers or
 * names (samples, groups), so that recorded files stay readable.
 *
 * Returns: a new reference.
 */
json_object *
shoalSchedJsonNewCompactArray(void)
{
    json_object *arr = json_object_new_array();

    json_object_set_serializer(arr, jsonCompactSerialize, NULL, NULL);
    return arr;
}

/**
 * shoalSchedJsonNewArray:
 * @len: how many elements the caller will add
 *
 * A pretty-printed array, or "[]" if it stays empty (json-c would write
 * an empty one over two lines).
 *
 * Returns: a new reference.
 */
json_object *
shoalSchedJsonNewArray(size_t len)
{
    return len == 0 ? shoalSchedJsonNewCompactArray() : json_object_new_array();
}

/* Returns: a new reference: a compact array of the strings of @strv. */
json_object *
shoalSchedJsonNewStrv(const char *const *strv)
{
    json_object *arr = shoalSchedJsonNewCompactArray();
    size_t i;

    for (i = 0; strv && strv[i]; i++)
        json_object_array_add(arr, json_object_new_string(strv[i]));
    return arr;
}

/* Returns: (transfer full): @obj pretty-printed, ending in a newline. */
char *
shoalSchedJsonFormat(json_object *obj)
{
    const char *s =
        json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                JSON_C_TO_STRING_SPACED |
                                                JSON_C_TO_STRING_NOSLASHESCAPE);

    return g_strconcat(s, "\n", NULL);
}
