"""Who owns a path, which source said so, and how ownership is looked up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who owns a path, and which source said so."""

    team: str | None  #: normalised team name; None when unowned
    source: str  #: one of SOURCES
    evidence: str = ""  #: where it came from, e.g. ".github/CODEOWNERS:12"


#: the team of code no owner file names: the repository (or scanned root) it is in
DEFAULT_TEAM_FALLBACK = "repo"


@dataclass(frozen=True, slots=True)
class TeamOptions:
    """How code is attributed to teams."""

    teams_file: str | None = None  #: YAML: team -> path globs (highest precedence)
    fallback: str = DEFAULT_TEAM_FALLBACK  #: root | repo | depth:N | none
    churn: bool = True  #: weigh copies by git commits of the last year, where there is history
    include_tests: bool = False  #: rank test code among the opportunities too
    capabilities: bool = False  #: build the capability map of every unit (costs the whole-result cache)
