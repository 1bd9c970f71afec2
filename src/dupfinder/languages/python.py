"""Python: units and qualified names from libcst, tokens from the stdlib tokenizer.

libcst gives the concrete tree with exact positions (``PositionProvider``)
and dotted call names; the file is tokenized once with :mod:`tokenize` and
each unit takes the tokens inside its line span, so comments, blank lines
and layout never reach the token stream.  The scanned code is parsed only,
never imported or executed.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, RawUnit, Token

_SKIP_TYPES = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
    tokenize.ENCODING,
}
# soft keywords (match, case, type, _) stay names: they are ordinary identifiers far more often
_KEYWORDS = frozenset(keyword.kwlist)
_BOOLEANS = frozenset({"True", "False"})  # literals: a changed flag is a Type-2 change
_FSTRING_PARTS = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}


def tokenize_source(source: str) -> list[Token]:
    """Classified code tokens of a whole file (comments and layout dropped)."""
    out: list[Token] = []
    fstring_depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        ttype = tok.type
        if ttype in _SKIP_TYPES:
            continue
        line = tok.start[0]
        if ttype in _FSTRING_PARTS:
            # an f-string is one literal, whatever it interpolates (3.12+ splits it)
            if ttype == tokenize.FSTRING_START:  # type: ignore[attr-defined]
                if fstring_depth == 0:
                    out.append(Token(LITERAL, tok.string, line))
                fstring_depth += 1
            elif ttype == tokenize.FSTRING_END:  # type: ignore[attr-defined]
                fstring_depth -= 1
            continue
        if fstring_depth:
            continue
        if ttype == tokenize.NAME:
            if tok.string in _BOOLEANS:
                kind = LITERAL
            else:
                kind = KEYWORD if tok.string in _KEYWORDS else NAME
            out.append(Token(kind, tok.string, line))
        elif ttype in (tokenize.NUMBER, tokenize.STRING):
            out.append(Token(LITERAL, tok.string, line))
        elif ttype == tokenize.ERRORTOKEN and tok.string.isspace():
            continue
        else:
            out.append(Token(PUNCT, tok.string, line))
    return out


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


class PythonLanguage:
    name = "python"
    extensions: tuple[str, ...] = (".py", ".pyi", ".pyw")

    def parse(self, source: str, path: str) -> ParsedFile:
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


LANGUAGE = PythonLanguage()
