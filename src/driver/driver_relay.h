/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cluster.h"
#include "driver_client.h"

void shoalDriverRelayOpen(shoalDriverClient *client, shoalClusterStream *host);
