#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: live migration through virtshoald with stock virsh on the
# 3-host testbed with CPU-hog and idle guests - to a member's URI, to
# shoal://NAME/ and to shoal://<this host>/ (placement picks the host with
# most room); progress; abort; the executor's record; failures (unknown,
# unreachable, full or maintenance destination, a domain already
# migrating, its own host, the destination's libvirtd killed mid-way,
# virtshoald killed mid-way); host maintenance under a client polling
# dominfo, persisted across restarts, and --return; host add/remove.
#
# Guests are defined on the hosts behind Shoal's back (it adopts them), so
# where each starts is known. None has VNC: each libvirtd picks VNC ports
# on its own, and an incoming migration can collide with a port another
# host's guest holds. "big-c" fills 96 of its 128 MiB with non-zero data at
# boot (e2e_migrate.py fill-disk): with --bandwidth its migrations last
# long enough to be watched, aborted or broken (96 s at 1 MiB/s).
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 3 ''
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 30 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 180 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
py() { /usr/bin/python3 "$here/e2e_migrate.py" "$@"; }
mig() { v migrate --live --p2p "$@"; }
HOSTS="h1 h2 h3"

# guest NAME idle|hog|big HOST: define NAME on HOST's own libvirtd and start it
guest() {
    local name=$1 kind=$2 host=$3 xml=$E2E_DIR/$1.xml
    "$E2E_TESTBED" guest-xml "$name" "$([ "$kind" = idle ] && echo idle || echo hog)" \
        --dir "$E2E_DIR/tb" | sed '/<graphics /d' >"$xml" || return 1
    if [ "$kind" = big ]; then
        sed -i "s|<memory unit='MiB'>64</memory>|<memory unit='MiB'>128</memory>|" "$xml"
        py fill-disk "$E2E_DIR/tb/shared/$name.img" 96 halt || return 1
    fi
    hv "$host" define "$xml" && hv "$host" start "$name"
}
# hosts_with NAME [--all]: the hosts whose own libvirtd runs (defines) NAME
hosts_with() {
    local h out where=
    for h in $HOSTS; do
        out=$(hv "$h" list ${2:-} --name) || { echo "$h does not answer" >&2; return 1; }
        if grep -qx -- "$1" <<<"$out"; then where+=" $h"; fi
    done
    echo "${where# }"
}
# runs_on NAME HOST / defined_on NAME HOST: on HOST and no other host
runs_on() {
    local got
    got=$(hosts_with "$1") || return 1
    [ "$got" = "$2" ] || { echo "$1 runs on '$got', not on '$2' alone"; return 1; }
}
defined_on() {
    local got
    got=$(hosts_with "$1" --all) || return 1
    [ "$got" = "$2" ] || { echo "$1 is defined on '$got', not on '$2' alone"; return 1; }
}
# listed_running NAME: Shoal lists NAME once, and it is running
listed_running() {
    local out n
    out=$(v list --all) || { echo "$out"; return 1; }
    n=$(grep -cE -- " $1 +" <<<"$out")
    [ "$n" -eq 1 ] || { printf '%s listed %s times:\n%s\n' "$1" "$n" "$out"; return 1; }
    grep -qE -- " $1 +running$" <<<"$out" || { printf '%s not running:\n%s\n' "$1" "$out"; return 1; }
}
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq "$1" ]; }
# placed NAME HOST: the checks after a migration of NAME to HOST
placed() {
    ok "$1 runs on $2 and on no other host (each host's libvirtd)" eventually 20 runs_on "$1" "$2"
    ok "... is defined on $2 and on no other host" eventually 20 defined_on "$1" "$2"
    ok "... Shoal lists it once, running" eventually 20 listed_running "$1"
    ok "... dumpxml through Shoal works" has "<name>$1</name>" v dumpxml "$1"
}
# migration DOMAIN FROM TO STATE [REASON]: the executor's newest record
migration() {
    local json
    json=$(ctl migrations --json) || { echo "$json"; return 1; }
    py migration "$@" <<<"$json"
}
host_field() { ctl host list --json | py host "$1" "$2"; }
host_is() { [ "$(host_field "$1" "$2")" = "$3" ]; }

# bg TAG COMMAND...: run COMMAND (virsh: SIGINT at exit aborts its job) in
# the background, its output in $E2E_DIR/TAG.out; ended TAG: it has exited;
# reap TAG: then its exit status goes to $E2E_DIR/TAG.rc
declare -A bg_pids
bg() {
    local tag=$1
    shift
    rm -f "$E2E_DIR/$tag.rc"
    e2e_background "$@" >"$E2E_DIR/$tag.out" 2>&1
    bg_pids[$tag]=$e2e_bg_pid
}
ended() {
    local st
    st=$(ps -o stat= -p "${bg_pids[$1]}")
    [ -z "$st" ] || [[ $st == Z* ]]
}
reap() {
    if ended "$1"; then
        e2e_reap_background "${bg_pids[$1]}"
    else
        e2e_stop_background "${bg_pids[$1]}"
    fi
    echo $? >"$E2E_DIR/$1.rc"
}
# failed_saying TAG PATTERN: the background command ended, failed, said PATTERN
failed_saying() {
    local rc
    rc=$(cat "$E2E_DIR/$1.rc" 2>/dev/null)
    [ "$rc" != 0 ] && grep -Eq -- "$2" "$E2E_DIR/$1.out" ||
        { echo "exit status $rc:"; cat "$E2E_DIR/$1.out"; return 1; }
}
# migrating NAME SRC DST: SRC's libvirtd has an outgoing job for NAME and
# DST's the incoming domain (the migration is copying memory)
migrating() {
    has 'Job type: +Unbounded' hv "$2" domjobinfo "$1" &&
        grep -qx -- "$1" <<<"$(hv "$3" list --all --name)"
}
# job_steady NAME: domjobinfo through Shoal shows NAME's migration job, again
# and again (as virsh migrate --verbose asks it) for 2 s
job_steady() {
    local i
    for i in 1 2 3 4 5; do
        sleep 0.4
        has 'Job type: +Unbounded' v domjobinfo "$1" || return 1
    done
}
# said TAG: what the background command printed, as TAP comments
said() { grep . "$E2E_DIR/$1.out" | sed "s/^/# $1 said: /"; }
# job_over NAME HOST: HOST's libvirtd has no job on NAME (or no NAME)
job_over() { ! hv "$2" domjobinfo "$1" 2>&1 | grep Unbounded >/dev/null; }
# abort_direct NAME HOST: stop a migration behind Shoal's back, so that a
# failed check does not leave it running into the next section
abort_direct() {
    job_over "$1" "$2" || hv "$2" domjobabort "$1" >/dev/null 2>&1
    eventually 30 job_over "$1" "$2"
}

# --- guests --------------------------------------------------------------
# h1: the idle mig-a and the hog hog-b that section 1 moves, and the three
# guests maintenance moves (one hog); h2: big-c; h3: nothing yet.
ok "define and start 6 guests on the hosts directly" eval '
    guest mig-a idle h1 && guest hog-b hog h1 && guest mt-hog hog h1 &&
    guest mt-idle1 idle h1 && guest mt-idle2 idle h1 && guest big-c big h2'
ok "Shoal adopts the 6 guests" eventually 60 count_all 6
# big-c's boot sector writes 96 MiB: until it has, a migration copies
# zero pages only and ends at once (its QEMU's resident memory tells)
big_filled() {
    local rss
    rss=$(hv h2 domstats --balloon big-c | sed -n 's/.*balloon\.rss=//p')
    [ "${rss:-0}" -ge $((100 * 1024)) ] || { echo "big-c's QEMU holds ${rss:-?} KiB"; return 1; }
}
ok "big-c has written its memory" eventually 60 big_filled
for d in mig-a hog-b mt-hog mt-idle1 mt-idle2 big-c; do
    ok "$d is listed running" eventually 30 listed_running "$d"
done

# --- 1. three ways to name the destination -------------------------------
ok "migrate the idle mig-a to h2's libvirt URI" mig mig-a "$(e2e_host_uri h2)"
placed mig-a h2
# NUMA (numa12): a migration's destination XML pins the guest to the
# destination's cell, live and in its persistent definition; the
# testbed's hosts have one cell, 0, with all their CPUs
numa_pinned() {
    local f x
    for f in '' --inactive; do
        x=$(hv "$2" dumpxml $f "$1") || return 1
        if ! grep -q "<memory mode='strict' nodeset='0'/>" <<<"$x" ||
            ! grep -q "<vcpu [^>]*cpuset='[0-9]" <<<"$x"; then
            echo "$1 on $2 ${f:-live}: $(grep -E 'nodeset|<vcpu' <<<"$x")"
            return 1
        fi
    done
}
ok "... Shoal pinned mig-a to h2's NUMA cell 0 (numatune, vCPU cpuset)" \
    numa_pinned mig-a h2
ok "... domjobinfo --completed through Shoal shows the finished migration" \
    has 'Job type: +Completed' v domjobinfo --completed mig-a
ok "shoalctl migrations: mig-a h1 -> h2 done, with a duration" \
    eventually 10 migration mig-a h1 h2 'done' 'client request'

ok "migrate the hog hog-b to shoal://h3/" mig --unsafe hog-b shoal://h3/
placed hog-b h3
ok "shoalctl migrations: hog-b h1 -> h3 done, with a duration" \
    eventually 10 migration hog-b h1 h3 'done'

# mig-a leaves h2; h1 commits 3 guests (3 vCPUs, 192 MiB), h3 one (hog-b):
# h3 has most room, though h1 sorts first
ok "migrate mig-a to shoal://$(hostname)/: Shoal picks the destination" \
    mig mig-a "shoal://$(hostname)/"
placed mig-a h3
ok "shoalctl migrations: mig-a h2 -> h3 done" eventually 10 migration mig-a h2 h3 'done'
ok "... its NUMA pin was rewritten for h3's cell" numa_pinned mig-a h3
ok "the hog stops (it is in the way of the timings that follow)" v destroy hog-b

# --- 2. progress -----------------------------------------------------------
out=$(mig --unsafe --verbose --bandwidth 32 big-c "$(e2e_host_uri h3)" 2>&1)
rc=$?
progress=$(tr '\r' '\n' <<<"$out" | grep -E 'Migration: \[')
# what the destination says it received, shown if the progress check fails
done_info=$(hv h3 domjobinfo --completed big-c 2>&1 | grep -E 'elapsed|processed|Normal|Zero')
ok "virsh migrate --verbose --bandwidth 32 big-c to h3 (96 MiB to copy, ~3 s)" \
    eval "[ $rc -eq 0 ] || { echo \"\$out\"; false; }"
ok "... virsh printed progress below 100 %" \
    eval 'grep -Eq "\[ *[0-9]{1,2} ?%\]" <<<"$progress" || { echo "progress: $progress"; echo "$done_info"; false; }'
ok "... and 100 % at the end" eval 'grep -q "100 %" <<<"$progress"'
placed big-c h3
ok "shoalctl migrations: big-c h2 -> h3 done" eventually 10 migration big-c h2 h3 'done'

# --- 3. abort ----------------------------------------------------------------
bg abort virsh -c "$URI" migrate --live --p2p --unsafe --bandwidth 1 big-c shoal://h2/
ok "a slow migration (--bandwidth 1) of big-c to h2 is under way" eventually 30 migrating big-c h3 h2
ok "domjobinfo through Shoal shows the unbounded job (5 times in 2 s)" job_steady big-c
ok "domjobabort through Shoal" v domjobabort big-c
abort_direct big-c h3
ok "the migrate command ends" eventually 30 ended abort
reap abort
ok "... with an error: the job was aborted" failed_saying abort 'abort|cancel'
said abort
placed big-c h3
ok "shoalctl migrations: big-c h3 -> h2 failed, with its error" \
    eventually 10 migration big-c h3 h2 failed

# --- 5. failures -------------------------------------------------------------
bg slow virsh -c "$URI" migrate --live --p2p --unsafe --bandwidth 1 big-c shoal://h2/
ok "another slow migration of big-c to h2 is under way" eventually 30 migrating big-c h3 h2
ok "... domjobinfo through Shoal shows it (5 times in 2 s)" job_steady big-c
ok "a second migration of the same domain: already being migrated" \
    fails "domain 'big-c' is already being migrated" mig --unsafe big-c shoal://h1/
"$E2E_TESTBED" kill h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h2's libvirtd killed mid-migration: the migrate command ends" eventually 60 ended slow
reap slow
ok "... with an error" failed_saying slow 'error'
said slow
abort_direct big-c h3
HOSTS="h1 h3"
ok "... big-c still runs on h3 (h1 and h3 asked)" runs_on big-c h3
ok "destination unreachable: a clear error" \
    eventually 30 fails "host 'h2' is unreachable" mig mig-a shoal://h2/
ok "... mig-a stays on h3" runs_on mig-a h3
"$E2E_TESTBED" start h2 --dir "$E2E_DIR/tb" >/dev/null 2>&1
HOSTS="h1 h2 h3"
ok "h2 is back online" eventually 60 host_is h2 state online
placed big-c h3
ok "shoalctl migrations: big-c h3 -> h2 failed" eventually 10 migration big-c h3 h2 failed

ok "unknown destination shoal://nosuch/: not a member host" \
    fails "destination 'shoal://nosuch/' is not a member host" mig mig-a shoal://nosuch/
ok "migration to the domain's own host: already on host" \
    fails "domain 'mig-a' is already on host 'h3'" mig mig-a shoal://h3/
ok "migration without --p2p: Shoal asks for --p2p" \
    fails 'p2p' v migrate --live mig-a "$(e2e_host_uri h2)"

# no room: a shut-off domain on h2 commits all but 32 MiB of its memory
cap=$(host_field h2 memory_kib)
"$E2E_TESTBED" guest-xml filler idle --dir "$E2E_DIR/tb" |
    sed "/<graphics /d; s|<memory unit='MiB'>64</memory>|<memory unit='KiB'>$((cap - 32768))</memory>|" \
        >"$E2E_DIR/filler.xml"
ok "define a shut-off domain with all but 32 MiB of h2's memory on h2" \
    hv h2 define "$E2E_DIR/filler.xml"
ok "Shoal adopts it" eventually 30 host_is h2 committed_memory_kib $((cap - 32768))
ok "destination without room: 64 MiB do not fit on h2" \
    fails "no host can run a domain with 64 MiB.*host 'h2'" mig mig-a shoal://h2/
ok "... mig-a stays on h3" runs_on mig-a h3
ok "undefine the filler through Shoal" v undefine filler
ok "... it is gone from h2" eventually 10 defined_on filler ''

# --- 4. maintenance ----------------------------------------------------------
mt="mt-hog mt-idle1 mt-idle2"
# shellcheck disable=SC2086
e2e_background /usr/bin/python3 "$here/e2e_migrate.py" watch "$URI" "$E2E_DIR/watch.jsonl" $mt
watch_pid=$e2e_bg_pid
# shellcheck disable=SC2086
ok "a python3-libvirt client polls info() of h1's 3 guests every 0.2 s" \
    eventually 30 py watch-check "$E2E_DIR/watch.jsonl" samples $mt
ok "shoalctl host maintenance h1 on: 3 domains migrated" \
    has "host 'h1' is in maintenance: 3 domains migrated" ctl host maintenance h1 on
sleep 1.5   # the client's calls after the move
e2e_stop_background "$watch_pid"
# shellcheck disable=SC2086
ok "... the client's calls all succeeded, during the moves too" \
    py watch-check "$E2E_DIR/watch.jsonl" errors $mt
# shellcheck disable=SC2086
ok "... cpuTime never went down" py watch-check "$E2E_DIR/watch.jsonl" monotonic $mt
ok "... the hog's cpuTime grew over the moves" py watch-check "$E2E_DIR/watch.jsonl" grows mt-hog
for d in $mt; do
    ok "$d left h1: it runs on exactly one host" eventually 20 eval \
        "runs_on $d h2 || runs_on $d h3"
    ok "... and is defined there only" eventually 20 eval \
        "defined_on $d \"\$(hosts_with $d)\""
    ok "... listed once, running" listed_running "$d"
    ok "... shoalctl migrations: done, reason maintenance" \
        migration "$d" h1 - 'done' "maintenance of 'h1'"
done
ok "h1's own libvirtd has no domain" eval '[ -z "$(hv h1 list --all --name | grep .)" ]'
ok "shoalctl host list: h1 in maintenance" host_is h1 maintenance true
ok "shoalctl host list: h1 has 0 domains" host_is h1 domains 0
ok "shoalctl host list (text): MAINT yes" has '^h1 +online +yes +0 ' ctl host list
# h1 is now the emptiest host: only maintenance keeps a new domain off it
"$E2E_TESTBED" guest-xml mt-new idle --dir "$E2E_DIR/tb" | sed '/<graphics /d' >"$E2E_DIR/mt-new.xml"
ok "define a new domain through Shoal" v define "$E2E_DIR/mt-new.xml"
ok "... it is not placed on h1" eval 'defined_on mt-new h2 || defined_on mt-new h3'
ok "... undefine it" v undefine mt-new
ok "destination in maintenance: a clear error" \
    fails "host 'h1' is in maintenance" mig mig-a shoal://h1/

# membership: a host that does not answer can be added and removed
h9_uri="qemu+tcp://$(e2e_host_uri h1 | sed -E 's|.*//([0-9]+\.[0-9]+\.[0-9]+)\..*|\1|').99/system"
ok "shoalctl host add h9 (an address nothing answers at)" ctl host add h9 "$h9_uri"
ok "... it is listed, not online" eventually 10 eval '! host_is h9 state online && host_is h9 uri "$h9_uri"'

e2e_daemon_stop
e2e_daemon_start
ok "virtshoald restarted: every domain is listed" eventually 60 count_all 6
ok "... h1 is still in maintenance" eventually 30 host_is h1 maintenance true
ok "... h9 is still a member" host_is h9 uri "$h9_uri"
ok "shoalctl host remove h9" ctl host remove h9
ok "... it is no longer listed" eval '! ctl host list | grep "^h9 " >/dev/null'

ok "shoalctl host maintenance h1 off --return: 3 domains migrated back" \
    has "3 domains migrated" ctl host maintenance h1 off --return
for d in $mt; do
    placed "$d" h1
    ok "... shoalctl migrations: done, reason return" migration "$d" - h1 'done' "return to 'h1'"
done
ok "shoalctl host list: h1 out of maintenance" host_is h1 maintenance false

e2e_daemon_stop
e2e_daemon_start
ok "virtshoald restarted again: every domain is listed" eventually 60 count_all 6
ok "... h1 is still out of maintenance" eventually 30 host_is h1 maintenance false
ok "... h9 is still gone" eval '! ctl host list | grep "^h9 " >/dev/null'

# --- 5. virtshoald killed mid-migration --------------------------------------
bg killed virsh -c "$URI" migrate --live --p2p --unsafe --bandwidth 24 big-c shoal://h2/
ok "a migration of big-c to h2 (~4 s) is under way" eventually 30 migrating big-c h3 h2
e2e_daemon_stop KILL
ok "virtshoald killed (SIGKILL): the migrate command ends" eventually 30 ended killed
reap killed
ok "... with an error" failed_saying killed 'error'
said killed
e2e_daemon_start
ok "the hosts finish the migration on their own" eventually 60 job_over big-c h3
ok "after the restart big-c runs on exactly one host" \
    eventually 20 eval 'runs_on big-c h2 || runs_on big-c h3'
ok "... is defined on exactly one host" \
    eventually 20 eval 'defined_on big-c h2 || defined_on big-c h3'
ok "... Shoal lists it once, running" eventually 20 listed_running big-c
ok "... dominfo through Shoal works" has 'State: +running' v dominfo big-c
ok "every domain is listed" count_all 6

# --- 6. a migration behind Shoal's back --------------------------------------
# virsh on the hosts themselves: Shoal follows the domain (no undefine event
# comes from the source) and never restores it on the host it left
raw_src=$(hosts_with mig-a)
raw_dst=$(for h in $HOSTS; do [ "$h" = "$raw_src" ] || echo "$h"; done | head -1)
ok "virsh migrate --persistent --undefinesource mig-a $raw_src -> $raw_dst on the hosts" \
    hv "$raw_src" migrate --live --p2p --persistent --undefinesource mig-a "$(e2e_host_uri "$raw_dst")"
ok "... Shoal lists it once, running, well before its periodic re-read" \
    eventually 10 listed_running mig-a
sleep 3
ok "... it is still defined on $raw_dst only (not restored on $raw_src)" defined_on mig-a "$raw_dst"
ok "... dominfo through Shoal works" has 'State: +running' v dominfo mig-a
ok "the daemon logged no critical" eval "! grep -E 'CRITICAL' '$E2E_DIR/daemon.log'"

e2e_finish
