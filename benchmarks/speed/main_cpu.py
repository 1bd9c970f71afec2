"""A cold scan's CPU time in the main process, stage by stage (the workers' time is not in it).

    python benchmarks/speed/main_cpu.py [PATH] [--rounds 1] [--keep REPORT.json]

Runs ``dupfinder scan PATH --format json -o FILE --cache-dir EMPTY -q`` in this process, with the
main process's stages wrapped in CPU timers (``time.process_time``: this process's user and system
time, every thread of it, so the result thread that receives the workers' results counts where it
runs).  Prints each stage's CPU seconds (inclusive: a stage inside another counts in both), the
cyclic garbage collector's time (``gc.callbacks``) and the main process's total.  Unlike a sampling
profiler under load, a timer of CPU time does not count the time a thread waits to be scheduled;
on a busy machine the figures still move with the load (shared caches), so compare runs taken
close together.  Default PATH: the speed benchmark's full corpus.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from run import add_corpus_argument, no_corpus

#: (module, attribute path, label): the functions timed, outermost first
TIMED = (
    ("dupfinder.pipeline", "_gather", "per-file results gathered (receive, decode, cache writes)"),
    ("dupfinder.cache.store", "Cache.put_files", "  cache: file records written"),
    ("dupfinder.similarity.find", "_fresh_edges", "candidates and verification (main's share)"),
    ("dupfinder.similarity.verify", "Verifier.__init__", "  Verifier.__init__"),
    ("dupfinder.similarity.find", "_identity", "identity weights (_identity)"),
    ("dupfinder.similarity.find", "_judged_edges", "judged edges"),
    ("dupfinder.similarity.find", "_grouped", "clusters (_grouped)"),
    ("dupfinder.similarity.cluster", "_groups", "  coherent groups (_groups)"),
    ("dupfinder.pipeline", "find_block_clusters", "block clusters"),
    ("dupfinder.pipeline", "attach_code", "excerpts"),
    ("dupfinder.cache.store", "Cache.put_result", "cache: result written"),
    ("dupfinder.opportunities.enrich", "enrich", "enrich (main's share)"),
)


def _wrap(spent: Counter[str], label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    depth = [0]  # a recursive call is timed once

    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        depth[0] += 1
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            depth[0] -= 1
            if not depth[0]:
                spent[label] += time.process_time() - start

    return timed


def _count_collections(spent: Counter[str]) -> None:
    """The cyclic garbage collector's own CPU time, by generation collected."""
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            spent[f"garbage collector, generation {info['generation']}"] += time.process_time() - started[0]
            spent[f"collections of generation {info['generation']}"] += 1

    gc.callbacks.append(callback)


def install(spent: Counter[str]) -> None:
    _count_collections(spent)
    for module_name, attr, label in TIMED:
        owner: Any = importlib.import_module(module_name)
        *parents, name = attr.split(".")
        for p in parents:
            owner = getattr(owner, p)
        setattr(owner, name, _wrap(spent, label, getattr(owner, name)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--rounds", type=int, default=1, help="cold scans, one after the other (default 1)")
    ap.add_argument("--keep", type=Path, help="also keep the (last) JSON report here")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    from dupfinder.cli.app import cli

    spent: Counter[str] = Counter()
    install(spent)
    totals = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="dupfinder-main-cpu-") as tmp:
            start = time.process_time()
            argv_scan = ["scan", str(args.path), "--format", "json", "-o", str(Path(tmp) / "out.json"),
                         "--cache-dir", str(Path(tmp) / "cache"), "-q"]  # fmt: skip
            try:
                cli.main(argv_scan, standalone_mode=False)
            except SystemExit as exc:
                if exc.code not in (0, 1, None):
                    raise
            totals.append(time.process_time() - start)
            if args.keep is not None:
                shutil.copyfile(Path(tmp) / "out.json", args.keep)
    rounds = args.rounds
    print(f"main process CPU per cold scan (mean of {rounds}): {sum(totals) / rounds:.2f} s  "
          f"(each: {', '.join(f'{t:.2f}' for t in totals)})")  # fmt: skip
    for _, _, label in TIMED:
        print(f"  {spent[label] / rounds:7.2f}  {label}")
    for generation in range(3):
        label = f"garbage collector, generation {generation}"
        count = spent[f"collections of generation {generation}"] / rounds
        print(f"  {spent[label] / rounds:7.2f}  {label} (in all the stages above; {count:.0f} collections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
