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

Modules
-------
``table``
    :class:`NodeTable`, the value a language module writes.
``grammar``
    The table compiled against one grammar: a role per ``kind_id``.
``language``
    :class:`TreeSitterLanguage`: grammar and parser caches, ``parse``.
``walk``
    The one pass over a tree, the scopes it opens and the units it closes.
``names``
    What nodes are called: declared and bound names, dotted callees, imports.
"""

from __future__ import annotations

from dupfinder.languages.treesitter.language import TreeSitterLanguage
from dupfinder.languages.treesitter.table import GrammarLoader, NodeTable

__all__ = ["GrammarLoader", "NodeTable", "TreeSitterLanguage"]
