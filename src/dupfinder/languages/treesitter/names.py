"""What a file's nodes are called: declared and bound names, dotted callees, imported modules.

:class:`Names` reads node text from the file's bytes (slicing the ``str``
directly when the file is ASCII) and follows the table's roles; every helper
is iterative. Cost: O(nodes visited) per question, with a callee cut at
``_MAX_CALLEE_PARTS`` segments so a chain of N calls costs O(N), not O(N^2).
"""

from __future__ import annotations

import tree_sitter as ts

from dupfinder.languages.treesitter.table import NodeTable

__all__ = ["ANONYMOUS", "Names"]

ANONYMOUS = "<anonymous>"
_UNKNOWN = "(...)"
_MAX_CALLEE_PARTS = 12


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0]:
        return text[1:-1]
    return text


class Names:
    """One file's bytes and table: the text of its nodes and what they are called."""

    __slots__ = ("data", "table", "text")

    def __init__(self, table: NodeTable, data: bytes) -> None:
        self.table = table
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
