"""Exact verification of LSH candidates.

Each candidate pair is scored with the exact Jaccard similarity of the two
units' shingle sets (sorted arrays, merged with ``np.intersect1d``); pairs
below the threshold are dropped.  Jaccard can never exceed
``min(|A|,|B|) / max(|A|,|B|)``, so pairs whose sizes differ more than the
threshold allows are rejected before any set work.  Cost: O(|A| + |B|) per
surviving candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dupfinder.signatures import U32, jaccard


def verify_pairs(
    shingle_sets: Sequence[U32], pairs: Iterable[tuple[int, int]], threshold: float
) -> list[tuple[int, int, float]]:
    """``(i, j, similarity)`` for every candidate pair at or above ``threshold``."""
    out: list[tuple[int, int, float]] = []
    for i, j in pairs:
        a, b = shingle_sets[i], shingle_sets[j]
        small, large = sorted((len(a), len(b)))
        if large == 0 or small / large < threshold:
            continue
        sim = jaccard(a, b)
        if sim >= threshold:
            out.append((i, j, sim))
    return out
