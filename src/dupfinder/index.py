"""LSH index: which distinct units are worth comparing exactly.

datasketch's ``MinHashLSH`` splits each signature into ``b`` bands of ``r``
rows and buckets units by band; two units become a candidate pair when any
band matches, which happens with probability ``1 - (1 - s^r)^b`` for
Jaccard similarity ``s``.  The index threshold sits below the verification
threshold so that true clones near the threshold are rarely lost; the exact
check in :mod:`dupfinder.verify` removes the extra candidates.  Cost: one
insert and one query per distinct unit, O(b) bucket operations each, instead
of the O(n^2) all-pairs loop.

The index lives in memory by default; ``storage_config`` selects another
datasketch storage backend (e.g. Redis) so one index can be shared.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from datasketch import MinHashLSH

from dupfinder.signatures import lean_minhash


def lsh_threshold(threshold: float) -> float:
    """Index threshold for a verification threshold (a margin for MinHash error)."""
    return max(0.2, round(threshold * 0.8, 3))


def candidate_pairs(
    keys: Sequence[str],
    signatures: npt.NDArray[np.uint32],
    threshold: float,
    *,
    storage_config: dict[str, object] | None = None,
) -> list[tuple[int, int]]:
    """Index positions ``(i, j)`` with ``i < j`` whose signatures collide in some band."""
    if len(keys) < 2:
        return []
    num_perm = int(signatures.shape[1])
    lsh = MinHashLSH(threshold=lsh_threshold(threshold), num_perm=num_perm, storage_config=storage_config)
    position = {key: i for i, key in enumerate(keys)}
    minhashes = [lean_minhash(row) for row in signatures]
    with lsh.insertion_session() as session:
        for key, mh in zip(keys, minhashes, strict=True):
            session.insert(key, mh, check_duplication=False)
    pairs: set[tuple[int, int]] = set()
    for i, mh in enumerate(minhashes):
        for other in lsh.query(mh):
            j = position.get(str(other.decode() if isinstance(other, bytes) else other))
            if j is not None and j != i:
                pairs.add((i, j) if i < j else (j, i))
    return sorted(pairs)
