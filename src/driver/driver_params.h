/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "driver_protocol.h"

void shoalDriverParamsFill(GPtrArray *params,
                           remote_typed_param **val,
                           u_int *len);

void shoalDriverParamsClear(remote_typed_param *val, u_int len);

GPtrArray *shoalDriverParamsParse(const remote_typed_param *val,
                                  u_int len,
                                  GError **error);
