"""Go as a tree-sitter node table.

Methods are named ``Receiver.Name`` from the receiver's type; Go has no
nesting containers. A ``func`` literal is named only by its size rule
(``<anonymous>``): Go binds it through expression lists (``f := func...``),
which the table does not follow.
"""

from __future__ import annotations

import tree_sitter_go

from dupfinder.languages.treesitter import NodeTable, TreeSitterLanguage

TABLE = NodeTable(
    units=frozenset({"function_declaration", "method_declaration"}),
    anonymous_units=frozenset({"func_literal"}),
    identifiers=frozenset(
        {
            "identifier",
            "field_identifier",
            "type_identifier",
            "package_identifier",
            "label_name",
        }
    ),
    literals=frozenset(
        {
            "interpreted_string_literal",
            "true",  # booleans are literals: a changed flag is a Type-2 change
            "false",
            "raw_string_literal",
            "rune_literal",
            "int_literal",
            "float_literal",
            "imaginary_literal",
        }
    ),
    strings=frozenset({"interpreted_string_literal", "raw_string_literal"}),
    comments=frozenset({"comment"}),
    calls={"call_expression": "function"},
    members={"selector_expression": ("operand", "field")},
    subscripts={"index_expression": "operand"},
    unwrap={"generic_type": "type", "parenthesized_expression": None},
    verbatim=frozenset({"qualified_type"}),
    imports={"import_spec": "path"},
    receiver_field="receiver",
    receiver_types=frozenset({"type_identifier"}),
)

LANGUAGE = TreeSitterLanguage(
    name="go",
    extensions=(".go",),
    table=TABLE,
    grammars={"": tree_sitter_go.language},
)
