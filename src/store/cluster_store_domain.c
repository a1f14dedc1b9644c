/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * One stored definition (shoalStoreDomain) and its record, the JSON text
 * every backend stores for it: the local backend one file per domain,
 * a networked one a value per key. One codec, so a record reads the same
 * whichever backend wrote it.
 */

#include <config.h>

#include <limits.h>
#include <string.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>

#include "cluster_store_backend.h"
#include "util_cleanup.h"
#include "util_error.h"
#include "util_uuid.h"

/* The record version this code writes, and the newest it reads. */
#define STORE_RECORD_VERSION 1

/* Parses the canonical form only, as file names use it. */
static bool
storeDomainUUIDParse(const char *str, unsigned char *uuid)
{
    unsigned char out[SHOAL_UUID_BUFLEN];
    char canon[SHOAL_UUID_STRING_BUFLEN];

    if (!shoalUUIDParse(str, out))
        return false;
    shoalUUIDFormat(out, canon);
    if (g_ascii_strcasecmp(canon, str) != 0)
        return false;
    memcpy(uuid, out, SHOAL_UUID_BUFLEN);
    return true;
}

/**
 * shoalStoreDomainNew:
 * @name: the domain's name
 * @uuid: its VIR_UUID_BUFLEN bytes
 * @hostName: (nullable): its member host, NULL while it waits to be placed
 * @xml: its inactive XML
 * @autostart: whether it starts with the cluster
 *
 * Returns: (transfer full): a new record holding copies of the arguments,
 * generation 0.
 */
shoalStoreDomain *
shoalStoreDomainNew(const char *name,
                    const unsigned char *uuid,
                    const char *hostName,
                    const char *xml,
                    bool autostart)
{
    shoalStoreDomain *dom = g_new0(shoalStoreDomain, 1);

    dom->name = g_strdup(name);
    memcpy(dom->uuid, uuid, VIR_UUID_BUFLEN);
    dom->hostName = g_strdup(hostName);
    dom->xml = g_strdup(xml);
    dom->autostart = autostart;
    return dom;
}

/**
 * shoalStoreDomainCopy:
 * Returns: (transfer full): a deep copy of @dom.
 */
shoalStoreDomain *
shoalStoreDomainCopy(const shoalStoreDomain *dom)
{
    shoalStoreDomain *copy =
        shoalStoreDomainNew(dom->name, dom->uuid, dom->hostName, dom->xml,
                            dom->autostart);

    copy->generation = dom->generation;
    return copy;
}

/* Whether @a and @b are the same record; the generation is not part of it. */
bool
shoalStoreDomainEqual(const shoalStoreDomain *a, const shoalStoreDomain *b)
{
    return memcmp(a->uuid, b->uuid, VIR_UUID_BUFLEN) == 0 &&
           a->autostart == b->autostart && g_str_equal(a->name, b->name) &&
           g_strcmp0(a->hostName, b->hostName) == 0 &&
           g_str_equal(a->xml, b->xml);
}

void
shoalStoreDomainFree(shoalStoreDomain *dom)
{
    if (!dom)
        return;
    g_free(dom->name);
    g_free(dom->hostName);
    g_free(dom->xml);
    g_free(dom);
}

static bool
storeDomainStringValid(const char *str)
{
    return str && *str && g_utf8_validate(str, -1, NULL);
}

/*
 * What every record must satisfy, checked before a put and after a load,
 * so that shoalStorePut() never writes what a backend would set aside
 * when it loads. Returns: the record field that is invalid, or NULL.
 */
const char *
shoalStoreDomainInvalidField(const shoalStoreDomain *dom)
{
    if (!storeDomainStringValid(dom->name))
        return "name";
    if (dom->hostName && !storeDomainStringValid(dom->hostName))
        return "host";
    if (!storeDomainStringValid(dom->xml))
        return "xml";
    return NULL;
}

/* Returns: (transfer full): the record of @dom, as stored. */
char *
shoalStoreDomainFormat(const shoalStoreDomain *dom)
{
    const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                      JSON_C_TO_STRING_NOSLASHESCAPE;
    g_autoptr(json_object) obj = json_object_new_object();
    json_object *host = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];

    shoalUUIDFormat(dom->uuid, uuid);
    if (dom->hostName)
        host = json_object_new_string(dom->hostName);
    json_object_object_add(obj, "version",
                           json_object_new_int(STORE_RECORD_VERSION));
    json_object_object_add(obj, "name", json_object_new_string(dom->name));
    json_object_object_add(obj, "uuid", json_object_new_string(uuid));
    json_object_object_add(obj, "host", host);
    json_object_object_add(obj, "autostart",
                           json_object_new_boolean(dom->autostart));
    json_object_object_add(obj, "xml", json_object_new_string(dom->xml));
    return g_strconcat(json_object_to_json_string_ext(obj, flags), "\n", NULL);
}

/*
 * Sets @value to the string member @key of @obj, borrowed from @obj; with
 * @nullable, a JSON null gives NULL.
 */
static bool
storeDomainGetString(json_object *obj,
                     const char *key,
                     bool nullable,
                     const char **value,
                     GError **error)
{
    json_object *member;

    if (!json_object_object_get_ex(obj, key, &member)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing"),
                    key);
        return false;
    }
    if (nullable && !member) {
        *value = NULL;
        return true;
    }
    if (!json_object_is_type(member, json_type_string)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is not a string"),
                    key);
        return false;
    }
    /* a \u0000 escape would silently cut the C string short */
    if (strlen(json_object_get_string(member)) !=
        (size_t) json_object_get_string_len(member)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record contains a NUL character"),
                    key);
        return false;
    }
    *value = json_object_get_string(member);
    return true;
}

static bool
storeDomainGetVersion(json_object *obj, GError **error)
{
    json_object *member;
    long long version;

    if (!json_object_object_get_ex(obj, "version", &member) ||
        !json_object_is_type(member, json_type_int)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing or not an integer"),
                    "version");
        return false;
    }
    version = json_object_get_int64(member);
    if (version > STORE_RECORD_VERSION) {
        /* written by a newer Shoal: not corrupt, and not ours to read */
        g_set_error(error, SHOAL_ERROR, VIR_ERR_CONFIG_UNSUPPORTED,
                    _("unsupported configuration: record version %1$lld is newer than the newest this daemon reads (%2$d)"),
                    version, STORE_RECORD_VERSION);
        return false;
    }
    if (version < 1) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: invalid record version %1$lld"),
                    version);
        return false;
    }
    return true;
}

/*
 * Parses one record. Damaged data gives VIR_ERR_INTERNAL_ERROR; a record
 * from a newer Shoal gives VIR_ERR_CONFIG_UNSUPPORTED.
 * Returns: (transfer full): the record, or NULL.
 */
shoalStoreDomain *
shoalStoreDomainParse(const char *data, size_t len, GError **error)
{
    g_autoptr(json_object) obj = NULL;
    g_autoptr(shoalStoreDomain) dom = NULL;
    struct json_tokener *tok;
    enum json_tokener_error jerr;
    json_object *autostart;
    const char *uuid;
    const char *name;
    const char *hostName;
    const char *xml;
    const char *field;
    size_t end;

    if (len > INT_MAX) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the record is too large (%1$zu bytes)"),
                    len);
        return NULL;
    }
    tok = json_tokener_new();
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, data, (int) len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    /* the tokener waits for more: a file cut short, perhaps empty */
    if (jerr == json_tokener_continue)
        jerr = json_tokener_error_parse_eof;
    /* strict mode also rejects anything but white space after the object */
    if (jerr != json_tokener_success) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: cannot parse the record at offset %1$zu: %2$s"),
                    end, json_tokener_error_desc(jerr));
        return NULL;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: the record is not a JSON object"));
        return NULL;
    }
    if (!storeDomainGetVersion(obj, error))
        return NULL;

    dom = g_new0(shoalStoreDomain, 1);
    if (!storeDomainGetString(obj, "uuid", false, &uuid, error))
        return NULL;
    if (!storeDomainUUIDParse(uuid, dom->uuid)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: invalid UUID '%1$s' in the record"),
                    uuid);
        return NULL;
    }
    if (!storeDomainGetString(obj, "name", false, &name, error) ||
        !storeDomainGetString(obj, "host", true, &hostName, error) ||
        !storeDomainGetString(obj, "xml", false, &xml, error))
        return NULL;
    dom->name = g_strdup(name);
    dom->hostName = g_strdup(hostName);
    dom->xml = g_strdup(xml);
    if (!json_object_object_get_ex(obj, "autostart", &autostart) ||
        !json_object_is_type(autostart, json_type_boolean)) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is missing or not a boolean"),
                    "autostart");
        return NULL;
    }
    dom->autostart = json_object_get_boolean(autostart);

    field = shoalStoreDomainInvalidField(dom);
    if (field) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INTERNAL_ERROR,
                    _("internal error: field '%1$s' of the record is empty or not valid UTF-8"),
                    field);
        return NULL;
    }
    return g_steal_pointer(&dom);
}
