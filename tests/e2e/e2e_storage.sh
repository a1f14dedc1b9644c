#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: storage pools and volumes through shoal:///system with virsh.
# A pool defined through Shoal exists on every host with one UUID; a host
# that is down while it is defined gets it, running, when it returns;
# volumes are created, listed, inspected and deleted; a volume a domain
# uses is not deleted; shoalctl objects shows where each pool is.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 3 'h1:st-off@off'
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 60 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
pool_dir=$E2E_DIR/images
# hasnt PATTERN COMMAND...: the command succeeds and does not print PATTERN
hasnt() {
    local pat=$1 out
    shift
    out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
    ! grep -Eq -- "$pat" <<<"$out" || { printf '/%s/ in:\n%s\n' "$pat" "$out"; return 1; }
}

ok "the testbed's guest is listed" eventually 60 lists st-off v

# --- a host down while the pool is defined ---------------------------------
"$E2E_TESTBED" kill h3 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h3 is down" eventually 60 has 'h3 +unreachable' ctl host list

ok "virsh pool-define-as through Shoal" \
    v pool-define-as images dir --target "$pool_dir"
ok "pool-build" v pool-build images
ok "pool-start" v pool-start images
ok "pool-autostart" v pool-autostart images
ok "pool-list shows it active, autostarted" \
    has '^ *images +active +yes' v pool-list --all
ok "pool-info: running, persistent" has 'State: +running' v pool-info images
ok "pool-dumpxml names the target" has "<path>$pool_dir</path>" v pool-dumpxml images
uuid=$(v pool-uuid images | grep .)
ok "h1 has the pool with Shoal's UUID" has "^$uuid$" hv h1 pool-uuid images
ok "h2 has it too" has "^$uuid$" hv h2 pool-uuid images
ok "h2 runs it" has 'State: +running' hv h2 pool-info images
ok "the definition is in the store" grep -q "$uuid" "$E2E_DIR/state/objects.json"
ok "shoalctl objects: a cluster pool on h1,h2" \
    has "pool +images +cluster +h1,h2 +h1,h2 +- +$uuid" ctl objects

"$E2E_TESTBED" start h3 --dir "$E2E_DIR/tb" >/dev/null 2>&1
h3_has() { has "^$uuid$" hv h3 pool-uuid images && has 'State: +running' hv h3 pool-info images; }
ok "h3 returns and gets the pool, running" eventually 90 h3_has
ok "... autostarted" has 'Autostart: +yes' hv h3 pool-info images
ok "shoalctl objects: on h1,h2,h3" \
    eventually 30 has "pool +images +cluster +h1,h2,h3 +h1,h2,h3 +-" ctl objects

# --- volumes ----------------------------------------------------------------
ok "vol-create-as" v vol-create-as images disk1.qcow2 16M --format qcow2
ok "a second volume of that name is refused" \
    fails 'exists already|already exists|already in use' v vol-create-as images disk1.qcow2 16M
ok "vol-list" has 'disk1.qcow2 +'"$pool_dir"'/disk1.qcow2' v vol-list images
ok "vol-info" has 'Capacity: +16.00 MiB' v vol-info disk1.qcow2 --pool images
ok "vol-path" has "^$pool_dir/disk1.qcow2$" v vol-path disk1.qcow2 --pool images
key=$(v vol-key disk1.qcow2 --pool images | grep .)
ok "vol-key gives a key" test -n "$key"
ok "vol-info by path" has 'Name: +disk1.qcow2' v vol-info "$pool_dir/disk1.qcow2"
ok "vol-pool by key" has '^images$' v vol-pool "$key"
ok "vol-dumpxml" has '<format type=.qcow2./>' v vol-dumpxml disk1.qcow2 --pool images
# differential: Shoal answers as a member host does
same() { [ "$(v "$@" 2>&1)" = "$(hv h2 "$@" 2>&1)" ]; }
# a pool's sizes are those of a file system other processes write to
sizeless() { grep -Ev '<(capacity|allocation|available)'; }
same_pool() {
    [ "$(v pool-dumpxml --inactive images | sizeless)" = \
      "$(hv h2 pool-dumpxml --inactive images | sizeless)" ]
}
ok "pool-dumpxml --inactive: as h2 says, sizes aside" same_pool
ok "vol-info: as h2 says" same vol-info disk1.qcow2 --pool images
ok "vol-dumpxml: as h2 says" same vol-dumpxml disk1.qcow2 --pool images
ok "a duplicate volume name: h2's error" same vol-create-as images disk1.qcow2 16M

cat >"$E2E_DIR/st-user.xml" <<XML
<domain type='qemu'>
  <name>st-user</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$pool_dir/disk1.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
ok "a domain using the volume is defined" v define "$E2E_DIR/st-user.xml"
ok "vol-delete of a volume in use is refused, naming the domain" \
    fails "in use by domain 'st-user'" v vol-delete disk1.qcow2 --pool images
ok "the domain is undefined" v undefine st-user
# what virt-install writes on shoal://: no driver type; the volume's is used
sed '/<driver /d; s/st-user/st-fmt/' "$E2E_DIR/st-user.xml" >"$E2E_DIR/st-fmt.xml"
ok "a domain whose disk has no driver type is defined" v define "$E2E_DIR/st-fmt.xml"
ok "... the host defined it with the volume's format" \
    has "<driver name=.qemu. type=.qcow2./>" v dumpxml --inactive st-fmt
ok "... undefined" v undefine st-fmt
ok "vol-delete" v vol-delete disk1.qcow2 --pool images
ok "vol-list no longer has it" hasnt disk1 v vol-list images
ok "the file is gone" test ! -e "$pool_dir/disk1.qcow2"

# --- virt-install on the cluster pool --------------------------------------
vi() {
    timeout 240 virt-install --connect "$URI" --import --noautoconsole \
        --wait 0 --osinfo generic --virt-type qemu --memory 64 --vcpus 1 \
        --network none --graphics none "$@"
}
ok "vol-create-as for an imported disk" v vol-create-as images vi-a.qcow2 16M --format qcow2
ok "virt-install --import --disk vol=images/vi-a.qcow2" vi --name vi-a --disk vol=images/vi-a.qcow2
ok "... the domain runs" eventually 60 has 'running' v domstate vi-a
ok "... its disk is the volume" has "$pool_dir/vi-a.qcow2" v domblklist vi-a
ok "... its disk has the volume's format" has "type=.qcow2." v dumpxml --inactive vi-a
ok "virt-install --disk size=1,pool=images" vi --name vi-b --disk size=1,pool=images,format=qcow2
ok "... the domain runs" eventually 60 has 'running' v domstate vi-b
ok "... its new volume is in the pool" eventually 30 has 'vi-b' v vol-list images
for d in vi-a vi-b; do
    ok "$d: destroy" v destroy "$d"
    ok "$d: undefine with its storage" v undefine "$d" --remove-all-storage
done
ok "the volumes are gone" hasnt 'vi-' v vol-list images

# --- teardown through Shoal -------------------------------------------------
ok "pool-undefine of a running pool is refused" fails 'active|running' v pool-undefine images
ok "pool-destroy" v pool-destroy images
ok "pool-info: inactive" has 'State: +inactive' v pool-info images
ok "h3 stopped it too" has 'State: +inactive' hv h3 pool-info images
ok "pool-undefine" v pool-undefine images
ok "pool-list --all no longer has it" hasnt images v pool-list --all
for h in h1 h2 h3; do
    ok "$h no longer has it" fails 'not found|no storage pool' hv "$h" pool-info images
done

e2e_finish
