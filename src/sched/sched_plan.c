/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <config.h>

#include "sched_plan.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "sched_error.h"
#include "sched_json.h"

/*
 * The plan's JSON, "shoal-plan/1":
 *
 *   "format": "shoal-plan/1", "now_ms": integer,
 *   "imbalance_before", "imbalance_after": numbers (6 decimals),
 *   "moves", "vcpus_added", "balloons": integers,
 *   "resizes", "power_offs", "power_ons": integers, left out when 0,
 *   "memory_moved_mib", "predicted_seconds": numbers,
 *   "steps": array, in execution order, of
 *     "action": "migrate" | "add-vcpu" | "set-balloon" | "set-virtio-mem"
 *       | "remove-vcpu" | "power-off" | "power-on"
 *     "domain" (not for power-off, power-on), optional "uuid"
 *     migrate: "from", "to", optional "cells" (the destination's NUMA
 *     cells for it, a nodeset); others: "host"
 *     add-vcpu, remove-vcpu: "vcpus" (the new count); set-balloon:
 *     "balloon_kib"; set-virtio-mem: "requested_kib"
 *     "mode": "advise" | "automatic", "rule", "reason"
 *     "score_before", "score_after": {"from": {"cpu", "memory"}, "to":
 *         {...}, "imbalance"} for migrate, {"host": {...}, "imbalance"}
 *         otherwise; pressures with 4 decimals
 *     migrate: "gain", "cost" (6 decimals), "predicted_seconds"
 *     "memory_mib"
 *     "preconditions": array of {"check", optional "domain", "host",
 *         "value"}
 *   "notes": optional array of strings
 *
 * Computed pressures, imbalances, gains and costs are rounded so that the
 * file reads well and expected test output compares exactly; sizes and
 * seconds, which the totals add up, are exact. Parsing and formatting
 * again gives the same bytes.
 */
#define PLAN_FORMAT "shoal-plan/1"

static const char *const planActionNames[] = {
    "migrate",     "add-vcpu",  "set-balloon", "set-virtio-mem",
    "remove-vcpu", "power-off", "power-on",
};
G_STATIC_ASSERT(G_N_ELEMENTS(planActionNames) == SHOAL_SCHED_ACTION_LAST);

static const char *const planCheckNames[] = {
    "domain-on-host",  "domain-running", "domain-idle",
    "host-available",  "domain-vcpus",   "balloon-below",
    "virtio-mem-size", "host-empty",     "host-standby",
};
G_STATIC_ASSERT(G_N_ELEMENTS(planCheckNames) == SHOAL_SCHED_CHECK_LAST);

/* Returns: the name of @value in @names (of @n), or NULL if out of range. */
static const char *
planNameOf(const char *const *names, size_t n, unsigned value)
{
    return value < n ? names[value] : NULL;
}

static int
planLookupName(const char *const *names, size_t n, const char *str)
{
    size_t i;

    for (i = 0; str && i < n; i++) {
        if (g_str_equal(names[i], str))
            return (int) i;
    }
    return -1;
}

const char *
shoalSchedActionToString(shoalSchedAction action)
{
    return planNameOf(planActionNames, G_N_ELEMENTS(planActionNames), action);
}

/* Returns: the action, or -1. */
int
shoalSchedActionFromString(const char *str)
{
    return planLookupName(planActionNames, G_N_ELEMENTS(planActionNames), str);
}

const char *
shoalSchedCheckToString(shoalSchedCheck check)
{
    return planNameOf(planCheckNames, G_N_ELEMENTS(planCheckNames), check);
}

/* Returns: the check, or -1. */
int
shoalSchedCheckFromString(const char *str)
{
    return planLookupName(planCheckNames, G_N_ELEMENTS(planCheckNames), str);
}

void
shoalSchedPreconditionFree(shoalSchedPrecondition *pre)
{
    if (!pre)
        return;
    g_free(pre->domain);
    g_free(pre->host);
    g_free(pre);
}

shoalSchedStep *
shoalSchedStepNew(shoalSchedAction action, const char *domain)
{
    shoalSchedStep *step = g_new0(shoalSchedStep, 1);

    step->action = action;
    step->domain = g_strdup(domain);
    step->mode = SHOAL_SCHED_MODE_ADVISE;
    step->preconditions = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedPreconditionFree);
    return step;
}

/* Returns: a deep copy of @step. */
shoalSchedStep *
shoalSchedStepCopy(const shoalSchedStep *step)
{
    shoalSchedStep *copy = g_new0(shoalSchedStep, 1);
    size_t i;

    *copy = *step;
    copy->domain = g_strdup(step->domain);
    copy->uuid = g_strdup(step->uuid);
    copy->from = g_strdup(step->from);
    copy->to = g_strdup(step->to);
    copy->rule = g_strdup(step->rule);
    copy->reason = g_strdup(step->reason);
    copy->cells = g_strdup(step->cells);
    copy->preconditions = g_ptr_array_new_with_free_func(
        (GDestroyNotify) shoalSchedPreconditionFree);
    for (i = 0; i < step->preconditions->len; i++) {
        const shoalSchedPrecondition *pre =
            g_ptr_array_index(step->preconditions, i);

        shoalSchedStepAddPrecondition(copy, pre->check, pre->domain, pre->host,
                                      pre->value);
    }
    return copy;
}

void
shoalSchedStepFree(shoalSchedStep *step)
{
    if (!step)
        return;
    g_free(step->domain);
    g_free(step->uuid);
    g_free(step->from);
    g_free(step->to);
    g_free(step->rule);
    g_free(step->reason);
    g_free(step->cells);
    g_ptr_array_unref(step->preconditions);
    g_free(step);
}

void
shoalSchedStepAddPrecondition(shoalSchedStep *step,
                              shoalSchedCheck check,
                              const char *domain,
                              const char *host,
                              unsigned long long value)
{
    shoalSchedPrecondition *pre = g_new0(shoalSchedPrecondition, 1);

    pre->check = check;
    pre->domain = g_strdup(domain);
    pre->host = g_strdup(host);
    pre->value = value;
    g_ptr_array_add(step->preconditions, pre);
}

static void
planClear(shoalSchedPlan *plan)
{
    g_ptr_array_unref(plan->steps);
    g_ptr_array_unref(plan->notes);
}

/* Returns: a new reference to an empty plan, to fill in, then publish. */
shoalSchedPlan *
shoalSchedPlanNew(gint64 nowMs)
{
    shoalSchedPlan *plan = g_atomic_rc_box_new0(shoalSchedPlan);

    plan->nowMs = nowMs;
    plan->steps =
        g_ptr_array_new_with_free_func((GDestroyNotify) shoalSchedStepFree);
    plan->notes = g_ptr_array_new_with_free_func(g_free);
    return plan;
}

shoalSchedPlan *
shoalSchedPlanRef(shoalSchedPlan *plan)
{
    return g_atomic_rc_box_acquire(plan);
}

void
shoalSchedPlanUnref(shoalSchedPlan *plan)
{
    if (plan)
        g_atomic_rc_box_release_full(plan, (GDestroyNotify) planClear);
}

/**
 * shoalSchedPlanAppendStep:
 * @plan: a plan not yet published
 * @step: (transfer full): the next step
 *
 * Also counts it in the plan's totals.
 */
void
shoalSchedPlanAppendStep(shoalSchedPlan *plan, shoalSchedStep *step)
{
    switch (step->action) {
    case SHOAL_SCHED_ACTION_MIGRATE:
        plan->moves++;
        plan->memoryMovedKiB += step->memoryKiB;
        plan->predictedSeconds += step->predictedSeconds;
        break;
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        plan->vcpusAdded++;
        break;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
        plan->balloons++;
        break;
    case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
    case SHOAL_SCHED_ACTION_REMOVE_VCPU:
        plan->resizes++;
        break;
    case SHOAL_SCHED_ACTION_POWER_OFF:
        plan->powerOffs++;
        break;
    case SHOAL_SCHED_ACTION_POWER_ON:
        plan->powerOns++;
        break;
    case SHOAL_SCHED_ACTION_LAST:
    default:
        break;
    }
    g_ptr_array_add(plan->steps, step);
}

/* @note: (transfer full): a translated sentence. */
void
shoalSchedPlanAppendNote(shoalSchedPlan *plan, char *note)
{
    g_ptr_array_add(plan->notes, note);
}

/* ---- JSON ---------------------------------------------------------- */

#define PLAN_PRESSURE_DECIMALS 4
#define PLAN_SCORE_DECIMALS 6

static json_object *
planFormatPressure(const shoalSchedPressure *p)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "cpu",
                           shoalSchedJsonNewRounded(p->cpu,
                                                    PLAN_PRESSURE_DECIMALS));
    json_object_object_add(obj, "memory",
                           shoalSchedJsonNewRounded(p->memory,
                                                    PLAN_PRESSURE_DECIMALS));
    return obj;
}

static json_object *
planFormatScore(const shoalSchedStep *step, bool after)
{
    json_object *obj = json_object_new_object();
    bool migrate = step->action == SHOAL_SCHED_ACTION_MIGRATE;

    json_object_object_add(obj, migrate ? "from" : "host",
                           planFormatPressure(after ? &step->fromAfter
                                                    : &step->fromBefore));
    if (migrate)
        json_object_object_add(obj, "to",
                               planFormatPressure(after ? &step->toAfter
                                                        : &step->toBefore));
    json_object_object_add(obj, "imbalance",
                           shoalSchedJsonNewRounded(after
                                                        ? step->imbalanceAfter
                                                        : step->imbalanceBefore,
                                                    PLAN_SCORE_DECIMALS));
    return obj;
}

static json_object *
planFormatPrecondition(const shoalSchedPrecondition *pre)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "check",
                           json_object_new_string(
                               shoalSchedCheckToString(pre->check)));
    if (pre->domain)
        json_object_object_add(obj, "domain",
                               json_object_new_string(pre->domain));
    if (pre->host)
        json_object_object_add(obj, "host", json_object_new_string(pre->host));
    if (pre->check == SHOAL_SCHED_CHECK_DOMAIN_VCPUS ||
        pre->check == SHOAL_SCHED_CHECK_BALLOON_BELOW)
        json_object_object_add(obj, "value",
                               json_object_new_int64((gint64) pre->value));
    return obj;
}

static json_object *
planFormatStep(const shoalSchedStep *step)
{
    json_object *obj = json_object_new_object();
    json_object *pres = json_object_new_array();
    bool migrate = step->action == SHOAL_SCHED_ACTION_MIGRATE;
    size_t i;

    json_object_object_add(obj, "action",
                           json_object_new_string(
                               shoalSchedActionToString(step->action)));
    if (step->domain)
        json_object_object_add(obj, "domain",
                               json_object_new_string(step->domain));
    if (step->uuid)
        json_object_object_add(obj, "uuid", json_object_new_string(step->uuid));
    if (migrate) {
        json_object_object_add(obj, "from", json_object_new_string(step->from));
        json_object_object_add(obj, "to", json_object_new_string(step->to));
        if (step->cells)
            json_object_object_add(obj, "cells",
                                   json_object_new_string(step->cells));
    } else {
        json_object_object_add(obj, "host", json_object_new_string(step->from));
    }
    if (step->action == SHOAL_SCHED_ACTION_ADD_VCPU ||
        step->action == SHOAL_SCHED_ACTION_REMOVE_VCPU)
        json_object_object_add(obj, "vcpus",
                               json_object_new_int64((gint64) step->value));
    if (step->action == SHOAL_SCHED_ACTION_SET_BALLOON)
        json_object_object_add(obj, "balloon_kib",
                               json_object_new_int64((gint64) step->value));
    if (step->action == SHOAL_SCHED_ACTION_SET_VIRTIO_MEM)
        json_object_object_add(obj, "requested_kib",
                               json_object_new_int64((gint64) step->value));
    json_object_object_add(obj, "mode",
                           json_object_new_string(
                               shoalSchedModeToString(step->mode)));
    json_object_object_add(obj, "rule", json_object_new_string(step->rule));
    json_object_object_add(obj, "reason", json_object_new_string(step->reason));
    json_object_object_add(obj, "score_before", planFormatScore(step, false));
    json_object_object_add(obj, "score_after", planFormatScore(step, true));
    if (migrate) {
        json_object_object_add(obj, "gain",
                               shoalSchedJsonNewRounded(step->gain,
                                                        PLAN_SCORE_DECIMALS));
        json_object_object_add(obj, "cost",
                               shoalSchedJsonNewRounded(step->cost,
                                                        PLAN_SCORE_DECIMALS));
        json_object_object_add(obj, "predicted_seconds",
                               shoalSchedJsonNewDouble(step->predictedSeconds));
    }
    json_object_object_add(obj, "memory_mib",
                           shoalSchedJsonNewDouble(step->memoryKiB / 1024.0));
    for (i = 0; i < step->preconditions->len; i++)
        json_object_array_add(pres,
                              planFormatPrecondition(
                                  g_ptr_array_index(step->preconditions, i)));
    json_object_object_add(obj, "preconditions", pres);
    return obj;
}

/**
 * shoalSchedPlanFormatJSON:
 * @plan: a plan
 *
 * Writes @plan as a shoal-plan/1 document (see the top of this file),
 * pretty-printed, ending in a newline.
 *
 * Returns: (transfer full): the document.
 */
char *
shoalSchedPlanFormatJSON(const shoalSchedPlan *plan)
{
    g_autoptr(json_object) root = json_object_new_object();
    json_object *steps = shoalSchedJsonNewArray(plan->steps->len);
    size_t i;

    json_object_object_add(root, "format", json_object_new_string(PLAN_FORMAT));
    json_object_object_add(root, "now_ms", json_object_new_int64(plan->nowMs));
    json_object_object_add(root, "imbalance_before",
                           shoalSchedJsonNewRounded(plan->imbalanceBefore,
                                                    PLAN_SCORE_DECIMALS));
    json_object_object_add(root, "imbalance_after",
                           shoalSchedJsonNewRounded(plan->imbalanceAfter,
                                                    PLAN_SCORE_DECIMALS));
    json_object_object_add(root, "moves", json_object_new_int64(plan->moves));
    json_object_object_add(root, "vcpus_added",
                           json_object_new_int64(plan->vcpusAdded));
    json_object_object_add(root, "balloons",
                           json_object_new_int64(plan->balloons));
    if (plan->resizes > 0)
        json_object_object_add(root, "resizes",
                               json_object_new_int64(plan->resizes));
    if (plan->powerOffs > 0)
        json_object_object_add(root, "power_offs",
                               json_object_new_int64(plan->powerOffs));
    if (plan->powerOns > 0)
        json_object_object_add(root, "power_ons",
                               json_object_new_int64(plan->powerOns));
    json_object_object_add(root, "memory_moved_mib",
                           shoalSchedJsonNewDouble(plan->memoryMovedKiB /
                                                   1024.0));
    json_object_object_add(root, "predicted_seconds",
                           shoalSchedJsonNewDouble(plan->predictedSeconds));
    for (i = 0; i < plan->steps->len; i++)
        json_object_array_add(steps, planFormatStep(
                                         g_ptr_array_index(plan->steps, i)));
    json_object_object_add(root, "steps", steps);
    if (plan->notes->len > 0) {
        json_object *notes = json_object_new_array();

        for (i = 0; i < plan->notes->len; i++)
            json_object_array_add(notes,
                                  json_object_new_string(
                                      g_ptr_array_index(plan->notes, i)));
        json_object_object_add(root, "notes", notes);
    }
    return shoalSchedJsonFormat(root);
}

static bool
planParsePressure(json_object *obj,
                  const char *path,
                  const char *key,
                  shoalSchedPressure *p,
                  GError **error)
{
    static const char *const keys[] = { "cpu", "memory", NULL };
    g_autofree char *where = g_strdup_printf("%s.%s", path, key);
    json_object *val = NULL;

    return shoalSchedJsonLookupMember(obj, path, key, json_type_object, true,
                                      &val, error) &&
           shoalSchedJsonCheckKeys(val, where, keys, error) &&
           shoalSchedJsonGetDouble(val, where, "cpu", true, &p->cpu, error) &&
           shoalSchedJsonGetDouble(val, where, "memory", true, &p->memory,
                                   error);
}

static bool
planParseScore(json_object *obj,
               const char *path,
               const char *key,
               shoalSchedStep *step,
               bool after,
               GError **error)
{
    static const char *const migrateKeys[] = { "from", "to", "imbalance",
                                               NULL };
    static const char *const hostKeys[] = { "host", "imbalance", NULL };
    bool migrate = step->action == SHOAL_SCHED_ACTION_MIGRATE;
    g_autofree char *where = g_strdup_printf("%s.%s", path, key);
    json_object *val = NULL;

    if (!shoalSchedJsonLookupMember(obj, path, key, json_type_object, true,
                                    &val, error) ||
        !shoalSchedJsonCheckKeys(val, where, migrate ? migrateKeys : hostKeys,
                                 error) ||
        !planParsePressure(val, where, migrate ? "from" : "host",
                           after ? &step->fromAfter : &step->fromBefore, error))
        return false;
    if (migrate &&
        !planParsePressure(val, where, "to",
                           after ? &step->toAfter : &step->toBefore, error))
        return false;
    return shoalSchedJsonGetDouble(val, where, "imbalance", true,
                                   after ? &step->imbalanceAfter
                                         : &step->imbalanceBefore,
                                   error);
}

static bool
planParsePrecondition(json_object *obj,
                      const char *path,
                      shoalSchedStep *step,
                      GError **error)
{
    static const char *const keys[] = { "check", "domain", "host", "value",
                                        NULL };
    g_autoptr(shoalSchedPrecondition) pre = g_new0(shoalSchedPrecondition, 1);
    g_autofree char *check = NULL;
    guint64 value = 0;
    int c;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, path, keys, error) ||
        !shoalSchedJsonGetString(obj, path, "check", true, &check, error) ||
        !shoalSchedJsonGetString(obj, path, "domain", false, &pre->domain,
                                 error) ||
        !shoalSchedJsonGetString(obj, path, "host", false, &pre->host, error) ||
        !shoalSchedJsonGetUInt64(obj, path, "value", false, G_MAXINT64, &value,
                                 error))
        return false;
    c = shoalSchedCheckFromString(check);
    if (c < 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s.check' has unknown value '%2$s'"), path, check);
        return false;
    }
    pre->check = c;
    pre->value = value;
    g_ptr_array_add(step->preconditions, g_steal_pointer(&pre));
    return true;
}

/* The members that depend on the action. */
static bool
planParseStepAction(json_object *obj,
                    const char *path,
                    shoalSchedStep *step,
                    GError **error)
{
    double d = 0;
    guint64 u = 0;

    if (step->action == SHOAL_SCHED_ACTION_MIGRATE) {
        if (!shoalSchedJsonGetString(obj, path, "from", true, &step->from,
                                     error) ||
            !shoalSchedJsonGetString(obj, path, "to", true, &step->to, error) ||
            !shoalSchedJsonGetString(obj, path, "cells", false, &step->cells,
                                     error) ||
            !shoalSchedJsonGetDouble(obj, path, "gain", true, &step->gain,
                                     error) ||
            !shoalSchedJsonGetDouble(obj, path, "cost", true, &step->cost,
                                     error) ||
            !shoalSchedJsonGetDouble(obj, path, "predicted_seconds", true,
                                     &step->predictedSeconds, error))
            return false;
    } else if (!shoalSchedJsonGetString(obj, path, "host", true, &step->from,
                                        error)) {
        return false;
    }
    if ((step->action == SHOAL_SCHED_ACTION_ADD_VCPU ||
         step->action == SHOAL_SCHED_ACTION_REMOVE_VCPU) &&
        !shoalSchedJsonGetUInt64(obj, path, "vcpus", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_CPUS, &u, error))
        return false;
    if (step->action == SHOAL_SCHED_ACTION_SET_BALLOON &&
        !shoalSchedJsonGetUInt64(obj, path, "balloon_kib", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    if (step->action == SHOAL_SCHED_ACTION_SET_VIRTIO_MEM &&
        !shoalSchedJsonGetUInt64(obj, path, "requested_kib", true,
                                 SHOAL_SCHED_SNAPSHOT_MAX_KIB, &u, error))
        return false;
    step->value = u;
    if (!shoalSchedJsonGetDouble(obj, path, "memory_mib", true, &d, error))
        return false;
    if (d < 0 || d > SHOAL_SCHED_SNAPSHOT_MAX_KIB / 1024) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s.memory_mib' is out of range"), path);
        return false;
    }
    step->memoryKiB = (unsigned long long) llround(d * 1024);
    return true;
}

static bool
planParseStep(json_object *obj,
              const char *path,
              shoalSchedPlan *plan,
              GError **error)
{
    static const char *const keys[] = {
        "action",      "domain",        "uuid",          "from",
        "to",          "host",          "vcpus",         "balloon_kib",
        "mode",        "rule",          "reason",        "score_before",
        "score_after", "gain",          "cost",          "predicted_seconds",
        "memory_mib",  "preconditions", "requested_kib", "cells",
        NULL,
    };
    g_autofree char *action = NULL;
    g_autofree char *mode = NULL;
    g_autoptr(shoalSchedStep) step = NULL;
    int a;
    int m;

    if (!shoalSchedJsonCheckType(obj, path, json_type_object, error) ||
        !shoalSchedJsonCheckKeys(obj, path, keys, error) ||
        !shoalSchedJsonGetString(obj, path, "action", true, &action, error))
        return false;
    a = shoalSchedActionFromString(action);
    if (a < 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s.action' has unknown value '%2$s'"), path, action);
        return false;
    }
    step = shoalSchedStepNew(a, NULL);
    if (!shoalSchedJsonGetString(obj, path, "domain",
                                 a != SHOAL_SCHED_ACTION_POWER_OFF &&
                                     a != SHOAL_SCHED_ACTION_POWER_ON,
                                 &step->domain, error) ||
        !shoalSchedJsonGetString(obj, path, "uuid", false, &step->uuid,
                                 error) ||
        !shoalSchedJsonGetString(obj, path, "mode", true, &mode, error) ||
        !shoalSchedJsonGetString(obj, path, "rule", true, &step->rule, error) ||
        !shoalSchedJsonGetString(obj, path, "reason", true, &step->reason,
                                 error) ||
        !planParseStepAction(obj, path, step, error) ||
        !planParseScore(obj, path, "score_before", step, false, error) ||
        !planParseScore(obj, path, "score_after", step, true, error))
        return false;
    m = shoalSchedModeFromString(mode);
    if (m < 0) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("'%1$s.mode' has unknown value '%2$s'"), path, mode);
        return false;
    }
    step->mode = m;
    if (!shoalSchedJsonParseList(obj, path, "preconditions", true,
                                 (shoalSchedJsonItemParser)
                                     planParsePrecondition,
                                 step, error))
        return false;
    shoalSchedPlanAppendStep(plan, g_steal_pointer(&step));
    return true;
}

static bool
planParseRoot(json_object *root, shoalSchedPlan *plan, GError **error)
{
    static const char *const keys[] = {
        "format",
        "now_ms",
        "imbalance_before",
        "imbalance_after",
        "moves",
        "vcpus_added",
        "balloons",
        "resizes",
        "power_offs",
        "power_ons",
        "memory_moved_mib",
        "predicted_seconds",
        "steps",
        "notes",
        NULL,
    };
    g_autofree char *format = NULL;
    g_auto(GStrv) notes = NULL;
    size_t i;

    if (!json_object_is_type(root, json_type_object)) {
        g_set_error_literal(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                            _("the document must be a JSON object"));
        return false;
    }
    if (!shoalSchedJsonCheckKeys(root, "", keys, error) ||
        !shoalSchedJsonGetString(root, "", "format", true, &format, error))
        return false;
    if (!g_str_equal(format, PLAN_FORMAT)) {
        g_set_error(error, SHOAL_SCHED_ERROR, SHOAL_SCHED_ERROR_INVALID,
                    _("unsupported format '%1$s'"), format);
        return false;
    }
    if (!shoalSchedJsonGetInt64(root, "", "now_ms", &plan->nowMs, error) ||
        !shoalSchedJsonGetDouble(root, "", "imbalance_before", true,
                                 &plan->imbalanceBefore, error) ||
        !shoalSchedJsonGetDouble(root, "", "imbalance_after", true,
                                 &plan->imbalanceAfter, error) ||
        !shoalSchedJsonGetStrv(root, "", "notes", &notes, error) ||
        !shoalSchedJsonParseList(root, "", "steps", true,
                                 (shoalSchedJsonItemParser) planParseStep, plan,
                                 error))
        return false;
    for (i = 0; notes && notes[i]; i++)
        shoalSchedPlanAppendNote(plan, g_strdup(notes[i]));
    /* the totals follow from the steps; the document's are for readers */
    return true;
}

/**
 * shoalSchedPlanParseJSON:
 * @json: a shoal-plan/1 document, as shoalSchedPlanFormatJSON() writes
 * @error: return location for an error
 *
 * Reads a saved plan back, e.g. one shown in advise mode and then
 * approved. The totals are recomputed from the steps.
 *
 * Returns: a new reference, or NULL with SHOAL_SCHED_ERROR_INVALID set.
 */
shoalSchedPlan *
shoalSchedPlanParseJSON(const char *json, GError **error)
{
    g_autoptr(json_object) root = shoalSchedJsonParse(json, error);
    g_autoptr(shoalSchedPlan) plan = shoalSchedPlanNew(0);

    if (!root || !planParseRoot(root, plan, error)) {
        g_prefix_error(error, _("invalid plan: "));
        return NULL;
    }
    return g_steal_pointer(&plan);
}

/* ---- text ---------------------------------------------------------- */

static void
planTextPressure(GString *out,
                 const char *host,
                 const shoalSchedPressure *before,
                 const shoalSchedPressure *after)
{
    g_string_append_printf(out,
                           _("    host '%1$s': CPU %2$.2f -> %3$.2f, memory %4$.2f -> %5$.2f\n"),
                           host, before->cpu, after->cpu, before->memory,
                           after->memory);
}

static void
planTextStep(GString *out, size_t n, const shoalSchedStep *step)
{
    const char *mode = shoalSchedModeToString(step->mode);

    switch (step->action) {
    case SHOAL_SCHED_ACTION_MIGRATE:
        g_string_append_printf(out,
                               _("%1$zu. migrate '%2$s' from '%3$s' to '%4$s' [%5$s, %6$s]\n"),
                               n, step->domain, step->from, step->to,
                               step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_ADD_VCPU:
        g_string_append_printf(out,
                               _("%1$zu. add a vCPU to '%2$s' on '%3$s', %4$llu vCPUs in all [%5$s, %6$s]\n"),
                               n, step->domain, step->from, step->value,
                               step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_SET_VIRTIO_MEM:
        g_string_append_printf(out,
                               _("%1$zu. request %2$llu MiB of the virtio-mem device of '%3$s' on '%4$s' [%5$s, %6$s]\n"),
                               n, step->value / 1024, step->domain, step->from,
                               step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_REMOVE_VCPU:
        g_string_append_printf(out,
                               _("%1$zu. remove a vCPU from '%2$s' on '%3$s', %4$llu vCPUs in all [%5$s, %6$s]\n"),
                               n, step->domain, step->from, step->value,
                               step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_POWER_OFF:
        g_string_append_printf(out,
                               _("%1$zu. power off host '%2$s' [%3$s, %4$s]\n"),
                               n, step->from, step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_POWER_ON:
        g_string_append_printf(out,
                               _("%1$zu. power on host '%2$s' [%3$s, %4$s]\n"),
                               n, step->from, step->rule, mode);
        break;
    case SHOAL_SCHED_ACTION_SET_BALLOON:
    case SHOAL_SCHED_ACTION_LAST:
    default:
        g_string_append_printf(out,
                               _("%1$zu. set the balloon of '%2$s' on '%3$s' to %4$llu MiB [%5$s, %6$s]\n"),
                               n, step->domain, step->from, step->value / 1024,
                               step->rule, mode);
        break;
    }
    g_string_append_printf(out, "    %s\n", step->reason);
    planTextPressure(out, step->from, &step->fromBefore, &step->fromAfter);
    if (step->action == SHOAL_SCHED_ACTION_MIGRATE) {
        planTextPressure(out, step->to, &step->toBefore, &step->toAfter);
        g_string_append_printf(out,
                               _("    imbalance %1$.4f -> %2$.4f; %3$llu MiB to copy, about %4$.1f s\n"),
                               step->imbalanceBefore, step->imbalanceAfter,
                               step->memoryKiB / 1024, step->predictedSeconds);
        if (step->cells)
            g_string_append_printf(out,
                                   _("    pinned to NUMA cells %1$s of '%2$s'\n"),
                                   step->cells, step->to);
    }
}

/**
 * shoalSchedPlanFormatText:
 * @plan: a plan
 *
 * The plan for people: a summary, then each step with its reason, the
 * pressures of the hosts it touches before and after, and for a
 * migration the imbalance and its predicted time; then the notes.
 *
 * Returns: (transfer full): translated text, ending in a newline.
 */
char *
shoalSchedPlanFormatText(const shoalSchedPlan *plan)
{
    GString *out = g_string_new(NULL);
    size_t i;

    g_string_append_printf(out, _("Imbalance: %1$.4f -> %2$.4f\n"),
                           plan->imbalanceBefore, plan->imbalanceAfter);
    g_string_append_printf(out,
                           _("Migrations: %1$u, %2$llu MiB, about %3$.0f s one after another\n"),
                           plan->moves, plan->memoryMovedKiB / 1024,
                           plan->predictedSeconds);
    g_string_append_printf(out, _("vCPU hot-adds: %1$u\n"), plan->vcpusAdded);
    g_string_append_printf(out, _("Balloon changes: %1$u\n"), plan->balloons);
    if (plan->resizes > 0)
        g_string_append_printf(out,
                               _("virtio-mem changes and vCPU removals: %1$u\n"),
                               plan->resizes);
    if (plan->powerOffs + plan->powerOns > 0)
        g_string_append_printf(out,
                               _("Hosts powered off: %1$u, powered on: %2$u\n"),
                               plan->powerOffs, plan->powerOns);
    if (plan->steps->len == 0)
        g_string_append(out, _("No steps.\n"));
    for (i = 0; i < plan->steps->len; i++)
        planTextStep(out, i + 1, g_ptr_array_index(plan->steps, i));
    if (plan->notes->len > 0)
        g_string_append(out, _("Notes:\n"));
    for (i = 0; i < plan->notes->len; i++)
        g_string_append_printf(out, "  - %s\n",
                               (const char *) g_ptr_array_index(plan->notes,
                                                                i));
    return g_string_free(out, FALSE);
}
