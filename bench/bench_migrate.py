#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 4: live migration through Shoal versus raw libvirt migration.

Measures, in one run and alternating so that machine noise hits both sides:

  - one VM moved back and forth between two hosts: `virsh -c shoal...
    migrate --live --p2p VM shoal://h2/` against `virsh -c <source> migrate
    --live --p2p --persistent --undefinesource VM <destination>` (what Shoal
    asks the source host to do), wall time of the command, in both
    directions; also the migration's own time: the executor's duration
    (shoalctl migrations) for Shoal, the completed job's time_elapsed on the
    destination for raw;
  - evacuating a host of N VMs: `shoalctl host maintenance h1 on` (the
    executor moves up to 2 at once from one source, 1 to each destination)
    against N raw migrations one after the other.

Goal: a migration through Shoal takes <= 1.05x the raw one (median wall
time). Evacuation has no goal; the ratio is printed. A missed goal is
reported, never an error. Exit status 2 means the set-up failed, 3 that the
time limit hit.

Where the raw migrations run (--raw):
  same     (default) the very same VM between the very same hosts (h1, h2;
           h1 -> h2/h3 for evacuation), as the issue asks; after each raw
           migration the benchmark waits for Shoal to agree again
           (--converge seconds at most, then it removes a stale shut-off
           copy itself) and reports how long that took.
  outside  on twins of the VMs (same XML, same memory contents) between h4
           and h5, two testbed hosts that are not Shoal members: identical
           hosts on this one machine, but not the same ones, and without
           the other VMs that h1-h3 carry.

It starts its own testbed (5 hosts on NET.11-15, NET being --net or
TESTBED_NET, default 127.0.0; Shoal serves h1-h3) and a virtshoald in a
temporary directory under /var/tmp, and tears all down on any exit. The VMs
have real memory contents: each boots a tiny program that fills most of its
RAM with a non-zero pattern (zero pages cost a migration almost nothing);
then the single VM spins (a CPU hog) and the evacuated ones halt.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import libvirt

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import e2e_migrate  # noqa: E402  (the boot sector that fills guest memory)

TESTBED_PORT = 16509


class SetupError(Exception):
    """The benchmark could not set up or reach what it measures."""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return f"(no {path})"


def run(argv, timeout=300, check=True):
    """Runs a command; returns (wall seconds, output)."""
    t0 = time.monotonic()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=timeout, text=True)
    wall = time.monotonic() - t0
    if check and r.returncode != 0:
        raise SetupError(f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout}")
    return wall, r.stdout


MEMBERS = ("h1", "h2", "h3")


class Bed:
    def __init__(self, args):
        self.args = args
        self.dir = None
        self.daemon = None
        self.testbed_started = False
        self.lock = threading.Lock()
        self.cleaned = False
        self.hosts = {}

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def shoal_uri(self):
        return f"shoal+unix:///system?socket={self.path('sock')}/virtshoald-sock"

    @property
    def admin(self):
        return self.path("sock", "virtshoald-admin-sock")

    def check_free(self, nhosts):
        """Never start a testbed on addresses another one uses."""
        busy = [f"{self.args.net}.{10 + i}:{TESTBED_PORT} answers"
                for i in range(1, nhosts + 1)
                if subprocess.run(["timeout", "1", "bash", "-c",
                                   f"echo >/dev/tcp/{self.args.net}.{10 + i}/"
                                   f"{TESTBED_PORT}"],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0]
        if busy:
            raise SetupError(f"another testbed on {self.args.net} is running "
                             f"({busy[0]}): choose another --net or TESTBED_NET")

    def guest(self, host, name, mib, fill, end):
        """Defines and starts NAME on HOST, behind Shoal's back (no VNC)."""
        _, xml = run([self.args.testbed, "guest-xml", name, "hog", "--dir",
                      self.path("tb")])
        xml = re.sub(r"\s*<graphics [^>]*/>", "", xml)
        xml = xml.replace("<memory unit='MiB'>64</memory>",
                          f"<memory unit='MiB'>{mib}</memory>")
        e2e_migrate.fill_disk(self.path("tb", "shared", f"{name}.img"), fill, end)
        conn = libvirt.open(self.hosts[host])
        try:
            conn.defineXML(xml).create()
        finally:
            conn.close()

    def up(self, names):
        """names: {host: [(name, MiB, written MiB, spin|halt)]} to start."""
        a = self.args
        for p in (a.testbed, a.virtshoald, a.shoalctl):
            if not os.access(p, os.X_OK):
                raise SetupError(f"{p} is not executable (--testbed, --virtshoald, "
                                 "--shoalctl)")
        nhosts = 5 if a.raw == "outside" else 3
        self.check_free(nhosts)
        self.dir = tempfile.mkdtemp(prefix="shoal-bench-migrate.", dir="/var/tmp")
        log(f"testbed: {nhosts} hosts on {a.net} in {self.dir}/tb")
        self.testbed_started = True
        with open(self.path("testbed.log"), "w") as out:
            r = subprocess.run([a.testbed, "up", str(nhosts), "--dir", self.path("tb"),
                                "--guests", ""], stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=240,
                               env=dict(os.environ, TESTBED_NET=a.net))
        if r.returncode != 0:
            raise SetupError("testbed did not come up:\n" +
                             tail(self.path("testbed.log"), 15))
        with open(self.path("tb", "hosts.conf")) as f:
            self.hosts = dict(line.strip().split("=", 1) for line in f if "=" in line)
        for host, guests in names.items():
            for g in guests:
                self.guest(host, *g)
        # Shoal serves h1-h3 only, with the testbed's migration settings
        with open(self.path("virtshoald.conf"), "w") as f:
            f.write("[migration]\nunsafe=true\n\n")
            for h in MEMBERS:
                f.write(f"[host {h}]\nuri={self.hosts[h]}\n\n")
        with open(self.path("virtshoald.log"), "w") as out:
            self.daemon = subprocess.Popen(
                [a.virtshoald, "--socket-dir", self.path("sock"), "--config",
                 self.path("virtshoald.conf"), "--state-dir", self.path("state")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def host_list(self):
        _, out = run([self.args.shoalctl, "--socket", self.admin, "host", "list",
                      "--json"], timeout=30)
        return {h["name"]: h for h in json.loads(out)}

    def agrees(self, where):
        """Whether Shoal places each domain of where ({name: host}) there:
        per-host counts of running and defined domains, and info() of each
        works (no conflict)."""
        want = {h: sum(1 for n in where if where[n] == h) for h in MEMBERS}
        try:
            hl = self.host_list()
            if any((hl[h]["running"], hl[h]["domains"]) != (c, c)
                   for h, c in want.items()):
                return False
            conn = libvirt.open(self.shoal_uri)
            try:
                for n in where:
                    conn.lookupByName(n).info()
            finally:
                conn.close()
            return True
        except (SetupError, json.JSONDecodeError, KeyError, libvirt.libvirtError):
            return False

    def wait_agrees(self, where, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.daemon.poll() is not None:
                raise SetupError("virtshoald exited:\n" +
                                 tail(self.path("virtshoald.log"), 15))
            if self.agrees(where):
                return
            time.sleep(0.1)
        raise SetupError(f"Shoal does not place the domains as {where}: "
                         f"{self.host_list()}")

    def remove_stale(self, where):
        """Undefines shut-off copies of the domains off their host."""
        removed = 0
        for h in MEMBERS:
            conn = libvirt.open(self.hosts[h])
            try:
                for n, at in where.items():
                    if at == h:
                        continue
                    try:
                        dom = conn.lookupByName(n)
                    except libvirt.libvirtError:
                        continue
                    if not dom.isActive():
                        dom.undefine()
                        removed += 1
            finally:
                conn.close()
        return removed

    def cleanup(self):
        with self.lock:
            if self.cleaned or self.dir is None:
                return
            self.cleaned = True
            if self.daemon and self.daemon.poll() is None:
                self.daemon.terminate()
                try:
                    self.daemon.wait(10)
                except subprocess.TimeoutExpired:
                    self.daemon.kill()
                    self.daemon.wait()
            if self.testbed_started:
                log("testbed down")
                try:
                    subprocess.run([self.args.testbed, "down", "--dir", self.path("tb")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL, timeout=120)
                except subprocess.TimeoutExpired:
                    log(f"testbed down timed out: run `{self.args.testbed} down "
                        f"--dir {self.path('tb')}`")
                    return
            shutil.rmtree(self.dir, ignore_errors=True)


def job_elapsed_ms(host_uri, name):
    """The completed migration job's time on the destination, or None."""
    try:
        conn = libvirt.open(host_uri)
        try:
            stats = conn.lookupByName(name).jobStats(
                libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
            return stats.get("time_elapsed")
        finally:
            conn.close()
    except libvirt.libvirtError:
        return None


class Runner:
    """Moves the VMs. self.where: {name: host} of every VM Shoal serves."""

    def __init__(self, bed, where):
        self.bed = bed
        self.a = bed.args
        self.where = where
        self.extra = ["--bandwidth", str(self.a.bandwidth)] if self.a.bandwidth else []
        self.converge = []   # same mode: seconds Shoal took to agree
        self.stale = 0       # same mode: stale copies removed by hand

    def shoal(self, name, dst):
        wall, _ = run(["virsh", "-c", self.bed.shoal_uri, "migrate", "--live", "--p2p",
                       "--unsafe", *self.extra, name, f"shoal://{dst}/"])
        _, out = run([self.a.shoalctl, "--socket", self.bed.admin, "migrations",
                      "--json"])
        recs = [r for r in json.loads(out) if r["domain"] == name and r["to"] == dst]
        exec_ms = max(recs, key=lambda r: r["id"])["duration_ms"] if recs else None
        if name in self.where:
            self.where[name] = dst
            self.bed.wait_agrees(self.where)
        return wall, exec_ms

    def raw(self, name, src, dst, extra=None, wait=True):
        wall, _ = run(["virsh", "-c", self.bed.hosts[src], "migrate", "--live", "--p2p",
                       "--persistent", "--undefinesource", "--unsafe",
                       *(self.extra if extra is None else extra),
                       name, self.bed.hosts[dst]])
        job = job_elapsed_ms(self.bed.hosts[dst], name)
        if name in self.where:   # same mode: Shoal must catch up
            self.where[name] = dst
            if wait:
                self.wait_converged()
        return wall, job

    def wait_converged(self):
        t0 = time.monotonic()
        deadline = t0 + self.a.converge
        while time.monotonic() < deadline:
            if self.bed.agrees(self.where):
                self.converge.append(time.monotonic() - t0)
                return
            time.sleep(0.2)
        self.stale += self.bed.remove_stale(self.where)
        self.bed.wait_agrees(self.where)
        self.converge.append(time.monotonic() - t0)

    def single(self):
        """Per round two Shoal and two raw migrations, one of each per
        direction, the order alternating."""
        res = {"shoal": [], "raw": []}
        same = self.a.raw == "same"
        pos = {"shoal": "h1", "raw": "h1" if same else "h4"}
        pair = {"h1": "h2", "h2": "h1", "h4": "h5", "h5": "h4"}
        for r in range(self.a.rounds):
            kinds = ["shoal", "raw", "raw", "shoal"] if r % 2 == 0 else \
                    ["raw", "shoal", "shoal", "raw"]
            for kind in kinds:
                src = pos[kind]
                dst = pair[src]
                if kind == "shoal":
                    wall, t = self.shoal("bm-vm", dst)
                else:
                    wall, t = self.raw("bm-vm" if same else "raw-vm", src, dst)
                res[kind].append((wall, t))
                log(f"  {kind:5} {src}->{dst} {wall:6.3f} s "
                    f"({'executor' if kind == 'shoal' else 'job'} "
                    f"{t if t is not None else '?'} ms)")
                pos[kind] = dst
                if same:
                    pos["shoal" if kind == "raw" else "raw"] = dst
        return res

    def evacuate(self):
        """Shoal maintenance of h1 against sequential raw migrations,
        alternating which goes first."""
        a = self.a
        same = a.raw == "same"
        names = [f"bm-evac{i}" for i in range(1, a.evac_vms + 1)]
        raw_names = names if same else [f"raw-evac{i}" for i in range(1, a.evac_vms + 1)]
        # bm-vm is back on h1 after single() (4 moves a round): out of the
        # way to h3, or maintenance would move it too
        self.shoal("bm-vm", "h3")
        res = {"shoal": [], "raw": [], "return": []}
        for r in range(a.evac_rounds):
            for kind in (["shoal", "raw"] if r % 2 == 0 else ["raw", "shoal"]):
                if kind == "raw":
                    src, dsts = ("h1", ["h2", "h3"]) if same else ("h4", ["h5"])
                    t0 = time.monotonic()
                    for i, n in enumerate(raw_names):
                        # no bandwidth limit here, as Shoal's maintenance has none
                        self.raw(n, src, dsts[i % len(dsts)], extra=[], wait=False)
                    wall = time.monotonic() - t0
                    if same:
                        self.wait_converged()
                    for i, n in enumerate(raw_names):   # back, untimed
                        self.raw(n, dsts[i % len(dsts)], src, extra=[], wait=False)
                    if same:
                        self.wait_converged()
                else:
                    wall, out = run([a.shoalctl, "--socket", self.bed.admin, "host",
                                     "maintenance", "h1", "on", "--json"])
                    moved = json.loads(out)
                    if moved.get("failed") or moved.get("migrated") != len(names):
                        raise SetupError(f"maintenance h1 on: {moved}")
                    ret, out = run([a.shoalctl, "--socket", self.bed.admin, "host",
                                    "maintenance", "h1", "off", "--return", "--json"])
                    res["return"].append(ret)
                    self.bed.wait_agrees(self.where)
                log(f"  {kind:5} evacuation of {len(names)} VMs {wall:6.3f} s")
                res[kind].append(wall)
        return res


def verdict(value, goal):
    if value <= goal:
        return "PASS"
    return f"MISS (by {100 * (value / goal - 1):.0f} %)"


def report(args, single, evac, runner, elapsed, bed):
    out = []
    p = out.append
    med = statistics.median
    s_wall = [w for w, _ in single["shoal"]]
    r_wall = [w for w, _ in single["raw"]]
    s_exec = [t for _, t in single["shoal"] if t is not None]
    r_job = [t for _, t in single["raw"] if t is not None]
    where = ("the same VM between h1 and h2" if args.raw == "same" else
             "Shoal: h1 <-> h2; raw: a twin VM, h4 <-> h5 (not Shoal members)")
    p("")
    p(f"Live migration of one VM ({args.vm_mib} MiB, {args.fill_mib} MiB written, "
      f"{'CPU hog' if args.vm_end == 'spin' else 'halted'}), {len(s_wall)} + {len(r_wall)} runs, alternating"
      + (f", --bandwidth {args.bandwidth}" if args.bandwidth else ""))
    p(f"  {where}")
    p(f"  {'':38} {'shoal':>9} {'raw':>9} {'ratio':>7}")
    rows = [("virsh migrate wall, median (s)", med(s_wall), med(r_wall)),
            ("virsh migrate wall, mean (s)", statistics.mean(s_wall),
             statistics.mean(r_wall)),
            ("virsh migrate wall, min (s)", min(s_wall), min(r_wall)),
            ("virsh migrate wall, max (s)", max(s_wall), max(r_wall))]
    if s_exec and r_job:
        rows.append(("executor / libvirt job, median (s)", med(s_exec) / 1000,
                     med(r_job) / 1000))
    for title, s, r in rows:
        p(f"  {title:38} {s:9.3f} {r:9.3f} {s / r:6.2f}x")
    ratio = med(s_wall) / med(r_wall)
    p(f"  goal: shoal <= 1.05x raw (median wall): {ratio:.2f}x {verdict(ratio, 1.05)}")
    p(f"  per run (wall s): shoal {' '.join(f'{w:.2f}' for w in s_wall)}")
    p(f"                    raw   {' '.join(f'{w:.2f}' for w in r_wall)}")
    p("")
    n = args.evac_vms
    p(f"Evacuation of a host with {n} VMs ({args.evac_mib} MiB, {args.evac_fill_mib} "
      f"MiB written), {len(evac['shoal'])} runs each, alternating")
    p(f"  {'':38} {'shoal':>9} {'raw':>9} {'ratio':>7}")
    s, r = med(evac["shoal"]), med(evac["raw"])
    p(f"  {'wall, median (s)':38} {s:9.3f} {r:9.3f} {s / r:6.2f}x")
    p(f"    shoal: shoalctl host maintenance h1 on (executor: <= 2 per source, 1 per "
      f"destination, to h2 and h3)")
    p(f"    raw: {n} sequential virsh migrate, "
      + ("h1 to h2 and h3 in turn" if args.raw == "same" else "h4 to h5"))
    p(f"    shoalctl host maintenance h1 off --return, median: "
      f"{med(evac['return']):.3f} s")
    if args.raw == "same":
        p("")
        c = runner.converge
        p(f"Shoal after raw migrations behind its back: agreed again after median "
          f"{med(c):.1f} s, max {max(c):.1f} s ({len(c)} migrations); stale copies "
          f"removed by hand: {runner.stale}")
    p("")
    try:
        with open(bed.path("tb", "virt-type")) as f:
            virt = f.read().strip()
    except OSError:
        virt = "?"
    p(f"  nproc {os.cpu_count()}, guests {virt}, loadavg {os.getloadavg()[0]:.2f} at "
      f"end, {elapsed:.0f} s. On a busy machine a MISS is a hint, not a verdict.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=4,
                    help="single-VM rounds, each 2 Shoal + 2 raw migrations (4)")
    ap.add_argument("--vm-mib", type=int, default=256, help="migrated VM's memory (256)")
    ap.add_argument("--fill-mib", type=int, default=192,
                    help="of which written with non-zero data (192)")
    ap.add_argument("--vm-end", choices=("spin", "halt"), default="spin",
                    help="the migrated VM, once its memory is written: spin (a CPU "
                         "hog) or halt (default spin)")
    ap.add_argument("--evac-vms", type=int, default=4, help="VMs on the evacuated host (4)")
    ap.add_argument("--evac-mib", type=int, default=128, help="their memory (128)")
    ap.add_argument("--evac-fill-mib", type=int, default=96,
                    help="of which written (96)")
    ap.add_argument("--evac-rounds", type=int, default=2,
                    help="evacuations each way (2)")
    ap.add_argument("--bandwidth", type=int, default=0, metavar="MIB_S",
                    help="virsh migrate --bandwidth for the single-VM runs (none)")
    ap.add_argument("--raw", choices=("same", "outside"), default="same",
                    help="where raw migrations run (see above; default same)")
    ap.add_argument("--converge", type=float, default=90, metavar="SECONDS",
                    help="--raw same: wait at most this for Shoal to agree after a "
                         "raw migration (90)")
    ap.add_argument("--virtshoald", default=os.path.join(REPO, "build/src/virtshoald"),
                    help="daemon to run (default: %(default)s)")
    ap.add_argument("--shoalctl", default=os.path.join(REPO, "build/src/shoalctl"),
                    help="admin command (default: %(default)s)")
    ap.add_argument("--testbed", default=os.path.join(REPO, "tests/testbed/testbed"),
                    help="testbed script (default: %(default)s)")
    ap.add_argument("--net", default=os.environ.get("TESTBED_NET", "127.0.0"),
                    metavar="127.X.Y",
                    help="loopback /24 of the testbed's hosts (default: "
                         "$TESTBED_NET or 127.0.0)")
    ap.add_argument("--time-limit", type=float, default=900, metavar="SECONDS",
                    help="hard limit once started: tear down and exit 3 (900)")
    args = ap.parse_args()
    for opt in ("rounds", "vm_mib", "evac_vms", "evac_mib", "evac_rounds"):
        if getattr(args, opt) < 1:
            ap.error(f"--{opt.replace('_', '-')} must be at least 1")
    if not 0 <= args.fill_mib <= args.vm_mib - 2 or \
            not 0 <= args.evac_fill_mib <= args.evac_mib - 2:
        ap.error("the written MiB must leave 2 MiB of the VM's memory (the first MiB "
                 "is the BIOS's)")
    if not re.fullmatch(r"127\.[0-9]{1,3}\.[0-9]{1,3}", args.net):
        ap.error("--net must be 127.X.Y")

    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    bed = Bed(args)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    def watchdog():
        log(f"time limit of {args.time_limit:g} s reached, tearing down")
        bed.cleanup()
        os._exit(3)

    t0 = time.monotonic()
    try:
        if os.geteuid() != 0:
            raise SetupError("needs root to run the testbed")
        if not shutil.which("virsh"):
            raise SetupError("no virsh (apt-get install libvirt-clients)")
        timer = threading.Timer(args.time_limit, watchdog)
        timer.daemon = True
        timer.start()
        evac = [(f"bm-evac{i}", args.evac_mib, args.evac_fill_mib, "halt")
                for i in range(1, args.evac_vms + 1)]
        guests = {"h1": [("bm-vm", args.vm_mib, args.fill_mib, args.vm_end)] + evac}
        if args.raw == "outside":
            guests["h4"] = [("raw-vm", args.vm_mib, args.fill_mib, args.vm_end)] + \
                [("raw" + g[0][2:],) + g[1:] for g in evac]
        bed.up(guests)
        where = {g[0]: "h1" for g in guests["h1"]}
        bed.wait_agrees(where, 60)
        time.sleep(2)   # the guests' boot (and memory fill) is over
        runner = Runner(bed, where)
        log(f"single VM: {args.rounds} rounds, raw migrations {args.raw}")
        single = runner.single()
        log(f"evacuation: {args.evac_rounds} rounds")
        evacuated = runner.evacuate()
        timer.cancel()
        print(report(args, single, evacuated, runner, time.monotonic() - t0, bed),
              flush=True)
        return 0
    except (SetupError, subprocess.TimeoutExpired) as e:
        print(f"bench_migrate: set-up or run failed: {e}", file=sys.stderr)
        if bed.dir:
            print(tail(bed.path("virtshoald.log"), 10), file=sys.stderr)
        return 2
    except libvirt.libvirtError as e:
        print(f"bench_migrate: libvirt call failed: {e}", file=sys.stderr)
        return 2
    finally:
        bed.cleanup()


if __name__ == "__main__":
    sys.exit(main())
