"""Duplication and platform adoption at sampled revisions of a git history."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Revision:
    """A sampled commit."""

    sha: str  #: full commit id
    timestamp: int  #: committer date, seconds since the epoch
    date: str  #: committer date, ISO 8601 with the committer's offset


@dataclass(frozen=True, slots=True)
class TeamPoint:
    team: str  #: team name, "(unowned)" for copies nobody owns
    copy_lines: int  #: lines of the team's copies in clusters (its code that exists elsewhere too)
    copies: int  #: number of those copies


@dataclass(frozen=True, slots=True)
class PlatformPoint:
    platform: str
    category: str
    rate: float  #: adopters / teams with code in the category
    adopters: tuple[str, ...]
    rolling_their_own: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Duplication and adoption at one revision."""

    rev: str  #: full commit id
    date: str  #: committer date, ISO 8601
    files: int  #: files scanned
    lines: int  #: lines in the scanned files
    clusters: int
    copy_lines: int  #: lines held in all copies
    duplicated_lines: int  #: lines that would go if one copy of each cluster served everyone
    teams: tuple[TeamPoint, ...]  #: sorted by team
    adoption: tuple[PlatformPoint, ...]  #: sorted by platform
    #: ``trend --history``: divergent fixes to today's clusters committed up to this revision (None: not asked)
    divergent_fixes: int | None = None


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """The sampled revisions of one repository, oldest first."""

    repository: str  #: the repository's folder name
    points: tuple[TrendPoint, ...]
