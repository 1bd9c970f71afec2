"""Backstage catalog files (``catalog-info.yaml``, ``.yml`` too): the owner they declare.

Of a catalog file's YAML documents, the first ``kind: Component`` with a
``spec.owner`` is used, else the first document with one. A malformed catalog
file belongs to the scanned code, not to the user's configuration: it is
skipped with a warning instead of stopping the scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dupfinder.errors import ConfigError
from dupfinder.support.yamlfile import line_of, read_documents

CATALOG_FILES = ("catalog-info.yaml", "catalog-info.yml")


@dataclass(frozen=True, slots=True)
class CatalogOwner:
    """The owner one catalog file declares."""

    owner: str  #: spec.owner as written
    file: str  #: path shown in evidence
    line: int


def parse_catalog_info(path: Path, file: str) -> tuple[CatalogOwner | None, str | None]:
    """The owner of a Backstage catalog file, and a warning when it cannot be read."""
    try:
        docs = read_documents(path, file)
    except ConfigError as exc:
        return None, f"{exc}; catalog file skipped"
    found: list[tuple[bool, CatalogOwner]] = []
    for doc in docs:
        data = doc.data
        if not isinstance(data, dict):
            continue
        spec = data.get("spec")
        owner = spec.get("owner") if isinstance(spec, dict) else None
        if isinstance(owner, str) and owner.strip():
            line = line_of(doc.node, ["spec", "owner"])
            found.append((data.get("kind") == "Component", CatalogOwner(owner.strip(), file, line)))
    for is_component, owner_ in found:
        if is_component:
            return owner_, None
    return (found[0][1], None) if found else (None, None)


__all__ = ["CATALOG_FILES", "CatalogOwner", "parse_catalog_info"]
