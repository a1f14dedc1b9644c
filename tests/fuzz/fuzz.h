/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The entry point of every fuzz target, as libFuzzer calls it: one input,
 * which the target must neither keep nor change. Returns 0. A bug shows
 * as a crash, a sanitizer report or a failed assertion, never as a
 * return value. Without libFuzzer, fuzz_replay.c calls it once per file.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
