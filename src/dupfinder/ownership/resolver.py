"""Team attribution: which team owns a file.

Every path (POSIX, relative to the scan base) gets an :class:`Attribution`:
a team (or ``None``) and the source that said so. Sources, in order of
precedence -- the first one that speaks wins:

1. **teams file** (``--teams FILE``): YAML ``{teams: {name: [globs]}}`` or plain
   ``{name: [globs]}``. Globs are gitignore-style (``pathspec``), matched against
   the path relative to the scan base (the path shown in reports); ``!glob``
   excludes within a team. The first team, in file order, whose globs match wins.
2. **CODEOWNERS**, looked up per repository: the scan base, each scanned root,
   every folder between the base and a root, and every git repository (a folder
   holding ``.git``) under a root. At each such folder the first of
   ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS``,
   ``.gitlab/CODEOWNERS`` that exists is its file. A path uses the file of its
   nearest enclosing such folder that has one, never looking past the nearest
   git repository that encloses it (a nested repository is a boundary). Patterns
   are relative to the folder holding the repository. Semantics (GitHub's, which
   differ from ``.gitignore``, so ``pathspec`` is not used here): a leading ``/``
   anchors to the repository root; a pattern with a slash elsewhere (not only at
   its end) is anchored too; one without matches at any depth; a trailing ``/``
   means the folder and everything below it; a pattern also matches everything
   below a folder it names, except when its last segment is a lone ``*``
   (``docs/*`` owns ``docs/a.md`` but not ``docs/sub/b.md``); ``*`` and ``?`` do
   not cross ``/``; ``**`` spans folders; ``\\`` escapes the next character
   (``\\#`` for a leading hash, ``\\ `` for a space); ``#`` starts a comment; paths
   are case-sensitive; the **last matching line wins**, and a matching line with
   no owners leaves the path **unowned** (the chain stops there: CODEOWNERS said
   so explicitly). ``!`` negation and ``***`` are not supported by GitHub: such
   lines are skipped with a warning, as are lines whose owners are not
   ``@user``, ``@org/team`` or an e-mail. GitLab sections (``[Section]``,
   ``^[Optional]``, ``[Section][2]``) are read with their default owners, which
   apply to the section's lines that name none; GitLab combines the owners of
   every section, but one team is needed here, so the last matching line of the
   whole file wins. With several owners, **the first owner is the team**.
3. **catalog-info.yaml** (Backstage; ``.yml`` too): a file in any folder applies
   to everything below it, the nearest one wins, and like CODEOWNERS it is not
   inherited across a git repository boundary. Of its YAML documents, the first
   ``kind: Component`` with a ``spec.owner`` is used, else the first document
   with one. A malformed catalog file belongs to the scanned code, not to the
   user's configuration: it is skipped with a warning instead of stopping the scan.
4. **fallback**, chosen by the user: ``root`` (the scanned root is the team,
   named by its folder -- the base's folder for ``.`` -- or by its relative path
   when two roots share a folder name), ``repo`` (the nearest git repository,
   named by its folder; the root's team when the file is in no repository),
   ``depth:N`` (the first N folder levels of the path relative to its root; a
   file directly in the root has none and stays unowned), or ``none``.
5. Otherwise the path is **unowned**: ``team=None``, ``source="unowned"`` --
   reported as such, never dropped.

Owner names from CODEOWNERS and catalog files go through a normaliser
(:func:`default_owner_name` unless another is given): ``@acme/identity`` ->
``identity``, ``group:default/identity`` -> ``identity``, ``user:default/ann``
-> ``user:ann``; ``@alice`` and e-mail addresses are kept as written.

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

import pathspec

from dupfinder.errors import ConfigError
from dupfinder.model import Attribution
from dupfinder.support import git
from dupfinder.support.yamlfile import config_error, key_node, line_of, read_documents, read_single

SOURCE_TEAMS_FILE = "teams-file"
SOURCE_CODEOWNERS = "codeowners"
SOURCE_CATALOG = "catalog-info"
SOURCE_FALLBACK = "fallback"
SOURCE_UNOWNED = "unowned"
#: Every value :attr:`Attribution.source` can take, in order of precedence.
SOURCES = (SOURCE_TEAMS_FILE, SOURCE_CODEOWNERS, SOURCE_CATALOG, SOURCE_FALLBACK, SOURCE_UNOWNED)

#: Where a repository keeps its CODEOWNERS file; the first that exists is used
#: (GitHub's order, then GitLab's extra location).
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
CATALOG_FILES = ("catalog-info.yaml", "catalog-info.yml")
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


# ---------------------------------------------------------------- owner names

_ENTITY_REF = re.compile(r"(?:(?P<kind>[A-Za-z][\w-]*):)?(?:(?P<ns>[^/:@\s]+)/)?(?P<name>[^/:@\s]+)")


def default_owner_name(owner: str) -> str:
    """``@org/team`` -> ``team``; Backstage ``group:ns/name`` -> ``name``; users and e-mails as written."""
    o = owner.strip()
    if o.startswith("@") and not o.startswith("@@") and "/" in o:
        return o.rsplit("/", 1)[1]
    m = _ENTITY_REF.fullmatch(o)
    if m is None:
        return o
    kind = (m["kind"] or "group").lower()
    return m["name"] if kind == "group" else f"{kind}:{m['name']}"


def verbatim_owner(owner: str) -> str:
    """Keep owners exactly as written (``@acme/identity`` stays ``@acme/identity``)."""
    return owner.strip()


def _is_owner(token: str) -> bool:
    # GitHub accepts @user, @org/team and e-mail addresses; anything else makes the line invalid.
    return "@" in token


# ---------------------------------------------------------------- CODEOWNERS


def _segment_regex(seg: str) -> str:
    out: list[str] = []
    escape = False
    for ch in seg:
        if escape:
            out.append(re.escape(ch))
            escape = False
        elif ch == "\\":
            escape = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:  # CODEOWNERS has no [ranges]: brackets are literal
            out.append(re.escape(ch))
    return "".join(out)


def compile_codeowners_pattern(pattern: str) -> re.Pattern[str]:
    """A regex matching the file paths (relative to the repository root) that ``pattern`` owns.

    Raises ValueError for patterns GitHub rejects (negation, ``***``, empty).
    """
    if not pattern or pattern.startswith("!"):
        raise ValueError("negation (!) is not supported in CODEOWNERS")
    if "***" in pattern:
        raise ValueError("three consecutive asterisks are not a valid pattern")
    if pattern == "/":
        return re.compile(r"(?!)")  # matches nothing
    anchored = pattern.startswith("/")
    body = pattern[1:] if anchored else pattern
    dir_only = body.endswith("/")
    segs = [s for s in body.split("/") if s != ""]
    if not segs:
        return re.compile(r"(?!)")
    # "/" only at the end (or nowhere) -> the pattern matches at any depth
    if not anchored and len(segs) == 1 and segs[0] != "**":
        segs = ["**", *segs]
    if dir_only:
        segs.append("**")
    collapsed: list[str] = []
    for s in segs:  # "a/**/**/b" is "a/**/b"
        if not (s == "**" and collapsed and collapsed[-1] == "**"):
            collapsed.append(s)
    segs = collapsed

    out = ["^"]
    need_sep = False
    last = len(segs) - 1
    for i, seg in enumerate(segs):
        if seg == "**":
            if last == 0:
                out.append(".+")
            elif i == 0:
                out.append("(?:.+/)?")
                need_sep = False
            elif i == last:
                out.append("/.+")
            else:
                out.append("(?:/.+)?")
                need_sep = True
            continue
        if need_sep:
            out.append("/")
        if seg == "*":
            out.append("[^/]+")
            # a trailing lone "*" owns direct children only (GitHub: docs/* is not recursive)
        else:
            out.append(_segment_regex(seg))
            if i == last:
                out.append("(?:/.*)?")  # a named folder owns everything below it
        need_sep = True
    out.append("$")
    return re.compile("".join(out))


def _tokens(line: str) -> list[str]:
    """Split on unescaped whitespace, keeping backslash escapes inside tokens."""
    tokens: list[str] = []
    cur: list[str] = []
    escape = False
    for ch in line:
        if escape:
            cur.append(ch)
            escape = False
        elif ch == "\\":
            cur.append(ch)
            escape = True
        elif ch.isspace():
            if cur:
                tokens.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        tokens.append("".join(cur))
    return tokens


def _owners(tokens: Sequence[str]) -> tuple[list[str], bool]:
    """Owners up to an inline comment; the flag is False when a token is not an owner."""
    owners: list[str] = []
    for tok in tokens:
        if tok.startswith("#"):
            break
        if not _is_owner(tok):
            return owners, False
        owners.append(tok)
    return owners, True


_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]*)\](?:\[\d+\])?(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class CodeOwnersRule:
    """One line of a CODEOWNERS file."""

    pattern: str  #: as written (escapes kept)
    owners: tuple[str, ...]  #: as written; empty means "no owner"
    line: int  #: 1-indexed line in the file
    section: str | None  #: GitLab section name, None before any section
    regex: re.Pattern[str] = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CodeOwners:
    """A parsed CODEOWNERS file."""

    file: str  #: path shown in evidence and warnings
    rules: tuple[CodeOwnersRule, ...]
    warnings: tuple[str, ...] = ()

    def match(self, path: str) -> CodeOwnersRule | None:
        """The last rule matching ``path`` (relative to the repository root), or None."""
        for rule in reversed(self.rules):
            if rule.regex.match(path):
                return rule
        return None


def parse_codeowners(text: str, file: str = "CODEOWNERS") -> CodeOwners:
    """Parse CODEOWNERS text; invalid lines become warnings (``file:line: what``), as GitHub skips them."""
    rules: list[CodeOwnersRule] = []
    warnings: list[str] = []
    section: str | None = None
    section_owners: tuple[str, ...] = ()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        sec = _SECTION.match(line)
        if sec is not None and not line.startswith("\\"):
            section = sec["name"].strip()
            owners, ok = _owners(_tokens(sec["rest"]))
            if not ok:
                warnings.append(f"{file}:{lineno}: section default owners must be @user, @group or e-mails")
            section_owners = tuple(owners)
            continue
        tokens = _tokens(line)
        pattern, rest = tokens[0], tokens[1:]
        if pattern.startswith("\\#"):
            pattern = pattern[1:]  # "\#file" names a file starting with "#"
        owners, ok = _owners(rest)
        if not ok:
            warnings.append(f"{file}:{lineno}: owners must be @user, @org/team or e-mails; line skipped")
            continue
        try:
            regex = compile_codeowners_pattern(pattern)
        except ValueError as exc:
            warnings.append(f"{file}:{lineno}: {exc}; line skipped")
            continue
        rules.append(CodeOwnersRule(pattern, tuple(owners) or section_owners, lineno, section, regex))
    return CodeOwners(file, tuple(rules), tuple(warnings))


# ---------------------------------------------------------------- teams file


@dataclass(frozen=True, slots=True)
class TeamGlobs:
    """One team of a teams file."""

    name: str
    globs: tuple[str, ...]
    line: int  #: 1-indexed line of the team's key
    spec: pathspec.GitIgnoreSpec = field(compare=False, repr=False)


def load_teams_file(path: str) -> tuple[TeamGlobs, ...]:
    """Parse a teams file; ConfigError ``<file>:<line>: <what>`` when malformed."""
    doc = read_single(Path(path), path)
    if doc is None:
        raise config_error(path, 1, "empty teams file: expected a mapping of team name to a list of path globs")
    data, root = doc.data, doc.node
    prefix: list[str | int] = []
    if isinstance(data, dict) and list(data) == ["teams"] and isinstance(data["teams"], dict):
        data = data["teams"]
        prefix = ["teams"]
    if not isinstance(data, dict):
        raise config_error(path, line_of(root, prefix), "expected a mapping of team name to a list of path globs")
    teams: list[TeamGlobs] = []
    for name, globs in data.items():
        key_line = key_node(root, prefix, str(name)).start_mark.line + 1
        if not isinstance(name, str) or not name.strip():
            raise config_error(path, key_line, f"team name must be a non-empty string, got {name!r}")
        here = [*prefix, name]
        if not isinstance(globs, list) or not globs:
            raise config_error(path, line_of(root, here), f"team {name!r}: expected a non-empty list of path globs")
        for i, glob in enumerate(globs):
            if not isinstance(glob, str) or not glob.strip():
                raise config_error(path, line_of(root, [*here, i]), f"team {name!r}: glob must be a string")
        try:
            spec = pathspec.GitIgnoreSpec.from_lines(globs)
        except ValueError as exc:
            raise config_error(path, line_of(root, here), f"team {name!r}: invalid glob: {exc}") from None
        teams.append(TeamGlobs(name.strip(), tuple(globs), key_line, spec))
    return tuple(teams)


# ---------------------------------------------------------------- catalog-info.yaml


@dataclass(frozen=True, slots=True)
class CatalogOwner:
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


# ---------------------------------------------------------------- the resolver


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

    repos: set[str] = set()
    catalog_files: dict[str, tuple[Path, str]] = {}
    sites: set[str] = {""}  # folders where a CODEOWNERS file may live
    for root in norm_roots:
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

    warnings: list[str] = []
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

    catalogs: dict[str, CatalogOwner] = {}
    for d, (path, shown) in sorted(catalog_files.items()):
        owner, warning = parse_catalog_info(path, shown)
        if warning:
            warnings.append(warning)
        if owner is not None:
            catalogs[d] = owner

    return TeamResolver(
        base=base_abs,
        roots=norm_roots,
        fallback=fallback,
        teams_file=teams_file,
        teams=teams,
        codeowners=MappingProxyType(codeowners),
        catalogs=MappingProxyType(catalogs),
        repos=frozenset(repos),
        root_teams=MappingProxyType(_root_teams(base_abs, norm_roots)),
        normalize_owner=normalize_owner,
        warnings=tuple(warnings),
    )


__all__ = [
    "CATALOG_FILES",
    "CODEOWNERS_LOCATIONS",
    "FALLBACKS",
    "SOURCES",
    "Attribution",
    "CatalogOwner",
    "CodeOwners",
    "CodeOwnersRule",
    "TeamGlobs",
    "TeamResolver",
    "build_resolver",
    "compile_codeowners_pattern",
    "default_owner_name",
    "load_teams_file",
    "parse_catalog_info",
    "parse_codeowners",
    "verbatim_owner",
]
