/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#ifndef SHOAL_CLUSTER_RECONCILE_PRIV_H_ALLOW
#error \
    "cluster_reconcile_priv.h may only be included by cluster_reconcile.c or tests"
#endif

#include <stddef.h>

/* The rule table's rows, for the test that holds the doc to the code. */
size_t shoalReconcileRuleCount(void);

const char *shoalReconcileRuleWhy(size_t i);
