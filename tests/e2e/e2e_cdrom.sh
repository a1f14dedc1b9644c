#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# virt-install --cdrom from an ISO volume on a cluster pool (issue 11,
# part 6): a tiny ISO made at test time (xorriso) in a pool defined
# through Shoal; the domain runs, and live-migrates to the other host.
# Skips if xorriso or virt-install is not installed.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"
for p in xorriso virt-install; do
    command -v "$p" >/dev/null || { echo "1..0 # SKIP $p is not installed"; exit 0; }
done

e2e_start 2 'h1:cd-idle'
v() { timeout 60 virsh -c "$URI" "$@"; }
pool_dir=$E2E_DIR/isos
ok "the testbed's guest is listed" eventually 60 lists cd-idle v
ok "a cluster pool for ISOs" \
    sh -c "virsh -c '$URI' pool-define-as isos dir --target '$pool_dir' &&
        virsh -c '$URI' pool-build isos && virsh -c '$URI' pool-start isos"
mkdir -p "$E2E_DIR/iso-root"
echo "Shoal e2e_cdrom" >"$E2E_DIR/iso-root/README"
ok "a tiny ISO in it (xorriso)" \
    xorriso -as mkisofs -quiet -V SHOAL -o "$pool_dir/tiny.iso" "$E2E_DIR/iso-root"
ok "pool-refresh lists the ISO as a volume" \
    sh -c "virsh -c '$URI' pool-refresh isos && virsh -c '$URI' vol-list isos | grep tiny.iso"
ok "virt-install --cdrom from the ISO volume" \
    timeout 240 virt-install --connect "$URI" --name cd-a --cdrom "$pool_dir/tiny.iso" \
    --noautoconsole --wait 0 --osinfo generic --virt-type qemu --memory 64 --vcpus 1 \
    --disk none --network none --graphics none
ok "the domain runs" eventually 60 has '^running' v domstate cd-a
ok "its CD-ROM is the ISO volume" has "cdrom .*$pool_dir/tiny.iso" v domblklist --details cd-a
from=
for h in h1 h2; do
    virsh -c "$(e2e_host_uri "$h")" domstate cd-a 2>/dev/null | grep running >/dev/null && from=$h
done
[ "$from" = h1 ] && to=h2 || to=h1
ok "it live-migrates (to $to)" v migrate --live --p2p cd-a "shoal://$to/"
on_to() { has "^ *[0-9]+ +cd-a +running" virsh -c "$(e2e_host_uri "$to")" list; }
ok "it runs on $to" eventually 60 on_to
ok "destroy and undefine it" sh -c "virsh -c '$URI' destroy cd-a && virsh -c '$URI' undefine cd-a"
ok "the ISO volume stays" has tiny.iso v vol-list isos
ok "pool-destroy, pool-undefine" \
    sh -c "virsh -c '$URI' pool-destroy isos && virsh -c '$URI' pool-undefine isos"
e2e_finish
