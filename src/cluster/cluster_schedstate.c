/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduler's state between rounds, behind one lock. The saved inputs
 * follow Pacemaker's pe-input-N: each round's snapshot, with the
 * configuration it was planned with, is written to
 * DIR/sched-input-N.json (N counts up across restarts), and only the
 * newest few are kept, so a plan seen in the field can be replayed with
 * shoalctl and become a sched test case.
 */
#include <config.h>

#include "cluster_schedstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

/* Moves of the last hour are what the hourly budget counts. */
#define SCHEDSTATE_HOUR_MS (3600 * 1000)

#define SCHEDSTATE_INPUT_PREFIX "sched-input-"
#define SCHEDSTATE_INPUT_SUFFIX ".json"

struct _shoalSchedState {
    shoalSchedStateRoundFunc round; /* immutable */
    gpointer opaque;                /* immutable */
    GThreadPool *pool;              /* immutable: one round at a time */

    GMutex lock;
    shoalSchedConfig *config; /* protected by lock */
    shoalSchedPlan *plan;     /* protected by lock: last round's */
    GHashTable *lastMove;     /* protected by lock: uuid → ms */
    GHashTable *lastResize;   /* protected by lock: uuid → ms */
    /* protected by lock: uuid → the vCPUs it was last defined with, the
     * default vCPU floor (hot-add rewrites the persistent count) */
    GHashTable *definedVcpus;
    GHashTable *refused; /* protected by lock: uuid → ms of a resize not
                          * carried out by the guest */
    GArray *moves;       /* protected by lock: ms of the last hour's */
    GArray *resizes;     /* protected by lock: ms of the last hour's */
    char *inputDir;      /* protected by lock: NULL, none saved */
    unsigned inputKeep;  /* protected by lock */
    guint64 inputNext;   /* protected by lock: 0, dir not yet read */
    gint64 quietInputMs; /* protected by lock: last quiet round saved */
    shoalPlacementCache *placement; /* immutable, self-locking */
};

static void
schedStateRun(gpointer data, gpointer opaque)
{
    shoalSchedState *state = opaque;

    state->round(state->opaque);
}

shoalSchedState *
shoalSchedStateNew(shoalSchedStateRoundFunc round, gpointer opaque)
{
    shoalSchedState *state = g_new0(shoalSchedState, 1);

    state->round = round;
    state->opaque = opaque;
    g_mutex_init(&state->lock);
    state->config = shoalSchedConfigNew();
    state->lastMove =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, g_free);
    state->lastResize =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, g_free);
    state->definedVcpus =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, NULL);
    state->refused =
        g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                              (GDestroyNotify) g_bytes_unref, g_free);
    state->moves = g_array_new(FALSE, FALSE, sizeof(gint64));
    state->resizes = g_array_new(FALSE, FALSE, sizeof(gint64));
    state->inputKeep = SHOAL_SCHED_STATE_SAVED_INPUTS;
    state->pool = g_thread_pool_new(schedStateRun, state, 1, FALSE, NULL);
    state->placement = shoalPlacementCacheNew();
    return state;
}

/* Waits for a round in progress; no round starts after. */
void
shoalSchedStateStop(shoalSchedState *state)
{
    if (state->pool) {
        g_thread_pool_free(state->pool, TRUE, TRUE);
        state->pool = NULL;
    }
}

void
shoalSchedStateFree(shoalSchedState *state)
{
    if (!state)
        return;
    shoalSchedStateStop(state);
    g_clear_pointer(&state->plan, shoalSchedPlanUnref);
    g_clear_pointer(&state->config, shoalSchedConfigUnref);
    g_hash_table_unref(state->lastMove);
    g_hash_table_unref(state->lastResize);
    g_hash_table_unref(state->definedVcpus);
    g_hash_table_unref(state->refused);
    g_array_unref(state->moves);
    g_array_unref(state->resizes);
    g_free(state->inputDir);
    shoalPlacementCacheFree(state->placement);
    g_mutex_clear(&state->lock);
    g_free(state);
}

/* Main thread: queues one round, unless one is queued or running. */
void
shoalSchedStateTick(shoalSchedState *state)
{
    if (state->pool && g_thread_pool_unprocessed(state->pool) == 0 &&
        g_thread_pool_get_num_threads(state->pool) == 0)
        g_thread_pool_push(state->pool, GINT_TO_POINTER(1), NULL);
}

/* Returns: (transfer full): the configuration. */
shoalSchedConfig *
shoalSchedStateGetConfig(shoalSchedState *state)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    return shoalSchedConfigRef(state->config);
}

void
shoalSchedStateSetConfig(shoalSchedState *state, shoalSchedConfig *config)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    g_clear_pointer(&state->config, shoalSchedConfigUnref);
    state->config = shoalSchedConfigRef(config);
}

/* Returns: (transfer full) (nullable): the plan of the last round. */
shoalSchedPlan *
shoalSchedStateGetPlan(shoalSchedState *state)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    return state->plan ? shoalSchedPlanRef(state->plan) : NULL;
}

void
shoalSchedStateSetPlan(shoalSchedState *state, shoalSchedPlan *plan)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    g_clear_pointer(&state->plan, shoalSchedPlanUnref);
    state->plan = shoalSchedPlanRef(plan);
}

/* Remembers a move or resize at @nowMs: the planner rests domains that
 * just changed, and counts moves and resizes against their hourly
 * budgets. */
void
shoalSchedStateNoteChange(shoalSchedState *state,
                          const unsigned char *uuid,
                          bool moved,
                          gint64 nowMs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);
    GHashTable *table = moved ? state->lastMove : state->lastResize;
    GArray *times = moved ? state->moves : state->resizes;
    guint i;

    g_hash_table_insert(table, g_bytes_new(uuid, 16),
                        g_memdup2(&nowMs, sizeof(nowMs)));
    g_array_append_val(times, nowMs);
    for (i = 0; i < times->len; i++) {
        if (nowMs - g_array_index(times, gint64, i) < SCHEDSTATE_HOUR_MS)
            break;
    }
    g_array_remove_range(times, 0, i);
}

/* Remembers the vCPUs @uuid was defined with: its default floor. */
void
shoalSchedStateNoteDefined(shoalSchedState *state,
                           const unsigned char *uuid,
                           unsigned vcpus)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    g_hash_table_insert(state->definedVcpus, g_bytes_new(uuid, 16),
                        GUINT_TO_POINTER(vcpus));
}

/* Remembers that @uuid's guest did not carry out a resize. */
void
shoalSchedStateNoteRefused(shoalSchedState *state,
                           const unsigned char *uuid,
                           gint64 nowMs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    g_hash_table_insert(state->refused, g_bytes_new(uuid, 16),
                        g_memdup2(&nowMs, sizeof(nowMs)));
}

/* Sets @dom's lastMoveMs, lastResizeMs, resizeRefusedMs and the vCPU
 * floor it was defined with. */
void
shoalSchedStateFillDomain(shoalSchedState *state,
                          const unsigned char *uuid,
                          shoalSchedDomain *dom)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);
    g_autoptr(GBytes) key = g_bytes_new(uuid, 16);
    gpointer when;

    if ((when = g_hash_table_lookup(state->lastMove, key)))
        dom->lastMoveMs = *(gint64 *) when;
    if ((when = g_hash_table_lookup(state->lastResize, key)))
        dom->lastResizeMs = *(gint64 *) when;
    if ((when = g_hash_table_lookup(state->refused, key)))
        dom->resizeRefusedMs = *(gint64 *) when;
    dom->vcpuFloor =
        GPOINTER_TO_UINT(g_hash_table_lookup(state->definedVcpus, key));
}

/* Appends to @to the times of @from within the hour before @nowMs. */
static void
schedStateRecent(GArray *to, const GArray *from, gint64 nowMs)
{
    guint i;

    for (i = 0; i < from->len; i++) {
        gint64 at = g_array_index(from, gint64, i);

        if (nowMs - at < SCHEDSTATE_HOUR_MS)
            g_array_append_val(to, at);
    }
}

/* Adds the moves and resizes of the hour before @snap's nowMs. */
void
shoalSchedStateFillRecentMoves(shoalSchedState *state, shoalSchedSnapshot *snap)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    schedStateRecent(snap->recentMovesMs, state->moves, snap->nowMs);
    schedStateRecent(snap->recentResizesMs, state->resizes, snap->nowMs);
}

/* @dir: (nullable): where rounds' inputs go; NULL saves none. */
void
shoalSchedStateSetInputDir(shoalSchedState *state, const char *dir)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    g_free(state->inputDir);
    state->inputDir = g_strdup(dir);
    state->inputNext = 0;
}

/* @keep: how many inputs to keep; 0 saves none. */
void
shoalSchedStateSetInputKeep(shoalSchedState *state, unsigned keep)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    state->inputKeep = keep;
}

/* The N of a saved input's file name, or 0. */
static guint64
schedStateInputNumber(const char *name)
{
    const char *digits;
    char *end = NULL;
    guint64 n;

    if (!g_str_has_prefix(name, SCHEDSTATE_INPUT_PREFIX))
        return 0;
    digits = name + strlen(SCHEDSTATE_INPUT_PREFIX);
    if (!g_ascii_isdigit(*digits))
        return 0;
    n = g_ascii_strtoull(digits, &end, 10);
    return g_str_equal(end, SCHEDSTATE_INPUT_SUFFIX) ? n : 0;
}

static int
schedStateCompareNumbers(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *) a;
    guint64 y = *(const guint64 *) b;

    return x < y ? -1 : x > y;
}

/* Removes all but the newest @keep inputs of @dir. Returns: one more
 * than the highest number there, at least 1; 0 if @dir cannot be read. */
static guint64
schedStateRotate(const char *path, unsigned keep, GError **error)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, error);
    g_autoptr(GArray) numbers = g_array_new(FALSE, FALSE, sizeof(guint64));
    const char *name;
    guint i;

    if (!dir)
        return 0;
    while ((name = g_dir_read_name(dir))) {
        guint64 n = schedStateInputNumber(name);

        if (n > 0)
            g_array_append_val(numbers, n);
    }
    g_array_sort(numbers, schedStateCompareNumbers);
    for (i = 0; i + keep < numbers->len; i++) {
        g_autofree char *file =
            g_strdup_printf("%s/" SCHEDSTATE_INPUT_PREFIX
                            "%" G_GUINT64_FORMAT SCHEDSTATE_INPUT_SUFFIX,
                            path, g_array_index(numbers, guint64, i));

        (void) g_unlink(file);
    }
    return numbers->len > 0
               ? g_array_index(numbers, guint64, numbers->len - 1) + 1
               : 1;
}

/* Returns: (transfer none): the domains' parsed placement metadata. */
shoalPlacementCache *
shoalSchedStateGetPlacementCache(shoalSchedState *state)
{
    return state->placement;
}

/*
 * A round that plans nothing is saved once per this long: on an idle
 * cluster every round is alike, and writing each one's input (megabytes
 * at 1 000 hosts) was a third of an idle daemon's work.
 */
#define SCHEDSTATE_QUIET_INPUT_MS (5 * 60 * 1000)

/**
 * shoalSchedStateQuietInputDue:
 * @nowMs: the round's time
 *
 * Whether a periodic round that planned nothing saves its input: the
 * first one does, and then one every five minutes. Answering true counts
 * as saving.
 */
bool
shoalSchedStateQuietInputDue(shoalSchedState *state, gint64 nowMs)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&state->lock);

    if (state->quietInputMs != 0 &&
        nowMs - state->quietInputMs < SCHEDSTATE_QUIET_INPUT_MS)
        return false;
    state->quietInputMs = nowMs;
    return true;
}

/**
 * shoalSchedStateSaveInput:
 * @snap: the round's input
 * @config: the configuration it is planned with, saved in the file
 *
 * Writes the round's input as the next sched-input-N.json and removes the
 * oldest beyond the count to keep. The scheduler round's thread (the disk
 * is written outside the lock).
 *
 * Returns: (transfer full) (nullable): the path written; NULL with no
 *   error if inputs are not saved.
 */
char *
shoalSchedStateSaveInput(shoalSchedState *state,
                         const shoalSchedSnapshot *snap,
                         const shoalSchedConfig *config,
                         GError **error)
{
    g_autoptr(shoalSchedSnapshot) copy = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *json = NULL;
    g_autofree char *path = NULL;
    unsigned keep;
    guint64 n;

    g_mutex_lock(&state->lock);
    dir = g_strdup(state->inputDir);
    keep = state->inputKeep;
    n = state->inputNext;
    g_mutex_unlock(&state->lock);
    if (!dir || keep == 0)
        return NULL;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int err = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    _("cannot create directory '%1$s': %2$s"), dir,
                    g_strerror(err));
        return NULL;
    }
    /* the first save after a start continues the numbers on disk */
    if (n == 0 && (n = schedStateRotate(dir, keep, error)) == 0)
        return NULL;
    copy = shoalSchedSnapshotCopy(snap);
    copy->hasConfig = true;
    copy->config = *config;
    json = shoalSchedSnapshotFormatJSON(copy);
    path = g_strdup_printf("%s/" SCHEDSTATE_INPUT_PREFIX
                           "%" G_GUINT64_FORMAT SCHEDSTATE_INPUT_SUFFIX,
                           dir, n);
    if (!g_file_set_contents(path, json, -1, error))
        return NULL;
    g_mutex_lock(&state->lock);
    if (g_strcmp0(dir, state->inputDir) == 0)
        state->inputNext = n + 1;
    g_mutex_unlock(&state->lock);
    if (schedStateRotate(dir, keep, error) == 0)
        return NULL;
    return g_steal_pointer(&path);
}
