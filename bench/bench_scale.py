#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 9: how virtshoald grows with the number of member hosts.

Member hosts are libvirt's test driver, one generated XML file per host
(test:///DIR/hostN.xml, opened inside virtshoald: no libvirtd, no root).
For each size (default 100, 250, 500 and 1000 hosts x 16 domains) it starts
a virtshoald with an empty state directory and measures:

  - complete: seconds from its start until listAllDomains shows every domain
  - restart: the same for a second start on the state it stored
  - idle CPU: the share of one core it uses over --idle seconds (default 60)
    with no client, after the list was complete
  - RSS at the end of the idle period
  - listAllDomains(0) on one open connection (median of 20), and the real
    `virsh list --all` (median of 5; virsh then asks each domain's state)
  - dominfo calls/s: --clients threads (default 8), each with a
    connection, repeating what `virsh dominfo` asks on random domains

Then it prints how each figure grows with the number of hosts: the figure
per host at each size, relative to the smallest size; linear growth keeps
it near 1.0. Goals at 1000 x 16: complete <= 10 s, idle CPU <= 5 % of one
core, RSS <= 256 MiB, listAllDomains <= 100 ms.

libvirt's client refuses a list of more than 16 384 domains in one reply
(REMOTE_DOMAIN_LIST_MAX): 1024 x 16 is the most one connection can list.
"""

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import libvirt

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
REMOTE_DOMAIN_LIST_MAX = 16384
GOALS = {"complete_s": 10.0, "idle_cpu": 5.0, "rss_mib": 256.0,
         "list_ms": 100.0}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def domain_xml(host, i):
    name = f"h{host}-d{i}"
    u = uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.bench.shoal")
    # a quarter shut off, the rest running, as a real fleet has both
    runstate = ("<test:runstate>5</test:runstate>" if i % 4 == 3 else "")
    return (f"<domain type='test' xmlns:test="
            f"'http://libvirt.org/schemas/domain/test'>"
            f"<name>{name}</name><uuid>{u}</uuid>"
            f"<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
            f"<os><type>hvm</type></os>{runstate}</domain>")


def generate(workdir, hosts, domains, follow_poll_ms=None):
    """One test driver file per host, and the daemon's configuration."""
    hostdir = os.path.join(workdir, "hosts")
    os.makedirs(hostdir, exist_ok=True)
    conf = []
    for h in range(1, hosts + 1):
        path = os.path.join(hostdir, f"host{h}.xml")
        with open(path, "w") as f:
            f.write("<node><cpu><nodes>1</nodes><sockets>1</sockets>"
                    "<cores>16</cores><threads>2</threads><active>32</active>"
                    "<mhz>2000</mhz><model>x86_64</model></cpu>"
                    "<memory>67108864</memory>\n")
            for i in range(domains):
                f.write(domain_xml(h, i) + "\n")
            f.write("</node>\n")
        conf.append(f"[host h{h}]\nuri=test://{path}\n")
    if follow_poll_ms:
        conf.append(f"[reconcile]\nfollow_poll_ms={follow_poll_ms}\n")
    confpath = os.path.join(workdir, "virtshoald.conf")
    with open(confpath, "w") as f:
        f.write("\n".join(conf))
    return confpath


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_wait_s(pid):
    """Seconds the daemon's live threads waited runnable for a CPU."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def proc_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class Daemon:
    def __init__(self, args, workdir, conf, state):
        self.sock = os.path.join(workdir, "sock")
        os.makedirs(self.sock, exist_ok=True)
        self.logpath = os.path.join(workdir, "virtshoald.log")
        self.uri = f"shoal+unix:///system?socket={self.sock}/virtshoald-sock"
        self.t0 = time.monotonic()
        with open(self.logpath, "a") as out:
            self.proc = subprocess.Popen(
                [args.virtshoald, "--socket-dir", self.sock, "--config", conf,
                 "--state-dir", state], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)

    def wait_complete(self, want, timeout):
        """Seconds from the start until every domain is listed."""
        conn = None
        deadline = self.t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"virtshoald exited ({self.proc.returncode}), "
                                 f"see {self.logpath}")
            try:
                if conn is None:
                    conn = libvirt.open(self.uri)
                n = len(conn.listAllDomains(0))
                if n >= want:
                    took = time.monotonic() - self.t0
                    self.cpu_s = proc_cpu_s(self.proc.pid)
                    self.wait_s = proc_wait_s(self.proc.pid)
                    conn.close()
                    return took
            except libvirt.libvirtError:
                conn = None
            time.sleep(0.1)
        log(f"virtshoald lists fewer than {want} domains after {timeout} s, "
            f"see {self.logpath}")
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def list_latency(uri, rounds=20):
    conn = libvirt.open(uri)
    try:
        conn.listAllDomains(0)
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.listAllDomains(0)
            times.append(time.perf_counter() - t0)
        return statistics.median(times)
    finally:
        conn.close()


def virsh_latency(uri, rounds=5):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(["virsh", "-c", uri, "list", "--all"], check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def dominfo_rate(uri, names, clients, seconds):
    conns = [libvirt.open(uri) for _ in range(clients)]
    counts = [0] * clients
    errors = []
    gate = threading.Barrier(clients + 1)
    end = [0.0]

    def worker(i):
        rnd = random.Random(i)
        gate.wait()
        n = 0
        while time.perf_counter() < end[0]:
            try:
                d = conns[i].lookupByName(rnd.choice(names))
                d.info()
                d.OSType()
                d.isPersistent()
                d.autostart()
                d.hasManagedSaveImage(0)
                n += 1
            except libvirt.libvirtError as e:
                errors.append(str(e))
        counts[i] = n

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    end[0] = t0 + seconds
    gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    for c in conns:
        c.close()
    if errors:
        log(f"dominfo: {len(errors)} errors, last: {errors[-1]}")
    return sum(counts) / elapsed


def measure(args, hosts):
    want = hosts * args.domains
    if want > REMOTE_DOMAIN_LIST_MAX:
        log(f"{want} domains: more than libvirt's client lists in one call "
            f"({REMOTE_DOMAIN_LIST_MAX}); skipped")
        return None
    workdir = tempfile.mkdtemp(prefix=f"bench-scale-{hosts}-",
                               dir=args.workdir)
    conf = generate(workdir, hosts, args.domains, args.follow_poll_ms)
    state = os.path.join(workdir, "state")
    r = {"hosts": hosts, "domains": want}
    try:
        log(f"{hosts} hosts x {args.domains}: first start")
        d = Daemon(args, workdir, conf, state)
        try:
            r["complete_s"] = d.wait_complete(want, args.timeout)
            if r["complete_s"] is None:
                return r
            r["complete_cpu_s"] = d.cpu_s
            r["complete_wait_s"] = d.wait_s
            log(f"  complete after {r['complete_s']:.1f} s, daemon CPU "
                f"{d.cpu_s:.1f} s, waited for a CPU {d.wait_s:.1f} s")
            c0 = proc_cpu_s(d.proc.pid)
            t0 = time.monotonic()
            time.sleep(args.idle)
            r["idle_cpu"] = 100.0 * (proc_cpu_s(d.proc.pid) - c0) / (
                time.monotonic() - t0)
            r["rss_mib"] = proc_rss_mib(d.proc.pid)
            log(f"  idle {r['idle_cpu']:.1f} % of a core, "
                f"RSS {r['rss_mib']:.0f} MiB")
            c0 = proc_cpu_s(d.proc.pid)
            r["list_ms"] = 1000 * list_latency(d.uri)
            # 21 calls: list_latency's warm-up and its 20 timed ones
            r["list_cpu_ms"] = 1000 * (proc_cpu_s(d.proc.pid) - c0) / 21
            r["virsh_ms"] = 1000 * virsh_latency(d.uri)
            names = [f"h{h}-d{i}" for h in range(1, hosts + 1)
                     for i in range(args.domains)]
            r["dominfo_s"] = dominfo_rate(d.uri, names, args.clients,
                                          args.dominfo_seconds)
            log(f"  listAllDomains {r['list_ms']:.0f} ms, virsh list "
                f"{r['virsh_ms']:.0f} ms, dominfo {r['dominfo_s']:.0f}/s")
        finally:
            d.stop()
        log(f"{hosts} hosts: restart on the stored state")
        d = Daemon(args, workdir, conf, state)
        try:
            r["restart_s"] = d.wait_complete(want, args.timeout)
            if r["restart_s"] is not None:
                r["restart_cpu_s"] = d.cpu_s
                log(f"  complete after {r['restart_s']:.1f} s, daemon CPU "
                    f"{d.cpu_s:.1f} s, waited for a CPU {d.wait_s:.1f} s")
        finally:
            d.stop()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return r


ROWS = (("complete_s", "complete after (s)", "%.1f"),
        ("complete_cpu_s", "  daemon CPU until then (s)", "%.1f"),
        ("complete_wait_s", "  its threads runnable, waiting (s)", "%.1f"),
        ("restart_s", "restart: complete after (s)", "%.1f"),
        ("restart_cpu_s", "  daemon CPU until then (s)", "%.1f"),
        ("idle_cpu", "idle CPU (% of a core)", "%.1f"),
        ("rss_mib", "RSS (MiB)", "%.0f"),
        ("list_ms", "listAllDomains (ms)", "%.1f"),
        ("list_cpu_ms", "  daemon CPU per call (ms)", "%.1f"),
        ("virsh_ms", "virsh list --all (ms)", "%.0f"),
        ("dominfo_s", "dominfo calls/s, 8 clients", "%.0f"))


def report(args, results):
    results = [r for r in results if r]
    if not results:
        return
    print(f"\nvirtshoald with N test-driver hosts x {args.domains} domains "
          f"(idle over {args.idle:.0f} s)\n")
    head = "%-30s" % "figure" + "".join("%10s" % r["hosts"] for r in results)
    print(head)
    for key, label, fmt in ROWS:
        print("%-30s" % label + "".join(
            "%10s" % (fmt % r[key] if r.get(key) is not None else
                      (">%.0f" % args.timeout if key in ("complete_s",
                       "restart_s") else "-"))
            for r in results))
    base = results[0]
    print(f"\ngrowth: each figure per host, relative to {base['hosts']} hosts "
          f"(1.0 = linear, above = faster than linear)\n")
    print(head)
    for key, label, _ in ROWS:
        if key == "dominfo_s":
            continue
        cells = []
        for r in results:
            if r.get(key) is None or not base.get(key):
                cells.append("%10s" % "-")
                continue
            per = r[key] / r["hosts"]
            ref = base[key] / base["hosts"]
            cells.append("%10.2f" % (per / ref))
        print("%-30s" % label + "".join(cells))
    big = results[-1]
    print(f"\ngoals at {big['hosts']} x {args.domains}:")
    for key, goal in GOALS.items():
        if big.get(key) is None:
            print(f"  {key:12s} {'-':>8s}  goal <= {goal:g}  MISS")
            continue
        ok = big[key] <= goal
        print(f"  {key:12s} {big[key]:8.1f}  goal <= {goal:g}  "
              f"{'PASS' if ok else 'MISS'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,250,500,1000",
                    help="numbers of hosts, comma-separated")
    ap.add_argument("--domains", type=int, default=16,
                    help="domains per host")
    ap.add_argument("--idle", type=float, default=60.0,
                    help="seconds over which idle CPU is measured")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--follow-poll-ms", type=int, default=None,
                    help="[reconcile] follow_poll_ms (issue 15's poll of "
                    "each host's inactive domains; default: the daemon's)")
    ap.add_argument("--dominfo-seconds", type=float, default=5.0)
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds a start may take to list every domain")
    ap.add_argument("--virtshoald",
                    default=os.path.join(REPO, "build/src/virtshoald"))
    ap.add_argument("--workdir", default="/var/tmp")
    ap.add_argument("--keep", action="store_true",
                    help="keep the generated files and state")
    args = ap.parse_args()
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    for n in sizes:
        results.append(measure(args, n))
    report(args, results)


if __name__ == "__main__":
    main()
