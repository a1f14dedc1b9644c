/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "driver_protocol.h"

void shoalDriverParamsFill(GPtrArray *params,
                           remote_typed_param **val,
                           u_int *len);

void shoalDriverParamsClear(remote_typed_param *val, u_int len);

GPtrArray *shoalDriverParamsParse(const remote_typed_param *val,
                                  u_int len,
                                  GError **error);

bool shoalDriverParamsAlloc(int nparams,
                            int max,
                            virTypedParameter **params,
                            GError **error);

void shoalDriverParamsFreeLibvirt(virTypedParameter *params, int nparams);

virTypedParameter *shoalDriverParamsToLibvirt(const remote_typed_param *val,
                                              u_int len,
                                              GError **error);

void shoalDriverParamsFromLibvirt(const virTypedParameter *params,
                                  int nparams,
                                  unsigned flags,
                                  remote_typed_param **val,
                                  u_int *len);
