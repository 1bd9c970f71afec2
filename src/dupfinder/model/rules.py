"""Rules as values: categories of recurring work, platform packages, ignore rules (loaded by :mod:`dupfinder.rules`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Weights:
    """Per-hit weights of the evidence kinds (probability-like, in [0, 1])."""

    names: float = 0.6
    calls: float = 0.35
    identifiers: float = 0.2
    imports: float = 0.1
    max_import_hits: int = 2  #: file-level imports are weak: count at most this many


@dataclass(frozen=True, slots=True)
class Category:
    """A category of recurring work, e.g. "auth"."""

    id: str
    title: str
    description: str = ""
    imports: tuple[str, ...] = ()  #: patterns on the file's imports
    calls: tuple[str, ...] = ()  #: fnmatch patterns on called dotted names
    names: tuple[str, ...] = ()  #: vocabulary words of the unit's own name
    identifiers: tuple[str, ...] = ()  #: vocabulary words of the unit's identifiers
    min_confidence: float = 0.5
    weights: Weights = Weights()
    source: str = field(default="", compare=False)  #: "file:line" it was defined at


@dataclass(frozen=True, slots=True)
class Platform:
    """An internal platform package that solves one category, e.g. ``acme_auth``."""

    id: str
    title: str
    category: str
    #: ecosystem -> package names, e.g. {"python": ("acme_auth",), "npm": ("@acme/auth",)}
    packages: dict[str, tuple[str, ...]]
    #: where the platform's own code lives (gitignore-style globs relative to the base):
    #: its files are the platform itself, neither adopters nor home-grown copies
    paths: tuple[str, ...] = ()
    description: str = ""
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """Code left out of the analysis: generated files, migrations, tests..."""

    id: str
    enabled: bool
    paths: tuple[str, ...] = ()  #: gitignore-style globs on the path relative to the base
    markers: tuple[str, ...] = ()  #: regexes searched in the first HEADER_LINES lines
    description: str = ""
    #: file names (globs) that mark a folder as another project's copy when it lies inside code of a project
    #: that carries one too (:func:`dupfinder.rules.kinds.copied_folders`); read for the code kind only
    folder_files: tuple[str, ...] = ()
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class RuleSet:
    categories: tuple[Category, ...]  #: sorted by id
    platforms: tuple[Platform, ...]  #: sorted by id
    ignores: tuple[IgnoreRule, ...]  #: in definition order
    directories: tuple[str, ...] = ()  #: folders the rules were read from

    def category(self, category_id: str) -> Category | None:
        for c in self.categories:
            if c.id == category_id:
                return c
        return None

    def with_ignore(self, ignore_id: str, enabled: bool) -> RuleSet:
        """A copy with ignore rule ``ignore_id`` switched on or off (KeyError if unknown)."""
        if not any(r.id == ignore_id for r in self.ignores):
            raise KeyError(ignore_id)
        return replace(
            self, ignores=tuple(replace(r, enabled=enabled) if r.id == ignore_id else r for r in self.ignores)
        )
