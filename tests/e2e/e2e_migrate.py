# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of e2e_migrate.sh (python3-libvirt and the standard library only).

Usage:
  e2e_migrate.py fill-disk IMG MIB spin|halt
      Write a boot sector into IMG (a hog disk of the testbed) that fills MIB
      MiB of guest memory from 1 MiB up with a non-zero pattern, then spins
      (a CPU hog) or halts. A migration then has MIB MiB of real data to copy:
      with --bandwidth it lasts long enough to be watched, aborted or broken.
  e2e_migrate.py watch URI OUT DOMAIN...
      Until SIGINT or SIGTERM: every 0.2 s, info() of each DOMAIN through
      URI; one JSON line per call in OUT: {t, dom, cpu} or {t, dom, error}.
  e2e_migrate.py watch-check OUT samples|errors|monotonic|grows DOMAIN...
      Check what watch recorded: at least 5 samples of each DOMAIN; no
      error; cpuTime never went down; cpuTime grew from the first sample to
      the last.
  e2e_migrate.py migration DOMAIN FROM TO STATE [REASON]  < migrations JSON
      The newest migration of DOMAIN from FROM to TO ("-": any) has STATE
      (and REASON); a finished one has a duration, a failed one an error.
  e2e_migrate.py host NAME FIELD  < host list JSON
      Print FIELD of host NAME (true/false for booleans).
"""
import json
import signal
import struct
import sys
import time

# The boot sector, assembled with GNU as (--32, ld -Ttext 0x7c00 --oformat
# binary) from:
#     .code16
#     cli; xorw %ax,%ax; movw %ax,%ds
#     inb $0x92,%al; orb $2,%al; andb $0xfe,%al; outb %al,$0x92   # fast A20
#     lgdtl gdt_desc
#     movl %cr0,%eax; orl $1,%eax; movl %eax,%cr0
#     ljmpl $0x08,$pm
#     .code32
# pm: movw $0x10,%ax; movw %ax,%ds; movw %ax,%es; movw %ax,%ss
#     movl $0x7000,%esp
#     movl $0x100000,%edi; movl count,%ecx; movl $0x5aa5c33c,%eax
#     cld; rep stosl
# spin: jmp spin                       # at 0x47; "halt" puts hlt; jmp .-1
#     .p2align 3
# gdt: .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff      # flat 4 GiB
# gdt_desc: .word 23; .long gdt
#     .org 0x1f0
# count: .long <dwords>                # patched here
#     .org 0x1fe; .byte 0x55, 0xaa
BOOT = bytes.fromhex(
    "fa31c08ed8e4920c0224fee692660f0116687c0f20c06683c8010f22c066ea257c00"
    "00080066b810008ed88ec08ed0bc00700000bf000010008b0df07d0000b83cc3a55a"
    "fcf3abebfe8db426000000000000000000000000ffff0000009acf00ffff00000092"
    "cf001700507c0000")
SPIN_AT = 0x47
COUNT_AT = 0x1F0


def fill_disk(img, mib, end):
    sector = bytearray(512)
    sector[:len(BOOT)] = BOOT
    if end == "halt":
        sector[SPIN_AT:SPIN_AT + 3] = b"\xf4\xeb\xfd"
    elif end != "spin":
        sys.exit("fill-disk: spin or halt, not %r" % end)
    sector[COUNT_AT:COUNT_AT + 4] = struct.pack("<I", int(mib) * 1024 * 1024 // 4)
    sector[510:512] = b"\x55\xaa"
    with open(img, "r+b") as f:
        f.write(sector)


def watch(uri, out, names):
    import libvirt

    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    stop = []
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    conn = libvirt.open(uri)
    doms = {n: conn.lookupByName(n) for n in names}
    with open(out, "w") as f:
        while not stop:
            for n, dom in doms.items():
                rec = {"t": round(time.time(), 3), "dom": n}
                try:
                    rec["cpu"] = dom.info()[4]
                except libvirt.libvirtError as e:
                    rec["error"] = str(e)
                f.write(json.dumps(rec) + "\n")
                f.flush()
            time.sleep(0.2)
    conn.close()


def watch_check(out, what, names):
    recs = [json.loads(l) for l in open(out) if l.strip()]
    bad = []
    for n in names:
        mine = [r for r in recs if r["dom"] == n]
        cpus = [(r["t"], r["cpu"]) for r in mine if "cpu" in r]
        if what == "samples":
            if len(mine) < 5:
                bad.append("%s: %d samples" % (n, len(mine)))
        elif what == "errors":
            errs = [r for r in mine if "error" in r]
            if errs:
                bad.append("%s: %d of %d calls failed, first at %.1f: %s" % (
                    n, len(errs), len(mine), errs[0]["t"], errs[0]["error"]))
        elif what == "monotonic":
            for (t0, a), (t1, b) in zip(cpus, cpus[1:]):
                if b < a:
                    bad.append("%s: cpuTime went down at %.1f: %.3f s -> %.3f s" %
                               (n, t1, a / 1e9, b / 1e9))
                    break
        elif what == "grows":
            if len(cpus) < 2 or cpus[-1][1] <= cpus[0][1]:
                bad.append("%s: cpuTime did not grow: %s" % (
                    n, [round(c / 1e9, 3) for _, c in cpus[:1] + cpus[-1:]]))
        else:
            sys.exit("watch-check: unknown check %r" % what)
    if bad:
        print("\n".join(bad))
        sys.exit(1)


def migration(dom, src, dst, state, reason=None):
    recs = [r for r in json.load(sys.stdin)
            if r["domain"] == dom and src in ("-", r["from"]) and
            dst in ("-", r["to"])]
    if not recs:
        sys.exit("no migration of %s from %s to %s" % (dom, src, dst))
    r = max(recs, key=lambda r: r["id"])
    problems = []
    if r["state"] != state:
        problems.append("state %s, not %s" % (r["state"], state))
    if reason is not None and r["reason"] != reason:
        problems.append("reason %r, not %r" % (r["reason"], reason))
    if state in ("done", "failed") and not r.get("duration_ms"):
        problems.append("no duration")
    if state == "failed" and not r.get("error"):
        problems.append("no error")
    if problems:
        sys.exit("migration %s: %s\n%s" % (r["id"], ", ".join(problems),
                                           json.dumps(r, indent=1)))


def host(name, field):
    for h in json.load(sys.stdin):
        if h["name"] == name:
            v = h[field]
            print(str(v).lower() if isinstance(v, bool) else v)
            return
    sys.exit("no host %s" % name)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return
    cmd, args = argv[1], argv[2:]
    if cmd == "fill-disk":
        fill_disk(*args)
    elif cmd == "watch":
        watch(args[0], args[1], args[2:])
    elif cmd == "watch-check":
        watch_check(args[0], args[1], args[2:])
    elif cmd == "migration":
        migration(*args)
    elif cmd == "host":
        host(*args)
    else:
        sys.exit("unknown command %r" % cmd)


if __name__ == "__main__":
    main(sys.argv)
