"""Sequence alignment of two normalised token streams: the length of their longest common subsequence.

The LCS of two token streams counts the tokens that survive, in order, when
one copy is edited into the other by inserting and deleting tokens.  It is
the token-level analogue of the line ``diff`` that clone benchmarks use to
grade near-miss (Type-3) clones and, unlike a set of shingles, it sees the
order of the whole unit, so two units that merely share many small idioms
in a different arrangement do not look alike.

The LCS itself comes from RapidFuzz (``rapidfuzz.distance.LCSseq``), which
implements the bit-parallel algorithm of Allison & Dix (1986) / Hyyrö
(2004) in C++: a bit vector as long as the first stream is updated once per
token of the second, 64 positions per machine word.  Cost: O(n_a * n_b / 64)
word operations per pair (a few microseconds for units of a few hundred
tokens), instead of the O(n_a * n_b) cells of the textbook dynamic
programme; a ``cutoff`` lets it give up early on pairs that cannot reach it.

RapidFuzz is fastest on ``str``, so an :class:`Encoder` first maps every
distinct token hash to one character (an injective map, so the LCS is
unchanged); a stream is encoded once and reused for every pair it is in.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import LCSseq

#: characters come from the supplementary planes: never a surrogate, room for 2**20 tokens
_FIRST = 0x10000
_LAST = 0x10FFFF


class Encoder:
    """Maps token hashes to characters, the same token always to the same character.

    The normalised vocabulary of a language (keywords, punctuation, ``$``, ``#``)
    is a few hundred tokens.  Should a hostile input ever bring more than 2**20
    distinct ones, the rest share the last character, which can only make a
    pair look more alike, never raise.
    """

    __slots__ = ("_codes",)

    def __init__(self) -> None:
        self._codes: dict[int, str] = {}

    def encode(self, tokens: Iterable[int]) -> str:
        codes = self._codes
        out: list[str] = []
        for tok in tokens:
            ch = codes.get(tok)
            if ch is None:
                ch = codes[tok] = chr(min(_FIRST + len(codes), _LAST))
            out.append(ch)
        return "".join(out)


def lcs_length(a: str, b: str, cutoff: int = 0) -> int:
    """Length of the longest common subsequence of two encoded streams; 0 if it is below ``cutoff``."""
    return int(LCSseq.similarity(a, b, score_cutoff=cutoff or None))


__all__ = ["Encoder", "lcs_length"]
