#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Issue 5: Shoal's offline planner against Ganeti's hbal on the same clusters.

For each cluster (sizes x seeds x skews) it generates the same cluster three
ways with ../shared/bench/gen_cluster.py (.json, htools .txt, hbal -U .util),
then, in one run:

  - Shoal: `shoalctl plan --snapshot C.txt --util C.util --json` (or the
    command given with --planner, called with the same arguments), five
    times; the best wall and CPU time and the peak RSS of the planner
    process (it is deterministic: slower runs measure the machine's other
    work);
  - hbal:  `hbal -t C.txt -U C.util -C` (and/or without -U, --hbal-mode),
    killed after --hbal-timeout seconds; its moves so far still count;
  - ../shared/bench/score.py on both move lists: memory and CPU spread,
    worst utilisation, moves, distinct VMs moved, memory moved.

It prints both side by side with the time ratio (a lower bound when hbal
timed out), and the figures of hbal-baseline.md for the clusters that file
measured (seed 1, skew 3), which include full hbal runs of up to an hour.

Goals (issue 5): at least 1000x faster than hbal at 64x2000; under 1 s and
64 MiB at 1000x20000; final spread no worse than hbal's with fewer moves and
less memory moved. A missed goal is reported, never an error. Exit status 2
means the set-up failed (no planner, no generator).

Only the Python standard library is used.
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_BENCH = os.path.normpath(os.path.join(REPO, "..", "shared", "bench"))

DEFAULT_SIZES = "16x400,64x2000,256x8000,1000x20000"

# hbal-baseline.md, "Summary": hbal 3.0.2 on gen_cluster.py --seed 1 --skew 3,
# a 2-vCPU Xeon @ 2.5 GHz. (run, wall s, moves, mem std, cpu std, max mem,
# max cpu, GiB moved); None where the run was killed or not made.
HBAL_BASELINE = {
    "10x100": [
        ("default", 0.50, 26, 0.194, 0.103, 1.000, 0.472, 163),
        ("util", 0.55, 39, 0.070, 0.074, 0.789, 0.375, 242),
    ],
    "50x1000": [
        ("default", 629, 249, 0.179, 0.185, 1.000, 0.969, 1058),
        ("util", 566, 203, 0.109, 0.107, 0.992, 0.683, 1057),
    ],
    "200x4000": [
        ("default, killed at 600 s", 600, 2, 0.325, 0.246, 1.000, 1.195, 14),
        ("util, killed at 600 s", 600, 2, 0.322, 0.240, 1.000, 1.044, 44),
    ],
    "500x10000": [
        ("default, killed at 600 s (est. 5700 s a move)", 600, 0, 0.332,
         0.276, 1.000, 1.303, 0),
    ],
    "1000x20000": [
        ("probe only (est. about a day a move)", None, 0, 0.340, 0.249,
         1.000, 1.307, None),
    ],
}


class SetupError(Exception):
    """The benchmark could not find or start what it measures."""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_measured(argv, stdout_path, timeout=None):
    """Runs argv with stdout to a file; returns (wall s, CPU s, peak RSS
    KiB, exit status or None if killed at the timeout, stderr).

    The peak RSS comes from GNU time when there is one: Linux charges a
    child with the memory of the process it was forked from until it
    execs, and for us that is this Python interpreter (about 16 MiB).
    Without GNU time it is wait4's figure, an upper bound."""
    rss_file = None
    if GNU_TIME:
        fd, rss_file = tempfile.mkstemp(prefix="bench_sched.rss.")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file] + argv
    with open(stdout_path, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE,
                                start_new_session=True)
        killed = False
        while True:
            # without a time limit, block: polling would blur short runs
            pid, status, usage = os.wait4(proc.pid, 0 if timeout is None else os.WNOHANG)
            if pid == proc.pid:
                break
            if timeout is not None and time.monotonic() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                killed = True
                break
            time.sleep(0.002 if time.monotonic() - start < 1 else 0.05)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    rss = usage.ru_maxrss
    cpu = usage.ru_utime + usage.ru_stime
    if rss_file:
        with open(rss_file) as f:
            lines = [line for line in f.read().split() if line.isdigit()]
        os.unlink(rss_file)
        if lines:
            rss = int(lines[-1])
    return wall, cpu, rss, None if killed else proc.returncode, err


def find_planner(args):
    """The command (a list) that plans offline, or SetupError."""
    if args.planner:
        return shlex.split(args.planner)
    candidates = [args.shoalctl] if args.shoalctl else []
    candidates += [os.path.join(REPO, d, "src", "shoalctl")
                   for d in ("build", "build-lead")]
    candidates.append(shutil.which("shoalctl"))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return [c]
    raise SetupError("no planner: build shoalctl (build/src/shoalctl), or "
                     "give --shoalctl PATH or --planner CMD")


def generate(gen, workdir, nodes, vms, seed, skew):
    prefix = os.path.join(workdir, f"c{nodes}x{vms}_s{seed}_k{skew:g}")
    if not os.path.exists(prefix + ".util"):
        subprocess.run([sys.executable, gen, "--nodes", str(nodes), "--vms",
                        str(vms), "--seed", str(seed), "--skew", str(skew),
                        "--out", prefix], check=True,
                       stderr=subprocess.DEVNULL)
    return prefix


def score(scorer, prefix, flag, path, out):
    subprocess.run([sys.executable, scorer, prefix + ".json", flag, path,
                    "--json", out], check=True, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def run_shoal(planner, prefix, repeats):
    plan_path = prefix + ".plan.json"
    argv = planner + ["plan", "--snapshot", prefix + ".txt", "--util",
                      prefix + ".util", "--json"]
    walls, cpus, rss = [], [], 0
    for _ in range(repeats):
        wall, cpu, peak, status, err = run_measured(argv, plan_path)
        if status != 0:
            raise SetupError(f"{shlex.join(argv)} failed ({status}): {err.strip()}")
        walls.append(wall)
        cpus.append(cpu)
        rss = max(rss, peak)
    with open(plan_path) as f:
        plan = json.load(f)
    moves = [{"vm": s["domain"], "from": s["from"], "to": s["to"]}
             for s in plan["steps"] if s["action"] == "migrate"]
    moves_path = prefix + ".shoal-moves.json"
    with open(moves_path, "w") as f:
        json.dump(moves, f)
    # the best of the runs: the planner is deterministic and single-threaded,
    # so anything slower is the machine's other work
    return {"wall": min(walls), "cpu": min(cpus), "rss_kib": rss,
            "moves_path": moves_path, "planned_moves": len(moves),
            "imbalance": (plan["imbalance_before"], plan["imbalance_after"])}


def run_hbal(hbal, prefix, util, timeout):
    out = prefix + (".hbal-util.out" if util else ".hbal.out")
    argv = [hbal, "-t", prefix + ".txt"] + (["-U", prefix + ".util"] if util else []) + ["-C"]
    wall, cpu, rss, status, err = run_measured(argv, out, timeout)
    if status not in (0, None):
        raise SetupError(f"{shlex.join(argv)} failed ({status}): {err.strip()}")
    return {"wall": wall, "cpu": cpu, "rss_kib": rss, "timed_out": status is None,
            "out_path": out}


def fmt_metrics(m, initial=False):
    p = m["initial" if initial else "final"]
    return (f"mem std {p['mem_util_std']:.4f}  cpu std {p['cpu_demand_std']:.4f}  "
            f"max mem {p['max_mem_util']:.3f}  max cpu {p['max_cpu_demand']:.3f}")


def fmt_moves(m):
    return (f"{m['moves']:5d} moves ({m['vms_moved']} VMs), "
            f"{m['memory_moved_gib']:8.1f} GiB")


def no_worse(shoal, hbal):
    """Shoal's final spread no worse and fewer moves and less memory."""
    s, h = shoal["final"], hbal["final"]
    return (s["mem_util_std"] <= h["mem_util_std"] + 1e-9
            and s["cpu_demand_std"] <= h["cpu_demand_std"] + 1e-9
            and shoal["moves"] < hbal["moves"]
            and shoal["memory_moved_gib"] < hbal["memory_moved_gib"])


def bench_cluster(args, planner, hbal, nodes, vms, seed, skew, results):
    prefix = generate(args.gen, args.workdir, nodes, vms, seed, skew)
    name = f"{nodes}x{vms} seed {seed} skew {skew:g}"
    log(f"{name}: shoal")
    sh = run_shoal(planner, prefix, args.repeats)
    sm = score(args.scorer, prefix, "--moves", sh["moves_path"],
               prefix + ".shoal-score.json")
    row = {"cluster": name, "nodes": nodes, "vms": vms, "seed": seed,
           "skew": skew, "shoal": {**sh, "score": sm}, "hbal": {}}
    print(f"\n== {name}")
    print(f"  initial          {fmt_metrics(sm, True)}")
    print(f"  shoal  {sh['wall'] * 1000:9.1f} ms {sh['rss_kib'] / 1024:6.1f} MiB  "
          f"{fmt_moves(sm)}  {fmt_metrics(sm)}")
    print(f"          CPU {sh['cpu'] * 1000:.1f} ms (planner process: best of {args.repeats})")
    modes = {"util": [True], "default": [False], "both": [True, False]}[args.hbal_mode]
    for util in (modes if hbal else []):
        label = "hbal -U" if util else "hbal"
        log(f"{name}: {label} (at most {args.hbal_timeout:g} s)")
        hb = run_hbal(hbal, prefix, util, args.hbal_timeout)
        hm = score(args.scorer, prefix, "--hbal-output", hb["out_path"],
                   prefix + (".hbal-util" if util else ".hbal") + "-score.json")
        row["hbal"][label] = {**hb, "score": hm}
        state = (f"timed out, {hm['moves']} moves so far" if hb["timed_out"]
                 else "converged" if hm.get("hbal_completed") else "stopped")
        ratio = hb["wall"] / sh["wall"] if sh["wall"] > 0 else float("inf")
        bound = ">=" if hb["timed_out"] else "="
        print(f"  {label:7s}{hb['wall']:9.1f} s  {hb['rss_kib'] / 1024:6.1f} MiB  "
              f"{fmt_moves(hm)}  {fmt_metrics(hm)}")
        print(f"          {state}; time ratio hbal/shoal {bound} {ratio:,.0f}x")
        if hb["timed_out"] and hm["moves"] > 0:
            per_move = hb["wall"] / hm["moves"]
            shoal_per_move = sh["wall"] / max(sm["moves"], 1)
            print(f"          per move: hbal {per_move:.2f} s, shoal "
                  f"{shoal_per_move * 1000:.3f} ms ({per_move / shoal_per_move:,.0f}x)")
        if not hb["timed_out"]:
            verdict = "yes" if no_worse(sm, hm) else "no"
            print(f"          shoal's spread no worse with fewer moves and less memory: {verdict}")
    results.append(row)
    return row


def print_baseline(args, planner, results):
    """Shoal on the clusters of hbal-baseline.md, next to its figures."""
    print("\n== against hbal-baseline.md (seed 1, skew 3; hbal figures from the file)")
    for size, runs in HBAL_BASELINE.items():
        nodes, vms = (int(x) for x in size.split("x"))
        if nodes > args.baseline_max_nodes:
            continue
        prefix = generate(args.gen, args.workdir, nodes, vms, 1, 3.0)
        sh = run_shoal(planner, prefix, args.repeats)
        sm = score(args.scorer, prefix, "--moves", sh["moves_path"],
                   prefix + ".shoal-score.json")
        f = sm["final"]
        print(f"  {size:10s} shoal {sh['wall']:8.3f} s {sh['rss_kib'] / 1024:6.1f} MiB "
              f"{sm['moves']:5d} moves {sm['memory_moved_gib']:8.1f} GiB | mem std "
              f"{f['mem_util_std']:.3f} cpu std {f['cpu_demand_std']:.3f} max mem "
              f"{f['max_mem_util']:.3f} max cpu {f['max_cpu_demand']:.3f}")
        for run, wall, moves, mem, cpu, maxmem, maxcpu, gib in runs:
            wall_s = "   -    " if wall is None else f"{wall:8.2f}"
            gib_s = "   -    " if gib is None else f"{gib:8.1f}"
            print(f"  {'':10s} hbal  {wall_s} s {'':10s} {moves:5d} moves {gib_s} GiB | "
                  f"mem std {mem:.3f} cpu std {cpu:.3f} max mem {maxmem:.3f} "
                  f"max cpu {maxcpu:.3f}  ({run})")
        results.append({"cluster": f"baseline {size}", "nodes": nodes, "vms": vms,
                        "shoal": {**sh, "score": sm},
                        "hbal_baseline": [dict(zip(("run", "wall", "moves", "mem_std",
                                                        "cpu_std", "max_mem", "max_cpu",
                                                        "gib_moved"), r)) for r in runs]})


def print_goals(results):
    print("\n== goals")

    def find(nodes, vms):
        return [r for r in results if r["nodes"] == nodes and r["vms"] == vms
                and "hbal" in r]

    rows = find(64, 2000)
    ratios = [(h["wall"] / r["shoal"]["wall"], h["timed_out"])
              for r in rows for h in r["hbal"].values()]
    if ratios:
        low = min(x for x, _ in ratios)
        bound = any(t for _, t in ratios)
        print(f"  >= 1000x faster than hbal at 64x2000: "
              f"{'PASS' if low >= 1000 else 'MISS'} (worst ratio "
              f"{'>= ' if bound else ''}{low:,.0f}x)")
    else:
        print("  >= 1000x faster than hbal at 64x2000: not measured (no hbal or no 64x2000)")
    rows = find(1000, 20000)
    if rows:
        wall = max(r["shoal"]["wall"] for r in rows)
        cpu = max(r["shoal"]["cpu"] for r in rows)
        rss = max(r["shoal"]["rss_kib"] for r in rows) / 1024
        ok = wall < 1 and rss < 64
        print(f"  under 1 s and 64 MiB at 1000x20000: {'PASS' if ok else 'MISS'} "
              f"(worst {wall:.3f} s wall, {cpu:.3f} s CPU, {rss:.1f} MiB)")
    else:
        print("  under 1 s and 64 MiB at 1000x20000: not measured")
    compared = [(r, label, h) for r in results for label, h in r.get("hbal", {}).items()
                if not h["timed_out"]]
    if compared:
        bad = [f"{r['cluster']} vs {label}" for r, label, h in compared
               if not no_worse(r["shoal"]["score"], h["score"])]
        print(f"  spread no worse, fewer moves, less memory (where hbal finished): "
              f"{'PASS' if not bad else 'MISS: ' + ', '.join(bad)} "
              f"({len(compared)} comparisons)")
    else:
        print("  spread no worse, fewer moves, less memory: no hbal run finished; "
              "see the baseline table")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"NODESxVMS,... (default {DEFAULT_SIZES})")
    ap.add_argument("--seeds", default="1,2", help="gen_cluster seeds (default 1,2)")
    ap.add_argument("--skews", default="3", help="gen_cluster skews (default 3)")
    ap.add_argument("--planner", help="command that plans offline, called as "
                    "CMD plan --snapshot FILE --util FILE --json")
    ap.add_argument("--shoalctl", help="path to shoalctl (default: build/src/shoalctl, PATH)")
    ap.add_argument("--hbal", default=shutil.which("hbal"),
                    help="path to hbal (package ganeti-htools; default: PATH)")
    ap.add_argument("--no-hbal", action="store_true", help="skip hbal")
    ap.add_argument("--hbal-mode", choices=("util", "default", "both"), default="util",
                    help="hbal with -U (as Shoal gets), without, or both (default util)")
    ap.add_argument("--hbal-timeout", type=float, default=120,
                    help="seconds before hbal is killed (default 120)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="Shoal runs per cluster; the best counts (default 5)")
    ap.add_argument("--baseline-max-nodes", type=int, default=1000,
                    help="run Shoal on the hbal-baseline.md clusters up to this many "
                    "nodes (0: skip that table)")
    ap.add_argument("--bench-dir", default=SHARED_BENCH,
                    help=f"where gen_cluster.py and score.py are (default {SHARED_BENCH})")
    ap.add_argument("--workdir", help="keep generated files here (default: a temporary "
                    "directory, removed at the end)")
    ap.add_argument("--json", help="also write all results here")
    args = ap.parse_args()

    args.gen = os.path.join(args.bench_dir, "gen_cluster.py")
    args.scorer = os.path.join(args.bench_dir, "score.py")
    tmp = None
    try:
        for p in (args.gen, args.scorer):
            if not os.path.exists(p):
                raise SetupError(f"{p} not found (--bench-dir)")
        planner = find_planner(args)
        hbal = None if args.no_hbal else args.hbal
        if not args.no_hbal and not hbal:
            log("hbal not found (apt-get install ganeti-htools); skipping it")
        if not args.workdir:
            tmp = tempfile.mkdtemp(prefix="bench_sched.")
            args.workdir = tmp
        os.makedirs(args.workdir, exist_ok=True)
        log(f"planner: {shlex.join(planner)}; hbal: {hbal or 'none'}; "
            f"files in {args.workdir}")

        results = []
        sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",") if s]
        seeds = [int(s) for s in args.seeds.split(",") if s]
        skews = [float(s) for s in args.skews.split(",") if s]
        for nodes, vms in sizes:
            for seed in seeds:
                for skew in skews:
                    bench_cluster(args, planner, hbal, nodes, vms, seed, skew, results)
        if args.baseline_max_nodes > 0:
            print_baseline(args, planner, results)
        print_goals(results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    except (SetupError, subprocess.CalledProcessError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
