#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Remote users the libvirt way: virsh -c shoal+ssh://root@HOST/system. A
# private sshd on 127.0.0.1 (throwaway host and client keys, known_hosts
# in the test directory) stands for the remote host. First through
# ?socket= (libvirt then runs 'nc -U SOCKET' on the host) to the test's
# daemon; then, if no other daemon holds /run/libvirt/virtshoald-sock,
# with no socket named: libvirt's virt-ssh-helper on the host finds the
# default socket by itself. Root, testbed (TESTBED_NET honoured).
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

SSHD=/usr/sbin/sshd
DEFAULT_DIR=/run/libvirt
for p in "$SSHD" ssh ssh-keygen nc virt-ssh-helper; do
    command -v "$p" >/dev/null || {
        echo "1..0 # SKIP no $p (packages openssh-server, openssh-client, netcat-openbsd, libvirt-daemon)"
        exit 0
    }
done
nc -h 2>&1 | grep -- '-U' >/dev/null || {
    echo "1..0 # SKIP nc cannot connect to UNIX sockets (package netcat-openbsd)"
    exit 0
}

e2e_start 1 'h1:ssh-a,ssh-off@off'
ssh_dir=$E2E_DIR/ssh
mkdir -p "$ssh_dir"
chmod 700 "$ssh_dir"
ssh-keygen -q -t ed25519 -N '' -C shoal-e2e-host -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C shoal-e2e-client -f "$ssh_dir/client_key"
cp "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$ssh_dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
# the host is verified, against a known_hosts of our own
echo "[127.0.0.1]:$port $(cat "$ssh_dir/host_key.pub")" >"$ssh_dir/known_hosts"
# libvirt runs 'ssh' (command=): keep root's own ssh configuration and
# known_hosts out of it
cat >"$ssh_dir/ssh" <<EOF
#!/bin/sh
exec ssh -F none -o UserKnownHostsFile=$ssh_dir/known_hosts \
    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes "\$@"
EOF
chmod 755 "$ssh_dir/ssh"

# sshd wants its privilege separation directory, normally made at boot
mkdir -p /run/sshd
e2e_background "$SSHD" -D -e -f "$ssh_dir/sshd_config" 2>>"$E2E_DIR/sshd.log"
sshd_up() { /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])))' "$port"; }
ok "private sshd on 127.0.0.1:$port" eventually 10 sshd_up
base="shoal+ssh://root@127.0.0.1:$port/system?keyfile=$ssh_dir/client_key&command=$ssh_dir/ssh"
v() { virsh -c "$1" "${@:2}"; }
count_all() { [ "$(virsh -c "$1" -q list --all --name | grep -c .)" -eq "$2" ]; }

ok "the daemon sees the testbed" eventually 60 count_all "$URI" 2
ok "over ssh, socket named: list --all" has 'ssh-off +shut off' \
    v "$base&socket=$E2E_DIR/sock/virtshoald-sock" list --all
ok "over ssh, socket named: dominfo" has 'State: +running' \
    v "$base&socket=$E2E_DIR/sock/virtshoald-sock" dominfo ssh-a
ok "over ssh, read-only socket" has 'ssh-a +running' \
    virsh -r -c "$base&socket=$E2E_DIR/sock/virtshoald-sock-ro" list --all
ok "over ssh, a wrong key is refused" fails 'failed to connect to the hypervisor' \
    v "shoal+ssh://root@127.0.0.1:$port/system?keyfile=$ssh_dir/host_key&command=$ssh_dir/ssh&socket=$E2E_DIR/sock/virtshoald-sock" list

# The default socket, found by virt-ssh-helper: only where no other daemon
# (the demo, say) has it. Same state, so the test's daemon steps aside.
if [ -e "$DEFAULT_DIR/virtshoald-sock" ]; then
    e2e_n=$((e2e_n + 1))
    echo "ok $e2e_n - over ssh, default socket # SKIP $DEFAULT_DIR/virtshoald-sock exists: another daemon runs"
    e2e_finish
fi
marker=$DEFAULT_DIR/virtshoald-autostarted
[ -e "$marker" ] && had_marker=1 || had_marker=
[ -d "$DEFAULT_DIR" ] && had_dir=1 || had_dir=
e2e_daemon_stop
"$E2E_VIRTSHOALD" --socket-dir "$DEFAULT_DIR" \
    --config "$E2E_DIR/tb/virtshoald.conf" --state-dir "$E2E_DIR/state" \
    --verbose >>"$E2E_DIR/daemon.log" 2>&1 &
e2e_daemon_pid=$!
default_cleanup() {
    e2e_daemon_stop
    [ -n "$had_marker" ] || rm -f "$marker"
    [ -n "$had_dir" ] || rmdir "$DEFAULT_DIR" 2>/dev/null
    e2e_cleanup
}
trap default_cleanup EXIT
ok "a daemon on the default socket" eventually 60 count_all "shoal:///system?mode=direct" 2
ok "over ssh, no socket named: virt-ssh-helper finds it" has 'ssh-off +shut off' v "$base" list --all
ok "over ssh, no socket named: read-only" has 'ssh-a +running' virsh -r -c "$base" list --all
e2e_finish
