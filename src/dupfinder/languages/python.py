"""Python: tree-sitter-python first, libcst where the grammars disagree.

Every file is parsed by tree-sitter-python (:mod:`dupfinder.languages.python_treesitter`):
a query in C finds the definitions, callees and imports, and one regular
expression splits each unit's lines into tokens, about 15 times faster than
libcst plus the stdlib tokenizer.  Where tree-sitter sees a syntax error the
file goes to the libcst path (:mod:`dupfinder.languages.python_libcst`, imported
only then), which gives the same values (units and
qualified names from libcst's concrete tree with exact positions
(``PositionProvider``), dotted call names, tokens from :mod:`tokenize`) for
everything libcst accepts; a file neither accepts keeps tree-sitter's clean
units.  Either way comments, blank lines and layout never reach the token
stream.  The scanned code is parsed only, never imported or executed.
"""

from __future__ import annotations

import io
import keyword
import tokenize

from dupfinder.languages import python_treesitter as fast
from dupfinder.languages.base import Language, UnitParser
from dupfinder.languages.python_tokens import file_tokens
from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, Token, TokenStream, Unit
from dupfinder.similarity.normalize import to_unit

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
_FSTRING_PARTS = {
    getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)
}


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
            kind = LITERAL if tok.string in _BOOLEANS else KEYWORD if tok.string in _KEYWORDS else NAME
            out.append(Token(kind, tok.string, line))
        elif ttype in (tokenize.NUMBER, tokenize.STRING):
            out.append(Token(LITERAL, tok.string, line))
        elif ttype == tokenize.ERRORTOKEN and tok.string.isspace():
            continue
        else:
            out.append(Token(PUNCT, tok.string, line))
    return out


#: CPython refuses more than 200 nested brackets; libcst's native parser
#: crashes the whole process (stack overflow) somewhere past 1,000.
MAX_NESTING = 200
#: libcst's parser is cubic in the length of an operator chain at one level
#: (``a + b + ...``, ``a.b.c...``, ``f()()...``, ``- - x``): 2,000 tokens take
#: about a second, 20,000 an hour, inside native code no time limit can stop.
MAX_CHAIN = 2_000
#: ``elif`` clauses nest in libcst's tree: tens of thousands crash its parser
MAX_ELIF = 1_000
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")
#: tokens that end an operand chain at their bracket level
_CHAIN_BREAKS = frozenset({",", ";", ":", "=", ":=", "->"})
_LAYOUT = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
                     tokenize.ENDMARKER})  # fmt: skip


def shape_problem(source: str) -> str | None:
    """Why libcst must not be given ``source`` (nesting or chains that crash or stall it), or None.

    One pass of the stdlib tokenizer, which is iterative; a file it cannot
    tokenize is left to libcst, which reports the syntax error.
    """
    depth = lambdas = 0
    chains = [0]  # tokens since the last chain break, per open bracket level
    elifs: dict[int, int] = {}  # column -> elif clauses in the if statement there
    line_start = True
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            ttype = tok.type
            if ttype in _LAYOUT:
                continue
            if ttype == tokenize.NEWLINE:
                depth, lambdas, chains, line_start = 0, 0, [0], True
                continue
            text = tok.string
            if line_start:
                line_start = False
                column = tok.start[1]
                if text == "elif":
                    elifs[column] = elifs.get(column, 0) + 1
                    if elifs[column] > MAX_ELIF:
                        return f"nested too deeply (over {MAX_ELIF} elif clauses, line {tok.start[0]})"
                elif text != "else":
                    elifs[column] = 0
            if ttype == tokenize.NAME and text == "lambda":
                lambdas += 1
                if lambdas > MAX_NESTING:
                    return f"nested too deeply (over {MAX_NESTING} lambdas in one statement, line {tok.start[0]})"
            if ttype == tokenize.OP and text in _OPENERS:
                chains[-1] += 1
                depth += 1
                if depth > MAX_NESTING:
                    return f"nested too deeply (over {MAX_NESTING} levels of brackets)"
                chains.append(0)
                continue
            if ttype == tokenize.OP and text in _CLOSERS and depth:
                depth -= 1
                chains.pop()
            if ttype == tokenize.OP and text in _CHAIN_BREAKS:
                chains[-1] = 0
                continue
            chains[-1] += 1
            if chains[-1] > MAX_CHAIN:
                return f"expression too long to parse (over {MAX_CHAIN} tokens without a break, line {tok.start[0]})"
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _fast_structure(source: str) -> fast.Structure | None:
    try:
        return fast.parse_structure(source)
    except Exception:  # a tree-sitter failure leaves the file to libcst
        return None


#: the words of Python itself, as the capability map splits names (``__getitem__``: getitem): the lower-case
#: builtins (with those ``site`` adds), the keywords and the special methods' words, spelled out so that every
#: Python version reads the same words; a group whose teams share only these shares the language
IDIOMS: frozenset[str] = frozenset({
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
    "chr", "classmethod", "compile", "complex", "copyright", "credits", "delattr", "dict", "dir", "divmod",
    "enumerate", "eval", "exec", "exit", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
    "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list",
    "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property",
    "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum",
    "super", "tuple", "type", "vars", "zip", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "getitem",
    "setitem", "delitem", "getattribute", "contains", "enter", "aenter", "aexit", "call", "init", "new", "eq", "ne",
    "lt", "le", "gt", "ge", "slots", "module", "name", "doc", "qualname", "annotations", "get", "delete", "missing"
})  # fmt: skip


class PythonLanguage(Language, UnitParser):
    """Python, with the fast path of :class:`~dupfinder.languages.base.UnitParser`."""

    name = "python"
    extensions: tuple[str, ...] = (".py", ".pyi", ".pyw")
    idioms: frozenset[str] = IDIOMS

    def parse(self, source: str, path: str) -> ParsedFile:
        """Units with classified tokens (the Language protocol); never raises."""
        structure = _fast_structure(source)
        if structure is None or structure.error_line:
            return self._parse_checked(source, path, structure)
        return ParsedFile(units=fast.raw_units(source, structure), imports=structure.imports)

    def parse_units(
        self, source: str, path: str, *, root: str, language: str, min_tokens: int
    ) -> tuple[tuple[Unit, ...], tuple[str, ...], str | None, TokenStream | None]:
        """Normalised units with at least ``min_tokens`` tokens, the file's sorted imports, an error and the
        file's token stream.

        The fast form of ``parse`` followed by :func:`dupfinder.similarity.normalize.to_unit`
        (same values, no ``Token`` objects).  The error is set only when the
        file has no unit at all because it could not be parsed.
        """
        structure = _fast_structure(source)
        tokens = file_tokens(source)
        if structure is None or structure.error_line:
            parsed = self._parse_checked(source, path, structure)
            imports = tuple(sorted(set(parsed.imports)))
            units = tuple(
                u
                for u in (to_unit(r, path=path, root=root, language=language, imports=imports) for r in parsed.units)
                if u.n_tokens >= min_tokens
            )
            return units, imports, parsed.error, tokens.stream()
        units = fast.units(source, structure, path=path, root=root, language=language, min_tokens=min_tokens,
                           tokens=tokens)  # fmt: skip
        return units, tuple(sorted(set(structure.imports))), None, tokens.stream()

    def _parse_checked(self, source: str, path: str, structure: fast.Structure | None) -> ParsedFile:
        """A file tree-sitter found a syntax error in: libcst decides, tree-sitter keeps the clean units.

        The grammars differ at the edges, so code libcst accepts is analysed
        as before; code neither accepts keeps the units tree-sitter parsed
        cleanly, and is reported at tree-sitter's first error otherwise.
        """
        parsed = self._parse_libcst(source, path)
        if parsed.error is None or structure is None:
            return parsed
        if structure.units:
            return ParsedFile(units=fast.raw_units(source, structure), imports=structure.imports)
        error = parsed.error
        if error.startswith("syntax error"):  # tree-sitter points at the first broken line
            error = f"syntax error at line {structure.error_line}"
        return ParsedFile(units=(), imports=structure.imports, error=error)

    def _parse_libcst(self, source: str, path: str) -> ParsedFile:
        problem = shape_problem(source)
        if problem is not None:
            return ParsedFile(units=(), error=problem)
        from dupfinder.languages import python_libcst  # libcst's import alone takes 0.4 s: only when needed

        return python_libcst.parse(source)


LANGUAGE = PythonLanguage()
