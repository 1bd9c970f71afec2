"""What discovery and the language modules produce: files, tokens, raw units."""

from __future__ import annotations

from dataclasses import dataclass

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
    tokens: tuple[Token, ...] = ()  #: the whole file's code tokens, for block clones (empty: not given)
