#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: a domain's life through virtshoald with stock virsh,
# python3-libvirt and Perl Sys::Virt - placement on the emptiest host,
# start, vCPU hot-add, balloon, suspend/resume, stop, undefine - with the
# lifecycle events a listener sees; definitions survive a killed daemon,
# and a host that loses one shows it missing until shoalctl host restore;
# a dead host; clashes and bad input; the read-only socket refuses every
# change.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

# h1 commits 3 vCPUs, h2 2 and h3 none: new domains go to h3.
e2e_start 3 'h1:lc-a1,lc-a2,lc-a3;h2:lc-b1,lc-b2'
v() { timeout 60 virsh -c "$URI" "$@"; }
ro() { timeout 60 virsh -c "$URI_RO" "$@"; }   # the daemon must refuse
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
hv() { local h=$1; shift; timeout 30 virsh -c "$(e2e_host_uri "$h")" "$@"; }
# guest NAME: an idle guest's XML in $E2E_DIR/NAME.xml
guest() { "$E2E_TESTBED" guest-xml "$1" idle --dir "$E2E_DIR/tb" >"$E2E_DIR/$1.xml"; }
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq "$1" ]; }
# first_list_count N: the first "list --all" the daemon answers (asked as
# soon as it listens) has N domains: a young daemon answers only complete
first_list_count() {
    local out i
    for i in $(seq 600); do
        if out=$(v -q list --all --name 2>/dev/null); then
            [ "$(grep -c . <<<"$out")" -eq "$1" ] && return 0
            printf 'the first answer listed:\n%s\n' "$out"
            return 1
        fi
        sleep 0.1
    done
    echo "virtshoald did not answer within 60 s"
    return 1
}
# listed_once NAME: Shoal lists NAME exactly once
listed_once() {
    local n
    n=$(v list --all --name | grep -cx -- "$1")
    [ "$n" -eq 1 ] || { echo "$1 listed $n times"; return 1; }
}
# on_hosts NAME COUNT HOST...: COUNT of the HOSTs' own libvirtd define NAME
on_hosts() {
    local name=$1 want=$2 h out n=0 where=
    shift 2
    for h in "$@"; do
        out=$(hv "$h" list --all --name) || { echo "$h does not answer"; return 1; }
        grep -qx -- "$name" <<<"$out" && { n=$((n + 1)); where+=" $h"; }
    done
    [ "$n" -eq "$want" ] || { echo "$name is defined on $n hosts ($where), not $want"; return 1; }
}

ok "the 5 guests of the testbed are listed" eventually 60 count_all 5

# A listener for every event, all along; ready once it sees one of ours.
e2e_background virsh -c "$URI" event --all --loop --timestamp >"$E2E_DIR/events.txt" 2>&1
ev_pid=$e2e_bg_pid
probe() {
    v suspend lc-a1 && v resume lc-a1 &&
        grep -q "for domain 'lc-a1': Resumed" "$E2E_DIR/events.txt"
}
ok "virsh event --all --loop is listening" eventually 30 probe

# --- virsh ---------------------------------------------------------------
guest lc-virsh
ok "virsh define" has "Domain 'lc-virsh' defined" v define "$E2E_DIR/lc-virsh.xml"
ok "the new domain is on the emptiest host, h3" lists lc-virsh hv h3
ok "... and on no other host" on_hosts lc-virsh 1 h1 h2 h3
ok "it is listed shut off" has 'lc-virsh +shut off' v list --all
ok "virsh start" has "Domain 'lc-virsh' started" v start lc-virsh
ok "dominfo shows it running" has 'State: +running' v dominfo lc-virsh
ok "dumpxml has its name" has '<name>lc-virsh</name>' v dumpxml lc-virsh
ok "h3 runs it" has '^running' hv h3 domstate lc-virsh
ok "setvcpus --live 2 (vCPU hot-add)" v setvcpus lc-virsh 2 --live
ok "vcpucount: current live 2" has 'current +live +2' v vcpucount lc-virsh
ok "vcpucount: the config keeps 1" has 'current +config +1' v vcpucount lc-virsh
ok "h3 agrees: 2 live vCPUs" has 'current +live +2' hv h3 vcpucount lc-virsh
ok "dominfo shows 2 CPUs" has '^CPU\(s\): +2$' v dominfo lc-virsh
ok "setvcpus above the maximum: the host's error" \
    fails 'greater than max' v setvcpus lc-virsh 5 --live
# The SeaBIOS guests have no balloon driver: QEMU takes the new target but the
# balloon never moves, so libvirt (h3 as much as Shoal) keeps reporting
# 64 MiB in use. What changes visibly is the configuration.
ok "setmem --live 32 MiB" v setmem lc-virsh 32M --live
ok "setmem --config 32 MiB" v setmem lc-virsh 32M --config
ok "dumpxml --inactive has the new current memory" \
    has "<currentMemory unit='KiB'>32768</currentMemory>" v dumpxml --inactive lc-virsh
ok "h3 has the new current memory" \
    has "<currentMemory unit='KiB'>32768</currentMemory>" hv h3 dumpxml --inactive lc-virsh
ok "domstats --balloon reports the balloon" \
    has 'balloon.maximum=65536' v domstats --balloon lc-virsh
ok "setmem above the maximum: the host's error" \
    fails 'cannot set memory higher than max memory' v setmem lc-virsh 128M --live
ok "virsh suspend" has "Domain 'lc-virsh' suspended" v suspend lc-virsh
ok "domstate: paused" has '^paused' v domstate lc-virsh
ok "virsh resume" has "Domain 'lc-virsh' resumed" v resume lc-virsh
ok "domstate: running" has '^running' v domstate lc-virsh
ok "virsh shutdown is accepted" has "Domain 'lc-virsh' is being shutdown" v shutdown lc-virsh
# No OS acts on the ACPI request: destroy it if it still runs.
stopped() { has '^shut off' v domstate lc-virsh; }
ok "virsh destroy (if shutdown did not stop it)" eval 'stopped || v destroy lc-virsh'
ok "domstate: shut off" has '^shut off' v domstate lc-virsh
ok "h3 has it shut off" has '^shut off' hv h3 domstate lc-virsh
ok "virsh undefine" has "Domain 'lc-virsh' has been undefined" v undefine lc-virsh
ok "Shoal no longer knows it" fails "failed to get domain 'lc-virsh'" v dominfo lc-virsh
ok "Shoal no longer lists it" lacks lc-virsh v
ok "h3 no longer has it" lacks lc-virsh hv h3

# --- python3-libvirt and Perl Sys::Virt ----------------------------------
guest lc-py
ok "python3-libvirt: defineXML (on h3), create, setVcpusFlags, setMemoryFlags, suspend, resume, destroy, undefine" \
    /usr/bin/python3 "$here/e2e_lifecycle.py" "$URI" "$E2E_DIR/lc-py.xml" lc-py "$(e2e_host_uri h3)"
guest lc-pl
ok "Perl Sys::Virt: define_domain (on h3), create, set_vcpus, set_memory, suspend, resume, destroy, undefine" \
    perl "$here/e2e_lifecycle.pl" "$URI" "$E2E_DIR/lc-pl.xml" lc-pl "$(e2e_host_uri h3)"
ok "no domain is left over" eventually 10 count_all 5

# --- events --------------------------------------------------------------
# events_of NAME: the lifecycle events of NAME, one word each, in order
events_of() {
    sed -n "s/.* event 'lifecycle' for domain '$1': \([A-Za-z]*\).*/\1/p" "$E2E_DIR/events.txt" |
        tr '\n' ' '
}
# lifecycle NAME: exactly Defined Started Suspended Resumed Stopped Undefined,
# once each, in that order; other kinds (Shutdown) are ignored, and so is a
# Resumed that does not follow a Suspended (QEMU starts paused, then runs).
lifecycle() {
    local got
    got=$(events_of "$1" | awk '{
        for (i = 1; i <= NF; i++) {
            if ($i !~ /^(Defined|Started|Suspended|Resumed|Stopped|Undefined)$/) continue
            if ($i == "Resumed" && last != "Suspended") continue
            printf "%s ", $i; last = $i
        } }')
    [ "$got" = "Defined Started Suspended Resumed Stopped Undefined " ] || {
        echo "lifecycle events of $1: $(events_of "$1")"
        return 1
    }
}
undefined_seen() { grep -q "for domain '$1': Undefined" "$E2E_DIR/events.txt"; }
ok "events: the listener saw the last domain undefined" eventually 20 undefined_seen lc-pl
ok "events of the virsh domain: Defined, Started, Suspended, Resumed, Stopped, Undefined" \
    lifecycle lc-virsh
ok "events of the python domain, in order" lifecycle lc-py
ok "events of the Perl domain, in order" lifecycle lc-pl
e2e_stop_background "$ev_pid"
ev_rc=$?
ok "the listener ends on SIGINT" eval "[ $ev_rc -eq 0 ] && grep -q 'event loop interrupted' '$E2E_DIR/events.txt'"
ok "the listener is gone" eval '! kill -0 "$ev_pid" 2>/dev/null'

# --- read-only socket ----------------------------------------------------
guest lc-ro
guest lc-off
ok "define a shut-off domain to test against" has 'defined' v define "$E2E_DIR/lc-off.xml"
ro_refused='read only access prevents'
ok "read-only (virsh -r): define is refused" \
    fails "$ro_refused" virsh -r -c "$URI_RO" define "$E2E_DIR/lc-ro.xml"
ok "read-only socket: define is refused" fails "$ro_refused" ro define "$E2E_DIR/lc-ro.xml"
ok "read-only socket: start is refused" fails "$ro_refused" ro start lc-off
ok "read-only socket: destroy is refused" fails "$ro_refused" ro destroy lc-a2
ok "read-only socket: suspend is refused" fails "$ro_refused" ro suspend lc-a2
ok "read-only socket: resume is refused" fails "$ro_refused" ro resume lc-a2
ok "read-only socket: shutdown is refused" fails "$ro_refused" ro shutdown lc-a2
ok "read-only socket: setvcpus is refused" fails "$ro_refused" ro setvcpus lc-a2 2 --live
ok "read-only socket: setmem is refused" fails "$ro_refused" ro setmem lc-a2 32M --live
ok "read-only socket: undefine is refused" fails "$ro_refused" ro undefine lc-off
ok "read-only (virsh -r): suspend is refused" \
    fails "$ro_refused" virsh -r -c "$URI_RO" suspend lc-a2
ok "read-only: nothing was defined" lacks lc-ro v
ok "read-only: lc-off is still defined and shut off" has 'lc-off +shut off' v list --all
ok "read-only: lc-a2 still runs with 1 vCPU" has 'current +live +1' v vcpucount lc-a2
ok "read-only: lc-a2 is still running" has '^running' v domstate lc-a2

# --- clashes and bad input -----------------------------------------------
a1_uuid=$(v domuuid lc-a1 | grep .)
guest lc-clash
sed "s|<name>lc-clash</name>|<name>lc-a1</name><uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>|" \
    "$E2E_DIR/lc-clash.xml" >"$E2E_DIR/clash-uuid.xml"
ok "a name that exists with another UUID: already exists" \
    fails "domain 'lc-a1' already exists" v define "$E2E_DIR/clash-uuid.xml"
sed "s|<name>lc-clash</name>|<name>lc-a1</name>|" "$E2E_DIR/lc-clash.xml" >"$E2E_DIR/clash-nouuid.xml"
ok "a name that exists, XML without UUID: already exists (as libvirt says)" \
    fails "domain 'lc-a1' already exists" v define "$E2E_DIR/clash-nouuid.xml"
sed "s|<name>lc-clash</name>|<name>lc-clash</name><uuid>$a1_uuid</uuid>|" \
    "$E2E_DIR/lc-clash.xml" >"$E2E_DIR/clash-name.xml"
ok "a UUID that exists with another name: already defined" \
    fails "already defined with uuid $a1_uuid" v define "$E2E_DIR/clash-name.xml"
ok "the clashes changed nothing" has "^UUID: +$a1_uuid$" v dominfo lc-a1
ok "... lc-a1 is still only on h1" on_hosts lc-a1 1 h1 h2 h3
ok "... and no lc-clash anywhere" on_hosts lc-clash 0 h1 h2 h3
sed "s|<devices>|<devices><emulator>/nonexistent/qemu</emulator>|; s|lc-clash|lc-noemu|" \
    "$E2E_DIR/lc-clash.xml" >"$E2E_DIR/noemu.xml"
ok "a new domain its host refuses: the host's error" \
    fails '/nonexistent/qemu' v define "$E2E_DIR/noemu.xml"
ok "... and nothing was defined" on_hosts lc-noemu 0 h1 h2 h3
echo '<domain>garbage' >"$E2E_DIR/garbage.xml"
ok "malformed XML: an XML error" fails 'XML error' v define "$E2E_DIR/garbage.xml"
sed "s|<memory unit='MiB'>64</memory>|<memory unit='TiB'>100</memory>|; s|lc-clash|lc-huge|" \
    "$E2E_DIR/lc-clash.xml" >"$E2E_DIR/huge.xml"
ok "100 TiB: no host can run it, with every host's reason" \
    fails "no host can run a domain with 104857600 MiB.*host 'h1'.*host 'h2'.*host 'h3'" \
    v define "$E2E_DIR/huge.xml"
ok "... and nothing was defined" on_hosts lc-huge 0 h1 h2 h3
ok "the cluster still has its 6 domains" count_all 6

# --- restart safety ------------------------------------------------------
guest lc-rs
v define "$E2E_DIR/lc-rs.xml" >"$E2E_DIR/rs-define.out" 2>&1
rs_define=$?
e2e_daemon_stop KILL
ok "define, then virtshoald is killed (SIGKILL) at once" \
    eval "[ $rs_define -eq 0 ] || { cat '$E2E_DIR/rs-define.out'; false; }"
e2e_daemon_start
ok "after the restart its first answer lists every domain" first_list_count 7
ok "the domain defined before the kill is listed once" listed_once lc-rs
ok "... and defined on exactly one host" on_hosts lc-rs 1 h1 h2 h3
rs_host=h3
ok "... h3 (the emptiest)" lists lc-rs hv h3
rs_uuid=$(v domuuid lc-rs | grep .)
# a change after the define: the store must follow it, not keep the first XML
ok "setmem --config 48 MiB on the stored domain" v setmem lc-rs 48M --config
e2e_daemon_stop
ok "with virtshoald stopped, undefine lc-rs on its host behind its back" hv "$rs_host" undefine lc-rs
ok "... it is gone from the host" lacks lc-rs hv "$rs_host"
e2e_daemon_start
# no undefine was seen: missing, kept, not defined again unasked
rs_missing() { has "missing +lc-rs +$rs_uuid +$rs_host" ctl conflicts; }
ok "virtshoald shows the definition missing on its host" eventually 60 rs_missing
ok "... listed with no state" has 'lc-rs +no state' v list --all
ok "... not defined again unasked" lacks lc-rs hv "$rs_host"
ok "shoalctl host restore defines it again from the store" \
    has "domain 'lc-rs' defined again on host '$rs_host'" ctl host restore "$rs_host" lc-rs
ok "... on its host" eventually 30 lists lc-rs hv "$rs_host"
ok "... with the same UUID" has "^$rs_uuid$" hv "$rs_host" domuuid lc-rs
ok "... and the definition as last changed through Shoal" \
    has "<currentMemory unit='KiB'>49152</currentMemory>" hv "$rs_host" dumpxml --inactive lc-rs
ok "... defined on exactly one host" on_hosts lc-rs 1 h1 h2 h3
ok "... listed once" eventually 30 listed_once lc-rs
# the host's definition changed behind Shoal's back while it was down:
# the store follows the host, so a later restore brings that one back
e2e_daemon_stop
ok "with virtshoald stopped, setmem --config 40 MiB on the host behind its back" \
    hv "$rs_host" setmem lc-rs 40M --config
rs_stored() { grep -q "<currentMemory unit='KiB'>49152<" "$E2E_DIR/state/domains/$rs_uuid.json"; }
ok "... the store still has 48 MiB" rs_stored
e2e_daemon_start
rs_follow() { grep -q "<currentMemory unit='KiB'>40960<" "$E2E_DIR/state/domains/$rs_uuid.json"; }
ok "virtshoald stores the definition the host now has" eventually 60 rs_follow
e2e_daemon_stop
hv "$rs_host" undefine lc-rs >/dev/null
e2e_daemon_start
ok "... and it is that one a restore brings back when the host loses it" \
    eval 'eventually 60 rs_missing && ctl host restore "$rs_host" lc-rs'
ok "... (the host has 40 MiB)" \
    eventually 30 has "<currentMemory unit='KiB'>40960</currentMemory>" hv "$rs_host" dumpxml --inactive lc-rs
ok "... listed once again" eventually 30 listed_once lc-rs
ok "... and it starts" has "Domain 'lc-rs' started" v start lc-rs
ok "... on its host" has '^running' hv "$rs_host" domstate lc-rs

# --- a host dies ---------------------------------------------------------
"$E2E_TESTBED" kill h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
nostate() { has 'lc-b1 +no state' v list --all; }
ok "h2 killed: its domains are listed with no state" eventually 30 nostate
ok "listing still shows every domain" count_all 7
ok "calls on h2's domain fail naming the host" fails "host 'h2'" v dominfo lc-b1
ok "changes to h2's domain fail naming the host" fails "host 'h2'" v suspend lc-b1
guest lc-hf
ok "a new define succeeds without h2" has "Domain 'lc-hf' defined" v define "$E2E_DIR/lc-hf.xml"
ok "... and is placed on a remaining host (h1 or h3)" on_hosts lc-hf 1 h1 h3
ok "... and starts" has "Domain 'lc-hf' started" v start lc-hf
"$E2E_TESTBED" start h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
back() { has 'State: +running' v dominfo lc-b1; }
ok "h2 is back: its domain runs again" eventually 60 back
ok "... and answers calls" v suspend lc-b1
ok "... (resume)" v resume lc-b1
ok "h2 did not get the new domain" lacks lc-hf hv h2
ok "the new domain is listed once" listed_once lc-hf
ok "every domain is listed" count_all 8
ok "the daemon logged no warning or critical" \
    eval "! grep -E 'CRITICAL|WARNING|Warning' '$E2E_DIR/daemon.log'"

# Autostart when the cluster comes up: once per boot (a marker in the
# runtime directory), like libvirtd.
guest lc-auto
ok "define an autostart domain" has 'defined' v define "$E2E_DIR/lc-auto.xml"
ok "... mark it autostart" v autostart lc-auto
e2e_daemon_stop
rm -f "$E2E_DIR/sock/virtshoald-autostarted"
e2e_daemon_start
auto_running() { has 'State: +running' v dominfo lc-auto; }
ok "the cluster comes up: the autostart domain is started" eventually 60 auto_running
ok "... it is stored as autostart" has 'Autostart: +enable' v dominfo lc-auto
ok "destroy it" v destroy lc-auto
e2e_daemon_stop
e2e_daemon_start
ok "a daemon restart in the same boot starts nothing" eval \
    'eventually 30 count_all 9; sleep 3; has "State: +shut off" v dominfo lc-auto'
# (the sleep gives a wrong autostart its chance: a negative cannot be awaited)

e2e_finish
