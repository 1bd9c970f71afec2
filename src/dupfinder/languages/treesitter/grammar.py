"""A :class:`~dupfinder.languages.treesitter.table.NodeTable` compiled against one grammar.

Each node kind gets a role, an int: a leaf role in the low bits (how the walk
writes the node as a token) and special roles in the high bits (what the walk
does on entering it). Roles sit in a tuple indexed by ``kind_id``, so the hot
loop does no string work; anonymous tokens get their ``Token`` template too.
Cost: O(kinds x table entries) once per grammar per process.
"""

from __future__ import annotations

import tree_sitter as ts

from dupfinder.languages.treesitter.table import NodeTable
from dupfinder.model import KEYWORD, PUNCT, Token

__all__ = [
    "LEAF_MASK",
    "R_ANON",
    "R_COMMENT",
    "R_ERROR",
    "R_LITERAL",
    "R_NAME",
    "R_OTHER",
    "SPECIAL_MASK",
    "S_ANON_CLASS",
    "S_ANON_UNIT",
    "S_BOUND",
    "S_CALL",
    "S_CLASS",
    "S_IMPORT",
    "S_NAMESPACE",
    "S_UNIT",
    "Grammar",
]

# Leaf roles (low bits of a kind's role) ...
R_OTHER = 0  # named node: enter it; as a leaf, KEYWORD if alphabetic else PUNCT
R_ANON = 1  # anonymous token: precomputed kind and text
R_NAME = 2
R_LITERAL = 3
R_COMMENT = 4
R_ERROR = 5
LEAF_MASK = 7
# ... and special roles (high bits), handled when the node is entered.
S_UNIT = 8
S_ANON_UNIT = 16
S_CLASS = 32
S_NAMESPACE = 64
S_BOUND = 128
S_ANON_CLASS = 256
S_CALL = 512
S_IMPORT = 1024
SPECIAL_MASK = ~LEAF_MASK


class Grammar:
    """A table compiled against one grammar: roles indexed by ``kind_id``."""

    __slots__ = ("anon", "language", "roles")

    def __init__(self, language: ts.Language, table: NodeTable) -> None:
        self.language = language
        count = language.node_kind_count
        roles = [R_OTHER] * count
        anon: list[Token | None] = [None] * count
        leaf_roles = (
            (table.identifiers, R_NAME),
            (table.literals, R_LITERAL),
            (table.comments, R_COMMENT),
        )
        specials = (
            (table.units, S_UNIT),
            (table.anonymous_units, S_ANON_UNIT),
            (table.class_containers, S_CLASS),
            (table.namespace_containers, S_NAMESPACE),
            (table.bound_containers, S_BOUND),
            (frozenset(table.anonymous_classes), S_ANON_CLASS),
            (frozenset(table.calls), S_CALL),
            (frozenset(table.imports), S_IMPORT),
        )
        for kid in range(count):
            kind = language.node_kind_for_id(kid) or ""
            if not language.node_kind_is_named(kid):
                roles[kid] = R_ANON
                # an anonymous token's text is its kind: a template the walk
                # copies with the node's line, without slicing the source
                anon[kid] = Token(KEYWORD if kind.isalpha() else PUNCT, kind, 0)
                continue
            role = R_OTHER
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
