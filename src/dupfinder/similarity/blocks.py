"""Block clones: regions inside functions and module-level code that copy another region anywhere.

A unit is a whole function, so a 20-line block pasted into the middle of a
longer, unrelated function is not similar to anything as a unit.  Blocks are
found on each file's whole normalised token stream (identifiers ``$``,
literals ``#``, keywords and punctuation kept, the same hashes units use):

1. **Fingerprints** (MOSS, Schleimer et al. 2003): the hashes of every
   ``K``-token window, winnowed -- of each ``W`` consecutive window hashes the
   smallest (the rightmost on ties) is kept, with its position.  Two streams
   that share a run of at least ``K + W - 1`` tokens share a fingerprint.
2. **Seeds**: fingerprints that occur in two places or more.  Of a fingerprint
   in at most ``ALL_PAIRS`` places every two places are paired: a chain would
   pair a copy with a third place of another context that lies between it and
   its original in the order, and neither extension would reach the copy's
   length.  Beyond that each place is paired with the next one in (raw text,
   file, position) order, so ``n`` places give ``n - 1`` seeds and the groups
   are joined later (step 5), and a code base that copies one file into a
   hundred places (locale tables, generated clients) costs a hundred
   extensions, not five thousand.  A fingerprint
   that occurs in more than ``MAX_PLACES`` places carries no identity by its
   shape (stop words in text retrieval: tuples of numbers, argument lists):
   its places seed only among those with the same raw window (identifiers and
   literals equal too), by the same rules, so that a verbatim copy of a common
   shape (a colour table pasted into another module) is still found.
3. **Regions**: each seed is extended both ways to the maximal run where the
   two streams are equal (all seeds at once, vectorised; along one diagonal
   each seed is compared only up to the next one, whose run it joins when
   the tokens between them are equal, so each run is walked once and
   reported once), then trimmed to whole lines (a
   last line the run covers at least half of stays: an edited line of the copy).
   A region must have at least ``min_tokens`` tokens and ``MIN_LINES`` lines, or be a verbatim
   copy (identifiers and literals equal too) of at least ``VERBATIM_LINES`` lines and
   ``VERBATIM_TOKENS`` tokens with a name before a parenthesis (a call or a signature, not only
   field declarations or data): a string or a long line is one token or a few, so six pasted
   lines of calls with string arguments can hold fewer than ``min_tokens``.  A run whose
   identity as a whole is too low (step 4) still yields its verbatim stretches.  Only runs that
   share a fingerprint are extended, so runs under ``K + W - 1`` tokens are found only when one
   lies inside a longer run of equal shape or happens to hold a fingerprint.
4. **Identity**: as for units (:mod:`dupfinder.similarity.identity`), equal
   shape is not enough: the two regions' identifiers and literals (their raw
   texts' hashes) are compared by weighted Jaccard similarity, each weighted
   by how rare it is among the scanned files; an exact copy scores 1.
5. **Clusters**: regions that overlap by most of their lines in one file are
   one node; matched nodes form connected components (see
   :func:`block_groups`).  The caller drops the regions a unit-level cluster
   already reports.

Cost: O(tokens) to hash and winnow (vectorised), O(F log F) to sort the F
fingerprints and the seeds, O(tokens on the seeds' diagonals) to extend them
(vectorised), then per distinct run O(region) to trim and weigh it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupfinder.similarity.normalize import NAME_PLACEHOLDER, token_hash

K = 30  #: tokens per fingerprinted window
W = 21  #: windows per winnowing window: runs of K + W - 1 = 50 tokens or more always share a fingerprint
MAX_PLACES = 1000  #: a fingerprint in more places than this is generated or generic code and seeds nothing
#: a fingerprint in at most this many places pairs every two of them; one in more is chained
ALL_PAIRS = 8
MIN_LINES = 5  #: the fewest lines a block clone spans
#: a verbatim copy (identifiers and literals equal too) of at least this many lines is a block clone with
#: fewer than ``min_tokens`` tokens: strings and long lines carry few normalised tokens per line
VERBATIM_LINES = 6
VERBATIM_TOKENS = 30  #: the fewest tokens of such a verbatim copy
#: a name and an opening parenthesis (a call or a signature), which such a short copy must hold: field
#: declarations and data tables (interface fields, constant assignments) under ``min_tokens`` are no blocks
_CALL = (token_hash(NAME_PLACEHOLDER), token_hash("("))
#: least share of lines two regions of one file must have in common to be one node of a block cluster
SAME_REGION = 0.5

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Stream:
    """A file's code tokens, in order (comments and layout dropped)."""

    path: str
    language: str  #: blocks never match across languages
    norm: U32  #: normalised token hashes (as units use)
    raw: U32  #: hashes of the raw texts of identifiers and literals; the normalised hash for the other tokens
    lines: U32  #: 1-based line of each token
    #: :func:`stream_marks` of the stream when already computed (stored with the file's cache record)
    marks: tuple[U64, U64, Ints] | None = None

    def __len__(self) -> int:
        return len(self.norm)


#: every stream in order, or some of them by their numbers
Streams = Sequence[Stream] | Mapping[int, Stream]


@dataclass(frozen=True, slots=True)
class Region:
    """Tokens ``[start, stop)`` of a stream, spanning whole lines."""

    stream: int  #: index of the stream
    start: int
    stop: int
    first_line: int  #: 1-based, inclusive
    last_line: int  #: 1-based, inclusive


@dataclass(frozen=True, slots=True)
class Match:
    """Two regions with equal normalised tokens, and how much identity beyond the shape they share."""

    a: Region
    b: Region
    identity: float  #: weighted Jaccard similarity of their identifiers and literals, in [0, 1]


def window_hashes(norm: U32, k: int = K) -> U64:
    """A 64-bit hash of every ``k``-token window of the stream (none for a shorter stream)."""
    n = len(norm) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    t = norm.astype(np.uint64)
    h = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):  # FNV-1a over the window, vectorised across all windows
            h = (h ^ t[j : j + n]) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


def winnow(hashes: U64, w: int = W) -> tuple[U64, Ints]:
    """The winnowed fingerprints of a stream's window hashes and their positions, in order.

    Of every ``w`` consecutive hashes the smallest is kept, the rightmost one on ties
    (robust winnowing); a position kept by several windows is kept once.
    """
    n = len(hashes)
    if n == 0:
        return hashes, np.empty(0, dtype=np.int64)
    if n <= w:
        at = n - 1 - int(np.argmin(hashes[::-1]))
        return hashes[at : at + 1], np.array([at], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, w)
    # rightmost minimum of each window: argmin of the reversed window, mapped back
    pick = np.arange(n - w + 1, dtype=np.int64) + (w - 1 - np.argmin(windows[:, ::-1], axis=1))
    positions = np.unique(pick)
    return hashes[positions], positions


def window_hashes_at(tokens: U32, at: Ints, k: int = K) -> U64:
    """:func:`window_hashes` of the windows starting at positions ``at`` only (each a whole window)."""
    t = tokens.astype(np.uint64)
    h = np.full(len(at), 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = (h ^ t[at + j]) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


def stream_marks(norm: U32, raw: U32) -> tuple[U64, U64, Ints]:
    """A stream's winnowed fingerprints: their hashes, the hashes of the raw windows there, their positions."""
    h, p = winnow(window_hashes(norm))
    return h, window_hashes_at(raw, p), p


def pack_marks(marks: tuple[U64, U64, Ints]) -> bytes:
    """:func:`stream_marks` as bytes: the hashes and raw hashes as little-endian uint64, the positions as uint32."""
    h, r, p = marks
    return h.astype("<u8").tobytes() + r.astype("<u8").tobytes() + p.astype("<u4").tobytes()


def unpack_marks(packed: bytes) -> tuple[U64, U64, Ints]:
    """What :func:`pack_marks` packed (ValueError when ``packed`` is not such bytes)."""
    if len(packed) % 20:
        raise ValueError("packed fingerprints are 20 bytes each")
    n = len(packed) // 20
    h = np.frombuffer(packed, dtype="<u8", count=n).astype(np.uint64, copy=False)
    r = np.frombuffer(packed, dtype="<u8", count=n, offset=8 * n).astype(np.uint64, copy=False)
    return h, r, np.frombuffer(packed, dtype="<u4", count=n, offset=16 * n).astype(np.int64)


def fingerprints(streams: Sequence[Stream]) -> tuple[U64, U64, Ints, Ints]:
    """Every stream's fingerprints: (hashes, hashes of the raw windows there, stream index, token
    position), sorted by hash, then by raw hash (places with the same text next to each other: chained
    seeds pair verbatim copies first), stream, position."""
    return fingerprints_of(
        [stream.marks if stream.marks is not None else stream_marks(stream.norm, stream.raw) for stream in streams]
    )


def fingerprints_of(marks: Sequence[tuple[U64, U64, Ints]]) -> tuple[U64, U64, Ints, Ints]:
    """:func:`fingerprints` from each stream's :func:`stream_marks`, in the streams' order."""
    hashes: list[U64] = []
    raws: list[U64] = []
    owners: list[Ints] = []
    positions: list[Ints] = []
    for s, (h, r, p) in enumerate(marks):
        hashes.append(h)
        raws.append(r)
        positions.append(p)
        owners.append(np.full(len(p), s, dtype=np.int64))
    if not hashes:
        empty = np.empty(0, dtype=np.int64)
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.uint64), empty, empty
    h, r, o, p = np.concatenate(hashes), np.concatenate(raws), np.concatenate(owners), np.concatenate(positions)
    order = np.lexsort((p, o, r, h))
    return h[order], r[order], o[order], p[order]


def seeds(hashes: U64, owner: Ints, position: Ints, max_places: int = MAX_PLACES,
          all_pairs: int = ALL_PAIRS, raws: U64 | None = None) -> Ints:  # fmt: skip
    """Pairs of fingerprint rows (``[n, 2]``, first < second) with the same hash: every two places of a
    hash in at most ``all_pairs`` places, each place with the next one for a hash in at most
    ``max_places``; sorted.  ``raws``: the rows' raw window hashes (rows sorted by hash, then raw
    hash) -- a hash in more than ``max_places`` places is split by raw hash, and each part is paired
    by the same rules (verbatim copies of a common shape)."""
    if len(hashes) < 2:
        return np.empty((0, 2), dtype=np.int64)
    change = np.concatenate(([True], hashes[1:] != hashes[:-1]))
    if raws is not None:
        starts = np.flatnonzero(change)
        sizes = np.diff(np.append(starts, len(hashes)))
        common = np.repeat(sizes > max_places, sizes)  # rows of a hash in too many places
        change = change | np.concatenate(([True], common[1:] & (raws[1:] != raws[:-1])))
    starts = np.flatnonzero(change)
    sizes = np.diff(np.append(starts, len(hashes)))
    group = np.repeat(np.arange(len(starts)), sizes)
    rows = np.arange(len(hashes) - 1, dtype=np.int64)
    chained = (group[:-1] == group[1:]) & (sizes[group[:-1]] > all_pairs) & (sizes[group[:-1]] <= max_places)
    out = [np.stack([rows[chained], rows[chained] + 1], axis=1)]
    for size in range(2, min(all_pairs, max_places) + 1):
        first = starts[sizes == size]
        if len(first):
            i, j = np.triu_indices(size, k=1)
            out.append(np.stack([(first[:, None] + i).ravel(), (first[:, None] + j).ravel()], axis=1))
    pairs = np.concatenate(out)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def extend(a: U32, b: U32, pa: int, pb: int) -> tuple[int, int, int]:
    """The maximal run of equal tokens around ``a[pa] == b[pb]``: (start in a, start in b, length)."""
    flat = np.concatenate((a, b))
    one = np.zeros(1, dtype=np.int64)
    back, fwd = extend_all(flat, one + pa, one + len(a) + pb, one + min(pa, pb),
                           one + min(len(a) - pa, len(b) - pb), np.zeros(0, dtype=bool))  # fmt: skip
    return pa - int(back[0]), pb - int(back[0]), int(back[0] + fwd[0])


_SPAN = 32  #: tokens compared per pair in the first step of :func:`extend_all`; each step doubles it
_BUDGET = 1 << 18  #: tokens compared per step at most (bounds the temporaries to a few MB)


def _equal_span(flat: U32, pa: Ints, pb: Ints, limit: Ints, step: int) -> Ints:
    """For each pair, how many tokens ``flat[pa + k] == flat[pb + k]`` for ``k = 0, 1, ...`` in a row, at
    most ``limit``; ``step`` is +1 (forwards from ``pa``, ``pb``) or -1 (backwards from before them)."""
    out = np.zeros(len(pa), dtype=np.int64)
    last = len(flat) - 1
    active = np.flatnonzero(limit > 0)
    span = _SPAN
    while len(active):
        for lo in range(0, len(active), max(1, _BUDGET // span)):
            part = active[lo : lo + max(1, _BUDGET // span)]
            done = out[part]
            ahead = np.arange(span, dtype=np.int64)
            shift = (done[:, None] + ahead) if step > 0 else (-1 - done[:, None] - ahead)
            # positions past a pair's limit are clipped into the array and count as a difference
            xa = np.clip(pa[part, None] + shift, 0, last)
            xb = np.clip(pb[part, None] + shift, 0, last)
            differ = (flat[xa] != flat[xb]) | (done[:, None] + ahead >= limit[part, None])
            stopped = differ.any(axis=1)
            out[part] = done + np.where(stopped, differ.argmax(axis=1), span)
        active = active[out[active] < limit[active]]
        active = active[_still_equal(flat, pa[active], pb[active], out[active], step)]
        span *= 2  # the pairs still equal hold long runs (copied files): longer steps, fewer of them
    return out


def _still_equal(flat: U32, pa: Ints, pb: Ints, done: Ints, step: int) -> npt.NDArray[np.bool_]:
    """Whether the next token after ``done`` equal ones is equal too (the run goes on)."""
    at = done if step > 0 else -1 - done
    equal: npt.NDArray[np.bool_] = flat[pa + at] == flat[pb + at]
    return equal


def extend_all(flat: U32, ga: Ints, gb: Ints, back: Ints, fwd: Ints,
               same_next: npt.NDArray[np.bool_]) -> tuple[Ints, Ints]:  # fmt: skip
    """:func:`extend` of many pairs of places at once, on streams laid end to end in ``flat``: for each
    pair ``ga[k]``, ``gb[k]`` (positions in ``flat``), the run's tokens before the places (at most
    ``back[k]``) and from the places on (at most ``fwd[k]``).  The pairs come by diagonal (two streams
    at one offset), in order along it; ``same_next[k]``: pair ``k + 1`` lies on the diagonal of ``k``.

    The places of a diagonal are compared only up to the next one: when the tokens between two places
    are all equal, the run of the first goes on as the run of the second.  So each token of a diagonal
    is compared once each way, and a long run holding a thousand places (a file copied whole) is not
    walked a thousand times."""
    n = len(ga)
    same_next = np.append(same_next, False) if len(same_next) < n else same_next
    gap = np.zeros(n, dtype=np.int64)
    gap[:-1] = ga[1:] - ga[:-1]
    same_before = np.concatenate(([False], same_next[:-1]))
    gap_before = np.concatenate(([0], gap[:-1]))
    # forwards, up to the next place of the diagonal; backwards, down to the one before
    f = _equal_span(flat, ga, gb, np.where(same_next, np.minimum(fwd, gap), fwd), 1)
    b = _equal_span(flat, ga, gb, np.where(same_before, np.minimum(back, gap_before), back), -1)
    # a place whose span reaches the next place carries on with that place's run (sums along chains)
    before = _chained(b, same_before & (b == gap_before), forward=False)
    return before, _chained(f, same_next & (f == gap), forward=True)


def _chained(span: Ints, linked: npt.NDArray[np.bool_], forward: bool) -> Ints:
    """Each item's ``span`` plus those of the items it is ``linked`` to, one after another: forwards,
    item ``k`` links to ``k + 1``; backwards, to ``k - 1``."""
    if not len(span):
        return span
    total = np.cumsum(span)
    if forward:
        ends = np.flatnonzero(~linked)  # the last item of each chain (the last item is never linked)
        end = ends[np.searchsorted(ends, np.arange(len(span)))]
        return total[end] - total + span
    starts = np.flatnonzero(~linked)  # the first item of each chain (the first item is never linked)
    start = starts[np.searchsorted(starts, np.arange(len(span)), side="right") - 1]
    return total - total[start] + span[start]


def whole_lines(stream: Stream, start: int, stop: int) -> tuple[int, int] | None:
    """``[start, stop)`` shrunk to the tokens of the lines it covers completely, or None if none; a last
    line it covers at least half of stays (the copy's edited last line: ``def f(x)`` pasted as
    ``def f(x) -> int``), a first line it starts inside does not (the tail of another statement)."""
    lines = stream.lines
    if start > 0 and lines[start - 1] == lines[start]:  # starts mid-line: from the next line on
        start = int(lines.searchsorted(lines[start], side="right"))
    if stop < len(lines) and stop > 0 and lines[stop] == lines[stop - 1]:  # ends mid-line
        line_start = int(lines.searchsorted(lines[stop - 1], side="left"))
        line_stop = int(lines.searchsorted(lines[stop - 1], side="right"))
        if 2 * (stop - line_start) < line_stop - line_start:  # less than half of it: up to the line before
            stop = line_start
    return (start, stop) if stop > start else None


def rarity(streams: Sequence[Stream]) -> dict[int, float]:
    """Weight of each raw identifier or literal hash: ``ln(1 + (F + 1) / (df + 1))`` over the F streams."""
    return rarity_of([terms(s.norm, s.raw) for s in streams])


def terms(norm: U32, raw: U32) -> U32:
    """The distinct raw hashes of a stream that differ from their token's normalised hash (its identifiers
    and literals), sorted: what :func:`rarity` counts of it."""
    return np.unique(raw[raw != norm])


def rarity_of(per_stream: Sequence[U32]) -> dict[int, float]:
    """:func:`rarity` from each stream's :func:`terms`."""
    if not per_stream:
        return {}
    distinct = np.concatenate(per_stream)
    hashes, counts = np.unique(distinct, return_counts=True)
    f = len(per_stream)
    weights = {df: math.log1p((f + 1) / (df + 1)) for df in set(counts.tolist())}  # one per count: few
    return dict(zip(hashes.tolist(), [weights[df] for df in counts.tolist()], strict=True))


def identity(a: Stream, ra: tuple[int, int], b: Stream, rb: tuple[int, int], weight: dict[int, float]) -> float:
    """Weighted Jaccard similarity of the identifiers and literals of two regions (1.0 when neither has any)."""
    xa = a.raw[ra[0] : ra[1]][a.raw[ra[0] : ra[1]] != a.norm[ra[0] : ra[1]]]
    xb = b.raw[rb[0] : rb[1]][b.raw[rb[0] : rb[1]] != b.norm[rb[0] : rb[1]]]
    sa, sb = set(xa.tolist()), set(xb.tolist())
    union = sum(map(weight.get, sa | sb, itertools.repeat(1.0)))  # the sums of a generator, without its frames
    return 1.0 if union == 0 else sum(map(weight.get, sa & sb, itertools.repeat(1.0))) / union


@dataclass(frozen=True, slots=True)
class Seeded:
    """The streams' fingerprints, seeds and rarity weights: what :func:`matches` extends.

    ``streams``: every stream, or (from :meth:`of_marks`) the streams at hand by number: :func:`matches`
    with ``among`` reads those of :func:`partners` only.
    """

    streams: Streams
    owner: Ints  #: stream of each fingerprint row
    position: Ints  #: token position of each fingerprint row
    pairs: Ints  #: the seeds (pairs of fingerprint rows), in order
    weight: dict[int, float]

    @classmethod
    def of(cls, streams: Sequence[Stream]) -> Seeded:
        hashes, raws, owner, position = fingerprints(streams)
        return cls(streams, owner, position, seeds(hashes, owner, position, raws=raws), rarity(streams))

    @classmethod
    def of_marks(cls, marks: Sequence[tuple[U64, U64, Ints]], per_stream: Sequence[U32],
                 streams: Mapping[int, Stream]) -> Seeded:  # fmt: skip
        """The seeds of streams from their :func:`stream_marks` and :func:`terms` alone (the same as
        :meth:`of` over the whole streams), with the ``streams`` at hand."""
        hashes, raws, owner, position = fingerprints_of(marks)
        return cls(streams, owner, position, seeds(hashes, owner, position, raws=raws), rarity_of(per_stream))


def _seeds_among(seeded: Seeded, among: Collection[int]) -> Ints:
    """The seeds of ``seeded`` with a place in one of the ``among`` streams."""
    owner = seeded.owner
    size = max(int(owner.max()) + 1 if len(owner) else 0, max(among, default=-1) + 1)
    chosen = np.zeros(size, dtype=bool)
    chosen[np.fromiter(among, dtype=np.int64, count=len(among))] = True
    pairs = seeded.pairs
    return pairs[chosen[owner[pairs[:, 0]]] | chosen[owner[pairs[:, 1]]]]


def partners(seeded: Seeded, among: Collection[int]) -> set[int]:
    """The streams :func:`matches` with ``among`` reads: those that share a seed with one of ``among``."""
    pairs = _seeds_among(seeded, among)
    return set(np.unique(seeded.owner[pairs]).tolist()) if len(pairs) else set()


def matches(streams: Sequence[Stream] | Seeded, min_tokens: int, min_identity: float,
            among: Collection[int] | None = None) -> list[Match]:  # fmt: skip
    """Every maximal pair of equal regions of at least ``min_tokens`` tokens and ``MIN_LINES`` lines
    whose identity reaches ``min_identity``, in a fixed order.

    ``among``: stream numbers -- only the matches of pairs of streams with one of them, each found and
    ordered as without ``among`` (a seed's extension depends only on the runs of its own pair of streams).
    """
    seeded = streams if isinstance(streams, Seeded) else Seeded.of(streams)
    at_hand, owner, position, pairs, weight = seeded.streams, seeded.owner, seeded.position, seeded.pairs, seeded.weight
    least = min(min_tokens, VERBATIM_TOKENS)  # the shortest run that may make a block (a verbatim one)
    out: list[Match] = []
    if among is not None:
        pairs = _seeds_among(seeded, among)
    for sa, sb, start_a, start_b, length in _runs(at_hand, owner, position, pairs, least):
        a, b = at_hand[sa], at_hand[sb]
        if sa == sb and start_a < start_b + length and start_b < start_a + length:
            # a stretch of one file that repeats itself (one class or block pasted after itself, again
            # and again): its copies are the consecutive periods; the first two are the pair
            period = abs(start_b - start_a)
            if period < min_tokens:
                continue  # a short pattern repeated (a table of similar lines), not copies of code
            start_a = start_b = min(start_a, start_b)
            start_b += period
            length = period
        same = a.raw[start_a : start_a + length] == b.raw[start_b : start_b + length]
        verbatim = bool(same.all())
        if length >= min_tokens or verbatim:
            match = _region_match(at_hand, sa, sb, start_a, start_b, length, min_tokens, weight, verbatim)
            if match is not None and match.identity >= min_identity:
                out.append(match)
                continue
        if verbatim or int(same.sum()) < least:
            continue
        # the run's identifiers differ too much as a whole: its verbatim stretches may still be copies
        for lo, hi in _true_runs(same, least):
            match = _region_match(at_hand, sa, sb, start_a + lo, start_b + lo, hi - lo, min_tokens, weight, True)
            if match is not None and match.identity >= min_identity:
                out.append(match)
    return out


def _runs(streams: Streams, owner: Ints, position: Ints, pairs: Ints,
          least: int) -> list[tuple[int, int, int, int, int]]:  # fmt: skip
    """The maximal runs of equal tokens around the seeds ``pairs`` (pairs of fingerprint rows), in the
    seeds' order: ``(stream a, stream b, start in a, start in b, length)`` with ``(a, start) < (b,
    start)``, each run once (one extension per diagonal: the seeds on a run found before give that run
    again), of at least ``least`` tokens; pairs of streams of different languages have none."""
    if not len(pairs):
        return []
    sa, sb = owner[pairs[:, 0]], owner[pairs[:, 1]]
    pa, pb = position[pairs[:, 0]], position[pairs[:, 1]]
    swap = (sa > sb) | ((sa == sb) & (pa > pb))  # one order per pair of places
    sa, sb, pa, pb = np.where(swap, sb, sa), np.where(swap, sa, sb), np.where(swap, pb, pa), np.where(swap, pa, pb)
    # the streams the seeds touch (all of them, or those at hand), numbered as in ``streams``
    used = np.unique(np.concatenate((sa, sb))).tolist()
    names: dict[str, int] = {}
    language = np.full(used[-1] + 1, -1, dtype=np.int64)
    sizes = np.zeros(used[-1] + 1, dtype=np.int64)
    for k in used:
        language[k] = names.setdefault(streams[k].language, len(names))
        sizes[k] = len(streams[k])
    seed = np.flatnonzero(language[sa] == language[sb])  # each seed's place in the seeds' order
    if not len(seed):
        return []
    # by diagonal (two streams at one offset), along it
    seed = seed[np.lexsort((pa[seed], pa[seed] - pb[seed], sb[seed], sa[seed]))]
    sa, sb, pa, pb = sa[seed], sb[seed], pa[seed], pb[seed]
    diagonal = pa - pb
    same_next = (sa[1:] == sa[:-1]) & (sb[1:] == sb[:-1]) & (diagonal[1:] == diagonal[:-1])
    base = np.concatenate(([0], np.cumsum(sizes)))  # an unused stream takes no room
    flat = np.concatenate([streams[k].norm for k in used])
    back, fwd = extend_all(flat, base[sa] + pa, base[sb] + pb, np.minimum(pa, pb),
                           np.minimum(sizes[sa] - pa, sizes[sb] - pb), same_next)  # fmt: skip
    start_a, start_b, length = pa - back, pb - back, back + fwd
    # A seed whose own token pair is equal lies on its run, which is the maximal run of equal tokens
    # through it: a later seed on that run finds the same run and is passed over (the seeds of one run
    # are next to each other along the diagonal).  A seed whose token pair differs (a hash collision)
    # lies on no run and is never passed over.
    on_run = fwd > 0
    one_run = same_next & on_run[1:] & on_run[:-1] & (start_a[1:] == start_a[:-1])
    firsts = np.flatnonzero(np.concatenate(([True], ~one_run)))
    earliest = np.minimum.reduceat(seed, firsts) if len(firsts) else firsts
    keep = firsts[length[firsts] >= least]
    keep = keep[np.argsort(earliest[length[firsts] >= least], kind="stable")]  # in the seeds' order
    return list(zip(sa[keep].tolist(), sb[keep].tolist(), start_a[keep].tolist(), start_b[keep].tolist(),
                    length[keep].tolist(), strict=True))  # fmt: skip


def _holds_call(norm: U32) -> bool:
    """Whether normalised tokens hold a name followed by an opening parenthesis (a call or a signature)."""
    return bool(np.any((norm[:-1] == _CALL[0]) & (norm[1:] == _CALL[1])))


def _true_runs(flags: npt.NDArray[np.bool_], least: int) -> list[tuple[int, int]]:
    """The maximal stretches ``[lo, hi)`` of ``flags`` that are all true, of at least ``least`` items."""
    if not len(flags):
        return []
    # the stretches of equal flags lie between the changes; every other one, from the first true one, is true
    bounds = [0, *(np.flatnonzero(flags[1:] != flags[:-1]) + 1).tolist(), len(flags)]
    first = 0 if flags[0] else 1
    starts, stops = bounds[first::2], bounds[first + 1 :: 2]  # one start more when it ends false
    return [(lo, hi) for lo, hi in zip(starts, stops, strict=False) if hi - lo >= least]


def _region_match(streams: Streams, sa: int, sb: int, start_a: int, start_b: int, length: int,
                  min_tokens: int, weight: dict[int, float], verbatim: bool) -> Match | None:  # fmt: skip
    """The regions of a run, trimmed to whole lines on both sides alike, when big enough; ``verbatim``:
    the run's raw tokens are equal too (a copy with its identifiers and literals)."""
    a, b = streams[sa], streams[sb]
    ta = whole_lines(a, start_a, start_a + length)
    tb = whole_lines(b, start_b, start_b + length)
    if ta is None or tb is None:
        return None
    # keep the tokens both trimmed regions still pair up
    lo = max(ta[0] - start_a, tb[0] - start_b)
    hi = min(ta[1] - start_a, tb[1] - start_b)
    if hi - lo < min(min_tokens, VERBATIM_TOKENS):
        return None
    ra, rb = (start_a + lo, start_a + hi), (start_b + lo, start_b + hi)
    la = (int(a.lines[ra[0]]), int(a.lines[ra[1] - 1]))
    lb = (int(b.lines[rb[0]]), int(b.lines[rb[1] - 1]))
    if la[1] - la[0] + 1 < MIN_LINES or lb[1] - lb[0] + 1 < MIN_LINES:
        return None
    if hi - lo < min_tokens and not (
        verbatim and min(la[1] - la[0], lb[1] - lb[0]) + 1 >= VERBATIM_LINES and _holds_call(a.norm[ra[0] : ra[1]])
    ):
        return None  # under min_tokens: only a verbatim copy of VERBATIM_LINES lines or more with a call
    # a verbatim copy has the same identifiers and literals: identity 1
    return Match(Region(sa, *ra, *la), Region(sb, *rb, *lb), 1.0 if verbatim else identity(a, ra, b, rb, weight))


def block_groups(found: Sequence[Match]) -> list[list[tuple[Region, float]]]:
    """Groups of regions that copy each other: each region with its best identity to the others.

    Regions of one stream that share most of their lines (``SAME_REGION``) are one node (the
    first seen stands for it); matches link nodes; each connected component of two or more nodes
    is a group, its regions in node order.
    """
    nodes: list[Region] = []
    by_stream: dict[int, list[tuple[int, int, int]]] = {}  #: stream -> (node, first line, last line)

    def node_of(r: Region) -> int:
        first, last = r.first_line, r.last_line
        size = last - first + 1
        for n, x_first, x_last in by_stream.get(r.stream, ()):  # the first node sharing most of the shorter one's lines
            if x_first > last or x_last < first:
                continue  # no line in common
            common = (x_last if x_last < last else last) - (x_first if x_first > first else first) + 1
            if common >= SAME_REGION * min(x_last - x_first + 1, size):
                return n
        nodes.append(r)
        by_stream.setdefault(r.stream, []).append((len(nodes) - 1, first, last))
        return len(nodes) - 1

    parent: list[int] = []
    best: list[float] = []

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for m in found:
        x, y = node_of(m.a), node_of(m.b)
        while len(parent) < len(nodes):
            parent.append(len(parent))
            best.append(0.0)
        best[x], best[y] = max(best[x], m.identity), max(best[y], m.identity)
        if x != y:
            rx, ry = root(x), root(y)
            parent[max(rx, ry)] = min(rx, ry)
    groups: dict[int, list[int]] = {}
    for n in range(len(nodes)):
        groups.setdefault(root(n), []).append(n)
    return [[(nodes[n], best[n]) for n in members] for _, members in sorted(groups.items()) if len(members) >= 2]
