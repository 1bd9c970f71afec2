"""One file's walk over its tree: scopes opened, tokens written, units closed.

The algorithm and its cost are in :mod:`dupfinder.languages.treesitter`: one
pre-order pass with a ``TreeCursor``, an explicit stack of open scopes (never
recursion), roles looked up by ``kind_id``; a unit takes its slice of the
file's one token list when it closes.
"""

from __future__ import annotations

import tree_sitter as ts

from dupfinder.languages.treesitter.grammar import (
    LEAF_MASK,
    R_ANON,
    R_COMMENT,
    R_ERROR,
    R_LITERAL,
    R_NAME,
    S_ANON_CLASS,
    S_ANON_UNIT,
    S_BOUND,
    S_CALL,
    S_CLASS,
    S_IMPORT,
    S_NAMESPACE,
    S_UNIT,
    SPECIAL_MASK,
    Grammar,
)
from dupfinder.languages.treesitter.names import ANONYMOUS, Names
from dupfinder.languages.treesitter.table import NodeTable
from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, ParsedFile, RawUnit, Token

__all__ = ["Walk"]


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


class Walk(Names):
    """One file's walk; holds the per-file state the helpers share."""

    __slots__ = ("grammar",)

    def __init__(self, table: NodeTable, grammar: Grammar, data: bytes) -> None:
        super().__init__(table, data)
        self.grammar = grammar

    # -- the walk -----------------------------------------------------------

    def run(self, tree: ts.Tree) -> ParsedFile:
        """The hot loop: one pass, no recursion.

        One flat loop on purpose: writing each leaf's token through a method
        (one call per leaf, which brings this function under 60 lines) costs
        9% of the walk's instructions and 6% of parse plus walk (callgrind
        over 300 BigCloneBench functions), and a cold
        ``dupfinder scan ../shared/bigclonebench/functions --no-cache -q -j 1``
        took 8.4 s instead of 7.9 s (mean of 4 runs each).
        """
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
            role = roles[kid] if kid < n_kinds else R_ERROR
            if check_errors and not first_error and (role == R_ERROR or node.is_missing):
                first_error = node.start_point[0] + 1
            if role & SPECIAL_MASK:
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
            leaf = role & LEAF_MASK
            if leaf == R_ANON:
                if cursor.goto_first_child():  # an aliased rule: rare
                    parents.append(node)
                    depth += 1
                    continue
                template = anon[kid]
                if template is not None and node.end_byte > node.start_byte:
                    tokens.append(Token(template.kind, template.text, node.start_point[0] + 1))
            elif leaf == R_NAME:
                tokens.append(Token(NAME, slice_(node.start_byte, node.end_byte), node.start_point[0] + 1))
            elif leaf == R_LITERAL:
                tokens.append(Token(LITERAL, slice_(node.start_byte, node.end_byte), node.start_point[0] + 1))
            elif leaf == R_COMMENT:
                pass
            elif cursor.goto_first_child():
                parents.append(node)
                depth += 1
                continue
            elif node.end_byte > node.start_byte:
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
                    return self.result(units, imports, check_errors, first_error, tokens)
                parents.pop()
                depth -= 1

        return self.result(units, imports, check_errors, first_error, tokens)  # pragma: no cover

    def result(
        self,
        units: list[RawUnit | None],
        imports: list[str],
        has_error: bool,
        first_error: int,
        tokens: list[Token],
    ) -> ParsedFile:
        clean = tuple(u for u in units if u is not None)
        unique_imports = tuple(dict.fromkeys(imports))
        if has_error and not clean:
            return ParsedFile(units=(), imports=unique_imports, error=f"syntax error at line {first_error or 1}")
        return ParsedFile(units=clean, imports=unique_imports, tokens=tuple(tokens))

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
        if role & S_IMPORT:
            self.add_import(node, imports)
        if role & S_CALL:
            callee = self.callee(node)
            if callee is not None:
                if calls is not None:
                    calls.append(callee)
                if callee in table.import_calls:
                    self.add_import_call(node, imports)
        if frames is None:
            return None
        if role & (S_UNIT | S_ANON_UNIT):
            return self.enter_unit(node, parent, role, depth, frames)
        if role & (S_CLASS | S_NAMESPACE):
            name = self.name_of(node.child_by_field_name(table.name_field))
            if name is None:
                name = self.binding_name(node, parent) or ANONYMOUS
            return _Frame(depth, name, bool(role & S_CLASS))
        if role & S_ANON_CLASS:
            body_type, type_field = table.anonymous_classes[node.type]
            if not any(child.type == body_type for child in node.children):
                return None
            type_name = self.name_of(node.child_by_field_name(type_field))
            return _Frame(depth, f"<anonymous {type_name}>" if type_name else ANONYMOUS, True)
        if role & S_BOUND:
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
        if role & S_ANON_UNIT:
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
