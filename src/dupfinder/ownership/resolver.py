"""Team attribution: which team owns a file.

Every path (POSIX, relative to the scan base) gets an :class:`Attribution`:
a team (or ``None``) and the source that said so. Sources, in order of
precedence -- the first one that speaks wins:

1. **teams file** (``--teams FILE``, :mod:`.teamsfile`): the first team, in
   file order, whose globs match the path relative to the scan base.
2. **CODEOWNERS** (:mod:`.codeowners`), looked up per repository: the scan base,
   each scanned root, every folder between the base and a root, and every git
   repository (a folder holding ``.git``) under a root. A path uses the file of
   its nearest enclosing such folder that has one, never looking past the
   nearest git repository that encloses it (a nested repository is a boundary).
   Patterns are relative to the folder holding the repository; the last
   matching line wins, and a matching line with no owners leaves the path
   **unowned** (the chain stops there: CODEOWNERS said so explicitly).
3. **catalog-info.yaml** (Backstage, :mod:`.catalog`): a file in any folder
   applies to everything below it, the nearest one wins, and like CODEOWNERS it
   is not inherited across a git repository boundary.
4. **fallback**, chosen by the user: ``root`` (the scanned root is the team,
   named by its folder -- the base's folder for ``.`` -- or by its relative path
   when two roots share a folder name), ``repo`` (the nearest git repository,
   named by its folder; the root's team when the file is in no repository),
   ``depth:N`` (the first N folder levels of the path relative to its root; a
   file directly in the root has none and stays unowned), or ``none``.
5. Otherwise the path is **unowned**: ``team=None``, ``source="unowned"`` --
   reported as such, never dropped.

Owner names from CODEOWNERS and catalog files go through a normaliser
(:mod:`.names`).

Cost: building walks every folder under the roots once (``os.walk``, pruning
VCS, dependency and cache folders) -- O(folders) -- and parses the few owner
files found. :meth:`TeamResolver.resolve` is O(depth of the path + globs of the
teams file + lines of the one CODEOWNERS file consulted). The resolver is
immutable once built.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from dupfinder.errors import ConfigError
from dupfinder.model import Attribution
from dupfinder.ownership.catalog import CATALOG_FILES, CatalogOwner, parse_catalog_info
from dupfinder.ownership.codeowners import CODEOWNERS_LOCATIONS, CodeOwners, parse_codeowners
from dupfinder.ownership.names import default_owner_name
from dupfinder.ownership.teamsfile import TeamGlobs, load_teams_file
from dupfinder.support import git

SOURCE_TEAMS_FILE = "teams-file"
SOURCE_CODEOWNERS = "codeowners"
SOURCE_CATALOG = "catalog-info"
SOURCE_FALLBACK = "fallback"
SOURCE_UNOWNED = "unowned"
#: Every value :attr:`Attribution.source` can take, in order of precedence.
SOURCES = (SOURCE_TEAMS_FILE, SOURCE_CODEOWNERS, SOURCE_CATALOG, SOURCE_FALLBACK, SOURCE_UNOWNED)

FALLBACKS = ("root", "repo", "depth:N", "none")

#: Folders never walked while looking for repositories and catalog files.
_PRUNE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".dupfinder-cache",
    }
)


def _norm(path: str) -> str:
    """POSIX path relative to the base, "" for the base itself."""
    p = posixpath.normpath(path.replace("\\", "/")) if path else "."
    return "" if p == "." else p.lstrip("/")


def _ancestors(path: str) -> list[str]:
    """Folders enclosing ``path``, nearest first, ending with "" (the base)."""
    out: list[str] = []
    d = posixpath.dirname(path)
    while d:
        out.append(d)
        d = posixpath.dirname(d)
    out.append("")
    return out


def _join(d: str, name: str) -> str:
    return f"{d}/{name}" if d else name


def _within(path: str, d: str) -> bool:
    return not d or path == d or path.startswith(d + "/")


def _parse_fallback(fallback: str) -> tuple[str, int]:
    if fallback in ("root", "repo", "none"):
        return fallback, 0
    m = re.fullmatch(r"depth:([1-9][0-9]*)", fallback)
    if m is not None:
        return "depth", int(m[1])
    raise ConfigError(f"team fallback must be one of root, repo, depth:N (N >= 1) or none, got {fallback!r}")


@dataclass(frozen=True)
class TeamResolver:
    """Maps paths to teams; immutable once built by :func:`build_resolver`."""

    base: str  #: absolute folder all paths are relative to
    roots: tuple[str, ...]  #: scanned roots, normalised ("" for the base)
    fallback: str
    teams_file: str | None
    teams: tuple[TeamGlobs, ...]
    codeowners: Mapping[str, CodeOwners]  #: repository folder -> its CODEOWNERS
    catalogs: Mapping[str, CatalogOwner]  #: folder -> its catalog-info owner
    repos: frozenset[str]  #: folders holding .git
    root_teams: Mapping[str, str]  #: root -> team name for the "root" fallback
    normalize_owner: Callable[[str], str] = field(default=default_owner_name, repr=False)
    warnings: tuple[str, ...] = ()  #: skipped CODEOWNERS lines, unreadable catalog files

    def resolve(self, path: str) -> Attribution:
        """Who owns ``path`` (POSIX, relative to the base)."""
        p = _norm(path)
        for entry in self.teams:
            if entry.spec.match_file(p):
                return Attribution(entry.name, SOURCE_TEAMS_FILE, f"{self.teams_file}:{entry.line}")
        ancestors = _ancestors(p)
        found = self._codeowners(p, ancestors)
        if found is not None:
            return found
        for d in ancestors:
            cat = self.catalogs.get(d)
            if cat is not None:
                return Attribution(self.normalize_owner(cat.owner), SOURCE_CATALOG, f"{cat.file}:{cat.line}")
            if d in self.repos:
                break
        team, evidence = self._fallback(p, ancestors)
        if team is not None:
            return Attribution(team, SOURCE_FALLBACK, evidence)
        return Attribution(None, SOURCE_UNOWNED, "no teams file entry, CODEOWNERS rule, catalog-info.yaml or fallback")

    def resolve_all(self, paths: Iterable[str]) -> dict[str, Attribution]:
        """:meth:`resolve` for each path, keyed by path, in sorted order."""
        return {p: self.resolve(p) for p in sorted(set(paths))}

    def _codeowners(self, p: str, ancestors: Sequence[str]) -> Attribution | None:
        for d in ancestors:
            co = self.codeowners.get(d)
            if co is not None:
                rule = co.match(p[len(d) + 1 :] if d else p)
                if rule is None:
                    return None
                where = f"{co.file}:{rule.line}"
                if not rule.owners:
                    return Attribution(None, SOURCE_UNOWNED, f"{where}: matching CODEOWNERS line names no owner")
                return Attribution(self.normalize_owner(rule.owners[0]), SOURCE_CODEOWNERS, where)
            if d in self.repos:
                return None
        return None

    def _root_of(self, p: str) -> str | None:
        inside = [r for r in self.roots if _within(p, r)]
        return max(inside, key=len) if inside else None

    def _fallback(self, p: str, ancestors: Sequence[str]) -> tuple[str | None, str]:
        kind, depth = _parse_fallback(self.fallback)
        if kind == "none":
            return None, ""
        root = self._root_of(p)
        if kind == "repo":
            for d in ancestors:
                if d in self.repos:
                    name = posixpath.basename(d) if d else posixpath.basename(self.base.rstrip("/"))
                    return name, f"repository {d or '.'}"
        if root is None:
            return None, ""
        if kind == "depth":
            rel = p[len(root) + 1 :] if root else p
            folders = rel.split("/")[:-1][:depth]
            if not folders:
                return None, ""
            return "/".join(folders), f"first {depth} folder level(s) under root {root or '.'}"
        return self.root_teams[root], f"root {root or '.'}"


def _root_teams(base: str, roots: Sequence[str]) -> dict[str, str]:
    def short(r: str) -> str:
        return posixpath.basename(r) if r else (os.path.basename(base.rstrip(os.sep)) or base)

    names = {r: short(r) for r in roots}
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {r: (n if counts[n] == 1 else (r or n)) for r, n in names.items()}


def _find_codeowners(base: str, d: str) -> tuple[Path, str] | None:
    for loc in CODEOWNERS_LOCATIONS:
        rel = _join(d, loc)
        candidate = Path(base, rel)
        if candidate.is_file():
            return candidate, rel
    return None


@dataclass(frozen=True, slots=True)
class _OwnerFiles:
    """What one walk of the roots found: repositories, CODEOWNERS sites and catalog files."""

    repos: frozenset[str]  #: folders holding .git
    sites: frozenset[str]  #: folders where a CODEOWNERS file may live
    catalog_files: Mapping[str, tuple[Path, str]]  #: folder -> (its catalog file, the path shown)


def _find_owner_files(base_abs: str, roots: Sequence[str]) -> _OwnerFiles:
    """Walk every root once, noting repositories, CODEOWNERS sites and catalog files."""
    repos: set[str] = set()
    catalog_files: dict[str, tuple[Path, str]] = {}
    sites: set[str] = {""}
    for root in roots:
        # the folders between the base and the root (and the root itself)
        parts = root.split("/") if root else []
        for i in range(len(parts) + 1):
            d = "/".join(parts[:i])
            sites.add(d)
            if git.has_git(os.path.join(base_abs, d)):
                repos.add(d)
        top = os.path.join(base_abs, root)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(n for n in dirnames if n not in _PRUNE)
            rel = _norm(os.path.relpath(dirpath, base_abs).replace(os.sep, "/"))
            if git.has_git(dirpath):
                repos.add(rel)
                sites.add(rel)
            for name in CATALOG_FILES:
                if name in filenames and rel not in catalog_files:
                    catalog_files[rel] = (Path(dirpath, name), _join(rel, name))
    return _OwnerFiles(frozenset(repos), frozenset(sites), MappingProxyType(catalog_files))


def _load_codeowners(base_abs: str, sites: Iterable[str], warnings: list[str]) -> dict[str, CodeOwners]:
    """Site -> its parsed CODEOWNERS file, sites in sorted order; adds read and parse warnings."""
    codeowners: dict[str, CodeOwners] = {}
    for d in sorted(sites):
        found = _find_codeowners(base_abs, d)
        if found is None:
            continue
        path, shown = found
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            warnings.append(f"{shown}:1: cannot read CODEOWNERS: {exc}")
            continue
        co = parse_codeowners(text, shown)
        codeowners[d] = co
        warnings.extend(co.warnings)
    return codeowners


def _load_catalogs(catalog_files: Mapping[str, tuple[Path, str]], warnings: list[str]) -> dict[str, CatalogOwner]:
    """Folder -> the owner its catalog file declares, folders in sorted order; adds skip warnings."""
    catalogs: dict[str, CatalogOwner] = {}
    for d, (path, shown) in sorted(catalog_files.items()):
        owner, warning = parse_catalog_info(path, shown)
        if warning:
            warnings.append(warning)
        if owner is not None:
            catalogs[d] = owner
    return catalogs


def build_resolver(
    base: str,
    roots: Sequence[str],
    teams_file: str | None,
    fallback: str,
    *,
    normalize_owner: Callable[[str], str] = default_owner_name,
) -> TeamResolver:
    """Find and parse every owner file for ``roots`` under ``base``; see the module docstring.

    ``fallback`` is ``root``, ``repo``, ``depth:N`` or ``none``. Raises ConfigError
    for a malformed teams file or an unknown fallback.
    """
    _parse_fallback(fallback)
    base_abs = os.path.abspath(base)
    norm_roots = tuple(sorted({_norm(r) for r in roots} or {""}))
    teams = load_teams_file(teams_file) if teams_file else ()
    found = _find_owner_files(base_abs, norm_roots)
    warnings: list[str] = []
    codeowners = _load_codeowners(base_abs, found.sites, warnings)
    catalogs = _load_catalogs(found.catalog_files, warnings)
    return TeamResolver(
        base=base_abs,
        roots=norm_roots,
        fallback=fallback,
        teams_file=teams_file,
        teams=teams,
        codeowners=MappingProxyType(codeowners),
        catalogs=MappingProxyType(catalogs),
        repos=found.repos,
        root_teams=MappingProxyType(_root_teams(base_abs, norm_roots)),
        normalize_owner=normalize_owner,
        warnings=tuple(warnings),
    )


__all__ = [
    "FALLBACKS",
    "SOURCES",
    "TeamResolver",
    "build_resolver",
]
