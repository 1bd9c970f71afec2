"""Where a rescan's time goes: a warm scan (nothing changed) and one after a one-file change, by stage.

    python benchmarks/speed/rescan.py [PATH] [--runs 2]

Fills an empty cache folder with a cold ``dupfinder scan PATH``, then runs the same scan again
(warm), makes ``run.py``'s one-file change (a renamed, edited copy of a function appended to one
file; the file is restored afterwards) and scans once more, ``--runs`` times each (the change is
undone and the cache folder copied back between runs, so every run is the same rescan).  Each timed
scan is a fresh process that wraps the scan's stages with timers and prints the seconds spent in
each (a stage called inside another counts in both), its wall time from start to exit, and the
time to import dupfinder.  Stages a version of dupfinder does not have are left out
(``PYTHONPATH=<a worktree>/src`` times an older one).  Default PATH: the speed benchmark's full
corpus (``run.py --only-corpus`` builds it).  Run it on a quiet machine: it prints wall times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import CHANGED_FILE, add_corpus_argument, change_one_file, no_corpus  # the benchmark script beside this one

#: (module, attribute) of the functions timed, in the order a rescan reaches them
STAGES = (
    ("dupfinder.pipeline", "discover"),
    ("dupfinder.pipeline", "_file_keys"),
    ("dupfinder.cache:Cache", "get_result"),
    ("dupfinder.cache:Cache", "get_files"),
    ("dupfinder.cache", "decode"),
    ("dupfinder.pipeline", "find_clusters"),
    ("dupfinder.cache:Cache", "get_snapshot"),
    ("dupfinder.cache:Cache", "put_snapshot"),
    ("dupfinder.pipeline", "build_clusters"),
    ("dupfinder.similarity.cluster", "_component_key"),  # before commit 8c9af36: one call per component
    ("dupfinder.similarity.cluster", "_component_keys"),
    ("dupfinder.similarity.cluster", "_groups"),
    ("dupfinder.pipeline", "attach_code"),
    ("dupfinder.cache:Cache", "put_result"),
    ("dupfinder.workflow", "enrich_result"),
    ("dupfinder.opportunities.enrich", "_categories"),
    ("dupfinder.opportunities.enrich", "rank_opportunities"),
    ("dupfinder.cli.app", "emit"),
)


def _child(argv: list[str]) -> int:
    """In a fresh process: wrap the stages with timers, run ``dupfinder scan``, print the times as JSON."""
    import atexit
    import functools
    import importlib

    start = time.perf_counter()
    from dupfinder.cli import app as cli

    imported = time.perf_counter() - start
    spent: dict[str, float] = {}

    for target, name in STAGES:
        module_name, _, cls = target.partition(":")
        owner = getattr(importlib.import_module(module_name), cls) if cls else importlib.import_module(module_name)
        original = getattr(owner, name, None)
        if original is None:  # a stage another version of dupfinder does not have
            continue

        def timed(*args: object, _f=original, _name=name, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.perf_counter() - t

        setattr(owner, name, functools.wraps(original)(timed))

    def report() -> None:
        print(json.dumps({"import": imported, "total": time.perf_counter() - start, **spent}), file=sys.stderr)

    atexit.register(report)
    sys.argv = ["dupfinder", *argv]
    return cli.main()  # type: ignore[no-any-return]


def _timed_scan(corpus: Path, cache: Path, out: Path) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", "scan", str(corpus), "--cache-dir", str(cache), "-q",
            "--format", "json", "-o", str(out)]  # fmt: skip
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    last = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode not in (0, 1) or not last.startswith("{"):
        raise SystemExit(f"dupfinder failed (exit {done.returncode}):\n{done.stderr}")
    times: dict[str, float] = json.loads(last)
    times["wall"] = wall
    return times


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        return _child(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--runs", type=int, default=2, help="timed scans of each kind (default: %(default)s)")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    if not (args.path / CHANGED_FILE).is_file():
        print(f"{args.path}: has no {CHANGED_FILE} to change", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dupfinder-rescan-") as tmp:
        work = Path(tmp)
        filled, out = work / "filled", work / "report.json"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dupfinder", "scan", str(args.path), "--cache-dir", str(filled), "-q",
                        "--format", "json", "-o", str(out)], check=False)  # fmt: skip
        print(f"cold scan (fills the cache): {time.perf_counter() - t:.1f} s")
        results: dict[str, list[dict[str, float]]] = {"warm": [], "one-file change": []}
        for _ in range(args.runs):
            cache = work / "cache"
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(filled, cache)
            results["warm"].append(_timed_scan(args.path, cache, out))
            target, old = change_one_file(args.path)
            try:
                results["one-file change"].append(_timed_scan(args.path, cache, out))
            finally:
                target.unlink()
                target.write_bytes(old)
    names = ["wall", "total", "import"] + [name for _, name in STAGES]
    print(f"{'stage (s)':24s}" + "".join(f"{kind:>24s}" for kind in results))
    for name in names:
        cells = []
        for runs in results.values():
            values = [r[name] for r in runs if name in r]
            cells.append(" / ".join(f"{v:.2f}" for v in values) if values else "-")
        print(f"{name:24s}" + "".join(f"{c:>24s}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
