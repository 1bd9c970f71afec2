"""Where a cold scan's time goes, stage by stage, on one corpus (default: the speed benchmark's).

    python benchmarks/speed/stages.py [PATH] [--sample 300000]

Times tree-sitter-python's parse of every Python file alone (one process), parses the corpus
once (all cores, no cache), then measures on the same units:

* the candidate pairs of the LSH index with the feature sets dupfinder uses (3-shingles and
  identifier words) and with 3-shingles alone (what the index hashed before), and how many of
  the verified pairs of a random sample of the shingle-only candidates the word index still
  returns, by similarity;
* the share of candidates the vectorised upper bound drops, and the time per pair of the bound
  and of the exact scores;
* verification's steps on every candidate: how many pass the bound, how many the exact
  vocabulary part with the bigram-count bound, how many are verified;
* the similarity half (``find_clusters``) and enrichment (teams, categories, ranking) timed.

Run it on a quiet machine: it prints wall times.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from run import add_corpus_argument, no_corpus

from dupfinder.analyse.batch import analyse_all
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.languages.python_treesitter import _parser as python_parser
from dupfinder.model import TeamOptions, Unit
from dupfinder.pipeline import enrich_result, with_rules
from dupfinder.rules.loading import load_ruleset
from dupfinder.similarity import signatures
from dupfinder.similarity.find import find_clusters
from dupfinder.similarity.index import Bands, lsh_params, lsh_threshold
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import Verifier


def candidates(sigs: np.ndarray, threshold: float) -> np.ndarray:
    b, r = lsh_params(lsh_threshold(threshold), sigs.shape[1])
    bands = Bands(sigs, b, r)
    return bands.pairs_from(0, bands.n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--sample", type=int, default=300_000, help="shingle-only candidates verified for recall")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    rules = load_ruleset(paths=[str(args.path)])
    config = with_rules(ScanConfig(), rules)

    t = time.perf_counter()
    files = discover([str(args.path)], config).files
    sources = [Path(f.abspath).read_bytes() for f in files if f.language == "python"]
    parser = python_parser()
    t_parse = time.perf_counter()
    for source in sources:
        parser.parse(source)
    print(f"tree-sitter-python parse alone, one process: {len(sources)} files, "
          f"{time.perf_counter() - t_parse:.1f} s")  # fmt: skip
    t = time.perf_counter()
    results = list(analyse_all(files, config))
    units = [u for r in results for u in r.units]
    print(f"per-file stage: {len(files)} files, {len(units)} units, {time.perf_counter() - t:.1f} s")

    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, u in enumerate(units):
        groups[(u.language, u.fingerprint)].append(n)
    reps: list[Unit] = [units[groups[k][0]] for k in sorted(groups)]
    n = len(reps)
    streams = [u.token_hashes for u in reps]
    words = [vocabulary(u.identifiers) for u in reps]
    t = time.perf_counter()
    with_words = signatures.signatures_of(streams, config.shingle, config.num_perm, words=words)
    print(f"signatures of {n} distinct units: {time.perf_counter() - t:.1f} s")
    shingles_only = signatures.signatures_of(streams, config.shingle, config.num_perm)

    t = time.perf_counter()
    new = candidates(with_words, config.threshold)
    print(f"candidates, shingles + words (dupfinder): {len(new):,} ({time.perf_counter() - t:.1f} s)")
    old = candidates(shingles_only, config.threshold)
    print(f"candidates, shingles alone:               {len(old):,}")

    verifier = Verifier(reps)
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(old, min(args.sample, len(old)), replace=False))
    a, b = sample // n, sample % n
    t = time.perf_counter()
    bound = verifier.bound(a, b)
    t_bound = time.perf_counter() - t
    t = time.perf_counter()
    sims = verifier.similarities(a, b)
    t_exact = time.perf_counter() - t
    verified = sims >= config.threshold
    assert (bound[verified] >= sims[verified] - 1e-12).all()
    dropped = bound < config.threshold - 1e-9
    print(f"sample of {len(sample):,} shingle-only candidates: {int(verified.sum())} verified; "
          f"the bound drops {dropped.mean():.1%} ({1e6 * t_bound / len(sample):.2f} us a pair, "
          f"exact scores {1e6 * t_exact / len(sample):.2f} us a pair)")  # fmt: skip
    kept = np.isin(sample[verified], new)
    for lo, hi in ((0.5, 0.55), (0.55, 0.6), (0.6, 0.7), (0.7, 1.01)):
        band = (sims[verified] >= lo) & (sims[verified] < hi)
        if band.any():
            print(f"  verified at {lo:.2f}-{min(hi, 1):.2f}: {int(band.sum())}, "
                  f"still candidates with words: {kept[band].mean():.0%}")  # fmt: skip

    # verification's three steps on every candidate of the word index (Verifier.at_least)
    a, b = new // n, new % n
    t = time.perf_counter()
    first = np.flatnonzero(verifier.bound(a, b) >= config.threshold - 1e-9)
    t_first = time.perf_counter() - t
    x, y = a[first], b[first]
    second = 0
    for lo in range(0, len(x), 65_536):
        xs, ys = x[lo : lo + 65_536], y[lo : lo + 65_536]
        ids = verifier._identifiers(xs, ys)
        structure = verifier._structure_bound(xs, ys, verifier.lengths[xs], verifier.lengths[ys])
        bound = verifier.weight * ids + (1 - verifier.weight) * structure
        second += int((bound >= config.threshold - 1e-9).sum())
    t = time.perf_counter()
    kept, _ = verifier.at_least(a, b, config.threshold)
    print(f"verification of {len(new):,} candidates: {len(first):,} pass the bound ({t_first:.1f} s), "
          f"{second:,} the exact vocabulary with the bigram bound, {len(kept):,} verified "
          f"(all three steps: {time.perf_counter() - t:.1f} s)")  # fmt: skip

    t = time.perf_counter()
    clusters = find_clusters(units, config)
    print(f"similarity half (find_clusters, serial verification): {len(clusters)} clusters, "
          f"{time.perf_counter() - t:.1f} s")  # fmt: skip
    from dupfinder.pipeline import scan

    result = scan([str(args.path)], config)
    t = time.perf_counter()
    enrich_result(result, rules, TeamOptions())
    print(f"enrichment (teams, categories, ranking): {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
