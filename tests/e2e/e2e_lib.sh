# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the end-to-end tests: a TAP writer, bounded polling, and a
# testbed with virtshoald in a private directory, torn down on any exit.

e2e_n=0
e2e_failed=0

# Two tests run at once under meson, each given its own lane: its testbed
# takes the /24 127.LANE.Y (Y from TESTBED_NET), all of it loopback, so two
# testbeds never share an address or a port.
if [ -n "${E2E_NET_LANE:-}" ]; then
    e2e_net_y=${TESTBED_NET:-127.0.0}
    export TESTBED_NET=127.$E2E_NET_LANE.${e2e_net_y##*.}
fi

# ok DESC COMMAND...: one TAP line for the command's exit status
ok() {
    local desc=$1 out
    shift
    e2e_n=$((e2e_n + 1))
    if out=$("$@" 2>&1); then
        echo "ok $e2e_n - $desc"
    else
        echo "not ok $e2e_n - $desc"
        printf '%s\n' "$out" | sed 's/^/# /' | head -40
        e2e_failed=$((e2e_failed + 1))
    fi
}

# eventually SECONDS COMMAND...: retry until it succeeds or time runs out.
# A bounded wait for the cluster to converge, not a timing assertion.
eventually() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { "$@"; return 1; }
        sleep 0.2
    done
}

# has PATTERN COMMAND...: the command succeeds and prints PATTERN (ERE)
has() {
    local pat=$1 out
    shift
    out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
    grep -Eq -- "$pat" <<<"$out" || { printf 'no /%s/ in:\n%s\n' "$pat" "$out"; return 1; }
}

# fails PATTERN COMMAND...: the command fails and says PATTERN
fails() {
    local pat=$1 out
    shift
    if out=$("$@" 2>&1); then
        printf 'unexpected success:\n%s\n' "$out"
        return 1
    fi
    grep -Eq -- "$pat" <<<"$out" || { printf 'no /%s/ in:\n%s\n' "$pat" "$out"; return 1; }
}

# lists NAME COMMAND...: COMMAND's "list --all --name" has NAME (COMMAND is
# virsh with its URI, e.g. a function)
lists() {
    local name=$1 out
    shift
    out=$("$@" list --all --name 2>&1) || { printf '%s\n' "$out"; return 1; }
    grep -qx -- "$name" <<<"$out" || { printf 'no %s in:\n%s\n' "$name" "$out"; return 1; }
}

# lacks NAME COMMAND...: COMMAND's "list --all --name" works and has no NAME
lacks() {
    local name=$1 out
    shift
    out=$("$@" list --all --name 2>&1) || { printf '%s\n' "$out"; return 1; }
    ! grep -qx -- "$name" <<<"$out" || { printf '%s is listed:\n%s\n' "$name" "$out"; return 1; }
}

# e2e_background COMMAND...: run it in the background, stopped (SIGINT, then
# SIGKILL) at exit unless e2e_stop_background stopped it before; sets
# $e2e_bg_pid
e2e_bg_pids=()
e2e_background() {
    "$@" &
    e2e_bg_pid=$!
    e2e_bg_pids+=("$e2e_bg_pid")
}

# e2e_stop_background PID: SIGINT, up to 10 s to exit, then SIGKILL; waits
# for it. Returns its exit status (or 128+9 when it had to be killed).
e2e_stop_background() {
    local pid=$1 t rc
    kill -INT "$pid" 2>/dev/null
    for ((t = 0; t < 100; t++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    local keep=() p
    for p in "${e2e_bg_pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    e2e_bg_pids=("${keep[@]}")
    return $rc
}

# e2e_reap_background PID: wait for a background process that has ended by
# itself (e2e_stop_background would give it 10 s: kill -0 counts a zombie as
# alive) and forget it. Returns its exit status.
e2e_reap_background() {
    local pid=$1 rc keep=() p
    wait "$pid" 2>/dev/null
    rc=$?
    for p in "${e2e_bg_pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    e2e_bg_pids=("${keep[@]}")
    return $rc
}

e2e_cleanup() {
    local pid
    # a background subshell killed before it reset its traps inherits this
    # one: only the test's own shell cleans up
    [ "$BASHPID" = "$$" ] || return 0
    for pid in "${e2e_bg_pids[@]}"; do
        e2e_stop_background "$pid"
    done
    local hung=
    if [ -n "${e2e_daemon_pid:-}" ]; then
        kill "$e2e_daemon_pid" 2>/dev/null
        e2e_daemon_wait "$e2e_daemon_pid" || hung=1
    fi
    "$E2E_TESTBED" down --dir "$E2E_DIR/tb" >/dev/null 2>&1
    rm -rf "$E2E_DIR"
    [ -z "$hung" ] || exit 1
}

# e2e_reaper: meson ends a test that runs out of time with SIGKILL after a
# short grace, and no trap runs then. A process outside the test's process
# group waits for the test's shell to end and tears down what it left (the
# directory is passed in the environment, so that pkill -f does not match
# the reaper itself).
e2e_reaper() {
    E2E_REAP_DIR=$E2E_DIR E2E_REAP_TESTBED=$E2E_TESTBED setsid bash -c '
        tail --pid="$1" -f /dev/null
        [ -d "$E2E_REAP_DIR" ] || exit 0
        "$E2E_REAP_TESTBED" down --dir "$E2E_REAP_DIR/tb"
        pkill -KILL -f -- "$E2E_REAP_DIR"
        rm -rf "$E2E_REAP_DIR"' e2e-reaper $$ </dev/null >/dev/null 2>&1 &
}

# e2e_args VIRTSHOALD TESTBED [SHOALCTL]: the programs a test runs, from
# its arguments; shoalctl defaults to the one built next to virtshoald
e2e_args() {
    E2E_VIRTSHOALD=$1
    E2E_TESTBED=$2
    E2E_SHOALCTL=${3:-$(dirname "$1")/shoalctl}
}

# e2e_start N GUESTS: a testbed and a daemon on it; sets $URI, $URI_RO and
# $E2E_ADMIN (the admin socket)
e2e_start() {
    E2E_DIR=$(mktemp -d /var/tmp/shoal-e2e.XXXXXX)
    trap e2e_cleanup EXIT
    e2e_reaper
    trap 'exit 1' INT TERM
    "$E2E_TESTBED" up "$1" --dir "$E2E_DIR/tb" --guests "$2" >"$E2E_DIR/testbed.log" 2>&1 || {
        echo "Bail out! testbed did not come up"
        sed 's/^/# /' "$E2E_DIR/testbed.log"
        exit 1
    }
    e2e_daemon_start
    URI="shoal+unix:///system?socket=$E2E_DIR/sock/virtshoald-sock"
    URI_RO="shoal+unix:///system?socket=$E2E_DIR/sock/virtshoald-sock-ro"
    E2E_ADMIN=$E2E_DIR/sock/virtshoald-admin-sock
}

# e2e_daemon_start: (re)start virtshoald on the testbed, same sockets and
# state directory; its log goes on in $E2E_DIR/daemon.log
e2e_daemon_start() {
    # the subshell must not run the test's exit trap if killed early
    (
        trap - EXIT INT TERM
        exec "$E2E_VIRTSHOALD" --socket-dir "$E2E_DIR/sock" \
            --config "$E2E_DIR/tb/virtshoald.conf" \
            --state-dir "$E2E_DIR/state" --verbose >>"$E2E_DIR/daemon.log" 2>&1
    ) &
    e2e_daemon_pid=$!
}

# e2e_daemon_wait PID: reap virtshoald after a signal. One that has not
# ended 60 s later hangs in its shutdown: its threads' stacks are printed,
# it is killed, and this returns 1 (the test fails rather than waiting for
# meson's timeout). A zombie counts as ended (kill -0 would say alive).
e2e_daemon_wait() {
    local pid=$1 i state
    for ((i = 0; i < 600; i++)); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
        [ "$state" = Z ] && break
        sleep 0.1
    done
    if [ "$i" -ge 600 ]; then
        echo "# virtshoald ($pid) did not end within 60 s of its signal; its threads:"
        gdb -batch -p "$pid" -ex 'thread apply all bt' 2>&1 |
            grep -E '^(Thread|#)' | head -300 | sed 's/^/# /'
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 1
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# e2e_daemon_stop [SIGNAL]: stop virtshoald (default SIGTERM) and reap it
e2e_daemon_stop() {
    [ -n "${e2e_daemon_pid:-}" ] || return 0
    kill -"${1:-TERM}" "$e2e_daemon_pid" 2>/dev/null
    e2e_daemon_wait "$e2e_daemon_pid" || e2e_failed=$((e2e_failed + 1))
    e2e_daemon_pid=
}

# e2e_host_uri HOST: the libvirt URI of a testbed host (h1, h2, ...), as the
# testbed wrote it (TESTBED_NET chooses the addresses)
e2e_host_uri() {
    sed -n "s/^$1=//p" "$E2E_DIR/tb/hosts.conf"
}

e2e_finish() {
    echo "1..$e2e_n"
    if [ $e2e_failed -gt 0 ]; then
        echo "# daemon log (tail):"
        tail -30 "$E2E_DIR/daemon.log" | sed 's/^/# /'
        if [ -n "${E2E_ARTIFACT_DIR:-}" ]; then
            local keep
            keep=$E2E_ARTIFACT_DIR/$(basename "$0" .sh)-daemon.log
            cp "$E2E_DIR/daemon.log" "$keep" 2>/dev/null && echo "# whole daemon log: $keep"
        fi
        exit 1
    fi
    exit 0
}

# e2e_qcow2_domain NAME DIR: a domain of no OS whose one disk is a new
# 16 MiB qcow2 image DIR/NAME.qcow2 (snapshots and checkpoints need
# qcow2); its XML is DIR/NAME.xml
e2e_qcow2_domain() {
    qemu-img create -q -f qcow2 "$2/$1.qcow2" 16M || return 1
    cat >"$2/$1.xml" <<XML
<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$2/$1.qcow2'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>
XML
}
