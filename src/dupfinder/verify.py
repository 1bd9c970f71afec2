"""Exact verification of LSH candidates: how similar two units really are.

The similarity of units ``a`` and ``b`` is::

    (1 - w) * LCS(bigrams(a), bigrams(b)) / max(|bigrams(a)|, |bigrams(b)|)
      + w * Jaccard(words(a), words(b))

* the *alignment* part: the longest common subsequence (see
  :mod:`dupfinder.align`) of the two units' normalised token bigrams
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

Cost: each candidate first passes an O(1) upper bound, the size ratio of
the two streams with the vocabulary part already known; survivors cost one
bit-parallel LCS (O(n_a * n_b / 64) word operations in C++, told the
smallest LCS that could still reach the threshold so it can stop early).
Per-unit preparation (the encoded bigrams and the word set, O(tokens)) is
done once per unit, lazily.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from dupfinder.align import Encoder, lcs_length
from dupfinder.model import Unit
from dupfinder.normalize import words

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


class _Prepared:
    """Per-unit data for verification, built on first use."""

    __slots__ = ("ids", "text")

    def __init__(self, unit: Unit, encoder: Encoder, ngram: int) -> None:
        tokens: list[int] = np.frombuffer(unit.token_hashes, dtype="<u4").tolist()
        self.text = encoder.encode(ngrams(tokens, ngram))
        self.ids = frozenset(w for ident in unit.identifiers for w in words(ident))


def _score(a: _Prepared, b: _Prepared, threshold: float, weight: float) -> float | None:
    """The similarity of ``a`` and ``b``, or None as soon as it is known to be below ``threshold``."""
    longer, shorter = max(len(a.text), len(b.text)), min(len(a.text), len(b.text))
    if longer == 0:
        return None
    ids = weight * identifier_similarity(a.ids, b.ids)
    structure = 1.0 - weight
    if ids + structure * shorter / longer < threshold:
        return None
    # the fewest common elements that could still reach the threshold (1e-9: float noise)
    need = max(0, math.ceil((threshold - ids) / structure * longer - 1e-9)) if structure > 0 else 0
    common = lcs_length(a.text, b.text, need)
    if common < need:
        return None
    sim = ids + structure * common / longer
    return sim if sim >= threshold else None


def similarity(a: Unit, b: Unit, *, identifier_weight: float = IDENTIFIER_WEIGHT, ngram: int = NGRAM) -> float:
    """The verified similarity of two units, in [0, 1]."""
    encoder = Encoder()
    sim = _score(_Prepared(a, encoder, ngram), _Prepared(b, encoder, ngram), 0.0, identifier_weight)
    return 0.0 if sim is None else sim


def verify_pairs(
    units: Sequence[Unit],
    pairs: Iterable[tuple[int, int]],
    threshold: float,
    *,
    identifier_weight: float = IDENTIFIER_WEIGHT,
    ngram: int = NGRAM,
) -> list[tuple[int, int, float]]:
    """``(i, j, similarity)`` for every candidate pair of ``units`` at or above ``threshold``.

    ``identifier_weight`` and ``ngram`` exist for experiments (the benchmarks); the defaults are measured.
    """
    if not 0.0 <= identifier_weight <= 1.0:
        raise ValueError(f"identifier_weight must be in [0, 1], got {identifier_weight}")
    if ngram < 1:
        raise ValueError(f"ngram must be at least 1, got {ngram}")
    encoder = Encoder()
    prepared: dict[int, _Prepared] = {}

    def get(i: int) -> _Prepared:
        p = prepared.get(i)
        if p is None:
            p = prepared[i] = _Prepared(units[i], encoder, ngram)
        return p

    out: list[tuple[int, int, float]] = []
    for i, j in pairs:
        sim = _score(get(i), get(j), threshold, identifier_weight)
        if sim is not None:
            out.append((i, j, sim))
    return out


__all__ = ["IDENTIFIER_WEIGHT", "identifier_similarity", "similarity", "verify_pairs"]
