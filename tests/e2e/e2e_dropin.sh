#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Drop-in mode ([driver] dropin = true): virtshoald also serves the QEMU
# driver's sockets (virtqemud-sock, libvirt-sock and their -ro) in its
# socket directory and the name qemu:///system; it refuses to start where
# a local QEMU daemon answers on them. Its member host is libvirt's test
# driver (no testbed); sockets in a private directory, and qemu:///system
# without ?socket= reached in a private mount namespace whose /run/libvirt
# is that directory (root), never this machine's real one.
set -uo pipefail
E2E_VIRTSHOALD=$1
here=$(dirname "$0")
. "$here/e2e_lib.sh"

E2E_DIR=$(mktemp -d /tmp/shoal-dropin.XXXXXX)
cleanup() {
    local pid
    for pid in "${e2e_bg_pids[@]}"; do
        e2e_stop_background "$pid"
    done
    rm -rf "$E2E_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
printf '[driver]\ndropin = true\n' >"$E2E_DIR/dropin.conf"
: >"$E2E_DIR/plain.conf"

# start CONF DIR: virtshoald with CONF on DIR's sockets, the test driver
# as its host; sets $daemon
start() {
    mkdir -p "$2"
    e2e_background "$E2E_VIRTSHOALD" --config "$1" --socket-dir "$2" \
        --state-dir "$E2E_DIR/state-$(basename "$2")" --host default=test:///default \
        --verbose >>"$E2E_DIR/daemon.log" 2>&1
    daemon=$e2e_bg_pid
    eventually 20 test -S "$2/virtshoald-admin-sock"
}

qemu() { virsh -c "qemu+unix:///system?socket=$E2E_DIR/on/virtqemud-sock" "$@"; }
mono() { virsh -c "qemu+unix:///system?socket=$E2E_DIR/on/libvirt-sock" "$@"; }
qemu_ro() { virsh -r -c "qemu+unix:///system?socket=$E2E_DIR/on/virtqemud-sock-ro" "$@"; }

start "$E2E_DIR/dropin.conf" "$E2E_DIR/on"
ok "drop-in mode listens on the QEMU driver's four sockets" \
    test -S "$E2E_DIR/on/virtqemud-sock" -a -S "$E2E_DIR/on/virtqemud-sock-ro" \
    -a -S "$E2E_DIR/on/libvirt-sock" -a -S "$E2E_DIR/on/libvirt-sock-ro"
ok "virsh -c qemu:///system (virtqemud-sock) lists the cluster's domains" \
    eventually 30 lists test qemu
ok "virsh -c qemu:///system (libvirt-sock, monolithic) lists them too" lists test mono
ok "the read-only socket lists them" lists test qemu_ro
ok "the read-only socket refuses a change" fails "read only|read-only" qemu_ro suspend test
ok "a qemu:///system client is told the type QEMU" \
    has '^QEMU$' /usr/bin/python3 -c "import libvirt, sys; print(libvirt.open(sys.argv[1]).getType())" \
    "qemu+unix:///system?socket=$E2E_DIR/on/virtqemud-sock"
ok "shoal:///system on the same daemon stays Shoal" \
    has '^Shoal$' /usr/bin/python3 -c "import libvirt, sys; print(libvirt.open(sys.argv[1]).getType())" \
    "shoal+unix:///system?socket=$E2E_DIR/on/virtshoald-sock"
ok "a change through qemu:///system reaches the cluster" \
    has 'paused' sh -c "virsh -c 'qemu+unix:///system?socket=$E2E_DIR/on/virtqemud-sock' suspend test &&
        virsh -c 'shoal+unix:///system?socket=$E2E_DIR/on/virtshoald-sock' domstate test"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    # a private /run (tmpfs) whose libvirt directory is the daemon's
    ok "plain qemu:///system (no ?socket=) reaches the cluster where /run/libvirt is its socket directory" \
        has '^test$' unshare -m sh -c "mount --make-rprivate / && mount -t tmpfs tmpfs /run &&
            mkdir /run/libvirt && mount --bind '$E2E_DIR/on' /run/libvirt &&
            virsh -c qemu:///system list --all --name"
else
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n # SKIP plain qemu:///system needs root and mount namespaces"
fi

# a rival: something answers on virtqemud-sock of another directory
mkdir -p "$E2E_DIR/taken"
e2e_background /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
while True: time.sleep(1)' "$E2E_DIR/taken/virtqemud-sock"
rival=$e2e_bg_pid
eventually 10 test -S "$E2E_DIR/taken/virtqemud-sock"
refused() {
    local out rc
    out=$(timeout 60 "$E2E_VIRTSHOALD" --config "$E2E_DIR/dropin.conf" \
        --socket-dir "$E2E_DIR/taken" --state-dir "$E2E_DIR/state-taken" \
        --host default=test:///default 2>&1)
    rc=$?
    printf '%s\n' "$out"
    [ $rc != 0 ] && [ $rc != 124 ] &&
        grep -F "a local QEMU daemon answers on '$E2E_DIR/taken/virtqemud-sock'" <<<"$out"
}
ok "drop-in mode refuses to start where a local QEMU daemon answers" refused
ok "and leaves that daemon's socket and takes none of its own" \
    sh -c "test -S '$E2E_DIR/taken/virtqemud-sock' && ! test -e '$E2E_DIR/taken/virtshoald-sock' &&
        ! test -e '$E2E_DIR/taken/libvirt-sock'"
e2e_stop_background "$rival"

ok "stopping the daemon removes the drop-in sockets" \
    sh -c "kill -INT $daemon; for i in \$(seq 100); do kill -0 $daemon 2>/dev/null || break; sleep 0.1; done
        ! test -e '$E2E_DIR/on/virtqemud-sock' && ! test -e '$E2E_DIR/on/libvirt-sock-ro'"
e2e_stop_background "$daemon"

# under systemd the socket units pass the drop-in sockets: ours, not a rival's
mkdir -p "$E2E_DIR/act"
e2e_background systemd-socket-activate \
    -l "$E2E_DIR/act/virtshoald-sock" -l "$E2E_DIR/act/virtshoald-sock-ro" \
    -l "$E2E_DIR/act/virtqemud-sock" -l "$E2E_DIR/act/virtqemud-sock-ro" \
    -l "$E2E_DIR/act/libvirt-sock" -l "$E2E_DIR/act/libvirt-sock-ro" \
    "$E2E_VIRTSHOALD" --config "$E2E_DIR/dropin.conf" --socket-dir "$E2E_DIR/act" \
    --state-dir "$E2E_DIR/state-act" --host default=test:///default --verbose \
    >>"$E2E_DIR/daemon.log" 2>&1
activated=$e2e_bg_pid
act() { virsh -c "qemu+unix:///system?socket=$E2E_DIR/act/virtqemud-sock" "$@"; }
act_ro() { virsh -r -c "qemu+unix:///system?socket=$E2E_DIR/act/libvirt-sock-ro" "$@"; }
ok "socket-activated with the drop-in sockets: qemu:///system lists the cluster" \
    eventually 30 lists test act
ok "a passed read-only drop-in socket stays read-only" fails "read only|read-only" act_ro suspend test
e2e_stop_background "$activated"

start "$E2E_DIR/plain.conf" "$E2E_DIR/off"
ok "off by default: no QEMU driver sockets" \
    sh -c "! test -e '$E2E_DIR/off/virtqemud-sock' && ! test -e '$E2E_DIR/off/libvirt-sock'"
ok "off by default: qemu:///system is refused on Shoal's socket" \
    fails "no connection driver available for qemu:///system" \
    virsh -c "qemu+unix:///system?socket=$E2E_DIR/off/virtshoald-sock" list
e2e_stop_background "$daemon"
e2e_finish
