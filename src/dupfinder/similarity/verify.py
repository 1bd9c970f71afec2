"""Exact verification of LSH candidates: how similar two units really are.

The similarity of units ``a`` and ``b`` is::

    (1 - w) * LCS(bigrams(a), bigrams(b)) / max(|bigrams(a)|, |bigrams(b)|)
      + w * Jaccard(words(a), words(b))

* the *alignment* part: the longest common subsequence of the two units'
  normalised token bigrams
  (identifiers ``$``, literals ``#``), over the longer stream: the share of
  the larger unit that survives, in order, in the other.  It is blind to
  renaming (Type-1/Type-2 copies share a fingerprint and are grouped before
  this stage) and degrades gracefully with inserted, deleted and changed
  statements (Type-3).  Bigrams rather than single tokens, because the
  normalised alphabet is tiny (``$ . ( ) ;`` make up half of any stream):
  two unrelated functions share more than half their tokens in order by
  chance, but far fewer bigrams, so the alignment of bigrams separates
  copies from unrelated code with a much wider margin.
* the *vocabulary* part, weight ``w = 0.3``: Jaccard similarity of the
  lower-case words of the identifiers the units use (``getUserById`` ->
  get, user, by, id).  Structure alone cannot tell two loops over different
  APIs apart; the names can, while a renamed copy loses only this part.

The parts and the weight were measured, not guessed: on BigCloneBench
(``benchmarks/bigclonebench/``) and on the annotated ``fixtures/``, against
the Jaccard similarity of 3-token shingles that the LSH index approximates,
the alignment of token bigrams with word vocabulary keeps the most
near-miss (Type-3) clones at the thresholds where no unrelated code in the
fixtures pairs up; ``benchmarks/README.md`` has the numbers.

Cost: candidates are verified many at a time (:class:`Verifier`), with no
Python-level work per pair.  They first pass a vectorised upper bound: a
common subsequence of two bigram streams is a common sub-multiset, so
``LCS <= sum over bigrams of min(count in a, count in b)``, and the shared
words are bounded the same way; counting bigrams and words into a few
columns (the most frequent of the scan each get one, the rest share hashed
columns) only merges counts, which can raise the bound but never lower it.
On the 1-million-line speed benchmark corpus 79 % of the candidates stop
there, at about 0.3 us a pair.  The survivors next get the exact vocabulary
part: the LCS of the sorted encoded vocabularies (short strings), which is
the size of their intersection (the common elements of two sorted sequences
of distinct elements appear in the same order in both), in C++ (RapidFuzz's
``cpdist``); with it exact, the bigram-count bound of the alignment part
drops seven in ten of the rest (speed corpus: 16.3 M candidates, 3.48 M
after the first bound, 1.05 M after the second, 138,915 verified).  Only
those pay for the alignment: a bit-parallel LCS of the encoded bigram
streams (``cpdist`` again, the algorithm of Allison & Dix 1986 / Hyyrö
2004, O(n_a * n_b / 64) word operations, on streams encoded one character
per distinct value).  Per-unit preparation (the encoded bigrams, the
encoded vocabulary and the bound's counts, O(tokens)) is done once per
scan, vectorised.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import LCSseq
from rapidfuzz.process import cpdist

from dupfinder.model import Unit
from dupfinder.similarity.normalize import vocabulary

#: weight of the identifier-vocabulary part; the rest goes to the alignment (measured, see the module docstring)
IDENTIFIER_WEIGHT = 0.3
#: tokens per aligned element: 2 aligns token bigrams (see the module docstring)
NGRAM = 2


def ngrams(tokens: Sequence[int], n: int) -> list[int]:
    """The stream's overlapping ``n``-grams as integers (one gram of all tokens if there are fewer)."""
    if n <= 1:
        return list(tokens)
    if len(tokens) < n:
        return [_fold(tokens)] if tokens else []
    return [_fold(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _fold(gram: Sequence[int]) -> int:
    value = 0
    for tok in gram:  # exact (no hashing): 32 bits per token
        value = (value << 32) | tok
    return value


def identifier_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two vocabularies (1.0 when both are empty)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


_EPSILON = 1e-9  #: float noise: a bound this close below the threshold still keeps its pair
_MIX = np.uint64(0x9E3779B97F4A7C15)
_FIRST_CHAR = 0x10000  #: encoded streams use the supplementary planes: never a surrogate
_CHARS = 0x110000 - _FIRST_CHAR
_STEP = 65_536  #: pairs per vectorised block (bounds the temporaries to a few MB)

Ints = npt.NDArray[np.int64]


def _gram_values(units: Sequence[Unit], ngram: int) -> tuple[npt.NDArray[np.uint64], Ints]:
    """Every unit's ``ngram``-grams as 64-bit values, concatenated, and the number of grams per unit.

    The grams are those of :func:`ngrams`: overlapping windows, or one gram of all tokens of a
    shorter unit.  Up to two tokens a gram is exact (32 bits a token); longer grams are hashed.
    """
    streams = [np.frombuffer(u.token_hashes, dtype="<u4").astype(np.uint64) for u in units]
    sizes = np.fromiter((len(t) for t in streams), dtype=np.int64, count=len(streams))
    per_unit = np.where(sizes >= ngram, sizes - ngram + 1, np.minimum(sizes, 1))
    out = np.empty(int(per_unit.sum()), dtype=np.uint64)
    at = 0
    with np.errstate(over="ignore"):
        for t, m in zip(streams, per_unit.tolist(), strict=True):
            if m == 0:
                continue
            width = min(ngram, len(t))
            if width <= 2:
                h = t[:m] if width == 1 else (t[:m] << np.uint64(32)) | t[1 : m + 1]
            else:
                h = np.zeros(m, dtype=np.uint64)
                for j in range(width):
                    h = (h ^ t[j : j + m]) * np.uint64(0x100000001B3)
            out[at : at + m] = h
            at += m
    return out, per_unit


def _columns(values: npt.NDArray[np.uint64], exact: int, hashed: int) -> tuple[Ints, Ints]:
    """A column for each value: the ``exact`` most frequent values one each, the rest ``hashed``
    shared ones; and each value's rank among the distinct values (one sort serves both)."""
    distinct, counts = np.unique(values, return_counts=True)
    dense = np.searchsorted(distinct, values)  # 12 times faster than return_inverse's argsort here
    top = np.sort(np.lexsort((distinct, -counts))[:exact])  # ranks of the most frequent, ascending
    column = np.empty(len(distinct), dtype=np.int64)
    with np.errstate(over="ignore"):
        column[:] = exact + (((distinct * _MIX) >> np.uint64(40)) % np.uint64(hashed)).astype(np.int64)
    column[top] = np.arange(len(top), dtype=np.int64)
    return column[dense], dense


def _counts(owner: Ints, cols: Ints, n: int, width: int) -> npt.NDArray[np.unsignedinteger[Any]]:
    """Per unit and column, how many values fall there, in the narrowest type that holds every count
    (the bound reads these rows for every candidate pair: narrower rows are read faster)."""
    counts = np.bincount(owner * width + cols, minlength=n * width).reshape(n, width)
    most = int(counts.max()) if counts.size else 0
    kind = np.uint8 if most <= np.iinfo(np.uint8).max else np.uint16 if most <= np.iinfo(np.uint16).max else np.uint32
    return counts.astype(kind)


def _ranks(values: npt.NDArray[np.uint64]) -> Ints:
    """Each value's rank among the distinct values (12 times faster than ``return_inverse``'s argsort here)."""
    return np.searchsorted(np.unique(values), values).astype(np.int64)


def _encode(values: npt.NDArray[np.uint64], per_unit: Ints, dense: Ints | None = None) -> npt.NDArray[np.object_]:
    """Each unit's values as one string, one character per distinct value (an injective map while
    there are fewer than 2**20 distinct values; beyond that some share the last character).
    ``dense``: the values' ranks, when known."""
    if dense is None:
        dense = _ranks(values)
    chars = (np.minimum(dense, _CHARS - 1) + _FIRST_CHAR).astype("<u4")
    ends = np.cumsum(per_unit)
    out = np.empty(len(per_unit), dtype=object)
    raw = chars.tobytes()
    for k, (lo, hi) in enumerate(zip((ends - per_unit).tolist(), ends.tolist(), strict=True)):
        out[k] = raw[4 * lo : 4 * hi].decode("utf-32-le")
    return out


class Verifier:
    """What verification needs of every unit, built once, and the similarity of many pairs at once.

    ``bound(a, b)`` is never below ``similarities(a, b)`` (tests check it), so
    ``verify`` drops the pairs whose bound misses the threshold before aligning
    anything, and its result is the same as scoring every pair.  Memory:
    the encoded streams (4 bytes a token) and ``columns + word_columns``
    counts per unit (one byte each while no count passes 255).
    """

    __slots__ = ("gram_counts", "lengths", "n_words", "position", "texts", "vocab", "weight", "word_counts")

    def __init__(
        self,
        units: Sequence[Unit],
        *,
        identifier_weight: float = IDENTIFIER_WEIGHT,
        ngram: int = NGRAM,
        columns: int = 64,
        word_columns: int = 32,
    ) -> None:
        if not 0.0 <= identifier_weight <= 1.0:
            raise ValueError(f"identifier_weight must be in [0, 1], got {identifier_weight}")
        if ngram < 1:
            raise ValueError(f"ngram must be at least 1, got {ngram}")
        n = len(units)
        self.weight = identifier_weight
        self.position: Ints | None = None  # set by only(): unit numbers -> rows here
        values, self.lengths = _gram_values(units, ngram)
        owner = np.repeat(np.arange(n, dtype=np.int64), self.lengths)
        exact = columns * 3 // 4
        cols, dense = _columns(values, exact, columns - exact)
        self.gram_counts = _counts(owner, cols, n, columns)
        self.texts = _encode(values, self.lengths, dense)

        vocab = [sorted(vocabulary(u.identifiers)) for u in units]
        self.n_words = np.fromiter((len(v) for v in vocab), dtype=np.int64, count=n)
        names = sorted({w for v in vocab for w in v})
        code = {w: k for k, w in enumerate(names)}  # sorted words -> ascending characters
        word_ids = np.fromiter((code[w] for v in vocab for w in v), dtype=np.uint64, count=int(self.n_words.sum()))
        word_owner = np.repeat(np.arange(n, dtype=np.int64), self.n_words)
        with np.errstate(over="ignore"):
            spread = np.fromiter((zlib.crc32(w.encode()) for w in names), dtype=np.uint64, count=len(names))
        keyed = spread[word_ids.astype(np.int64)] if len(names) else word_ids
        half = word_columns // 2
        self.word_counts = _counts(word_owner, _columns(keyed, half, word_columns - half)[0], n, word_columns)
        self.vocab = _encode(word_ids, self.n_words, word_ids.astype(np.int64))

    @classmethod
    def only(cls, units: Sequence[Unit], rows: Ints, **options: Any) -> Verifier:
        """A verifier for pairs among ``units[rows]`` only, still addressed by unit number (a rescan
        that verifies the pairs of a few new units prepares just them and their candidates)."""
        verifier = cls([units[int(r)] for r in rows], **options)
        verifier.position = np.full(len(units), -1, dtype=np.int64)
        verifier.position[rows] = np.arange(len(rows), dtype=np.int64)
        return verifier

    def _rows(self, a: Ints) -> Ints:
        if self.position is None:
            return a
        rows = self.position[a]
        if len(rows) and rows.min() < 0:
            raise ValueError("a pair names a unit this verifier was not built for")
        return rows

    def _structure_bound(self, x: Ints, y: Ints, lx: Ints, ly: Ints) -> npt.NDArray[np.float64]:
        """An upper bound of the alignment part of rows ``x[k]``, ``y[k]`` (shared bigram counts);
        ``lx``, ``ly``: their lengths."""
        common: Ints = np.minimum(self.gram_counts[x], self.gram_counts[y]).sum(axis=1, dtype=np.int64)
        out: npt.NDArray[np.float64] = np.minimum(common, np.minimum(lx, ly)) / np.maximum(np.maximum(lx, ly), 1)
        return out

    def bound(self, a: Ints, b: Ints) -> npt.NDArray[np.float64]:
        """An upper bound of the similarity of each pair ``(a[k], b[k])`` (0 when a unit is empty)."""
        a, b = self._rows(a), self._rows(b)
        out = np.empty(len(a), dtype=np.float64)
        for lo in range(0, len(a), _STEP):
            x, y = a[lo : lo + _STEP], b[lo : lo + _STEP]
            words = np.minimum(self.word_counts[x], self.word_counts[y]).sum(axis=1, dtype=np.int64)
            shared = np.minimum(words, np.minimum(self.n_words[x], self.n_words[y]))
            lx, ly = self.lengths[x], self.lengths[y]
            structure = self._structure_bound(x, y, lx, ly)
            mixed = self.weight * self._jaccard(shared, x, y) + (1.0 - self.weight) * structure
            out[lo : lo + _STEP] = np.where(np.maximum(lx, ly) > 0, mixed, 0.0)
        return out

    def _jaccard(self, shared: npt.NDArray[np.int64], x: Ints, y: Ints) -> npt.NDArray[np.float64]:
        union = self.n_words[x] + self.n_words[y] - shared
        return np.where(union > 0, shared / np.maximum(union, 1), 1.0)

    def _identifiers(self, x: Ints, y: Ints) -> npt.NDArray[np.float64]:
        """The exact vocabulary part (unweighted) of rows ``x[k]``, ``y[k]``."""
        shared = cpdist(self.vocab[x], self.vocab[y], scorer=LCSseq.similarity, dtype=np.int64, workers=1)
        return self._jaccard(shared, x, y)

    def _scores(self, x: Ints, y: Ints, ids: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        common = cpdist(self.texts[x], self.texts[y], scorer=LCSseq.similarity, dtype=np.int64, workers=1)
        longer = np.maximum(self.lengths[x], self.lengths[y])
        return np.where(longer > 0, self.weight * ids + (1.0 - self.weight) * common / np.maximum(longer, 1), 0.0)

    def similarities(self, a: Ints, b: Ints) -> npt.NDArray[np.float64]:
        """The exact similarity of each pair ``(a[k], b[k])`` (0 when a unit is empty)."""
        if not len(a):
            return np.empty(0, dtype=np.float64)
        x, y = self._rows(a), self._rows(b)
        return self._scores(x, y, self._identifiers(x, y))

    def at_least(self, a: Ints, b: Ints, threshold: float) -> tuple[Ints, npt.NDArray[np.float64]]:
        """The positions ``k`` of the pairs whose similarity reaches ``threshold``, and their similarities.

        Three steps, each on the survivors of the last: the vectorised bound; the exact
        vocabulary part (short strings) with the bigram-count bound of the alignment part;
        the alignment itself (the costly step: on the speed corpus the second step leaves
        it under a third of the pairs the first one keeps).
        """
        keep = np.flatnonzero(self.bound(a, b) >= threshold - _EPSILON)
        x, y = self._rows(a[keep]), self._rows(b[keep])
        ids = self._identifiers(x, y)
        near = np.empty(len(keep), dtype=bool)
        for lo in range(0, len(keep), _STEP):
            s = slice(lo, lo + _STEP)
            xs, ys = x[s], y[s]
            structure = self._structure_bound(xs, ys, self.lengths[xs], self.lengths[ys])
            bound = self.weight * ids[s] + (1.0 - self.weight) * structure
            near[s] = bound >= threshold - _EPSILON
        keep, x, y, ids = keep[near], x[near], y[near], ids[near]
        sims = self._scores(x, y, ids) if len(keep) else np.empty(0, dtype=np.float64)
        reached = sims >= threshold
        return keep[reached], sims[reached]

    def verify(self, a: Ints, b: Ints, threshold: float) -> tuple[Ints, Ints, npt.NDArray[np.float64]]:
        """The pairs whose similarity reaches ``threshold``, with it."""
        keep, sims = self.at_least(a, b, threshold)
        return a[keep], b[keep], sims


def similarity(a: Unit, b: Unit, *, identifier_weight: float = IDENTIFIER_WEIGHT, ngram: int = NGRAM) -> float:
    """The verified similarity of two units, in [0, 1]."""
    v = Verifier([a, b], identifier_weight=identifier_weight, ngram=ngram, columns=4, word_columns=2)
    return float(v.similarities(np.array([0]), np.array([1]))[0])


def verify_pairs(
    units: Sequence[Unit],
    pairs: Iterable[tuple[int, int]],
    threshold: float,
    *,
    identifier_weight: float = IDENTIFIER_WEIGHT,
    ngram: int = NGRAM,
) -> list[tuple[int, int, float]]:
    """``(i, j, similarity)`` for every candidate pair of ``units`` at or above ``threshold``, in input order.

    ``identifier_weight`` and ``ngram`` exist for experiments (the benchmarks); the defaults are measured.
    """
    verifier = Verifier(units, identifier_weight=identifier_weight, ngram=ngram)
    flat = np.fromiter((x for pair in pairs for x in pair), dtype=np.int64)
    a, b, sims = verifier.verify(flat[0::2], flat[1::2], threshold)
    return list(zip(a.tolist(), b.tolist(), sims.tolist(), strict=True))


__all__ = ["IDENTIFIER_WEIGHT", "Verifier", "identifier_similarity", "similarity", "verify_pairs"]
