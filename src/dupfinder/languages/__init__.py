"""Language registry: built-ins plus third-party plug-ins.

A third-party package adds a language by exposing an object that satisfies
:class:`dupfinder.languages.base.Language` under the entry-point group
``dupfinder.languages``; one that can also give normalised units directly
implements :class:`dupfinder.languages.base.UnitParser` as well.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from dupfinder.languages.base import Language, UnitParser

#: name -> "module:attribute" of the built-in languages (imported lazily).
BUILTINS: dict[str, str] = {
    "python": "dupfinder.languages.python:LANGUAGE",
    "javascript": "dupfinder.languages.javascript:LANGUAGE",
    "typescript": "dupfinder.languages.typescript:LANGUAGE",
    "java": "dupfinder.languages.java:LANGUAGE",
    "go": "dupfinder.languages.go:LANGUAGE",
}

ENTRY_POINT_GROUP = "dupfinder.languages"


def _load(target: str) -> Language:
    module_name, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module_name), attr)
    if not isinstance(obj, Language):
        raise TypeError(f"{target} does not implement dupfinder.languages.base.Language")
    return obj


@cache
def registry() -> dict[str, Language]:
    """All languages by name: built-ins first, then entry points (which may not override)."""
    langs: dict[str, Language] = {name: _load(target) for name, target in BUILTINS.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in langs:
            langs[ep.name] = _load(ep.value)
    return langs


@cache
def by_extension() -> dict[str, str]:
    """Lower-case file ending -> language name."""
    table: dict[str, str] = {}
    for name, lang in registry().items():
        for ext in lang.extensions:
            table.setdefault(ext, name)
    return table


def language_for(filename: str) -> str | None:
    """The language that parses ``filename``, by its ending, or None."""
    lower = filename.lower()
    table = by_extension()
    # endings start with a dot: try them from the first dot on, so the longest
    # ending wins (".d.ts"-style over ".ts"); one dict lookup per dot, as
    # discovery calls this for every file
    dot = lower.find(".")
    while dot != -1:
        name = table.get(lower[dot:])
        if name is not None:
            return name
        dot = lower.find(".", dot + 1)
    return None


def get(name: str) -> Language:
    return registry()[name]


@cache
def idioms_of(name: str) -> frozenset[str]:
    """The language's own words, lower case (its optional ``idioms``; none for a language it does not know):
    teams whose code shares only these share the language, not a capability."""
    lang = registry().get(name)
    return frozenset(getattr(lang, "idioms", frozenset()))


__all__ = ["BUILTINS", "Language", "UnitParser", "by_extension", "get", "idioms_of", "language_for", "registry"]
