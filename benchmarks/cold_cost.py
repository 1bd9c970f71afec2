#!/usr/bin/env python3
"""What a change costs a cold scan: two dupfinder installations timed on the same folder, alternating.

    python benchmarks/cold_cost.py CORPUS --before OLD/.venv/bin/dupfinder --after .venv/bin/dupfinder

Each round runs ``dupfinder scan CORPUS --format json -o FILE --cache-dir EMPTY`` once with each
installation, in alternating order (before first in odd rounds, after first in even ones), each
with a fresh, empty cache folder, so that page cache and machine load fall on both alike.  Prints
every run's wall time, CPU time and peak memory (the process tree's, sampled by psutil), then the
medians and the ratio after/before of the median wall times, with the load average at the start
and the end.  ``--extra`` passes more arguments to both (e.g. ``--teams FILE``); ``--command``
times another subcommand (e.g. ``opportunities``).  Needs psutil (it comes with
``pip install -e ".[test]"``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def run(binary: str, command: str, corpus: Path, extra: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the process and its children) and peak RSS in MB of one cold run."""
    with tempfile.TemporaryDirectory(prefix="dupfinder-cold-") as tmp:
        out = Path(tmp) / "out.json"
        args = [binary, command, str(corpus), "--format", "json", "-o", str(out),
                "--cache-dir", str(Path(tmp) / "cache"), "-q", *extra]  # fmt: skip
        start = time.perf_counter()
        proc = psutil.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0.0
        cpu: dict[int, float] = {}
        while proc.poll() is None:
            try:
                tree = [proc, *proc.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:
                        t = p.cpu_times()
                        cpu[p.pid] = t.user + t.system
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            sys.exit(f"{shlex.join(args)} failed ({proc.returncode}): {err.strip()[-500:]}")
        return wall, sum(cpu.values()), peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--before", required=True, help="the dupfinder executable before the change")
    ap.add_argument("--after", required=True, help="the dupfinder executable after the change")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--command", default="scan")
    ap.add_argument("--extra", default="", help="more arguments for both, one shell-quoted string")
    a = ap.parse_args()
    extra = shlex.split(a.extra)
    print(f"corpus {a.corpus}, {os.cpu_count()} CPUs, load at start {os.getloadavg()[0]:.2f}", flush=True)
    times: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    for n in range(a.rounds):
        order = ("before", "after") if n % 2 == 0 else ("after", "before")
        for which in order:
            w, c, m = run(getattr(a, which), a.command, a.corpus, extra)
            times[which].append((w, c, m))
            print(f"  round {n + 1} {which:6}  {w:6.1f} s wall  {c:6.1f} s CPU  {m:6.0f} MB", flush=True)
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in times.items()}
    for k in ("before", "after"):
        w, c, m = med[k]
        print(f"median {k:6}  {w:6.1f} s wall  {c:6.1f} s CPU  {m:6.0f} MB")
    print(f"after / before (median wall): {med['after'][0] / med['before'][0]:.2f}"
          f"  (CPU {med['after'][1] / med['before'][1]:.2f}); load at end {os.getloadavg()[0]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
