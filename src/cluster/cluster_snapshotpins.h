/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/*
 * Issue 10 part 5: a domain with a snapshot whose state cannot follow it
 * stays on its host; the scheduler knows it without asking the host
 * every round. Per domain, the reason is cached with the host it was
 * read on: a move makes it stale, and a change through Shoal forgets it.
 */
typedef struct _shoalCluster shoalCluster;
typedef struct _shoalSnapshotPins shoalSnapshotPins;

shoalSnapshotPins *shoalSnapshotPinsNew(void);
void shoalSnapshotPinsFree(shoalSnapshotPins *pins);
void shoalSnapshotPinsForget(shoalSnapshotPins *pins,
                             const unsigned char *uuid);
void shoalSnapshotPinsSweep(shoalSnapshotPins *pins);
char *shoalClusterSnapshotPinReason(shoalCluster *cluster,
                                    const unsigned char *uuid,
                                    const char *hostName);
