/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host power (issue 12, part 4). Power-saving mode's planner empties a
 * host and plans its power-off, or plans a power-on when load or
 * placement needs more hosts; this file carries those steps out with the
 * host's configured commands. A host in standby is disconnected on
 * purpose: it is not reconnected, not counted as failed by HA and never
 * chosen by placement until a power-on wakes it. A command that fails or
 * a host that does not answer in time marks the host failed: the
 * scheduler then uses the others and plans no power step for it.
 */
#include <config.h>

#include "cluster_power.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libvirt/virterror.h>

#include "cluster_internal.h"
#include "util_command.h"
#include "util_error.h"
#include "util_log.h"

/* How often a waking host is polled, and asked to connect again. */
#define POWER_POLL_MS 250
#define POWER_CONNECT_EVERY_MS 2000

typedef struct {
    char *offCommand; /* nullable: no power control */
    char *onCommand;
    unsigned onTimeoutMs;
    unsigned commandTimeoutMs;
    bool standby;
    bool failed;
    bool busy;
    gint64 changedMs;
    char *error;
} powerHost;

struct _shoalClusterPower {
    GMutex lock;
    GCond cond;        /* signalled at stop and when a waker ends */
    GHashTable *hosts; /* protected by lock: name -> powerHost */
    bool stopping;     /* protected by lock */
    unsigned wakers;   /* protected by lock: placement's power-on threads */
};

static gint64
powerNowMs(void)
{
    return g_get_monotonic_time() / 1000;
}

static void
powerHostFree(powerHost *ph)
{
    g_free(ph->offCommand);
    g_free(ph->onCommand);
    g_free(ph->error);
    g_free(ph);
}

void
shoalClusterPowerStatusClear(shoalClusterPowerStatus *status)
{
    g_clear_pointer(&status->error, g_free);
}

shoalClusterPower *
shoalClusterPowerNew(void)
{
    shoalClusterPower *power = g_new0(shoalClusterPower, 1);

    g_mutex_init(&power->lock);
    g_cond_init(&power->cond);
    power->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) powerHostFree);
    return power;
}

void
shoalClusterPowerFree(shoalClusterPower *power)
{
    if (!power)
        return;
    g_hash_table_unref(power->hosts);
    g_cond_clear(&power->cond);
    g_mutex_clear(&power->lock);
    g_free(power);
}

/* Any thread: a power-on waiting for its host gives up at once; waits
 * for placement's power-on threads (a command runs out its bound). */
void
shoalClusterPowerStop(shoalClusterPower *power)
{
    g_mutex_lock(&power->lock);
    power->stopping = true;
    g_cond_broadcast(&power->cond);
    while (power->wakers > 0)
        g_cond_wait(&power->cond, &power->lock);
    g_mutex_unlock(&power->lock);
}

/* With power->lock held: @name's entry, made if @create. */
static powerHost *
powerLookupLocked(shoalClusterPower *power, const char *name, bool create)
{
    powerHost *ph = g_hash_table_lookup(power->hosts, name);

    if (!ph && create) {
        ph = g_new0(powerHost, 1);
        g_hash_table_insert(power->hosts, g_strdup(name), ph);
    }
    return ph;
}

/**
 * shoalClusterSetHostPower:
 * @offCommand: (nullable): with @onCommand, gives the host power control
 * @onTimeoutS: how long a host may take to answer after its power-on
 * @commandTimeoutS: how long either command may run
 *
 * Main thread, before start: the host's power commands, from its
 * [host NAME] group.
 */
bool
shoalClusterSetHostPower(shoalCluster *cluster,
                         const char *name,
                         const char *offCommand,
                         const char *onCommand,
                         unsigned onTimeoutS,
                         unsigned commandTimeoutS,
                         GError **error)
{
    g_autoptr(shoalHost) host = shoalClusterLookupHost(cluster, name, error);
    g_autoptr(GMutexLocker) locker = NULL;
    powerHost *ph;

    if (!host)
        return false;
    if (!offCommand != !onCommand || onTimeoutS == 0 || commandTimeoutS == 0) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_INVALID_ARG,
                    _("invalid argument: host '%1$s' needs both power commands and time limits above 0"),
                    name);
        return false;
    }
    locker = g_mutex_locker_new(&cluster->power->lock);
    ph = powerLookupLocked(cluster->power, name, true);
    g_free(ph->offCommand);
    g_free(ph->onCommand);
    ph->offCommand = g_strdup(offCommand);
    ph->onCommand = g_strdup(onCommand);
    ph->onTimeoutMs = onTimeoutS * 1000;
    ph->commandTimeoutMs = commandTimeoutS * 1000;
    return true;
}

/* Any thread: a copy of @name's power state. */
void
shoalClusterPowerGetStatus(shoalCluster *cluster,
                           const char *name,
                           shoalClusterPowerStatus *status)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cluster->power->lock);
    powerHost *ph = powerLookupLocked(cluster->power, name, false);

    memset(status, 0, sizeof(*status));
    if (!ph)
        return;
    status->control = ph->offCommand && ph->onCommand;
    status->standby = ph->standby;
    status->failed = ph->failed;
    status->busy = ph->busy;
    status->changedMs = ph->changedMs;
    status->error = g_strdup(ph->error);
}

/* Any thread: whether @name is powered off on purpose (then nothing
 * connects to it, and HA leaves it alone). */
bool
shoalClusterPowerInStandby(shoalCluster *cluster, const char *name)
{
    g_auto(shoalClusterPowerStatus) status = { 0 };

    shoalClusterPowerGetStatus(cluster, name, &status);
    return status.standby;
}

/**
 * shoalClusterPowerLoadStandby:
 *
 * Main thread, at start: the stored standby flag. A host that lost its
 * power commands since cannot be woken by Shoal, so it is connected as
 * usual instead.
 */
void
shoalClusterPowerLoadStandby(shoalCluster *cluster,
                             const char *name,
                             bool standby)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cluster->power->lock);
    powerHost *ph = powerLookupLocked(cluster->power, name, false);

    if (!standby)
        return;
    if (!ph || !ph->onCommand) {
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(name), "MESSAGE",
                         "host '%s' was stored in standby but has no power_on_command now: connecting to it",
                         name);
        return;
    }
    ph->standby = true;
}

/* Ends @name's step: its new state, its failure (nullable). */
static void
powerEnd(shoalCluster *cluster,
         const char *name,
         bool standby,
         const GError *failure)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cluster->power->lock);
    powerHost *ph = powerLookupLocked(cluster->power, name, true);

    ph->busy = false;
    ph->standby = standby;
    ph->failed = failure != NULL;
    g_free(ph->error);
    ph->error = failure ? g_strdup(failure->message) : NULL;
    ph->changedMs = powerNowMs();
}

/* The scheduler's thread: @node's power, for the planner. */
void
shoalClusterPowerFillNode(shoalCluster *cluster, shoalSchedNode *node)
{
    g_auto(shoalClusterPowerStatus) status = { 0 };

    shoalClusterPowerGetStatus(cluster, node->name, &status);
    node->standby = status.standby;
    /* a failed host is left to the others; a busy one is in hand */
    node->powerControl = status.control && !status.failed && !status.busy;
    node->powerChangedMs = status.changedMs;
    /* a host that answered after all, late, is no longer failed */
    if (status.failed && !status.standby && node->online) {
        powerEnd(cluster, node->name, false, NULL);
        node->powerControl = status.control;
        return;
    }
    if (status.standby || status.failed)
        node->online = false;
}

/* Any thread: standby and failed hosts, as `shoalctl host list` says. */
void
shoalClusterPowerFillInfo(shoalCluster *cluster, shoalClusterHostInfo *info)
{
    g_auto(shoalClusterPowerStatus) status = { 0 };

    shoalClusterPowerGetStatus(cluster, info->name, &status);
    if (status.failed) {
        info->state = "failed";
        g_free(info->lastError);
        info->lastError = g_steal_pointer(&status.error);
    } else if (status.standby) {
        info->state = "standby";
        g_clear_pointer(&info->lastError, g_free);
    }
}

/* One power step's command and bounds, taken from its host. */
typedef struct {
    char *command;
    unsigned commandMs;
    unsigned onMs;
} powerCommand;

static void
powerCommandClear(powerCommand *cmd)
{
    g_clear_pointer(&cmd->command, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(powerCommand, powerCommandClear)

/* Takes @name's power for one step, logged; NULL, with @error, if it has
 * no power control or a step runs. Returns: (transfer full): the host. */
static shoalHost *
powerBegin(shoalCluster *cluster,
           const char *name,
           bool on,
           powerCommand *cmd,
           GError **error)
{
    g_autoptr(shoalHost) host = shoalClusterLookupHost(cluster, name, error);
    g_autoptr(GMutexLocker) locker = NULL;
    powerHost *ph;

    if (!host)
        return NULL;
    locker = g_mutex_locker_new(&cluster->power->lock);
    ph = powerLookupLocked(cluster->power, name, false);
    if (!ph || !ph->offCommand || !ph->onCommand) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_UNSUPPORTED,
                    _("Operation not supported: host '%1$s' has no power_off_command and power_on_command"),
                    name);
        return NULL;
    }
    if (ph->busy) {
        g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                    _("Requested operation is not valid: a power step of host '%1$s' is in progress"),
                    name);
        return NULL;
    }
    ph->busy = true;
    cmd->command = g_strdup(on ? ph->onCommand : ph->offCommand);
    cmd->commandMs = ph->commandTimeoutMs;
    cmd->onMs = ph->onTimeoutMs;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, SHOAL_LOG_HOST(name),
                     "MESSAGE", "powering host '%s' %s: %s", name,
                     on ? "on" : "off", cmd->command);
    return g_steal_pointer(&host);
}

/* Stores the standby flags; a failure to is only logged: the flag holds
 * until the next restart. */
static void
powerSave(shoalCluster *cluster, const char *name)
{
    g_autoptr(GError) error = NULL;

    if (!shoalClusterSaveHosts(cluster, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(name), "MESSAGE",
                         "cannot store the power state of host '%s': %s", name,
                         error->message);
}

static void
powerSetStandby(shoalCluster *cluster, const char *name, bool standby)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&cluster->power->lock);
    powerHost *ph = powerLookupLocked(cluster->power, name, true);

    ph->standby = standby;
}

/* Fails unless @name holds no domain, running or defined. */
static bool
powerCheckEmpty(shoalCluster *cluster, const char *name, GError **error)
{
    unsigned domains = shoalInventoryHostCount(cluster->inventory, name, NULL);

    if (domains == 0)
        return true;
    g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_INVALID,
                g_dngettext(GETTEXT_PACKAGE,
                            "Requested operation is not valid: host '%2$s' still holds %1$u domain",
                            "Requested operation is not valid: host '%2$s' still holds %1$u domains",
                            domains),
                domains, name);
    return false;
}

/**
 * shoalClusterPowerOff:
 *
 * Puts an empty host in standby: marks it so (stored), disconnects it
 * and runs its power_off_command. A failing command leaves the host
 * failed, disconnected and not reconnected: it may be half off. Worker
 * thread (the scheduler's).
 */
bool
shoalClusterPowerOff(shoalCluster *cluster, const char *name, GError **error)
{
    g_auto(powerCommand) cmd = { 0 };
    g_autoptr(shoalHost) host = powerBegin(cluster, name, false, &cmd, error);

    if (!host)
        return false;
    if (!powerCheckEmpty(cluster, name, error)) {
        powerEnd(cluster, name, false, NULL);
        return false;
    }
    /* standby first: from now on nothing reconnects it */
    powerSetStandby(cluster, name, true);
    shoalClusterDisconnectHost(cluster, host);
    shoalInventorySetHostReachable(cluster->inventory, name, false);
    /* a domain that came in the meantime keeps its host */
    if (!powerCheckEmpty(cluster, name, error)) {
        powerEnd(cluster, name, false, NULL);
        shoalClusterRequestConnect(cluster, host);
        return false;
    }
    powerSave(cluster, name);
    if (!shoalCommandRun(cmd.command, cmd.commandMs, error)) {
        powerEnd(cluster, name, true, *error);
        return false;
    }
    powerEnd(cluster, name, true, NULL);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, SHOAL_LOG_HOST(name),
                     "MESSAGE", "host '%s' is in standby", name);
    return true;
}

/* Waits, bounded by @timeoutMs, for @host to answer; asks it to connect
 * now and then, as the reconnect back-off may be long by now. */
static bool
powerWaitOnline(shoalCluster *cluster,
                shoalHost *host,
                unsigned timeoutMs,
                GError **error)
{
    shoalClusterPower *power = cluster->power;
    gint64 start = g_get_monotonic_time();
    gint64 deadline = start + (gint64) timeoutMs * 1000;
    gint64 nextConnect = start;
    bool stopping = false;

    while (shoalHostGetState(host) != SHOAL_HOST_STATE_ONLINE) {
        gint64 now = g_get_monotonic_time();

        if (now >= deadline || stopping) {
            g_set_error(error, SHOAL_ERROR, VIR_ERR_OPERATION_TIMEOUT,
                        _("operation timed out: host '%1$s' did not answer within %2$u s of its power-on"),
                        host->name, timeoutMs / 1000);
            return false;
        }
        if (now >= nextConnect) {
            shoalClusterRequestConnect(cluster, host);
            nextConnect = now + POWER_CONNECT_EVERY_MS * 1000;
        }
        g_mutex_lock(&power->lock);
        if (!power->stopping)
            g_cond_wait_until(&power->cond, &power->lock,
                              MIN(deadline, now + POWER_POLL_MS * 1000));
        stopping = power->stopping;
        g_mutex_unlock(&power->lock);
    }
    return true;
}

/**
 * shoalClusterPowerOn:
 *
 * Wakes a host in standby: runs its power_on_command and waits, bounded
 * by its power_on_timeout, for its libvirtd to answer. Then it is online
 * and not in standby; else failed. Worker thread (the scheduler's).
 */
bool
shoalClusterPowerOn(shoalCluster *cluster, const char *name, GError **error)
{
    g_auto(powerCommand) cmd = { 0 };
    g_autoptr(shoalHost) host = powerBegin(cluster, name, true, &cmd, error);

    if (!host)
        return false;
    /* still in standby if the command fails: nothing hammers it */
    if (!shoalCommandRun(cmd.command, cmd.commandMs, error)) {
        powerEnd(cluster, name, true, *error);
        return false;
    }
    powerSetStandby(cluster, name, false);
    powerSave(cluster, name);
    if (!powerWaitOnline(cluster, host, cmd.onMs, error)) {
        powerEnd(cluster, name, false, *error);
        return false;
    }
    powerEnd(cluster, name, false, NULL);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, SHOAL_LOG_HOST(name),
                     "MESSAGE", "host '%s' is powered on and online", name);
    return true;
}

/**
 * shoalClusterPowerRunStep:
 *
 * The scheduler's thread: one power step of a plan, after its
 * migrations. Returns: 1 if it failed (logged), else 0.
 */
unsigned
shoalClusterPowerRunStep(shoalCluster *cluster, const shoalSchedStep *step)
{
    g_autoptr(GError) error = NULL;
    bool on = step->action == SHOAL_SCHED_ACTION_POWER_ON;
    bool ok;

    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_HOST(step->from), "MESSAGE",
                     "plan step: %s '%s': %s",
                     shoalSchedActionToString(step->action), step->from,
                     step->reason);
    if (on)
        ok = shoalClusterPowerOn(cluster, step->from, &error);
    else
        ok = shoalClusterPowerOff(cluster, step->from, &error);
    if (ok)
        return 0;
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                     SHOAL_LOG_HOST(step->from), "MESSAGE",
                     "%s of host '%s' failed: %s",
                     shoalSchedActionToString(step->action), step->from,
                     error->message);
    return 1;
}

typedef struct {
    shoalCluster *cluster; /* borrowed: Stop waits for this thread */
    char *name;
} powerWaker;

static gpointer
powerWakerRun(gpointer opaque)
{
    powerWaker *w = opaque;
    shoalClusterPower *power = w->cluster->power;
    g_autoptr(GError) error = NULL;

    if (!shoalClusterPowerOn(w->cluster, w->name, &error))
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                         SHOAL_LOG_HOST(w->name), "MESSAGE",
                         "power-on of host '%s' failed: %s", w->name,
                         error->message);
    g_free(w->name);
    g_free(w);
    g_mutex_lock(&power->lock);
    power->wakers--;
    g_cond_broadcast(&power->cond);
    g_mutex_unlock(&power->lock);
    return NULL;
}

/* The standby host with power control and the most cores, or NULL. */
static const shoalSchedNode *
powerPickStandby(const shoalSchedSnapshot *snap)
{
    const shoalSchedNode *best = NULL;
    guint i;

    for (i = 0; i < snap->nodes->len; i++) {
        const shoalSchedNode *node = snap->nodes->pdata[i];

        if (node->standby && node->powerControl && !node->maintenance &&
            (!best || node->cpus > best->cpus))
            best = node;
    }
    return best;
}

/**
 * shoalClusterPowerWakeForPlacement:
 * @snap: the snapshot in which no powered host could take a domain
 * @error: placement's error, which then says a host is being woken
 *
 * Any thread: a domain fits on no powered host, so one host in standby
 * is powered on, in the background; the client tries again once it is
 * online (the scheduler's rounds wake hosts only for load).
 */
void
shoalClusterPowerWakeForPlacement(shoalCluster *cluster,
                                  const shoalSchedSnapshot *snap,
                                  GError *error)
{
    const shoalSchedNode *node = powerPickStandby(snap);
    powerWaker *w;
    char *message;

    if (!node)
        return;
    g_mutex_lock(&cluster->power->lock);
    if (cluster->power->stopping) {
        g_mutex_unlock(&cluster->power->lock);
        return;
    }
    cluster->power->wakers++;
    g_mutex_unlock(&cluster->power->lock);
    w = g_new0(powerWaker, 1);
    w->cluster = cluster;
    w->name = g_strdup(node->name);
    g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                     SHOAL_LOG_HOST(node->name), "MESSAGE",
                     "no powered host can take a domain: waking host '%s'",
                     node->name);
    message =
        g_strdup_printf(_("%1$s; host '%2$s' is being powered on: try again once it is online"),
                        error->message, node->name);
    g_free(error->message);
    error->message = message;
    g_thread_unref(g_thread_new("shoal-power-on", powerWakerRun, w));
}
