"""Platform opportunities and platform adoption, as ranked from a scan."""

from __future__ import annotations

from dataclasses import dataclass

from dupfinder.model.cluster import ClusterId


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A recurring problem solved again by several teams: clusters of one category."""

    rank: int  #: 1 = the platform team should build this first
    category: str | None
    teams: tuple[str, ...]  #: distinct teams owning copies, sorted
    cluster_ids: tuple[ClusterId, ...]
    lines: int  #: lines of code held in all copies
    score: float
    why: dict[str, float | int | str]  #: the parts of the score, shown to users
    pioneers: tuple[str, ...]  #: teams to partner with first
    instances: int = 0  #: number of copies across its clusters
    label: str = ""  #: what it is, for people: the category, or the names of its copies
    kind: str = "platform"  #: always "platform": team clean-ups and test support are listed apart
    evidence: tuple[TeamEvidence, ...] = ()  #: each team's own code behind it, by team then path


@dataclass(frozen=True, slots=True)
class TeamEvidence:
    """One piece of a team's own code behind an opportunity."""

    team: str
    path: str
    start_line: int
    end_line: int
    name: str | None
    kind: str  #: "clone" (a copy in a cross-team cluster) or "implementation"
    confidence: float  #: 0-1


@dataclass(frozen=True, slots=True)
class TeamCleanup:
    """Clusters whose copies all belong to one team: that team's own clean-up, not a platform's."""

    team: str
    cluster_ids: tuple[ClusterId, ...]
    lines: int


@dataclass(frozen=True, slots=True)
class TestSupport:
    """Duplication among tests (or examples, benchmarks, generated code), kept out of the opportunities."""

    teams: tuple[str, ...]
    cluster_ids: tuple[ClusterId, ...]
    lines: int
    code_kind: str = "tests"


@dataclass(frozen=True, slots=True)
class Adoption:
    """How far a declared platform package has replaced home-grown copies."""

    platform: str
    category: str
    adopters: tuple[str, ...]  #: teams importing the platform package
    rolling_their_own: tuple[str, ...]  #: teams with own code in the category
    rate: float  #: adopters / teams with code in the category (0.0 when none)
    copies: tuple[tuple[str, str, int, int], ...] = ()  #: (team, path, start, end) of own copies


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a cluster got (or did not get) its category."""

    confidence: float  #: of the chosen category (of the best candidate when none was chosen)
    names: tuple[str, ...] = ()  #: vocabulary entries matched in the copies' names
    calls: tuple[str, ...] = ()  #: calls matched, as written
    identifiers: tuple[str, ...] = ()  #: vocabulary entries matched in the copies' identifiers
    imports: tuple[str, ...] = ()  #: imports matched, as written
    named: bool = False  #: most copies' names speak for the category
    candidates: tuple[tuple[str, float], ...] = ()  #: every category scoring > 0, best first


@dataclass(frozen=True, slots=True)
class CapabilityRow:
    """One capability of the team x capability map: what it is, and each team's share of it."""

    id: str
    label: str
    category: str | None
    teams: tuple[tuple[str, int, int], ...]  #: (team, units, lines), by team
