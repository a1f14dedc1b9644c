#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 12 part 4: power-saving mode over a generated 24-hour load.

For each cluster size it generates a day of snapshots (shoal-snapshot/1, one
every --interval minutes): a daily curve (lowest at 03:00, highest at 15:00)
times each domain's own weight, with noise per domain and interval. Then
`shoalctl --json simulate FILE...` replays them twice:

  - power-saving: power_saving = true, every host with power commands;
  - no consolidation: the same without power_saving (every host stays on);

and the oracle lower bound is computed from the same load: in each
interval, the fewest hosts whose capacity at the top of the band
(power_band_high) holds the total CPU demand and the total memory.

Reported per size: host-hours powered, the ratio to the oracle, intervals
in which any host was overloaded (its domains' CPU in the interval above
its cores, or their memory above its limit), power changes and
migrations. Goal (issue 12): power-saving within 15 % of the oracle with
zero overloaded intervals. A missed goal is reported, never an error. Exit
status 2 means the set-up failed (no shoalctl).

Only the Python standard library is used.
"""

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GIB = 1048576
HOST_CPUS = 32
HOST_KIB = 256 * GIB
RESERVED_KIB = 4 * GIB
WINDOW = 5


def curve(hour):
    """The daily load, 0.15 at 03:00 to 1.0 at 15:00."""
    return 0.15 + 0.85 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 3) / 24))


def make_domains(hosts, per_host, rnd):
    doms = []
    for i in range(hosts * per_host):
        vcpus = rnd.choice([2, 2, 4, 4, 8])
        doms.append({
            "name": "vm%05d" % (i + 1),
            "vcpus": vcpus,
            "memory_kib": rnd.choice([2, 4, 4, 8, 8, 16]) * GIB,
            "weight": rnd.uniform(0.3, 1.0) * vcpus,
            "host": "h%03d" % (i % hosts + 1),
        })
    return doms


def demands(doms, intervals, interval_min, peak_cores, noise, rnd):
    """cores[t][i]: the CPU demand of domain i in interval t."""
    total_weight = sum(d["weight"] for d in doms)
    scale = peak_cores / total_weight
    out = []
    for t in range(intervals + WINDOW):
        hour = (t - WINDOW) * interval_min / 60.0
        level = curve(hour)
        row = []
        for d in doms:
            c = d["weight"] * scale * level * max(0.0, rnd.gauss(1.0, noise))
            row.append(min(c, d["vcpus"]))
        out.append(row)
    return out


def write_trace(directory, hosts, doms, load, intervals, interval_min,
                config):
    interval_ms = interval_min * 60000
    paths = []
    nodes = [{
        "name": "h%03d" % (i + 1),
        "online": True,
        "maintenance": False,
        "cpus": HOST_CPUS,
        "memory_kib": HOST_KIB,
        "reserved_kib": RESERVED_KIB,
        "power_control": True,
    } for i in range(hosts)]
    for t in range(intervals):
        domains = []
        for i, d in enumerate(doms):
            samples = []
            for k in range(WINDOW):
                c = load[t + 1 + k][i]
                samples.append([round(c, 4), round(c / d["vcpus"], 4), 0])
            domains.append({
                "name": d["name"],
                "host": d["host"],
                "running": True,
                "vcpus": d["vcpus"],
                "max_vcpus": d["vcpus"],
                "memory_kib": d["memory_kib"],
                "samples": samples,
            })
        snap = {
            "format": "shoal-snapshot/1",
            "now_ms": 1700000000000 + t * interval_ms,
            "interval_ms": interval_ms,
            "config": config,
            "nodes": nodes,
            "domains": domains,
        }
        path = os.path.join(directory, "s%04d.json" % t)
        with open(path, "w") as f:
            json.dump(snap, f, separators=(",", ":"))
        paths.append(path)
    return paths


def oracle(doms, load, intervals, interval_min, high):
    usable = HOST_KIB - RESERVED_KIB
    memory = sum(d["memory_kib"] for d in doms)
    hours = 0.0
    for t in range(intervals):
        cpu = sum(load[t + WINDOW])
        n = max(math.ceil(cpu / (high * HOST_CPUS)),
                math.ceil(memory / (high * usable)), 1)
        hours += n * interval_min / 60.0
    return hours


def simulate(shoalctl, paths):
    start = time.monotonic()
    out = subprocess.run([shoalctl, "--json", "simulate"] + paths,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.monotonic() - start


def run_size(args, hosts, shoalctl):
    rnd = random.Random(args.seed * 1000 + hosts)
    intervals = 24 * 60 // args.interval
    doms = make_domains(hosts, args.per_host, rnd)
    peak = args.peak * hosts * HOST_CPUS
    load = demands(doms, intervals, args.interval, peak, args.noise, rnd)
    base = {
        "mode": "automatic",
        "power_band_low": args.band_low,
        "power_band_high": args.band_high,
        "power_hold_seconds": args.hold,
        "max_moves_per_hour": args.moves_per_hour,
    }
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench_power.") as tmp:
        for label, saving in (("power-saving", True),
                              ("no consolidation", False)):
            config = dict(base, power_saving=saving)
            sub = os.path.join(tmp, label.replace(" ", "-"))
            os.mkdir(sub)
            paths = write_trace(sub, hosts, doms, load, intervals,
                                args.interval, config)
            sim, wall = simulate(shoalctl, paths)
            rows[label] = (sim, wall)
    best = oracle(doms, load, intervals, args.interval, args.band_high)
    return rows, best, len(doms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,64",
                    help="host counts, comma-separated (default 16,64)")
    ap.add_argument("--per-host", type=int, default=10,
                    help="domains per host (default 10)")
    ap.add_argument("--interval", type=int, default=5,
                    help="minutes per interval (default 5: 288 a day)")
    ap.add_argument("--peak", type=float, default=0.6,
                    help="the day's peak CPU demand over all cores "
                    "(default 0.6)")
    ap.add_argument("--noise", type=float, default=0.1,
                    help="per-domain noise, relative (default 0.1)")
    ap.add_argument("--band-low", type=float, default=0.6)
    ap.add_argument("--band-high", type=float, default=0.8)
    ap.add_argument("--hold", type=float, default=900,
                    help="power_hold_seconds (default 900)")
    ap.add_argument("--moves-per-hour", type=int, default=120,
                    help="max_moves_per_hour (default 120)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shoalctl",
                    default=os.path.join(REPO, "build", "src", "shoalctl"))
    args = ap.parse_args()
    # a kill still removes the trace files (TemporaryDirectory's exit)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(3))
    if not os.access(args.shoalctl, os.X_OK):
        print("no shoalctl at %s: build first" % args.shoalctl,
              file=sys.stderr)
        return 2
    print("band %.0f-%.0f %%, hold %.0f s, %d-minute intervals, peak %.0f %% "
          "of all cores, noise %.0f %%" %
          (100 * args.band_low, 100 * args.band_high, args.hold,
           args.interval, 100 * args.peak, 100 * args.noise))
    print("%-6s %-7s %-17s %11s %9s %11s %9s %7s %7s" %
          ("hosts", "domains", "run", "host-hours", "vs oracle",
           "overloaded", "offs/ons", "moves", "wall s"))
    missed = []
    for size in args.sizes.split(","):
        hosts = int(size)
        rows, best, ndoms = run_size(args, hosts, args.shoalctl)
        print("%-6d %-7d %-17s %11.1f %9s %11s %9s %7s %7s" %
              (hosts, ndoms, "oracle", best, "1.00", "-", "-", "-", "-"))
        for label, (sim, wall) in rows.items():
            ratio = sim["host_hours"] / best
            print("%-6d %-7d %-17s %11.1f %9.2f %11d %9s %7d %7.1f" %
                  (hosts, ndoms, label, sim["host_hours"], ratio,
                   sim["overloaded_intervals"],
                   "%d/%d" % (sim["power_offs"], sim["power_ons"]),
                   sim["moves"], wall))
            if label == "power-saving":
                if ratio > 1.15:
                    missed.append("%d hosts: %.2fx the oracle (goal 1.15)" %
                                  (hosts, ratio))
                if sim["overloaded_intervals"]:
                    missed.append("%d hosts: %d overloaded intervals "
                                  "(goal 0)" %
                                  (hosts, sim["overloaded_intervals"]))
    print("goal (within 15 %% of the oracle, no overloaded interval): %s" %
          ("PASS" if not missed else "MISS: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
