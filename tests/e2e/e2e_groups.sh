#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end (issue 12 part 5): an elastic VM group grows from 1 to 3 under
# load and shrinks back to 1.
#
# Three hosts, since the members are anti-affine by default. The template
# is the testbed's tiny CPU hog 'hog-tmpl', defined but not running, its
# boot-loop disk in DIR/shared, which a cluster pool covers. Its group
# (min 1, max 3, target 5 %: a hog's vCPU is busy, though far from 100 %
# on a loaded machine under TCG) gets a first member at once; every member
# is a hog, so the group grows to max.
# To end the load, the template's max goes back to 1 through virsh
# metadata: the newest members go (their grace of 2 s runs out, since a
# hog ignores a shutdown request) and their overlays are deleted. Short
# holds and cool-down through [scheduler] (hold_intervals,
# cooldown_seconds) and a 1 s statistics interval.
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
E2E_SHOALCTL=$3
here=$(dirname "$0")
. "$here/e2e_lib.sh"

e2e_start 3 'h1:hog-tmpl@off;h2:;h3:'
v() { virsh -c "$URI" "$@"; }
ctl() { "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
NS=http://shoal.example.org/xmlns/placement/1

e2e_daemon_stop
{
    printf '[statistics]\ninterval_ms=1000\n\n'
    printf '[scheduler]\nmode=automatic\nhold_intervals=2\n'
    printf 'cooldown_seconds=3\nbalance=false\n\n'
    cat "$E2E_DIR/tb/virtshoald.conf"
} >"$E2E_DIR/tb/virtshoald.conf.new"
mv "$E2E_DIR/tb/virtshoald.conf.new" "$E2E_DIR/tb/virtshoald.conf"
e2e_daemon_start

ok "the template is listed" eventually 60 lists hog-tmpl v
ok "a cluster pool over the template's disk" \
    sh -c "virsh -c '$URI' pool-define-as shared dir --target '$E2E_DIR/tb/shared' &&
           virsh -c '$URI' pool-start shared"
ok "shoalctl group list: no group yet" has 'no elastic groups' ctl group list
ok "shoalctl group show: an unknown group is an error" \
    fails "no elastic group 'web'" ctl group show web

group() {
    v metadata hog-tmpl "$NS" --key shoal --config --set \
        "<placement><group name='web' min='1' max='$1' target-cpu='5' scale-in-grace='2'/></placement>"
}
members() { ctl --json group show web | grep -c '"hog-tmpl-[0-9]*"'; }
running() { v list --name | grep -c '^hog-tmpl-'; }
count_is() { [ "$(members)" -eq "$1" ] && [ "$(running)" -eq "$1" ]; }

ok "the template declares group 'web', max 3" group 3
ok "the group gets its first member (min 1)" eventually 60 count_is 1
ok "under load, the group grows to 3 members" eventually 120 count_is 3
ok "shoalctl group list shows it" has '^web +hog-tmpl +3 +1 +3 +5%' ctl group list
ok "the members are spread by anti-affinity" has 'anti-affinity group="group-web"' \
    v dumpxml hog-tmpl-2
ok "a member's disk is an overlay on the pool" has "$E2E_DIR/tb/shared/hog-tmpl-1-" \
    v dumpxml hog-tmpl-1

ok "the template's max goes back to 1" group 1
ok "the group shrinks back to 1 member" eventually 60 count_is 1
ok "the oldest member stays" lists hog-tmpl-1 v
overlays() { [ "$(ls "$E2E_DIR/tb/shared" | grep -c '^hog-tmpl-[23]-')" -eq 0 ]; }
ok "the removed members' overlays are deleted" eventually 30 overlays
ok "each change is logged" has "group 'web': removing" cat "$E2E_DIR/daemon.log"

e2e_finish
