#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Configures (once) and builds Shoal into BUILDDIR (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}
if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" ${CI:+--werror}
fi
ninja -C "$builddir"
