#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: virt-manager 4.1 under Xvfb opens shoal:///system on a 3-host
# testbed, lists every VM with live CPU graphs, starts and force-stops a VM
# with its own buttons, follows VMs started and stopped elsewhere (domain
# events), opens a VM's details and its VNC console. Its default storage
# pool is refused as an unknown procedure and reaches no host.
#
# The URI is shoal:///system?socket=DIR/virtshoald-sock: a local (no +unix)
# URI, so virt-manager connects to VNC listening on 127.0.0.1.
# Assertions read virt-manager's --debug log and, through AT-SPI, its
# windows. Screenshots of the manager, details and console windows and the
# virt-manager log are kept in $E2E_ARTIFACT_DIR (the test's build directory
# under meson; default /var/tmp), named e2e_virtmanager*.
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
printf '[org/virt-manager/virt-manager/confirm]\nforcepoweroff=false\n' \
    >"$gui/home/.config/glib-2.0/settings/keyfile"

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
# storage pools and networks are cluster objects (issue 11); node devices
# are per host and not served
ok "storage and network APIs are supported to virt-manager, nodedev APIs not" eval \
    'logged "support nodedev APIs" && ! logged "support storage APIs" && ! logged "support network APIs"'
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

ok "virt-manager is still running" kill -0 "$vmm_pid"
ok "virtshoald answered no call with an error" eval '! grep -E "call .* failed" "$E2E_DIR/daemon.log"'
echo "# virt-manager part: $((SECONDS - t0)) s"

if [ $e2e_failed -gt 0 ]; then
    echo "# virt-manager log (tail, without XML; all of it in $artifacts/e2e_virtmanager.log):"
    grep -v '^ \|^<' "$vmlog" | tail -40 | sed 's/^/# /'
fi
e2e_finish
