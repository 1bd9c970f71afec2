"""Read YAML configuration keeping line numbers, so errors can say ``<file>:<line>: <what>``.

One parse gives both the Python data and the node tree: PyYAML's ``SafeLoader``
composes each document into nodes (which carry ``start_mark``) and then
constructs plain data from the same nodes. :func:`line_of` walks a data path
(mapping keys and sequence indexes, as JSON Schema reports them) back down the
node tree to the deepest node that exists and returns its 1-indexed line.

Duplicate mapping keys are an error here (PyYAML silently keeps the last one,
which hides mistakes in hand-written rule and team files).

Cost: linear in the size of the file; :func:`line_of` is linear in the length
of the path times the width of the mappings on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dupfinder.errors import ConfigError

#: A data path as JSON Schema reports it: mapping keys and sequence indexes.
DataPath = Sequence[str | int]


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document: its data and the node tree it was built from."""

    data: object  #: plain Python data (dict, list, str, int, float, bool, None)
    node: Node  #: the composed node tree, for line numbers


def config_error(file: str, line: int, what: str) -> ConfigError:
    """The one format of every configuration error: ``<file>:<line>: <what>``."""
    return ConfigError(f"{file}:{line}: {what}")


def _yaml_error(file: str, exc: yaml.YAMLError) -> ConfigError:
    line = 1
    what = str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line = mark.line + 1
        what = " ".join(part for part in (exc.context, exc.problem) if part) or what
    return config_error(file, line, f"invalid YAML: {what}")


def _check_duplicate_keys(file: str, node: Node) -> None:
    stack: list[Node] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, MappingNode):
            seen: set[str] = set()
            for key, value in cur.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen and key.value != "<<":
                        raise config_error(file, key.start_mark.line + 1, f"duplicate key {key.value!r}")
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(cur, SequenceNode):
            stack.extend(cur.value)


#: libyaml's parser when PyYAML was built with it (about 10x faster; same nodes and marks).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_documents(text: str, file: str) -> list[Document]:
    """Every document of a YAML stream, with nodes; raises ConfigError naming file and line."""
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node() said there is one
                break
            _check_duplicate_keys(file, node)
            docs.append(Document(loader.construct_document(node), node))
    except yaml.YAMLError as exc:
        raise _yaml_error(file, exc) from None
    finally:
        loader.dispose()
    return docs


def read_documents(path: Path, file: str | None = None) -> list[Document]:
    """Read and parse ``path``; ``file`` is the name shown in errors (default: the path)."""
    shown = file if file is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise config_error(shown, 1, f"cannot read file: {exc}") from None
    return parse_documents(text, shown)


def read_single(path: Path, file: str | None = None) -> Document | None:
    """The one document of a YAML file (None for an empty file); several documents are an error."""
    docs = read_documents(path, file)
    if len(docs) > 1:
        shown = file if file is not None else str(path)
        raise config_error(shown, docs[1].node.start_mark.line + 1, "expected one YAML document, found several")
    return docs[0] if docs else None


def node_at(node: Node, path: DataPath) -> Node:
    """The deepest node reachable along ``path`` (stops where the path leaves the tree)."""
    cur = node
    for part in path:
        if isinstance(cur, MappingNode):
            for key, value in cur.value:
                if isinstance(key, ScalarNode) and key.value == str(part):
                    cur = value
                    break
            else:
                return cur
        elif isinstance(cur, SequenceNode) and isinstance(part, int) and 0 <= part < len(cur.value):
            cur = cur.value[part]
        else:
            return cur
    return cur


def key_node(node: Node, path: DataPath, key: str) -> Node:
    """The node of mapping key ``key`` under ``path`` (or the deepest node on the path)."""
    parent = node_at(node, path)
    if isinstance(parent, MappingNode):
        for k, _ in parent.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k
    return parent


def line_of(node: Node, path: DataPath) -> int:
    """1-indexed line of the value at ``path`` (or of the deepest node on it)."""
    return node_at(node, path).start_mark.line + 1


def format_path(path: DataPath) -> str:
    """``categories[2].calls[0]`` style rendering of a data path."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
