"""One-file ``dupfinder ci --base main`` with two versions of dupfinder, alternating: what a change saves.

    python benchmarks/speed/ci_ab.py --before SRC --after SRC [--work DIR] [--rounds 3] [--stages] [--profile N]

Each side is a ``src`` folder to import dupfinder from (``PYTHONPATH``; e.g. the ``src`` of a ``git
archive`` of the older commit).  On the repository that ``profile_ci.py`` built in ``--work`` (branch
``main`` and branch ``change`` with run.py's one-file change), each side first fills its own cache
with a scan of ``main`` (its records are keyed by its code), then each round runs the gate on
``change`` once with each side, in alternating order (before first in odd rounds, after first in
even ones), each on a fresh copy of its side's primed cache, so that page cache and machine load
fall on both alike.  Prints every run's wall time, CPU time and peak memory (the process tree's, as
``run.py`` measures them), the medians, the load average at the start and the end, and whether the
two sides' SARIF reports are byte-identical.

``--stages``: each round also runs each side once in ``profile_ci.py``'s stage timer (CPU seconds
per stage of one plain run in a fresh process; stages an older version lacks are left out), and
prints the medians side by side.  ``--profile N``: each round also runs each side once under
cProfile, and prints the N lines with the most cumulative time of each side's last profile.
Both alternate with the timed runs, so that all figures of one side come from the same moments.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from run import HERE, dupfinder_cmd, measure

_CI = ["ci", ".", "--base", "main", "-q", "--format", "sarif"]


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


def _fresh(primed: Path) -> Path:
    """A fresh copy of the primed cache."""
    cache = primed.with_name(primed.name + "-run")
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)
    return cache


def _once(src: Path, repo: Path, primed: Path, logs: Path, name: str) -> tuple[float, float, float, bytes]:
    cache = _fresh(primed)
    out = logs / f"ci-ab-{name}.sarif"
    cmd = [sys.executable, "-m", "dupfinder", *_CI, "-o", str(out), "--cache-dir", str(cache)]
    wall, cpu, peak, rc, _ = measure(cmd, repo, out.with_suffix(".log"), env=_env(src))
    if rc not in (0, 1):
        raise SystemExit(f"{name}: dupfinder failed (exit {rc}): see {out.with_suffix('.log')}")
    shutil.rmtree(cache, ignore_errors=True)
    return wall, cpu, peak, out.read_bytes()


def _stages(src: Path, repo: Path, primed: Path, logs: Path, name: str) -> dict[str, float]:
    """CPU seconds per stage of one plain run (``profile_ci.py``'s stage timer, in a fresh process)."""
    cache = _fresh(primed)
    cmd = [sys.executable, str(HERE / "profile_ci.py"), "--child", *_CI, "-o", str(logs / f"ci-ab-{name}-stages.sarif"),
           "--cache-dir", str(cache)]  # fmt: skip
    done = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False, env=_env(src))
    shutil.rmtree(cache, ignore_errors=True)
    last = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode not in (0, 1) or not last.startswith("{"):
        raise SystemExit(f"{name}: the stage run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return {k: float(v) for k, v in json.loads(last).items()}


def _profile(src: Path, repo: Path, primed: Path, logs: Path, name: str) -> Path:
    """One run under cProfile, in a fresh process; the profile's file."""
    cache = _fresh(primed)
    prof = logs / f"ci-ab-{name}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "dupfinder", *_CI, "-o",
           str(logs / f"ci-ab-{name}-profiled.sarif"), "--cache-dir", str(cache)]  # fmt: skip
    done = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False, env=_env(src))
    shutil.rmtree(cache, ignore_errors=True)
    if not prof.is_file():
        raise SystemExit(f"{name}: the profiled run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return prof


def _top(prof: Path, src: Path, lines: int) -> str:
    """The ``lines`` functions of a profile with the most cumulative time, paths shortened."""
    out = io.StringIO()
    stats = pstats.Stats(str(prof), stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(lines)
    text = out.getvalue().replace(str(src.resolve()) + "/", "").replace(str(src) + "/", "")
    body = text[text.find("ncalls") :]
    return f"{total:.2f} s under cProfile\n" + "\n".join(
        line.replace(sys.prefix + "/lib/python3." + str(sys.version_info.minor) + "/site-packages/", "")
        for line in body.splitlines() if line.strip()
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, metavar="SRC")
    ap.add_argument("--after", type=Path, required=True, metavar="SRC")
    ap.add_argument("--work", type=Path, default=HERE / "work" / "profile-ci", help="profile_ci.py's folder")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--stages", action="store_true", help="also time each side's stages, every round")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="also profile each side every round; "
                    "print N lines of each")  # fmt: skip
    args = ap.parse_args(argv)
    work = args.work.resolve()  # the runs start in the repository: a relative folder would move
    repo, logs = work / "repo", work / "logs"
    if not (repo / ".git").is_dir():
        print(f"no repository in {args.work}: run benchmarks/speed/profile_ci.py first", file=sys.stderr)
        return 2
    logs.mkdir(parents=True, exist_ok=True)
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    primed = {name: work / f"cache-ab-{name}" for name in sides}
    for name, src in sides.items():
        _prime(src, repo, primed[name], logs, name)
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    reports: dict[str, set[bytes]] = {"before": set(), "after": set()}
    stages: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    profiles: dict[str, Path] = {}
    for k in range(args.rounds):
        order = ("before", "after") if k % 2 == 0 else ("after", "before")
        for name in order:
            wall, cpu, peak, sarif = _once(sides[name], repo, primed[name], logs, name)
            runs[name].append((wall, cpu, peak))
            reports[name].add(sarif)
            print(f"round {k + 1} {name:6s} {wall:6.2f} s wall {cpu:6.2f} s CPU {peak:5.0f} MB", flush=True)
            if args.stages:
                stages[name].append(_stages(sides[name], repo, primed[name], logs, name))
            if args.profile:
                profiles[name] = _profile(sides[name], repo, primed[name], logs, name)
    for name, got in runs.items():
        wall, cpu = statistics.median(r[0] for r in got), statistics.median(r[1] for r in got)
        print(f"{name:6s} median {wall:6.2f} s wall {cpu:6.2f} s CPU, peak {max(r[2] for r in got):.0f} MB")
    if args.stages:
        print(f"\nstages, CPU s in-process, median of {args.rounds} runs a side (- : not a function of that side):")
        print(f"  {'before':>7s} {'after':>7s}  stage")
        names = list(dict.fromkeys([*stages["after"][0], *stages["before"][0]]))
        for stage in names:
            cells = [statistics.median(s[stage] for s in stages[n]) if stage in stages[n][0] else None
                     for n in ("before", "after")]  # fmt: skip
            print("  " + " ".join(f"{c:7.2f}" if c is not None else f"{'-':>7s}" for c in cells) + f"  {stage}")
    for name, prof in profiles.items():
        print(f"\ncProfile, {name} (last round), cumulative: {_top(prof, sides[name], args.profile)}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    same = len(reports["before"]) == 1 and reports["before"] == reports["after"]
    print("SARIF reports byte-identical on both sides:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
