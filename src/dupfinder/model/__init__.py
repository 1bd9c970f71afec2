"""Frozen value types that flow one way through the pipeline.

discover -> SourceFile -> languages -> ParsedFile/RawUnit -> normalize -> Unit
-> signatures/index/verify -> cluster -> Cluster -> ScanResult -> reporters.

This module holds data only, no logic. Enrichment stages return new values
(``dataclasses.replace``); nothing here is mutated after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NewType

#: Stable content identity of a unit: hex digest of its normalised tokens.
Fingerprint = NewType("Fingerprint", str)
#: Stable identity of a cluster: derived from its members' fingerprints.
ClusterId = NewType("ClusterId", str)

# Token kinds a language module emits; normalisation maps them to a stream
# that is blind to renamed identifiers and changed literals (Type-2).
NAME = "name"  # identifiers: variables, functions, types, fields
LITERAL = "literal"  # numbers, strings, characters, regexes, templates
KEYWORD = "keyword"  # reserved words of the language
PUNCT = "punct"  # operators and delimiters


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  #: one of NAME, LITERAL, KEYWORD, PUNCT
    text: str  #: the source text of the token (comments never appear)
    line: int  #: 1-indexed line of the token's start


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file chosen for parsing."""

    path: str  #: POSIX path relative to the scan base (shown to users)
    abspath: str  #: absolute filesystem path (used to read it)
    root: str  #: POSIX path of the scanned root it came from, relative to the base
    language: str  #: registry name of the language that parses it
    size: int  #: size in bytes when discovered


@dataclass(frozen=True, slots=True)
class Skip:
    """A file that was not analysed, and why (never silently dropped)."""

    path: str  #: POSIX path relative to the scan base
    reason: str  #: short human-readable reason, e.g. "binary file"


@dataclass(frozen=True, slots=True)
class RawUnit:
    """A function or method as a language module sees it, before normalisation."""

    name: str | None  #: qualified name, e.g. "UserRepo.find_by_id"
    kind: str  #: "function" | "method"
    start_line: int  #: 1-indexed, inclusive
    end_line: int  #: 1-indexed, inclusive
    tokens: tuple[Token, ...]  #: code tokens of the whole unit, comments dropped
    calls: tuple[str, ...] = ()  #: called names as written (dotted), in order of first use


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What a language module returns for one file."""

    units: tuple[RawUnit, ...]
    imports: tuple[str, ...] = ()  #: imported modules/packages as written
    error: str | None = None  #: set when the file could not be parsed at all


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

    @property
    def n_tokens(self) -> int:
        return len(self.token_hashes) // 4

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything the per-file stages produce for one file: the unit of caching."""

    path: str
    units: tuple[Unit, ...] = ()
    lines: int = 0  #: physical lines in the file
    skip: Skip | None = None
    imports: tuple[str, ...] = ()  #: the file's imports, sorted and unique


@dataclass(frozen=True, slots=True)
class Instance:
    """One copy inside a cluster."""

    path: str
    start_line: int  #: 1-indexed, inclusive
    end_line: int  #: 1-indexed, inclusive
    name: str | None
    language: str
    root: str
    fingerprint: Fingerprint
    similarity: float  #: similarity to the cluster's representative (1.0 for itself)
    team: str | None = None
    code: str = ""  #: source text of the unit, for excerpts and evidence
    identifiers: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of N >= 2 similar code units (never modelled as a pair)."""

    id: ClusterId
    similarity: float  #: lowest similarity of a member to the representative
    instances: tuple[Instance, ...]  #: representative first, then by path/line
    category: str | None = None
    category_confidence: float = 0.0  #: 0-1, how sure the category rules are
    evidence: tuple[str, ...] = ()  #: what the category was matched on, e.g. "calls bcrypt.checkpw"

    @property
    def lines(self) -> int:
        """All lines of code held in the copies."""
        return sum(i.lines for i in self.instances)

    @property
    def duplicated_lines(self) -> int:
        """Lines that would go away if one copy served everyone."""
        return self.lines - max(i.lines for i in self.instances)


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int
    units: int
    lines: int
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A recurring problem solved again by several teams: clusters of one category."""

    rank: int  #: 1 = the platform team should build this first
    category: str | None
    teams: tuple[str, ...]  #: distinct teams owning copies, sorted
    cluster_ids: tuple[ClusterId, ...]
    lines: int  #: lines of code held in all copies
    score: float
    why: dict[str, float | int | str]  #: the parts of the score, shown to users
    pioneers: tuple[str, ...]  #: teams to partner with first
    instances: int = 0  #: number of copies across its clusters


@dataclass(frozen=True, slots=True)
class Adoption:
    """How far a declared platform package has replaced home-grown copies."""

    platform: str
    category: str
    adopters: tuple[str, ...]  #: teams importing the platform package
    rolling_their_own: tuple[str, ...]  #: teams with own code in the category
    rate: float  #: adopters / teams with code in the category (0.0 when none)
    copies: tuple[tuple[str, str, int, int], ...] = ()  #: (team, path, start, end) of own copies


@dataclass(frozen=True, slots=True)
class ScanResult:
    roots: tuple[str, ...]  #: scanned roots, POSIX relative to the base ("." for the base itself)
    stats: ScanStats
    clusters: tuple[Cluster, ...]
    base: str = ""  #: absolute path all paths are relative to (never written to reports)
    settings: dict[str, object] = field(default_factory=dict)
    #: path -> imports of every parsed file (for adoption of platform packages)
    file_imports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: path -> team for every parsed file, once teams are attributed
    file_teams: dict[str, str | None] = field(default_factory=dict)
    opportunities: tuple[Opportunity, ...] = ()
    adoption: tuple[Adoption, ...] = ()
