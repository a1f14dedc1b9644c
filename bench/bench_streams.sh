#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# By hand: what the stream relay costs. On a one-host testbed, N virsh
# screenshots (a VGA text screen, PNG from QEMU 7.2) through virtshoald and
# on the host directly: wall clock per call (virsh's connect included),
# median of N.
#
# Usage: TESTBED_NET=127.0.X bench/bench_streams.sh BUILDDIR [N]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
n=${2:-20}
. "$root/tests/e2e/e2e_lib.sh"
e2e_args "$build/src/virtshoald" "$root/tests/testbed/testbed"
e2e_start 1 'h1:bench-shot'
HOST=$(e2e_host_uri h1)
listed() { has '^bench-shot$' virsh -q -c "$URI" list --name; }
eventually 120 listed || { echo "the guest was not listed" >&2; exit 1; }

# median_ms URI: N screenshots, the median wall-clock time in ms
median_ms() {
    local i t0 t1
    for ((i = 0; i < n; i++)); do
        t0=$(date +%s%N)
        virsh -q -c "$1" screenshot bench-shot "$E2E_DIR/shot.img" >/dev/null || return 1
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000000))
    done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
echo "virsh screenshot, median of $n:"
echo "  through virtshoald: $(median_ms "$URI") ms"
echo "  on the host:        $(median_ms "$HOST") ms"
echo "  image size: $(stat -c %s "$E2E_DIR/shot.img") bytes"
e2e_finish
