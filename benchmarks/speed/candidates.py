"""Fewer candidates, same pairs? Exact pre-filters in front of verification's count bound, measured.

    python benchmarks/speed/candidates.py [PATH] [--repeat 3]

Parses the corpus (default: the speed benchmark's full corpus, ``run.py --only-corpus`` builds it)
once, takes the LSH candidate pairs of its distinct units as a scan does, and prints how many
candidates each exact upper bound of the verified similarity keeps:

* the *size* bound: at most the smaller bigram stream survives in the larger, at most the smaller
  vocabulary is shared (four numbers a pair);
* *words + size*: the shared-word count bound (32 count columns) with the size bound of the
  alignment part;
* the count bound ``Verifier.bound`` (96 count columns), which verification applies today.

It then verifies every candidate (serially, one process) two ways, best of ``--repeat``: as the
scan does (``Verifier.at_least``) and with the size bound in front of it, and checks that the
verified pairs are identical (they must be: each bound is never below the similarity).

Run it on a quiet machine: it prints wall times.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

import numpy as np
import numpy.typing as npt
from run import add_corpus_argument, no_corpus

from dupfinder.analyse.batch import analyse_all
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Unit
from dupfinder.pipeline import with_rules
from dupfinder.rules.loading import load_ruleset
from dupfinder.similarity import signatures
from dupfinder.similarity.index import Bands, lsh_params, lsh_threshold
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import Verifier

_EPSILON = 1e-9
_STEP = 65_536


Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def size_bound(v: Verifier, a: Ints, b: Ints) -> Floats:
    """An upper bound of the similarity from the units' sizes alone (never below ``v.bound``)."""
    lx, ly = v.lengths[a], v.lengths[b]
    longer = np.maximum(lx, ly)
    wx, wy = v.n_words[a], v.n_words[b]
    words = np.where(np.maximum(wx, wy) > 0, np.minimum(wx, wy) / np.maximum(np.maximum(wx, wy), 1), 1.0)
    mixed = v.weight * words + (1.0 - v.weight) * np.minimum(lx, ly) / np.maximum(longer, 1)
    return np.where(longer > 0, mixed, 0.0)


def words_size_bound(v: Verifier, a: Ints, b: Ints) -> Floats:
    """The shared-word count bound with the size bound of the alignment part (never below ``v.bound``)."""
    out = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), _STEP):
        x, y = a[lo : lo + _STEP], b[lo : lo + _STEP]
        words = np.minimum(v.word_counts[x], v.word_counts[y]).sum(axis=1, dtype=np.int64)
        shared = np.minimum(words, np.minimum(v.n_words[x], v.n_words[y]))
        union = v.n_words[x] + v.n_words[y] - shared
        jaccard = np.where(union > 0, shared / np.maximum(union, 1), 1.0)
        lx, ly = v.lengths[x], v.lengths[y]
        longer = np.maximum(lx, ly)
        mixed = v.weight * jaccard + (1.0 - v.weight) * np.minimum(lx, ly) / np.maximum(longer, 1)
        out[lo : lo + _STEP] = np.where(longer > 0, mixed, 0.0)
    return out


def size_first(v: Verifier, a: Ints, b: Ints, threshold: float) -> tuple[Ints, Floats]:
    """``v.at_least`` on the candidates that pass the size bound, in the candidates' positions."""
    first = np.flatnonzero(size_bound(v, a, b) >= threshold - _EPSILON)
    keep, sims = v.at_least(a[first], b[first], threshold)
    return first[keep], sims


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--repeat", type=int, default=3, help="timings per way; the best is printed")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    config = with_rules(ScanConfig(), load_ruleset(paths=[str(args.path)]))
    units = [u for r in analyse_all(discover([str(args.path)], config).files, config) for u in r.units]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, u in enumerate(units):
        groups[(u.language, u.fingerprint)].append(k)
    keys = sorted(groups)
    reps: list[Unit] = [units[groups[k][0]] for k in keys]
    language = np.array([sorted({lang for lang, _ in keys}).index(lang) for lang, _ in keys], dtype=np.int64)
    n = len(reps)
    sigs = signatures.signatures_of([u.token_hashes for u in reps], config.shingle, config.num_perm,
                                    words=[vocabulary(u.identifiers) for u in reps])  # fmt: skip
    bands = Bands(sigs, *lsh_params(lsh_threshold(config.threshold), config.num_perm))
    codes = bands.pairs_from(0, n)
    a, b = codes // n, codes % n
    same = language[a] == language[b]
    a, b = a[same], b[same]
    print(f"{len(units):,} units, {n:,} distinct; {len(codes):,} LSH candidates, {len(a):,} within a language")

    verifier = Verifier(reps)
    t = config.threshold - _EPSILON
    for name, bound in (("size", size_bound), ("words + size", words_size_bound), ("count (today)", None)):
        start = time.perf_counter()
        values = verifier.bound(a, b) if bound is None else bound(verifier, a, b)
        took = time.perf_counter() - start
        kept = values >= t
        print(f"  {name:14s} bound keeps {int(kept.sum()):>12,} ({kept.mean():6.1%}), {took:.2f} s")

    def scan_way() -> tuple[Ints, Floats]:
        return verifier.at_least(a, b, config.threshold)

    def size_way() -> tuple[Ints, Floats]:
        return size_first(verifier, a, b, config.threshold)

    ways = (("as the scan does (count bound first)", scan_way), ("size bound in front", size_way))
    results = []
    for name, verify in ways:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            keep, sims = verify()
            best = min(best, time.perf_counter() - start)
        results.append((best, keep, sims))
        print(f"verification, {name}: {len(keep):,} verified pairs, {best:.2f} s (best of {args.repeat})")
    (t0, k0, s0), (t1, k1, s1) = results
    identical = np.array_equal(k0, k1) and np.array_equal(s0, s1)
    print(f"verified pairs identical: {'yes' if identical else 'NO'}; with / without the size bound: {t1 / t0:.2f}x")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
