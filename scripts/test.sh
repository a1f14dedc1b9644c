#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what is missing, builds, and runs the whole test suite: unit,
# integration, end-to-end (real libvirtd + QEMU testbed) and style.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: the testbed starts libvirtd" >&2; exit 1; }

scripts/install-deps.sh
scripts/build.sh
builddir=${BUILDDIR:-build}

rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || rc=$?

# one closing line in the form CI readers understand
/usr/bin/python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        fail += 1
print("tests: %d passed, %d failed, %d skipped" % (ok, fail, skip))
PY
exit $rc
