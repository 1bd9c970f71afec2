#!/usr/bin/env python3
"""Whether the clusters of a judged sheet are still together in another dupfinder report.

    python benchmarks/clones/kept.py SHEET.json [SHEET.json...] --report REPORT.json

For every judged cluster (its copies less the ``loose`` ones), the share of its pairs of copies
that one cluster of REPORT still holds (a copy is held by a cluster with an instance in the same
file whose lines overlap it).  A genuine duplicate is *found* when at least one pair is held; a
coincidental one is *kept* when one is held by a unit cluster of the same pair.  Prints one line
per judged cluster and, per verdict, how many are found.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any


def _index(report: dict[str, Any]) -> dict[str, list[tuple[int, int, str, str]]]:
    by_path: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for c in report["clusters"]:
        for i in c["instances"]:
            by_path[i["path"]].append((i["start_line"], i["end_line"], c["id"], c.get("kind", "unit")))
    return by_path


def _holders(by_path: dict[str, list[tuple[int, int, str, str]]], copy: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (cid, kind)
        for start, end, cid, kind in by_path.get(copy["path"], ())
        if start <= copy["end_line"] and copy["start_line"] <= end
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sheets", nargs="+", type=Path)
    ap.add_argument("--report", type=Path, required=True)
    ap.add_argument("--quiet", action="store_true", help="only the totals")
    args = ap.parse_args()
    by_path = _index(json.loads(args.report.read_text(encoding="utf-8")))
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for sheet in args.sheets:
        for item in json.loads(sheet.read_text(encoding="utf-8"))["clusters"]:
            loose = set(item.get("loose", []))  # indices into copies
            copies = [c for n, c in enumerate(item["copies"]) if n not in loose]
            pairs = list(combinations(copies, 2))
            held = [_holders(by_path, a) & _holders(by_path, b) for a, b in pairs]
            share = sum(1 for h in held if h) / len(pairs) if pairs else 0.0
            units = sum(1 for h in held if any(kind == "unit" for _, kind in h))
            verdict = item["verdict"]
            total[verdict] += 1
            hit = share > 0 if verdict != "coincidental" else units > 0
            found[verdict] += hit
            if not args.quiet:
                print(f"{verdict:12} {'held' if hit else '----'} {share:4.2f} {item['copies'][0]['name']}")
    for verdict in sorted(total):
        print(f"{verdict}: {found[verdict]} of {total[verdict]} still together")


if __name__ == "__main__":
    main()
