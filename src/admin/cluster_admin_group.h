/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <json-c/json.h>

#include "cluster.h"

/* The admin command "group-list": elastic VM groups (groups12). */
bool shoalAdminCommandGroupList(shoalCluster *cluster,
                                json_object *request,
                                json_object **result,
                                GError **error);
