"""When a cold scan's memory peaks: the proportional set size of the main process and its workers over time.

    python benchmarks/speed/memory.py [PATH] [--every 0.25]

Runs a cold ``dupfinder scan PATH`` (an empty cache folder in a temporary directory) and samples,
every ``--every`` seconds, the PSS of the main process and the sum over its child processes (as
``run.py``'s peak does, from psutil), and the number of children.  Prints the peak sample and a
timeline of about 60 samples, so that a peak can be put down to a stage: the per-file stage (two
workers from the start), verification (two workers again after a spell of the main process alone)
and categories (two workers at the end).  Default PATH: the speed benchmark's full corpus.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from run import add_corpus_argument, no_corpus  # the benchmark script beside this one


def _sample(proc: psutil.Process) -> tuple[float, float, int] | None:
    """(main PSS MB, children's PSS MB, children) now, or None when the process is gone."""
    try:
        main = proc.memory_full_info().pss
        kids = proc.children(recursive=True)
    except psutil.Error:
        return None
    total = 0
    for kid in kids:
        try:
            total += kid.memory_full_info().pss
        except psutil.Error:
            continue
    return main / 1e6, total / 1e6, len(kids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--every", type=float, default=0.25, help="seconds between samples")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    with tempfile.TemporaryDirectory(prefix="dupfinder-memory-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "dupfinder", "scan", str(args.path), "-q", "--format", "json", "-o", str(out),
               "--cache-dir", str(Path(tmp) / "cache")]  # fmt: skip
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        proc = psutil.Process(child.pid)
        samples: list[tuple[float, float, float, int]] = []
        while child.poll() is None:
            got = _sample(proc)
            if got is not None:
                samples.append((time.perf_counter() - start, *got))
            time.sleep(args.every)
        wall = time.perf_counter() - start
    if child.returncode != 0 or not samples:
        print(f"dupfinder failed (exit {child.returncode})", file=sys.stderr)
        return 1
    at, main_mb, kids_mb, n = max(samples, key=lambda s: s[1] + s[2])
    print(f"cold scan {wall:.1f} s wall; peak {main_mb + kids_mb:.0f} MB at {at:.1f} s "
          f"(main {main_mb:.0f} MB, {n} workers {kids_mb:.0f} MB)")  # fmt: skip
    print("    s   main MB  workers MB  workers")
    for t, m, k, c in samples[:: max(1, len(samples) // 60)]:
        print(f"{t:5.1f}  {m:8.0f}  {k:10.0f}  {c:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
