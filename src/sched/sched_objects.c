/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The objects a domain needs on its host and those a host has: a hard
 * constraint of every destination choice. A kind nobody fills in (a
 * snapshot from a file, a cluster without objects) constrains nothing.
 */
#include <config.h>

#include "sched_objects.h"

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_objects_priv.h"

static const char *const objectKindNames[SHOAL_SCHED_OBJECT_LAST] = {
    "pool",
    "volume",
    "network",
    "secret",
};

const char *
shoalSchedObjectKindToString(shoalSchedObjectKind kind)
{
    if ((unsigned) kind >= SHOAL_SCHED_OBJECT_LAST)
        return NULL;
    return objectKindNames[kind];
}

void
shoalSchedObjectsClear(shoalSchedObjects *objs)
{
    unsigned k;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        g_clear_pointer(&objs->names[k], g_strfreev);
}

void
shoalSchedObjectsCopy(shoalSchedObjects *dst, const shoalSchedObjects *src)
{
    unsigned k;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        dst->names[k] = g_strdupv(src->names[k]);
}

bool
shoalSchedObjectsIsEmpty(const shoalSchedObjects *objs)
{
    unsigned k;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        if (objs->names[k] && objs->names[k][0])
            return false;
    return true;
}

/**
 * shoalSchedObjectsSet:
 * @names: (nullable): the names of @kind; NULL or empty: none
 *
 * Replaces the list of one kind: the hook each kind's source (pools,
 * networks, secrets) fills in.
 */
void
shoalSchedObjectsSet(shoalSchedObjects *objs,
                     shoalSchedObjectKind kind,
                     const char *const *names)
{
    g_return_if_fail((unsigned) kind < SHOAL_SCHED_OBJECT_LAST);
    g_strfreev(objs->names[kind]);
    objs->names[kind] = names && names[0] ? g_strdupv((char **) names) : NULL;
}

/**
 * shoalSchedObjectsFindMissing:
 * @have: what a host has
 * @need: what a domain needs
 * @kind: (out): the kind of the first one missing
 * @name: (out): its name, borrowed from @need
 *
 * Returns: whether @have lacks one of @need (in kind order, then the
 * order of @need).
 */
bool
shoalSchedObjectsFindMissing(const shoalSchedObjects *have,
                             const shoalSchedObjects *need,
                             shoalSchedObjectKind *kind,
                             const char **name)
{
    unsigned k;
    size_t i;

    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++) {
        for (i = 0; need->names[k] && need->names[k][i]; i++) {
            if (have->names[k] &&
                g_strv_contains((const char *const *) have->names[k],
                                need->names[k][i]))
                continue;
            *kind = k;
            *name = need->names[k][i];
            return true;
        }
    }
    return false;
}

/* Returns: (transfer full): why @host cannot take a domain that needs
 * @name of @kind. */
char *
shoalSchedObjectsMissingReason(const char *host,
                               shoalSchedObjectKind kind,
                               const char *name)
{
    switch (kind) {
    case SHOAL_SCHED_OBJECT_POOL:
        return g_strdup_printf(_("host '%1$s' has no active pool '%2$s'"), host,
                               name);
    case SHOAL_SCHED_OBJECT_VOLUME:
        return g_strdup_printf(_("host '%1$s' has no volume '%2$s' (its pool is local to each host)"),
                               host, name);
    case SHOAL_SCHED_OBJECT_NETWORK:
        return g_strdup_printf(_("host '%1$s' has no active network '%2$s'"),
                               host, name);
    case SHOAL_SCHED_OBJECT_SECRET:
        return g_strdup_printf(_("host '%1$s' has no secret '%2$s'"), host,
                               name);
    case SHOAL_SCHED_OBJECT_LAST:
    default:
        break;
    }
    return g_strdup_printf(_("host '%1$s' lacks '%2$s'"), host, name);
}

/* Returns: (transfer full): "no other host has ...", for a plan's note. */
char *
shoalSchedObjectsNoOtherReason(shoalSchedObjectKind kind, const char *name)
{
    switch (kind) {
    case SHOAL_SCHED_OBJECT_POOL:
        return g_strdup_printf(_("no other host has pool '%1$s'"), name);
    case SHOAL_SCHED_OBJECT_VOLUME:
        return g_strdup_printf(_("no other host has volume '%1$s' (its pool is local to each host)"),
                               name);
    case SHOAL_SCHED_OBJECT_NETWORK:
        return g_strdup_printf(_("no other host has network '%1$s'"), name);
    case SHOAL_SCHED_OBJECT_SECRET:
        return g_strdup_printf(_("no other host has secret '%1$s'"), name);
    case SHOAL_SCHED_OBJECT_LAST:
    default:
        break;
    }
    return g_strdup_printf(_("no other host has '%1$s'"), name);
}

/**
 * shoalSchedObjectsParseJSON:
 *
 * Reads the optional member @key of @obj: an object of arrays of names,
 * keyed by kind ("pool", "volume", "network", "secret").
 */
bool
shoalSchedObjectsParseJSON(json_object *obj,
                           const char *path,
                           const char *key,
                           shoalSchedObjects *objs,
                           GError **error)
{
    const char *known[SHOAL_SCHED_OBJECT_LAST + 1];
    g_autofree char *where = NULL;
    json_object *member = NULL;
    unsigned k;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_object, false,
                                    &member, error))
        return false;
    if (!member)
        return true;
    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        known[k] = objectKindNames[k];
    known[SHOAL_SCHED_OBJECT_LAST] = NULL;
    where = path && *path ? g_strdup_printf("%s.%s", path, key) : g_strdup(key);
    if (!shoalSchedJsonCheckKeys(member, where, known, error))
        return false;
    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++) {
        g_auto(GStrv) names = NULL;

        if (!shoalSchedJsonGetStrv(member, where, objectKindNames[k], &names,
                                   error))
            return false;
        shoalSchedObjectsSet(objs, k, (const char *const *) names);
    }
    return true;
}

/* Adds @objs to @obj as @key, left out when empty. */
void
shoalSchedObjectsFormatJSON(json_object *obj,
                            const char *key,
                            const shoalSchedObjects *objs)
{
    json_object *member;
    unsigned k;

    if (shoalSchedObjectsIsEmpty(objs))
        return;
    member = json_object_new_object();
    for (k = 0; k < SHOAL_SCHED_OBJECT_LAST; k++)
        if (objs->names[k] && objs->names[k][0])
            json_object_object_add(member, objectKindNames[k],
                                   shoalSchedJsonNewStrv(
                                       (const char *const *) objs->names[k]));
    json_object_object_add(obj, key, member);
}
