#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: changes to a domain's definition made through virtshoald
# (attach-device --config, setvcpus --config, rename, autostart) survive a
# restart of virtshoald and then a live migration: the stored definition
# is kept true, and what libvirt keeps per host (autostart) follows.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 2 'h1:defkeep@off'
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 30 virsh -c "$(e2e_host_uri "$h")" "$@"; }
DIR=$E2E_DIR/tb/shared
truncate -s 1M "$DIR/extra.img"
cat >"$DIR/disk.xml" <<XML
<disk type='file' device='disk'><driver name='qemu' type='raw'/>
  <source file='$DIR/extra.img'/><target dev='sdb' bus='usb'/></disk>
XML

listed() { v list --all --name | grep -x "$1" >/dev/null; }
ok "the cluster lists defkeep" eventually 60 listed defkeep

ok "attach-device --config" v attach-device defkeep "$DIR/disk.xml" --config
ok "setvcpus --config" v setvcpus defkeep 2 --config
ok "rename to defkept" v domrename defkeep defkept
ok "autostart" v autostart defkept

# the definition as a client and as a host see it
kept() {
    local xml
    xml=$("$@" dumpxml --inactive defkept) || return 1
    grep -q "extra.img" <<<"$xml" || { echo "no added disk"; return 1; }
    grep -q "<vcpu placement='static' current='2'>4</vcpu>" <<<"$xml" ||
        { echo "vcpus not kept:"; grep '<vcpu' <<<"$xml"; return 1; }
}
autostarted() {
    local out
    out=$("$@" dominfo defkept) || return 1
    grep -Eq '^Autostart: +enable' <<<"$out" || { echo "$out"; return 1; }
}

h1() { hv h1 "$@"; }
ok "h1 autostarts defkept" autostarted h1
ok "Shoal autostarts defkept" autostarted v

e2e_daemon_stop
e2e_daemon_start
ok "after a restart, the cluster lists defkept" eventually 60 listed defkept
ok "no defkeep after the restart" fails "failed to get domain" v dominfo defkeep
ok "the changes survived the restart" eventually 60 kept v
ok "autostart survived the restart" eventually 60 autostarted v

ok "start defkept" v start defkept
ok "migrate defkept live to h2" v migrate --live --p2p --unsafe defkept shoal://h2/
on_h2() { hv h2 list --name | grep -x defkept >/dev/null; }
ok "defkept runs on h2" eventually 120 on_h2
h2() { hv h2 "$@"; }
ok "h2 holds the changed definition" kept h2
ok "h2 autostarts defkept" autostarted h2
ok "Shoal still says so" kept v
ok "Shoal still autostarts defkept" autostarted v
gone_h1() { ! hv h1 list --all --name | grep -x defkept >/dev/null; }
ok "h1 no longer defines it" eventually 60 gone_h1

v destroy defkept >/dev/null 2>&1
e2e_finish
