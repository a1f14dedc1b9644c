#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: secrets and network filters through shoal:///system with
# virsh exist on every host with one UUID (a secret with its value), a
# host that is down while they are defined gets them when it returns;
# node devices and host interfaces are listed per host, named host/name,
# read-only; a network's DHCP leases are asked of every host.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 3 ''
v() { timeout 60 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 60 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
# hasnt PATTERN COMMAND...: the command succeeds and does not print PATTERN
hasnt() {
    local pat=$1 out
    shift
    out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
    ! grep -Eq -- "$pat" <<<"$out" || { printf '/%s/ in:\n%s\n' "$pat" "$out"; return 1; }
}

ok "every host is online" eventually 90 has 'h3 +online' ctl host list

# --- secrets, h3 down while they are defined --------------------------------
"$E2E_TESTBED" kill h3 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h3 is down" eventually 60 has 'h3 +unreachable' ctl host list

raw=e2e-s3cret-value
value=$(printf %s "$raw" | base64)
cat >"$E2E_DIR/secret.xml" <<XML
<secret ephemeral='no' private='no'>
  <description>e2e</description>
  <usage type='ceph'><name>client.e2e secret</name></usage>
</secret>
XML
cat >"$E2E_DIR/private.xml" <<XML
<secret ephemeral='no' private='yes'>
  <usage type='volume'><volume>/var/lib/e2e/private.img</volume></usage>
</secret>
XML
ok "secret-define through Shoal" v secret-define "$E2E_DIR/secret.xml"
uuid=$(v secret-list | awk '/ceph client.e2e secret/ { print $1 }')
ok "secret-list shows it with its usage" test -n "$uuid"
ok "secret-set-value" v secret-set-value "$uuid" --base64 "$value"
ok "secret-get-value gives it back" has "^$value$" v secret-get-value "$uuid"
for h in h1 h2; do
    ok "$h has the secret under Shoal's UUID" has 'client.e2e secret' hv "$h" secret-dumpxml "$uuid"
    ok "$h has its value" has "^$value$" hv "$h" secret-get-value "$uuid"
done
ok "the daemon never logged the value" hasnt "$value|$raw" cat "$E2E_DIR/daemon.log"
ok "the store keeps it, root's alone" \
    test "$(stat -c %a "$E2E_DIR/state")" = 700 -a \
         "$(stat -c %a "$E2E_DIR/state/objects.json")" = 600
ok "secret-dumpxml: as h2 says" \
    test "$(v secret-dumpxml "$uuid")" = "$(hv h2 secret-dumpxml "$uuid")"
ok "a private secret is defined" v secret-define "$E2E_DIR/private.xml"
puuid=$(v secret-list | awk '/private.img/ { print $1 }')
ok "its value is set" v secret-set-value "$puuid" --base64 "$value"
ok "secret-get-value of a private secret is refused, as libvirt does" \
    fails 'private' v secret-get-value "$puuid"
ok "a read-only connection cannot set a value" \
    fails 'read.only|read-only' virsh -c "$URI_RO" secret-set-value "$uuid" --base64 "$value"

# --- a definition one host rejects is undone on the hosts that took it -------
# h2 has a secret for that usage and a filter of that name, with UUIDs of
# its own: h1 takes Shoal's definitions first, h2 refuses them
cat >"$E2E_DIR/clash-secret.xml" <<XML
<secret ephemeral='no' private='no'><usage type='ceph'><name>client.clash</name></usage></secret>
XML
cat >"$E2E_DIR/clash-filter.xml" <<XML
<filter name='e2e-clash' chain='root'><rule action='accept' direction='out' priority='500'><all/></rule></filter>
XML
ok "h2 defines a secret of its own" hv h2 secret-define "$E2E_DIR/clash-secret.xml"
ok "h2 defines a filter of its own" hv h2 nwfilter-define "$E2E_DIR/clash-filter.xml"
own=$(hv h2 nwfilter-list | awk '$2 == "e2e-clash" { print $1 }')
ok "secret-define through Shoal fails with h2's error, naming h2" \
    fails "h2" v secret-define "$E2E_DIR/clash-secret.xml"
ok "... h1 no longer has it" hasnt 'client.clash' hv h1 secret-list
ok "... Shoal does not list it" hasnt 'client.clash' v secret-list
ok "nwfilter-define through Shoal fails with h2's error, naming h2" \
    fails "h2" v nwfilter-define "$E2E_DIR/clash-filter.xml"
ok "... h1 no longer has it" hasnt 'e2e-clash' hv h1 nwfilter-list
ok "... h2 keeps its own" has "^ *$own +e2e-clash" hv h2 nwfilter-list
ok "... Shoal does not list it" hasnt 'e2e-clash' v nwfilter-list
ok "h2's own filter is removed" hv h2 nwfilter-undefine e2e-clash
ok "h2's own secret is removed" \
    hv h2 secret-undefine "$(hv h2 secret-list | awk '/client.clash/ { print $1 }')"
ok "a secret Shoal does not keep is not found" \
    fails 'no secret with matching uuid' v secret-dumpxml 0a0a0a0a-0000-4000-8000-000000000001

# --- network filters ----------------------------------------------------------
cat >"$E2E_DIR/filter.xml" <<XML
<filter name='e2e-no-spoof' chain='root'>
  <rule action='drop' direction='out' priority='500'>
    <mac match='no' srcmacaddr='52:54:00:00:00:01'/>
  </rule>
</filter>
XML
ok "nwfilter-define through Shoal" v nwfilter-define "$E2E_DIR/filter.xml"
fuuid=$(v nwfilter-list | awk '$2 == "e2e-no-spoof" { print $1 }')
ok "nwfilter-list shows it" test -n "$fuuid"
for h in h1 h2; do
    ok "$h has it under Shoal's UUID" has "<uuid>$fuuid</uuid>" hv "$h" nwfilter-dumpxml e2e-no-spoof
done
ok "nwfilter-dumpxml through Shoal" has "srcmacaddr='52:54:00:00:00:01'" v nwfilter-dumpxml e2e-no-spoof
ok "shoalctl objects: the secret and the filter are cluster objects on h1,h2" \
    has "nwfilter +e2e-no-spoof +cluster +h1,h2 " ctl objects

"$E2E_TESTBED" start h3 --dir "$E2E_DIR/tb" >/dev/null 2>&1
ok "h3 returns and gets the secret with its value" \
    eventually 90 has "^$value$" hv h3 secret-get-value "$uuid"
ok "... and the filter" eventually 30 has "<uuid>$fuuid</uuid>" hv h3 nwfilter-dumpxml e2e-no-spoof

ok "nwfilter-undefine" v nwfilter-undefine e2e-no-spoof
ok "secret-undefine" v secret-undefine "$uuid"
ok "secret-undefine of the private one" v secret-undefine "$puuid"
for h in h1 h2 h3; do
    ok "$h no longer has the filter" fails 'not found|no nwfilter' hv "$h" nwfilter-dumpxml e2e-no-spoof
    ok "$h no longer has the secret" fails 'not found|no secret' hv "$h" secret-dumpxml "$uuid"
done

# --- node devices and host interfaces, per host -------------------------------
for h in h1 h2 h3; do
    ok "nodedev-list has $h's devices as $h/NAME" eventually 30 has "^$h/computer$" v nodedev-list
done
ok "nodedev-dumpxml h2/computer is h2's own" has '<name>computer</name>' v nodedev-dumpxml h2/computer
ok "a device without its host is not found" fails 'not found' v nodedev-dumpxml computer
ok "nodedev-destroy is refused: read-only" \
    fails 'not supported.*read-only' v nodedev-destroy h1/computer
iface=$(hv h1 iface-list --all | awk 'NR > 2 && $1 != "" { print $1; exit }')
if [ -n "$iface" ]; then
    ok "iface-list --all has h1's $iface as h1/$iface" has "^ *h1/$iface " v iface-list --all
    ok "iface-dumpxml h1/$iface" has "name='$iface'" v iface-dumpxml "h1/$iface"
else
    ok "h1 lists no interface: iface-list through Shoal works" v iface-list --all
fi
ok "iface-destroy is refused: read-only" \
    fails 'not supported.*read-only' v iface-destroy h1/lo

# no guest runs with a filter here: the hosts have no binding to list
ok "nwfilter-binding-list asks every host" v nwfilter-binding-list
ok "nwfilter-binding-create is refused: read-only" \
    fails 'not supported.*read-only' v nwfilter-binding-create "$E2E_DIR/filter.xml"
ok "a binding without its host is not found" \
    fails 'not found' v nwfilter-binding-dumpxml vnet0

# --- a network's DHCP leases ---------------------------------------------------
# The testbed's hosts run no dnsmasq: a bridged network hands out no lease,
# so this shows only that every host is asked and none fails.
cat >"$E2E_DIR/lan.xml" <<XML
<network><name>e2e-lan</name><forward mode='bridge'/><bridge name='e2ebr0'/></network>
XML
ok "a bridged network is defined" v net-define "$E2E_DIR/lan.xml"
ok "net-dhcp-leases: no lease, no error" v net-dhcp-leases e2e-lan
ok "net-start" v net-start e2e-lan
# libvirtd reads a bridged network's leases from the dnsmasq status file
# of its bridge (a JSON list, as libvirt's leaseshelper writes it): one
# lease on h1 and one on h2, each in its host's own /var/lib/libvirt
lease_file() {   # HOST MAC IP NAME
    local d=$E2E_DIR/tb/hosts/$1/lib/dnsmasq
    mkdir -p "$d"
    printf '[{"ip-address": "%s", "mac-address": "%s", "hostname": "%s", "expiry-time": %s}]\n' \
        "$3" "$2" "$4" "$(($(date +%s) + 3600))" >"$d/e2ebr0.status"
}
lease_file h1 52:54:00:e2:00:01 192.0.2.11 guest-a
lease_file h2 52:54:00:e2:00:02 192.0.2.12 guest-b
# virsh prints no interface: the API's iface names the host ("h1/e2ebr0")
leases_py() {   # [MAC]: one line per lease, "iface mac ip hostname"
    /usr/bin/python3 - "$URI" "$@" <<'PY'
import sys, libvirt
net = libvirt.open(sys.argv[1]).networkLookupByName("e2e-lan")
for l in net.DHCPLeases(*sys.argv[2:3]):
    print(l["iface"], l["mac"], l["ipaddr"], l["hostname"])
PY
}
both_leases() {
    local out
    out=$(leases_py | sort)
    echo "$out"
    [ "$out" = "h1/e2ebr0 52:54:00:e2:00:01 192.0.2.11 guest-a
h2/e2ebr0 52:54:00:e2:00:02 192.0.2.12 guest-b" ]
}
ok "DHCP leases merged from the hosts, each under its host" both_leases
ok "... virsh net-dhcp-leases lists both" \
    has '52:54:00:e2:00:01 +ipv4 +192.0.2.11/0 +guest-a' v net-dhcp-leases e2e-lan
ok "... as h2 itself gives its own" \
    has '52:54:00:e2:00:02 +ipv4 +192.0.2.12/0 +guest-b' hv h2 net-dhcp-leases e2e-lan
one_lease() {
    local out
    out=$(leases_py 52:54:00:e2:00:02)
    echo "$out"
    [ "$out" = "h2/e2ebr0 52:54:00:e2:00:02 192.0.2.12 guest-b" ]
}
ok "leases of one MAC: that lease only" one_lease
rm -f "$E2E_DIR"/tb/hosts/h[12]/lib/dnsmasq/e2ebr0.status
ok "net-port-list asks every host: no guest, no port" hasnt '[0-9a-f]{8}-' v net-port-list e2e-lan
# virsh 9.0 exits 0 after "failed to get network port": judge the words
port_missing() {
    local out
    out=$(v net-port-dumpxml e2e-lan 0a0a0a0a-0000-4000-8000-000000000003 2>&1)
    grep -q 'failed to get network port' <<<"$out" &&
        [ "$out" = "$(hv h1 net-port-dumpxml e2e-lan 0a0a0a0a-0000-4000-8000-000000000003 2>&1)" ]
}
ok "a port no host has is not found, as h1 says" port_missing
ok "net-update adds a portgroup on every host" \
    v net-update e2e-lan add portgroup "<portgroup name='e2e-pg'/>" --config
for h in h1 h2 h3; do
    ok "... $h has it" has "portgroup name='e2e-pg'" hv "$h" net-dumpxml --inactive e2e-lan
done
ok "... the store has it" grep -q "e2e-pg" "$E2E_DIR/state/objects.json"
cat >"$E2E_DIR/port.xml" <<XML
<networkport><owner><name>nosuch</name><uuid>0a0a0a0a-0000-4000-8000-000000000004</uuid></owner>
<mac address='52:54:00:00:00:04'/></networkport>
XML
ok "a port whose owner is no domain of the cluster is refused" \
    fails 'no domain|not found' v net-port-create e2e-lan "$E2E_DIR/port.xml"
ok "net-destroy" v net-destroy e2e-lan
ok "net-undefine" v net-undefine e2e-lan

e2e_finish
