"""Python through libcst: the reference path for files tree-sitter-python finds an error in.

libcst gives the concrete tree with exact positions (``PositionProvider``) and
``get_full_name_for_node`` for dotted call names; its import alone takes about
0.4 s, so :mod:`dupfinder.languages.python` imports this module only when a
file needs it.  Callers check :func:`dupfinder.languages.python.shape_problem`
first: some shapes crash or stall libcst's native parser.
"""

from __future__ import annotations

import tokenize
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from dupfinder.languages.python import tokenize_source
from dupfinder.model import ParsedFile, RawUnit, Token

__all__ = ["parse"]


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[tuple[str, str]] = []  # (kind, name)
        self.found: list[tuple[str, str, int, int, list[str]]] = []
        self.calls: list[list[str]] = []
        self.imports: list[str] = []

    def _range(self, node: cst.CSTNode) -> CodeRange:
        return self.get_metadata(PositionProvider, node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append(("class", node.name.value))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_class = bool(self.scopes) and self.scopes[-1][0] == "class"
        qual = ".".join([n for _, n in self.scopes] + [node.name.value])
        rng = self._range(node)
        start = rng.start.line
        if node.decorators:
            start = min(start, self._range(node.decorators[0]).start.line)
        calls: list[str] = []
        self.found.append(("method" if in_class else "function", qual, start, rng.end.line, calls))
        self.calls.append(calls)
        self.scopes.append(("def", node.name.value))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.calls.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if not self.calls:
            return
        name = get_full_name_for_node(node.func)
        if name:
            for calls in self.calls:  # a call counts for every enclosing unit
                if name not in calls:
                    calls.append(name)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if name:
                self.imports.append(name)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        dots = "." * len(node.relative)
        module = get_full_name_for_node(node.module) if node.module is not None else ""
        base = f"{dots}{module or ''}"
        if isinstance(node.names, cst.ImportStar):
            self.imports.append(base)
            return
        for alias in node.names:
            name = get_full_name_for_node(alias.name)
            if name:
                self.imports.append(f"{base}.{name}" if module else f"{base}{name}")


def _tokens_between(tokens: Sequence[Token], lines: Sequence[int], start: int, end: int) -> tuple[Token, ...]:
    return tuple(tokens[bisect_left(lines, start) : bisect_right(lines, end)])


def parse(source: str) -> ParsedFile:
    """Units with classified tokens and imports of ``source``, or the reason it has none; never raises."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return ParsedFile(units=(), error=f"syntax error at line {exc.raw_line}")
    except RecursionError:
        return ParsedFile(units=(), error="nested too deeply to parse")
    except Exception as exc:  # libcst's native parser can raise others on odd input
        return ParsedFile(units=(), error=f"parser failed: {type(exc).__name__}")
    collector = _Collector()
    try:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
        tokens = tokenize_source(source)
    except RecursionError:
        return ParsedFile(units=(), error="nested too deeply to analyse")
    except (tokenize.TokenError, SyntaxError) as exc:
        return ParsedFile(units=(), error=f"tokenizer failed: {exc}")
    except Exception as exc:  # libcst's position provider turns a RecursionError into a KeyError
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, RecursionError):
            cause = cause.__context__
        if cause is not None:
            return ParsedFile(units=(), error="nested too deeply to analyse")
        return ParsedFile(units=(), error=f"analysis failed: {type(exc).__name__}")
    lines = [t.line for t in tokens]
    units = tuple(
        RawUnit(
            name=qual,
            kind=kind,
            start_line=start,
            end_line=end,
            tokens=_tokens_between(tokens, lines, start, end),
            calls=tuple(calls),
        )
        for kind, qual, start, end, calls in collector.found
    )
    return ParsedFile(units=units, imports=tuple(collector.imports))
