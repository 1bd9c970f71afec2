"""Shingles and MinHash signatures, computed in bulk with numpy.

A unit's normalised token hashes (uint32) are turned into overlapping
k-token shingles, each folded to one 32-bit value; the *set* of shingle
values is the unit's feature set.  Its MinHash signature applies
``num_perm`` random multiply-shift hash functions (Dietzfelbinger et al.:
``(a*x + b) mod 2^64 >> 32`` with odd ``a``) and keeps each function's
minimum.  The permutations come from a fixed seed, so signatures are
reproducible across processes and machines and can be cached.

Everything is vectorised: shingles of many units are concatenated, hashed
as one ``(n_shingles, num_perm)`` block per batch, and reduced per unit with
``np.minimum.reduceat``.  Cost: O(total shingles x num_perm) integer ops,
with no Python-level loop over shingles.  The signatures are wrapped in
datasketch ``LeanMinHash`` objects for the LSH index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from datasketch import LeanMinHash

SEED = 20261125
_MASK32 = np.uint64(0xFFFFFFFF)
_BATCH_ROWS = 200_000  # shingle rows per hashing block (keeps memory ~ rows x num_perm x 8 B)

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]


def token_array(token_hashes: bytes) -> U32:
    return np.frombuffer(token_hashes, dtype="<u4")


def shingles(token_hashes: bytes, k: int) -> U32:
    """Sorted unique 32-bit shingle values of a token-hash stream."""
    t = token_array(token_hashes).astype(np.uint64)
    n = len(t) - k + 1
    if n <= 0:
        if len(t) == 0:
            return np.empty(0, dtype=np.uint32)
        n, k = 1, len(t)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):  # polynomial combination, order-sensitive (unlike a sum)
        h = h * np.uint64(0x100000001B3) + t[j : j + n]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return np.unique((h & _MASK32).astype(np.uint32))


def permutations(num_perm: int, seed: int = SEED) -> tuple[U64, U64]:
    rng = np.random.RandomState(seed)
    a = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash_matrix(shingle_sets: Sequence[U32], num_perm: int, seed: int = SEED) -> npt.NDArray[np.uint32]:
    """MinHash signatures, one row per shingle set (an empty set gives all 0xFFFFFFFF)."""
    out = np.full((len(shingle_sets), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    if not shingle_sets:
        return out
    a, b = permutations(num_perm, seed)
    start = 0
    while start < len(shingle_sets):
        rows = 0
        stop = start
        while stop < len(shingle_sets) and (rows == 0 or rows + len(shingle_sets[stop]) <= _BATCH_ROWS):
            rows += len(shingle_sets[stop])
            stop += 1
        batch = [s for s in shingle_sets[start:stop]]
        lengths = np.array([len(s) for s in batch], dtype=np.int64)
        nonempty = lengths > 0
        if nonempty.any():
            flat = np.concatenate([s for s in batch if len(s)]).astype(np.uint64)
            with np.errstate(over="ignore"):
                hv = ((flat[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)).astype(np.uint32)
            offsets = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
            mins = np.minimum.reduceat(hv, offsets, axis=0)
            idx = np.arange(start, stop)[nonempty]
            out[idx] = mins
        start = stop
    return out


def lean_minhash(row: npt.NDArray[np.uint32], seed: int = SEED) -> LeanMinHash:
    """Wrap one signature row for datasketch's LSH (which reads only the hash values)."""
    # our values are 32-bit, like datasketch's own "affine32" scheme
    return LeanMinHash(seed=seed, hashvalues=row.astype(np.uint32), scheme="affine32")


def jaccard(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique shingle arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
