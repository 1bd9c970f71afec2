"""Java as a tree-sitter node table."""

from __future__ import annotations

import tree_sitter_java

from dupfinder.languages.treesitter import NodeTable, TreeSitterLanguage

TABLE = NodeTable(
    # interface/abstract methods have no body and are never units
    units=frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"}),
    anonymous_units=frozenset({"lambda_expression"}),
    class_containers=frozenset(
        {
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "annotation_type_declaration",
        }
    ),
    # new Runnable() { public void run() ... } -> Outer.method.<anonymous Runnable>.run
    anonymous_classes={"object_creation_expression": ("class_body", "type")},
    bindings={"variable_declarator": "name", "assignment_expression": "left"},
    identifiers=frozenset({"identifier", "type_identifier"}),
    literals=frozenset(
        {
            "string_literal",
            "true",  # booleans are literals: a changed flag is a Type-2 change
            "false",
            "character_literal",
            "decimal_integer_literal",
            "hex_integer_literal",
            "octal_integer_literal",
            "binary_integer_literal",
            "decimal_floating_point_literal",
            "hex_floating_point_literal",
        }
    ),
    strings=frozenset({"string_literal"}),
    comments=frozenset({"line_comment", "block_comment"}),
    calls={
        "method_invocation": None,  # object.name(args): named through `members`
        "object_creation_expression": "type",
        "explicit_constructor_invocation": "constructor",  # this(...), super(...)
    },
    members={"method_invocation": ("object", "name"), "field_access": ("object", "field")},
    subscripts={"array_access": "array"},
    unwrap={"generic_type": None, "parenthesized_expression": None},
    verbatim=frozenset({"scoped_identifier", "scoped_type_identifier", "class_literal"}),
    imports={"import_declaration": None},  # import static a.b.C.*; -> a.b.C.*
)

LANGUAGE = TreeSitterLanguage(
    name="java",
    extensions=(".java",),
    table=TABLE,
    grammars={"": tree_sitter_java.language},
)
