/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Elastic groups, live (issue 12 part 5): which groups and members the
 * cluster has, and the round that grows and shrinks them.
 *
 * Groups and members are read from the stored definitions each time: a
 * template's <group/>, a member's <member group= template=/>; a restart
 * finds them in the store. Only the time of each group's last change is
 * kept in memory (its cool-down starts again after a restart).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cluster_group.h"
#include "cluster_groupmeta.h"
#include "cluster_internal.h"
#include "cluster_store.h"
#include "cluster_xpath.h"
#include "sched_group.h"

struct _shoalGroupState {
    GMutex lastChangeLock;
    GHashTable *lastChangeMs; /* group name -> gint64 * */
};

shoalGroupState *
shoalGroupStateNew(void)
{
    shoalGroupState *state = g_new0(shoalGroupState, 1);

    g_mutex_init(&state->lastChangeLock);
    state->lastChangeMs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return state;
}

void
shoalGroupStateFree(shoalGroupState *state)
{
    if (!state)
        return;
    g_hash_table_unref(state->lastChangeMs);
    g_mutex_clear(&state->lastChangeLock);
    g_free(state);
}

static gint64
groupStateGet(shoalGroupState *state, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lastChangeLock);
    gint64 *ms = g_hash_table_lookup(state->lastChangeMs, name);

    return ms ? *ms : 0;
}

static void
groupStateSet(shoalGroupState *state, const char *name, gint64 nowMs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lastChangeLock);

    g_hash_table_replace(state->lastChangeMs, g_strdup(name),
                         g_memdup2(&nowMs, sizeof(nowMs)));
}

void
shoalGroupInfoFree(shoalGroupInfo *info)
{
    if (!info)
        return;
    g_free(info->name);
    g_free(info->template);
    g_strfreev(info->members);
    g_free(info);
}

/* The number after "TEMPLATE-" in a member's name, 0 if none. */
static unsigned
groupMemberIndex(const char *template, const char *member)
{
    size_t len = strlen(template);

    if (strncmp(member, template, len) != 0 || member[len] != '-')
        return 0;
    return (unsigned) strtoul(member + len + 1, NULL, 10);
}

typedef struct {
    const char *template;
} groupSortCtx;

static gint
groupMemberCompare(gconstpointer a, gconstpointer b, gpointer opaque)
{
    const groupSortCtx *ctx = opaque;
    unsigned ia = groupMemberIndex(ctx->template, *(const char *const *) a);
    unsigned ib = groupMemberIndex(ctx->template, *(const char *const *) b);

    return ia < ib ? -1 : ia > ib;
}

/* Every stored definition's name and XML. */
static GPtrArray *
groupStored(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) refs = shoalClusterListDomains(cluster, 0, NULL);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalStoreDomainFree);
    guint i;

    for (i = 0; refs && i < refs->len; i++) {
        const shoalDomainRef *ref = refs->pdata[i];
        shoalStoreDomain *sd =
            shoalStoreLookup(cluster->store, ref->uuid, NULL);

        if (sd && sd->xml)
            g_ptr_array_add(out, sd);
        else
            shoalStoreDomainFree(sd);
    }
    return out;
}

/* The members of @info among @stored, oldest (lowest index) first. */
static void
groupFindMembers(shoalGroupInfo *info, GPtrArray *stored)
{
    g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func(g_free);
    groupSortCtx ctx = { info->template };
    guint i;

    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];
        g_autofree char *tmpl =
            shoalXPathString(sd->xml,
                             "string(/domain/metadata/*[local-name()='placement']/"
                             "*[local-name()='member']/@template)");

        if (tmpl && g_str_equal(tmpl, info->template))
            g_ptr_array_add(members, g_strdup(sd->name));
    }
    g_ptr_array_sort_with_data(members, groupMemberCompare, &ctx);
    g_ptr_array_add(members, NULL);
    info->members = (GStrv) g_ptr_array_free(g_steal_pointer(&members), FALSE);
}

/**
 * shoalClusterGroupList:
 *
 * Returns: (transfer full): of shoalGroupInfo, the groups whose template
 *   the cluster stores, with their members.
 */
GPtrArray *
shoalClusterGroupList(shoalCluster *cluster)
{
    g_autoptr(GPtrArray) stored = groupStored(cluster);
    GPtrArray *out =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalGroupInfoFree);
    guint i;

    for (i = 0; i < stored->len; i++) {
        const shoalStoreDomain *sd = stored->pdata[i];
        g_autoptr(shoalGroupMetadata) meta = NULL;
        shoalGroupInfo *info;

        if (!shoalGroupMetadataParse(sd->xml, &meta, NULL) || !meta)
            continue;
        info = g_new0(shoalGroupInfo, 1);
        info->name = g_strdup(meta->name);
        info->template = g_strdup(sd->name);
        info->min = meta->min;
        info->max = meta->max;
        info->targetCpu = meta->targetCpu;
        info->graceSeconds = meta->graceSeconds;
        info->spread = meta->spread;
        info->lastChangeMs = groupStateGet(cluster->groups, meta->name);
        groupFindMembers(info, stored);
        g_ptr_array_add(out, info);
    }
    return out;
}

/* The next member's name: one past the highest index. */
static char *
groupNextName(const shoalGroupInfo *info)
{
    unsigned top = 0;
    size_t i;

    for (i = 0; info->members[i]; i++)
        top = MAX(top, groupMemberIndex(info->template, info->members[i]));
    return g_strdup_printf("%s-%u", info->template, top + 1);
}

static void
groupApply(shoalCluster *cluster,
           const shoalGroupInfo *info,
           const shoalSchedGroupDecision *d)
{
    g_autoptr(GError) error = NULL;
    unsigned i;

    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE",
                     "group '%s': %s %u member(s) [%s]: %s", info->name,
                     d->action == SHOAL_SCHED_GROUP_ADD ? "adding" : "removing",
                     d->count, d->rule, d->reason);
    if (d->action == SHOAL_SCHED_GROUP_REMOVE) {
        if (!shoalClusterGroupRemoveMember(cluster, d->member,
                                           info->graceSeconds, &error))
            g_warning("group '%s': cannot remove member '%s': %s", info->name,
                      d->member, error->message);
        return;
    }
    for (i = 0; i < d->count; i++) {
        g_autoptr(shoalDomainRef) ref = NULL;
        g_autoptr(shoalGroupInfo) now = g_new0(shoalGroupInfo, 1);
        g_autofree char *name = NULL;
        g_autoptr(GPtrArray) stored = groupStored(cluster);

        now->template = g_strdup(info->template);
        groupFindMembers(now, stored);
        name = groupNextName(now);
        if (!(ref = shoalClusterGroupAddMember(cluster, info->template, name,
                                               &error))) {
            g_warning("group '%s': cannot add member '%s': %s", info->name,
                      name, error->message);
            return;
        }
    }
}

/**
 * shoalClusterGroupRound:
 *
 * One round of the elastic groups on @snap: each group's decision
 * (shoalSchedGroupDecide(), hold and cool-down from the scheduler's
 * hold_intervals and cooldown_seconds) carried out, one group after
 * another. Scheduler thread: a removal waits for the member's shutdown.
 */
void
shoalClusterGroupRound(shoalCluster *cluster,
                       const shoalSchedSnapshot *snap,
                       const shoalSchedConfig *config)
{
    g_autoptr(GPtrArray) groups = shoalClusterGroupList(cluster);
    shoalSchedGroupPolicy policy = { config->holdIntervals,
                                     config->cooldownMs };
    guint i;

    for (i = 0; i < groups->len; i++) {
        const shoalGroupInfo *info = groups->pdata[i];
        g_autoptr(shoalSchedGroup) group =
            shoalSchedGroupNew(info->name, info->min, info->max,
                               info->targetCpu / 100.0);
        g_auto(shoalSchedGroupDecision) d = { 0 };

        g_strfreev(group->members);
        group->members = g_strdupv(info->members);
        group->lastChangeMs = info->lastChangeMs;
        if (!shoalSchedGroupDecide(group, snap, &policy, &d))
            continue;
        groupApply(cluster, info, &d);
        groupStateSet(cluster->groups, info->name, snap->nowMs);
    }
}
