# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of e2e_stress.sh (python3-libvirt and the standard library only).

Usage:
  e2e_stress.py round URI URI_RO OUT DURATION SCHEDULE TESTBED TBDIR
      One stress round of DURATION seconds: 64 clients in 4 processes
      (readers, domain owners, metadata writers, event clients, abrupt
      disconnects, raw-socket half packets, virsh, a stalled client) while
      SCHEDULE ("SECONDS:kill:HOST,SECONDS:start:HOST,...") kills and
      restarts hosts' libvirtd; a watchdog runs virsh list every second.
      A failure is expected only on a domain whose host is down, naming
      the host; changes to a host's domains stop at its last kill. Writes
      the round's results to OUT (JSON), prints a summary as TAP comments;
      exit status 0 when no unexpected error occurred.
  e2e_stress.py verdict OUT errors|listing|watchdog|clients|expected|events|
                           callbacks
      Checks one aspect of a round's results (see verdict()).
  e2e_stress.py reconcile URI HOSTS_CONF STATE_DIR NDOMS OUT...
      After the rounds: every domain listed once, with the state its host
      reports, defined on exactly one host; the store holds one record per
      domain, naming that host, with the host's definition; every metadata
      key written holds a value some writer set last (OUT: the rounds).
  e2e_stress.py burst SOCKET N
      N non-blocking connects at once: none may be refused.
  e2e_stress.py proc-stats PID
      Prints "RSS_KIB FDS" of a process.
Internal: worker SPEC_JSON, abrupt MODE URI, stalled URI SECONDS.
"""
import gc
import json
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

NPROCS = 4
# 64 clients in all
ROLES = ([("reader", "rw")] * 16 + [("reader", "ro")] * 6 +
         [("owner", None)] * 8 + [("meta", None)] * 10 +
         [("eventer", None)] * 12 + [("churn", None)] * 3 +
         [("raw", None)] * 4 + [("virsh", None)] * 4 + [("stalled", None)])
assert len(ROLES) == 64, len(ROLES)
META_NS = "http://shoal.test/stress/"
GRACE = 40          # seconds a client may overrun the round before it is stuck
WATCHDOG_BOUND = 10  # virsh list must answer within this, always

PY = "/usr/bin/python3"
ME = os.path.abspath(__file__)


def now():
    return time.monotonic()


def start_event_loop(libvirt):
    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=loop, daemon=True).start()


def host_of(text, host):
    """Whether an error message names HOST the way Shoal names hosts."""
    return ("host '%s'" % host) in text


def read_hosts(hosts_conf):
    hosts = {}
    with open(hosts_conf) as f:
        for line in f:
            line = line.strip()
            if "=" in line:
                k, v = line.split("=", 1)
                hosts[k] = v
    return hosts


def host_answers(libvirt, uri):
    """Whether the host's own libvirtd answers a call."""
    try:
        c = libvirt.open(uri)
    except libvirt.libvirtError:
        return False
    try:
        c.getLibVersion()
        return True
    except libvirt.libvirtError:
        return False
    finally:
        c.close()


def placement(libvirt, hosts):
    """domain name -> host name, from each host's own libvirtd"""
    where = {}
    for h, uri in sorted(hosts.items()):
        c = libvirt.open(uri)
        try:
            for d in c.listAllDomains(0):
                where.setdefault(d.name(), []).append(h)
        finally:
            c.close()
    return where


# --- the worker process: a share of the 64 clients -------------------------

class Recorder:
    """Per-process results: call counts, latency maxima per (op, host,
    second), errors. Thread-safe."""

    def __init__(self, t0):
        self.t0 = t0
        self.lock = threading.Lock()
        self.lat = {}      # "op|host|sec" -> [count, max]
        self.errors = []   # every error: dict
        self.inflight = {}  # client id -> (op, dom, start)
        self.counts = {}
        self.events = 0

    def call(self, cid, op, dom, host, func, *args):
        """Runs func(*args); records latency; returns (ok, result|error)."""
        import libvirt
        start = now()
        self.inflight[cid] = (op, dom, start)
        try:
            res = func(*args)
            ok = True
        except libvirt.libvirtError as e:
            res = e
            ok = False
        end = now()
        del self.inflight[cid]
        with self.lock:
            key = "%s|%s|%d" % (op, host or "-", int(start - self.t0))
            v = self.lat.get(key)
            if v is None:
                self.lat[key] = [1, end - start]
            else:
                v[0] += 1
                if end - start > v[1]:
                    v[1] = end - start
            self.counts[op] = self.counts.get(op, 0) + 1
        if not ok:
            msg = str(res)
            if res.get_error_code() is None:
                # no libvirt error behind the failure: say what we know
                msg += " (no error set; last error: %r)" % (
                    libvirt.virGetLastErrorMessage(),)
            self.error(cid, op, dom, host, start, end,
                       res.get_error_code(), msg)
        return ok, res

    def error(self, cid, op, dom, host, start, end, code, msg):
        with self.lock:
            self.errors.append({"client": cid, "op": op, "dom": dom,
                                "host": host, "start": start - self.t0,
                                "end": end - self.t0, "code": code,
                                "msg": msg[:300]})

    def fail(self, cid, what, dom=None, host=None, since=None):
        """A wrong answer. With HOST: about a domain of HOST, which may be
        stale while HOST goes down (since SINCE: the change it follows)."""
        t = now()
        if host:
            what = "(host '%s') %s" % (host, what)
        self.error(cid, "check", dom, host, since or t, t, -1, what)


class Worker:
    def __init__(self, spec):
        self.spec = spec
        self.uri = spec["uri"]
        self.uri_ro = spec["uri_ro"]
        self.sock = spec["sock"]
        self.sock_ro = spec["sock_ro"]
        self.where = spec["where"]          # dom -> host
        self.doms = sorted(self.where)
        self.t0 = spec["t0"]
        self.end = spec["end"]
        self.rec = Recorder(self.t0)
        self.meta = {}   # key -> dom -> {"acked": n, "tried": [n...]}
        self.suspends = {}  # dom -> acked suspends (from running)
        self.children = []
        self.children_lock = threading.Lock()

    def running(self):
        return now() < self.end

    def writable(self, name):
        """Changes stop on a host's domains at its last kill: a change
        cut short by it must not be covered up by later ones before the
        store is compared with the host."""
        last = self.spec["last_kill"].get(self.where[name])
        return last is None or now() < self.t0 + last

    def open(self, cid, ro=False):
        import libvirt
        ok, c = self.rec.call(cid, "open", None, None, libvirt.open,
                              self.uri_ro if ro else self.uri)
        return c if ok else None

    def pause_after(self, ok_res):
        # a client that just hit a down host should not spin on it
        if not ok_res[0]:
            time.sleep(0.05)

    # readers: the read-only calls, on random domains
    def reader(self, cid, mode):
        import libvirt
        rnd = random.Random(cid)
        conn = None
        n = 0
        while self.running():
            if conn is None or n % 150 == 149:
                if conn is not None:
                    conn.close()
                conn = self.open(cid, ro=(mode == "ro"))
                if conn is None:
                    time.sleep(0.2)
                    continue
            n += 1
            name = rnd.choice(self.doms)
            host = self.where[name]
            r = self.rec.call(cid, "lookup", name, None, conn.lookupByName,
                              name)
            if not r[0]:
                continue
            d = r[1]
            k = rnd.randrange(10)
            if k == 0:
                r = self.rec.call(cid, "listAll", None, None,
                                  conn.listAllDomains, 0)
                if r[0] and len(r[1]) != len(self.doms):
                    self.rec.fail(cid, "listAllDomains: %d domains, not %d" %
                                  (len(r[1]), len(self.doms)))
            elif k == 1:
                r = self.rec.call(cid, "allStats", None, None,
                                  conn.getAllDomainStats,
                                  libvirt.VIR_DOMAIN_STATS_STATE)
            elif k in (2, 3):
                r = self.rec.call(cid, "info", name, host, d.info)
            elif k == 4:
                r = self.rec.call(cid, "xml", name, host, d.XMLDesc, 0)
                if r[0] and ("<name>%s</name>" % name) not in r[1]:
                    self.rec.fail(cid, "XMLDesc of %s lacks its name" % name)
            elif k in (5, 6):
                r = self.rec.call(cid, "state", name, host, d.state)
            elif k == 7:
                r = self.rec.call(cid, "maxMemory", name, host, d.maxMemory)
            elif k == 8:
                r = self.rec.call(cid, "vcpus", name, host, d.vcpusFlags, 0)
            else:
                r = self.rec.call(cid, "lookupUUID", None, None,
                                  conn.lookupByUUIDString, d.UUIDString())
                if r[0] and r[1].name() != name:
                    self.rec.fail(cid, "lookupByUUID of %s gave %s" %
                                  (name, r[1].name()))
            self.pause_after(r)
        if conn is not None:
            conn.close()

    # owners: each domain has one, which suspends, resumes and changes its
    # configured memory; nobody else does
    def owner(self, cid, name):
        import libvirt
        host = self.where[name]
        conn = None
        uncertain = False
        cycle = 0
        acked = 0
        while self.running() and self.writable(name):
            if conn is None:
                conn = self.open(cid)
                if conn is None:
                    time.sleep(0.2)
                    continue
            r = self.rec.call(cid, "lookup", name, None, conn.lookupByName,
                              name)
            if not r[0]:
                time.sleep(0.1)
                continue
            d = r[1]
            if uncertain:
                # the last change failed with the host down: did it happen?
                r = self.rec.call(cid, "info", name, host, d.info)
                if not r[0]:
                    time.sleep(0.1)
                    continue
                uncertain = False
                if r[1][0] == libvirt.VIR_DOMAIN_PAUSED:
                    r = self.rec.call(cid, "resume", name, host, d.resume)
                    if not r[0]:
                        uncertain = True
                        time.sleep(0.1)
                    continue
            cycle += 1
            r = self.rec.call(cid, "suspend", name, host, d.suspend)
            if not r[0]:
                uncertain = True
                time.sleep(0.1)
                continue
            acked += 1
            since = now()
            r = self.rec.call(cid, "stateAfterSuspend", name, host, d.state)
            if r[0] and r[1][0] not in (libvirt.VIR_DOMAIN_PAUSED,
                                        libvirt.VIR_DOMAIN_NOSTATE):
                self.rec.fail(cid, "%s: state %r right after suspend" %
                              (name, r[1]), name, host, since - 1)
            r = self.rec.call(cid, "resume", name, host, d.resume)
            if not r[0]:
                uncertain = True
                time.sleep(0.1)
                continue
            r = self.rec.call(cid, "setMemConfig", name, host,
                              d.setMemoryFlags,
                              49152 if cycle % 2 else 65536,
                              libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            if not r[0]:
                uncertain = True
                time.sleep(0.1)
                continue
            time.sleep(0.05)
        self.suspends[name] = acked
        last = None
        while self.running():
            time.sleep(0.2)
        # leave it running, whatever happened. A host restarted late in
        # the round may still be on its way back (its libvirtd starting,
        # then Shoal reconnecting): its domains show no state until then,
        # so wait for that, bounded (within GRACE), before judging.
        deadline = now() + 30
        while conn is not None and now() < deadline:
            try:
                d = conn.lookupByName(name)
                st = d.state()
                if st[0] == libvirt.VIR_DOMAIN_NOSTATE:
                    last = "%s is in state %r (its host is not back)" % (
                        name, st)
                    time.sleep(0.5)
                    continue
                if st[0] == libvirt.VIR_DOMAIN_PAUSED:
                    d.resume()
                elif st[0] != libvirt.VIR_DOMAIN_RUNNING:
                    self.rec.fail(cid, "%s is in state %r at the end" %
                                  (name, st))
                break
            except libvirt.libvirtError as e:
                last = str(e)
                time.sleep(0.5)
        else:
            self.rec.fail(cid, "%s: cannot leave it running: %s" %
                          (name, last if conn else "no connection"))
        if conn is not None:
            conn.close()

    # metadata writers: one key each, on random domains, read back at once
    def metawriter(self, cid):
        import libvirt
        rnd = random.Random(1000 + cid)
        key = "w%d" % cid
        uri = META_NS + key
        flags = (libvirt.VIR_DOMAIN_AFFECT_LIVE |
                 libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        mine = self.meta.setdefault(key, {})
        conn = None
        n = 0
        while self.running():
            if conn is None:
                conn = self.open(cid)
                if conn is None:
                    time.sleep(0.2)
                    continue
            doms = [d for d in self.doms if self.writable(d)]
            if not doms:
                time.sleep(0.2)
                continue
            name = rnd.choice(doms)
            host = self.where[name]
            r = self.rec.call(cid, "lookup", name, None, conn.lookupByName,
                              name)
            if not r[0]:
                continue
            d = r[1]
            n += 1
            val = "%d%03d" % (self.spec["round"], n)
            slot = mine.setdefault(name, {"acked": None, "tried": []})
            slot["tried"].append(val)
            r = self.rec.call(cid, "setMetadata", name, host, d.setMetadata,
                              libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                              '<v n="%s"/>' % val, key, uri, flags)
            if not r[0]:
                self.pause_after(r)
                continue
            slot["acked"] = val
            slot["tried"] = []
            r = self.rec.call(cid, "getMetadata", name, host, d.metadata,
                              libvirt.VIR_DOMAIN_METADATA_ELEMENT, uri,
                              libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            if r[0] and ('n="%s"' % val) not in r[1]:
                self.rec.fail(cid, "metadata %s of %s reads %r after setting "
                              "%s" % (key, name, r[1], val))
            self.pause_after(r)
            time.sleep(rnd.uniform(0, 0.05))
        if conn is not None:
            conn.close()

    # event clients: register, wait for a while, deregister, close; again
    def eventer(self, cid):
        import libvirt
        rnd = random.Random(2000 + cid)
        got = [0]

        def cb(*args):
            got[0] += 1
        while self.running():
            conn = self.open(cid, ro=rnd.random() < 0.3)
            if conn is None:
                time.sleep(0.2)
                continue
            ids = []
            # libvirt tracks one callback per event and domain on a
            # connection: distinct pairs
            events = (libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                      libvirt.VIR_DOMAIN_EVENT_ID_REBOOT,
                      libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE)
            kinds = [(ev, d) for ev in events for d in [None] + self.doms]
            for ev, name in rnd.sample(kinds, rnd.randint(1, 3)):
                dom = None
                if name is not None:
                    r = self.rec.call(cid, "lookup", name, None,
                                      conn.lookupByName, name)
                    if not r[0]:
                        continue
                    dom = r[1]
                r = self.rec.call(cid, "eventRegister", None, None,
                                  conn.domainEventRegisterAny, dom, ev, cb,
                                  None)
                if r[0]:
                    ids.append(r[1])
            stop = now() + rnd.uniform(0.3, 2.5)
            while now() < stop and self.running():
                self.rec.call(cid, "listAll", None, None,
                              conn.listAllDomains, 0)
                time.sleep(0.2)
            for i in ids:
                self.rec.call(cid, "eventDeregister", None, None,
                              conn.domainEventDeregisterAny, i)
            conn.close()
        with self.rec.lock:
            self.rec.events += got[0]

    # churn: short-lived processes that go away without closing anything
    def churn(self, cid):
        rnd = random.Random(3000 + cid)
        while self.running():
            mode = rnd.choice(["exit", "exit", "kill", "closecb"])
            start = now()
            p = subprocess.Popen([PY, ME, "abrupt", mode, self.uri],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            with self.children_lock:
                self.children.append(p)
            if mode == "kill":
                time.sleep(rnd.uniform(0.2, 0.8))
                p.kill()
            try:
                out = p.communicate(timeout=60)[0].decode(errors="replace")
            except subprocess.TimeoutExpired:
                p.kill()
                out = p.communicate()[0].decode(errors="replace")
                self.rec.error(cid, "abrupt-" + mode, None, None, start,
                               now(), -1, "did not finish in 60 s: " + out)
                continue
            with self.rec.lock:
                self.rec.counts["abrupt-" + mode] = \
                    self.rec.counts.get("abrupt-" + mode, 0) + 1
            if mode != "kill" and p.returncode != 0:
                self.rec.error(cid, "abrupt-" + mode, None, None, start,
                               now(), -1, "exit %d: %s" % (p.returncode,
                                                           out[-300:]))
            time.sleep(rnd.uniform(0.1, 0.4))

    # raw sockets: half packets, garbage, a call in two halves
    def raw(self, cid):
        rnd = random.Random(4000 + cid)
        while self.running():
            path = self.sock_ro if rnd.random() < 0.3 else self.sock
            mode = rnd.choice(["close", "halflen", "halfpacket", "hold",
                               "toolarge", "toosmall", "split", "garbage"])
            start = now()
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                # a blocking connect, as libvirt's: it waits while the
                # listen queue is full (see burst for a non-blocking one)
                s.connect(path)
                s.settimeout(10)
                with self.rec.lock:
                    self.rec.counts["raw-" + mode] = \
                        self.rec.counts.get("raw-" + mode, 0) + 1
                self.raw_one(cid, s, mode, rnd, start)
            except OSError as e:
                self.rec.error(cid, "raw-" + mode, None, None, start, now(),
                               -1, "socket: %s" % e)
            finally:
                s.close()
            time.sleep(rnd.uniform(0.05, 0.3))

    def raw_one(self, cid, s, mode, rnd, start):
        prog, vers = 0x20008086, 1
        serial = rnd.randrange(1, 1 << 30)
        # REMOTE_PROC_CONNECT_GET_LIB_VERSION (157), no arguments
        call = struct.pack(">IIIiII", prog, vers, 157, 0, serial, 0)
        packet = struct.pack(">I", 4 + len(call)) + call
        if mode == "close":
            return
        if mode == "halflen":
            s.sendall(packet[:2])
        elif mode == "halfpacket":
            s.sendall(packet[:len(packet) // 2])
        elif mode == "hold":
            s.sendall(packet[:len(packet) - 3])
            time.sleep(rnd.uniform(0.5, 2))
        elif mode in ("toolarge", "toosmall", "garbage"):
            if mode == "toolarge":
                s.sendall(struct.pack(">I", 0xffffff00) + b"x" * 20)
            elif mode == "toosmall":
                s.sendall(struct.pack(">I", 8) + b"x" * 20)
            else:
                body = bytes(rnd.randrange(256) for _ in range(40))
                s.sendall(struct.pack(">I", 44) + body)
            # the daemon drops a client that breaks the framing; garbage
            # that frames well gets an error reply or a close
            data = self.raw_read(s, 3 if mode == "garbage" else 10)
            if mode == "garbage":
                return
            if data is not None and data != b"":
                self.rec.error(cid, "raw-" + mode, None, None, start, now(),
                               -1, "bad length not refused: %r" % data[:40])
            elif data is None:
                self.rec.error(cid, "raw-" + mode, None, None, start, now(),
                               -1, "no answer and no close in 10 s")
        elif mode == "split":
            s.sendall(packet[:7])
            time.sleep(0.05)
            s.sendall(packet[7:])
            data = self.raw_read(s, 10, want=28)
            ok = (data is not None and len(data) >= 28 and
                  struct.unpack(">I", data[:4])[0] >= 28 and
                  struct.unpack(">IIIiII", data[4:28])[4] == serial)
            if not ok:
                self.rec.error(cid, "raw-split", None, None, start, now(), -1,
                               "no reply to a call sent in two parts: %r" %
                               (data[:40] if data else data))

    @staticmethod
    def raw_read(s, timeout, want=None):
        """Bytes read until EOF (b"" if EOF at once) or WANT bytes; None if
        nothing happened in TIMEOUT seconds."""
        s.settimeout(timeout)
        buf = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return buf
                buf += chunk
                if want is None or len(buf) >= want:
                    return buf
        except socket.timeout:
            return buf if buf else None
        except OSError:
            return buf

    # virsh: stock client processes
    def virsh(self, cid):
        rnd = random.Random(5000 + cid)
        while self.running():
            name = rnd.choice(self.doms)
            host = self.where[name]
            cmds = [
                (["-c", self.uri, "list", "--all"], None),
                (["-r", "-c", self.uri_ro, "dominfo", name], host),
                (["-c", self.uri, "domstate", name], host),
                (["-c", self.uri, "dumpxml", name], host),
                (["-c", self.uri_ro, "domstats", "--state"], None),
                (["-c", self.uri, "event", "--all", "--timeout", "1"], None),
                (["-c", self.uri, "vcpucount", name], host),
            ]
            args, dhost = rnd.choice(cmds)
            op = "virsh-" + args[args.index("-c") + 2]
            start = now()
            try:
                p = subprocess.run(["virsh"] + args, capture_output=True,
                                   timeout=60)
                rc = p.returncode
                out = (p.stdout + p.stderr).decode(errors="replace")
            except subprocess.TimeoutExpired:
                rc, out = -1, "timed out after 60 s"
            end = now()
            with self.rec.lock:
                self.rec.counts[op] = self.rec.counts.get(op, 0) + 1
                key = "%s|%s|%d" % (op, dhost or "-", int(start - self.t0))
                v = self.rec.lat.setdefault(key, [0, 0.0])
                v[0] += 1
                v[1] = max(v[1], end - start)
            if (op == "virsh-event" and rc == 1 and
                    "event loop timed out" in out):
                rc = 0      # how virsh event --timeout ends
            if rc != 0:
                self.rec.error(cid, op, name if dhost else None, dhost, start,
                               end, -1, out.strip()[-300:])
                time.sleep(0.05)

    # one client that registers for events and then stops reading
    def stalled(self, cid):
        p = subprocess.Popen([PY, ME, "stalled", self.uri,
                              "%.0f" % (self.end - now() + 5)])
        with self.children_lock:
            self.children.append(p)
        while self.running():
            time.sleep(0.2)
        p.kill()
        p.wait()

    def run(self):
        import libvirt
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        libvirt.virEventRegisterDefaultImpl()
        start_event_loop(libvirt)
        # The cyclic collector runs finalizers in whichever thread it
        # interrupts; virConnect.__del__ calls virConnectClose(), which
        # resets that thread's libvirt error between a failed call and its
        # libvirtError (a failure with "no error"). Collect in a thread of
        # its own.
        gc.disable()

        def collect():
            while True:
                time.sleep(1)
                gc.collect()
        threading.Thread(target=collect, daemon=True).start()
        threads = []
        for cid, role, arg in self.spec["clients"]:
            if role == "reader":
                target, args = self.reader, (cid, arg)
            elif role == "owner":
                target, args = self.owner, (cid, arg)
            elif role == "meta":
                target, args = self.metawriter, (cid,)
            else:
                target, args = getattr(self, role), (cid,)

            def body(target=target, args=args, cid=cid, role=role):
                try:
                    target(*args)
                except Exception:
                    self.rec.fail(cid, "%s client crashed: %s" %
                                  (role, traceback.format_exc()[-600:]))
            t = threading.Thread(target=body, daemon=True,
                                 name="%s-%d" % (role, cid))
            threads.append(t)
        delay = self.t0 - now()
        if delay > 0:
            time.sleep(delay)
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, self.end + GRACE - now()))
        stuck = [t.name for t in threads if t.is_alive()]
        for t in stuck:
            self.rec.fail(-1, "client %s still running %d s after the end"
                          % (t, GRACE))
        for cid, (op, dom, start) in list(self.rec.inflight.items()):
            self.rec.fail(cid, "call %s on %s in flight for %.1f s" %
                          (op, dom, now() - start))
        with self.children_lock:
            for p in self.children:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        rec = self.rec
        with open(self.spec["out"], "w") as f:
            json.dump({"lat": rec.lat, "errors": rec.errors,
                       "counts": rec.counts, "events": rec.events,
                       "meta": self.meta, "suspends": self.suspends,
                       "stuck": stuck}, f)
        sys.stdout.flush()
        # threads still stuck in libvirt must not hold the exit
        os._exit(0)


def abrupt(mode, uri):
    """A client process that goes away without cleaning up."""
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    libvirt.virEventRegisterDefaultImpl()
    start_event_loop(libvirt)
    conn = libvirt.open(uri)
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                lambda *a: None, None)
    doms = conn.listAllDomains(0)
    if mode == "kill":
        # killed by the parent somewhere in here, mid-call if it is lucky
        while True:
            conn.getAllDomainStats(0)
            for d in doms:
                d.state()
    if mode == "closecb":
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT,
                                    lambda *a: None, None)
        conn.close()      # callbacks still registered
        os._exit(0)
    os._exit(0)           # "exit": no deregister, no close


def stalled(uri, seconds):
    """Registers for events, then never reads its socket again: the event
    loop libvirt needs for that is registered but never run (as in a
    client stuck elsewhere, or stopped with ^Z)."""
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(uri)
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                lambda *a: None, None)
    conn.domainEventRegisterAny(None,
                                libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                lambda *a: None, None)
    time.sleep(float(seconds))
    os._exit(0)


# --- the round: workers, host kills, a watchdog, a listener -----------------

def parse_schedule(text):
    steps = []
    for part in filter(None, text.split(",")):
        t, what, host = part.split(":")
        steps.append((float(t), what, host))
    return sorted(steps)


def round_main(uri, uri_ro, out, duration, schedule, testbed, tbdir):
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    libvirt.virEventRegisterDefaultImpl()
    start_event_loop(libvirt)
    duration = float(duration)
    steps = parse_schedule(schedule)
    hosts = read_hosts(os.path.join(tbdir, "hosts.conf"))
    where = placement(libvirt, hosts)
    bad = {d: h for d, h in where.items() if len(h) != 1}
    if bad:
        sys.exit("domains not on exactly one host before the round: %r" % bad)
    where = {d: h[0] for d, h in where.items()}
    sock = re.search(r"socket=([^&]*)", uri).group(1)
    sock_ro = re.search(r"socket=([^&]*)", uri_ro).group(1)
    rnd_no = int(time.time()) % 100000

    # a listener all along: lifecycle events per domain
    seen = {}
    seen_lock = threading.Lock()

    def on_life(conn, dom, event, detail, opaque):
        with seen_lock:
            k = (dom.name(), event)
            seen[k] = seen.get(k, 0) + 1
    mon = libvirt.open(uri)
    mon.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                               on_life, None)

    t0 = now() + 3.0
    end = t0 + duration
    clients = list(enumerate(ROLES))
    owners = iter(sorted(where))
    specs = [[] for _ in range(NPROCS)]
    for cid, (role, arg) in clients:
        if role == "owner":
            arg = next(owners, None)
            if arg is None:
                role, arg = "reader", "rw"
        specs[cid % NPROCS].append((cid, role, arg))
    procs = []
    for i in range(NPROCS):
        spec = {"uri": uri, "uri_ro": uri_ro, "sock": sock,
                "sock_ro": sock_ro, "where": where, "t0": t0, "end": end,
                "clients": specs[i], "out": "%s.w%d" % (out, i),
                "last_kill": {h: t for t, what, h in steps if what == "kill"},
                "round": rnd_no * 10 + i}
        procs.append(subprocess.Popen([PY, ME, "worker", json.dumps(spec)]))

    # host kills and restarts; a host is "down" from its kill until a call
    # on one of its domains works again after its restart
    windows = {}   # host -> [[down, up], ...] (relative to t0)
    fault_log = []
    reconnects = []  # [host, its libvirtd answers, Shoal answers] (s)

    def faults():
        probe = libvirt.open(uri)
        for t, what, host in steps:
            delay = t0 + t - now()
            if delay > 0:
                time.sleep(delay)
            before = now() - t0
            proc = subprocess.Popen([testbed, what, host, "--dir", tbdir],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            # when a restarted host's libvirtd first answers, even before
            # the testbed says it is up
            direct_up = None
            shoal_up = None
            name = next((d for d in sorted(where) if where[d] == host), None)
            while proc.poll() is None:
                if what == "start" and direct_up is None:
                    if host_answers(libvirt, hosts[host]):
                        direct_up = now() - t0
                elif what == "start" and shoal_up is None:
                    try:
                        probe.lookupByName(name).info()
                        shoal_up = now() - t0
                    except libvirt.libvirtError:
                        pass
                time.sleep(0.1)
            rc = proc.returncode
            fault_log.append("%.1f s: testbed %s %s (%.1f s): exit %d" %
                             (before, what, host, now() - t0 - before, rc))
            if what == "kill":
                windows.setdefault(host, []).append([before, None])
            elif what == "start":
                # when its libvirtd answers, and when Shoal has it back:
                # the difference is Shoal's reconnect time
                deadline = now() + 60
                while shoal_up is None and now() < deadline:
                    if direct_up is None and host_answers(libvirt,
                                                          hosts[host]):
                        direct_up = now() - t0
                    try:
                        probe.lookupByName(name).info()
                        shoal_up = now() - t0
                    except libvirt.libvirtError:
                        time.sleep(0.1)
                up = shoal_up if shoal_up is not None else now() - t0
                # down until the testbed is done with it too, as before
                windows[host][-1][1] = now() - t0
                if direct_up is None:
                    direct_up = up
                reconnects.append([host, direct_up, up])
                fault_log.append("%.1f s: %s answers again (its libvirtd "
                                 "since %.1f s: reconnect %.1f s)" %
                                 (up, host, direct_up, up - direct_up))
        probe.close()
    ft = threading.Thread(target=faults, daemon=True)
    ft.start()

    # the watchdog: virsh list, every second, must answer within the bound
    wd = {"runs": 0, "max": 0.0, "failures": []}

    def watchdog():
        while now() < end + 2:
            start = now()
            try:
                p = subprocess.run(["virsh", "-r", "-c", uri_ro, "list",
                                    "--all"], capture_output=True,
                                   timeout=WATCHDOG_BOUND)
                took = now() - start
                if p.returncode != 0:
                    wd["failures"].append("%.1f s: %s" % (
                        start - t0, (p.stdout + p.stderr).decode()[-200:]))
            except subprocess.TimeoutExpired:
                took = now() - start
                wd["failures"].append("%.1f s: no answer in %d s" %
                                      (start - t0, WATCHDOG_BOUND))
            wd["runs"] += 1
            wd["max"] = max(wd["max"], took)
            time.sleep(max(0.0, 1.0 - took))
    wt = threading.Thread(target=watchdog, daemon=True)
    wt.start()

    worker_rc = []
    for p in procs:
        try:
            worker_rc.append(p.wait(timeout=max(1, end + GRACE + 30 - now())))
        except subprocess.TimeoutExpired:
            p.kill()
            worker_rc.append(p.wait())
    wt.join()
    ft.join(timeout=max(1, end + 60 - now()))
    for h, ws in windows.items():
        for w in ws:
            if w[1] is None:
                w[1] = now() - t0
    results = [json.load(open("%s.w%d" % (out, i))) if
               os.path.exists("%s.w%d" % (out, i)) else None
               for i in range(NPROCS)]

    # the listener: give late events a moment
    killed = set(h for _, what, h in steps if what == "kill")
    suspends = {}
    for r in results:
        if r:
            suspends.update(r["suspends"])
    steady = [d for d in where if where[d] not in killed]
    deadline = now() + 10
    while now() < deadline:
        with seen_lock:
            if all(seen.get((d, libvirt.VIR_DOMAIN_EVENT_SUSPENDED), 0) >=
                   suspends.get(d, 0) for d in steady):
                break
        time.sleep(0.2)
    with seen_lock:
        events = {d: [seen.get((d, libvirt.VIR_DOMAIN_EVENT_SUSPENDED), 0),
                      seen.get((d, libvirt.VIR_DOMAIN_EVENT_RESUMED), 0),
                      suspends.get(d)] for d in sorted(where)}
    try:
        mon.close()
    except libvirt.libvirtError:
        pass

    summary = analyse(results, worker_rc, where, windows, wd, events,
                      steady, duration, fault_log)
    summary["reconnects"] = reconnects
    summary["round"] = rnd_no
    with open(out, "w") as f:
        json.dump(summary, f, indent=1)
    for line in summary["report"]:
        print("# " + line)
    sys.exit(0 if not summary["unexpected"] else 1)


def down_at(windows, host, t, margin=0.0):
    for a, b in windows.get(host, []):
        if a - margin <= t <= b + margin:
            return True
    return False


def overlaps_down(windows, host, start, end):
    """Whether a call from START to END overlapped a time HOST was down."""
    return any(start <= b and end >= a for a, b in windows.get(host, []))


def analyse(results, worker_rc, where, windows, wd, events, steady,
            duration, fault_log):
    unexpected = []
    expected = 0
    expected_by_host = {}
    calls = {}
    lat_live = {}      # op -> max latency on live hosts / cluster calls
    lat_down = {}
    maxlat = {"dom": [0.0, ""], "cluster": [0.0, ""]}
    nevents = 0
    meta = {}
    stuck = []
    for i, r in enumerate(results):
        if r is None:
            unexpected.append({"msg": "worker %d wrote no results "
                               "(exit %r)" % (i, worker_rc[i])})
            continue
        nevents += r["events"]
        stuck += r["stuck"]
        for k, n in r["counts"].items():
            calls[k] = calls.get(k, 0) + n
        for key, (n, mx) in r["lat"].items():
            op, host, sec = key.split("|")
            sec = int(sec)
            live = host == "-" or not (down_at(windows, host, sec, 1.5) or
                                       down_at(windows, host, sec + 1, 1.5))
            tab = lat_live if live else lat_down
            tab[op] = max(tab.get(op, 0.0), mx)
            if live:
                kind = "cluster" if host == "-" else "dom"
                if mx > maxlat[kind][0]:
                    maxlat[kind] = [mx, "%s on %s at %d s" % (op, host, sec)]
        for key, doms in r["meta"].items():
            meta.setdefault(key, {}).update(doms)
        for e in r["errors"]:
            host = e.get("host")
            if (host and host_of(e["msg"], host) and
                    overlaps_down(windows, host, e["start"], e["end"])):
                expected += 1
                expected_by_host[host] = expected_by_host.get(host, 0) + 1
                continue
            unexpected.append(e)
    ev_bad = [d for d in steady
              if events[d][2] is None or events[d][0] != events[d][2]]
    report = []
    report.append("%d calls in %.0f s (%d/s); %d event callbacks run" % (
        sum(calls.values()), duration, sum(calls.values()) / duration,
        nevents))
    report.append("calls: " + ", ".join("%s %d" % kv for kv in
                                        sorted(calls.items())))
    for line in fault_log:
        report.append("fault: " + line)
    report.append("expected errors (down host named, while down): %d %r" %
                  (expected, expected_by_host))
    report.append("unexpected errors: %d" % len(unexpected))
    for e in unexpected[:25]:
        report.append("  unexpected: %s" % json.dumps(e, sort_keys=True))
    report.append("max latency, domain calls on live hosts: %.3f s (%s)" %
                  tuple(maxlat["dom"]))
    report.append("max latency, cluster-wide calls: %.3f s (%s)" %
                  tuple(maxlat["cluster"]))
    report.append("max latency per call, live: " + ", ".join(
        "%s %.3f" % kv for kv in sorted(lat_live.items())))
    if lat_down:
        report.append("max latency per call, host down: " + ", ".join(
            "%s %.3f" % kv for kv in sorted(lat_down.items())))
    report.append("watchdog: %d virsh list, slowest %.3f s, %d failures %r" %
                  (wd["runs"], wd["max"], len(wd["failures"]),
                   wd["failures"][:5]))
    report.append("listener (suspended, resumed, suspends acked) per domain: "
                  + ", ".join("%s %r" % kv for kv in sorted(events.items())))
    return {"unexpected": unexpected, "expected": expected,
            "expected_by_host": expected_by_host, "calls": calls,
            "maxlat": maxlat, "lat_live": lat_live, "lat_down": lat_down,
            "watchdog": wd, "events": events, "events_bad": ev_bad,
            "steady": steady, "callbacks": nevents, "meta": meta,
            "stuck": stuck, "worker_rc": worker_rc, "windows": windows,
            "duration": duration, "report": report,
            "killed": sorted(windows)}


def verdict(out, what):
    s = json.load(open(out))
    if what == "errors":
        for e in s["unexpected"][:40]:
            print(json.dumps(e, sort_keys=True))
        return not s["unexpected"]
    if what == "watchdog":
        wd = s["watchdog"]
        print("%d runs, slowest %.3f s, failures %r" %
              (wd["runs"], wd["max"], wd["failures"]))
        return not wd["failures"] and wd["runs"] >= s["duration"] / 3
    if what == "clients":
        print("stuck %r, worker exit %r" % (s["stuck"], s["worker_rc"]))
        return not s["stuck"] and all(rc == 0 for rc in s["worker_rc"])
    if what == "expected":
        # every killed host's domains did fail while it was down: the
        # faults really happened under the clients
        print("expected errors per host %r, killed %r" %
              (s["expected_by_host"], s["killed"]))
        return all(s["expected_by_host"].get(h, 0) > 0 for h in s["killed"])
    if what == "events":
        for d in s["steady"]:
            print("%s: suspended events %d, resumed %d, suspends acked %r" %
                  ((d,) + tuple(s["events"][d])))
        return not s["events_bad"] and all(s["events"][d][2]
                                           for d in s["steady"])
    if what == "listing":
        # a host going down must not take its domains out of the listing
        gone = [e for e in s["unexpected"]
                if e["msg"].startswith("listAllDomains: ") or
                (e["op"] == "lookup" and "Domain not found" in e["msg"])]
        for e in gone[:10]:
            print(json.dumps(e, sort_keys=True))
        if gone:
            print("... %d such failures" % len(gone))
        return not gone
    if what == "callbacks":
        print("%d event callbacks ran in the event clients" % s["callbacks"])
        return s["callbacks"] > 0
    raise SystemExit("unknown verdict " + what)


# --- after the rounds: does the state reconcile? ---------------------------

def reconcile(uri, hosts_conf, state_dir, ndoms, outs):
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    hosts = read_hosts(hosts_conf)
    problems = []
    where = placement(libvirt, hosts)
    if len(where) != int(ndoms):
        problems.append("the hosts have %d domains, not %s" %
                        (len(where), ndoms))
    conn = libvirt.open(uri)
    listed = {}
    for d in conn.listAllDomains(0):
        listed.setdefault(d.name(), []).append(d)
    # every domain once, with its host's state, on exactly one host
    hconn = {h: libvirt.open(u) for h, u in hosts.items()}
    for name in sorted(set(listed) | set(where)):
        if len(listed.get(name, [])) != 1:
            problems.append("%s listed %d times by Shoal" %
                            (name, len(listed.get(name, []))))
            continue
        hs = where.get(name, [])
        if len(hs) != 1:
            problems.append("%s defined on %d hosts: %r" % (name, len(hs), hs))
            continue
        st = listed[name][0].state()[0]
        hst = hconn[hs[0]].lookupByName(name).state()[0]
        if st != hst or st == libvirt.VIR_DOMAIN_NOSTATE:
            problems.append("%s: Shoal says state %d, %s says %d" %
                            (name, st, hs[0], hst))
    # the store: one record per domain, on its host, with its definition
    recs = {}
    ddir = os.path.join(state_dir, "domains")
    for fn in sorted(os.listdir(ddir)):
        if fn.endswith(".json"):
            r = json.load(open(os.path.join(ddir, fn)))
            recs[r["name"]] = r
        else:
            problems.append("stray file in the store: " + fn)
    if sorted(recs) != sorted(where):
        problems.append("store has %r, hosts have %r" %
                        (sorted(recs), sorted(where)))
    flags = libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE
    for name, r in sorted(recs.items()):
        hs = where.get(name, [])
        if len(hs) != 1:
            continue
        if r["host"] != hs[0]:
            problems.append("store puts %s on %s, it is on %s" %
                            (name, r["host"], hs[0]))
        hxml = hconn[hs[0]].lookupByName(name).XMLDesc(flags)
        if r["xml"] != hxml:
            import difflib
            diff = "".join(list(difflib.unified_diff(
                r["xml"].splitlines(True), hxml.splitlines(True),
                "store", hs[0], n=0))[:12])
            problems.append("stored definition of %s differs from %s's:\n%s"
                            % (name, hs[0], diff))
    # metadata: the value each key holds is the last one acknowledged, or
    # one tried after it that failed with its host going down
    checked = 0
    for out in outs:
        s = json.load(open(out))
        for key, doms in sorted(s["meta"].items()):
            for name, slot in sorted(doms.items()):
                hs = where.get(name, [])
                if len(hs) != 1:
                    continue
                allowed = ([slot["acked"]] if slot["acked"] else []) + \
                    slot["tried"]
                d = hconn[hs[0]].lookupByName(name)
                try:
                    got = d.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                                     META_NS + key,
                                     libvirt.VIR_DOMAIN_AFFECT_CONFIG)
                    val = re.search(r'n="([0-9]+)"', got).group(1)
                except libvirt.libvirtError:
                    val = None
                checked += 1
                # a later round may have overwritten an earlier round's key
                newer = [o for o in outs[outs.index(out) + 1:]
                         if name in json.load(open(o))["meta"].get(key, {})]
                if newer:
                    continue
                if slot["acked"] is None and val is None:
                    continue
                if val not in allowed:
                    problems.append("metadata %s of %s is %r on %s, expected "
                                    "one of %r" % (key, name, val, hs[0],
                                                   allowed))
                try:
                    sgot = conn.lookupByName(name).metadata(
                        libvirt.VIR_DOMAIN_METADATA_ELEMENT, META_NS + key,
                        libvirt.VIR_DOMAIN_AFFECT_CONFIG)
                except libvirt.libvirtError as e:
                    sgot = str(e)
                if val and ('n="%s"' % val) not in sgot:
                    problems.append("metadata %s of %s through Shoal: %r, "
                                    "host has %r" % (key, name, sgot, val))
    print("%d domains, %d store records, %d metadata keys checked" %
          (len(where), len(recs), checked))
    for p in problems:
        print(p)
    return not problems


def burst(path, n):
    """N non-blocking connects at once, as an event-driven client makes
    them: each must be queued (libvirtd listens with a queue of 1000,
    max_queued_clients), none refused with EAGAIN."""
    socks, refused = [], []
    try:
        for i in range(int(n)):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            socks.append(s)
            try:
                s.connect(path)
            except BlockingIOError as e:
                refused.append(str(e))
    finally:
        for s in socks:
            s.close()
    print("%d of %d connects refused%s" % (
        len(refused), len(socks), ": " + refused[0] if refused else ""))
    return not refused


def proc_stats(pid):
    rss = 0
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir("/proc/%s/fd" % pid))
    print(rss, fds)


def main(argv):
    cmd = argv[1]
    if cmd == "round":
        round_main(*argv[2:9])
    elif cmd == "worker":
        Worker(json.loads(argv[2])).run()
    elif cmd == "abrupt":
        abrupt(argv[2], argv[3])
    elif cmd == "stalled":
        stalled(argv[2], argv[3])
    elif cmd == "verdict":
        sys.exit(0 if verdict(argv[2], argv[3]) else 1)
    elif cmd == "reconcile":
        sys.exit(0 if reconcile(*argv[2:6], argv[6:]) else 1)
    elif cmd == "burst":
        sys.exit(0 if burst(argv[2], argv[3]) else 1)
    elif cmd == "proc-stats":
        proc_stats(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
