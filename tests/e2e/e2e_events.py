#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domain events as a python3-libvirt client sees them (e2e_events.sh).

  e2e_events.py listen URI OUT READY STOP
      registers for every domain event ID of libvirt, writes READY, and
      appends one line per event to OUT until STOP exists:
      EVENT_ID DOMAIN ARGS (the callback's arguments, repr); then OUT.done
  e2e_events.py compare SHOAL HOST... -- IDS...
      whether SHOAL's lines of the event IDs IDS are those of the hosts
      together (as multisets); prints the difference otherwise
  e2e_events.py vnc HOST PORT
      opens a VNC connection, reads the server's greeting, closes it
"""
import collections
import os
import socket
import sys
import threading
import time


def listen(uri, out, ready, stop):
    import libvirt

    libvirt.virEventRegisterDefaultImpl()

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=loop, daemon=True).start()
    conn = libvirt.open(uri)
    lock = threading.Lock()
    f = open(out, "a")

    def record(ev):
        def cb(conn, dom, *args):
            with lock:
                # the last argument is the opaque
                f.write("%d %s %r\n" % (ev, dom.name(), args[:-1]))
                f.flush()
        return cb
    ids = sorted(getattr(libvirt, n) for n in dir(libvirt)
                 if n.startswith("VIR_DOMAIN_EVENT_ID_"))
    for ev in ids:
        try:
            conn.domainEventRegisterAny(None, ev, record(ev), None)
        except libvirt.libvirtError as e:
            print("event %d: %s" % (ev, e), file=sys.stderr)
            return 1
    open(ready, "w").close()
    while not os.path.exists(stop):
        time.sleep(0.1)
    with lock:
        f.close()
    open(out + ".done", "w").close()
    # the event loop thread is still in libvirt: no interpreter teardown
    # under it
    os._exit(0 if len(ids) == 27 else 1)


def lines(path, ids):
    with open(path) as f:
        return collections.Counter(
            line.rstrip("\n") for line in f if line.split(" ", 1)[0] in ids)


def compare(args):
    sep = args.index("--")
    shoal, hosts, ids = args[0], args[1:sep], set(args[sep + 1:])
    got = lines(shoal, ids)
    want = collections.Counter()
    for h in hosts:
        want += lines(h, ids)
    if got == want:
        return 0
    for line in sorted((want - got).elements()):
        print("missing through Shoal: " + line)
    for line in sorted((got - want).elements()):
        print("only through Shoal: " + line)
    return 1


def vnc(host, port):
    with socket.create_connection((host, int(port)), timeout=30) as s:
        greeting = s.recv(12)
        if not greeting.startswith(b"RFB "):
            print("no RFB greeting: %r" % greeting)
            return 1
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "listen":
        return listen(*sys.argv[2:6])
    if cmd == "compare":
        return compare(sys.argv[2:])
    if cmd == "vnc":
        return vnc(*sys.argv[2:4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
