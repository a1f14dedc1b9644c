#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: virt-manager 4.1 under Xvfb opens shoal:///system on a 3-host
# testbed, lists every VM with live CPU graphs, starts and force-stops a VM
# with its own buttons, follows VMs started and stopped elsewhere (domain
# events), opens a VM's details and its VNC console. Its default storage
# pool is defined through Shoal on every host. On the Details page it adds
# a disk (a new volume of that cluster pool) and a NIC and removes them,
# creates, reverts to and deletes snapshots in the Snapshots tab, and shows
# CPU, memory, disk and network figures (all statistics polled); its New VM
# wizard imports a volume of the pool as a VM that runs on a host.
#
# The URI is shoal:///system?socket=DIR/virtshoald-sock: a local (no +unix)
# URI, so virt-manager connects to VNC listening on 127.0.0.1.
# Assertions read virt-manager's --debug log and, through AT-SPI, its
# windows. Screenshots of the manager, details and console windows and the
# virt-manager log are kept in $E2E_ARTIFACT_DIR (the test's build directory
# under meson; default /var/tmp), named e2e_virtmanager* (also -snapshots,
# -performance and -newvm).
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

py=/usr/bin/python3
missing=
for c in virt-manager Xvfb dbus-run-session $py; do
    command -v "$c" >/dev/null || missing+=" $c"
done
$py -c 'import gi
gi.require_version("Gdk", "3.0"); gi.require_version("Atspi", "2.0")
from gi.repository import Gdk, Atspi' 2>/dev/null || missing+=" gir1.2-atspi-2.0/gir1.2-gtk-3.0"
if [ -n "$missing" ]; then
    echo "1..0 # SKIP not installed:$missing (see scripts/install-deps.sh)"
    exit 0
fi

vms='vmm-a vmm-b vmm-c hog-vmm vmm-off'
e2e_start 3 'h1:vmm-a,vmm-off@off;h2:vmm-b,hog-vmm;h3:vmm-c'
GUI_URI="shoal:///system?socket=$E2E_DIR/sock/virtshoald-sock"
artifacts=${E2E_ARTIFACT_DIR:-/var/tmp}
gui=$E2E_DIR/gui
vmlog=$gui/virt-manager.log
mkdir -p "$gui/home/.config/glib-2.0/settings" "$gui/run" "$artifacts"
chmod 700 "$gui/run"
# GSETTINGS_BACKEND=keyfile reads this: no "are you sure" before Force Off
# or a device's removal; disk, network and memory statistics polled, the
# disk and network graphs in the manager's list
cat >"$gui/home/.config/glib-2.0/settings/keyfile" <<'INI'
[org/virt-manager/virt-manager/confirm]
forcepoweroff=false
removedev=false
unapplied-dev=false

[org/virt-manager/virt-manager/stats]
enable-disk-poll=true
enable-net-poll=true
enable-memory-poll=true

[org/virt-manager/virt-manager/vmlist-fields]
disk-usage=true
network-traffic=true
INI

# Xvfb, then dbus-run-session + virt-manager in a session of their own (the
# AT-SPI services it activates stay in that process group): stopped before
# the daemon and the testbed go down.
xvfb_pid=
vmm_pid=
gui_stop() {
    local t
    if [ -n "$vmm_pid" ]; then
        kill -TERM -- -"$vmm_pid" 2>/dev/null
        for ((t = 0; t < 50; t++)); do
            kill -0 -- -"$vmm_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- -"$vmm_pid" "$vmm_pid" 2>/dev/null
        wait "$vmm_pid" 2>/dev/null
        vmm_pid=
    fi
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null
        wait "$xvfb_pid" 2>/dev/null
        xvfb_pid=
    fi
}
# the log is kept next to the screenshots
trap 'gui_stop; cp "$vmlog" "$artifacts/e2e_virtmanager.log" 2>/dev/null; e2e_cleanup' EXIT

# gui_env COMMAND...: run with the private home and session of virt-manager
gui_vars=()
gui_env() {
    env "${gui_vars[@]}" DBUS_SESSION_BUS_ADDRESS="$(cat "$gui/bus" 2>/dev/null)" "$@"
}
vmgui() { gui_env timeout 20 "$py" "$here/e2e_virtmanager.py" "$@"; }
v() { virsh -c "$GUI_URI" "$@"; }
logged() { grep -qF -- "$1" "$vmlog"; }
logged_times() { [ "$(grep -cF -- "$2" "$vmlog")" -ge "$1" ]; }
png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

echo "# URI: $GUI_URI"
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq 5 ]; }
ok "virsh lists the 5 domains through the plain shoal:///system?socket= URI" \
    eventually 60 count_all

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
    3>"$gui/display" 2>"$gui/xvfb.log" &
xvfb_pid=$!
display_up() { [ -s "$gui/display" ]; }
eventually 20 display_up || {
    echo "Bail out! Xvfb did not start"
    sed 's/^/# /' "$gui/xvfb.log"
    exit 1
}
gui_vars=(HOME="$gui/home" XDG_CONFIG_HOME="$gui/home/.config"
    XDG_CACHE_HOME="$gui/home/.cache" XDG_DATA_HOME="$gui/home/.local/share"
    XDG_RUNTIME_DIR="$gui/run" GSETTINGS_BACKEND=keyfile
    DISPLAY=":$(head -1 "$gui/display")")

# a simple command: bash execs setsid in the forked child, so $! is the
# new session and process group
setsid env "${gui_vars[@]}" dbus-run-session -- sh -c \
    'echo "$DBUS_SESSION_BUS_ADDRESS" >"$0"; exec virt-manager --no-fork --debug --connect "$1"' \
    "$gui/bus" "$GUI_URI" >"$vmlog" 2>&1 &
vmm_pid=$!
t0=$SECONDS

ok "virt-manager connects (conn=... changed to state=Active)" \
    eventually 60 logged "conn=$GUI_URI changed to state=Active"
for vm in $vms; do
    state=Running
    [ "$vm" = vmm-off ] && state=Shutoff
    ok "virt-manager's log lists $vm ($state)" logged "domain=$vm status=$state added"
done
# storage pools and networks are cluster objects, node devices are listed
# per host (issue 11): virt-manager logs "doesn't seem to support" for none
ok "storage, network and nodedev APIs are supported to virt-manager" eval \
    '! logged "support nodedev APIs" && ! logged "support storage APIs" && ! logged "support network APIs"'
default_pool_made() {
    logged "Creating storage pool 'default'" && ! logged "Could not define storage pool"
}
ok "virt-manager defines its default pool through Shoal" default_pool_made
every_host_pool() {
    local h uri
    while IFS== read -r h uri; do
        virsh -c "$uri" pool-info default >/dev/null 2>&1 ||
            { echo "host $h lacks the pool 'default'"; return 1; }
    done <"$E2E_DIR/tb/hosts.conf"
}
ok "every member host has the pool 'default'" eventually 30 every_host_pool

listed() {
    local out
    out=$(vmgui vms) || return 1
    for vm in $vms; do
        state=Running
        [ "$vm" = vmm-off ] && state=Shutoff
        grep -qx "$vm $state" <<<"$out" || { printf 'no "%s %s" in:\n%s\n' "$vm" "$state" "$out"; return 1; }
    done
}
ok "the manager window lists every VM with its state" eventually 30 listed

# The CPU graph of the hog fills, and fills more at each 3 s stats tick.
shot_manager=$artifacts/e2e_virtmanager-manager.png
graph() { vmgui shot "$shot_manager" | sed -n 's/^graph=//p'; }
graph_at_least() { [ "$(graph)" -ge "$1" ]; }
ok "the CPU graphs are drawn" eventually 30 graph_at_least 100
first=$(graph)
ok "the CPU graphs are live (the hog's graph grows)" eventually 20 graph_at_least $((first + 30))
ok "stats polling raised no error" eval '! grep -E "Tick for .* failed|Error call getAllDomainStats|does not support getAllDomainStats" "$vmlog"'
ok "screenshot of the manager window is a PNG" png "$shot_manager"
echo "# artifact: $shot_manager"

# Start and force off with virt-manager's own controls.
vm_shows() { vmgui vms | grep -x "$1 $2" >/dev/null; }
domstate_is() { [ "$(v domstate "$1")" = "$2" ]; }
ok "virt-manager's Run button is clickable for vmm-off" vmgui click vmm-off Run
ok "... starts it (virsh domstate through Shoal: running)" eventually 30 domstate_is vmm-off running
ok "... virt-manager logged 'Starting vm' and the STARTED event" eventually 20 eval \
    'logged "Starting vm '"'"'vmm-off'"'"'" && logged "domain=vmm-off state=VIR_DOMAIN_EVENT_STARTED"'
ok "... the list shows it Running" eventually 20 vm_shows vmm-off Running
ok "virt-manager's Force Off menu item is usable for vmm-off" vmgui click vmm-off 'Force Off'
ok "... stops it (virsh domstate through Shoal: shut off)" eventually 30 domstate_is vmm-off 'shut off'
ok "... virt-manager logged 'Destroying vm' and the STOPPED event" eventually 20 eval \
    'logged "Destroying vm '"'"'vmm-off'"'"'" && logged "domain=vmm-off state=VIR_DOMAIN_EVENT_STOPPED"'
ok "... the list shows it Shutoff" eventually 20 vm_shows vmm-off Shutoff

# Started and stopped by another client: virt-manager follows the events.
v start vmm-off >/dev/null
ok "a start through virsh reaches virt-manager as a STARTED event" eventually 20 \
    logged_times 2 "domain=vmm-off state=VIR_DOMAIN_EVENT_STARTED"
ok "... the list shows it Running" eventually 20 vm_shows vmm-off Running
v destroy vmm-off >/dev/null
ok "a destroy through virsh reaches virt-manager as a STOPPED event" eventually 20 \
    logged_times 2 "domain=vmm-off state=VIR_DOMAIN_EVENT_STOPPED"
ok "... the list shows it Shutoff" eventually 20 vm_shows vmm-off Shutoff

# Details and console windows, asked of the running instance over D-Bus as a
# second virt-manager command line would.
has_window() { vmgui windows | grep -x "$1" >/dev/null; }
gui_env timeout 20 virt-manager --no-fork --connect "$GUI_URI" --show-domain-editor vmm-a >>"$gui/remote.log" 2>&1
ok "the details window of vmm-a opens" eventually 20 eval \
    'logged "Showing VM details: <vmmDomain name=vmm-a " && has_window "vmm-a on shoal"'
sleep 1
shot_details=$artifacts/e2e_virtmanager-details.png
ok "screenshot of the details window is a PNG" eval 'vmgui shot "$shot_details" >/dev/null && png "$shot_details"'
echo "# artifact: $shot_details"

vnc_port=$(v dumpxml vmm-b | sed -n "s/.*<graphics type='vnc' port='\([0-9]*\)'.*/\1/p")
vnc_host=$(v dumpxml vmm-b | sed -n "s/.*<listen type='address' address='\([^']*\)'.*/\1/p" | head -n 1)
viewers=$(grep -cF "Viewer connected cb" "$vmlog")   # the details window has one
gui_env timeout 20 virt-manager --no-fork --connect "$GUI_URI" --show-domain-console vmm-b >>"$gui/remote.log" 2>&1
ok "the console of vmm-b opens on its VNC port ${vnc_port:-?} (local URI: no refusal)" \
    eventually 20 eval '[ -n "$vnc_port" ] && has_window "vmm-b on shoal" && logged "VNC connecting to host=$vnc_host port=$vnc_port"'
ok "... and the VNC viewer connects" eventually 20 logged_times $((viewers + 1)) "Viewer connected cb"
ok "no 'remote host' console refusal" eval '! logged "only configured to listen locally"'
sleep 2
shot_console=$artifacts/e2e_virtmanager-console.png
ok "screenshot of the console is a PNG" eval 'vmgui shot "$shot_console" >/dev/null && png "$shot_console"'
echo "# artifact: $shot_console"

# The details window of a shut-off VM: Add Hardware for a disk (a new
# volume of the cluster pool 'default') and a NIC, then remove both, the
# disk with its volume.
gui() { ok "$1" eventually 20 has_window "$2"; }
press() { vmgui press "$@"; }
open_details() {
    gui_env timeout 20 virt-manager --no-fork --connect "$GUI_URI" \
        --show-domain-editor "$1" >>"$gui/remote.log" 2>&1
    gui "the details window of $1 opens" "$1 on shoal"
}
disks() { v domblklist "$1" | awk 'NR > 2 && $2 != "" {print $2}'; }
nics() { v domiflist "$1" | awk 'NR > 2 && $1 != "" {print $2, $3}'; }
open_details vmm-off
ok "Add Hardware opens" press "vmm-off on" add-hardware
gui "... its window shows" "Add New Virtual Hardware"
ok "... a 0.1 GiB disk image" vmgui settext "Add New" "" 0.1
ok "... Finish" press "Add New" Finish
one_disk() { [ "$(disks vmm-off | grep -c .)" -eq 1 ]; }
ok "vmm-off has the new disk (virsh domblklist through Shoal)" eventually 30 one_disk
disk=$(disks vmm-off)
vol=${disk##*/}
echo "# new disk: $disk"
has_vol() { v vol-list default | awk '{print $1}' | grep -x -- "$1" >/dev/null; }
ok "... a volume $vol of the cluster pool 'default'" has_vol "$vol"
ok "Add Hardware again" press "vmm-off on" add-hardware
gui "... its window shows" "Add New Virtual Hardware"
ok "... Network" vmgui select "Add New" - Network
ok "... on a bridge" eventually 10 vmgui settext "Add New" "Device name:" shoalbr0
ok "... Finish" press "Add New" Finish
nic_on() { [ "$(nics vmm-off)" = "bridge shoalbr0" ]; }
ok "vmm-off has the NIC (virsh domiflist through Shoal)" eventually 30 nic_on
no_nic() { [ -z "$(nics vmm-off)" ]; }
ok "the NIC is selected and removed" eval \
    'vmgui select "vmm-off on" hw-list "NIC " && press "vmm-off on" config-remove'
ok "... vmm-off has no NIC" eventually 30 no_nic
ok "the disk is selected and removed" eval \
    'vmgui select "vmm-off on" hw-list "IDE Disk 1" && press "vmm-off on" config-remove'
gui "... virt-manager asks about its storage" "Remove Disk Device"
ok "... with its storage file" eval \
    'press "Remove Disk" "Delete associated storage files" && press "Remove Disk" Delete'
ok "... virt-manager asks about deleting it, Yes" eventually 20 \
    vmgui alert "delete the storage" Yes
no_disk() { [ -z "$(disks vmm-off)" ]; }
ok "... vmm-off has no disk" eventually 30 no_disk
ok "... the volume $vol is deleted" eventually 30 eval '! has_vol "$vol"'

# The Snapshots tab of a shut-off VM with a qcow2 disk: create two,
# revert to the first, delete the second.
DIR=$E2E_DIR/tb/shared
e2e_qcow2_domain vmm-q "$DIR"
ok "vmm-q (a qcow2 disk) is defined through Shoal" v define "$DIR/vmm-q.xml"
open_details vmm-q
ok "the Snapshots tab" eventually 20 press "vmm-q on" Snapshots
made() { v snapshot-list vmm-q --name | grep -x "$1" >/dev/null; }
for s in vmm-s1 vmm-s2; do
    ok "$s: the + button" eventually 20 press "vmm-q on" snapshot-add
    gui "... opens Create snapshot" "Create snapshot"
    ok "... named $s, Finish" eval \
        'vmgui settext "Create snapshot" "Name:" $s && press "Create snapshot" Finish'
    ok "... virsh lists $s through Shoal" eventually 30 made $s
done
q_host=
while IFS== read -r h uri; do
    virsh -c "$uri" dominfo vmm-q >/dev/null 2>&1 && q_host=$h
done <"$E2E_DIR/tb/hosts.conf"
parent_on_host() {
    [ "$(virsh -c "$(e2e_host_uri "$q_host")" snapshot-parent vmm-q vmm-s2)" = vmm-s1 ]
}
ok "its host ${q_host:-?} has them, vmm-s1 the parent of vmm-s2" parent_on_host
ok "vmm-s1 is selected and run" eval \
    'vmgui select "vmm-q on" snapshot-list vmm-s1 && press "vmm-q on" snapshot-start'
ok "... virt-manager asks, Yes" eventually 20 vmgui alert "run the snapshot" Yes
current() { [ "$(v snapshot-current vmm-q --name)" = "$1" ]; }
ok "... vmm-s1 is the current snapshot (reverted)" eventually 30 current vmm-s1
ok "vmm-s2 is selected and deleted" eval \
    'vmgui select "vmm-q on" snapshot-list vmm-s2 && press "vmm-q on" snapshot-delete'
ok "... virt-manager asks, Yes" eventually 20 vmgui alert "permanently delete" Yes
only_s1() { [ "$(v snapshot-list vmm-q --name | sed '/^$/d')" = vmm-s1 ]; }
ok "... only vmm-s1 is left" eventually 30 only_s1
shot_snap=$artifacts/e2e_virtmanager-snapshots.png
ok "screenshot of the Snapshots tab is a PNG" eval 'vmgui shot "$shot_snap" >/dev/null && png "$shot_snap"'
echo "# artifact: $shot_snap"

# The performance graphs of a running VM, every statistic polled
open_details hog-vmm
ok "the Performance page" eventually 20 vmgui select "hog-vmm on" hw-list Performance
perf() {
    local out
    out=$(vmgui labels "hog-vmm on") || return 1
    grep -Eqx '[1-9][0-9]* %' <<<"$out" &&
        grep -Eq '^ *[0-9.]+ [KMG]iB of 64 MiB$' <<<"$out" &&
        grep -Eqx '[0-9]+ KiB/s read [0-9]+ KiB/s write' <<<"$out" &&
        grep -Eqx '[0-9]+ KiB/s in [0-9]+ KiB/s out' <<<"$out" ||
        { printf 'labels:\n%s\n' "$out"; return 1; }
}
ok "it shows CPU (busy), memory, disk and network figures" eventually 30 perf
shot_perf=$artifacts/e2e_virtmanager-performance.png
ok "screenshot of the performance graphs is a PNG" eval 'vmgui shot "$shot_perf" >/dev/null && png "$shot_perf"'
echo "# artifact: $shot_perf"

# The New VM wizard: import a disk image of the shared storage, of no pool
# yet: virt-manager makes its directory a pool, through Shoal a cluster
# pool (the pool 'default' is each host's own directory here, and Shoal's
# placement does not follow a local pool's volume yet). Its NIC (a
# bridge: the testbed's hosts have no virtual network) goes in "Customize
# configuration before install".
wiz_path=$DIR/wiz-disk.img
truncate -s 1M "$wiz_path"
gui_env timeout 20 virt-manager --no-fork --connect "$GUI_URI" \
    --show-domain-creator >>"$gui/remote.log" 2>&1
gui "the New VM wizard opens" "New VM"
ok "... Import existing disk image, Forward" eval \
    'press "New VM" "Import existing disk image" && press "New VM" Forward'
ok "... the image's path" eventually 20 vmgui settext "New VM" import-entry "$wiz_path"
ok "... a generic OS" eval 'vmgui settext "New VM" oslist-entry generic'
ok "... picked from the list" eventually 20 vmgui activatecell "New VM" Generic
ok "... Forward" press "New VM" Forward
ok "... 64 MiB, 1 vCPU" eventually 20 eval \
    'vmgui settext "New VM" "" 64 && vmgui settext "New VM" cpus 1'
ok "... Forward" press "New VM" Forward
ok "... named vmm-new, customised before install" eventually 20 eval \
    'vmgui settext "New VM" "Name:" vmm-new &&
     vmgui settext "New VM" "Device name:" shoalbr0 &&
     press "New VM" "Customize configuration before install"'
ok "... Finish" press "New VM" Finish
gui "... the customisation window opens" "vmm-new on shoal"
ok "... its NIC is removed" eventually 20 eval \
    'vmgui select "vmm-new on" hw-list "NIC " && press "vmm-new on" config-remove'
ok "... Begin Installation" eventually 20 press "vmm-new on" "Begin Installation"
ok "virt-manager made the image's directory a pool through Shoal" \
    logged "Creating storage pool '${DIR##*/}'"
ok "vmm-new runs (virsh domstate through Shoal)" eventually 60 domstate_is vmm-new running
runs_on_host() {
    local h uri
    while IFS== read -r h uri; do
        virsh -c "$uri" domstate vmm-new 2>/dev/null | grep -x running >/dev/null || continue
        virsh -c "$uri" domblklist vmm-new | grep -F -- "$wiz_path" >/dev/null &&
            { echo "# vmm-new runs on $h"; return 0; }
    done <"$E2E_DIR/tb/hosts.conf"
    return 1
}
ok "... a host runs it on the imported image (virsh on the host)" eventually 30 runs_on_host
shot_new=$artifacts/e2e_virtmanager-newvm.png
ok "screenshot of the new VM's window is a PNG" eval 'vmgui shot "$shot_new" >/dev/null && png "$shot_new"'
echo "# artifact: $shot_new"

ok "virt-manager is still running" kill -0 "$vmm_pid"
# virt-manager looks up the names it considers for a new volume, snapshot
# or VM: those "not found" are its questions, as on a host
call_failed() {
    grep -E "call .* failed" "$E2E_DIR/daemon.log" |
        grep -vE "call [A-Z_]+_LOOKUP_BY_[A-Z]+ failed: (Storage volume|Domain snapshot|Domain) not found"
}
ok "virtshoald answered no other call with an error" eval '! call_failed'
echo "# virt-manager part: $((SECONDS - t0)) s"

if [ $e2e_failed -gt 0 ]; then
    echo "# virt-manager log (tail, without XML; all of it in $artifacts/e2e_virtmanager.log):"
    grep -v '^ \|^<' "$vmlog" | tail -40 | sed 's/^/# /'
fi
e2e_finish
