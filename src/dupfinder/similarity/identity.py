"""Identity beyond shape: what two units share that is rare in the scanned code.

Normalised token streams make every attribute-assigning constructor, every
framework override and every guard-and-raise look alike.  What separates a
copy from a look-alike is what they share *beyond* the shape: the same rare
identifiers, the same called APIs, the same string literals.  So each unit
gets a set of identity features -- the lower-case words of its identifiers
(``w:``), the names it calls as written (``c:``) and the hashes of its
literals (``l:``) -- and each feature a weight that says how rare it is among
the scan's distinct units (their document frequency), as SourcererCC and
Siamese weigh rare tokens::

    weight(f) = ln(1 + (N + 1) / (df(f) + 1))

(``N`` distinct units; never zero, so a tiny scan degrades to plain Jaccard).
The identity of two units is the weighted Jaccard similarity of their feature
sets, ``sum(w, shared) / sum(w, either)``, and the similarity a pair is
judged by mixes it with the alignment of their structure (see
:mod:`dupfinder.similarity.verify`)::

    similarity = (1 - w) * alignment + w * identity

where ``w`` depends on the size of the smaller unit: ``IDENTITY_WEIGHT`` (0.8)
up to ``SHORT`` (60) tokens, falling linearly to ``LONG_WEIGHT`` (0.3) at
``LONG`` (100) tokens.  A long aligned structure is evidence of its own; a
short one is a shape every code base has, and needs shared identity to count.
A pair whose structure aligns closely (``ALIGNED``, 0.7) and whose smaller unit
has at least ``ALIGNED_MIN`` (60) tokens keeps its verified similarity: a
renamed copy of a long function (BigCloneBench's Type-3 clones) is a copy even
when every name changed.  So does a pair where the smaller unit is found in the larger one
(``CONTAINED``, 0.9, of its token bigrams aligned in order, and ``CONTAINED_IDENTITY``, 0.75, of its
weighted identity shared): an extended copy (a constructor that repeats another's normalisation and
adds its own steps) is a copy, even though the larger unit's extra names and statements lower both
Jaccard-style measures.  That is containment over the smaller unit, as NIL measures it, and only
where both structure and identity are contained: one of them alone is what look-alikes share.

Words that both units of a pair only pass on -- parameters whose every use is a call argument of
their own (``super().__init__(timeout=timeout)``, ``f(a, *args)``; ``Unit.forwarded``) -- are left
out of that pair's identity: they are the interface of what the units call, which every
constructor forwarding the same options shares.

Shared ``self``, ``args`` or ``kwargs`` weigh almost nothing; shared
``unacked_key`` or a log message weigh a lot.  Deliberate twins (sync code
generated from async code, a vendored copy) share their rare names and stay
together.  The weight and the formula were chosen on judged samples of real
code (``benchmarks/clones/``).

Cost: O(features) to count and weigh; each pair is two sparse rows
multiplied, vectorised over many pairs at a time.
"""

from __future__ import annotations

import functools
import math
from array import array
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from dupfinder.model import Unit
from dupfinder.support.words import split_identifier, vocabulary

#: share of the pair similarity given to identity for short units; the rest is the alignment of structure
IDENTITY_WEIGHT = 0.8
LONG_WEIGHT = 0.3  #: ... and for long units (measured on judged samples, see the module docstring)
SHORT, LONG = 60, 100  #: tokens of the smaller unit where the weight starts and stops falling
ALIGNED, ALIGNED_MIN = 0.7, 60  #: alignment, and tokens of the smaller unit, that count without identity
#: share of the smaller unit's bigrams aligned in the larger, and of its weighted identity shared, that
#: make the pair an extended copy (measured on judged samples, see the module docstring)
CONTAINED, CONTAINED_IDENTITY = 0.9, 0.75
_STEP = 65_536  #: pairs per vectorised block

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@functools.lru_cache(maxsize=65_536)
def _word_features(identifier: str) -> tuple[str, ...]:
    """The word features of one identifier (memoised: the same identifiers recur in thousands of units)."""
    return tuple("w:" + w for w in split_identifier(identifier))


def features(unit: Unit) -> set[str]:
    """The identity features of a unit: identifier words, called names, literals."""
    out: set[str] = set().union(*map(_word_features, unit.identifiers))
    out.update(map("c:".__add__, unit.calls))
    out.update(map("l:".__add__, unit.literals))
    return out


def passed_on(unit: Unit) -> set[str]:
    """The identifier-word features of a unit that come only from the parameters it passes on.

    Such a word is the interface of what the unit calls (``super().__init__(timeout=timeout)``) or
    of what calls it, not its own identity: a pair of units that both only pass it on does not count
    it as shared (see :meth:`Identity.similarity`).  A pair where one of them uses it still does.
    """
    if not unit.forwarded:
        return set()
    own = vocabulary(i for i in unit.identifiers if i not in unit.forwarded)
    return {"w:" + w for w in vocabulary(unit.forwarded) - own}


class Identity:
    """The identity features of some units, weighted by their rarity among those units.

    ``similarity(a, b)`` is the weighted Jaccard similarity of units ``a[k]`` and ``b[k]``;
    ``word_jaccard(a, b)`` the plain Jaccard similarity of their identifier words (what the
    vocabulary part of the verified similarity is), so that the alignment part can be recovered.
    """

    __slots__ = ("counts", "passed", "sizes", "total", "weighted", "word_counts", "words")

    def __init__(self, units: Sequence[Unit], counts: Mapping[str, int] | None = None,
                 weighed_over: int | None = None) -> None:  # fmt: skip
        """``counts`` and ``weighed_over``: the document frequency of every feature of ``units`` and the
        number of units it was counted over, when the weights are those of a larger set of units that
        ``units`` are some of (default: counted over ``units`` themselves; ``counts`` keeps them)."""
        # One unit's feature set at a time, each feature as a number: a set of strings per unit, all
        # alive at once, held about 150 MB of the speed corpus's cold scan (the peak of its main process)
        column: dict[str, int] = {}  #: feature -> number, in the order first seen
        number = column.setdefault
        ids, lengths = array("q"), array("q")
        for u in units:
            found = features(u)
            lengths.append(len(found))
            ids.extend([number(f, len(column)) for f in found])
        passed_ids, passed_lengths = array("q"), array("q")
        for u in units:
            found = passed_on(u)
            passed_lengths.append(len(found))
            # a word passed on is one of the unit's own words; with counts given, a new one is numbered
            passed_ids.extend([number(f, len(column)) if counts is not None else column[f] for f in found])
        self.sizes = np.array([u.n_tokens for u in units], dtype=np.int64)
        seen = list(column)
        del column, number
        # columns in the order of the features' names, as the rows' entries
        order = sorted(range(len(seen)), key=seen.__getitem__)
        names = [seen[k] for k in order]
        rank = np.empty(len(seen), dtype=np.int64)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(seen), dtype=np.int64)
        n = len(units)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.frombuffer(lengths, dtype=np.int64))
        cols = rank[np.frombuffer(ids, dtype=np.int64)] if len(ids) else np.zeros(0, dtype=np.int64)
        cols = cols[np.lexsort((cols, rows))]  # rows are already in order: each row's features by name
        if counts is None:
            per_name = np.bincount(cols, minlength=len(seen)).tolist()
            df: Mapping[str, int] = dict(zip(names, per_name, strict=True))
        else:
            df = counts
        self.counts = df
        over = n if weighed_over is None else weighed_over
        weight = np.array([math.log1p((over + 1) / (df[f] + 1)) for f in names], dtype=np.float64)
        shape = (n, max(len(names), 1))
        #: sqrt(weight) per present feature: a product of two rows sums the shared weight
        self.weighted = sparse.csr_matrix((np.sqrt(weight[cols]), (rows, cols)), shape=shape)
        self.total: Floats = np.asarray(self.weighted.multiply(self.weighted).sum(axis=1), dtype=np.float64).ravel()
        passed_rows = np.repeat(np.arange(n, dtype=np.int64), np.frombuffer(passed_lengths, dtype=np.int64))
        passed_cols = rank[np.frombuffer(passed_ids, dtype=np.int64)] if len(passed_ids) else np.zeros(0, np.int64)
        passed_cols = passed_cols[np.lexsort((passed_cols, passed_rows))]
        #: the same, for the words a unit only passes on
        self.passed = sparse.csr_matrix((np.sqrt(weight[passed_cols]), (passed_rows, passed_cols)), shape=shape)
        is_word = np.array([f.startswith("w:") for f in names], dtype=bool)
        word_cols = is_word[cols] if len(cols) else np.zeros(0, dtype=bool)
        self.words = sparse.csr_matrix((np.ones(int(word_cols.sum())), (rows[word_cols], cols[word_cols])), shape=shape)
        self.word_counts: Floats = np.asarray(self.words.sum(axis=1), dtype=np.float64).ravel()

    def _shared(self, matrix: sparse.csr_matrix, a: Ints, b: Ints) -> Floats:
        out = np.empty(len(a), dtype=np.float64)
        for lo in range(0, len(a), _STEP):
            x, y = a[lo : lo + _STEP], b[lo : lo + _STEP]
            out[lo : lo + _STEP] = np.asarray(matrix[x].multiply(matrix[y]).sum(axis=1)).ravel()
        return out

    def _weights(self, a: Ints, b: Ints) -> tuple[Floats, Floats, Floats]:
        """The shared weight of each pair and each side's total, leaving out the words both only pass on."""
        both_pass = self._shared(self.passed, a, b)
        shared = self._shared(self.weighted, a, b) - both_pass
        return shared, self.total[a] - both_pass, self.total[b] - both_pass

    def similarity(self, a: Ints, b: Ints) -> Floats:
        """Weighted Jaccard similarity of each pair ``(a[k], b[k])`` (1.0 when both have no feature),
        leaving out the words both only pass on."""
        shared, total_a, total_b = self._weights(a, b)
        union = total_a + total_b - shared
        return np.where(union > 0, shared / np.maximum(union, 1e-300), 1.0)

    def containment(self, a: Ints, b: Ints) -> Floats:
        """The share of the smaller identity of each pair ``(a[k], b[k])`` that the other shares (1.0 when
        one has no feature), leaving out the words both only pass on."""
        shared, total_a, total_b = self._weights(a, b)
        smaller = np.minimum(total_a, total_b)
        return np.where(smaller > 0, shared / np.maximum(smaller, 1e-300), 1.0)

    def word_jaccard(self, a: Ints, b: Ints) -> Floats:
        """Plain Jaccard similarity of the identifier words of each pair (1.0 when both have none)."""
        shared = self._shared(self.words, a, b)
        union = self.word_counts[a] + self.word_counts[b] - shared
        return np.where(union > 0, shared / np.maximum(union, 1), 1.0)


def judged(identity: Identity, a: Ints, b: Ints, verified: Floats, identifier_weight: float) -> Floats:
    """The similarity pairs are judged by, from their verified similarity (alignment and plain word
    Jaccard, mixed by ``identifier_weight``) and their identity."""
    jaccard = identity.word_jaccard(a, b)
    alignment = np.clip((verified - identifier_weight * jaccard) / (1.0 - identifier_weight), 0.0, 1.0)
    smaller = np.minimum(identity.sizes[a], identity.sizes[b])
    weight = IDENTITY_WEIGHT + (LONG_WEIGHT - IDENTITY_WEIGHT) * np.clip((smaller - SHORT) / (LONG - SHORT), 0.0, 1.0)
    out: Floats = (1.0 - weight) * alignment + weight * identity.similarity(a, b)
    aligned = (alignment >= ALIGNED) & (smaller >= ALIGNED_MIN)
    # the alignment is over the larger unit's bigrams (one fewer than its tokens); over the smaller's:
    bigrams = np.maximum(identity.sizes - 1, 1)
    over_smaller = alignment * np.maximum(bigrams[a], bigrams[b]) / np.minimum(bigrams[a], bigrams[b])
    contained = over_smaller >= CONTAINED
    if contained.any():  # identity containment only where the structure is contained
        where = np.flatnonzero(contained)
        contained[where] = identity.containment(a[where], b[where]) >= CONTAINED_IDENTITY
    return np.where(aligned | contained, np.maximum(out, verified), out)
