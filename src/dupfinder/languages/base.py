"""The one small interface every language plugs in behind."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from dupfinder.model import ParsedFile


@runtime_checkable
class Language(Protocol):
    """A language module: file endings it claims and a parser to code units.

    ``parse`` must never raise for bad input: a file it cannot parse at all
    comes back as ``ParsedFile(units=(), error="...")``; a file with local
    syntax errors should still yield the units that parsed cleanly.
    """

    name: str  #: registry name, e.g. "python"
    extensions: tuple[str, ...]  #: lower-case endings with the dot, e.g. (".py",)

    def parse(self, source: str, path: str) -> ParsedFile: ...
