"""Python's fast path: structure from tree-sitter-python, tokens from one regular expression.

Parsing every file with libcst costs about 16 ms per 1,000 lines and the
stdlib tokenizer another 3 ms; tree-sitter-python parses the same lines in
about 1 ms, in C.  This module gets from it exactly what the libcst path
produces (see :mod:`dupfinder.languages.python`), and nothing slower:

1. **Structure** (one tree-sitter parse, one query): a ``Query`` run in C
   returns only the nodes that matter -- ``def``, ``class``, decorated
   definitions, call callees and imports -- so Python never walks the tree's
   millions of nodes.  The captures are visited in source order with a stack of
   open scopes (by end byte): a ``def`` becomes a unit named by the scopes
   around it (``Repo.find``, ``outer.inner``), a method when its innermost
   scope is a class; its span starts at its first decorator, like libcst's,
   and ends at its last code token (tree-sitter lets a block swallow the
   comments after it).  Callees are dotted like libcst's
   ``get_full_name_for_node`` (``a.b(c).d[0].e`` -> ``a.b.d.e``, a base that is
   no name -> ``None``) and count for every enclosing unit.
2. **Tokens**: a unit's lines are split by one compiled regular expression
   (the stdlib tokenizer's own token grammar, whole-text, with comments, blank
   lines, continuations and layout consumed between tokens), so ``findall``
   returns the code tokens as strings without a Python-level loop.  Names,
   keywords, literals (strings whole, f-strings included, numbers, True and
   False) and punctuation are classified exactly as the tokenizer path does.
3. **Normalisation** (:func:`units`): each distinct token text is classified
   and hashed once per process through :func:`dupfinder.similarity.normalize.normalise_token`
   and :func:`~dupfinder.similarity.normalize.token_hash`, then a unit's hash stream is a
   dict look-up per token.  The result is the same ``Unit`` that
   :func:`dupfinder.similarity.normalize.to_unit` makes from the ``Token`` objects
   (tests compare the two), without building a ``Token`` per token.

A file whose tree has a syntax error is left to the caller (libcst decides
whether it is really broken, since grammars differ at the edges); the clean
units of a broken file are still available here.  Cost: O(file bytes) in C
for the parse and the query, O(captured nodes) Python steps for the
structure, and O(unit tokens) for the tokens, one ``findall`` per unit (a
nested unit's lines are read again by each enclosing unit).
"""

from __future__ import annotations

import keyword
import re
import threading
import tokenize
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter as ts
import tree_sitter_python

from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, RawUnit, Token, Unit
from dupfinder.similarity.normalize import fingerprint, normalise_token, token_hash

__all__ = ["Structure", "parse_structure", "raw_units", "token_texts", "tokens_with_lines", "units"]

# -- the token grammar ----------------------------------------------------------

_PREFIX = r"(?:[bB][rR]?|[rR][bBfF]?|[uU]|[fF][rR]?)?"
# triple-quoted strings may hold newlines and backslash escapes of anything
_TRIPLE = _PREFIX + (
    r"(?:'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*""")'
)
# one-quote strings end at their line, unless a backslash continues them
_SINGLE = _PREFIX + r"""(?:'[^\n'\\]*(?:\\[\s\S][^\n'\\]*)*'|"[^\n"\\]*(?:\\[\s\S][^\n"\\]*)*")"""
# the tokenizer's own number grammar, its groups made non-capturing
_NUMBER = re.sub(r"\((?!\?)", "(?:", tokenize.Number)
#: brackets, commas and semicolons begin no longer operator: one character class, tried early
_BRACKETS = r"[()\[\]{},;~]"
_OPERATORS = "|".join(
    re.escape(t) for t in sorted(tokenize.EXACT_TOKEN_TYPES, key=len, reverse=True) if t not in "()[]{},;~"
)
#: what lies between tokens: white space, comments, newlines and backslash
#: continuations (possessive: a token never starts inside a comment)
_GAP = r"(?:[^\S\n]+|#[^\n]*|\\?\n)*+"
#: names first (most tokens; possessive, and never a string prefix), then
#: brackets, numbers, strings, operators (longest first), and any other
#: visible character alone (the tokenizer's ERRORTOKEN)
_TOKEN = rf"(?:[^\W\d]\w*+(?!['\"])|{_BRACKETS}|{_NUMBER}|{_TRIPLE}|{_SINGLE}|{_OPERATORS}|\S)"
# after a gap comes a token or the end (an empty match, dropped): a match
# always succeeds where the last one ended, so scanning never restarts inside
# a comment or a string
_TOKEN_RE = re.compile(_GAP + "(" + _TOKEN + r"|\Z)")
#: the same with a group for the gap, to count the newlines in it
_TOKEN_GAP_RE = re.compile("(" + _GAP + ")(" + _TOKEN + r"|\Z)")

_KEYWORDS = frozenset(keyword.kwlist)  # soft keywords (match, case, type, _) stay names
_BOOLEANS = frozenset({"True", "False"})
_QUOTES = frozenset("'\"")


def classify(text: str) -> str:
    """The token kind of one token text, as the stdlib-tokenizer path classifies it."""
    first = text[0]
    if first.isdigit() or (first == "." and len(text) > 1 and text[1].isdigit()):
        return LITERAL
    if len(text) > 1 and text[-1] in _QUOTES:
        return LITERAL  # a string, prefixed or not
    if text in _BOOLEANS:
        return LITERAL
    if text in _KEYWORDS:
        return KEYWORD
    if first == "_" or first.isalnum():
        return NAME
    return PUNCT


def token_texts(segment: str) -> list[str]:
    """Code token texts of ``segment`` (whole lines), comments and layout dropped."""
    texts: list[str] = _TOKEN_RE.findall(segment)
    while texts and not texts[-1]:  # the end, once after a gap and once more without
        texts.pop()
    return texts


def tokens_with_lines(segment: str, first_line: int) -> list[Token]:
    """Classified ``Token`` objects of ``segment``, whose first line is ``first_line``."""
    out: list[Token] = []
    line = first_line
    for gap, text in _TOKEN_GAP_RE.findall(segment):
        if not text:  # the end
            break
        line += gap.count("\n")
        out.append(Token(classify(text), text, line))
        if "\n" in text:  # a string over several lines
            line += text.count("\n")
    return out


# -- structure from tree-sitter -------------------------------------------------

_QUERY_SOURCE = """
(function_definition) @def
(class_definition) @class
(decorated_definition) @decorated
(call function: (_) @callee)
(import_statement) @import
(import_from_statement) @import_from
(future_import_statement) @future
(type_alias_statement) @alias
"""

_CALL_OF_TYPE = re.compile(rb"type\s*\(")

_LOCK = threading.Lock()
_LOCAL = threading.local()  # a tree-sitter Parser must not serve two threads at once
_SHARED: dict[str, tuple[ts.Language, ts.Query]] = {}


def _grammar() -> tuple[ts.Language, ts.Query]:
    shared = _SHARED.get("grammar")
    if shared is None:
        with _LOCK:
            shared = _SHARED.get("grammar")
            if shared is None:
                language = ts.Language(tree_sitter_python.language())
                shared = (language, ts.Query(language, _QUERY_SOURCE))
                _SHARED["grammar"] = shared
    return shared


def _parser() -> ts.Parser:
    parser: ts.Parser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = ts.Parser(_grammar()[0])
        _LOCAL.parser = parser
    return parser


@dataclass(frozen=True, slots=True)
class FoundUnit:
    """A ``def`` as the structure pass sees it (tokens come later)."""

    kind: str  #: "function" | "method"
    name: str  #: qualified by the enclosing classes and functions
    start_line: int  #: 1-indexed, inclusive: the first decorator's line
    end_line: int  #: 1-indexed, inclusive: the last code token's line
    calls: tuple[str, ...]  #: callees in dotted form, in order of first use


@dataclass(frozen=True, slots=True)
class Structure:
    units: tuple[FoundUnit, ...]  #: clean units, in source order
    imports: tuple[str, ...]  #: imported modules as written, in source order
    error_line: int  #: 1-indexed line of the first syntax error; 0 when the tree is clean


def _text(node: ts.Node) -> str:
    data = node.text
    return data.decode("utf-8", "replace") if data is not None else ""


def _dotted(node: ts.Node) -> str:
    """``a . b`` as ``a.b``: the identifiers of a dotted name."""
    if node.type == "dotted_name":
        return ".".join(_text(c) for c in node.named_children)
    return _text(node)


def _last_code_row(node: ts.Node) -> int:
    """1-indexed line of the last token in ``node`` that is not a comment."""
    while True:
        i = node.child_count - 1
        child = None
        while i >= 0:
            child = node.child(i)
            if child is not None and child.type != "comment" and child.end_byte > child.start_byte:
                break
            i -= 1
        if i < 0 or child is None:
            return node.end_point[0] + 1
        node = child


def callee_name(node: ts.Node) -> str | None:
    """libcst's ``get_full_name_for_node`` on tree-sitter nodes, without recursion."""
    attrs: list[str] = []
    current: ts.Node | None = node
    base = "None"  # libcst's text for an attribute of something that has no name
    while current is not None:
        kind = current.type
        if kind == "identifier":
            base = _text(current)
            break
        if kind == "attribute":
            attr = current.child_by_field_name("attribute")
            attrs.append(_text(attr) if attr is not None else "")
            current = current.child_by_field_name("object")
        elif kind == "call":
            current = current.child_by_field_name("function")
        elif kind == "subscript":
            current = current.child_by_field_name("value")
        elif kind == "parenthesized_expression" and current.named_child_count == 1:
            current = current.named_child(0)  # libcst keeps brackets on the node inside
        elif kind in ("list_splat", "dictionary_splat") and current.named_child_count == 1:
            # tree-sitter-python reads ``*f()`` as a call of ``*f``; Python (and libcst) as ``*(f())``
            current = current.named_child(0)
        else:
            if not attrs:
                return None
            break
    if not attrs:
        return base
    attrs.append(base)
    return ".".join(reversed(attrs))


def _first_error_line(root: ts.Node) -> int:
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        nxt = next((c for c in node.children if c.has_error or c.is_error or c.is_missing), None)
        if nxt is None:
            return node.start_point[0] + 1
        node = nxt


def _imports(caps: dict[str, list[ts.Node]]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in caps.get("import", ()):
        for name in node.children_by_field_name("name"):
            target = name.child_by_field_name("name") if name.type == "aliased_import" else name
            if target is not None:
                found.append((node.start_byte, _dotted(target)))
    for key in ("import_from", "future"):
        for node in caps.get(key, ()):
            if key == "future":
                module = base = "__future__"
            else:
                mod = node.child_by_field_name("module_name")
                if mod is None:
                    continue
                if mod.type == "relative_import":
                    dots = sum(_text(c).count(".") for c in mod.children if c.type == "import_prefix")
                    dotted = [c for c in mod.children if c.type == "dotted_name"]
                    module = _dotted(dotted[0]) if dotted else ""
                    base = "." * dots + module
                else:
                    module = base = _dotted(mod)
            if any(c.type == "wildcard_import" for c in node.children):
                found.append((node.start_byte, base))
                continue
            for name in node.children_by_field_name("name"):
                target = name.child_by_field_name("name") if name.type == "aliased_import" else name
                if target is None:
                    continue
                imported = _dotted(target)
                found.append((node.start_byte, f"{base}.{imported}" if module else f"{base}{imported}"))
    found.sort(key=lambda f: f[0])
    return found


def parse_structure(source: str) -> Structure:
    """Units (without tokens), calls, imports and the first syntax error of one file."""
    root = _parser().parse(source.encode("utf-8", "surrogatepass")).root_node
    caps: dict[str, list[ts.Node]] = ts.QueryCursor(_grammar()[1]).captures(root)
    decorated: dict[int, ts.Node] = {}
    for node in caps.get("decorated", ()):
        inner = node.child_by_field_name("definition")
        if inner is not None:
            decorated[inner.start_byte] = node
    # (start byte, order, node, outer node): a scope opens at its first decorator
    events: list[tuple[int, int, ts.Node, ts.Node | None]] = []
    for key in ("def", "class"):
        for node in caps.get(key, ()):
            opening = decorated.get(node.start_byte, node)
            events.append((opening.start_byte, 0, node, opening))
    for node in caps.get("callee", ()):
        events.append((node.start_byte, 1, node, None))
    for node in caps.get("alias", ()):
        # tree-sitter-python reads ``type(x).a = 1`` as a ``type`` alias statement; Python sees a call of type
        if _CALL_OF_TYPE.match(node.text or b""):
            events.append((node.start_byte, 1, node, None))
    events.sort(key=lambda e: (e[0], e[1]))

    # open scopes: (end byte, is_class, name, calls of a clean unit or None)
    scopes: list[tuple[int, bool, str, list[str] | None]] = []
    found: list[tuple[str, str, int, int, list[str]]] = []
    open_units = 0
    for start, order, node, outer in events:
        while scopes and scopes[-1][0] <= start:
            if scopes.pop()[3] is not None:
                open_units -= 1
        if order == 1:
            if not open_units:
                continue
            name = "type" if node.type == "type_alias_statement" else callee_name(node)
            if name:
                for scope in scopes:  # a call counts for every enclosing unit
                    calls = scope[3]
                    if calls is not None and name not in calls:
                        calls.append(name)
            continue
        assert outer is not None
        name_node = node.child_by_field_name("name")
        name = _text(name_node) if name_node is not None else ""
        if node.type == "class_definition":
            scopes.append((outer.end_byte, True, name, None))
            continue
        if node.has_error:  # a broken def still names the clean ones inside it
            scopes.append((outer.end_byte, False, name, None))
            continue
        in_class = bool(scopes) and scopes[-1][1]
        qualified = ".".join([s[2] for s in scopes] + [name])
        unit_calls: list[str] = []
        found.append(("method" if in_class else "function", qualified, outer.start_point[0] + 1,
                      _last_code_row(node), unit_calls))  # fmt: skip
        scopes.append((outer.end_byte, False, name, unit_calls))
        open_units += 1
    return Structure(
        units=tuple(FoundUnit(k, q, s, e, tuple(c)) for k, q, s, e, c in found),
        imports=tuple(name for _, name in _imports(caps)),
        error_line=_first_error_line(root) if root.has_error else 0,
    )


def raw_units(source: str, structure: Structure) -> tuple[RawUnit, ...]:
    """The Language protocol's ``RawUnit`` objects, with classified ``Token`` objects."""
    lines = source.split("\n")
    return tuple(
        RawUnit(
            name=u.name,
            kind=u.kind,
            start_line=u.start_line,
            end_line=u.end_line,
            tokens=tuple(tokens_with_lines("\n".join(lines[u.start_line - 1 : u.end_line]), u.start_line)),
            calls=u.calls,
        )
        for u in structure.units
    )


# -- normalised units without Token objects -------------------------------------

#: token text -> hash of its normalised form (bounded: literals are mostly unique)
_NORMALISED: dict[str, int] = {}
_NAMES: set[str] = set()  #: texts known to be names, for the identifier sets
_CACHE_LIMIT = 500_000


def _normalised_hash(text: str) -> int:
    kind = classify(text)
    value = token_hash(normalise_token(Token(kind, text, 0)))
    if len(_NORMALISED) < _CACHE_LIMIT:
        _NORMALISED[text] = value
        if kind == NAME:
            _NAMES.add(text)
    return value


def _stream(texts: Sequence[str]) -> tuple[bytes, tuple[str, ...]]:
    """(little-endian uint32 normalised hashes, sorted unique names) of a token list."""
    found = list(map(_NORMALISED.get, texts))
    hashes: list[int] = (
        [h if h is not None else _normalised_hash(t) for h, t in zip(found, texts, strict=True)]
        if None in found
        else found  # type: ignore[assignment]  # no None left
    )
    names = _NAMES.intersection(texts)
    if len(_NORMALISED) >= _CACHE_LIMIT:  # names the bounded cache could not keep
        names.update(t for t in texts if t not in _NAMES and classify(t) == NAME)
    return array("I", hashes).tobytes(), tuple(sorted(names))


def units(
    source: str, structure: Structure, *, path: str, root: str, language: str, min_tokens: int
) -> tuple[Unit, ...]:
    """Normalised units with at least ``min_tokens`` tokens, equal to ``to_unit`` of :func:`raw_units`."""
    lines = source.split("\n")
    imports = tuple(sorted(set(structure.imports)))
    out: list[Unit] = []
    for u in structure.units:
        texts = token_texts("\n".join(lines[u.start_line - 1 : u.end_line]))
        if len(texts) < min_tokens:
            continue
        hashes, names = _stream(texts)
        out.append(
            Unit(
                path=path,
                root=root,
                language=language,
                name=u.name,
                kind=u.kind,
                start_line=u.start_line,
                end_line=u.end_line,
                fingerprint=fingerprint(hashes),
                token_hashes=hashes,
                identifiers=names,
                calls=tuple(sorted(set(u.calls))),
                imports=imports,
            )
        )
    return tuple(out)
