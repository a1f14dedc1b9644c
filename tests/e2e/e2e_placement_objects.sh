#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end (issue 11 part 4): a domain runs only where its storage is.
# A volume of a local pool that only h1 holds pins the domain using it:
# define places it on h1, maintenance of h1 leaves it there and says why,
# virsh migrate to h2 fails with a clear error, also once h2 lacks the
# pool itself. And a pool definition one host rejects is rolled back on
# the other.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 2 ''
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 60 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 300 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
pool_dir=$E2E_DIR/local
runs_on() { has "^ *[0-9]+ +$1 +running" hv "$2" list; }
# not_on NAME HOST: HOST answers and has no domain NAME
not_on() {
    local out
    out=$(hv "$2" list --all --name) || return 1
    ! grep -qx -- "$1" <<<"$out"
}

ok "both hosts are online" eventually 60 has 'h2 +online' ctl host list

# --- a pool definition one host rejects is rolled back on the others -----
ok "h2 has its own pool 'clash'" hv h2 pool-define-as clash dir --target "$E2E_DIR/clash"
ok "pool-define-as clash through Shoal: h2's error, naming h2" \
    fails "h2.*(already exists|already in use)|(already exists|already in use).*h2" \
    v pool-define-as clash dir --target "$E2E_DIR/clash"
ok "... h1 does not keep it" fails 'not found|no storage pool' hv h1 pool-info clash
ok "... h2 keeps its own" hv h2 pool-undefine clash
ok "a dir pool through Shoal" v pool-define-as local dir --target "$pool_dir"
ok "pool-build" v pool-build local
ok "pool-start" v pool-start local
# one directory on this machine: the volume h1 creates is h1's alone
# until h2 refreshes, as on two machines
ok "h1 alone has the volume" hv h1 vol-create-as local pin.qcow2 16M --format qcow2
ok "... h2 does not see it" fails 'not found|no storage vol' hv h2 vol-info pin.qcow2 --pool local

cat >"$E2E_DIR/po-pin.xml" <<XML
<domain type='qemu'>
  <name>po-pin</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$pool_dir/pin.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
  </devices>
</domain>
XML
ok "a domain using the volume is defined through Shoal" v define "$E2E_DIR/po-pin.xml"
ok "... placed on h1, the host with the volume" eventually 30 lists po-pin hv h1
ok "... it starts" v start po-pin
ok "... and runs on h1" eventually 60 runs_on po-pin h1

ok "maintenance of h1 cannot move it and says why" \
    fails "po-pin: .*host 'h2' has no volume 'local/pin.qcow2'" ctl host maintenance h1 on
ok "... it still runs on h1" runs_on po-pin h1
ok "... and nowhere else" not_on po-pin h2
ok "maintenance off" ctl host maintenance h1 off

mig() { v migrate --live --p2p --unsafe "$@"; }
ok "virsh migrate to h2: refused, naming the volume" \
    fails "cannot run on host 'h2': host 'h2' has no volume 'local/pin.qcow2'" \
    mig po-pin shoal://h2/
ok "h2 no longer runs the pool" hv h2 pool-destroy local
ok "virsh migrate to h2: refused, naming the pool" \
    fails "cannot run on host 'h2': host 'h2' has no active pool 'local'" \
    mig po-pin shoal://h2/
ok "... it still runs on h1" runs_on po-pin h1

ok "the domain is destroyed" v destroy po-pin
ok "... and undefined" v undefine po-pin
ok "the volume is deleted" hv h1 vol-delete pin.qcow2 --pool local
ok "pool-destroy through Shoal" eventually 30 v pool-destroy local
ok "pool-undefine" v pool-undefine local

e2e_finish
