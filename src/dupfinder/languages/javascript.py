"""JavaScript (and JSX) as a tree-sitter node table.

The table is shared with TypeScript, which adds its own node types on top.
"""

from __future__ import annotations

import tree_sitter_javascript

from dupfinder.languages.treesitter import NodeTable, TreeSitterLanguage

#: Node types common to the JavaScript, TypeScript and TSX grammars.
TABLE = NodeTable(
    units=frozenset({"function_declaration", "generator_function_declaration", "method_definition"}),
    anonymous_units=frozenset({"arrow_function", "function_expression", "generator_function"}),
    class_containers=frozenset({"class_declaration", "class"}),
    bound_containers=frozenset({"object"}),
    bindings={
        "variable_declarator": "name",  # const f = () => ...
        "assignment_expression": "left",  # module.exports.f = function () ...
        "pair": "key",  # {f: () => ...}
        "field_definition": "property",  # class C { f = () => ... }
    },
    identifiers=frozenset(
        {
            "identifier",
            "property_identifier",
            "private_property_identifier",
            "shorthand_property_identifier",
            "shorthand_property_identifier_pattern",
            "statement_identifier",
        }
    ),
    # A template string is one literal, substitutions included (by design: a
    # changed message is a changed literal, not a structural change).
    literals=frozenset(
        {
            "string",
            "true",  # booleans are literals: a changed flag is a Type-2 change
            "false",
            "template_string",
            "number",
            "regex",
            "jsx_text",
            "html_character_reference",
        }
    ),
    strings=frozenset({"string"}),
    comments=frozenset({"comment", "html_comment", "hash_bang_line"}),
    calls={"call_expression": "function", "new_expression": "constructor"},
    members={"member_expression": ("object", "property")},
    subscripts={"subscript_expression": "object"},
    # tree-sitter-typescript reads `await a.get<T>(x)` as a call OF the await
    unwrap={"parenthesized_expression": None, "await_expression": None},
    verbatim=frozenset({"computed_property_name"}),
    imports={"import_statement": "source", "export_statement": "source"},
    import_calls=frozenset({"require", "import"}),
)

LANGUAGE = TreeSitterLanguage(
    name="javascript",
    extensions=(".js", ".jsx", ".mjs", ".cjs"),
    table=TABLE,
    grammars={"": tree_sitter_javascript.language},
)
