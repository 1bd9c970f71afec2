"""Where one-file ``dupfinder ci --base main`` with a primed cache spends its time (cProfile).

    python benchmarks/speed/profile_ci.py [PATH] [--top 25] [--work DIR] [--repeat N]

Builds what ``run.py`` times as "dupfinder one-file ci": a git repository of the corpus (default: the
speed benchmark's full corpus) whose branch ``change`` commits run.py's one-file change, a cache
that a scan of ``main`` filled, then runs ``dupfinder ci . --base main`` on ``change`` once in this
process under cProfile (the gate with a primed cache does its work in the main process) and prints
the wall time and the functions with the most cumulative time.  ``--repeat N`` then times N plain runs
(no profiler, a fresh copy of the primed cache each, as run.py's row does: wall, CPU, peak memory) and
prints their median.  ``--stages`` times one more plain run, in a fresh process that wraps the
gate's stages with timers (seconds in each, a stage called inside another counted in both; CPU time
of the process, as wall time on a busy machine says little).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import time
from pathlib import Path

from run import (
    HERE,
    add_corpus_argument,
    ci_repo,
    freeze_source,
    frozen_env,
    median_run,
    no_corpus,
    prime_ci_cache,
    run_ci,
)

#: (module, attribute) of the functions ``--stages`` times
STAGES = (
    ("dupfinder.gate.run", "discover"),
    ("dupfinder.pipeline", "file_keys"),
    ("dupfinder.gate.gitdiff", "unchanged_blobs"),
    ("dupfinder.pipeline", "_gather"),
    ("dupfinder.analyse.batch", "cache_mod.decode"),
    ("dupfinder.pipeline", "find_clusters"),
    ("dupfinder.similarity.find", "_last_graph"),
    ("dupfinder.similarity.find", "_fresh_edges"),
    ("dupfinder.similarity.find", "_identity"),
    ("dupfinder.similarity.find", "_grouped"),
    ("dupfinder.pipeline", "find_block_clusters"),
    ("dupfinder.similarity.blocks", "fingerprints_of"),
    ("dupfinder.similarity.blocks", "rarity_of"),
    ("dupfinder.pipeline", "stored_streams"),
    ("dupfinder.pipeline", "attach_code"),
    ("dupfinder.gate.run", "_enriched"),
    ("dupfinder.gate.run", "_findings"),
    ("dupfinder.cache:Cache", "finish"),
)


def _child(argv: list[str]) -> int:
    """In a fresh process: wrap the stages with timers, run ``dupfinder`` with ``argv``, print the CPU
    seconds of each as JSON on stderr."""
    import atexit
    import functools
    import importlib

    start = time.process_time()
    from dupfinder.cli import app as cli

    imported = time.process_time() - start
    spent: dict[str, float] = {}
    for target, name in STAGES:
        module_name, _, cls = target.partition(":")
        *path, attr = name.split(".")
        try:  # an older version of dupfinder (ci_ab.py --stages) may lack some: those are not timed
            owner = importlib.import_module(module_name)
            for step in ([cls] if cls else []) + path:
                owner = getattr(owner, step)
        except (ImportError, AttributeError):
            continue
        original = getattr(owner, attr, None)
        if original is None:
            continue

        def timed(*args: object, _f=original, _name=f"{target}.{name}", **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            t = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.process_time() - t

        setattr(owner, attr, functools.wraps(original)(timed))

    def report() -> None:
        print(json.dumps({"import": imported, "total": time.process_time() - start, **spent}), file=sys.stderr)

    atexit.register(report)
    sys.argv = ["dupfinder", *argv]
    cli.main()
    return 0


def _stages(repo: Path, primed: Path, cache: Path, logs: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)
    args = [sys.executable, __file__, "--child", "ci", ".", "--base", "main", "-q", "--format", "sarif", "-o",
            str(logs / "ci-stages.sarif"), "--cache-dir", str(cache)]  # fmt: skip
    t = time.perf_counter()
    done = subprocess.run(args, cwd=repo, capture_output=True, text=True, check=False, env=frozen_env())
    wall = time.perf_counter() - t
    last = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode not in (0, 1) or not last.startswith("{"):
        raise SystemExit(f"dupfinder failed (exit {done.returncode}):\n{done.stderr}")
    print(f"dupfinder ci --base main, one-file change, primed cache, stages (CPU s; wall {wall:.2f} s):")
    for name, seconds in json.loads(last).items():
        print(f"  {seconds:6.2f}  {name}")


def _profiled(repo: Path, cache: Path, logs: Path, top: int) -> None:
    from dupfinder.cli.app import main as dupfinder_main

    here = os.getcwd()
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
        os.chdir(here)
    print(f"dupfinder ci --base main, one-file change, primed cache: {time.perf_counter() - start:.1f} s "
          "(under cProfile)")  # fmt: skip
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        return _child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--top", type=int, default=25, help="functions to print")
    ap.add_argument("--repeat", type=int, default=0, help="plain timed runs after the profile (default: none)")
    ap.add_argument("--stages", action="store_true", help="also time the stages of one plain run")
    ap.add_argument("--no-profile", action="store_true", help="leave out the cProfile run")
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

    if args.stages:
        _stages(repo, primed, work / "cache-stages", logs)
    if not args.no_profile:
        _profiled(repo, cache, logs, args.top)
    if args.repeat > 0:
        runs = [run_ci(repo, primed, cache, f"profile-{k}", logs) for k in range(args.repeat)]
        best = median_run(runs)
        print(f"dupfinder ci --base main, one-file change, primed cache, {args.repeat} plain runs: median "
              f"{best.wall:.2f} s wall, {best.cpu:.2f} s CPU, peak {best.peak_mb:.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
