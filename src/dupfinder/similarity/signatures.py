"""Shingles and MinHash signatures, computed in bulk with numpy.

A unit's normalised token hashes (uint32) are turned into overlapping
k-token shingles, each folded to one 32-bit value; together with the words
of the unit's identifiers (each word as ``WORD_COPIES`` salted 32-bit
values, which weighs the vocabulary up against the shingles) this *set* is
the unit's feature set.

Why the words: a normalised token stream has a tiny alphabet (``$ . ( )``
and the keywords), so the 3-shingle sets of unrelated functions of one
language overlap by 0.2-0.4, and an index loose enough for edited copies
returned a third of all pairs of units on a 1-million-line Python corpus
(99.5 M candidates for 25,345 distinct units).  Verification gives the shared
identifier words 30 % of the score; putting them into the index too cut
the candidates to 16.3 M there (``benchmarks/speed/stages.py``), at a cost
measured on BigCloneBench (``benchmarks/README.md``).

A unit's MinHash signature applies
``num_perm`` random multiply-shift hash functions (Dietzfelbinger et al.:
``(a*x + b) mod 2^64 >> 32`` with odd ``a``) and keeps each function's
minimum.  The permutations come from a fixed seed, so signatures are
reproducible across processes and machines and can be cached.

Everything is vectorised.  :func:`signatures_of` takes many units at once:
their token streams are concatenated, every window is hashed in one pass,
the windows that cross a unit boundary are dropped, and one ``np.unique`` over
``unit << 32 | shingle`` gives every unit's sorted shingle set.  The MinHash
block is then computed for a few units at a time (at most ``_BLOCK_ROWS``
shingles, so the ``(rows, num_perm)`` uint64 block stays in the CPU cache and
is updated in place) and reduced per unit with ``np.minimum.reduceat``.
Cost: O(total shingles x num_perm) integer operations, no Python-level loop
over shingles; about 0.5 us per shingle for 128 permutations.  The
signatures are wrapped in datasketch ``LeanMinHash`` objects only for a
datasketch storage backend (:mod:`dupfinder.similarity.index`).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from datasketch import LeanMinHash

SEED = 20261125
#: salted copies of each identifier word in the feature set (measured: see the module docstring)
WORD_COPIES = 3
_MASK32 = np.uint64(0xFFFFFFFF)
#: shingle rows per hashing block: 1,024 x 128 x 8 B = 1 MiB, small enough for the CPU cache
#: (a 200,000-row block ran 7 times slower, bound by memory bandwidth)
_BLOCK_ROWS = 1024

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


def word_values(words: Iterable[str], copies: int = WORD_COPIES) -> U32:
    """The 32-bit feature values of a unit's identifier words (``copies`` salted values per word)."""
    return np.sort(_unsorted_word_values(words, copies))


def _unsorted_word_values(words: Iterable[str], copies: int = WORD_COPIES) -> U32:
    values = set().union(*(_word_values(w, copies) for w in words))
    return np.fromiter(values, dtype=np.uint32, count=len(values))


@functools.lru_cache(maxsize=65_536)
def _word_values(word: str, copies: int) -> tuple[int, ...]:
    # memoised: a scan sees the same few thousand words in every unit
    return tuple(zlib.crc32(f"{c}\0{word}".encode()) for c in range(copies))


def features(token_hashes: bytes, k: int, words: Iterable[str] = ()) -> U32:
    """A unit's sorted unique feature values: its ``k``-shingles and its identifier words."""
    return np.union1d(shingles(token_hashes, k), word_values(words)).astype(np.uint32)


@functools.cache
def permutations(num_perm: int, seed: int = SEED) -> tuple[U64, U64]:
    """The ``num_perm`` hash functions ``(a, b)`` (read-only: cached and shared)."""
    rng = np.random.RandomState(seed)
    a = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.randint(0, 2**63, size=num_perm, dtype=np.uint64)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def minhash_matrix(shingle_sets: Sequence[U32], num_perm: int, seed: int = SEED) -> npt.NDArray[np.uint32]:
    """MinHash signatures, one row per shingle set (an empty set gives all 0xFFFFFFFF)."""
    lengths = np.fromiter((len(x) for x in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    flat = np.concatenate(shingle_sets) if len(shingle_sets) else np.empty(0, dtype=np.uint32)
    return _minhash_flat(flat, lengths, num_perm, seed)


def _minhash_flat(flat: U32, lengths: npt.NDArray[np.int64], num_perm: int, seed: int) -> npt.NDArray[np.uint32]:
    """MinHash rows of consecutive shingle sets: set ``i`` is the next ``lengths[i]`` values of ``flat``."""
    n = len(lengths)
    out = np.full((n, num_perm), 0xFFFFFFFF, dtype=np.uint32)
    if n == 0 or len(flat) == 0:
        return out
    a, b = permutations(num_perm, seed)
    a_row, b_row = a[None, :], b[None, :]
    values = flat.astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    block = np.empty((_BLOCK_ROWS, num_perm), dtype=np.uint64)
    shift = np.uint64(32)
    i = 0
    while i < n:
        # the next units whose shingles fit one block (a bigger unit gets a block of its own)
        j = max(i + 1, int(np.searchsorted(ends, starts[i] + _BLOCK_ROWS, side="right")))
        lo, hi = int(starts[i]), int(ends[j - 1])
        if hi > lo:
            rows = block[: hi - lo] if hi - lo <= _BLOCK_ROWS else np.empty((hi - lo, num_perm), dtype=np.uint64)
            np.multiply(values[lo:hi, None], a_row, out=rows)  # wraps mod 2^64, as intended
            np.add(rows, b_row, out=rows)
            np.right_shift(rows, shift, out=rows)
            nonempty = lengths[i:j] > 0
            offsets = (starts[i:j] - lo)[nonempty]
            out[np.arange(i, j)[nonempty]] = np.minimum.reduceat(rows, offsets, axis=0)
        i = j
    return out


def signatures_of(
    token_streams: Sequence[bytes],
    k: int,
    num_perm: int,
    seed: int = SEED,
    words: Sequence[Iterable[str]] | None = None,
) -> npt.NDArray[np.uint32]:
    """MinHash rows of many units at once, equal to ``minhash_matrix([features(t, k, w) ...])``.

    ``words``: each unit's identifier words (:func:`dupfinder.similarity.normalize.vocabulary`); None for none.
    """
    n = len(token_streams)
    if words is None:
        words = [()] * n
    counts = np.fromiter((len(t) // 4 for t in token_streams), dtype=np.int64, count=n)
    short = np.flatnonzero(counts < k)
    if len(short):  # fewer tokens than a shingle: the per-unit definition, rare
        out = np.empty((n, num_perm), dtype=np.uint32)
        sets = [features(token_streams[int(i)], k, words[int(i)]) for i in short]
        out[short] = minhash_matrix(sets, num_perm, seed)
        full = np.flatnonzero(counts >= k)
        out[full] = signatures_of([token_streams[int(i)] for i in full], k, num_perm, seed,
                                  [words[int(i)] for i in full])  # fmt: skip
        return out
    if n == 0:
        return np.full((0, num_perm), 0xFFFFFFFF, dtype=np.uint32)
    t = np.frombuffer(b"".join(token_streams), dtype="<u4").astype(np.uint64)
    windows = len(t) - k + 1
    h = np.zeros(windows, dtype=np.uint64)
    for j in range(k):  # the same polynomial as shingles(), over all windows at once
        h = h * np.uint64(0x100000001B3) + t[j : j + windows]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    # keep the windows that lie inside one unit; key them by unit for one sort
    ends = np.cumsum(counts)
    starts = ends - counts
    per_unit = counts - k + 1
    unit_of = np.repeat(np.arange(n, dtype=np.uint64), per_unit)
    positions = np.repeat(starts - np.concatenate(([0], np.cumsum(per_unit)[:-1])), per_unit)
    positions += np.arange(len(unit_of))
    word_sets = [_unsorted_word_values(w) for w in words]  # sorted below, with the shingles
    word_unit = np.repeat(np.arange(n, dtype=np.uint64), [len(w) for w in word_sets])
    word_keys = (word_unit << np.uint64(32)) | np.concatenate([np.empty(0, np.uint32), *word_sets]).astype(np.uint64)
    keyed = np.sort(np.concatenate(((unit_of << np.uint64(32)) | (h[positions] & _MASK32), word_keys)))
    if len(keyed) > 1:  # sorted unique (np.unique's hash table is several times slower here)
        keep = np.empty(len(keyed), dtype=bool)
        keep[0] = True
        np.not_equal(keyed[1:], keyed[:-1], out=keep[1:])
        keyed = keyed[keep]
    unit_ids = (keyed >> np.uint64(32)).astype(np.int64)
    lengths = np.bincount(unit_ids, minlength=n).astype(np.int64)
    return _minhash_flat((keyed & _MASK32).astype(np.uint32), lengths, num_perm, seed)


def lean_minhash(row: npt.NDArray[np.uint32], seed: int = SEED) -> LeanMinHash:
    """Wrap one signature row for datasketch's LSH (which reads only the hash values)."""
    from datasketch import LeanMinHash  # imported here: datasketch takes seconds to import

    # our values are 32-bit, like datasketch's own "affine32" scheme
    return LeanMinHash(seed=seed, hashvalues=row.astype(np.uint32), scheme="affine32")


def jaccard(a: U32, b: U32) -> float:
    """Exact Jaccard similarity of two sorted unique shingle arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
