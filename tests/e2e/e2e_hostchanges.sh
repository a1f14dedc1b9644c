#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: what an operator does on a member host is followed, never
# undone (doc/internals/reconcile.md). An undefine on a host stays
# undefined after a full re-read; a define, an edit and a rename there are
# followed through events; an operator's same-UUID copy stays and is
# reported until removed; a reinstalled host (its state wiped) shows its
# domains missing until shoalctl host restore; offline migrations to and
# from a host outside the cluster; create over an inactive domain answers
# as the host does.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

# h4 starts as a member only to be removed: the host outside the cluster.
e2e_start 4 'h1:hc-a1;h2:hc-b1@off,hc-b2@off'
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 60 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
guest() { "$E2E_TESTBED" guest-xml "$1" idle --dir "$E2E_DIR/tb" >"$E2E_DIR/$1.xml"; }
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq "$1" ]; }
stored() { [ -e "$E2E_DIR/state/domains/$1.json" ]; }
not_stored() { [ ! -e "$E2E_DIR/state/domains/$1.json" ]; }
# restart: stop and start virtshoald (not inside ok: it sets the daemon's
# pid); its first read of every host is a full read, as the periodic one
restart() {
    e2e_daemon_stop
    e2e_daemon_start
}

ok "the 3 guests of the testbed are listed" eventually 60 count_all 3
ok "h4 leaves the cluster (the host outside it)" ctl host remove h4

# --- a define, an edit, a rename on a host: followed -----------------------
# (bounded waits of 10 s: the periodic re-read is every 30 s)
guest hc-op
ok "virsh define on h3 directly" hv h3 define "$E2E_DIR/hc-op.xml"
op_uuid=$(hv h3 domuuid hc-op | grep .)
ok "Shoal lists it through h3's event" eventually 10 lists hc-op v
ok "... and stores it" eventually 10 stored "$op_uuid"
# virsh edit redefines the domain; setmem --config sends no event
hv h3 dumpxml --inactive hc-op |
    sed "s|<currentMemory unit='KiB'>[0-9]*</currentMemory>|<currentMemory unit='KiB'>49152</currentMemory>|" \
        >"$E2E_DIR/hc-op-edited.xml"
ok "an edit on h3 (virsh define over it, as virsh edit does)" hv h3 define "$E2E_DIR/hc-op-edited.xml"
op_edited() { grep -q "<currentMemory unit='KiB'>49152<" "$E2E_DIR/state/domains/$op_uuid.json"; }
ok "Shoal stores the edited definition" eventually 10 op_edited
ok "virsh domrename on h3" hv h3 domrename hc-op hc-op2
ok "Shoal lists the new name" eventually 10 lists hc-op2 v
ok "... not the old one" eventually 10 lacks hc-op v
ok "... and stores the new name" eventually 10 grep -q '"name": *"hc-op2"' "$E2E_DIR/state/domains/$op_uuid.json"

# --- an undefine on a host: followed, and stays undefined ----------------
ok "virsh undefine on h3 directly" hv h3 undefine hc-op2
ok "Shoal no longer lists it" eventually 10 lacks hc-op2 v
ok "... nor stores it" eventually 10 not_stored "$op_uuid"
restart
ok "virtshoald restarts: a full read of every host" eventually 60 count_all 3
ok "the undefine stays: h3 lacks the domain" lacks hc-op2 hv h3
ok "... Shoal does not list it" lacks hc-op2 v
ok "... nor store it" not_stored "$op_uuid"
ok "the daemon never restored a definition" \
    eval "! grep -q 'restored the definition' '$E2E_DIR/daemon.log'"

# --- an operator's copy of a domain on another host -----------------------
b1_uuid=$(v domuuid hc-b1 | grep .)
hv h2 dumpxml --inactive hc-b1 | sed 's|<name>hc-b1</name>|<name>hc-copy</name>|' >"$E2E_DIR/hc-copy.xml"
ok "an operator defines a copy of hc-b1 (same UUID) on h1" hv h1 define "$E2E_DIR/hc-copy.xml"
# named as the host that answered first has it
dup() { has "duplicate +hc-(b1|copy) +$b1_uuid +h(2,h1|1,h2)" ctl conflicts; }
ok "shoalctl conflicts reports the duplicate" eventually 10 dup
ok "calls on it fail: multiple matching domains" fails 'multiple matching domains found' v dominfo hc-b1
restart
ok "virtshoald restarts" eventually 60 count_all 3
ok "the copy is still on h1" lists hc-copy hv h1
ok "... the original still on h2" lists hc-b1 hv h2
ok "... still reported" eventually 10 dup
ok "the operator removes the copy on h1" hv h1 undefine hc-copy
ok "no conflicts left" eventually 10 has 'no conflicts' ctl conflicts
ok "hc-b1 answers again" has 'State: +shut off' v dominfo hc-b1
ok "the daemon removed no copy" \
    eval "! grep -q 'removed the shut-off copy' '$E2E_DIR/daemon.log'"

# --- a reinstalled host: its domains missing until restored ---------------
b2_uuid=$(v domuuid hc-b2 | grep .)
"$E2E_TESTBED" kill h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h2 is reinstalled: its definitions are wiped" \
    eval "rm -f '$E2E_DIR'/tb/hosts/h2/etc/qemu/*.xml && ! ls '$E2E_DIR'/tb/hosts/h2/etc/qemu/*.xml"
"$E2E_TESTBED" start h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h2 answers with no domains" has '^$' hv h2 list --all --name
missing() { has "missing +hc-b1 .*h2" ctl conflicts && has "missing +hc-b2 .*h2" ctl conflicts; }
ok "shoalctl conflicts: hc-b1 and hc-b2 missing on h2" eventually 60 missing
ok "both are listed with no state" has 'hc-b2 +no state' v list --all
ok "h2 was not re-populated unasked" has '^$' hv h2 list --all --name
ok "shoalctl host restore h2 hc-b2" has "domain 'hc-b2' defined again on host 'h2'" ctl host restore h2 hc-b2
ok "... hc-b2 is on h2 again, same UUID" has "^$b2_uuid$" hv h2 domuuid hc-b2
ok "... hc-b1 is still missing" has "missing +hc-b1 .*h2" ctl conflicts
ok "shoalctl host restore h2 (all)" has "domain 'hc-b1' defined again on host 'h2'" ctl host restore h2
ok "... hc-b1 is listed shut off" eventually 30 has 'hc-b1 +shut off' v list --all
ok "... no conflicts left" eventually 10 has 'no conflicts' ctl conflicts

# --- migrations to and from a host outside the cluster -------------------
H3=$(e2e_host_uri h3)
H4=$(e2e_host_uri h4)
a1_uuid=$(v domuuid hc-a1 | grep .)
ok "migrate hc-a1 live from h1 to h4 (outside), undefining the source" \
    hv h1 migrate --live --p2p --persistent --undefinesource hc-a1 "$H4"
ok "Shoal follows h1's event: no longer lists it" eventually 10 lacks hc-a1 v
ok "... nor stores it" eventually 10 not_stored "$a1_uuid"
ok "... nor calls it missing" eval '! has hc-a1 ctl conflicts'
ok "migrate it back live from h4 to h3 (a member)" \
    eval "timeout 60 virsh -c '$H4' migrate --live --p2p --persistent --undefinesource hc-a1 '$H3'"
ok "Shoal lists it running on h3" eventually 10 has 'hc-a1 +running' v list --all
ok "... and stores it" eventually 10 stored "$a1_uuid"
# an offline migration's source sends no event: the follow poll
# ([reconcile] follow_poll_ms) finds it gone with the connection up
ok "migrate hc-b2 offline from h2 to h4 (outside)" \
    hv h2 migrate --offline --persistent --undefinesource hc-b2 "$H4"
ok "Shoal follows it without an event: no longer lists it" eventually 10 lacks hc-b2 v
ok "... nor stores it" eventually 10 not_stored "$b2_uuid"
ok "... nor calls it missing" eval '! has hc-b2 ctl conflicts'
ok "migrate it offline from h4 to h3 (a member)" \
    eval "timeout 60 virsh -c '$H4' migrate --offline --persistent --undefinesource hc-b2 '$H3'"
ok "Shoal adopts it on h3's event" eventually 10 lists hc-b2 v
ok "... and stores it" eventually 10 stored "$b2_uuid"
# between members, behind Shoal: defined on h1 first, gone from h3 at the
# end with no event; followed as a move, not a conflict
ok "migrate hc-b2 offline from h3 to h1 (members), undefining the source" \
    hv h3 migrate --offline --persistent --undefinesource hc-b2 "$(e2e_host_uri h1)"
stored_on() { grep -q "\"host\": *\"$2\"" "$E2E_DIR/state/domains/$1.json"; }
ok "Shoal stores it on h1" eventually 10 stored_on "$b2_uuid" h1
ok "... and lists it" lists hc-b2 v
ok "... no conflict reported" eval '! has hc-b2 ctl conflicts'
ok "migrate it back to h3" \
    hv h1 migrate --offline --persistent --undefinesource hc-b2 "$H3"
ok "Shoal stores it on h3 again" eventually 10 stored_on "$b2_uuid" h3

# --- create over an inactive persistent domain: as on a host -------------
hv h3 dumpxml --inactive hc-b2 >"$E2E_DIR/hc-b2.xml"
shoal_out=$(v create "$E2E_DIR/hc-b2.xml" 2>&1)
ok "virsh create through Shoal with hc-b2's name and UUID starts it" \
    has "Domain 'hc-b2' created from" echo "$shoal_out"
ok "... running, still persistent" has 'Persistent: +yes' v dominfo hc-b2
ok "... on its host h3" has '^running' hv h3 domstate hc-b2
ok "destroy it" v destroy hc-b2
host_out=$(hv h3 create "$E2E_DIR/hc-b2.xml" 2>&1)
ok "virsh create on h3 itself answers the same" eval '[ "$shoal_out" = "$host_out" ]'
ok "... running on h3" has '^running' hv h3 domstate hc-b2
ok "destroy it on h3" hv h3 destroy hc-b2

ok "the daemon logged no warning or critical but the conflict's" \
    eval "! grep -E 'CRITICAL|WARNING|Warning' '$E2E_DIR/daemon.log' | grep -v conflict"

e2e_finish
