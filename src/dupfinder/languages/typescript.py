"""TypeScript as a tree-sitter node table: JavaScript's, plus the type system.

``.tsx`` files use the TSX grammar (JSX allowed, ``<T>x`` casts not), all
other endings the plain TypeScript grammar.
"""

from __future__ import annotations

from dataclasses import replace

import tree_sitter_typescript

from dupfinder.languages.javascript import TABLE as JS_TABLE
from dupfinder.languages.treesitter import NodeTable, TreeSitterLanguage

TABLE: NodeTable = replace(
    JS_TABLE,
    # function_signature / method_signature / abstract_method_signature have
    # no body and are never units
    class_containers=JS_TABLE.class_containers | {"abstract_class_declaration", "interface_declaration"},
    namespace_containers=frozenset({"internal_module", "module", "enum_declaration"}),
    bindings={**JS_TABLE.bindings, "public_field_definition": "name"},
    identifiers=JS_TABLE.identifiers | {"type_identifier"},
    unwrap={**JS_TABLE.unwrap, "non_null_expression": None},
    verbatim=JS_TABLE.verbatim | {"nested_identifier", "nested_type_identifier"},
    imports={**JS_TABLE.imports, "import_require_clause": "source"},
)

LANGUAGE = TreeSitterLanguage(
    name="typescript",
    extensions=(".ts", ".tsx", ".mts", ".cts"),
    table=TABLE,
    grammars={
        "": tree_sitter_typescript.language_typescript,
        ".tsx": tree_sitter_typescript.language_tsx,
    },
)
