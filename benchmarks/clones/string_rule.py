#!/usr/bin/env python3
"""How many of jscpd 5's missed verbatim string-heavy pairs a block rule for strings could hold at most.

    python benchmarks/clones/jscpd_recall.py DUPFINDER.json JSCPD.json CORPUS --misses MISSES.jsonl
    python benchmarks/clones/string_rule.py MISSES.jsonl CORPUS

The rule weighed: a verbatim stretch (identifiers and literals equal on both sides) of at least
``--lines`` lines, long strings counting by the lines they span, with at least ``--code`` code
tokens (dupfinder's tokens other than literals) around the strings.  For each missed pair that
``miss_kinds.py`` calls string-heavy and verbatim (and no import list), dupfinder's own token
streams of the two files (one scan of CORPUS) give the maximal run of equal raw tokens inside the
first side's lines, trimmed to whole lines as block regions are; the pair is counted by

* lines: from the run's first token's line to the line before the token after the run (a string
  that ends the run spans its lines), at most the fragment's last line; ``>= --lines`` or not;
* code tokens in the run: ``>= --code`` or not;
* seeded: whether a winnowed fingerprint of today's block stage (``K``-token windows, in at most
  ``MAX_PLACES`` places) lies inside the run, so that the run is extended at all; a rule on the
  regions alone adds only seeded pairs, the others need new fingerprints (shorter windows).

Prints the counts and the recall ceiling: the pairs held today plus every pair the rule could hold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import TokenStream
from dupfinder.pipeline import scan_discovered
from dupfinder.similarity import blocks as B
from dupfinder.similarity.normalize import LITERAL_PLACEHOLDER, token_hash

sys.path.insert(0, str(Path(__file__).parent))
from miss_kinds import side

_LITERAL = token_hash(LITERAL_PLACEHOLDER)


def streams_of(corpus: Path) -> dict[str, B.Stream]:
    """dupfinder's token stream of every file of ``corpus`` it analyses, by path relative to it."""
    got: dict[str, TokenStream] = {}
    config = ScanConfig()
    here = Path.cwd()
    os.chdir(corpus.parent)
    try:
        scan_discovered(discover([corpus.name], config), config, streams_out=got)
    finally:
        os.chdir(here)
    out = {}
    for path, t in got.items():  # paths relative to the scanned folder
        out[path] = B.Stream(path, "python", np.frombuffer(t.norm, dtype="<u4"), np.frombuffer(t.raw, dtype="<u4"),
                            np.frombuffer(t.lines, dtype="<u4"))  # fmt: skip
    return out


def run_in(a: B.Stream, b: B.Stream, la: tuple[int, int], lb: tuple[int, int]) -> tuple[int, int, int] | None:
    """The longest run of equal raw tokens with a start inside both fragments, trimmed to whole lines:
    (start in a, start in b, length), or None."""
    ia = np.flatnonzero((a.lines >= la[0]) & (a.lines <= la[1]))
    ib = np.flatnonzero((b.lines >= lb[0]) & (b.lines <= lb[1]))
    best: tuple[int, int, int] | None = None
    where_b: dict[int, list[int]] = {}
    for j in ib.tolist():
        where_b.setdefault(int(b.raw[j]), []).append(j)
    seen: set[int] = set()
    for i in ia.tolist():
        for j in where_b.get(int(a.raw[i]), ()):
            if i - j in seen:
                continue
            seen.add(i - j)
            sa, sb, n = B.extend(a.raw, b.raw, i, j)
            ta, tb = B.whole_lines(a, sa, sa + n), B.whole_lines(b, sb, sb + n)
            if ta is None or tb is None:
                continue
            lo, hi = max(ta[0] - sa, tb[0] - sb), min(ta[1] - sa, tb[1] - sb)
            if hi > lo and (best is None or hi - lo > best[2]):
                best = (sa + lo, sb + lo, hi - lo)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("misses", type=Path, help="jscpd_recall.py --misses output")
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--lines", type=int, default=6)
    ap.add_argument("--code", type=int, default=20)
    ap.add_argument("--held", type=int, default=None, help="pairs held today (jscpd_recall.py), for the ceiling")
    ap.add_argument("--pairs", type=int, default=None, help="jscpd 5 pairs with code (jscpd_recall.py)")
    a = ap.parse_args()
    streams = streams_of(a.corpus.resolve())
    hashes, _, owner, position = B.fingerprints(list(streams.values()))
    number = {p: k for k, p in enumerate(streams)}
    _, counts = np.unique(hashes, return_counts=True)
    places = np.repeat(counts, counts)  # rows are sorted by hash: each row's hash's number of places
    counted: Counter[tuple[str, str, str]] = Counter()
    skipped: Counter[str] = Counter()
    for line in a.misses.read_text(encoding="utf-8").splitlines():
        m = json.loads(line)
        la, _, strings = side(a.corpus / m["a"], *m["a_lines"])
        lb, _, _ = side(a.corpus / m["b"], *m["b_lines"])
        if 2 * sum(x.startswith(("import ", "from ")) for x in la) >= len(la) or strings < 0.5 or la[1:-1] != lb[1:-1]:
            continue
        if m["a"] not in streams or m["b"] not in streams:
            skipped["file not analysed"] += 1
            continue
        sa, sb = streams[m["a"]], streams[m["b"]]
        run = run_in(sa, sb, tuple(m["a_lines"]), tuple(m["b_lines"]))
        if run is None:
            skipped["no equal run on whole lines"] += 1
            continue
        start, _, n = run
        stop = start + n
        last = int(sa.lines[stop]) - 1 if stop < len(sa) else int(sa.lines[-1])
        lines = min(max(last, int(sa.lines[stop - 1])), m["a_lines"][1]) - int(sa.lines[start]) + 1
        code = int((sa.norm[start:stop] != _LITERAL).sum())
        k = number[m["a"]]
        inside = (owner == k) & (position >= start) & (position + B.K <= stop) & (places <= B.MAX_PLACES)
        counted[(
            f">= {a.lines} lines" if lines >= a.lines else f"< {a.lines} lines",
            f">= {a.code} code tokens" if code >= a.code else f"< {a.code} code tokens",
            "seeded" if inside.any() else "not seeded",
        )] += 1  # fmt: skip
    total = sum(counted.values()) + sum(skipped.values())
    print(f"verbatim string-heavy misses: {total}")
    for key, n in sorted(counted.items()):
        print(f"  {', '.join(key)}: {n}")
    for why, n in sorted(skipped.items()):
        print(f"  {why}: {n}")
    could = sum(n for (ln, code, _), n in counted.items() if ln.startswith(">=") and code.startswith(">="))
    seeded = counted[(f">= {a.lines} lines", f">= {a.code} code tokens", "seeded")]
    print(f"the rule could hold at most {could} ({seeded} with today's fingerprints)")
    if a.held is not None and a.pairs:
        print(f"recall ceiling: {(a.held + could) / a.pairs:.3f} ({a.held} + {could} of {a.pairs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
