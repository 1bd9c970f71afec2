"""The one small interface every language plugs in behind, and its optional fast path.

Every language is a :class:`Language`: it parses a file into ``RawUnit``
objects, which the per-file stage normalises. A language that can give the
normalised units directly, without a ``Token`` per token, also implements
:class:`UnitParser`; the per-file stage checks for it with ``isinstance`` and
uses it instead of ``parse``. Both are runtime-checkable protocols, so a
third-party language needs no base class, and one with ``parse`` alone works.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from dupfinder.model import ParsedFile, TokenStream, Unit

__all__ = ["Language", "UnitParser"]


@runtime_checkable
class Language(Protocol):
    """A language module: file endings it claims and a parser to code units.

    ``parse`` must never raise for bad input: a file it cannot parse at all
    comes back as ``ParsedFile(units=(), error="...")``; a file with local
    syntax errors should still yield the units that parsed cleanly.  Its
    ``tokens`` are the whole file's code tokens (module-level code included),
    for block clones; a language that leaves them empty takes no part in them.

    A language may also implement :class:`UnitParser` (Python does), and may name its own words in an
    ``idioms`` attribute (a frozenset of lower-case words: builtins, keywords, special methods), which the
    capability map never counts as words teams share (:func:`dupfinder.languages.idioms_of`).
    """

    name: str  #: registry name, e.g. "python"
    extensions: tuple[str, ...]  #: lower-case endings with the dot, e.g. (".py",)

    def parse(self, source: str, path: str) -> ParsedFile: ...


@runtime_checkable
class UnitParser(Protocol):
    """The optional fast path of a :class:`Language`: normalised units straight from the source.

    ``parse_units`` returns what ``parse`` followed by
    :func:`dupfinder.similarity.normalize.to_unit` gives, exactly: the units
    with at least ``min_tokens`` tokens, the file's sorted unique imports, an
    error, set only when the file has no unit because it could not be
    parsed, and the whole file's token stream for block clones (None: the
    per-file stage leaves the file out of block clones). A language that sets
    ``parse_units = None`` opts out.
    """

    def parse_units(
        self, source: str, path: str, *, root: str, language: str, min_tokens: int
    ) -> tuple[tuple[Unit, ...], tuple[str, ...], str | None, TokenStream | None]: ...
