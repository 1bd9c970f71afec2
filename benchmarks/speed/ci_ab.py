"""One-file ``dupfinder ci --base main`` with two versions of dupfinder, alternating: what a change saves.

    python benchmarks/speed/ci_ab.py --before SRC --after SRC [--work DIR] [--rounds 3]

Each side is a ``src`` folder to import dupfinder from (``PYTHONPATH``; e.g. the ``src`` of a ``git
archive`` of the older commit).  On the repository that ``profile_ci.py`` built in ``--work`` (branch
``main`` and branch ``change`` with run.py's one-file change), each side first fills its own cache
with a scan of ``main`` (its records are keyed by its code), then each round runs the gate on
``change`` once with each side, in alternating order (before first in odd rounds, after first in
even ones), each on a fresh copy of its side's primed cache, so that page cache and machine load
fall on both alike.  Prints every run's wall time, CPU time and peak memory (the process tree's, as
``run.py`` measures them), the medians, the load average at the start and the end, and whether the
two sides' SARIF reports are byte-identical.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from run import HERE, dupfinder_cmd, measure


def _env(src: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(src))


def _prime(src: Path, repo: Path, cache: Path, logs: Path, name: str) -> None:
    """``cache`` filled by a scan of ``main`` with the code in ``src``; ``change`` checked out after."""
    shutil.rmtree(cache, ignore_errors=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    try:
        out = logs / f"ci-ab-{name}-prime.json"
        measure(dupfinder_cmd(repo, out, cache), repo, out.with_suffix(".log"), env=_env(src))
    finally:
        subprocess.run(["git", "checkout", "-q", "change"], cwd=repo, check=True)


def _once(src: Path, repo: Path, primed: Path, logs: Path, name: str) -> tuple[float, float, float, bytes]:
    cache = primed.with_name(primed.name + "-run")
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)
    out = logs / f"ci-ab-{name}.sarif"
    cmd = [sys.executable, "-m", "dupfinder", "ci", ".", "--base", "main", "-q", "--format", "sarif", "-o", str(out),
           "--cache-dir", str(cache)]  # fmt: skip
    wall, cpu, peak, rc, _ = measure(cmd, repo, out.with_suffix(".log"), env=_env(src))
    if rc not in (0, 1):
        raise SystemExit(f"{name}: dupfinder failed (exit {rc}): see {out.with_suffix('.log')}")
    shutil.rmtree(cache, ignore_errors=True)
    return wall, cpu, peak, out.read_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, metavar="SRC")
    ap.add_argument("--after", type=Path, required=True, metavar="SRC")
    ap.add_argument("--work", type=Path, default=HERE / "work" / "profile-ci", help="profile_ci.py's folder")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    repo, logs = args.work / "repo", args.work / "logs"
    if not (repo / ".git").is_dir():
        print(f"no repository in {args.work}: run benchmarks/speed/profile_ci.py first", file=sys.stderr)
        return 2
    logs.mkdir(parents=True, exist_ok=True)
    sides = {"before": args.before, "after": args.after}
    primed = {name: args.work / f"cache-ab-{name}" for name in sides}
    for name, src in sides.items():
        _prime(src, repo, primed[name], logs, name)
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    reports: dict[str, set[bytes]] = {"before": set(), "after": set()}
    for k in range(args.rounds):
        order = ("before", "after") if k % 2 == 0 else ("after", "before")
        for name in order:
            wall, cpu, peak, sarif = _once(sides[name], repo, primed[name], logs, name)
            runs[name].append((wall, cpu, peak))
            reports[name].add(sarif)
            print(f"round {k + 1} {name:6s} {wall:6.2f} s wall {cpu:6.2f} s CPU {peak:5.0f} MB", flush=True)
    for name, got in runs.items():
        wall, cpu = statistics.median(r[0] for r in got), statistics.median(r[1] for r in got)
        print(f"{name:6s} median {wall:6.2f} s wall {cpu:6.2f} s CPU, peak {max(r[2] for r in got):.0f} MB")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    same = len(reports["before"]) == 1 and reports["before"] == reports["after"]
    print("SARIF reports byte-identical on both sides:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
