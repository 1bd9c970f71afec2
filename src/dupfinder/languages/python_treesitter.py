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
   (:mod:`dupfinder.languages.python_tokens`), classified exactly as the
   tokenizer path does.
3. **Normalisation** (:func:`units`): each distinct token text is classified
   and hashed once per process (:func:`~dupfinder.languages.python_tokens.hashes_and_names`).
   The result is the same ``Unit`` that
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

import re
import threading
from dataclasses import dataclass

import tree_sitter as ts
import tree_sitter_python

from dupfinder.languages.python_tokens import (
    FileTokens,
    file_tokens,
    names_of,
    token_texts,
    tokens_with_lines,
)
from dupfinder.model import RawUnit, Unit
from dupfinder.similarity.normalize import fingerprint, forwarded_of

__all__ = ["Structure", "parse_structure", "raw_units", "token_texts", "tokens_with_lines", "units"]

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
    return Structure(
        units=_found_units(_events(caps)),
        imports=tuple(name for _, name in _imports(caps)),
        error_line=_first_error_line(root) if root.has_error else 0,
    )


#: (start byte, order, node, outer node): order 0 opens a scope (a ``def`` or a
#: ``class``, its outer node the decorated definition around it, if any), 1 is a call
_Event = tuple[int, int, ts.Node, ts.Node | None]


def _events(caps: dict[str, list[ts.Node]]) -> list[_Event]:
    """The captures that open scopes or name callees, in source order; a scope opens at its first decorator."""
    decorated: dict[int, ts.Node] = {}
    for node in caps.get("decorated", ()):
        inner = node.child_by_field_name("definition")
        if inner is not None:
            decorated[inner.start_byte] = node
    events: list[_Event] = []
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
    return events


def _found_units(events: list[_Event]) -> tuple[FoundUnit, ...]:
    """The clean ``def`` units, named by the scopes open around them, each with the calls inside it."""
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
    return tuple(FoundUnit(k, q, s, e, tuple(c)) for k, q, s, e, c in found)


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


def units(
    source: str, structure: Structure, *, path: str, root: str, language: str, min_tokens: int,
    tokens: FileTokens | None = None,
) -> tuple[Unit, ...]:  # fmt: skip
    """Normalised units with at least ``min_tokens`` tokens, equal to ``to_unit`` of :func:`raw_units`.

    ``tokens``: the file's tokens (:func:`~dupfinder.languages.python_tokens.file_tokens`), sliced
    for each unit by its lines; made here when not given.
    """
    tokens = tokens if tokens is not None else file_tokens(source)
    imports = tuple(sorted(set(structure.imports)))
    out: list[Unit] = []
    for u in structure.units:
        lo, hi = tokens.span(u.start_line, u.end_line)
        if hi - lo < min_tokens:
            continue
        hashes = tokens.norm[lo:hi].astype("<u4").tobytes()
        names = names_of(tokens.texts[lo:hi])
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
                forwarded=forwarded_of(tokens.texts[lo:hi], names),
            )
        )
    return tuple(out)
