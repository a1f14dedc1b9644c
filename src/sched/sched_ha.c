/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_ha.h"

#include <string.h>

/* Words of the admin protocol, not translated: shoalctl labels them. */
static const char *const schedHaReasonWords[] = {
    [SHOAL_SCHED_HA_REASON_NONE] = "restart",
    [SHOAL_SCHED_HA_REASON_NOT_MARKED] = "not-marked",
    [SHOAL_SCHED_HA_REASON_NOT_RUNNING] = "not-running",
    [SHOAL_SCHED_HA_REASON_TRANSIENT] = "transient",
    [SHOAL_SCHED_HA_REASON_NO_LEASE] = "no-lease",
    [SHOAL_SCHED_HA_REASON_BACKOFF] = "backoff",
    [SHOAL_SCHED_HA_REASON_GAVE_UP] = "gave-up",
};
G_STATIC_ASSERT(G_N_ELEMENTS(schedHaReasonWords) == SHOAL_SCHED_HA_REASON_LAST);

const char *
shoalSchedHaReasonToString(shoalSchedHaReason reason)
{
    if (reason >= SHOAL_SCHED_HA_REASON_LAST)
        return "unknown";
    return schedHaReasonWords[reason];
}

void
shoalSchedHaConfigInit(shoalSchedHaConfig *config)
{
    config->failureTimeoutMs = 30000;
    config->retryMinMs = 5000;
    config->retryMaxMs = 60000;
    config->maxAttempts = 5;
    config->defaultRestart = false;
    config->defaultPriority = 0;
}

/**
 * shoalSchedHaHostFailed:
 *
 * A host has failed when it has not answered for the failure timeout and
 * is not in maintenance (there, an operator took it down on purpose). A
 * host never seen online has nothing Shoal knows to restart.
 */
bool
shoalSchedHaHostFailed(const shoalSchedHaHost *host,
                       const shoalSchedHaConfig *config,
                       gint64 nowMs)
{
    if (host->online || host->maintenance || host->lostMs <= 0)
        return false;
    return nowMs - host->lostMs >= (gint64) config->failureTimeoutMs;
}

/**
 * shoalSchedHaBackoffMs:
 * @attempts: refused starts so far, 1 or more
 *
 * Returns: how long to wait before the next start: the minimum, doubled
 * per refusal, at most the maximum.
 */
unsigned
shoalSchedHaBackoffMs(const shoalSchedHaConfig *config, unsigned attempts)
{
    guint64 ms = MAX(config->retryMinMs, 1);
    unsigned i;

    for (i = 1; i < attempts && ms < config->retryMaxMs; i++)
        ms *= 2;
    return (unsigned) MIN(ms, MAX(config->retryMaxMs, config->retryMinMs));
}

static shoalSchedHaReason
schedHaReason(const shoalSchedHaDomain *dom,
              const shoalSchedHaConfig *config,
              gint64 nowMs,
              gint64 *nextTryMs)
{
    bool marked = dom->restart < 0 ? config->defaultRestart : dom->restart;

    if (!dom->running)
        return SHOAL_SCHED_HA_REASON_NOT_RUNNING;
    if (!marked)
        return SHOAL_SCHED_HA_REASON_NOT_MARKED;
    if (!dom->persistent)
        return SHOAL_SCHED_HA_REASON_TRANSIENT;
    /* without a leased disk nothing stops a second copy while the old
     * QEMU may still run: never two copies, so never started */
    if (dom->leasedDisks == 0)
        return SHOAL_SCHED_HA_REASON_NO_LEASE;
    if (dom->attempts >= config->maxAttempts)
        return SHOAL_SCHED_HA_REASON_GAVE_UP;
    if (dom->attempts > 0) {
        *nextTryMs =
            dom->lastTryMs + shoalSchedHaBackoffMs(config, dom->attempts);
        if (nowMs < *nextTryMs)
            return SHOAL_SCHED_HA_REASON_BACKOFF;
    }
    return SHOAL_SCHED_HA_REASON_NONE;
}

/* Starts first, by priority (highest first), then by name. */
static gint
schedHaDecisionCompare(gconstpointer a, gconstpointer b)
{
    const shoalSchedHaDecision *x = a;
    const shoalSchedHaDecision *y = b;

    if ((x->reason == SHOAL_SCHED_HA_REASON_NONE) !=
        (y->reason == SHOAL_SCHED_HA_REASON_NONE))
        return x->reason == SHOAL_SCHED_HA_REASON_NONE ? -1 : 1;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return g_strcmp0(x->domain->name, y->domain->name);
}

/**
 * shoalSchedHaDecide:
 * @domains: the domains Shoal last saw on failed hosts
 *
 * Returns: (transfer full): one shoalSchedHaDecision per domain, those to
 * start now first, in the order to start them.
 */
GArray *
shoalSchedHaDecide(const shoalSchedHaDomain *domains,
                   size_t ndomains,
                   const shoalSchedHaConfig *config,
                   gint64 nowMs)
{
    GArray *out =
        g_array_sized_new(FALSE, TRUE, sizeof(shoalSchedHaDecision), ndomains);
    size_t i;

    for (i = 0; i < ndomains; i++) {
        shoalSchedHaDecision d = { &domains[i], 0, 0, 0 };

        d.priority = domains[i].hasPriority ? domains[i].priority
                                            : config->defaultPriority;
        d.reason = schedHaReason(&domains[i], config, nowMs, &d.nextTryMs);
        g_array_append_val(out, d);
    }
    g_array_sort(out, schedHaDecisionCompare);
    return out;
}
