#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Shoal's main job on a local default: three member hosts (real libvirtd +
# QEMU, each in its own namespaces on 127.0.0.11-13) with a few small VMs,
# virtshoald serving them at shoal:///system.
#
#   scripts/demo.sh          install, build, start everything, show the VMs
#   scripts/demo.sh stop     stop virtshoald and the testbed
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: the testbed starts libvirtd" >&2; exit 1; }

testbed=tests/testbed/testbed
dir=/var/tmp/shoal-testbed
pidfile=/run/virtshoald.pid

stop() {
    if [ -f "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
        for _ in $(seq 50); do [ -f "$pidfile" ] || break; sleep 0.1; done
    fi
    "$testbed" down --dir "$dir"
}

if [ "${1:-}" = stop ]; then
    stop
    exit 0
fi

scripts/install-deps.sh
scripts/build.sh
stop
"$testbed" up 3 --dir "$dir" --guests 'h1:web1,hog1,db1@off;h2:web2;h3:web3'
./build/src/virtshoald --daemon --config "$dir/virtshoald.conf" \
    --pid-file "$pidfile" --state-dir /var/lib/shoal

# the daemon connects to its hosts in the background: wait for all VMs
for _ in $(seq 100); do
    n=$(virsh -q -c shoal:///system list --all 2>/dev/null | grep -c . || true)
    [ "$n" -ge 5 ] && break
    sleep 0.2
done

echo
echo "\$ virsh -c shoal:///system list --all"
virsh -c shoal:///system list --all
cat <<'MSG'
Every VM of the three hosts, through one URI. Go on with, for example:
  virsh -c shoal:///system dominfo web1
  virsh -c shoal:///system domstats --cpu-total
  virsh -c shoal:///system nodeinfo
  virt-manager --connect shoal:///system
  tests/testbed/testbed status          (the member hosts themselves)
Stop everything with: scripts/demo.sh stop
MSG
