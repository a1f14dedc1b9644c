/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "cluster_admin_group.h"

/* Each group: its bounds, target, grace and members, oldest first. */
bool
shoalAdminCommandGroupList(shoalCluster *cluster,
                           json_object *request,
                           json_object **result,
                           GError **error)
{
    g_autoptr(GPtrArray) groups = shoalClusterGroupList(cluster);
    json_object *out = json_object_new_array();
    guint i;
    size_t j;

    for (i = 0; i < groups->len; i++) {
        const shoalGroupInfo *info = groups->pdata[i];
        json_object *obj = json_object_new_object();
        json_object *members = json_object_new_array();

        for (j = 0; info->members[j]; j++)
            json_object_array_add(members,
                                  json_object_new_string(info->members[j]));
        json_object_object_add(obj, "name", json_object_new_string(info->name));
        json_object_object_add(obj, "template",
                               json_object_new_string(info->template));
        json_object_object_add(obj, "min", json_object_new_uint64(info->min));
        json_object_object_add(obj, "max", json_object_new_uint64(info->max));
        json_object_object_add(obj, "target_cpu",
                               json_object_new_uint64(info->targetCpu));
        json_object_object_add(obj, "grace_s",
                               json_object_new_uint64(info->graceSeconds));
        json_object_object_add(obj, "spread",
                               json_object_new_boolean(info->spread));
        json_object_object_add(obj, "last_change_ms",
                               json_object_new_int64(info->lastChangeMs));
        json_object_object_add(obj, "members", members);
        json_object_array_add(out, obj);
    }
    *result = out;
    return true;
}
