#!/usr/bin/env python3
"""Draw a seeded sample of a dupfinder JSON report's clusters, print each copy's code, write a sheet.

    python benchmarks/clones/sample.py REPORT.json ROOT -n 40 --seed 17 --kind production -o SHEET.json

``ROOT`` is the folder that was scanned.  ``--kind production`` keeps clusters none of whose copies
lies in test, docs, example or benchmark code (decided here by path, independently of dupfinder, so
that the same rule draws the sample before and after a change); ``--kind tests`` keeps clusters with
at least one such copy; ``--kind all`` keeps every cluster.  Clusters are sorted by id before the
seeded draw.  The sheet has one entry per sampled cluster, with ``verdict`` (genuine | debatable |
coincidental), ``reason`` (one line) and ``loose`` (copies that do not belong with the others) to
fill in by reading the code.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
from pathlib import Path

signal.signal(signal.SIGPIPE, signal.SIG_DFL)

#: test, docs, example and benchmark code, by path
NOT_PRODUCTION = re.compile(
    r"(^|/)(tests?|testing|spec|__tests__|docs?|examples?|benchmarks?|bench)/"
    r"|(^|/)test_[^/]*$|_tests?\.py$|(^|/)conftest\.py$|\.(test|spec)\.[jt]sx?$"
)


def is_production(path: str) -> bool:
    return NOT_PRODUCTION.search(path) is None


def keep(cluster: dict, kind: str) -> bool:
    prod = [is_production(i["path"]) for i in cluster["instances"]]
    if kind == "production":
        return all(prod)
    if kind == "tests":
        return not all(prod)
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("root")
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--kind", choices=["production", "tests", "all"], default="production")
    ap.add_argument("--max-copies", type=int, default=6)
    ap.add_argument("--max-lines", type=int, default=60)
    ap.add_argument("-o", "--sheet")
    a = ap.parse_args()
    report = json.loads(Path(a.report).read_text(encoding="utf-8"))
    clusters = sorted((c for c in report["clusters"] if keep(c, a.kind)), key=lambda c: c["id"])
    sample = random.Random(a.seed).sample(clusters, min(a.n, len(clusters)))
    print(f"# {len(sample)} of {len(clusters)} {a.kind} clusters (of {len(report['clusters'])}), seed {a.seed}")
    sheet = []
    for k, c in enumerate(sample, 1):
        teams = sorted({str(i.get("team")) for i in c["instances"]})
        print(f"=== {k}/{len(sample)} cluster {c['id']}  similarity {c.get('similarity')}  "
              f"{len(c['instances'])} copies  teams {', '.join(teams)}")  # fmt: skip
        for n, i in enumerate(c["instances"][: a.max_copies]):
            print(f"--- [{n}] {i['path']}:{i['start_line']}-{i['end_line']}  {i.get('name')}  [{i.get('team')}]")
            try:
                lines = (Path(a.root) / i["path"]).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError as exc:
                print(f"    (cannot read: {exc})")
                continue
            body = lines[i["start_line"] - 1 : i["end_line"]]
            for line_no, line in enumerate(body[: a.max_lines], i["start_line"]):
                print(f"{line_no:6} | {line}")
            if len(body) > a.max_lines:
                print(f"       ... {len(body) - a.max_lines} more lines")
        if len(c["instances"]) > a.max_copies:
            print(f"--- ... {len(c['instances']) - a.max_copies} more copies")
        sheet.append({
            "cluster": c["id"],
            "similarity": c.get("similarity"),
            "copies": [{key: i.get(key) for key in ("path", "start_line", "end_line", "name", "team")}
                       for i in c["instances"]],
            "verdict": "", "reason": "", "loose": [],
        })  # fmt: skip
    if a.sheet:
        Path(a.sheet).write_text(json.dumps({
            "report": Path(a.report).name, "seed": a.seed, "kind": a.kind, "n": len(sample),
            "of": len(clusters), "verdicts": "genuine | debatable | coincidental", "clusters": sheet,
        }, indent=1) + "\n", encoding="utf-8")  # fmt: skip
        print(f"sheet: {a.sheet}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
