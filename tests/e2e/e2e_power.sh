#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: power-saving mode on a 3-host testbed (issue 12, part 4).
# h3 has power commands (the testbed's crash and start of its host); the
# cluster idles, so h3, empty, is powered off: standby, not failed, not
# reconnected. A CPU hog then lifts the load above the band: h3 is powered
# on and comes back online. Last, with a power-off command that fails, h3
# is reported failed with the command's error.
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
E2E_SHOALCTL=$3
here=$(dirname "$0")
. "$here/e2e_lib.sh"

e2e_start 3 'h1:idle-p1,hog-p1@off;h2:idle-p2'
v() { virsh -c "$URI" "$@"; }
ctl() { "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
tb() { "$E2E_TESTBED" "$@" --dir "$E2E_DIR/tb"; }
cp "$E2E_DIR/tb/virtshoald.conf" "$E2E_DIR/tb/virtshoald.conf.orig"

# configure OFF ON: one core per host, so one hog is most of the cluster's
# two powered cores; a band low enough for idle guests to be below it
configure() {
    e2e_daemon_stop
    {
        printf '[statistics]\ninterval_ms=1000\n\n'
        printf '[scheduler]\nmode=automatic\nbalance=false\n'
        printf 'power_saving=true\npower_band_low=0.1\npower_band_high=0.2\n'
        printf 'power_hold_seconds=5\n\n'
        sed "s/^\(uri=.*\)$/\1\ncpus=1/" "$E2E_DIR/tb/virtshoald.conf.orig"
        # [host h3] is the file's last group: these keys go on in it
        printf 'power_off_command=%s\npower_on_command=%s\n' "$1" "$2"
        printf 'power_on_timeout=120\npower_command_timeout=60\n'
    } >"$E2E_DIR/tb/virtshoald.conf"
    e2e_daemon_start
}
host_state() { ctl host list | awk -v h="$1" '$1 == h { print $2 }'; }
state_is() { [ "$(host_state "$1")" = "$2" ]; }
h3_down() { [ "$(tb status | awk '$1 == "h3" { print $4 }')" = down ]; }

count_all() { [ "$(v -q list --all --name | grep -c .)" -eq 3 ]; }
ok "the 3 domains are listed" eventually 60 count_all

configure "$E2E_TESTBED crash h3 --dir $E2E_DIR/tb" \
    "$E2E_TESTBED start h3 --dir $E2E_DIR/tb"
ok "h3 comes online" eventually 60 state_is h3 online
ok "the idle cluster powers the empty h3 off: standby" \
    eventually 120 state_is h3 standby
# standby is shown from the moment the command starts
ok "its libvirtd is really down" eventually 60 h3_down
ok "the power-off is logged with its reason" \
    grep -q "plan step: power-off 'h3'" "$E2E_DIR/daemon.log"
ok "h1 and h2 stay online" eval 'state_is h1 online && state_is h2 online'

# the hog: about a core of the two powered ones, above the band's top
ok "a CPU hog starts" v start hog-p1
ok "the load powers h3 on, online again" eventually 150 state_is h3 online
# the state turns online as the host answers, just before the log line
ok "the power-on is logged" eventually 30 \
    grep -q "host 'h3' is powered on and online" "$E2E_DIR/daemon.log"
ok "HA never counted h3 as failed" eval \
    '! grep -q "host .h3. failed: no answer" "$E2E_DIR/daemon.log"'

# a power-off command that fails: h3 is failed, with the command's error
ok "the hog stops" v destroy hog-p1
configure "echo 'no BMC answers' >&2; false" "true"
ok "a failing power-off command marks h3 failed" \
    eventually 120 state_is h3 failed
ok "the failure says why" has "no BMC answers" ctl host list
ok "h1 and h2 are still used" eval 'state_is h1 online && state_is h2 online'

e2e_finish
