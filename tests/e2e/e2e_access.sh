#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Who may use which socket: root and the access group the read-write and
# admin sockets, everyone the read-only one. First through the sockets'
# permissions, then past them (sockets from systemd-socket-activate made
# 0666) through the daemon's own SO_PEERCRED check. Users 'nobody'
# (in group 'nogroup') and 'daemon' (not in it) stand for other users.
# Root, no testbed.
set -uo pipefail
E2E_VIRTSHOALD=$1
SHOALCTL=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP needs root: runs clients as other users"
    exit 0
fi
if ! getent passwd nobody daemon >/dev/null || ! getent group nogroup >/dev/null ||
    [ "$(id -gn nobody)" != nogroup ] || id -Gn daemon | grep -w nogroup >/dev/null; then
    echo "1..0 # SKIP needs users nobody (group nogroup) and daemon (not in it)"
    exit 0
fi

E2E_DIR=$(mktemp -d /tmp/shoal-access.XXXXXX)
cleanup() {
    local pid
    for pid in "${e2e_bg_pids[@]}"; do
        e2e_stop_background "$pid"
    done
    rm -rf "$E2E_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 755 "$E2E_DIR"
: >"$E2E_DIR/empty.conf"

# as USER [--regid GROUP] COMMAND...: run it as USER with USER's groups, or
# with GROUP as its only group
as() {
    local user=$1 groups=(--init-groups) gid
    shift
    if [ "$user" = root ]; then
        "$@"
        return
    fi
    gid=$(id -g "$user")
    if [ "$1" = --regid ]; then
        gid=$(getent group "$2" | cut -d: -f3)
        groups=(--clear-groups)
        shift 2
    fi
    mkdir -p "$E2E_DIR/home-$user"
    chown "$user" "$E2E_DIR/home-$user"
    setpriv --reuid="$user" --regid="$gid" "${groups[@]}" \
        env HOME="$E2E_DIR/home-$user" XDG_CACHE_HOME="$E2E_DIR/home-$user/.cache" \
        XDG_CONFIG_HOME="$E2E_DIR/home-$user/.config" XDG_RUNTIME_DIR="$E2E_DIR/home-$user" \
        "$@"
}

# start DIR [OPTION...]: virtshoald on DIR's sockets
start() {
    local sock=$1
    shift
    mkdir -p "$sock"
    e2e_background "$E2E_VIRTSHOALD" --config "$E2E_DIR/empty.conf" --socket-dir "$sock" \
        --state-dir "$E2E_DIR/state" --verbose "$@" >>"$E2E_DIR/daemon.log" 2>&1
    eventually 10 test -S "$sock/virtshoald-admin-sock"
}

# activated DIR [OPTION...]: the same, its sockets made by
# systemd-socket-activate, then opened to everyone
activated() {
    local sock=$1
    shift
    mkdir -p "$sock"
    e2e_background systemd-socket-activate \
        -l "$sock/virtshoald-sock" -l "$sock/virtshoald-sock-ro" -l "$sock/virtshoald-admin-sock" \
        "$E2E_VIRTSHOALD" --config "$E2E_DIR/empty.conf" --socket-dir "$sock" \
        --state-dir "$E2E_DIR/state" --verbose "$@" >>"$E2E_DIR/daemon.log" 2>&1
    eventually 10 test -S "$sock/virtshoald-admin-sock"
    chmod 666 "$sock"/virtshoald-*sock*
}

# rw|ro|admin USER [--regid GROUP] DIR: list --all, or shoalctl status
rw() { as "${@:1:$#-1}" virsh -c "shoal:///system?socket=${*: -1}/virtshoald-sock" list --all; }
ro() { as "${@:1:$#-1}" virsh -r -c "shoal:///system?socket=${*: -1}/virtshoald-sock-ro" list --all; }
admin() { as "${@:1:$#-1}" "$SHOALCTL" --socket "${*: -1}/virtshoald-admin-sock" status; }
mode() { stat -c '%a %G' "$1"; }

# The daemon's own sockets, with an access group
s=$E2E_DIR/group
start "$s" --access-group nogroup
ok "read-write socket: 0660, the access group" has '^660 nogroup$' mode "$s/virtshoald-sock"
ok "admin socket: 0660, the access group" has '^660 nogroup$' mode "$s/virtshoald-admin-sock"
ok "read-only socket: 0666" has '^666 ' mode "$s/virtshoald-sock-ro"
ok "root: read-write" has '^ Id +Name' rw root "$s"
ok "group member: read-write" has '^ Id +Name' rw nobody "$s"
ok "group member: admin" has '^Hosts: +0$' admin nobody "$s"
ok "other user: read-only" has '^ Id +Name' ro daemon "$s"
ok "other user: no read-write" fails 'Permission denied' rw daemon "$s"
ok "other user: no admin" fails 'Permission denied' admin daemon "$s"

# Without a group
s=$E2E_DIR/root
start "$s"
ok "no group: read-write socket 0600" has '^600 ' mode "$s/virtshoald-sock"
ok "no group: admin socket 0600" has '^600 ' mode "$s/virtshoald-admin-sock"
ok "no group: only root" fails 'Permission denied' rw nobody "$s"

# Past the permissions: the daemon checks the peer itself
if ! command -v systemd-socket-activate >/dev/null; then
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - past the permissions # SKIP no systemd-socket-activate (package systemd)"
    e2e_finish
fi
s=$E2E_DIR/open
activated "$s" --access-group nogroup
ok "sockets opened to everyone: 0666" has '^666 ' mode "$s/virtshoald-sock"
ok "group member, by the user database: read-write" has '^ Id +Name' rw nobody "$s"
ok "group member, by the process's group: read-write" has '^ Id +Name' rw daemon --regid nogroup "$s"
ok "other user: read-only" has '^ Id +Name' ro daemon "$s"
ok "other user: read-write refused with a reason" \
    fails "error: failed to connect to the hypervisor.*access denied: only root and group 'nogroup' may use the read-write socket" \
    eval 'rw daemon "$s" 2>&1 | tr "\n" " "; exit ${PIPESTATUS[0]}'
# closing at once killed virsh with SIGPIPE now and then, silently
refused_always() {
    local i out
    for ((i = 0; i < 100; i++)); do
        out=$(rw daemon "$s" 2>&1) && { echo "run $i: accepted"; return 1; }
        grep -q 'access denied' <<<"$out" || { echo "run $i: [$out], status $?"; return 1; }
    done
}
ok "... every time (100 connections)" refused_always
ok "and the daemon says why" eventually 10 grep -q "refusing client pid=[0-9]* uid=1 on the read-write socket" "$E2E_DIR/daemon.log"
ok "other user: admin refused with a reason" \
    fails "access denied: only root and group 'nogroup' may use the admin interface" admin daemon "$s"
ok "root: admin" has '^Hosts: +0$' admin root "$s"

s=$E2E_DIR/open-root
activated "$s"
ok "no group: other user refused" fails "access denied: only root may use the read-write socket" rw nobody "$s"
ok "no group: admin refused" fails "access denied: only root may use the admin interface" admin nobody "$s"
ok "no group: root" has '^ Id +Name' rw root "$s"

e2e_finish
