#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: stock virsh, python3-libvirt and Perl Sys::Virt see the whole
# 3-host cluster through virtshoald; a killed host does not hold up the
# others and its domains show no state.
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

e2e_start 3 'h1:e2e-a,e2e-off@off;h2:e2e-b,hog-e2e;h3:e2e-c'
v() { virsh -c "$URI" "$@"; }
count_all() { [ "$(v -q list --all --name | grep -c .)" -eq "$1" ]; }

ok "all 5 domains of 3 hosts are listed" eventually 60 count_all 5
ok "list --all shows names and states" has 'e2e-off +shut off' v list --all
ok "list shows only running domains" eval '[ "$(v -q list --name | grep -c .)" -eq 4 ]'
ok "list --inactive shows the shut-off one" has '^e2e-off$' v list --inactive --name
ok "dominfo of a running domain" has 'State: +running' v dominfo e2e-b
ok "dominfo reports memory and vCPUs" has 'Max memory: +65536 KiB' v dominfo e2e-b
ok "dominfo of a shut-off domain" has 'State: +shut off' v dominfo e2e-off
ok "dumpxml is the host's XML" has '<name>e2e-c</name>' v dumpxml e2e-c
ok "dumpxml --inactive" has "<domain type=" v dumpxml --inactive e2e-a
ok "domstate" has '^running' v domstate e2e-a
ok "domstate --reason" has 'running \(booted\)' v domstate --reason e2e-a
ok "vcpucount shows maximum and current" has 'maximum +live +4' v vcpucount e2e-a
ok "domstats merges every host" eval '[ "$(v domstats --state | grep -c "^Domain:")" -eq 5 ]'
ok "domstats of one domain" has 'cpu.time=' v domstats --cpu-total hog-e2e
hog_cpu() { v domstats --cpu-total hog-e2e | sed -n 's/.*cpu.time=//p'; }
first=$(hog_cpu)
hog_advanced() { [ "$(hog_cpu)" -gt "${first:-0}" ]; }
ok "a CPU hog's cpu.time advances" eventually 20 hog_advanced
host_cpus=$(virsh -c "$(e2e_host_uri h1)" nodeinfo | sed -n 's/^CPU(s): *//p')
ok "nodeinfo is the cluster's total" has "^CPU\(s\): +$((host_cpus * 3))$" v nodeinfo
ok "version names Shoal" has 'Running hypervisor: Shoal' v version
ok "hostname is the daemon's" has "^$(hostname)$" v hostname
ok "capabilities are libvirt capabilities XML" eval 'v capabilities | /usr/bin/python3 -c "import sys, xml.dom.minidom as m; d = m.parse(sys.stdin); assert d.documentElement.tagName == \"capabilities\""'
ok "sysinfo" has '<sysinfo' v sysinfo
ok "read-only socket lists domains" has 'e2e-c' virsh -r -c "$URI_RO" list --all
ok "unknown domain: virsh's error" fails "failed to get domain 'nosuch'" v dominfo nosuch
ok "wrong URI name is refused" fails 'no connection driver available for qemu:///system' \
    virsh -c "shoal+unix:///system?socket=$E2E_DIR/sock/virtshoald-sock&name=qemu:///system" list

ok "python3-libvirt: listAllDomains with info()" /usr/bin/python3 "$here/e2e_inspect.py" "$URI"
ok "Perl Sys::Virt: list_all_domains, list_domains, list_defined_domain_names" \
    perl "$here/e2e_inspect.pl" "$URI"

# A member host dies: the others answer, its domains show no state.
"$E2E_TESTBED" kill h2 --dir "$E2E_DIR/tb" >/dev/null
nostate() { has 'e2e-b +no state' v list --all; }
ok "a killed host's domains are listed with no state" eventually 30 nostate
ok "other hosts still answer" has 'State: +running' v dominfo e2e-c
ok "calls on the dead host's domains name the host" fails "host 'h2'" v dominfo e2e-b
ok "domstats leaves the dead host out" eval '[ "$(v domstats --state | grep -c "^Domain:")" -eq 3 ]'

"$E2E_TESTBED" start h2 --dir "$E2E_DIR/tb" >/dev/null
back() { has 'State: +running' v dominfo e2e-b; }
ok "the host comes back and is re-read" eventually 60 back

e2e_finish
