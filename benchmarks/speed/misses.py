"""Which of jscpd 5's clone pairs no dupfinder cluster holds, and where they lie in the code.

    python benchmarks/speed/misses.py        # after benchmarks/speed/run.py (reads work/logs)

For each missed pair, each side is classed by Python's ``ast``: a whole function (80 % of it or
more), part of one function, code spanning several functions or class/module code, or code
outside any function. dupfinder's units are functions and methods, so the last three are
outside what it compares.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import Counter
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the benchmark script beside this one)

CORPUS = run.FULL_CORPUS
LOGS = HERE / "work" / "logs"


@cache
def functions(path: str) -> tuple[tuple[int, int], ...]:
    try:
        tree = ast.parse((CORPUS / path).read_bytes())
    except (SyntaxError, ValueError, OSError):
        return ()
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return tuple((n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree) if isinstance(n, kinds))


def kind(side: tuple[str, int, int]) -> str:
    path, start, end = side
    inside = [(s, e) for s, e in functions(path) if s <= start and end <= e]
    if not inside:
        overlapping = any(s <= end and start <= e for s, e in functions(path))
        return "several functions or class/module code" if overlapping else "outside any function"
    s, e = min(inside, key=lambda f: f[1] - f[0])
    return "whole function" if end - start + 1 >= 0.8 * (e - s + 1) else "part of a function"


def main() -> int:
    report_file, jscpd_file = LOGS / "dupfinder-full-cold.json", LOGS / "jscpd5-full" / "jscpd-report.json"
    if not report_file.exists() or not jscpd_file.exists():
        print("run benchmarks/speed/run.py first", file=sys.stderr)
        return 2
    report = json.loads(report_file.read_text())
    pairs = run.jscpd_pairs(json.loads(jscpd_file.read_text())["duplicates"], CORPUS)
    where: dict[str, list[tuple[int, int, int]]] = {}
    for n, cluster in enumerate(report["clusters"]):
        for inst in cluster["instances"]:
            where.setdefault(inst["path"], []).append((inst["start_line"], inst["end_line"], n))

    def clusters_at(path: str, start: int, end: int) -> set[int]:
        return {c for s, e, c in where.get(path, ()) if s <= end and start <= e}

    missed = [(a, b) for a, b in pairs if not clusters_at(*a) & clusters_at(*b)]
    short = sum(1 for a, b in missed if min(a[2] - a[1], b[2] - b[1]) + 1 < 10)
    print(f"jscpd 5 pairs: {len(pairs)}; in no dupfinder cluster: {len(missed)}, of which under 10 lines: {short}")
    for (x, y), count in Counter(tuple(sorted((kind(a), kind(b)))) for a, b in missed).most_common():
        print(f"  {count:5d}  {x} / {y}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
