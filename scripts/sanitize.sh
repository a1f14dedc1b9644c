#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the unit, integration and fuzz-replay suites twice more, where any
# report is a failure:
#  1. in an ASan + UBSan build (BUILDDIR_ASAN, default build-asan), leaks
#     included (LeakSanitizer; tests/fuzz/lsan.supp lists what is not ours);
#  2. the normal build (BUILDDIR, default build) under valgrind memcheck:
#     invalid accesses, uninitialised values, definite leaks.
# Prints one "tests: N passed, N failed, N skipped" line per stage; exits 1
# if either has a failure. Extra arguments go to both meson test runs.
set -euo pipefail

# meson test --wrap calls us back as the valgrind wrapper of each test:
# GLib's allocator and caches are made visible to memcheck, keeping the
# test's own G_DEBUG (fatal-warnings).
if [ "${1:-}" = --valgrind-wrap ]; then
    shift
    export G_SLICE=always-malloc G_DEBUG=${G_DEBUG:+$G_DEBUG,}gc-friendly
    # only definite leaks count: libvirt's event thread and GLib's
    # one-time allocations show as "possibly lost" / "still reachable"
    exec valgrind --error-exitcode=1 --leak-check=full \
        --show-leak-kinds=definite --errors-for-leak-kinds=definite \
        --num-callers=30 \
        --suppressions="$(dirname "$0")/../tests/fuzz/valgrind.supp" "$@"
fi

cd "$(dirname "$0")/.."
suites=(--suite util --suite driver --suite cluster --suite sched
        --suite integration --suite fuzz-replay)
asandir=${BUILDDIR_ASAN:-build-asan}
builddir=${BUILDDIR:-build}
# meson test names the log of a --wrap run after the wrapper
vglog=$builddir/meson-logs/testlog-valgrind-sanitize.sh.json

summary() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, os, sys
stage, path = sys.argv[1:]
ok = fail = skip = 0
if not os.path.exists(path):
    fail = 1   # the stage did not get as far as running its tests
else:
    for line in open(path):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            ok += 1
        elif r == "SKIP":
            skip += 1
        else:
            fail += 1
print("tests: %d passed, %d failed, %d skipped (%s)" % (ok, fail, skip, stage))
PY
}

rc=0
rm -f "$asandir/meson-logs/testlog.json" "$vglog"

# 1. ASan + UBSan: every report aborts the test
if [ ! -f "$asandir/build.ninja" ]; then
    meson setup "$asandir" -Dtests=true -Db_sanitize=address,undefined \
        -Db_lundef=false
fi
if ninja -C "$asandir"; then
    ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0 \
        meson test -C "$asandir" --no-rebuild --print-errorlogs \
        --num-processes 2 "${suites[@]}" "$@" || rc=1
else
    rc=1
fi
summary asan+ubsan "$asandir/meson-logs/testlog.json"

# 2. valgrind memcheck on the normal build (the suites take ~1 min there)
if BUILDDIR=$builddir scripts/build.sh; then
    timeout "${SANITIZE_VALGRIND_TIMEOUT:-900}" \
        meson test -C "$builddir" --no-rebuild --print-errorlogs \
        --num-processes 2 --timeout-multiplier 10 \
        --logbase testlog-valgrind \
        --wrap="$PWD/scripts/sanitize.sh --valgrind-wrap" \
        "${suites[@]}" "$@" || rc=1
else
    rc=1
fi
summary valgrind "$vglog"
exit $rc
