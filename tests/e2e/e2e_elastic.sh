#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: the testbed's real Linux guest (tests/testbed/linux-guest), the
# ground vertical scaling stands on. It boots under Shoal, answers on its
# command channel, shows its memory use through the balloon statistics Shoal
# reads (and passes on to virsh), onlines a hot-plugged vCPU and plugs and
# unplugs virtio-mem memory.
# Then the scheduler's own vertical scaling, with short holds: a busy
# guest gets memory through virtio-mem and gives it back when idle. vCPU
# unplug is unreliable under TCG (libvirt 9.0 gives it 5 s, see
# doc/internals/elastic.md), so for vCPUs down the planned step is
# asserted (shoalctl plan, the domain in advise mode), not the guest's
# count.
set -uo pipefail
here=$(dirname "$0")
# shellcheck source=tests/e2e/e2e_lib.sh
. "$here/e2e_lib.sh"
e2e_args "$@"
guest=$(dirname "$E2E_TESTBED")/linux-guest

# build the image before the testbed, so that its time is not the boot's
if ! "$guest" image >/dev/null; then
    echo "1..0 # SKIP no Linux guest image (linux-image-amd64, busybox-static, cpio)"
    exit 0
fi
e2e_start 1 'h1:linux-e1'
v() { virsh -c "$URI" "$@"; }
hv() { virsh -c "$(e2e_host_uri h1)" "$@"; }
sock=$E2E_DIR/tb/shared/linux-e1.sock
g() { "$guest" cmd "$sock" "$@"; }

booted=$SECONDS
ok "the Linux guest boots and answers on its channel" "$guest" wait "$sock" 180
echo "# guest answered $((SECONDS - booted)) s after the testbed was up"
listed() { v list --name | grep -x linux-e1 >/dev/null; }
ok "Shoal lists the guest running" eventually 60 listed

# the guest's memory use, as Shoal's statistics see it: balloon.usable
usable() { v domstats --balloon linux-e1 | sed -n 's/.*balloon\.usable=//p'; }
has_usable() { [ -n "$(usable)" ]; }
ok "the balloon driver reports memory statistics through Shoal" \
    eventually 60 has_usable
before=$(usable)
ok "the guest holds 64 MiB" has 'ok mem 64' g mem 64
used_more() {
    local now
    now=$(usable)
    echo "usable before ${before:-?} KiB, now ${now:-?} KiB"
    [ -n "$now" ] && [ -n "$before" ] && [ "$now" -lt $((before - 32768)) ]
}
ok "its usable memory drops by what it holds" eventually 60 used_more

ok "the guest spins one vCPU" has 'ok cpu 1' g cpu 1
cputime() { v domstats --cpu-total linux-e1 | sed -n 's/.*cpu\.time=//p'; }
cpu0=$(cputime)
busy() {
    local now
    now=$(cputime)
    echo "cpu.time ${cpu0:-?} -> ${now:-?} ns"
    [ -n "$now" ] && [ -n "$cpu0" ] && [ $((now - cpu0)) -gt 5000000000 ]
}
ok "the busy guest uses CPU" eventually 90 busy

# hot-plug: a vCPU comes online, virtio-mem memory is plugged and unplugged
memtotal() { g status | sed -n 's/.*memtotal=\([0-9]*\).*/\1/p'; }
total0=$(memtotal)
ok "the guest reports its memory" test -n "$total0"
total0=${total0:-0}
ok "a vCPU is hot-plugged" hv setvcpus linux-e1 2 --live
two_cpus() { has 'cpus=2' g status; }
ok "the guest onlines the hot-plugged vCPU" eventually 60 two_cpus
ok "128 MiB are requested from the virtio-mem device" \
    hv update-memory-device linux-e1 --requested-size 128MiB --live
# total_between MIN MAX: the guest's MemTotal in KiB is within [MIN, MAX]
total_between() {
    local t
    t=$(memtotal)
    echo "MemTotal ${total0:-?} -> ${t:-?} KiB, want $1..$2"
    [ -n "$t" ] && [ "$t" -ge "$1" ] && [ "$t" -le "$2" ]
}
ok "the guest plugs them" eventually 60 \
    total_between $((total0 + 120000)) $((total0 + 140000))
ok "the guest drops its load" has 'ok idle' g idle
ok "the virtio-mem memory is requested back" \
    hv update-memory-device linux-e1 --requested-size 0 --live
ok "the idle guest unplugs them" eventually 90 \
    total_between $((total0 - 8192)) $((total0 + 8192))
empty() { hv dumpxml linux-e1 | grep "<current unit='KiB'>0</current>"; }
ok "libvirt sees the device empty" eventually 30 empty

# the scheduler: one-second statistics, holds of a few intervals
ctl() { "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
cp "$E2E_DIR/tb/virtshoald.conf" "$E2E_DIR/tb/virtshoald.conf.orig"
e2e_daemon_stop
{
    printf '[statistics]\ninterval_ms=1000\n\n'
    printf '[scheduler]\nmode=automatic\nbalance=false\ncooldown_seconds=3\n'
    printf 'memory_high=0.6\nmemory_low=0.45\nmemory_hold_intervals=2\n'
    printf 'idle_intervals=6\nvirtio_mem_step_mib=128\nvcpu_idle_busy=0.3\n\n'
    cat "$E2E_DIR/tb/virtshoald.conf.orig"
} >"$E2E_DIR/tb/virtshoald.conf"
e2e_daemon_start
ok "Shoal lists the guest again" eventually 60 listed
total1=$(memtotal)
total1=${total1:-0}
# its MemTotal is about 140 MiB: 64 MiB held is well above memory_high
ok "the guest holds 64 MiB" has 'ok mem 64' g mem 64
ok "the busy guest gets memory through virtio-mem, in 128 MiB steps" \
    eventually 120 total_between $((total1 + 120000)) $((total1 + 270000))
stepped() { grep 'plan step: set-virtio-mem .linux-e1' "$E2E_DIR/daemon.log"; }
ok "the scheduler logged the step with its reason" stepped
ok "the guest drops its load" has 'ok idle' g idle
ok "the idle guest gives them back" eventually 120 \
    total_between $((total1 - 8192)) $((total1 + 8192))

# vCPUs down: planned, to the metadata's floor
ok "the guest is advise-only with a floor of one vCPU" v metadata linux-e1 \
    http://shoal.example.org/xmlns/placement/1 --key shoal --live --config \
    --set '<placement mode="advise" vcpu-floor="1"/>'
remove_planned() { ctl plan --json | grep '"action": *"remove-vcpu"'; }
ok "an idle guest with 2 vCPUs is planned to lose one" eventually 120 \
    remove_planned
ok "the plan only advises: the guest keeps its 2 vCPUs" two_cpus

e2e_finish
