#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: volume upload and download through Shoal (virsh vol-upload,
# vol-download), relayed to one host of the pool; an upload cut in the
# middle (the client killed, or aborting) leaves no half-written volume.
set -uo pipefail
here=$(dirname "$0")
. "$here/e2e_lib.sh"
e2e_args "$@"

e2e_start 2 ''
v() { timeout 120 virsh -c "$URI" "$@"; }
hv() { local h=$1; shift; timeout 60 virsh -c "$(e2e_host_uri "$h")" "$@"; }
ctl() { timeout 60 "$E2E_SHOALCTL" --socket "$E2E_ADMIN" "$@"; }
vols=$E2E_DIR/tb/shared/vols
both_online() { has '^h1 +online ' ctl host list && has '^h2 +online ' ctl host list; }
ok "both hosts are online" eventually 90 both_online

ok "a pool on the shared storage" \
    v pool-define-as vols dir --target "$vols"
ok "built" v pool-build vols
ok "and started" v pool-start vols
ok "vol-create-as" v vol-create-as vols up.img 4M --format raw

head -c 4194304 /dev/urandom >"$E2E_DIR/src.bin"
ok "vol-upload of a 4 MiB file" v vol-upload --pool vols up.img "$E2E_DIR/src.bin"
ok "the volume's file holds the upload" cmp "$E2E_DIR/src.bin" "$vols/up.img"
ok "vol-download gives it back" \
    v vol-download --pool vols up.img "$E2E_DIR/down.bin"
ok "byte for byte" cmp "$E2E_DIR/src.bin" "$E2E_DIR/down.bin"
dd if="$E2E_DIR/src.bin" of="$E2E_DIR/part.want" bs=1024 skip=3 count=5 2>/dev/null
ok "vol-download with an offset and a length" \
    v vol-download --pool vols up.img "$E2E_DIR/part.bin" --offset 3072 --length 5120
ok "gives that part" cmp "$E2E_DIR/part.want" "$E2E_DIR/part.bin"
head -c 65536 /dev/urandom >"$E2E_DIR/small.bin"
ok "vol-upload at an offset" \
    v vol-upload --pool vols up.img "$E2E_DIR/small.bin" --offset 1048576
ok "writes there" cmp -n 65536 -i 1048576:0 "$vols/up.img" "$E2E_DIR/small.bin"

ok "upload to a missing volume is the host's error" \
    fails 'Storage volume not found' v vol-upload --pool vols nosuch.img "$E2E_DIR/small.bin"
ok "a sparse stream is refused with a reason" \
    fails 'sparse volume streams are not supported' \
    v vol-upload --pool vols up.img "$E2E_DIR/small.bin" --sparse
ro_refused() {   # URI: vol-download on a read-only connection
    virsh -r -c "$1" vol-download --pool vols up.img "$E2E_DIR/ro.bin"
}
ok "vol-download on the read-only socket is refused, as on a host" \
    fails 'read only access prevents virStorageVolDownload' ro_refused "$URI_RO"
ok "(the host says the same)" \
    fails 'read only access prevents virStorageVolDownload' ro_refused "$(e2e_host_uri h1)"
ok "vol-upload on the read-only socket is refused" \
    fails 'read only access prevents virStorageVolUpload' \
    virsh -r -c "$URI_RO" vol-upload --pool vols up.img "$E2E_DIR/small.bin"

# a client that sends part of an upload, then is killed (KILL: no abort
# sent) or aborts its stream
cut_upload() {   # NAME kill|abort
    timeout -s KILL 60 /usr/bin/python3 - "$URI" "$1" "$2" <<'PY'
import os
import signal
import sys
import libvirt
conn = libvirt.open(sys.argv[1])
vol = conn.storagePoolLookupByName('vols').storageVolLookupByName(sys.argv[2])
st = conn.newStream(0)
vol.upload(st, 0, 0, 0)
for i in range(4):
    st.send(b'x' * 262144)
# the host took them: a call on the connection is answered after them
conn.getLibVersion()
if sys.argv[3] == 'abort':
    st.abort()
    sys.exit(0)
os.kill(os.getpid(), signal.SIGKILL)
PY
}
gone() {   # NAME: its file is gone, and no host nor Shoal lists it
    local h
    [ ! -e "$vols/$1" ] || { echo "$vols/$1 is there"; return 1; }
    for h in h1 h2; do
        hv "$h" pool-refresh vols >/dev/null || return 1
        lacks_vol "$1" hv "$h" || return 1
    done
    lacks_vol "$1" v
}
lacks_vol() {   # NAME COMMAND...: COMMAND's vol-list of the pool lacks NAME
    local name=$1 out
    shift
    out=$("$@" vol-list vols 2>&1) || { printf '%s\n' "$out"; return 1; }
    ! grep -q -- " $name " <<<"$out" || { printf '%s is listed:\n%s\n' "$name" "$out"; return 1; }
}
ok "a volume for a cut upload" v vol-create-as vols cut.img 16M --format raw
cut_upload cut.img kill >"$E2E_DIR/cut.out" 2>&1
ok "an upload killed mid-way leaves no half-written volume" eventually 60 gone cut.img
ok "a volume for an aborted upload" v vol-create-as vols abort.img 16M --format raw
ok "the client aborts its upload" cut_upload abort.img abort
ok "the aborted upload's volume is gone too" eventually 60 gone abort.img
ok "the complete upload's volume stays" has ' up.img ' v vol-list vols
ok "a new upload works after the cut ones" \
    v vol-upload --pool vols up.img "$E2E_DIR/src.bin"
ok "and is whole" cmp "$E2E_DIR/src.bin" "$vols/up.img"
e2e_finish
