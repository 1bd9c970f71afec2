#!/usr/bin/env python3
"""Wall time of ``dupfinder history`` on a repository built by ``build.py`` (default: docutils).

    python benchmarks/history/build.py docutils
    python benchmarks/history/time.py [PROJECT] [--runs N] [--jobs J] [--warm]

Each run is a fresh process with a fresh, empty cache folder (so nothing is reused between runs),
output to a temporary file; with ``--warm``, one untimed run fills a cache folder first and every
timed run reuses it (what a second ``dupfinder history`` of the same repository costs).  Prints the
commits walked, clusters, divergent fixes and every run's wall time, then the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", nargs="?", default="docutils")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--warm", action="store_true", help="reuse one cache folder, filled by an untimed run")
    args = ap.parse_args()
    repo = HERE / "work" / args.project
    if not (repo / ".git").exists():
        raise SystemExit(f"time.py: no repository at {repo}; run build.py {args.project} first")
    commits = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True,
                             text=True, check=True).stdout.strip()  # fmt: skip
    walls = []
    data = {}
    with tempfile.TemporaryDirectory() as shared:
        for n in range(args.runs + (1 if args.warm else 0)):
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "history.json")
                env = {**os.environ, "DUPFINDER_CACHE_DIR": os.path.join(shared if args.warm else tmp, "cache")}
                cmd = [sys.executable, "-m", "dupfinder", "history", str(repo), "--format", "json", "-o", out,
                       "-q", "--jobs", str(args.jobs)]  # fmt: skip
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, env=env)
                if args.warm and n == 0:
                    continue  # the run that fills the cache
                walls.append(time.perf_counter() - t0)
                with open(out, encoding="utf-8") as fh:
                    data = json.load(fh)
    with_history = [c for c in data["clusters"] if "history" in c]
    fixes = sum(len(c["history"]["divergent_fixes"]) for c in with_history)
    stats = data["stats"]
    print(f"repository: {repo.name}, {commits} commits, {data['history']['commits']} walked "
          f"(touching a cluster's file); {stats['files']} files, {stats['lines']} lines at HEAD")  # fmt: skip
    print(f"clusters with a history: {len(with_history)}; divergent fixes: {fixes}")
    print("wall s per run: " + ", ".join(f"{w:.2f}" for w in walls))
    cache = "one cache filled by an untimed run" if args.warm else "cold cache each run"
    print(f"median wall s: {statistics.median(walls):.2f} (--jobs {args.jobs}, {cache})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
