"""Where one-file ``dupfinder ci --base main`` with a primed cache spends its time (cProfile).

    python benchmarks/speed/profile_ci.py [PATH] [--top 25] [--work DIR] [--repeat N]

Builds what ``run.py`` times as "dupfinder one-file ci": a git repository of the corpus (default: the
speed benchmark's full corpus) whose branch ``change`` commits run.py's one-file change, a cache
that a scan of ``main`` filled, then runs ``dupfinder ci . --base main`` on ``change`` once in this
process under cProfile (the gate with a primed cache does its work in the main process) and prints
the wall time and the functions with the most cumulative time.  ``--repeat N`` then times N plain runs
(no profiler, a fresh copy of the primed cache each, as run.py's row does: wall, CPU, peak memory) and
prints their median.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import time
from pathlib import Path

from run import HERE, add_corpus_argument, ci_repo, freeze_source, median_run, no_corpus, prime_ci_cache, run_ci

from dupfinder.cli.app import main as dupfinder_main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--top", type=int, default=25, help="functions to print")
    ap.add_argument("--repeat", type=int, default=0, help="plain timed runs after the profile (default: none)")
    ap.add_argument("--work", type=Path, default=HERE / "work" / "profile-ci", help="repository, cache, logs")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    work: Path = args.work
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    repo = ci_repo(args.path, work / "repo")
    freeze_source()  # the cache is primed by the code profiled here (its records are keyed by it)
    primed = work / "cache-primed"
    prime_ci_cache(repo, primed, logs, "profile")
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)

    os.chdir(repo)
    sys.argv = ["dupfinder", "ci", ".", "--base", "main", "-q", "--format", "sarif", "-o", str(logs / "ci.sarif"),
                "--cache-dir", str(cache)]  # fmt: skip
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    try:
        dupfinder_main()
    except SystemExit as exc:  # 1: the gate fails, as it should on this change
        if exc.code not in (0, 1, None):
            raise
    finally:
        profile.disable()
    print(f"dupfinder ci --base main, one-file change, primed cache: {time.perf_counter() - start:.1f} s "
          "(under cProfile)")  # fmt: skip
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    if args.repeat > 0:
        runs = [run_ci(repo, primed, cache, f"profile-{k}", logs) for k in range(args.repeat)]
        best = median_run(runs)
        print(f"dupfinder ci --base main, one-file change, primed cache, {args.repeat} plain runs: median "
              f"{best.wall:.2f} s wall, {best.cpu:.2f} s CPU, peak {best.peak_mb:.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
