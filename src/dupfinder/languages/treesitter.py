"""One tree-sitter engine for every curly-brace language, driven by a table.

A language module (``javascript``, ``typescript``, ``java``, ``go``) is a
:class:`NodeTable` naming the grammar's node types by role, plus the grammar
itself; :class:`TreeSitterLanguage` turns the two into a ``Language``.

Algorithm
---------
1. Parse the UTF-8 bytes with a cached parser (one per grammar per thread).
2. Walk the tree once, pre-order, with a :class:`tree_sitter.TreeCursor` and an
   explicit stack of open scopes. Never recursion: a file nested 5,000 levels
   deep costs memory, not a ``RecursionError``.
3. Each node's role comes from an array indexed by ``kind_id``, compiled once
   per grammar from the table, so the hot loop does no string work:

   * comment      -> dropped, not entered;
   * literal      -> one ``LITERAL`` token for the whole subtree (strings,
     template strings, numbers, characters, regexes);
   * identifier   -> one ``NAME`` token;
   * anonymous leaf -> its spelling, precomputed per kind: ``KEYWORD`` when
     alphabetic (``return``, ``func``), else ``PUNCT``;
   * other named leaf -> ``KEYWORD`` when alphabetic (``this``,
     ``null``, ``nil``, ``void``), else ``PUNCT``.

   Tokens go to one flat list for the file; a unit remembers where its slice
   starts when it opens and takes ``tokens[start:end]`` when it closes, so
   nested units share the list. Calls are collected the same way.
4. A unit whose subtree holds a syntax error is dropped; clean units elsewhere
   in the file are kept. A file with an error and no clean unit comes back as
   ``ParsedFile(units=(), error="syntax error at line N")``.

Cost: O(nodes) time, one ``Node`` object per visited node (the cursor's).
The walk keeps its own stack of ancestors because tree-sitter's
``Node.parent`` is O(depth). Two caps keep hostile input linear: scopes open
at most ``NodeTable.max_scopes`` deep (each unit copies its tokens, so N
nested units cost N times the file), and a callee is written with at most
``_MAX_CALLEE_PARTS`` segments (a chain of N calls would otherwise cost N^2).

Naming
------
A unit's name is its own name qualified by the open scopes (containers and
enclosing units), e.g. ``UserRepo.findById`` or ``outer.inner``. Anonymous
functions take the name they are bound to (``const f = () => ...`` -> ``f``,
``obj.handler = function () ...`` -> ``obj.handler``, ``{k: () => ...}`` ->
``k``); unbound ones (callbacks, IIFEs, returned closures) are units only when
they span at least ``min_anonymous_lines`` lines, named ``<anonymous>``.
Go methods are ``Receiver.Name``. Spans are the unit node's own lines: Java
annotations and modifiers are inside the node; a JS/TS ``export`` keyword or a
decorator is outside it and is not included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import tree_sitter as ts

from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, RawUnit, Token

__all__ = ["GrammarLoader", "NodeTable", "TreeSitterLanguage"]

#: Returns a grammar's language capsule, e.g. ``tree_sitter_java.language``.
GrammarLoader = Callable[[], object]

ANONYMOUS = "<anonymous>"


def _frozen_map(value: Mapping[str, object]) -> Mapping[str, object]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@dataclass(frozen=True, slots=True)
class NodeTable:
    """The node types of one grammar, by the role they play for dupfinder.

    Every field defaults to empty, so a language names only what it has.
    """

    #: named function-like nodes that are units when they have a body
    units: frozenset[str] = frozenset()
    #: lambdas/closures: units when bound to a name or long enough
    anonymous_units: frozenset[str] = frozenset()
    #: containers whose member units are methods (classes, interfaces, enums)
    class_containers: frozenset[str] = frozenset()
    #: containers that only qualify names (namespaces, modules)
    namespace_containers: frozenset[str] = frozenset()
    #: containers only when bound to a name (object literals)
    bound_containers: frozenset[str] = frozenset()
    #: type -> (child type it must have, field naming it): anonymous classes
    anonymous_classes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: parent type -> field holding the name a child function/object is bound to
    bindings: Mapping[str, str] = field(default_factory=dict)
    identifiers: frozenset[str] = frozenset()
    #: nodes that become ONE literal token, children and all
    literals: frozenset[str] = frozenset()
    #: the literal types that are quoted strings (for imports and names)
    strings: frozenset[str] = frozenset()
    comments: frozenset[str] = frozenset()
    #: call type -> field holding the callee; None: the node is itself
    #: ``object.name(args)`` and appears in ``members`` (Java ``method_invocation``)
    calls: Mapping[str, str | None] = field(default_factory=dict)
    #: ``object.property`` types -> (object field, property field)
    members: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: ``object[index]`` types -> object field
    subscripts: Mapping[str, str] = field(default_factory=dict)
    #: wrappers seen through when naming a callee -> field, None: first named child
    unwrap: Mapping[str, str | None] = field(default_factory=dict)
    #: name-like nodes written out as their text, whitespace removed
    verbatim: frozenset[str] = frozenset()
    #: import node type -> field holding the module; None: its named children
    #: joined with "." (Java ``import a.b.*;``)
    imports: Mapping[str, str | None] = field(default_factory=dict)
    #: callees whose first string argument is a module (``require``)
    import_calls: frozenset[str] = frozenset()
    #: field of a unit holding a method receiver (Go), and the types naming it
    receiver_field: str | None = None
    receiver_types: frozenset[str] = frozenset()
    name_field: str = "name"
    body_field: str = "body"
    arguments_field: str = "arguments"
    #: an unbound anonymous function is a unit from this many lines up
    min_anonymous_lines: int = 3
    #: scopes (containers and units) nested deeper than this open no more
    #: units: each unit copies its tokens, so N nested units cost N times the
    #: file; hostile nesting must stay linear
    max_scopes: int = 32

    def __post_init__(self) -> None:
        # Freeze the mappings too: tables are shared module-level constants.
        for name in ("anonymous_classes", "bindings", "calls", "members", "subscripts", "unwrap", "imports"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))
        if self.min_anonymous_lines < 1:
            raise ValueError("NodeTable.min_anonymous_lines must be >= 1")
        if self.max_scopes < 1:
            raise ValueError("NodeTable.max_scopes must be >= 1")


# Leaf roles (low bits of a kind's role) ...
_R_OTHER = 0  # named node: enter it; as a leaf, KEYWORD if alphabetic else PUNCT
_R_ANON = 1  # anonymous token: precomputed kind and text
_R_NAME = 2
_R_LITERAL = 3
_R_COMMENT = 4
_R_ERROR = 5
_LEAF_MASK = 7
# ... and special roles (high bits), handled when the node is entered.
_S_UNIT = 8
_S_ANON_UNIT = 16
_S_CLASS = 32
_S_NAMESPACE = 64
_S_BOUND = 128
_S_ANON_CLASS = 256
_S_CALL = 512
_S_IMPORT = 1024
_SPECIAL_MASK = ~_LEAF_MASK


class _Grammar:
    """A table compiled against one grammar: roles indexed by ``kind_id``."""

    __slots__ = ("anon", "language", "roles")

    def __init__(self, language: ts.Language, table: NodeTable) -> None:
        self.language = language
        count = language.node_kind_count
        roles = [_R_OTHER] * count
        anon: list[Token | None] = [None] * count
        leaf_roles = (
            (table.identifiers, _R_NAME),
            (table.literals, _R_LITERAL),
            (table.comments, _R_COMMENT),
        )
        specials = (
            (table.units, _S_UNIT),
            (table.anonymous_units, _S_ANON_UNIT),
            (table.class_containers, _S_CLASS),
            (table.namespace_containers, _S_NAMESPACE),
            (table.bound_containers, _S_BOUND),
            (frozenset(table.anonymous_classes), _S_ANON_CLASS),
            (frozenset(table.calls), _S_CALL),
            (frozenset(table.imports), _S_IMPORT),
        )
        for kid in range(count):
            kind = language.node_kind_for_id(kid) or ""
            if not language.node_kind_is_named(kid):
                roles[kid] = _R_ANON
                # an anonymous token's text is its kind: a template the walk
                # copies with the node's line, without slicing the source
                anon[kid] = Token(KEYWORD if kind.isalpha() else PUNCT, kind, 0)
                continue
            role = _R_OTHER
            for names, leaf_role in leaf_roles:
                if kind in names:
                    role = leaf_role
                    break
            for names, bit in specials:
                if kind in names:
                    role |= bit
            roles[kid] = role
        self.roles: tuple[int, ...] = tuple(roles)
        self.anon: tuple[Token | None, ...] = tuple(anon)


class _Frame:
    """An open scope: a container or a unit, closed when the walk leaves its node."""

    __slots__ = (
        "call_start",
        "depth",
        "end_line",
        "is_class",
        "is_unit",
        "kind",
        "name",
        "qualified",
        "slot",
        "start_line",
        "tok_start",
    )

    def __init__(self, depth: int, name: str | None, is_class: bool) -> None:
        self.depth = depth
        self.name = name
        self.is_class = is_class
        self.is_unit = False  #: a clean unit (containers and broken units are not)
        self.qualified = ""
        self.slot = -1  #: index in the walk's unit list
        self.kind = ""
        self.start_line = 0
        self.end_line = 0
        self.tok_start = 0
        self.call_start = 0


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
        self._grammars: dict[str, _Grammar] = {}  # compiled lazily, on first use
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

    def _grammar(self, key: str) -> _Grammar:
        grammar = self._grammars.get(key)
        if grammar is None:
            with _GRAMMARS_LOCK:
                grammar = self._grammars.get(key)
                if grammar is None:
                    grammar = _Grammar(ts.Language(self._loaders[key]()), self.table)
                    self._grammars[key] = grammar
        return grammar

    @staticmethod
    def _parser(grammar: _Grammar) -> ts.Parser:
        parsers: dict[_Grammar, ts.Parser] | None = getattr(_LOCAL, "parsers", None)
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
            return _Walk(self.table, grammar, data).run(tree)
        except Exception as exc:  # the Protocol: never raise, report instead
            return ParsedFile(units=(), error=f"parser failure: {type(exc).__name__}: {exc}")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0]:
        return text[1:-1]
    return text


class _Walk:
    """One file's walk; holds the per-file state the helpers share."""

    __slots__ = ("data", "grammar", "table", "text")

    def __init__(self, table: NodeTable, grammar: _Grammar, data: bytes) -> None:
        self.table = table
        self.grammar = grammar
        self.data = data
        # ASCII files (most code) slice the str directly: byte == char offsets
        self.text: str | None = data.decode("ascii") if data.isascii() else None

    def slice(self, start: int, end: int) -> str:
        if self.text is not None:
            return self.text[start:end]
        return self.data[start:end].decode("utf-8", "replace")

    def node_text(self, node: ts.Node) -> str:
        return self.slice(node.start_byte, node.end_byte)

    def compact(self, node: ts.Node) -> str:
        return "".join(self.node_text(node).split())

    # -- the walk -----------------------------------------------------------

    def run(self, tree: ts.Tree) -> ParsedFile:
        """The hot loop: kept flat, one pass, no recursion."""
        roles = self.grammar.roles
        anon = self.grammar.anon
        n_kinds = len(roles)
        slice_ = self.slice
        root = tree.root_node
        check_errors = root.has_error
        first_error = 0

        tokens: list[Token] = []
        calls: list[str] = []
        imports: list[str] = []
        units: list[RawUnit | None] = []
        frames: list[_Frame] = []
        open_units = 0
        max_scopes = self.table.max_scopes
        top = -1  # depth of the innermost open frame's node, -1 when none
        # ancestors of the current node: tree-sitter's Node.parent is O(depth)
        parents: list[ts.Node] = []

        cursor = root.walk()
        depth = 0
        while True:
            node = cursor.node
            if node is None:  # pragma: no cover - a cursor always has a node
                break
            kid = node.kind_id
            role = roles[kid] if kid < n_kinds else _R_ERROR
            if check_errors and not first_error and (role == _R_ERROR or node.is_missing):
                first_error = node.start_point[0] + 1
            if role & _SPECIAL_MASK:
                frame = self.enter(
                    node,
                    parents[-1] if parents else None,
                    role,
                    depth,
                    frames if len(frames) < max_scopes else None,
                    calls if open_units else None,
                    imports,
                )
                if frame is not None:
                    if frame.is_unit:
                        frame.tok_start = len(tokens)
                        frame.call_start = len(calls)
                        frame.slot = len(units)
                        units.append(None)
                        open_units += 1
                    frames.append(frame)
                    top = depth
            leaf = role & _LEAF_MASK
            if leaf == _R_ANON:
                if cursor.goto_first_child():  # an aliased rule: rare
                    parents.append(node)
                    depth += 1
                    continue
                if open_units:
                    template = anon[kid]
                    if template is not None and node.end_byte > node.start_byte:
                        tokens.append(Token(template.kind, template.text, node.start_point[0] + 1))
            elif leaf == _R_NAME:
                if open_units:
                    tokens.append(Token(NAME, slice_(node.start_byte, node.end_byte), node.start_point[0] + 1))
            elif leaf == _R_LITERAL:
                if open_units:
                    tokens.append(Token(LITERAL, slice_(node.start_byte, node.end_byte), node.start_point[0] + 1))
            elif leaf == _R_COMMENT:
                pass
            elif cursor.goto_first_child():
                parents.append(node)
                depth += 1
                continue
            elif open_units and node.end_byte > node.start_byte:
                text = slice_(node.start_byte, node.end_byte)
                tokens.append(Token(KEYWORD if text.isalpha() else PUNCT, text, node.start_point[0] + 1))
            # this node is finished; climb until there is a next sibling
            while True:
                while top >= depth:
                    open_units -= self.close(frames.pop(), tokens, calls, units)
                    top = frames[-1].depth if frames else -1
                if cursor.goto_next_sibling():
                    break
                if not cursor.goto_parent():
                    return self.result(units, imports, check_errors, first_error)
                parents.pop()
                depth -= 1

        return self.result(units, imports, check_errors, first_error)  # pragma: no cover

    def result(
        self,
        units: list[RawUnit | None],
        imports: list[str],
        has_error: bool,
        first_error: int,
    ) -> ParsedFile:
        clean = tuple(u for u in units if u is not None)
        unique_imports = tuple(dict.fromkeys(imports))
        if has_error and not clean:
            return ParsedFile(units=(), imports=unique_imports, error=f"syntax error at line {first_error or 1}")
        return ParsedFile(units=clean, imports=unique_imports)

    def close(
        self,
        frame: _Frame,
        tokens: list[Token],
        calls: list[str],
        units: list[RawUnit | None],
    ) -> int:
        """Close a scope; a unit takes its slice of tokens and calls. Returns 1 for a unit."""
        if not frame.is_unit:
            return 0
        units[frame.slot] = RawUnit(
            name=frame.qualified,
            kind=frame.kind,
            start_line=frame.start_line,
            end_line=frame.end_line,
            tokens=tuple(tokens[frame.tok_start :]),
            calls=tuple(dict.fromkeys(calls[frame.call_start :])),
        )
        return 1

    # -- entering special nodes ---------------------------------------------

    def enter(
        self,
        node: ts.Node,
        parent: ts.Node | None,
        role: int,
        depth: int,
        frames: list[_Frame] | None,
        calls: list[str] | None,
        imports: list[str],
    ) -> _Frame | None:
        """Handle a node with a special role; return the scope it opens, if any.

        ``frames`` is None when scopes are nested too deep to open another;
        ``calls`` is None outside units (calls are then only checked for imports).
        """
        table = self.table
        if role & _S_IMPORT:
            self.add_import(node, imports)
        if role & _S_CALL:
            callee = self.callee(node)
            if callee is not None:
                if calls is not None:
                    calls.append(callee)
                if callee in table.import_calls:
                    self.add_import_call(node, imports)
        if frames is None:
            return None
        if role & (_S_UNIT | _S_ANON_UNIT):
            return self.enter_unit(node, parent, role, depth, frames)
        if role & (_S_CLASS | _S_NAMESPACE):
            name = self.name_of(node.child_by_field_name(table.name_field))
            if name is None:
                name = self.binding_name(node, parent) or ANONYMOUS
            return _Frame(depth, name, bool(role & _S_CLASS))
        if role & _S_ANON_CLASS:
            body_type, type_field = table.anonymous_classes[node.type]
            if not any(child.type == body_type for child in node.children):
                return None
            type_name = self.name_of(node.child_by_field_name(type_field))
            return _Frame(depth, f"<anonymous {type_name}>" if type_name else ANONYMOUS, True)
        if role & _S_BOUND:
            name = self.binding_name(node, parent)
            return _Frame(depth, name, False) if name is not None else None
        return None

    def enter_unit(
        self, node: ts.Node, parent: ts.Node | None, role: int, depth: int, frames: list[_Frame]
    ) -> _Frame | None:
        """Open a function-like node: a unit frame, a naming-only frame, or None."""
        table = self.table
        if node.child_by_field_name(table.body_field) is None:
            return None  # abstract/interface method, overload signature, Go asm stub
        start_line = node.start_point[0] + 1
        end_line = node.end_point[0] + 1
        own = self.name_of(node.child_by_field_name(table.name_field))
        if role & _S_ANON_UNIT:
            name = self.binding_name(node, parent) or own
            if name is None:
                if end_line - start_line + 1 < table.min_anonymous_lines:
                    return None
                name = ANONYMOUS
        else:
            name = own or ANONYMOUS
        is_method = bool(frames) and frames[-1].is_class
        if table.receiver_field is not None:
            receiver = node.child_by_field_name(table.receiver_field)
            if receiver is not None:
                is_method = True
                receiver_type = self.receiver_type(receiver)
                if receiver_type is not None:
                    name = f"{receiver_type}.{name}"
        frame = _Frame(depth, name, False)
        if not node.has_error:  # a broken unit still names the clean units inside it
            frame.is_unit = True
            frame.qualified = ".".join([f.name for f in frames if f.name] + [name])
            frame.kind = "method" if is_method else "function"
            frame.start_line = start_line
            frame.end_line = end_line
        return frame

    # -- names --------------------------------------------------------------

    def name_of(self, node: ts.Node | None) -> str | None:
        """A declared name as written: identifier, quoted string, dotted member."""
        if node is None:
            return None
        table = self.table
        kind = node.type
        if kind in table.identifiers:
            return self.node_text(node)
        if kind in table.strings:
            return _unquote(self.node_text(node))
        if kind in table.members:
            return self.dotted(node)
        if kind in table.verbatim:
            return self.compact(node)
        return None

    def binding_name(self, node: ts.Node, parent: ts.Node | None) -> str | None:
        """The name a function or object is bound to by its parent, if any."""
        if parent is None:
            return None
        name_field = self.table.bindings.get(parent.type)
        if name_field is None:
            return None
        target = parent.child_by_field_name(name_field)
        if target is None or target == node:
            return None
        name = self.name_of(target)
        if name is not None and name.startswith("this."):
            name = name[5:]
        return name

    def receiver_type(self, receiver: ts.Node) -> str | None:
        """The first receiver type name in a Go receiver list (``(s *List[T])`` -> ``List``)."""
        stack = [receiver]
        while stack:
            node = stack.pop()
            if node.type in self.table.receiver_types:
                return self.node_text(node)
            stack.extend(reversed(node.named_children))
        return None

    # -- calls and imports --------------------------------------------------

    def callee(self, call: ts.Node) -> str | None:
        callee_field = self.table.calls[call.type]
        target = call if callee_field is None else call.child_by_field_name(callee_field)
        if target is None:
            return None
        name = self.dotted(target)
        return None if name == _UNKNOWN else name

    def dotted(self, node: ts.Node) -> str:
        """A callee in dotted form: ``this.repo.findById``, ``a.b().c``, ``x[].map``.

        Iterative down the object chain; a base that is not a name (a literal,
        a parenthesised expression, a lambda) is written ``(...)``, and so is
        what lies beyond ``_MAX_CALLEE_PARTS`` segments: a builder chain of
        10,000 calls must not cost 10,000 segments for each of its calls.
        """
        table = self.table
        parts: list[str] = []
        suffix = ""
        current: ts.Node | None = node
        first = True
        while current is not None:
            if len(parts) >= _MAX_CALLEE_PARTS:
                parts.append(_UNKNOWN)
                break
            kind = current.type
            member = table.members.get(kind)
            if member is not None:
                prop = current.child_by_field_name(member[1])
                segment = self.node_text(prop) if prop is not None else _UNKNOWN
                if not first and kind in table.calls:  # a member-style call as a base
                    segment += "()"
                parts.append(segment + suffix)
                suffix = ""
                current = current.child_by_field_name(member[0])
            elif kind in table.calls:
                suffix = "()" + suffix
                callee_field = table.calls[kind]
                current = current.child_by_field_name(callee_field) if callee_field else None
                if current is None:
                    parts.append(_UNKNOWN + suffix)
            elif kind in table.subscripts:
                suffix = "[]" + suffix
                current = current.child_by_field_name(table.subscripts[kind])
                if current is None:
                    parts.append(_UNKNOWN + suffix)
            elif kind in table.unwrap:
                unwrap_field = table.unwrap[kind]
                inner = current.child_by_field_name(unwrap_field) if unwrap_field else current.named_child(0)
                if inner is None:
                    parts.append(_UNKNOWN + suffix)
                current = inner
            else:
                if kind in table.identifiers or kind in table.verbatim:
                    text = self.compact(current)
                else:
                    text = self.node_text(current)
                    if not text.isidentifier():  # this, super, import stay; the rest not
                        text = _UNKNOWN
                parts.append(text + suffix)
                current = None
            first = False
        parts.reverse()
        return ".".join(parts)

    def add_import(self, node: ts.Node, imports: list[str]) -> None:
        spec_field = self.table.imports[node.type]
        if spec_field is None:
            parts = [self.compact(c) for c in node.named_children if c.type not in self.table.comments]
            spec = ".".join(p for p in parts if p)
        else:
            target = node.child_by_field_name(spec_field)
            if target is None:
                return
            spec = _unquote(self.node_text(target)) if target.type in self.table.strings else self.compact(target)
        if spec:
            imports.append(spec)

    def add_import_call(self, call: ts.Node, imports: list[str]) -> None:
        args = call.child_by_field_name(self.table.arguments_field)
        if args is None:
            return
        first = args.named_child(0)
        if first is not None and first.type in self.table.strings:
            imports.append(_unquote(self.node_text(first)))


_UNKNOWN = "(...)"
_MAX_CALLEE_PARTS = 12
