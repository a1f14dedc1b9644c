#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 2: inspection through Shoal versus directly to one member host.

Measures, in one run and interleaved so that machine noise hits both sides:

  - `virsh -c URI list --all` latency (the real command, process start
    included), and the same at API level (listAllDomains + state() of each
    domain, as virsh list does) on one open connection;
  - each call virsh dominfo and virsh list make, alone, on one connection;
  - dominfo throughput: N client threads, each with its own connection,
    repeating what `virsh dominfo` asks (lookupByName, info, OSType,
    isPersistent, autostart, hasManagedSaveImage) for a fixed time;
  - `virsh dominfo` command latency.

Goals: list <= 1.0x direct (answered from the inventory), dominfo/s >= 0.8x
direct. A missed goal is reported, never an error: the machine is shared and
noisy. Exit status 2 means the set-up failed, 3 that the time limit hit.

By default it starts its own testbed (3 hosts on NET.11-13, NET being
--net or TESTBED_NET, default 127.0.0; 4 idle guests per host) and two
virtshoald in a temporary directory: one serving the cluster, one serving
only h1 (the same domains as the direct host: the like-for-like list
comparison). All is torn down on any exit. With --uri-shoal and
--uri-direct it measures what is there and starts nothing.
"""

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import libvirt

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTBED_PORT = 16509
CLK_TCK = os.sysconf("SC_CLK_TCK")


class SetupError(Exception):
    """The benchmark could not set up or reach what it measures."""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ms(seconds):
    return seconds * 1000.0


def p90(values):
    """Nearest-rank 90th percentile."""
    s = sorted(values)
    return s[max(0, -(-len(s) * 9 // 10) - 1)]


def ratio(shoal, direct):
    return shoal / direct if direct else float("nan")


def fmt_version(v):
    return f"{v // 1000000}.{v // 1000 % 1000}.{v % 1000}"


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return f"(no {path})"


def open_conn(uri):
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as e:
        raise SetupError(f"cannot open {uri}: {e}") from None


def answers(host, port):
    try:
        socket.create_connection((host, port), 0.5).close()
        return True
    except OSError:
        return False


def processes():
    """(pid, NUL-separated command line) of every process."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                yield int(pid), f.read()
        except OSError:
            continue


def testbed_dirs():
    """State directories of the testbeds whose libvirtd runs now."""
    dirs = set()
    for _, cmd in processes():
        m = re.search(rb"libvirtd\0.*\0(/[^\0]*)/hosts/h[0-9]+/libvirtd\.pid", cmd)
        if m:
            dirs.add(m.group(1).decode(errors="replace"))
    return dirs


def testbed_net(tb_dir):
    """The /24 a testbed listens in (the testbed records it in DIR/net)."""
    try:
        with open(os.path.join(tb_dir, "net")) as f:
            return f.read().strip()
    except OSError:
        return "127.0.0"  # older testbeds: the fixed default


def count_domains(uri):
    conn = open_conn(uri)
    try:
        return len(conn.listAllDomains(0))
    finally:
        conn.close()


# --------------------------------------------------------------------------
# CPU accounting. On a small shared machine every figure may be bound by the
# CPUs rather than by a daemon: say how busy the machine was, and what each
# daemon spent per call, so that a ratio can be read correctly.

def proc_cpu(pids):
    """CPU seconds (user + system) used so far by the live ones of pids."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            pass
    return total


def machine_cpu():
    """(busy, total) CPU seconds of all CPUs since boot."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + vals[4]  # idle + iowait
    return (sum(vals) - idle) / CLK_TCK, sum(vals) / CLK_TCK


Usage = collections.namedtuple("Usage", "groups client busy other capacity")
# groups: {name: CPU s} of the named process groups (daemons, guests);
# client: CPU s of this process and the virsh it ran; busy: share of the
# machine's CPUs busy; other: share busy with anything else (other users of
# the machine); capacity: CPU s the machine had (nproc x wall time).


class CpuSample:
    def __init__(self, groups):
        self.groups = groups  # {name: [pid]}
        self.start = self._read()

    def _read(self):
        t = os.times()  # children: the virsh commands, once waited for
        return ({n: proc_cpu(p) for n, p in self.groups.items()},
                t.user + t.system + t.children_user + t.children_system,
                machine_cpu())

    def stop(self):
        end = self._read()
        groups = {n: end[0][n] - self.start[0][n] for n in self.groups}
        client = end[1] - self.start[1]
        busy = end[2][0] - self.start[2][0]
        total = end[2][1] - self.start[2][1]
        if total <= 0:
            return Usage(groups, client, 0.0, 0.0, 0.0)
        other = max(0.0, busy - client - sum(groups.values()))
        return Usage(groups, client, busy / total, other / total, total)

def settle(max_s, busy_below=0.5):
    """Wait (up to max_s) for the machine to calm down after set-up: fresh
    guests boot for a few seconds, and on a 2-CPU machine that noise would
    land on whichever measurement runs first. Returns (seconds, busy)."""
    t0 = time.monotonic()
    while True:
        cpu = CpuSample({})
        time.sleep(1)
        busy = cpu.stop().busy
        waited = time.monotonic() - t0
        if busy < busy_below or waited >= max_s:
            return waited, busy


# --------------------------------------------------------------------------
# Own testbed + virtshoald, torn down on any exit (also by the watchdog).

def guest_name(host, i):
    return f"bench-h{host}-{i}"


class Bed:
    def __init__(self, args):
        self.args = args
        self.dir = None
        self.daemons = {}  # name -> Popen
        self.testbed_started = False
        self.lock = threading.Lock()
        self.cleaned = False

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def check_testbed_free(self, wait):
        """A testbed's addresses NET.11-... are fixed (other sessions and the
        end-to-end tests choose their NET with TESTBED_NET): never start a
        testbed while another one on the same NET is up, starting or
        stopping."""
        net = self.args.net
        deadline = time.monotonic() + wait
        while True:
            busy = [f"{net}.{10 + i}:{TESTBED_PORT} answers"
                    for i in range(1, self.args.hosts + 1)
                    if answers(f"{net}.{10 + i}", TESTBED_PORT)]
            # a testbed's libvirtd is up before it listens and after it stops
            # listening: find them by their pid file DIR/hosts/h<i>/libvirtd.pid
            busy += [f"testbed libvirtd in {d}" for d in sorted(testbed_dirs())
                     if testbed_net(d) == net]
            if not busy:
                return
            if time.monotonic() >= deadline:
                raise SetupError(
                    f"another testbed on {net} is running: {'; '.join(busy[:3])}; "
                    "see `pgrep -af libvirtd`, retry later, pass --wait-free "
                    "SECONDS or choose another --net")
            log(f"another testbed on {net} is running ({busy[0]}), waiting")
            time.sleep(5)

    def up(self):
        """Returns the URIs (shoal cluster, shoal serving only h1, direct h1)."""
        a = self.args
        for path in (a.testbed, a.virtshoald):
            if not os.access(path, os.X_OK):
                raise SetupError(f"{path} is not executable (--testbed, --virtshoald)")
        self.dir = tempfile.mkdtemp(prefix="shoal-bench.", dir="/var/tmp")
        spec = ";".join(
            f"h{h}:" + ",".join(guest_name(h, g) for g in range(1, a.guests + 1))
            for h in range(1, a.hosts + 1))
        log(f"testbed: {a.hosts} hosts on {a.net} x {a.guests} idle guests in "
            f"{self.dir}/tb")
        self.testbed_started = True  # even a failed `up` can leave daemons behind
        with open(self.path("testbed.log"), "w") as out:
            try:
                r = subprocess.run([a.testbed, "up", str(a.hosts), "--dir",
                                    self.path("tb"), "--guests", spec],
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, timeout=240,
                                   env=dict(os.environ, TESTBED_NET=a.net))
                failed = r.returncode != 0
            except subprocess.TimeoutExpired:
                failed = True
        if failed:
            raise SetupError("testbed did not come up:\n" +
                             tail(self.path("testbed.log"), 15))

        # hosts.conf: one "h1=URI" line per host
        with open(self.path("tb", "hosts.conf")) as f:
            direct = dict(line.strip().split("=", 1) for line in f if "=" in line)["h1"]
        one_conf = self.path("one.conf")
        with open(one_conf, "w") as f:
            f.write(f"[host h1]\nuri={direct}\n")
        uris = {}
        for name, conf in (("cluster", self.path("tb", "virtshoald.conf")),
                           ("one", one_conf)):
            sock = self.path(f"sock-{name}")
            with open(self.path(f"virtshoald-{name}.log"), "w") as out:
                self.daemons[name] = subprocess.Popen(
                    [a.virtshoald, "--socket-dir", sock, "--config", conf,
                     "--state-dir", self.path(f"state-{name}")],
                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            uris[name] = f"shoal+unix:///system?socket={sock}/virtshoald-sock"
        # virtshoald connects to its hosts in the background: measure only
        # once its inventory holds every guest.
        want = {"cluster": a.hosts * a.guests, "one": a.guests}
        for name, uri in uris.items():
            self.wait_domains(name, uri, want[name], 60)
        return uris["cluster"], uris["one"], direct

    def wait_domains(self, name, uri, want, timeout):
        deadline = time.monotonic() + timeout
        got, err = None, None
        while time.monotonic() < deadline and self.daemons[name].poll() is None:
            try:
                got = count_domains(uri)
                if got >= want:
                    return
            except SetupError as e:
                err = e
            time.sleep(0.2)
        raise SetupError(f"virtshoald ({name}) lists {got} domains, want {want} "
                         f"(last error: {err}):\n" +
                         tail(self.path(f"virtshoald-{name}.log"), 15))

    def cpu_groups(self):
        """Processes on the measured paths, and the guests, for CPU accounting."""
        groups = {"virtshoald": [self.daemons["cluster"].pid]}
        try:
            with open(self.path("tb", "hosts", "h1", "libvirtd.pid")) as f:
                groups["libvirtd-h1"] = [int(f.read().strip())]
        except (OSError, ValueError):
            pass
        # Our guests' QEMUs live in the mount namespaces of our hosts' libvirtd
        # (the testbed keeps them there); other testbeds' QEMUs do not.
        ns = set()
        for h in range(1, self.args.hosts + 1):
            try:
                with open(self.path("tb", "hosts", f"h{h}", "libvirtd.pid")) as f:
                    ns.add(os.readlink(f"/proc/{int(f.read().strip())}/ns/mnt"))
            except (OSError, ValueError):
                pass
        guests = []
        for pid, cmd in processes():
            try:
                if (b"qemu-system" in cmd.split(b"\0", 1)[0]
                        and os.readlink(f"/proc/{pid}/ns/mnt") in ns):
                    guests.append(pid)
            except OSError:
                continue
        groups["guests"] = guests
        return groups

    def cleanup(self):
        with self.lock:
            if self.cleaned or self.dir is None:
                return
            self.cleaned = True
            for proc in self.daemons.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in self.daemons.values():
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if self.testbed_started:
                log("testbed down")
                try:
                    subprocess.run([self.args.testbed, "down", "--dir",
                                    self.path("tb")], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL, timeout=120)
                except subprocess.TimeoutExpired:
                    log(f"testbed down timed out: run `{self.args.testbed} down "
                        f"--dir {self.path('tb')}`")
                    return  # keep the directory: it is needed to tear down
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# What the clients ask.

def list_like_virsh(conn):
    """What `virsh list --all` asks: every domain, then each one's state."""
    for dom in conn.listAllDomains(0):
        dom.state(0)


# What `virsh dominfo` asks after the lookup. virsh also asks the node's
# security model, the domain's label and messages: those only show in the
# command-level figure.
DOMINFO_CALLS = ("info", "OSType", "isPersistent", "autostart",
                 "hasManagedSaveImage")


def dominfo_like_virsh(conn, name):
    dom = conn.lookupByName(name)
    dom.info()
    dom.OSType()
    dom.isPersistent()
    dom.autostart()
    dom.hasManagedSaveImage(0)


# --------------------------------------------------------------------------
# Measurements. Targets are [(label, uri)]; latency loops go round-robin
# over the targets, so that drift and bursts of noise spread over all.
# Each returns ({label: [seconds]}, Usage).

def virsh_latency(targets, argv, rounds, groups):
    """Wall time of the command `virsh -c URI ARGV...`."""
    times = {label: [] for label, _ in targets}
    cpu = CpuSample(groups)
    for _ in range(rounds):
        for label, uri in targets:
            t0 = time.perf_counter()
            r = subprocess.run(["virsh", "-c", uri] + argv, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               timeout=30)
            dt = time.perf_counter() - t0
            if r.returncode != 0:
                raise SetupError(f"virsh -c {uri} {' '.join(argv)}: "
                                 f"{r.stderr.decode(errors='replace').strip()}")
            times[label].append(dt)
    return times, cpu.stop()


def api_latency(targets, domain, calls, rounds, groups, warmup=5):
    """Wall time of each calls[name](conn, dom) on one connection per target,
    dom being the target's handle on `domain`.
    Returns ({call: {label: [seconds]}}, Usage)."""
    conns = {label: open_conn(uri) for label, uri in targets}
    try:
        doms = {label: conn.lookupByName(domain) for label, conn in conns.items()}
        result = {}
        cpu = CpuSample(groups)
        for call, fn in calls.items():
            for _ in range(warmup):
                for label in conns:
                    fn(conns[label], doms[label])
            times = {label: [] for label in conns}
            for _ in range(rounds):
                for label in conns:
                    t0 = time.perf_counter()
                    fn(conns[label], doms[label])
                    times[label].append(time.perf_counter() - t0)
            result[call] = times
        return result, cpu.stop()
    finally:
        for conn in conns.values():
            conn.close()


def single_calls(domain):
    """Each call of virsh dominfo and virsh list, alone."""
    return {
        "lookupByName": lambda c, d: c.lookupByName(domain),
        "info": lambda c, d: d.info(),
        "OSType": lambda c, d: d.OSType(),
        "isPersistent": lambda c, d: d.isPersistent(),
        "autostart": lambda c, d: d.autostart(),
        "hasManagedSaveImage": lambda c, d: d.hasManagedSaveImage(0),
        "state": lambda c, d: d.state(0),
        "listAllDomains(0)": lambda c, d: c.listAllDomains(0),
    }


def dominfo_throughput(uri, domain, clients, duration, groups):
    """Completed dominfo sequences per second over `clients` threads, each
    with its own connection (the binding releases the GIL during calls, so
    the threads really do wait on the daemons concurrently)."""
    conns = [open_conn(uri) for _ in range(clients)]
    for conn in conns:
        dominfo_like_virsh(conn, domain)  # warm-up, and fail here, not in a thread
    counts = [0] * clients
    errors = [0] * clients
    ends = [0.0] * clients
    last_error = []
    gate = threading.Barrier(clients + 1)
    deadline = 0.0

    def worker(i):
        gate.wait()
        n = 0
        while time.perf_counter() < deadline:
            try:
                dominfo_like_virsh(conns[i], domain)
                n += 1
            except libvirt.libvirtError as e:
                errors[i] += 1
                last_error[:] = [str(e)]
        counts[i] = n
        ends[i] = time.perf_counter()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    cpu = CpuSample(groups)
    t0 = time.perf_counter()
    deadline = t0 + duration
    gate.wait()
    for t in threads:
        t.join()
    usage = cpu.stop()
    for conn in conns:
        conn.close()
    elapsed = max(ends) - t0  # the last sequences end a little past the deadline
    return {"rate": sum(counts) / elapsed, "done": sum(counts),
            "errors": sum(errors), "last_error": last_error[0] if last_error else None,
            "usage": usage}


# --------------------------------------------------------------------------

def pick_domain(shoal_uri, direct_uri):
    """A domain of the direct host that Shoal also knows (first by name)."""
    direct = open_conn(direct_uri)
    shoal = open_conn(shoal_uri)
    try:
        for name in sorted(d.name() for d in direct.listAllDomains(0)):
            try:
                shoal.lookupByName(name)
                return name
            except libvirt.libvirtError:
                continue
    finally:
        direct.close()
        shoal.close()
    raise SetupError(f"no domain of {direct_uri} is visible through {shoal_uri}")


def machine_context(direct_uri, domain):
    ctx = {"nproc": os.cpu_count(), "load": os.getloadavg(),
           "client": fmt_version(libvirt.getVersion())}
    conn = open_conn(direct_uri)
    try:
        xml = conn.lookupByName(domain).XMLDesc(0)
        dtype = xml.split("type='", 1)[1].split("'", 1)[0]
        ctx["virt"] = {"kvm": "KVM", "qemu": "TCG"}.get(dtype, dtype)
        ctx["direct"] = fmt_version(conn.getLibVersion())
    finally:
        conn.close()
    return ctx


def measure(args, bed):
    """Everything, in a fixed order. Returns a dict for report()."""
    r = {"settled": None}
    groups = {}
    if bed:
        shoal, one, direct = bed.up()
        groups = bed.cpu_groups()
        log(f"settling (up to {args.settle:g} s)")
        r["settled"] = settle(args.settle)
    else:
        shoal, one, direct = args.uri_shoal, None, args.uri_direct
    domain = args.domain or pick_domain(shoal, direct)
    for uri in (shoal, direct):
        conn = open_conn(uri)
        try:
            dominfo_like_virsh(conn, domain)
        except libvirt.libvirtError as e:
            raise SetupError(f"dominfo of {domain} through {uri}: {e}") from None
        finally:
            conn.close()
    r["ctx"] = machine_context(direct, domain)
    r["domain"] = domain
    r["uri"] = {"shoal": shoal, "direct": direct}
    if one:
        r["uri"]["one"] = one
    r["ndom"] = {label: count_domains(uri) for label, uri in r["uri"].items()}

    # list: the cluster daemon, the h1-only one, the host itself
    lists = [(lb, r["uri"][lb]) for lb in ("shoal", "one", "direct") if lb in r["uri"]]
    pair = [("shoal", shoal), ("direct", direct)]

    log(f"virsh list --all x {args.list_runs} per target")
    r["virsh_list"] = virsh_latency(lists, ["list", "--all"], args.list_runs, groups)
    log(f"API list + state() x {args.api_runs} per target")
    api, usage = api_latency(lists, domain, {"list": lambda c, d: list_like_virsh(c)},
                             args.api_runs, groups)
    r["api_list"] = (api["list"], usage)
    log(f"single calls x {args.api_runs} per call and target")
    r["calls"] = api_latency(pair, domain, single_calls(domain), args.api_runs, groups)

    r["tp"] = {"shoal": [], "direct": []}
    for rnd in range(args.tp_rounds):
        for label, uri in pair:
            log(f"dominfo throughput {label}, round {rnd + 1}: {args.clients} "
                f"clients x {args.duration:g} s")
            r["tp"][label].append(dominfo_throughput(uri, domain, args.clients,
                                                     args.duration, groups))
    log(f"virsh dominfo x {args.dominfo_runs} per target")
    r["virsh_dominfo"] = virsh_latency(pair, ["dominfo", domain], args.dominfo_runs,
                                       groups)
    return r


def cpu_note(u):
    """Where the machine's CPU went during a measurement."""
    note = f"[CPUs {u.busy * 100:.0f}% busy"
    if "guests" in u.groups and u.capacity:
        note += f", guests {u.groups['guests'] / u.capacity * 100:.0f}%"
    return note + f", other {u.other * 100:.0f}%]"


def verdict(value, op, goal):
    if op == "<=":
        ok, miss = value <= goal, value / goal - 1
    else:
        ok, miss = value >= goal, 1 - value / goal
    return f"{op} {goal:.1f}x " + ("PASS" if ok else f"MISS by {miss * 100:.0f}%")


def report(args, r, elapsed):
    out = []
    p = out.append
    ctx, nd, med = r["ctx"], r["ndom"], statistics.median
    name = {"shoal": f"shoal ({nd['shoal']} dom)", "one": f"shoal-h1 ({nd.get('one')} dom)",
            "direct": f"direct ({nd['direct']} dom)"}

    p("Shoal inspection benchmark (issue 2): Shoal versus one member host directly")
    p(f"machine: nproc {ctx['nproc']}, guests {ctx['virt']}, loadavg "
      f"{ctx['load'][0]:.2f} {ctx['load'][1]:.2f} {ctx['load'][2]:.2f} at start, "
      f"libvirt client {ctx['client']}, direct libvirtd {ctx['direct']}")
    p(f"shoal     {r['uri']['shoal']}  ({nd['shoal']} domains)")
    if "one" in r["uri"]:
        p(f"shoal-h1  {r['uri']['one']}  ({nd['one']} domains: a virtshoald "
          "serving only h1)")
    p(f"direct    {r['uri']['direct']}  ({nd['direct']} domains)")
    p(f"dominfo domain: {r['domain']} (on the direct host)")
    if r["settled"]:
        p(f"settled {r['settled'][0]:.0f} s after set-up (machine CPU busy "
          f"{r['settled'][1] * 100:.0f}% then)")
    p("")

    def lat_table(title, times, usage):
        p(f"{title}  {cpu_note(usage)}")
        p(f"  {'':24} {'median ms':>10} {'p90 ms':>10} {'vs direct':>10}")
        d = med(times["direct"])
        for label, t in times.items():
            p(f"  {name[label]:24} {ms(med(t)):10.2f} {ms(p90(t)):10.2f} "
              f"{ratio(med(t), d):9.2f}x")
        p("")

    lat_table(f"virsh list --all (the command, {args.list_runs} runs each)",
              *r["virsh_list"])
    lat_table("API list: listAllDomains(0) + state() per domain, one connection, "
              f"{args.api_runs} runs each", *r["api_list"])

    calls, usage = r["calls"]
    p(f"Single calls, one connection, {args.api_runs} each (us)  {cpu_note(usage)}")
    p(f"  {'call':22} {'shoal med':>10} {'direct med':>11} {'ratio':>7} "
      f"{'shoal p90':>10} {'direct p90':>11}")
    for call, t in calls.items():
        s, d = med(t["shoal"]), med(t["direct"])
        p(f"  {call:22} {s * 1e6:10.0f} {d * 1e6:11.0f} {ratio(s, d):6.2f}x "
          f"{p90(t['shoal']) * 1e6:10.0f} {p90(t['direct']) * 1e6:11.0f}")
    p("")

    p(f"dominfo throughput: {args.clients} clients x {args.duration:g} s; one dominfo"
      f" = lookupByName + {', '.join(DOMINFO_CALLS)}")
    p("  CPU: share of the machine busy, of it with other processes than ours; then"
      " CPU ms per dominfo of the client and of each daemon")
    p(f"  {'round':6} {'target':7} {'dominfo/s':>9} {'errors':>6} {'busy':>5} "
      f"{'guests':>6} {'other':>5} {'client':>7}  daemons")
    for rnd in range(args.tp_rounds):
        for label in ("shoal", "direct"):
            t = r["tp"][label][rnd]
            u, per = t["usage"], max(t["done"], 1)
            daemons = ", ".join(f"{n} {ms(s) / per:.2f}" for n, s in u.groups.items()
                                if n != "guests")
            guests = (f"{u.groups['guests'] / u.capacity * 100:5.0f}%"
                      if "guests" in u.groups and u.capacity else f"{'-':>6}")
            p(f"  {rnd + 1:<6} {label:7} {t['rate']:9.0f} {t['errors']:6} "
              f"{u.busy * 100:4.0f}% {guests} {u.other * 100:4.0f}% "
              f"{ms(u.client) / per:7.2f}  {daemons or '-'}")
            if t["errors"]:
                p(f"    last error: {t['last_error']}")
    tp_s = statistics.mean(t["rate"] for t in r["tp"]["shoal"])
    tp_d = statistics.mean(t["rate"] for t in r["tp"]["direct"])
    n_rpc = 1 + len(DOMINFO_CALLS)
    p(f"  mean: shoal {tp_s:.0f}/s, direct {tp_d:.0f}/s, ratio {ratio(tp_s, tp_d):.2f}x"
      f"  (libvirt calls/s = x{n_rpc}: shoal {tp_s * n_rpc:.0f}, direct "
      f"{tp_d * n_rpc:.0f})")
    p("")
    lat_table(f"virsh dominfo {r['domain']} (the command, {args.dominfo_runs} runs "
              "each)", *r["virsh_dominfo"])

    vl, al, vd = r["virsh_list"][0], r["api_list"][0], r["virsh_dominfo"][0]
    rows = []
    for label in ("shoal", "one"):
        if label in vl:
            rows.append((f"virsh list --all, {nd[label]} vs {nd['direct']} domains",
                         f"{ms(med(vl[label])):.1f} ms", f"{ms(med(vl['direct'])):.1f} ms",
                         ratio(med(vl[label]), med(vl["direct"])), "<=", 1.0))
    for label in ("shoal", "one"):
        if label in al:
            rows.append((f"API list+state, {nd[label]} vs {nd['direct']} domains",
                         f"{ms(med(al[label])):.2f} ms", f"{ms(med(al['direct'])):.2f} ms",
                         ratio(med(al[label]), med(al["direct"])), "<=", 1.0))
    rows.append((f"dominfo/s, {args.clients} clients (mean of {args.tp_rounds})",
                 f"{tp_s:.0f}", f"{tp_d:.0f}", ratio(tp_s, tp_d), ">=", 0.8))
    rows.append(("virsh dominfo", f"{ms(med(vd['shoal'])):.1f} ms",
                 f"{ms(med(vd['direct'])):.1f} ms",
                 ratio(med(vd["shoal"]), med(vd["direct"])), None, None))

    p("Summary (medians; ratio = shoal / direct)")
    p(f"  {'':38} {'shoal':>10} {'direct':>10} {'ratio':>7}  goal")
    for title, s, d, rt, op, goal in rows:
        p(f"  {title:38} {s:>10} {d:>10} {rt:6.2f}x  "
          f"{verdict(rt, op, goal) if op else '(no goal)'}")
    p(f"  nproc {ctx['nproc']}, guests {ctx['virt']}, loadavg {os.getloadavg()[0]:.2f}"
      f" at end, {elapsed:.0f} s. On a busy machine a MISS is a hint, not a verdict.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--uri-shoal", metavar="URI",
                    help="an existing virtshoald (with --uri-direct: set nothing up)")
    ap.add_argument("--uri-direct", metavar="URI",
                    help="an existing member host's libvirtd")
    ap.add_argument("--domain", metavar="NAME",
                    help="domain for dominfo, on the direct host (default: its first "
                         "by name that Shoal also knows)")
    ap.add_argument("--hosts", type=int, default=3, help="own testbed: hosts (3)")
    ap.add_argument("--guests", type=int, default=4,
                    help="own testbed: idle guests per host (4)")
    ap.add_argument("--list-runs", type=int, default=30,
                    help="virsh list --all runs per target (30)")
    ap.add_argument("--api-runs", type=int, default=200,
                    help="API-level list and single-call runs per target (200)")
    ap.add_argument("--clients", type=int, default=8, help="dominfo client threads (8)")
    ap.add_argument("--duration", type=float, default=5.0,
                    help="seconds per dominfo throughput measurement (5)")
    ap.add_argument("--tp-rounds", type=int, default=2,
                    help="throughput rounds, each shoal then direct (2)")
    ap.add_argument("--dominfo-runs", type=int, default=10,
                    help="virsh dominfo runs per target (10)")
    ap.add_argument("--settle", type=float, default=15, metavar="SECONDS",
                    help="own testbed: wait up to SECONDS for the machine to calm "
                         "down after set-up (15)")
    ap.add_argument("--virtshoald", default=os.path.join(REPO, "build/src/virtshoald"),
                    help="daemon to run (default: %(default)s)")
    ap.add_argument("--testbed", default=os.path.join(REPO, "tests/testbed/testbed"),
                    help="testbed script (default: %(default)s)")
    ap.add_argument("--net", default=os.environ.get("TESTBED_NET", "127.0.0"),
                    metavar="127.X.Y",
                    help="own testbed: loopback /24 of its hosts (default: "
                         "$TESTBED_NET or 127.0.0)")
    ap.add_argument("--wait-free", type=float, default=0, metavar="SECONDS",
                    help="wait up to SECONDS for another testbed on the same --net "
                         "to go away (default: refuse at once)")
    ap.add_argument("--time-limit", type=float, default=240, metavar="SECONDS",
                    help="hard limit once started: tear down and exit 3 (240)")
    args = ap.parse_args()

    if bool(args.uri_shoal) != bool(args.uri_direct):
        ap.error("--uri-shoal and --uri-direct go together")
    for opt in ("hosts", "guests", "list_runs", "api_runs", "clients", "tp_rounds",
                "dominfo_runs"):
        if getattr(args, opt) < 1:
            ap.error(f"--{opt.replace('_', '-')} must be at least 1")
    if args.duration <= 0:
        ap.error("--duration must be positive")
    if not re.fullmatch(r"127\.[0-9]{1,3}\.[0-9]{1,3}", args.net):
        ap.error("--net must be 127.X.Y")

    libvirt.registerErrorHandler(lambda ctx, err: None, None)  # errors raise
    bed = None if args.uri_shoal else Bed(args)

    # Ctrl-C (KeyboardInterrupt) and kill go through the finally below.
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    # A call blocked in libvirt never returns to Python to see a signal: the
    # watchdog tears down from its own thread and ends the process.
    def watchdog():
        log(f"time limit of {args.time_limit:g} s reached, tearing down")
        if bed:
            bed.cleanup()
        os._exit(3)

    t0 = time.monotonic()
    try:
        if bed:
            if os.geteuid() != 0:
                raise SetupError("needs root to run the testbed (or pass "
                                 "--uri-shoal and --uri-direct)")
            if not shutil.which("virsh"):
                raise SetupError("no virsh (apt-get install libvirt-clients)")
            bed.check_testbed_free(args.wait_free)
        timer = threading.Timer(args.time_limit, watchdog)
        timer.daemon = True
        timer.start()
        results = measure(args, bed)
        timer.cancel()
        print(report(args, results, time.monotonic() - t0), flush=True)
        return 0
    except SetupError as e:
        print(f"bench_inspect: set-up failed: {e}", file=sys.stderr)
        return 2
    except libvirt.libvirtError as e:  # a daemon died or refused mid-run
        print(f"bench_inspect: libvirt call failed: {e}", file=sys.stderr)
        return 2
    finally:
        if bed:
            bed.cleanup()


if __name__ == "__main__":
    sys.exit(main())
