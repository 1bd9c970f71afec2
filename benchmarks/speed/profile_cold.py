"""Where a cold scan's time goes, in every process: py-spy samples summed by function and by stage.

    python benchmarks/speed/profile_cold.py [PATH] [--rate 50] [--keep FILE] [--src SRC ...]
    python benchmarks/speed/profile_cold.py --raw FILE      # summarise an earlier recording
    python benchmarks/speed/profile_cold.py [PATH] --reference

Records ``dupfinder scan PATH`` with an empty cache folder under ``py-spy record --subprocesses``
(``pip install -e '.[bench]'``), then prints

* the functions with the most samples of their own (the leaf of each stack), all processes together,
  in seconds at the sampling rate;
* the scan's stages in the main process (time it spent in each, not waiting for workers) and the
  workers' share per stage.

py-spy samples running code only, so a process that waits (the main one while workers parse, the
workers while the main one clusters) adds nothing; the wall time is printed beside.  Default PATH:
the speed benchmark's full corpus (``run.py --only-corpus`` builds it).

``--src SRC`` (repeatable): record the dupfinder imported from each ``src`` folder in turn
(``PYTHONPATH``; e.g. the ``src`` of a ``git archive`` of an older commit), in the order given, each
summarised; ``--rounds N`` records them N times, alternating the order.

``--reference``: in this process, the per-file stage's parts over every Python file of PATH against
what a compiled walk could not go below, in CPU seconds: tree-sitter's parse alone, a bare leaf
walk in Python over those trees (a ``TreeCursor`` visiting every node, reading each leaf's type and
span), dupfinder's structure pass (parse and query), its token stream, ``analyse_file`` (read,
decode, structure, tokens, units) and the whole per-file stage (``_analyse_batch``: with the block
fingerprints, MinHash signatures and cache records), on one core.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from run import add_corpus_argument, no_corpus  # the benchmark script beside this one

#: functions whose time is reported as a stage, outermost first
STAGES = (
    "discover",
    "_analysed",
    "_analyse_batch",
    "signatures_of",
    "Verifier.__init__",
    "_verify_span",
    "build_clusters",
    "Identity.__init__",
    "_judged_edges",
    "_groups",
    "find_block_clusters",
    "Cache.put_files",
    "Cache.put_snapshot",
    "attach_code",
    "Cache.put_result",
    "_categorize_sketches",
    "enrich",
    "emit",
)
_FRAME = re.compile(r"^(?P<fn>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def _parse(raw: Path) -> tuple[Counter[str], Counter[tuple[str, str]], int]:
    """(own samples per function, samples per (process, stage), all samples) of a py-spy raw file."""
    own: Counter[str] = Counter()
    stages: Counter[tuple[str, str]] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        # the workers of a process pool run their tasks under _process_worker
        process = "worker" if "_process_worker (" in stack else "main"
        names = []
        for frame in frames:
            m = _FRAME.match(frame)
            names.append(f"{m['fn']} ({Path(m['file']).name})" if m else frame)
        own[names[-1]] += n
        # the innermost stage (a forked worker's stack starts with the frames of the main process)
        found = next((name.split(" ")[0] for name in reversed(names) if name.split(" ")[0] in STAGES), "other")
        stages[(process, found)] += n
    return own, stages, total


def summarise(raw: Path, rate: int, wall: float | None) -> None:
    own, stages, total = _parse(raw)
    if wall is not None:
        print(f"wall {wall:.1f} s; samples {total} ({total / rate:.1f} s of running code, all processes)")
    print("\nown time by function, all processes (s):")
    for name, n in own.most_common(15):
        print(f"  {n / rate:7.2f}  {name}")
    print("\nby stage (s):          main  workers")
    for stage in (*STAGES, "other"):
        main, workers = stages.get(("main", stage), 0), stages.get(("worker", stage), 0)
        if main or workers:
            print(f"  {stage:22s} {main / rate:6.2f}  {workers / rate:6.2f}")


def _leaf_walk(tree: object) -> int:
    """Visit every node of a tree-sitter tree with a cursor; the number of leaves (their type and
    span read, as any token walk must)."""
    cursor = tree.walk()  # type: ignore[attr-defined]
    leaves = 0
    while True:
        if cursor.goto_first_child():
            continue
        node = cursor.node
        node.type, node.start_byte, node.end_byte  # noqa: B018 - read as a token walk reads them
        leaves += 1
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return leaves


def reference(path: Path) -> None:
    """The per-file stage's parts against a bare parse and leaf walk (CPU s, this process)."""
    from dupfinder.analyse.batch import _analyse_batch, _Batch
    from dupfinder.analyse.file import analyse_file
    from dupfinder.config import ScanConfig
    from dupfinder.discover.walk import discover
    from dupfinder.languages.python_tokens import file_tokens
    from dupfinder.languages.python_treesitter import _parser, parse_structure

    config = ScanConfig(jobs=1)
    files = [f for f in discover([str(path)], config).files if f.language == "python"]
    datas = [Path(f.abspath).read_bytes() for f in files]
    texts = [d.decode("utf-8", "replace") for d in datas]
    parser = _parser()

    def timed(label: str, work: Callable[[], object]) -> float:
        start = time.process_time()
        work()
        spent = time.process_time() - start
        print(f"  {spent:7.2f}  {label}", flush=True)
        return spent

    print(f"{len(files)} Python files, {sum(map(len, datas)) / 1e6:.1f} MB; CPU s, one process:")
    trees: list[object] = []
    parse = timed("tree-sitter parse alone", lambda: trees.extend(parser.parse(d) for d in datas))
    leaves: list[int] = []
    walk = timed("bare leaf walk of those trees (Python cursor)", lambda: leaves.extend(map(_leaf_walk, trees)))
    trees.clear()
    timed("parse_structure (parse, query, units' structure)", lambda: [parse_structure(t) for t in texts])
    timed("file_tokens (token stream: regex, normalised and raw hashes)", lambda: [file_tokens(t) for t in texts])
    timed("analyse_file (read, decode, structure, tokens, units)", lambda: [analyse_file(f, config) for f in files])
    batches = [_Batch(tuple(files[k : k + 64]), (None,) * len(files[k : k + 64]), config, True)
               for k in range(0, len(files), 64)]  # fmt: skip
    whole = timed("the whole per-file stage (_analyse_batch: analyse_file, block fingerprints, MinHash, records)",
                  lambda: [_analyse_batch(b) for b in batches])  # fmt: skip
    print(f"  {sum(leaves):,} leaves; the per-file stage is {whole / (parse + walk):.1f}x parse + walk, "
          f"{whole / parse:.1f}x the parse alone")  # fmt: skip


def _record(spy: str, src: Path | None, path: Path, rate: int, keep: Path | None) -> int:
    env = dict(os.environ, PYTHONPATH=str(src.resolve())) if src is not None else None
    with tempfile.TemporaryDirectory(prefix="dupfinder-profile-") as tmp:
        raw = Path(tmp) / "raw.txt"
        cmd = [spy, "record", "--subprocesses", "--rate", str(rate), "--format", "raw", "--output", str(raw),
               "--", sys.executable, "-m", "dupfinder", "scan", str(path), "--cache-dir", str(Path(tmp) / "cache"),
               "-q", "--format", "json", "-o", str(Path(tmp) / "report.json")]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        wall = time.perf_counter() - start
        if done.returncode != 0 or not raw.is_file():
            print(f"py-spy failed ({done.returncode}): {done.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        if keep is not None:
            shutil.copyfile(raw, keep)
        print(f"\n== {src if src is not None else 'this checkout'} (load average {os.getloadavg()[0]:.2f})")
        summarise(raw, rate, wall)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--rate", type=int, default=50, help="samples a second (default 50)")
    ap.add_argument("--raw", type=Path, help="summarise this py-spy raw recording instead of recording one")
    ap.add_argument("--keep", type=Path, help="also keep the raw recording here (of the last one recorded)")
    ap.add_argument("--src", type=Path, action="append", help="a src folder to import dupfinder from (repeatable)")
    ap.add_argument("--rounds", type=int, default=1, help="with --src: record each this many times, alternating")
    ap.add_argument("--reference", action="store_true", help="time the per-file stage against a bare parse + walk")
    args = ap.parse_args(argv)
    if args.raw is not None:
        if not args.raw.is_file():
            print(f"{args.raw}: no such file", file=sys.stderr)
            return 2
        summarise(args.raw, args.rate, None)
        return 0
    if no_corpus(args.path):
        return 2
    if args.reference:
        reference(args.path)
        return 0
    spy = shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    sources: list[Path | None] = list(args.src) if args.src else [None]
    for k in range(max(1, args.rounds)):
        for src in sources if k % 2 == 0 else sources[::-1]:
            if _record(spy, src, args.path, args.rate, args.keep):
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
