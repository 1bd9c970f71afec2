"""How many LSH candidates a cheap filter drops before verification, and whether the verified pairs stay.

    python benchmarks/speed/pruning.py [PATH] [--cache-dir DIR]

Takes the distinct units of a corpus (default: the speed benchmark's full corpus; the per-file
stage runs once with a cache in ``work/cache/pruning``, so a second run starts in seconds), their
candidate pairs from dupfinder's LSH index, and verifies them (``Verifier.at_least``, one process)
three ways:

* **off**: every candidate through the verifier's three steps, as a scan does;
* **size bound**: first the bound from the units' sizes alone -- the alignment part is at most the
  shorter bigram stream over the longer, the vocabulary part at most the smaller word set over the
  larger -- which reads four integers a pair instead of the count rows of the first step; exact, so
  the verified pairs must be the same;
* **MinHash estimate** at a few floors: the share of equal signature values estimates the Jaccard
  similarity of the two feature sets; candidates below the floor are dropped (a heuristic: pairs may
  be lost, and the script says how many).

For each it prints the candidates left, the verified pairs, their agreement with "off" (pairs in
both over pairs in "off") and the CPU seconds (``time.process_time``) of the filtering and
verification.  CPU time, because on a shared machine wall time says little.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from run import HERE, add_corpus_argument, no_corpus

from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Unit
from dupfinder.pipeline import scan_discovered, with_rules
from dupfinder.rules.loading import load_ruleset
from dupfinder.similarity import signatures
from dupfinder.similarity.index import Bands, lsh_params, lsh_threshold
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import Verifier

_STEP = 65_536


def _verified(verifier: Verifier, a: np.ndarray, b: np.ndarray, threshold: float) -> set[int]:
    keep, _ = verifier.at_least(a, b, threshold)
    return set((a[keep] * (1 << 32) + b[keep]).tolist())


def _size_bound(verifier: Verifier, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """An upper bound of each pair's similarity from the units' sizes alone (see the module docstring)."""
    out = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), _STEP):
        x, y = a[lo : lo + _STEP], b[lo : lo + _STEP]
        lx, ly = verifier.lengths[x], verifier.lengths[y]
        wx, wy = verifier.n_words[x], verifier.n_words[y]
        longer, more = np.maximum(lx, ly), np.maximum(wx, wy)
        words = np.where(more > 0, np.minimum(wx, wy) / np.maximum(more, 1), 1.0)
        mixed = verifier.weight * words + (1.0 - verifier.weight) * np.minimum(lx, ly) / np.maximum(longer, 1)
        out[lo : lo + _STEP] = np.where(longer > 0, mixed, 0.0)
    return out


def _minhash_share(sigs: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), _STEP):
        x, y = a[lo : lo + _STEP], b[lo : lo + _STEP]
        out[lo : lo + _STEP] = (sigs[x] == sigs[y]).mean(axis=1)
    return out


def _agreement(got: set[int], base: set[int]) -> str:
    return f"{_agreement(got, base)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_argument(ap)
    ap.add_argument("--cache-dir", type=Path, default=HERE / "work" / "cache" / "pruning")
    ap.add_argument("--floors", default="0.05,0.1,0.15,0.2", help="MinHash estimate floors to try")
    args = ap.parse_args(argv)
    if no_corpus(args.path):
        return 2
    rules = load_ruleset(paths=[str(args.path)])
    config = with_rules(ScanConfig(), rules)
    units: list[Unit] = []
    t = time.perf_counter()
    scan_discovered(discover([str(args.path)], config), config, cache_dir=str(args.cache_dir), units_out=units)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, u in enumerate(units):
        groups[(u.language, u.fingerprint)].append(n)
    reps = [units[groups[k][0]] for k in sorted(groups)]
    n = len(reps)
    print(f"corpus {args.path}: {len(units):,} units, {n:,} distinct ({time.perf_counter() - t:.1f} s to load)")
    sigs = signatures.signatures_of([u.token_hashes for u in reps], config.shingle, config.num_perm,
                                    words=[vocabulary(u.identifiers) for u in reps])  # fmt: skip
    bands = Bands(sigs, *lsh_params(lsh_threshold(config.threshold), config.num_perm))
    codes = bands.pairs_from(0, bands.n)
    a, b = codes // n, codes % n
    verifier = Verifier(reps)
    threshold = config.threshold
    print(f"candidates: {len(codes):,}")

    t = time.process_time()
    base = _verified(verifier, a, b, threshold)
    t_off = time.process_time() - t
    print(f"  off:               {len(codes):>11,} verified, {len(base):,} pairs; CPU {t_off:.2f} s")

    t = time.process_time()
    keep = np.flatnonzero(_size_bound(verifier, a, b) >= threshold - 1e-9)
    t_filter = time.process_time() - t
    got = _verified(verifier, a[keep], b[keep], threshold)
    t_size = time.process_time() - t
    print(f"  size bound:        {len(keep):>11,} verified, {_agreement(got, base)}; "
          f"CPU {t_size:.2f} s (of which the filter {t_filter:.2f} s)")  # fmt: skip

    t = time.process_time()
    share = _minhash_share(sigs, a, b)
    t_share = time.process_time() - t
    for floor in (float(f) for f in args.floors.split(",")):
        t = time.process_time()
        keep = np.flatnonzero(share >= floor)
        got = _verified(verifier, a[keep], b[keep], threshold)
        spent = time.process_time() - t + t_share
        print(f"  MinHash >= {floor:<5}:  {len(keep):>11,} verified, {_agreement(got, base)}; "
              f"CPU {spent:.2f} s (of which the estimate {t_share:.2f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
