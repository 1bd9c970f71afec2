"""A ``Language`` built from a node table and its grammars, with per-thread parsers.

Grammars are compiled lazily, on a file's first use, once per process; a
tree-sitter ``Parser`` serves one thread, so parsers are cached per grammar
per thread. ``parse`` hands the tree to :class:`~dupfinder.languages.treesitter.walk.Walk`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import tree_sitter as ts

from dupfinder.languages.treesitter.grammar import Grammar
from dupfinder.languages.treesitter.table import GrammarLoader, NodeTable
from dupfinder.languages.treesitter.walk import Walk
from dupfinder.model import ParsedFile

__all__ = ["TreeSitterLanguage"]

# A tree-sitter Parser must not be used by two threads at once: the cache is
# one parser per grammar per thread (one per process when single-threaded).
_LOCAL = threading.local()
_GRAMMARS_LOCK = threading.Lock()


class TreeSitterLanguage:
    """A ``Language`` built from a :class:`NodeTable` and one or more grammars.

    ``grammars`` maps a file ending to a grammar loader; the entry ``""`` is the
    default (TypeScript uses the TSX grammar for ``.tsx`` only).
    """

    def __init__(
        self,
        name: str,
        extensions: tuple[str, ...],
        table: NodeTable,
        grammars: Mapping[str, GrammarLoader],
    ) -> None:
        if "" not in grammars:
            raise ValueError(f"{name}: grammars needs a default entry under the key ''")
        if not extensions or any(not e.startswith(".") or e != e.lower() for e in extensions):
            raise ValueError(f"{name}: extensions must be lower-case endings with a dot")
        self.name = name
        self.extensions = extensions
        self.table = table
        self._loaders = dict(grammars)
        self._grammars: dict[str, Grammar] = {}  # compiled lazily, on first use
        # longest ending first, so ".d.ts"-style keys could win over ".ts"
        self._endings = sorted((k for k in grammars if k), key=len, reverse=True)

    def __repr__(self) -> str:
        return f"TreeSitterLanguage({self.name!r})"

    # -- grammar and parser caches ------------------------------------------

    def _grammar_key(self, path: str) -> str:
        lower = path.lower()
        for ending in self._endings:
            if lower.endswith(ending):
                return ending
        return ""

    def _grammar(self, key: str) -> Grammar:
        grammar = self._grammars.get(key)
        if grammar is None:
            with _GRAMMARS_LOCK:
                grammar = self._grammars.get(key)
                if grammar is None:
                    grammar = Grammar(ts.Language(self._loaders[key]()), self.table)
                    self._grammars[key] = grammar
        return grammar

    @staticmethod
    def _parser(grammar: Grammar) -> ts.Parser:
        parsers: dict[Grammar, ts.Parser] | None = getattr(_LOCAL, "parsers", None)
        if parsers is None:
            parsers = {}
            _LOCAL.parsers = parsers
        parser = parsers.get(grammar)
        if parser is None:
            parser = ts.Parser(grammar.language)
            parsers[grammar] = parser
        return parser

    # -- the Language protocol ----------------------------------------------

    def parse(self, source: str, path: str) -> ParsedFile:
        """Units, imports and calls of one file; never raises."""
        try:
            key = self._grammar_key(path)
            grammar = self._grammar(key)
            # "replace": lone surrogates (undecodable input) must not raise
            data = source.encode("utf-8", "replace")
            tree = self._parser(grammar).parse(data)
            return Walk(self.table, grammar, data).run(tree)
        except Exception as exc:  # the Protocol: never raise, report instead
            return ParsedFile(units=(), error=f"parser failure: {type(exc).__name__}: {exc}")
