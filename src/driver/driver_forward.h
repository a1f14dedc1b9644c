/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "driver_client.h"
#include "driver_protocol.h"

void shoalDriverForwardFillObject(shoalDriverClient *client,
                                  const remote_nonnull_domain *dom,
                                  char *name,
                                  remote_nonnull_string *outName,
                                  remote_nonnull_domain *outDom);

char **shoalDriverForwardNamesAlloc(int maxnames, int max, GError **error);

char *shoalDriverForwardBufferAlloc(unsigned size,
                                    unsigned max,
                                    GError **error);
