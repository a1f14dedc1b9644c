/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cluster.h"

void shoalDriverEventRelay(const shoalClusterEvent *event, gpointer server);

#include "driver_message.h"
#include "driver_protocol.h"

void shoalDriverEventFillDom(remote_nonnull_domain *out,
                             const shoalDomainRef *dom);

GBytes *shoalDriverEventEncode(int callbackId, const shoalClusterEvent *event);

char *shoalDriverEventStr(const shoalClusterEvent *event, unsigned i);

GBytes *shoalDriverEventEncodeGen(int callbackId,
                                  const shoalClusterEvent *event,
                                  shoalMessageHeader *hdr);
