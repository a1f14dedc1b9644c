#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: snapshot metadata follows its domain when Shoal moves it, by
# a client's migration and by maintenance (libvirt leaves it on the
# source); a domain with a snapshot whose memory state is in a file does
# not move, by a client's migration or by maintenance, and both say why,
# as does shoalctl plan (the scheduler never plans it).
# Checkpoint metadata (a domain with a qcow2 disk) follows a client's
# migration the same way.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 2 'h1:hog-snap'
v() { timeout 120 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 30 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 180 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }

runs() { v list --name | grep -x hog-snap >/dev/null; }
ok "the cluster runs hog-snap" eventually 120 runs

ok "snapshot s1 (disk only)" v snapshot-create-as hog-snap s1 --disk-only --atomic
ok "snapshot s2 (disk only)" v snapshot-create-as hog-snap s2 --disk-only --atomic

# follow VIRSH...: the snapshots as they were made, through VIRSH
follow() {
    local names cur parent
    names=$("$@" snapshot-list hog-snap --name | sed '/^$/d' | sort | tr '\n' ' ')
    [ "$names" = "s1 s2 " ] || { echo "snapshots: '$names'"; return 1; }
    cur=$("$@" snapshot-current hog-snap --name) || return 1
    [ "$cur" = s2 ] || { echo "current: '$cur'"; return 1; }
    parent=$("$@" snapshot-parent hog-snap s2) || return 1
    [ "$parent" = s1 ] || { echo "parent of s2: '$parent'"; return 1; }
}
on() { hv "$1" list --name | grep -x hog-snap >/dev/null; }
none_on() {
    local n
    n=$(hv "$1" snapshot-list hog-snap --name 2>/dev/null | sed '/^$/d' | wc -l)
    [ "$n" -eq 0 ] || { echo "$1 still has $n snapshots"; return 1; }
}
h1() { hv h1 "$@"; }
h2() { hv h2 "$@"; }

ok "Shoal lists them" follow v
ok "a client migrates hog-snap to h2" v migrate --live --p2p --unsafe hog-snap shoal://h2/
ok "hog-snap runs on h2" eventually 120 on h2
ok "h2 has the snapshots, s2 current, s1 its parent" follow h2
ok "Shoal lists them after the migration" follow v
ok "h1 kept none" none_on h1

ok "maintenance of h2 moves hog-snap" ctl host maintenance h2 on
ok "hog-snap runs on h1" eventually 120 on h1
ok "h1 has the snapshots after maintenance" follow h1
ok "Shoal lists them after maintenance" follow v
ok "h2 kept none" none_on h2
ok "h2 back from maintenance" ctl host maintenance h2 off

ok "snapshot s3 with its memory in a file" v snapshot-create-as hog-snap s3 \
    --memspec "file=$E2E_DIR/tb/shared/hog-snap.s3.mem,snapshot=external"
ok "its migration fails, saying why" fails "snapshot 's3' of domain 'hog-snap' keeps its memory state" \
    v migrate --live --p2p --unsafe hog-snap shoal://h2/
ok "hog-snap still runs on h1" on h1
three() { [ "$(h1 snapshot-list hog-snap --name | sed '/^$/d' | wc -l)" -eq 3 ]; }
ok "h1 still has its three snapshots" three
ok "maintenance of h1 cannot move it, saying why" \
    fails "snapshot 's3' of domain 'hog-snap' keeps its memory state" ctl host maintenance h1 on
ok "hog-snap still runs on h1 after the maintenance request" on h1
ok "h1 still has its three snapshots after it" three
ok "shoalctl plan notes why the scheduler leaves it on h1" eventually 60 \
    has "domain 'hog-snap' stays on host 'h1': snapshot 's3' keeps its memory state" ctl plan
ctl host maintenance h1 off >/dev/null 2>&1
v destroy hog-snap >/dev/null 2>&1

# checkpoints: a domain with a qcow2 disk on the shared storage
DIR=$E2E_DIR/tb/shared
e2e_qcow2_domain ck-snap "$DIR"
ok "ck-snap (a qcow2 disk) defined and started through Shoal" eval \
    'v define "$DIR/ck-snap.xml" && v start ck-snap'
ck_on() { hv "$1" list --name | grep -x ck-snap >/dev/null; }
ck_host=h1
ck_on h1 || ck_host=h2
ck_dest=h2
[ $ck_host = h1 ] || ck_dest=h1
echo "# ck-snap runs on $ck_host"
ok "checkpoint c1" v checkpoint-create-as ck-snap c1
ok "checkpoint c2" v checkpoint-create-as ck-snap c2
# checkpoints VIRSH...: c1 and c2, c1 the parent of c2, through VIRSH
checkpoints() {
    local names parent
    names=$("$@" checkpoint-list ck-snap --name | sed '/^$/d' | sort | tr '\n' ' ')
    [ "$names" = "c1 c2 " ] || { echo "checkpoints: '$names'"; return 1; }
    parent=$("$@" checkpoint-parent ck-snap c2) || return 1
    [ "$parent" = c1 ] || { echo "parent of c2: '$parent'"; return 1; }
}
ok "Shoal lists them" checkpoints v
ok "a client migrates ck-snap to $ck_dest" \
    v migrate --live --p2p --unsafe ck-snap shoal://$ck_dest/
ok "ck-snap runs on $ck_dest" eventually 120 ck_on $ck_dest
ok "$ck_dest has the checkpoints, c1 the parent of c2" checkpoints hv $ck_dest
ok "Shoal lists them after the migration" checkpoints v
no_checkpoints() {
    local n
    n=$(hv "$1" checkpoint-list ck-snap --name 2>/dev/null | sed '/^$/d' | wc -l)
    [ "$n" -eq 0 ] || { echo "$1 still has $n checkpoints"; return 1; }
}
ok "$ck_host kept none" no_checkpoints $ck_host
v destroy ck-snap >/dev/null 2>&1
e2e_finish
