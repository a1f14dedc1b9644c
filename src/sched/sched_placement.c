/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_placement.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "sched_error.h"

#define SHOAL_SCHED_PLACEMENT_PRIV_H_ALLOW
#include "sched_placement_priv.h"

/* How a request would sit on one host. */
typedef struct {
    unsigned long long memoryAllowedKiB;
    unsigned long long memoryAfterKiB; /* saturated at ULLONG_MAX */
    bool memoryFits;
    unsigned long long vcpusAllowed;
    unsigned long long vcpusAfter;
    bool vcpusFit;
} placementFit;

/**
 * shoalSchedPlacementConfigInit:
 * @config: the configuration to fill in
 *
 * Sets the defaults: no memory overcommit, 4 vCPUs per physical CPU and
 * no memory reserved for the hosts themselves.
 */
void
shoalSchedPlacementConfigInit(shoalSchedPlacementConfig *config)
{
    config->memoryOvercommit = 1.0;
    config->vcpuRatio = 4.0;
    config->reservedMemoryKiB = 0;
}

/* floor(@base * @ratio), saturated; @ratio is finite and positive */
static unsigned long long
placementScale(unsigned long long base, double ratio)
{
    double scaled = (double) base * ratio;

    /* 2^64 is the first value an unsigned long long cannot hold */
    if (scaled >= 18446744073709551616.0)
        return ULLONG_MAX;
    return (unsigned long long) scaled;
}

unsigned long long
shoalSchedPlacementMiBCeil(unsigned long long kib)
{
    return kib / 1024 + (kib % 1024 != 0);
}

static void
placementFitCompute(const shoalSchedHost *host,
                    const shoalSchedRequest *req,
                    const shoalSchedPlacementConfig *config,
                    placementFit *fit)
{
    unsigned long long usableKiB = 0;

    if (host->memoryKiB > config->reservedMemoryKiB)
        usableKiB = host->memoryKiB - config->reservedMemoryKiB;
    fit->memoryAllowedKiB = placementScale(usableKiB, config->memoryOvercommit);
    /* written so that nothing overflows, however large the inputs */
    fit->memoryFits =
        host->committedMemoryKiB <= fit->memoryAllowedKiB &&
        req->memoryKiB <= fit->memoryAllowedKiB - host->committedMemoryKiB;
    if (host->committedMemoryKiB > ULLONG_MAX - req->memoryKiB)
        fit->memoryAfterKiB = ULLONG_MAX;
    else
        fit->memoryAfterKiB = host->committedMemoryKiB + req->memoryKiB;

    fit->vcpusAllowed = placementScale(host->cpus, config->vcpuRatio);
    fit->vcpusAfter = (unsigned long long) host->committedVcpus + req->vcpus;
    fit->vcpusFit = fit->vcpusAfter <= fit->vcpusAllowed;
}

/*
 * The smaller of the memory and vCPU fractions left free after placing
 * the request. Only called when both fit, so neither limit is zero.
 */
static double
placementFitScore(const placementFit *fit)
{
    double memory = (double) (fit->memoryAllowedKiB - fit->memoryAfterKiB) /
                    (double) fit->memoryAllowedKiB;
    double vcpus = (double) (fit->vcpusAllowed - fit->vcpusAfter) /
                   (double) fit->vcpusAllowed;

    return MIN(memory, vcpus);
}

/* Appends one whole sentence to @reasons. */
void
shoalSchedPlacementAddReason(GPtrArray *reasons, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_ptr_array_add(reasons, g_strdup_vprintf(format, args));
    va_end(args);
}

/*
 * Whether host @name may take a domain as far as its state goes: not
 * @exclude, online, not in maintenance. If not, appends the first reason
 * against it to @reasons.
 */
bool
shoalSchedPlacementCheckHost(const char *name,
                             const char *exclude,
                             bool online,
                             bool maintenance,
                             GPtrArray *reasons)
{
    if (exclude && g_strcmp0(name, exclude) == 0) {
        /* TRANSLATORS: the caller asked to avoid this host, for example
         * because a migration leaves it */
        shoalSchedPlacementAddReason(reasons, _("host '%1$s' is excluded"),
                                     name);
        return false;
    }
    if (!online) {
        shoalSchedPlacementAddReason(reasons, _("host '%1$s' is offline"),
                                     name);
        return false;
    }
    if (maintenance) {
        shoalSchedPlacementAddReason(reasons,
                                     _("host '%1$s' is in maintenance"), name);
        return false;
    }
    return true;
}

/* Host @name would commit @afterKiB of memory, over @allowedKiB. What is
 * needed rounds up to MiB, what is allowed rounds down. */
void
shoalSchedPlacementAddMemoryReason(GPtrArray *reasons,
                                   const char *name,
                                   unsigned long long afterKiB,
                                   unsigned long long allowedKiB)
{
    shoalSchedPlacementAddReason(reasons,
                                 _("host '%1$s' would commit %2$llu MiB of %3$llu MiB allowed"),
                                 name, shoalSchedPlacementMiBCeil(afterKiB),
                                 allowedKiB / 1024);
}

/* Host @name would commit @after vCPUs, over @allowed. */
void
shoalSchedPlacementAddVcpuReason(GPtrArray *reasons,
                                 const char *name,
                                 unsigned long long after,
                                 unsigned long long allowed)
{
    shoalSchedPlacementAddReason(reasons,
                                 g_dngettext(GETTEXT_PACKAGE,
                                             "host '%1$s' would commit %2$llu vCPU of %3$llu allowed",
                                             "host '%1$s' would commit %2$llu vCPUs of %3$llu allowed",
                                             after),
                                 name, after, allowed);
}

/*
 * Whether @host can take @req; if not, appends a sentence to @reasons for
 * each reason.
 */
static bool
placementHostCheck(const shoalSchedHost *host,
                   const shoalSchedRequest *req,
                   const shoalSchedPlacementConfig *config,
                   placementFit *fit,
                   GPtrArray *reasons)
{
    if (!shoalSchedPlacementCheckHost(host->name, req->exclude, host->online,
                                      host->maintenance, reasons))
        return false;

    placementFitCompute(host, req, config, fit);
    if (!fit->memoryFits) {
        shoalSchedPlacementAddMemoryReason(reasons, host->name,
                                           fit->memoryAfterKiB,
                                           fit->memoryAllowedKiB);
    }
    if (!fit->vcpusFit) {
        shoalSchedPlacementAddVcpuReason(reasons, host->name, fit->vcpusAfter,
                                         fit->vcpusAllowed);
    }
    return fit->memoryFits && fit->vcpusFit;
}

/* A domain needs memory and at least one vCPU. */
bool
shoalSchedPlacementValidateSize(unsigned long long memoryKiB,
                                unsigned vcpus,
                                GError **error)
{
    if (memoryKiB == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("the domain's memory size must be greater than zero"));
        return false;
    }
    if (vcpus == 0) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("the domain must have at least one vCPU"));
        return false;
    }
    return true;
}

/*
 * Sets SHOAL_SCHED_ERROR_NO_HOST for a domain of @memoryMiB and @vcpus,
 * listing @reasons (a sentence from each host that cannot take it; none
 * means there are no hosts). Adds to @reasons.
 */
void
shoalSchedPlacementSetNoHostError(GError **error,
                                  GPtrArray *reasons,
                                  unsigned long long memoryMiB,
                                  unsigned vcpus)
{
    g_autofree char *list = NULL;

    if (reasons->len == 0)
        g_ptr_array_add(reasons, g_strdup(_("the cluster has no hosts")));
    g_ptr_array_add(reasons, NULL);
    /* TRANSLATORS: separates the reasons listed after "no host can run a
     * domain with ...: ", each of them a whole sentence */
    list = g_strjoinv(_("; "), (char **) reasons->pdata);
    g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_NO_HOST,
                g_dngettext(GETTEXT_PACKAGE,
                            "no host can run a domain with %1$llu MiB and %2$u vCPU: %3$s",
                            "no host can run a domain with %1$llu MiB and %2$u vCPUs: %3$s",
                            vcpus),
                memoryMiB, vcpus, list);
}

static bool
placementValidate(const shoalSchedRequest *req,
                  const shoalSchedPlacementConfig *config,
                  GError **error)
{
    if (!shoalSchedPlacementValidateSize(req->memoryKiB, req->vcpus, error))
        return false;
    /* NaN fails every comparison, so test for what is allowed */
    if (!(isfinite(config->memoryOvercommit) && config->memoryOvercommit > 0)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid memory overcommit ratio '%1$g': it must be a finite number greater than zero"),
                    config->memoryOvercommit);
        return false;
    }
    if (!(isfinite(config->vcpuRatio) && config->vcpuRatio > 0)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("invalid vCPU ratio '%1$g': it must be a finite number greater than zero"),
                    config->vcpuRatio);
        return false;
    }
    return true;
}

static int
placementCompareHosts(const void *a, const void *b)
{
    const shoalSchedHost *const *x = a;
    const shoalSchedHost *const *y = b;
    int cmp = g_strcmp0((*x)->name, (*y)->name);

    if (cmp != 0)
        return cmp;
    /* equal names break the contract; input order still decides */
    return (*x > *y) - (*x < *y);
}

/**
 * shoalSchedPlace:
 * @hosts: the member hosts, with unique names, in any order
 * @nhosts: the number of @hosts
 * @req: the domain to place
 * @config: the placement limits, or NULL for the defaults
 *   (shoalSchedPlacementConfigInit())
 * @error: return location for an error
 *
 * Chooses the host for a new or shut-off domain. A host can take it if
 * all of these hold:
 *  - it is not @req->exclude, it is online and it is not in maintenance;
 *  - memory: committedMemoryKiB + @req->memoryKiB <=
 *    floor((memoryKiB - reservedMemoryKiB) * memoryOvercommit), where a
 *    host with no more than reservedMemoryKiB has no room at all;
 *  - vCPUs: committedVcpus + @req->vcpus <= floor(cpus * vcpuRatio).
 * Of those, the one with the most headroom wins: the score is the smaller
 * of the fractions of the memory and vCPU limits still free after placing
 * the domain. Equal scores go to the host whose name sorts first (byte
 * order), so the result does not depend on the order of @hosts.
 *
 * Pure: no I/O, no locks, no global state; safe from any thread.
 *
 * Returns: the index of the chosen host in @hosts, or -1 with @error set:
 * SHOAL_SCHED_ERROR_INVALID if @req has no memory or no vCPUs, or a ratio
 * of @config is not a finite number above zero;
 * SHOAL_SCHED_ERROR_NO_HOST if no host can take the domain, with a
 * message giving every host's reasons, in name order. Sizes in messages
 * are in MiB: what is needed rounds up, what is allowed rounds down.
 */
int
shoalSchedPlace(const shoalSchedHost *hosts,
                size_t nhosts,
                const shoalSchedRequest *req,
                const shoalSchedPlacementConfig *config,
                GError **error)
{
    shoalSchedPlacementConfig defaults;
    g_autofree const shoalSchedHost **sorted = NULL;
    g_autoptr(GPtrArray) reasons = NULL;
    const shoalSchedHost *best = NULL;
    double bestScore = 0;
    size_t i;

    g_return_val_if_fail(hosts || nhosts == 0, -1);
    g_return_val_if_fail(nhosts <= G_MAXINT, -1);
    g_return_val_if_fail(req, -1);

    if (!config) {
        shoalSchedPlacementConfigInit(&defaults);
        config = &defaults;
    }
    if (!placementValidate(req, config, error))
        return -1;

    /* In name order, the first of equal scores is the one to keep, and
     * the reasons read the same however the caller ordered the hosts. */
    sorted = g_new(const shoalSchedHost *, nhosts);
    for (i = 0; i < nhosts; i++)
        sorted[i] = &hosts[i];
    if (nhosts > 0)
        qsort(sorted, nhosts, sizeof(*sorted), placementCompareHosts);

    reasons = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < nhosts; i++) {
        placementFit fit;
        double score;

        if (!placementHostCheck(sorted[i], req, config, &fit, reasons))
            continue;
        score = placementFitScore(&fit);
        if (!best || score > bestScore) {
            best = sorted[i];
            bestScore = score;
        }
    }
    if (best)
        return (int) (best - hosts);

    /* every host gave a reason, so none means there are no hosts */
    shoalSchedPlacementSetNoHostError(error, reasons,
                                      shoalSchedPlacementMiBCeil(
                                          req->memoryKiB),
                                      req->vcpus);
    return -1;
}
