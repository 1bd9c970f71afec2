"""The value a tree-sitter language module writes: its grammar's node types by role.

A :class:`NodeTable` is frozen, mappings included: tables are shared
module-level constants. :mod:`dupfinder.languages.treesitter.grammar` compiles
it against a grammar once; nothing here touches tree-sitter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["GrammarLoader", "NodeTable"]

#: Returns a grammar's language capsule, e.g. ``tree_sitter_java.language``.
GrammarLoader = Callable[[], object]


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
