/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>

/*
 * Per-domain jobs: one change at a time per domain, any number of domains
 * in parallel (libvirt's domain job, exclusive only). Self-locking: every
 * function may be called from any thread; its lock is a leaf, never held
 * across a call out of this file.
 */
typedef struct _shoalDomainJobs shoalDomainJobs;

shoalDomainJobs *shoalDomainJobsNew(void);

void shoalDomainJobsFree(shoalDomainJobs *jobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(shoalDomainJobs, shoalDomainJobsFree)

bool shoalDomainJobsBegin(shoalDomainJobs *jobs,
                          const unsigned char *uuid,
                          GError **error);

bool shoalDomainJobsBeginTimeout(shoalDomainJobs *jobs,
                                 const unsigned char *uuid,
                                 gint64 waitUs,
                                 GError **error);

bool shoalDomainJobsTryBegin(shoalDomainJobs *jobs, const unsigned char *uuid);

bool shoalDomainJobsIsActive(shoalDomainJobs *jobs, const unsigned char *uuid);

void shoalDomainJobsEnd(shoalDomainJobs *jobs, const unsigned char *uuid);

bool shoalDomainJobsReserveName(shoalDomainJobs *jobs,
                                const char *name,
                                GError **error);

void shoalDomainJobsReleaseName(shoalDomainJobs *jobs, const char *name);
