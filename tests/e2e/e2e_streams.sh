#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End to end: streams relayed to the domain's host (virsh console on a
# guest that writes to its serial port, a client killed mid-stream frees
# the host's console, a channel's data both ways, virsh screenshot) and
# save/restore through Shoal with the image on the testbed's shared storage.
set -uo pipefail
E2E_VIRTSHOALD=$1
E2E_TESTBED=$2
here=$(dirname "$0")
. "$here/e2e_lib.sh"

# the hosts drop a client that answers no keepalive for about 8 s (default
# 30 s): a relay that stalls Shoal's libvirt client shows at once
export TESTBED_KEEPALIVE=2:3
e2e_start 2 'h1:;h2:'
v() { virsh -c "$URI" "$@"; }
shared=$E2E_DIR/tb/shared

# A boot sector that writes a line to COM1 (port 0x3f8) again and again:
# cld; ds=0; delay; si=msg; write bytes until NUL; repeat.
mkdir -p "$shared"
/usr/bin/python3 - "$shared/serial.img" <<'PY'
import sys
code = bytes.fromhex('fc31c08ed8b9ffffe2febe187cac08c074f3baf803eeebf5')
msg = b'SHOAL-SERIAL-HELLO\r\n\0'
sector = (code + msg).ljust(510, b'\0') + b'\x55\xaa'
open(sys.argv[1], 'wb').write(sector.ljust(1048576, b'\0'))
PY
# The guest runs no OS to answer on a virtio channel: its channel's socket
# (QEMU connects to it) is served by an echo that answers in upper case,
# and virDomainOpenChannel, which connects to the channel's socket path,
# reaches that echo too.
chsock=$shared/channel.sock
cat >"$E2E_DIR/echo.py" <<'PY'
import socket
import sys
import threading
def serve(c):
    with c:
        while True:
            data = c.recv(65536)
            if not data:
                return
            c.sendall(data.upper())
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
PY
e2e_background /usr/bin/python3 "$E2E_DIR/echo.py" "$chsock"
"$E2E_TESTBED" guest-xml con1 idle --dir "$E2E_DIR/tb" |
    sed "s|<devices>|<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$shared/serial.img'/><target dev='hda' bus='ide'/></disk><serial type='pty'/><console type='pty'/><channel type='unix'><source mode='connect' path='$chsock'/><target type='virtio' name='org.shoal.test'/></channel>|" \
        >"$E2E_DIR/con1.xml"

ok "the channel's socket listens" eventually 60 test -S "$chsock"

ok "a guest with a serial console is defined" v define "$E2E_DIR/con1.xml"
ok "and started" v start con1

# virsh console wants a terminal: script(1) gives it one; the KILL of
# timeout ends it as a killed client, without virsh's clean shutdown
console_out() {   # URI SECONDS [OPTION]: what a console session printed
    timeout -s KILL "$2" script -qefc "virsh -c '$1' console con1 ${3:-}" \
        /dev/null </dev/null >"$E2E_DIR/console.out" 2>&1
    cat "$E2E_DIR/console.out"
}
sees_hello() { has SHOAL-SERIAL-HELLO console_out "$URI" 15; }
ok "virsh console relays what the guest writes to its serial port" \
    eventually 120 sees_hello
# the session of the killed client must be gone on the host: without
# --force a second session fails while one is active there
ok "after a client is killed mid-stream a new console session works" \
    eventually 60 sees_hello
host_console_free() {
    local h
    for h in h1 h2; do
        virsh -c "$(e2e_host_uri "$h")" domstate con1 >/dev/null 2>&1 || continue
        has SHOAL-SERIAL-HELLO console_out "$(e2e_host_uri "$h")" 15
        return
    done
    return 1
}
ok "the host itself gives a console session after Shoal's ended" \
    eventually 60 host_console_free
typed() {   # python3-libvirt types into the console, reads, and finishes
    timeout -s KILL 60 /usr/bin/python3 - "$URI" <<'PY'
import sys
import libvirt
conn = libvirt.open(sys.argv[1])
st = conn.newStream(0)
conn.lookupByName('con1').openConsole(None, st, 0)
for i in range(64):
    st.send(b'typed into the console\r')
data = b''
while b'SHOAL-SERIAL-HELLO' not in data:
    chunk = st.recv(4096)
    if not isinstance(chunk, bytes) or not chunk:
        sys.exit('the console ended early')
    data += chunk
st.finish()
PY
}
ok "a client's keystrokes reach the host and its finish is confirmed" \
    eventually 60 typed
ok "and the console is free afterwards" eventually 60 sees_hello
ok "an unknown console device is the host's error" \
    has 'cannot find character device' console_out "$URI" 30 '--devname nosuch'

ok "console on the read-only socket is refused" \
    has 'read only access prevents virDomainOpenConsole' console_out "$URI_RO" 30
channel() {   # NAME: python3-libvirt opens the channel, as virt-manager would
    /usr/bin/python3 - "$URI" "$1" <<'PY'
import sys
import libvirt
conn = libvirt.open(sys.argv[1])
st = conn.newStream(0)
try:
    conn.lookupByName('con1').openChannel(sys.argv[2], st, 0)
except libvirt.libvirtError as e:
    print(e)
    sys.exit(1)
PY
}
ok "a channel the guest lacks is the host's error" \
    fails 'cannot find channel nosuch' channel nosuch
# A channel's sessions, against a URI: data both ways (256 kB each, in
# 64 kB turns), a second open without FORCE refused, one with FORCE takes
# over and ends the first session, its finish confirmed. Prints what the
# differential below compares.
channel_sessions() {   # URI
    timeout -s KILL 120 /usr/bin/python3 - "$1" <<'PY'
import sys
import time
import libvirt
conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName('con1')
def echo(st, n):
    for i in range(n):
        chunk = (b'channel data %02d ' % i) * 4000
        if st.send(chunk) != len(chunk):
            sys.exit('short send')
        got = b''
        while len(got) < len(chunk):
            data = st.recv(65536)
            if not isinstance(data, bytes) or not data:
                sys.exit('the channel ended early')
            got += data
        if got != chunk.upper():
            sys.exit('the answer is not the echo of what was sent')
    print('echoed', n * len(chunk), 'bytes')
# the host lets go of the last session's socket just after that session's
# finish returned: the first open waits for it, bounded
for attempt in range(50):
    first = conn.newStream(0)
    try:
        dom.openChannel('org.shoal.test', first, 0)
        break
    except libvirt.libvirtError as e:
        if 'Active channel stream' not in str(e) or attempt == 49:
            raise
        time.sleep(0.2)
echo(first, 4)
try:
    dom.openChannel('org.shoal.test', conn.newStream(0), 0)
    sys.exit('a second session opened without FORCE')
except libvirt.libvirtError as e:
    print('second open:', e.get_error_code(), e.get_error_domain(),
          e.get_error_message())
second = conn.newStream(0)
dom.openChannel('org.shoal.test', second, libvirt.VIR_DOMAIN_CHANNEL_FORCE)
echo(second, 1)
try:
    print('the first session after FORCE reads', first.recv(1))
except libvirt.libvirtError:
    print('the first session after FORCE fails')
second.finish()
print('finished')
PY
}
ok "a channel carries data both ways through Shoal, one session at a time" \
    has '^finished' channel_sessions "$URI"
host_of_con1() {
    local h
    for h in h1 h2; do
        if [[ $(virsh -c "$(e2e_host_uri "$h")" domstate con1 2>/dev/null) == running* ]]; then
            e2e_host_uri "$h"
            return
        fi
    done
    return 1
}
same_as_host() {
    local host
    host=$(host_of_con1) || return 1
    # one after the other: both open the same channel
    channel_sessions "$host" >"$E2E_DIR/channel.host" 2>&1
    channel_sessions "$URI" >"$E2E_DIR/channel.shoal" 2>&1
    diff "$E2E_DIR/channel.host" "$E2E_DIR/channel.shoal"
}
ok "and behaves as the host's own channel, errors included" same_as_host

ok "virsh screenshot saves the image with the host's MIME type" \
    has 'with type of image/(png|x-portable-pixmap)' \
    v screenshot con1 "$E2E_DIR/shot.img"
# QEMU 7.2 sends PNG (PPM before): either way the whole VGA text screen
ok "the image is a whole 720x400 picture" \
    has 'PNG image data, 720 x 400|Netpbm image data, size = 720 x 400' \
    file "$E2E_DIR/shot.img"
ok "screenshot on the read-only socket is refused" \
    fails 'read only access prevents virDomainScreenshot' \
    virsh -r -c "$URI_RO" screenshot con1 "$E2E_DIR/ro.img"

ok "virsh save writes the image to shared storage" v save con1 "$shared/con1.save"
ok "the domain is off after save" has '^shut off' v domstate con1
ok "save-image-dumpxml reads the image" has '<name>con1</name>' \
    v save-image-dumpxml "$shared/con1.save"
sed 's|<on_crash>destroy</on_crash>|<on_crash>restart</on_crash>|' \
    <(v save-image-dumpxml --security-info "$shared/con1.save") >"$E2E_DIR/edited.xml"
ok "save-image-define changes the image's XML" \
    v save-image-define "$shared/con1.save" "$E2E_DIR/edited.xml"
ok "and the image says so" has '<on_crash>restart</on_crash>' \
    v save-image-dumpxml "$shared/con1.save"
ok "virsh restore starts it again" v restore "$shared/con1.save"
ok "the restored domain runs" has '^running' v domstate con1
on_a_host() {
    has '^running' virsh -c "$(e2e_host_uri h1)" domstate con1 ||
        has '^running' virsh -c "$(e2e_host_uri h2)" domstate con1
}
ok "a host runs it" on_a_host
ok "its console works after the restore" eventually 120 sees_hello
# the host ends the stream (the guest is destroyed): the client's ends too
e2e_background timeout -s KILL 200 script -qefc "virsh -c '$URI' console con1" \
    /dev/null </dev/null >"$E2E_DIR/held.out" 2>&1
held=$e2e_bg_pid
ok "a console session is open" eventually 120 has SHOAL-SERIAL-HELLO cat "$E2E_DIR/held.out"
# hold it open past the hosts' keepalive window, calls to the host going on
held_since=$SECONDS
held_calls() {   # true once the console was open 20 s; notes a failed call
    has '^running' v domstate con1 || touch "$E2E_DIR/held.failed"
    [ $((SECONDS - held_since)) -ge 20 ]
}
ok "the console streams past the hosts' keepalive window" eventually 120 held_calls
ok "calls to the domain worked all along" test ! -e "$E2E_DIR/held.failed"
ok "the console session is still open" kill -0 "$held"
# a relay that paused for a full client and missed its resume goes
# silent, and then misses the host's end of data too
held_size=$(stat -c %s "$E2E_DIR/held.out")
held_grew() { [ "$(stat -c %s "$E2E_DIR/held.out")" -gt "$held_size" ]; }
ok "the console still relays the guest's output" eventually 60 held_grew
no_keepalive_drop() {
    ! grep -h 'keepalive timeout' "$E2E_DIR"/tb/hosts/h*/log/libvirtd.log
}
ok "no host dropped Shoal's connection for want of keepalive" no_keepalive_drop
ok "destroy through Shoal" v destroy con1
ended() {   # PID: exited (a zombie until reaped)
    local st
    st=$(ps -o stat= -p "$1")
    [ -z "$st" ] || [[ $st == Z* ]]
}
ok "the client's console ends when the host's stream does" eventually 60 ended "$held"
e2e_reap_background "$held"
ok "start it again" v start con1
ok "virsh managedsave saves it on its host" v managedsave con1
ok "the domain is off with a managed save image" \
    has 'Managed save: +yes' v dominfo con1
ok "virsh start resumes it from the image" v start con1
ok "it runs again" has '^running' v domstate con1
ok "and its managed save image is gone" has 'Managed save: +no' v dominfo con1

ok "restore of a missing file is the host's error" \
    fails 'No such file|cannot|Failed' v restore "$shared/nosuch.save"
ok "restore on the read-only socket is refused" \
    fails 'read only access prevents virDomainRestore' \
    virsh -r -c "$URI_RO" restore "$shared/con1.save"
# a restore of a domain Shoal does not know: placement picks the host
ok "save it again" v save con1 "$shared/con1.save"
ok "undefine it: Shoal forgets the domain" v undefine con1
ok "restore of an unknown domain places it on a host" \
    v restore "$shared/con1.save"
ok "it runs there, transient" has 'Persistent: +no' v dominfo con1
ok "a host runs the placed domain" on_a_host
ok "destroy ends it" v destroy con1
ok "and it is gone" eventually 60 lacks con1 v
ok "still no host dropped Shoal's connection" no_keepalive_drop
e2e_finish
