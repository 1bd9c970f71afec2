#!/usr/bin/env python3
"""How alike the members of the biggest clusters are: cluster size against mean pairwise similarity.

A cluster is only useful to a reader when its members are copies of one
piece of code.  This scans PATHS (as ``dupfinder scan`` does, same cache)
and, for the biggest clusters, prints their size, how many distinct unit
names they hold, and the verified similarity of every pair of members (a
sample of 5,000 pairs for big ones): mean, 10th percentile, median and the
share of pairs at or above the threshold.  It is how ``--member-similarity``
was judged on real code against BigCloneBench (``benchmarks/README.md``)::

    python benchmarks/cohesion.py benchmarks/speed/work/corpus/full/Django-5.1.4
    python benchmarks/cohesion.py benchmarks/speed/work/corpus/full/Django-5.1.4 --member-similarity 0.33
    python benchmarks/cohesion.py ../shared/bigclonebench/functions --member-similarity 0.33
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Sequence

import numpy as np

from dupfinder.config import DEFAULT_MIN_TOKENS, DEFAULT_THRESHOLD, ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Unit
from dupfinder.pipeline import scan_discovered
from dupfinder.similarity.verify import Verifier

SAMPLE = 5_000  #: member pairs scored per cluster at most


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--member-similarity", type=float, default=None)
    ap.add_argument("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS)
    ap.add_argument("--top", type=int, default=10, help="how many of the biggest clusters to show")
    ap.add_argument("--cache-dir", help="dupfinder's cache folder (default: none)")
    args = ap.parse_args(argv)

    config = ScanConfig(threshold=args.threshold, member_similarity=args.member_similarity, min_tokens=args.min_tokens)
    units: list[Unit] = []
    result = scan_discovered(discover(args.paths, config), config, cache_dir=args.cache_dir, units_out=units)
    where = {(u.path, u.start_line, u.end_line): k for k, u in enumerate(units)}
    verifier = Verifier(units)
    rng = random.Random(0)
    sizes = sorted((len(c.instances) for c in result.clusters), reverse=True)
    print(f"{len(result.clusters)} clusters, {sum(sizes)} copies; --threshold {config.threshold:g} "
          f"--member-similarity {config.member_floor:g}")  # fmt: skip
    print("| copies | distinct names | mean similarity | 10th pct | median | pairs >= threshold | representative |")
    print("|---|---|---|---|---|---|---|")
    for c in sorted(result.clusters, key=lambda c: (-len(c.instances), c.id))[: args.top]:
        ids = [k for i in c.instances if (k := where.get((i.path, i.start_line, i.end_line))) is not None]
        pairs = list(itertools.combinations(ids, 2))
        if len(pairs) > SAMPLE:
            pairs = rng.sample(pairs, SAMPLE)
        a = np.array([p[0] for p in pairs], dtype=np.int64)
        b = np.array([p[1] for p in pairs], dtype=np.int64)
        sims = verifier.similarities(a, b)
        names = len({(i.name or "").rsplit(".", 1)[-1] for i in c.instances})
        spread = f"{sims.mean():.3f} | {np.quantile(sims, 0.1):.3f} | {np.quantile(sims, 0.5):.3f}"
        close = (sims >= config.threshold).mean()
        print(f"| {len(c.instances)} | {names} | {spread} | {close:.0%} | {c.instances[0].name} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
