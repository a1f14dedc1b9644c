#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# prometheus-libvirt-exporter with --libvirt.uri on the cluster exports
# the metrics of every domain of every host (issue 11, part 6). The
# exporter listens on 127.0.0.1 only. Skips if it is not installed.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"
exporter=$(command -v prometheus-libvirt-exporter) || {
    echo "1..0 # SKIP prometheus-libvirt-exporter is not installed"
    exit 0
}

e2e_start 2 'h1:pm-a,pm-off@off;h2:pm-b,pm-c'
v() { virsh -c "$URI" "$@"; }
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq "$1" ]; }
ok "the cluster lists the 4 domains of 2 hosts" eventually 120 count_all 4

# a free port on loopback, chosen by the kernel
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
e2e_background "$exporter" --web.listen-address="127.0.0.1:$port" \
    --libvirt.uri="$URI" >"$E2E_DIR/exporter.log" 2>&1
metrics() { curl -sf --max-time 30 "http://127.0.0.1:$port/metrics" >"$E2E_DIR/metrics.txt"; }
ok "the exporter answers on 127.0.0.1" eventually 60 metrics
# domain NAME: the exporter has NAME's vCPU count and state
domain() {
    grep -E "^libvirt_domain_info_virtual_cpus\{domain=\"$1\"" "$E2E_DIR/metrics.txt" &&
        grep -E "^libvirt_domain_state_code\{domain=\"$1\"" "$E2E_DIR/metrics.txt"
}
ok "it reaches the cluster (libvirt_up 1)" grep -x 'libvirt_up 1' "$E2E_DIR/metrics.txt"
ok "a domain of h1 has its metrics" domain pm-a
ok "both domains of h2 have theirs" sh -c "$(declare -f domain); E2E_DIR='$E2E_DIR'; domain pm-b && domain pm-c"
# the exporter lists active domains only, as against a single libvirtd
ok "it counts the cluster's 3 running domains" grep -x 'libvirt_domains_number 3' "$E2E_DIR/metrics.txt"
ok "the shut-off domain has no metrics" sh -c "! grep 'domain=\"pm-off\"' '$E2E_DIR/metrics.txt'"
ok "a running domain's CPU time is exported" \
    grep -E '^libvirt_domain_info_cpu_time_seconds_total\{domain="pm-b"' "$E2E_DIR/metrics.txt"
if [ -n "${E2E_ARTIFACT_DIR:-}" ]; then
    cp "$E2E_DIR/metrics.txt" "$E2E_ARTIFACT_DIR/e2e_prometheus-metrics.txt" 2>/dev/null
fi
e2e_finish
