"""Platform packages: which import is a platform's, which path is its own code, which platform serves a category."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from functools import lru_cache

import pathspec

from dupfinder.model import Platform, RuleSet

#: Language registry name -> the ecosystem key of :attr:`Platform.packages`.
ECOSYSTEMS: Mapping[str, str] = {
    "python": "python",
    "javascript": "npm",
    "typescript": "npm",
    "java": "java",
    "kotlin": "java",
    "scala": "java",
    "go": "go",
}


def _package_matches(import_name: str, package: str) -> bool:
    if "*" in package:
        return fnmatch.fnmatchcase(import_name, package)
    return import_name == package or import_name.startswith((package + ".", package + "/"))


def platform_for_import(import_name: str, language: str | None, rules: RuleSet) -> Platform | None:
    """The platform whose package ``import_name`` is (or is inside), for ``language``'s ecosystem.

    With ``language`` None every ecosystem is tried. Sub-modules count
    (``acme_auth.sessions``, ``@acme/auth/react``). First platform by id wins.
    """
    for platform in rules.platforms:
        if platform_matches_import(platform, import_name, language):
            return platform
    return None


def platform_matches_import(platform: Platform, import_name: str, language: str | None = None) -> bool:
    """Whether ``import_name`` is one of ``platform``'s packages (or inside one) in ``language``'s ecosystem."""
    eco = ECOSYSTEMS.get(language, language) if language is not None else None
    for ecosystem, packages in platform.packages.items():
        if eco is not None and ecosystem != eco:
            continue
        if any(_package_matches(import_name, pkg) for pkg in packages):
            return True
    return False


@lru_cache(maxsize=256)
def _platform_paths(paths: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(paths)


def is_platform_code(platform: Platform, path: str) -> bool:
    """Whether ``path`` is the platform's own code (by :attr:`Platform.paths`)."""
    return bool(platform.paths) and _platform_paths(platform.paths).match_file(path)


def platform_owning_path(path: str, rules: RuleSet) -> Platform | None:
    """The platform whose own code ``path`` is (by :attr:`Platform.paths`), or None."""
    for platform in rules.platforms:
        if is_platform_code(platform, path):
            return platform
    return None


def platform_for(rules: RuleSet | None, category: str | None, language: str) -> tuple[Platform, str | None] | None:
    """The platform declared for ``category`` and its package for ``language`` (None: no package there)."""
    if rules is None or category is None:
        return None
    for p in rules.platforms:
        if p.category == category:
            eco = ECOSYSTEMS.get(language, language)
            packages = p.packages.get(eco) or p.packages.get(language) or ()
            return p, (packages[0] if packages else None)
    return None
