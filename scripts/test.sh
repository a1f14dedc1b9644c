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
logs=("suites=$builddir/meson-logs/testlog.json")

# A whole run (no arguments) adds ASan + UBSan, valgrind and 30 s of
# fuzzing per target: about 4 minutes more on 2 cores.
if [ $# -eq 0 ]; then
    BUILDDIR=$builddir scripts/sanitize.sh || rc=1
    frc=0
    tests/fuzz/fuzz.sh --time 30 || frc=$?
    [ $frc -eq 0 ] || [ $frc -eq 77 ] || rc=1   # 77: no libFuzzer, skipped
    logs+=("asan+ubsan=${BUILDDIR_ASAN:-build-asan}/meson-logs/testlog.json"
           "valgrind=$builddir/meson-logs/testlog-valgrind-sanitize.sh.json"
           "fuzz=${BUILDDIR_FUZZ:-build-fuzz}/fuzz-out/testlog.json")
fi

# one closing line per stage, then the total, in the form CI readers
# understand; a stage that left no log did not get to its tests: 1 failure
/usr/bin/python3 - "${logs[@]}" <<'PY'
import json, os, sys
total = [0, 0, 0]
failed = []
for arg in sys.argv[1:]:
    stage, path = arg.split("=", 1)
    n = [0, 1, 0]
    if os.path.exists(path):
        n = [0, 0, 0]
        for line in open(path):
            t = json.loads(line)
            r = t["result"]
            k = 0 if r in ("OK", "EXPECTEDFAIL") else 2 if r == "SKIP" else 1
            n[k] += 1
            if k == 1:
                failed.append((stage, t))
    else:
        failed.append((stage, {"name": "(no log: %s)" % path}))
    total = [a + b for a, b in zip(total, n)]
    if len(sys.argv) > 2:
        print("tests: %d passed, %d failed, %d skipped (%s)" % (*n, stage))
# a CI reader may see only the last lines: repeat what failed, with the
# end of each failed test's output
for stage, t in failed:
    print("=== FAILED (%s): %s %s" % (stage, t["name"], t.get("result", "")))
    out = (t.get("stdout") or "").splitlines()
    for line in [l for l in out if "not ok" in l or "FAIL" in l][:15]:
        print("    " + line)
    for line in out[-25:]:
        print("  | " + line)
print("tests: %d passed, %d failed, %d skipped" % tuple(total))
PY
exit $rc
