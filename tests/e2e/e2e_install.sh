#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# meson install into a staging directory: where each file lands, and the
# systemd units pass systemd-analyze verify. Then the installed daemon
# with its installed configuration under socket activation, without
# systemd (systemd-socket-activate passes the sockets the same way): it
# serves the sockets it was given, tells systemd it is ready, exits when
# idle with --timeout, leaves systemd's sockets in place, and refuses a
# TCP socket. No testbed, no root.
set -uo pipefail
BUILDDIR=$1
SHOALCTL=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

dir=$(mktemp -d /tmp/shoal-install.XXXXXX)
E2E_DIR=$dir # e2e_finish shows $E2E_DIR/daemon.log
cleanup() {
    local pid
    for pid in "${e2e_bg_pids[@]}"; do
        e2e_stop_background "$pid"
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# skip DESC REASON: a TAP line for a check this machine cannot run
skip() {
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - $1 # SKIP $2"
}

# exited PID: the process is gone or a zombie (kill -0 counts zombies)
exited() {
    [ ! -e "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

# this build's directories, as meson install resolves them
eval "$(meson introspect "$BUILDDIR" --buildoptions | /usr/bin/python3 -c '
import json, os, shlex, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
for k in ("sbindir", "bindir", "sysconfdir", "datadir"):
    print("%s=%s" % (k, shlex.quote(os.path.join(o["prefix"], o[k]))))
print("unitdir=%s" % shlex.quote(o["systemdsystemunitdir"]))
print("prefix=%s" % shlex.quote(o["prefix"]))
')"
if [ -z "$unitdir" ]; then
    unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null) ||
        unitdir=$prefix/lib/systemd/system
    [ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system
fi

root=$dir/root
ok "meson install --destdir" meson install -C "$BUILDDIR" --destdir "$root" --no-rebuild --quiet
daemon=$root$sbindir/virtshoald
conf=$root$sysconfdir/shoal/virtshoald.conf
ok "virtshoald in sbindir" test -x "$daemon"
ok "shoalctl in bindir" test -x "$root$bindir/shoalctl"
ok "the configuration in sysconfdir/shoal" test -f "$conf"
ok "the schemas in datadir" test -f "$root$datadir/shoal/schemas/placement-1.rng"
ok "--version" has '^virtshoald \(Shoal\) [0-9.]+$' "$daemon" --version
ok "the installed configuration is the built-in default" \
    has "\(default $sysconfdir/shoal/virtshoald.conf\)" "$daemon" --help

units=(virtshoald.service virtshoald.socket virtshoald-ro.socket virtshoald-admin.socket)
if [ "$unitdir" = no ]; then
    skip "systemd units" "configured with -Dsystemdsystemunitdir=no"
else
    for u in "${units[@]}"; do
        ok "$u in $unitdir" test -f "$root$unitdir/$u"
    done
    ok "the service runs the installed daemon" \
        grep -qxF "ExecStart=$sbindir/virtshoald \$VIRTSHOALD_ARGS" "$root$unitdir/virtshoald.service"
    ok "the service tells systemd when it is ready" \
        grep -qx 'Type=notify' "$root$unitdir/virtshoald.service"
    ok "the sockets are where libvirt's clients look" eval "
        grep -qx 'ListenStream=/run/libvirt/virtshoald-sock' '$root$unitdir/virtshoald.socket' &&
        grep -qx 'ListenStream=/run/libvirt/virtshoald-sock-ro' '$root$unitdir/virtshoald-ro.socket' &&
        grep -qx 'ListenStream=/run/libvirt/virtshoald-admin-sock' '$root$unitdir/virtshoald-admin.socket'"
    ok "read-write and admin sockets are root's, read-only everyone's" eval "
        grep -qx 'SocketMode=0600' '$root$unitdir/virtshoald.socket' &&
        grep -qx 'SocketMode=0666' '$root$unitdir/virtshoald-ro.socket' &&
        grep -qx 'SocketMode=0600' '$root$unitdir/virtshoald-admin.socket'"
    if command -v systemd-analyze >/dev/null; then
        # verify wants ExecStart= to exist: point it into the staging root
        mkdir -p "$dir/units"
        for u in "${units[@]}"; do
            sed "s|^ExecStart=$sbindir/|ExecStart=$root$sbindir/|" "$root$unitdir/$u" >"$dir/units/$u"
        done
        verify() {
            local out
            out=$(cd "$dir/units" && systemd-analyze verify "${units[@]}" 2>&1) || {
                printf '%s\n' "$out"
                return 1
            }
            # warnings do not fail verify: none is expected either
            [ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
        }
        ok "systemd-analyze verify" verify
    else
        skip "systemd-analyze verify" "no systemd-analyze (package systemd)"
    fi
fi

# Socket activation, as systemd does it: the sockets exist before the
# daemon, which starts on the first connection.
if ! command -v systemd-socket-activate >/dev/null; then
    skip "socket activation" "no systemd-socket-activate (package systemd)"
    e2e_finish
fi
sock=$dir/sock
mkdir -p "$sock" "$dir/state"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").write(s.recv(256).decode())
' "$dir/notify" "$dir/notified" &
e2e_bg_pids+=("$!")
eventually 10 test -S "$dir/notify"
e2e_background systemd-socket-activate \
    -l "$sock/virtshoald-sock" -l "$sock/virtshoald-sock-ro" -l "$sock/virtshoald-admin-sock" \
    --fdname=virtshoald.socket:virtshoald-ro.socket:virtshoald-admin.socket \
    -E NOTIFY_SOCKET="$dir/notify" \
    "$daemon" --config "$conf" --socket-dir "$sock" --state-dir "$dir/state" \
    --timeout 3 --verbose >"$dir/daemon.log" 2>&1
pid=$e2e_bg_pid
ok "the sockets exist before the daemon runs" eventually 10 test -S "$sock/virtshoald-admin-sock"
URI="shoal:///system?socket=$sock/virtshoald-sock"
ok "the first client starts it: list --all" has '^ Id +Name +State' virsh -c "$URI" list --all
# a client connected past the timeout keeps it running
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(5)
' "$sock/virtshoald-sock-ro" &
holder=$!
ok "read-only socket" has "^$(hostname)$" virsh -r -c "shoal:///system?socket=$sock/virtshoald-sock-ro" hostname
ok "admin socket" has '^Hosts: +0$' "$SHOALCTL" --socket "$sock/virtshoald-admin-sock" status
ok "it took systemd's three sockets" \
    eval "[ \$(grep -c \"using socket '$sock/virtshoald-.*' passed by systemd\" '$dir/daemon.log') -eq 3 ]"
ok "READY=1 to NOTIFY_SOCKET" eventually 10 grep -qx 'READY=1' "$dir/notified"
no_tcp() {
    local out
    out=$(ss -Hltnp) || return 1
    ! grep -q "pid=$1," <<<"$out"
}
ok "nothing listens on TCP" no_tcp "$pid"

wait "$holder"
held=$?
ok "a client keeps it running past --timeout" eval "[ $held -eq 0 ] && ! exited $pid"
ok "then it exits when idle" eventually 20 exited "$pid"
e2e_reap_background "$pid"
rc=$?
ok "idle exit is a clean exit" test "$rc" -eq 0
ok "idle exit says why" grep -q 'exiting after 3 seconds without clients' "$dir/daemon.log"
ok "systemd's sockets stay for the next start" eval "
    test -S '$sock/virtshoald-sock' && test -S '$sock/virtshoald-sock-ro' &&
    test -S '$sock/virtshoald-admin-sock'"

# a TCP socket from systemd is refused, not served
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
e2e_background systemd-socket-activate -l "127.0.0.1:$port" \
    "$daemon" --config "$conf" --socket-dir "$dir/sock2" --state-dir "$dir/state" \
    >"$dir/tcp.log" 2>&1
pid=$e2e_bg_pid
poke() { /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port"; }
ok "a TCP socket stops it at start" eval "eventually 10 poke && eventually 10 exited $pid"
e2e_reap_background "$pid"
rc=$?
ok "with a failure" test "$rc" -eq 1
ok "and says why" grep -q 'socket 3 passed by systemd is not a UNIX stream socket with a path' "$dir/tcp.log"

e2e_finish
