#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cockpit-machines on the cluster (issue 11, part 6): virtshoald in drop-in
# mode; in a private mount namespace whose /run/libvirt is its socket
# directory, a private D-Bus system bus, libvirt-dbus --system on it (so
# qemu:///system is the cluster) and cockpit-ws on 127.0.0.1 without TLS,
# its bridge a local session; headless Chromium (python3-selenium) drives
# the machines page. A screenshot is kept in $E2E_ARTIFACT_DIR. Skips if
# the packages are not installed; root (mount namespace).
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"
for f in /usr/lib/cockpit/cockpit-ws /usr/bin/cockpit-bridge /usr/sbin/libvirt-dbus \
    /usr/share/cockpit/machines/manifest.json /usr/bin/chromedriver /usr/bin/dbus-daemon \
    /usr/bin/virt-install /usr/sbin/ip; do
    [ -e "$f" ] || { echo "1..0 # SKIP $f is not installed (cockpit-machines, libvirt-dbus, chromium-driver)"; exit 0; }
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null ||
    { echo "1..0 # SKIP python3-selenium is not installed"; exit 0; }
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
    echo "1..0 # SKIP needs root and mount namespaces"
    exit 0
fi

# the testbed, then the daemon in drop-in mode on it
E2E_DIR=$(mktemp -d /var/tmp/shoal-e2e.XXXXXX)
# the namespace's processes write their PIDs: a script started with & has
# SIGINT ignored, so its own traps cannot be relied on to stop them
ns_stop() {
    local pid
    [ -f "$E2E_DIR/ns.pids" ] || return 0
    for pid in $(cat "$E2E_DIR/ns.pids"); do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in $(cat "$E2E_DIR/ns.pids"); do
        eventually 10 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
    done
    rm -f "$E2E_DIR/ns.pids"
}
# virt-install, which cockpit runs, puts a new VM's NIC on network
# 'default': every libvirt host has one, the testbed's hosts do not. The
# cluster gets one, bridged on a bridge of this machine (the hosts share
# its network namespace); the bridge has no uplink
bridge=shck$$
bridge_del() { ip link del "$bridge" 2>/dev/null; }
trap 'ns_stop; e2e_cleanup; bridge_del' EXIT
trap 'exit 1' INT TERM
"$E2E_TESTBED" up 2 --dir "$E2E_DIR/tb" --guests 'h1:ck-a;h2:ck-b,ck-off@off' \
    >"$E2E_DIR/testbed.log" 2>&1 || {
    echo "Bail out! testbed did not come up"
    sed 's/^/# /' "$E2E_DIR/testbed.log"
    exit 1
}
printf '\n[driver]\ndropin = true\n' >>"$E2E_DIR/tb/virtshoald.conf"
e2e_daemon_start
URI="shoal+unix:///system?socket=$E2E_DIR/sock/virtshoald-sock"
QEMU_URI="qemu+unix:///system?socket=$E2E_DIR/sock/virtqemud-sock"
count_all() { [ "$(virsh -c "$QEMU_URI" -q list --all --name | grep -c .)" -eq "$1" ]; }
ok "drop-in mode: qemu:///system lists the 3 domains of 2 hosts" eventually 120 count_all 3

# the namespace: D-Bus, libvirt-dbus and cockpit-ws, stopped with it
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$E2E_DIR/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$E2E_DIR/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOC
cat >"$E2E_DIR/ns.sh" <<EOS
echo \$\$ >>'$E2E_DIR/ns.pids'
mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir /run/libvirt &&
    mount --bind '$E2E_DIR/sock' /run/libvirt || exit 1
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$E2E_DIR/bus
# cockpit runs python3 and virt-install: Debian's, with python3-gi
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
dbus-daemon --config-file='$E2E_DIR/bus.conf' --nofork --nopidfile &
echo \$! >>'$E2E_DIR/ns.pids'
for i in \$(seq 100); do [ -S '$E2E_DIR/bus' ] && break; sleep 0.1; done
/usr/sbin/libvirt-dbus --system &
echo \$! >>'$E2E_DIR/ns.pids'
for i in \$(seq 100); do
    dbus-send --system --print-reply --dest=org.libvirt /org/libvirt/QEMU \
        org.freedesktop.DBus.Properties.Get string:org.libvirt.Connect string:LibVersion && break
    sleep 0.2
done
# the bridge is the local session; cockpit-ws hands it its stdin
/usr/lib/cockpit/cockpit-ws --local-session=/usr/bin/cockpit-bridge \
    --port $port --address 127.0.0.1 0<&0 &
echo \$! >>'$E2E_DIR/ns.pids'
wait
EOS
e2e_background unshare -m bash "$E2E_DIR/ns.sh" >"$E2E_DIR/cockpit.log" 2>&1 </dev/null
ns=$e2e_bg_pid
page() { curl -sf --max-time 10 "http://127.0.0.1:$port/cockpit/@localhost/machines/index.html" >/dev/null; }
ok "cockpit-ws serves the machines page on 127.0.0.1" eventually 60 page
shot=${E2E_ARTIFACT_DIR:-$E2E_DIR}/e2e_cockpit.png
# Import VM: a disk image on a cluster pool
pool_dir=$E2E_DIR/images
cat >"$E2E_DIR/default-net.xml" <<EOX
<network><name>default</name><forward mode='bridge'/><bridge name='$bridge'/></network>
EOX
ok "a cluster network 'default' on a bridge" \
    sh -c "ip link add '$bridge' type bridge && ip link set '$bridge' up &&
        virsh -c '$URI' net-define '$E2E_DIR/default-net.xml' && virsh -c '$URI' net-start default"
ok "a cluster pool with a disk image" \
    sh -c "virsh -c '$URI' pool-define-as images dir --target '$pool_dir' &&
        virsh -c '$URI' pool-build images && virsh -c '$URI' pool-start images &&
        virsh -c '$URI' vol-create-as images ck-new.qcow2 16M --format qcow2"
# while cockpit shows ck-new running: a testbed host runs it on that disk
on_host=
for h in h1 h2; do
    on_host="$on_host virsh -c '$(e2e_host_uri $h)' domstate ck-new 2>/dev/null | grep running >/dev/null ||"
done
export COCKPIT_CHECK_RUNNING="($on_host false) &&
    virsh -c '$URI' domstate ck-new | grep running >/dev/null &&
    virsh -c '$URI' domblklist ck-new | grep '$pool_dir/ck-new.qcow2' >/dev/null"
steps=import:ck-new:$pool_dir/ck-new.qcow2,cycle
domid() { virsh -c "$URI" domid ck-b; }
id_before=$(domid)
# one browser session: cockpit-ws --local-session serves one
what="cockpit-machines imports ck-new from the pool's disk image, runs it (on a testbed host), force-stops and deletes it; lists the VMs of every host, force-stops ck-b and runs it again"
ok "$what" \
    timeout 600 /usr/bin/python3 "$here/e2e_cockpit.py" \
    "http://127.0.0.1:$port/cockpit/@localhost/machines/index.html" "$shot" \
    "$steps" ck-b ck-a ck-off
ok "the cluster agrees: ck-b is running" has '^running' virsh -c "$URI" domstate ck-b
ok "and it was stopped and started (a new domain ID)" eval '[ -n "$id_before" ] && [ "$(domid)" != "$id_before" ]'
ok "the cluster agrees: ck-new, deleted through cockpit, is gone" \
    sh -c "! virsh -c '$URI' dominfo ck-new >/dev/null 2>&1"
ok "and its disk, deleted with it, is gone from the pool" \
    sh -c "! virsh -c '$URI' vol-info --pool images ck-new.qcow2 >/dev/null 2>&1 &&
        [ ! -e '$pool_dir/ck-new.qcow2' ]"
for h in h1 h2; do
    ok "and host $h has no ck-new" sh -c "! virsh -c '$(e2e_host_uri $h)' dominfo ck-new >/dev/null 2>&1"
done
ok "the pool and the network are removed" \
    sh -c "virsh -c '$URI' pool-destroy images && virsh -c '$URI' pool-undefine images &&
        virsh -c '$URI' net-destroy default && virsh -c '$URI' net-undefine default"

echo "# screenshot: $shot"
ns_stop
e2e_stop_background "$ns"
ok "cockpit-ws is stopped with the namespace" sh -c "! curl -s --max-time 5 http://127.0.0.1:$port/ >/dev/null"
[ $e2e_failed = 0 ] || [ -z "${E2E_ARTIFACT_DIR:-}" ] ||
    cp "$E2E_DIR/cockpit.log" "$E2E_ARTIFACT_DIR/e2e_cockpit-cockpit.log"
e2e_finish
