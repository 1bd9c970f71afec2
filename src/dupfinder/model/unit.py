"""Normalised code units and the per-file result (the unit of caching)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from dupfinder.model.source import Skip

#: Stable content identity of a unit: hex digest of its normalised tokens.
Fingerprint = NewType("Fingerprint", str)


@dataclass(frozen=True, slots=True)
class Unit:
    """A normalised code unit, ready for signatures."""

    path: str  #: POSIX path relative to the scan base
    root: str  #: the scanned root (or repository) it belongs to
    language: str
    name: str | None
    kind: str
    start_line: int  #: 1-indexed, inclusive
    end_line: int  #: 1-indexed, inclusive
    fingerprint: Fingerprint  #: hash of the normalised token stream (no positions)
    token_hashes: bytes  #: normalised tokens as little-endian uint32 hashes
    identifiers: tuple[str, ...] = ()  #: raw identifiers, sorted and unique
    calls: tuple[str, ...] = ()  #: called names, sorted and unique
    imports: tuple[str, ...] = ()  #: the enclosing file's imports, sorted and unique
    literals: tuple[str, ...] = ()  #: digests of the unit's string literals (not the short ones), sorted and unique
    forwarded: tuple[str, ...] = ()  #: parameters it only passes on to a call, sorted and unique (Python)

    @property
    def n_tokens(self) -> int:
        return len(self.token_hashes) // 4

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


@dataclass(frozen=True, slots=True)
class TokenStream:
    """A file's code tokens in order (comments and layout dropped), as three little-endian uint32 arrays."""

    norm: bytes  #: each token's normalised hash (as units use: identifiers ``$``, literals ``#``)
    raw: bytes  #: hash of the raw text of each identifier and string literal; the normalised hash for the rest
    lines: bytes  #: 1-based line of each token
    #: the stream's winnowed fingerprints, packed (:func:`dupfinder.similarity.blocks.pack_marks`); empty
    #: when not computed yet
    marks: bytes = b""

    def __len__(self) -> int:
        return len(self.norm) // 4


@dataclass(frozen=True, slots=True)
class StreamHead:
    """What the block search needs of a file's token stream before its tokens: their number, the
    stream's block fingerprints and the raw hashes its rarity weights count.  A cached file's tokens
    are kept apart from the rest of its record, so that a search around a few files reads this for
    every file and the tokens of the files it extends seeds into only."""

    length: int  #: tokens in the stream
    marks: bytes  #: :attr:`TokenStream.marks`
    #: the distinct raw hashes that differ from their token's normalised hash (identifiers, literals), as
    #: sorted little-endian uint32
    terms: bytes
    check: int = 0  #: CRC-32 of the tokens (normalised hashes, raw hashes, lines): which tokens are these


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything the per-file stages produce for one file: the unit of caching."""

    path: str
    units: tuple[Unit, ...] = ()
    lines: int = 0  #: physical lines in the file
    skip: Skip | None = None
    imports: tuple[str, ...] = ()  #: the file's imports, sorted and unique
    stream: TokenStream | None = None  #: the whole file's tokens, for block clones
    #: the functions under the clone minimum, down to ``ScanConfig.map_min_tokens``, for the capability map only:
    #: without their tokens (``token_hashes``, ``fingerprint``, ``literals`` and ``forwarded`` empty)
    small_units: tuple[Unit, ...] = ()
