#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Issue 6: long fuzzing. Runs each libFuzzer target of tests/fuzz/ for an
# hour (--time), --jobs at a time (default: one per CPU, so three targets
# take two hours on two CPUs), through tests/fuzz/fuzz.sh, and keeps what
# it finds under OUT (--out, default build-fuzz/fuzz-long):
#
#   OUT/<target>/corpus    the new inputs; the next run starts from them
#   OUT/<target>/crashes   crashing inputs: crash-*, leak-*, timeout-*, oom-*
#   OUT/<target>/log       libFuzzer's output, the sanitizer report included
#
# It prints per target: status, runs, exec/s, coverage (cov: edges of
# Shoal's code reached; ft: features, finer), corpus size, crashes.
#
# Usage: bench/fuzz_long.sh [--time SECONDS] [--jobs N] [--out DIR] [TARGET...]
#
# Exit status: 0 no crash; 1 a target crashed (FAIL) or a signal stopped
# it early (STOP); 2 set-up failed (no clang with libFuzzer: apt-get
# install clang libclang-rt-14-dev; or the build failed).
# A crash is a bug: keep its input in tests/fuzz/corpus/<name>/, where
# the fuzz-replay tests run it in every build.
set -uo pipefail
cd "$(dirname "$0")/.."

time=3600
args=()
out=${BUILDDIR_FUZZ:-build-fuzz}/fuzz-long
while [ $# -gt 0 ]; do
    case $1 in
    --time) time=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) args+=(--jobs "$2"); shift 2 ;;
    -h|--help) sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
    esac
done

echo "fuzz_long: ${time} s per target from $(date '+%F %T'); output in $out"
rc=0
tests/fuzz/fuzz.sh --time "$time" --out "$out" "${args[@]}" || rc=$?
echo "fuzz_long: done at $(date '+%F %T')"
[ $rc -le 1 ] || rc=2   # 77: no libFuzzer; 2: the build failed
echo "To keep new inputs that add coverage (minimized; commit only a few" \
    "small ones): ${BUILDDIR_FUZZ:-build-fuzz}/tests/fuzz/TARGET -merge=1" \
    "tests/fuzz/corpus/NAME $out/TARGET/corpus"
exit $rc
