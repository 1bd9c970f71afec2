"""Loading rule files: the built-in folder, then the scanned trees' and the user's, validated against the schema.

Rule files are the ``*.yaml``/``*.yml`` files directly inside the built-in rules folder
(``dupfinder/_rules`` in a wheel, the repository's top-level ``rules/`` in a checkout) and then
inside each extra folder (``--rules DIR``, a scanned tree's ``.dupfinder/rules``), each folder's
files in name order. Every file of an extra folder is validated against ``schema.json``; a malformed
file raises :class:`~dupfinder.errors.ConfigError` ``<file>:<line>: <what>``, the line found by
walking the JSON Schema error's path down PyYAML's node tree. The built-in folder's files ship with
the package, as its code does, and the test suite validates every one of them; a run reads them
without the schema, so that one that has no folder of its own does not import jsonschema. Records
are keyed by ``id``: a later folder replaces an earlier record with the same id (an
ignore rule that gives only ``id`` and ``enabled`` switches the earlier rule on or off and keeps its
paths and markers); the same id twice in one folder is an error.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from dupfinder.errors import ConfigError
from dupfinder.model import Category, IgnoreRule, Platform, RuleSet, Weights
from dupfinder.support.yamlfile import Document, config_error, format_path, key_node, line_of, read_single

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "schema.json"


def builtin_rules_dir() -> Path:
    """``dupfinder/_rules`` when installed from a wheel, else the checkout's ``rules/``."""
    try:
        packaged = resources.files("dupfinder") / "_rules"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - dupfinder is importable here
        pass
    return Path(__file__).resolve().parents[3] / "rules"


@cache
def rules_schema() -> dict[str, object]:
    """The JSON Schema every rule file is validated against."""
    path = builtin_rules_dir() / SCHEMA_FILE
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _schema_error(file: str, doc: Document, err: ValidationError) -> ConfigError:
    path = list(err.absolute_path)
    line = line_of(doc.node, path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = sorted(str(k) for k in err.instance if k not in allowed)
        if extra:
            line = key_node(doc.node, path, extra[0]).start_mark.line + 1
            where = format_path(path) or "top level"
            return config_error(file, line, f"{where}: unknown key {extra[0]!r} (allowed: {', '.join(allowed)})")
    where = format_path(path)
    return config_error(file, line, f"{where + ': ' if where else ''}{err.message}")


@lru_cache(maxsize=64)
def _read_valid(file: str, mtime_ns: int, size: int, validate: bool = True) -> Document | None:
    """A rule file parsed and, with ``validate``, validated against the schema (cached while the file is
    unchanged)."""
    doc = read_single(Path(file), file)
    if doc is None or not validate:
        return doc
    import jsonschema  # here: the built-in rules, all a run without --rules reads, are not validated
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(rules_schema())
    err = best_match(validator.iter_errors(doc.data), key=jsonschema.exceptions.relevance)
    if err is not None:
        raise _schema_error(file, doc, err)
    return doc


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _check_globs(file: str, doc: Document, path: list[str | int], globs: Sequence[str]) -> None:
    for i, g in enumerate(globs):
        try:
            pathspec.GitIgnoreSpec.from_lines([g])
        except ValueError as exc:
            raise config_error(file, line_of(doc.node, [*path, i]), f"invalid glob {g!r}: {exc}") from None


def _float(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def _weights(value: object, base: Weights) -> Weights:
    if not isinstance(value, dict):
        return base
    hits = value.get("max_import_hits")
    return Weights(
        names=_float(value.get("names"), base.names),
        calls=_float(value.get("calls"), base.calls),
        identifiers=_float(value.get("identifiers"), base.identifiers),
        imports=_float(value.get("imports"), base.imports),
        max_import_hits=hits if isinstance(hits, int) else base.max_import_hits,
    )


@dataclass
class _Loader:
    """Mutable state of one :func:`load_rules` call (never escapes it)."""

    weights: Weights = Weights()
    min_confidence: float = 0.5
    categories: dict[str, tuple[dict[str, object], str]] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    platform_lines: dict[str, tuple[str, int]] = field(default_factory=dict)
    ignores: dict[str, IgnoreRule] = field(default_factory=dict)

    def load_dir(self, folder: Path, validate: bool = True) -> None:
        if not folder.is_dir():
            raise ConfigError(f"{folder}: rules folder not found")
        seen: dict[tuple[str, str], str] = {}
        defaults_from: str | None = None
        files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        for path in files:
            file = str(path)
            stat = path.stat()
            doc = _read_valid(file, stat.st_mtime_ns, stat.st_size, validate)
            if doc is None:
                continue
            data = doc.data
            assert isinstance(data, dict)  # the schema says so
            if "defaults" in data:
                if defaults_from is not None:
                    raise config_error(
                        file, line_of(doc.node, ["defaults"]), f"defaults already given in {defaults_from}"
                    )
                defaults_from = file
                d = data["defaults"]
                self.weights = _weights(d.get("weights"), self.weights)
                self.min_confidence = _float(d.get("min_confidence"), self.min_confidence)
            for kind in ("categories", "platforms", "ignores"):
                for i, rec in enumerate(data.get(kind, [])):
                    assert isinstance(rec, dict)
                    where: list[str | int] = [kind, i]
                    line = line_of(doc.node, where)
                    key = (kind, str(rec["id"]))
                    if key in seen:
                        singular = {"categories": "category", "platforms": "platform", "ignores": "ignore rule"}[kind]
                        raise config_error(file, line, f"duplicate {singular} id {key[1]!r} (also at {seen[key]})")
                    seen[key] = f"{file}:{line}"
                    if kind == "categories":
                        self.categories[key[1]] = (rec, f"{file}:{line}")
                    elif kind == "platforms":
                        self._add_platform(file, doc, where, rec, f"{file}:{line}")
                    else:
                        self._add_ignore(file, doc, where, rec, f"{file}:{line}")

    def _add_platform(self, file: str, doc: Document, where: list[str | int], rec: dict[str, object], src: str) -> None:
        paths = _strs(rec.get("paths"))
        _check_globs(file, doc, [*where, "paths"], paths)
        packages = rec["packages"]
        assert isinstance(packages, dict)
        pid = str(rec["id"])
        self.platforms[pid] = Platform(
            id=pid,
            title=str(rec["title"]),
            category=str(rec["category"]),
            packages={str(k): _strs(v) for k, v in sorted(packages.items())},
            paths=paths,
            description=str(rec.get("description", "")),
            source=src,
        )
        self.platform_lines[pid] = (file, line_of(doc.node, [*where, "category"]))

    def _add_ignore(self, file: str, doc: Document, where: list[str | int], rec: dict[str, object], src: str) -> None:
        paths, markers = _strs(rec.get("paths")), _strs(rec.get("markers"))
        folder_files = _strs(rec.get("folder_files"))
        _check_globs(file, doc, [*where, "paths"], paths)
        for i, m in enumerate(markers):
            try:
                re.compile(m)
            except re.error as exc:
                raise config_error(
                    file, line_of(doc.node, [*where, "markers", i]), f"invalid regex {m!r}: {exc}"
                ) from None
        rid = str(rec["id"])
        prev = self.ignores.get(rid)
        if prev is not None and not paths and not markers and not folder_files and "description" not in rec:
            self.ignores[rid] = replace(prev, enabled=bool(rec["enabled"]), source=src)
            return
        if not paths and not markers and not folder_files:
            raise config_error(
                file, line_of(doc.node, where), f"ignore rule {rid!r} needs paths, markers or folder_files"
            )
        self.ignores[rid] = IgnoreRule(rid, bool(rec["enabled"]), paths, markers, str(rec.get("description", "")),
                                       source=src, folder_files=folder_files)  # fmt: skip

    def build(self, directories: Sequence[str]) -> RuleSet:
        cats: list[Category] = []
        for cid, (rec, src) in sorted(self.categories.items()):
            cats.append(
                Category(
                    id=cid,
                    title=str(rec["title"]),
                    description=str(rec.get("description", "")).strip(),
                    imports=_strs(rec.get("imports")),
                    calls=_strs(rec.get("calls")),
                    names=_strs(rec.get("names")),
                    identifiers=_strs(rec.get("identifiers")),
                    min_confidence=_float(rec.get("min_confidence"), self.min_confidence),
                    weights=_weights(rec.get("weights"), self.weights),
                    source=src,
                )
            )
        known = {c.id for c in cats}
        for pid, p in self.platforms.items():
            if p.category not in known:
                file, line = self.platform_lines[pid]
                raise config_error(
                    file, line, f"platform {pid!r}: unknown category {p.category!r} (known: {', '.join(sorted(known))})"
                )
        return RuleSet(
            categories=tuple(cats),
            platforms=tuple(self.platforms[k] for k in sorted(self.platforms)),
            ignores=tuple(self.ignores.values()),
            directories=tuple(directories),
        )


def load_rules(extra_dirs: Sequence[str | PathLike[str]] = ()) -> RuleSet:
    """The built-in rules, then each of ``extra_dirs`` (later ones override by id)."""
    folders = [builtin_rules_dir(), *(Path(d) for d in extra_dirs)]
    loader = _Loader()
    loader.load_dir(folders[0], validate=False)  # the built-in files: the test suite validates them
    for folder in folders[1:]:
        loader.load_dir(folder)
    return loader.build([str(f) for f in folders])


#: a scanned tree's own rules (platform packages, categories, ignores), loaded automatically
PROJECT_RULES_DIR = os.path.join(".dupfinder", "rules")


def project_rules_dirs(paths: Sequence[str]) -> list[str]:
    """``.dupfinder/rules`` folders at the top of the scanned paths."""
    found = []
    for p in paths:
        candidate = os.path.join(p, PROJECT_RULES_DIR)
        if os.path.isdir(candidate) and candidate not in found:
            found.append(candidate)
    return found


def load_ruleset(
    rules_dirs: Sequence[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
    *,
    paths: Sequence[str] = (),
) -> RuleSet:
    """Built-in rules, then the scanned trees' ``.dupfinder/rules``, then ``rules_dirs`` (later
    records replace earlier ones by id), with ignore rules switched on or off by id."""
    rules = load_rules([*project_rules_dirs(paths), *rules_dirs])
    for ignore_id, on in [(i, True) for i in enable] + [(i, False) for i in disable]:
        try:
            rules = rules.with_ignore(ignore_id, on)
        except KeyError:
            known = ", ".join(r.id for r in rules.ignores)
            raise ConfigError(f"unknown ignore rule {ignore_id!r} (known: {known})") from None
    return rules
