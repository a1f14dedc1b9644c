/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cluster.h"

void shoalDriverEventRelay(const shoalClusterEvent *event, gpointer server);
