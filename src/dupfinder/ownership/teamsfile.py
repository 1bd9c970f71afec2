"""Teams files (``--teams FILE``): which team owns which paths, by glob.

A teams file is YAML, ``{teams: {name: [globs]}}`` or plain ``{name: [globs]}``.
Globs are gitignore-style (``pathspec``), matched against the path relative to
the scan base (the path shown in reports); ``!glob`` excludes within a team.
The first team, in file order, whose globs match wins. A malformed file is the
user's configuration: it raises :class:`~dupfinder.errors.ConfigError`
``<file>:<line>: <what>``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from dupfinder.errors import ConfigError
from dupfinder.support.yamlfile import config_error, key_node, line_of, read_single


@dataclass(frozen=True, slots=True)
class TeamGlobs:
    """One team of a teams file."""

    name: str
    globs: tuple[str, ...]
    line: int  #: 1-indexed line of the team's key
    spec: pathspec.GitIgnoreSpec = field(compare=False, repr=False)


def load_teams_file(path: str) -> tuple[TeamGlobs, ...]:
    """Parse a teams file; ConfigError ``<file>:<line>: <what>`` when malformed."""
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: no such teams file" if not os.path.exists(path) else f"{path}: not a file")
    doc = read_single(Path(path), path)
    if doc is None:
        raise config_error(path, 1, "empty teams file: expected a mapping of team name to a list of path globs")
    data, root = doc.data, doc.node
    prefix: list[str | int] = []
    if isinstance(data, dict) and list(data) == ["teams"] and isinstance(data["teams"], dict):
        data = data["teams"]
        prefix = ["teams"]
    if not isinstance(data, dict):
        found = type(data).__name__ if not isinstance(data, list) else "a list"
        raise config_error(
            path,
            line_of(root, prefix),
            f"expected a mapping of team name to a list of path globs, found {found}"
            " (write 'team: [glob, ...]', one team a line)",
        )
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


def unmatched_teams(file: str, teams: Iterable[TeamGlobs], paths: Iterable[str]) -> list[str]:
    """A warning ``<file>:<line>: ...`` for each team whose globs match none of ``paths`` (a typo, usually)."""
    left = list(teams)
    for path in paths:
        if not left:
            break
        left = [team for team in left if not team.spec.match_file(path)]
    return [
        f"{file}:{team.line}: team {team.name!r} matches no scanned file (globs: {', '.join(team.globs)})"
        for team in left
    ]


__all__ = ["TeamGlobs", "load_teams_file", "unmatched_teams"]
