#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: stress and faults. 64 concurrent clients (python3-libvirt
# readers on both sockets, one owner per domain suspending, resuming and
# changing its configured memory, metadata writers reading their writes
# back, event clients registering and deregistering, processes that exit
# or are killed without closing, raw sockets sending half packets and
# garbage, virsh, one client that registers for events and stops reading)
# against 8 idle guests defined through Shoal on the 3-host testbed, while
# member libvirtds are killed and restarted (e2e_stress.py runs a round).
# No unexpected error: a call may fail only on a domain whose host is down,
# naming that host. The daemon never blocks: virsh list answers within 10 s
# every second, every client finishes. A listener sees every suspend on
# the host never killed. Afterwards the daemon's open files are back to
# their level after a warm-up round of the same workload, its RSS grew by
# less than 10 MiB, and the state reconciles: each domain listed once with
# its host's state, defined on one host, stored with that host's
# definition (changes to a host's domains stop at its last kill, so a
# change the kill cut short stays visible), every metadata key holding the
# value last written. Also: bursts of non-blocking connects are queued,
# as libvirtd queues them. A host restarted late in a round may still be
# coming back at its end: the end check waits for it (bounded), and each
# restart reports Shoal's reconnect time (from its libvirtd answering to
# Shoal answering for its domains again).
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

NDOMS=8
WARMUP_S=20
MAIN_S=60
# Growth in RSS allowed from after the warm-up to after the main round. The
# warm-up takes the heap to its working size (glibc keeps freed memory, so
# RSS does not fall back; later rounds add under 1 MiB). The main round
# makes about 100 000 calls on 2 cores: a leak of 100 bytes a call adds
# 10 MiB, and so do 5000 event registrations or connections leaking 2 KiB.
RSS_SLACK_KIB=$((10 * 1024))
FD_SLACK=2

e2e_start 3 ''
v() { timeout 60 virsh -c "$URI" "$@"; }
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
py() { /usr/bin/python3 "$here/e2e_stress.py" "$@"; }
stats() { py proc-stats "$e2e_daemon_pid"; }
# settled_fds: the number of the daemon's open files once it is the same
# 2 s apart (up to 30 s)
settled_fds() {
    local a b t
    for ((t = 0; t < 15; t++)); do
        a=$(stats | cut -d' ' -f2)
        sleep 2
        b=$(stats | cut -d' ' -f2)
        [ "$a" = "$b" ] && break
    done
    echo "$b"
}

online() { ctl status --json | grep '"hosts_online": 3,' >/dev/null; }
ok "the 3 hosts are online" eventually 60 online

# --- 8 idle guests, defined and started through Shoal (so it stores them).
# No VNC: each host's libvirtd picks ports on its own, and two hosts (or
# another test's) can pick the same one.
define_all() {
    local i name
    for ((i = 1; i <= NDOMS; i++)); do
        name=st$i
        "$E2E_TESTBED" guest-xml "$name" idle --dir "$E2E_DIR/tb" |
            sed '/<graphics /d' >"$E2E_DIR/$name.xml" &&
            v define "$E2E_DIR/$name.xml" >/dev/null && v start "$name" >/dev/null || return 1
    done
}
ok "define and start $NDOMS guests through Shoal" define_all
running_all() { [ "$(v list --state-running --name | grep -c .)" -eq $NDOMS ]; }
ok "all $NDOMS run" eventually 30 running_all
spread() {
    local h n
    for h in h1 h2 h3; do
        n=$(virsh -c "$(e2e_host_uri "$h")" list --name | grep -c .)
        [ "$n" -ge 2 ] || { echo "$h runs $n guests"; return 1; }
    done
}
ok "placement spread them over the 3 hosts" spread

# An event-driven client connects without blocking: a full listen queue
# refuses it (EAGAIN) where a blocking connect would wait. libvirtd queues
# up to 1000 (max_queued_clients); three bursts of 64, none refused.
bursts() { py burst "$E2E_DIR/sock/virtshoald-sock" 64 && py burst "$E2E_DIR/sock/virtshoald-sock" 64 &&
    py burst "$E2E_DIR/sock/virtshoald-sock" 64; }
ok "64 non-blocking connects at once are queued, none refused" bursts

# round NAME SECONDS SCHEDULE: one round; its results in $E2E_DIR/NAME.json
round() {
    local start=$SECONDS rc
    py round "$URI" "$URI_RO" "$E2E_DIR/$1.json" "$2" "$3" "$E2E_TESTBED" "$E2E_DIR/tb" \
        >"$E2E_DIR/$1.out" 2>&1
    rc=$?
    sed 's/^# //; s/^/# '"$1"': /' "$E2E_DIR/$1.out"
    echo "# $1: $((SECONDS - start)) s"
    return $rc
}
verdict() { py verdict "$E2E_DIR/$1.json" "$2"; }

# --- warm-up: the same workload, h2 killed and restarted ------------------
round warmup $WARMUP_S '5:kill:h2,11:start:h2'
warm_rc=$?
ok "warm-up round: no unexpected error" verdict warmup errors
ok "warm-up round: every client finished in time" verdict warmup clients
back_all() {
    running_all && [ "$(v list --all --name | grep -c .)" -eq $NDOMS ] && return 0
    local h d
    v list --all
    for h in h1 h2 h3; do
        for d in $(virsh -c "$(e2e_host_uri "$h")" list --all --name); do
            echo "$h: $d: $(virsh -c "$(e2e_host_uri "$h")" domstate --reason "$d")"
        done
    done
    return 1
}
ok "after the warm-up every domain runs again" eventually 60 back_all
base_fds=$(settled_fds)
read -r base_rss _ < <(stats)
echo "# after the warm-up: RSS $base_rss KiB, $base_fds open files"

# --- the main round: h2, then h3, then both down ------------------------
round main $MAIN_S '10:kill:h2,20:start:h2,30:kill:h3,35:kill:h2,42:start:h3,46:start:h2'
ok "main round: 64 clients, no unexpected error" verdict main errors
ok "main round: every client finished in time (none blocked)" verdict main clients
listed() { verdict warmup listing && verdict main listing; }
ok "both rounds: a down host's domains stayed listed and could be looked up" listed
ok "main round: virsh list answered within 10 s every second throughout" \
    verdict main watchdog
ok "main round: calls on h2's and h3's domains failed (naming the host) while they were down" \
    verdict main expected
ok "main round: the listener saw every suspend of h1's domains" verdict main events
ok "main round: the event clients' callbacks ran" verdict main callbacks

# --- afterwards: resources and state --------------------------------------
ok "every domain runs again" eventually 60 back_all
fds_back() {
    local n
    n=$(settled_fds)
    [ "$n" -le $((base_fds + FD_SLACK)) ] || { echo "$n open files, $base_fds after the warm-up"; return 1; }
}
ok "open files back to the warm-up's level ($base_fds, slack $FD_SLACK)" fds_back
read -r rss fds < <(stats)
echo "# after the main round: RSS $rss KiB (+$((rss - base_rss))), $fds open files (warm-up: $base_fds)"
ok "RSS grew by less than $((RSS_SLACK_KIB / 1024)) MiB over the warm-up's ($base_rss -> $rss KiB)" \
    test $((rss - base_rss)) -lt $RSS_SLACK_KIB
ok "state reconciles: listing, hosts, store, metadata" \
    py reconcile "$URI" "$E2E_DIR/tb/hosts.conf" "$E2E_DIR/state" $NDOMS \
    "$E2E_DIR/warmup.json" "$E2E_DIR/main.json"
counts() {
    local status hl h n got
    status=$(ctl status --json) || return 1
    grep -q "\"domains\": $NDOMS," <<<"$status" &&
        grep -q "\"running\": $NDOMS," <<<"$status" &&
        grep -q '"hosts_online": 3,' <<<"$status" || { echo "$status"; return 1; }
    hl=$(ctl host list) || return 1
    for h in h1 h2 h3; do
        n=$(virsh -c "$(e2e_host_uri "$h")" list --all --name | grep -c .)
        got=$(awk -v h="$h" '$1 == h { print $4 }' <<<"$hl")
        [ "$got" = "$n" ] || { echo "$h: host list says $got domains, its libvirtd $n"; echo "$hl"; return 1; }
    done
}
ok "shoalctl status and host list agree with the hosts" eventually 30 counts
ok "the daemon is still running" kill -0 "$e2e_daemon_pid"
ok "the daemon logged no critical message" eval "! grep -E 'CRITICAL' '$E2E_DIR/daemon.log'"
[ $warm_rc -eq 0 ] || echo "# (the warm-up round had unexpected errors)"
# what the rounds saw, for a failure's post-mortem
if [ "$e2e_failed" -gt 0 ] && [ -n "${E2E_ARTIFACT_DIR:-}" ]; then
    for f in warmup.json main.json warmup.out main.out; do
        cp "$E2E_DIR/$f" "$E2E_ARTIFACT_DIR/e2e_stress-$f" 2>/dev/null
    done
    echo "# round results: $E2E_ARTIFACT_DIR/e2e_stress-{warmup,main}.{json,out}"
fi

e2e_finish
