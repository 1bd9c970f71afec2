#!/usr/bin/env python3
"""How many of jscpd 5's clone pairs a dupfinder report also holds, by the kind of dupfinder cluster.

    python benchmarks/clones/jscpd_recall.py DUPFINDER.json JSCPD-REPORT.json CORPUS

``DUPFINDER.json``: ``dupfinder scan CORPUS --format json``; ``JSCPD-REPORT.json``: jscpd 5's json
reporter on the same folder (paths relative to it, or absolute under it).  A jscpd pair counts as
held when one dupfinder cluster has a copy overlapping each side (same file, overlapping lines).
Pairs whose fragment is only strings, comments and docstrings (no code token) are left out, as are
pairs whose sides overlap each other and pairs in a file dupfinder did not analyse (listed in the
report's ``stats.skipped`` with its reason, e.g. an ignore rule for migrations or generated code).
Prints the recall overall, the share held by unit and by block clusters, and a sample of missed
pairs.  Standard library only.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

_LAYOUT = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENDMARKER, tokenize.ENCODING}  # fmt: skip


def code_free(fragment: str) -> bool:
    """Whether a Python fragment holds only strings, comments and layout (no name, number or operator)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(fragment).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []
        for line in fragment.splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith(("#", '"', "'")):
                return False
        return True
    return all(t.type in _LAYOUT for t in tokens)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dupfinder")
    ap.add_argument("jscpd")
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--show", type=int, default=15, help="missed pairs to print")
    a = ap.parse_args()
    report = json.loads(Path(a.dupfinder).read_text(encoding="utf-8"))
    spans: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)  # path -> (start, end, cluster, kind)
    for n, c in enumerate(report["clusters"]):
        for i in c["instances"]:
            spans[i["path"]].append((i["start_line"], i["end_line"], n, c.get("kind", "unit")))
    skipped = {s["path"] for s in report["stats"]["skipped"]}
    root = str(a.corpus.resolve()) + "/"
    prefix = a.corpus.resolve().name + "/"

    def rel(name: str) -> str:
        name = name[len(root) :] if name.startswith(root) else name
        # dupfinder's paths are relative to the corpus folder's parent when it scanned the folder itself
        return name if any(p.startswith(prefix) for p in spans) is False else prefix + name

    total = held = left_out = not_analysed = 0
    by_kind: dict[str, int] = defaultdict(int)
    missed: list[str] = []
    for d in json.loads(Path(a.jscpd).read_text(encoding="utf-8"))["duplicates"]:
        first, second = d["firstFile"], d["secondFile"]
        fa, fb = rel(first["name"]), rel(second["name"])
        sa = (first["startLoc"]["line"], first["endLoc"]["line"])
        sb = (second["startLoc"]["line"], second["endLoc"]["line"])
        if fa in skipped or fb in skipped:
            not_analysed += 1
            continue
        if code_free(d.get("fragment", "")) or (fa == fb and sa[0] <= sb[1] and sb[0] <= sa[1]):
            left_out += 1
            continue
        total += 1
        at_a = {(n, k) for s, e, n, k in spans.get(fa, ()) if s <= sa[1] and sa[0] <= e}
        at_b = {(n, k) for s, e, n, k in spans.get(fb, ()) if s <= sb[1] and sb[0] <= e}
        both = at_a & at_b
        if both:
            held += 1
            by_kind["unit" if any(k == "unit" for _, k in both) else "block"] += 1
        elif len(missed) < a.show:
            missed.append(f"  {fa}:{sa[0]}-{sa[1]}  ~  {fb}:{sb[0]}-{sb[1]}")
    print(f"jscpd 5 pairs with code: {total} ({left_out} left out: only strings/comments/docstrings, or self-overlap;"
          f" {not_analysed} in files dupfinder skips with a reason)")  # fmt: skip
    print(f"held by a dupfinder cluster: {held} ({held / max(total, 1):.3f})")
    for kind in ("unit", "block"):
        print(f"  by {kind} clusters: {by_kind[kind]} ({by_kind[kind] / max(total, 1):.3f})")
    if missed:
        print("missed (first ones):")
        print("\n".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
