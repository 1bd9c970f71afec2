"""Where a cold scan's time goes, in every process: py-spy samples summed by function and by stage.

    python benchmarks/speed/profile_cold.py [PATH] [--rate 50] [--keep FILE]
    python benchmarks/speed/profile_cold.py --raw FILE      # summarise an earlier recording

Records ``dupfinder scan PATH`` with an empty cache folder under ``py-spy record --subprocesses``
(``pip install -e '.[bench]'``), then prints

* the functions with the most samples of their own (the leaf of each stack), all processes together,
  in seconds at the sampling rate;
* the scan's stages in the main process (time it spent in each, not waiting for workers) and the
  workers' share per stage.

py-spy samples running code only, so a process that waits (the main one while workers parse, the
workers while the main one clusters) adds nothing; the wall time is printed beside.  Default PATH:
the speed benchmark's full corpus (``run.py --only-corpus`` builds it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--rate", type=int, default=50, help="samples a second (default 50)")
    ap.add_argument("--raw", type=Path, help="summarise this py-spy raw recording instead of recording one")
    ap.add_argument("--keep", type=Path, help="also keep the raw recording here")
    args = ap.parse_args(argv)
    if args.raw is not None:
        if not args.raw.is_file():
            print(f"{args.raw}: no such file", file=sys.stderr)
            return 2
        summarise(args.raw, args.rate, None)
        return 0
    if no_corpus(args.path):
        return 2
    spy = shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dupfinder-profile-") as tmp:
        raw = Path(tmp) / "raw.txt"
        cmd = [spy, "record", "--subprocesses", "--rate", str(args.rate), "--format", "raw", "--output", str(raw),
               "--", sys.executable, "-m", "dupfinder", "scan", str(args.path), "--cache-dir", str(Path(tmp) / "cache"),
               "-q", "--format", "json", "-o", str(Path(tmp) / "report.json")]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0 or not raw.is_file():
            print(f"py-spy failed ({done.returncode}): {done.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        if args.keep is not None:
            shutil.copyfile(raw, args.keep)
        summarise(raw, args.rate, wall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
