#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the fuzz targets with clang and libFuzzer (ASan + UBSan, every
# library instrumented for coverage) and runs each for a bounded time,
# from its committed corpus and seeds (the inputs of its fuzz-replay test).
#
# Usage: tests/fuzz/fuzz.sh [--time SECONDS] [--jobs N] [--out DIR] [TARGET...]
#   --time   per target (default 30)
#   --jobs   targets run at once (default: the number of CPUs)
#   --out    where each target's new corpus entries, crashes and log go
#            (default build-fuzz/fuzz-out; BUILDDIR_FUZZ picks the build)
#   TARGET   fuzz_packet, fuzz_snapshot, fuzz_metadata (default: all)
#
# Exits 0 if no target crashed, 1 if one did, 2 if the build failed, 77
# (skip) if clang cannot link libFuzzer (Debian: clang libclang-rt-14-dev).
# OUT/testlog.json gets one line per target in meson's testlog format
# (name, result OK, FAIL or SKIP), for scripts/test.sh's summary.
set -euo pipefail
cd "$(dirname "$0")/../.."

time=30
jobs=$(nproc)
builddir=${BUILDDIR_FUZZ:-build-fuzz}
out=
targets=()
while [ $# -gt 0 ]; do
    case $1 in
    --time) time=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -*) sed -n '8,13s/^# //p' "$0" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
    esac
done
out=${out:-$builddir/fuzz-out}
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_packet fuzz_snapshot fuzz_metadata)

testlog() {
    printf '{"name": "%s", "result": "%s"}\n' "$1" "$2" >>"$out/testlog.json"
}
mkdir -p "$out"
rm -f "$out/testlog.json"

# libFuzzer comes with clang's runtime libraries, packaged apart on Debian
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/probe.c" <<'C'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return 0; }
C
if ! clang -fsanitize=fuzzer,address,undefined "$tmp/probe.c" \
    -o "$tmp/probe" 2>"$tmp/err"; then
    echo "fuzz: skipped: clang cannot link libFuzzer ($(head -1 "$tmp/err"))" >&2
    for t in "${targets[@]}"; do
        testlog "$t" SKIP
    done
    exit 77
fi

if [ ! -f "$builddir/build.ninja" ]; then
    CC=clang meson setup "$builddir" -Dfuzzing=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link >"$tmp/setup.log" ||
        { cat "$tmp/setup.log" >&2; testlog setup FAIL; exit 2; }
fi
meson compile -C "$builddir" "${targets[@]}" >"$tmp/build.log" ||
    { tail -40 "$tmp/build.log" >&2; testlog build FAIL; exit 2; }

# The inputs of each target: those of its fuzz-replay test.
inputs() {
    meson introspect "$builddir" --tests | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"] == sys.argv[1] and "shoal:fuzz-replay" in t["suite"]:
        print("\n".join(a for a in t["cmd"][1:] if not a.startswith("-")))
' "$1"
}

# stacks with file and line (llvm-14 has the symbolizer, not on PATH)
symbolizer=$(command -v llvm-symbolizer ||
    ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -1 || true)
ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
ASAN_OPTIONS+=:detect_leaks=1${symbolizer:+:external_symbolizer_path=$symbolizer}
export ASAN_OPTIONS
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0
export G_DEBUG=fatal-warnings LC_ALL=C

run() {
    local t=$1 dir=$out/$1 extra=() seeds
    mkdir -p "$dir/corpus" "$dir/crashes"
    # packets with long strings and arrays need room; the others start
    # from seeds of several KiB, which set libFuzzer's default
    [ "$t" != fuzz_packet ] || extra=(-max_len=4096)
    mapfile -t seeds < <(inputs "$t")
    "$builddir/tests/fuzz/$t" -max_total_time="$time" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" \
        -artifact_prefix="$dir/crashes/" "$dir/corpus" "${seeds[@]}" \
        >"$dir/log" 2>&1
}

# new corpus entries accumulate from run to run; crashes and logs do not
for t in "${targets[@]}"; do
    rm -rf "${out:?}/$t/crashes" "$out/$t/log"
done
pids=()
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run "$t" &
    pids+=($!)
done
status=()
for i in "${!targets[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    status+=($rc)
done

failed=0
row='%-14s %6s %10s %7s %7s %7s %6s %s\n'
# shellcheck disable=SC2059
printf "$row" target status runs exec/s cov ft corpus crashes
for i in "${!targets[@]}"; do
    t=${targets[$i]}
    dir=$out/$t
    line=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$dir/log" | tail -1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$line")
    corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$line")
    runs=$(sed -nE 's/^stat::number_of_executed_units: *//p' "$dir/log")
    eps=$(sed -nE 's/^stat::average_exec_per_sec: *//p' "$dir/log")
    crashes=$(find "$dir/crashes" -type f | wc -l)
    state=ok
    if [ "$crashes" -gt 0 ] || [ "${status[$i]}" -ne 0 ]; then
        state=FAIL
        # libFuzzer's exit status when a signal stopped it: no finding
        [ "$crashes" -gt 0 ] || [ "${status[$i]}" -ne 72 ] || state=STOP
        failed=$((failed + 1))
    fi
    testlog "$t" "$([ $state = ok ] && echo OK || echo FAIL)"
    # shellcheck disable=SC2059
    printf "$row" "$t" "$state" "${runs:-?}" "${eps:-?}" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "$crashes"
done
for i in "${!targets[@]}"; do
    t=${targets[$i]}
    if [ "${status[$i]}" -eq 72 ] && [ -z "$(ls -A "$out/$t/crashes")" ]; then
        echo "--- $t: stopped by a signal before its time, no crash;" \
            "log $out/$t/log" >&2
    elif [ "${status[$i]}" -ne 0 ] || [ -n "$(ls -A "$out/$t/crashes")" ]; then
        echo "--- $t: exit status ${status[$i]}; log $out/$t/log" >&2
        grep -E -A30 '==ERROR|runtime error|ERROR:|Test unit written' \
            "$out/$t/log" | head -60 >&2 || tail -30 "$out/$t/log" >&2
        echo "Reproduce: $builddir/tests/fuzz/$t $out/$t/crashes/FILE; keep" \
            "the input as a regression seed in tests/fuzz/corpus/${t#fuzz_}/" >&2
    fi
done
echo "fuzz: ${#targets[@]} targets, ${time} s each, $failed failed;" \
    "new inputs in $out/*/corpus"
[ $failed -eq 0 ]
