"""The result of a scan, enriched with teams, categories, opportunities and adoption."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dupfinder.model.cluster import Cluster
from dupfinder.model.opportunity import Adoption, CapabilityRow, Opportunity, TeamCleanup, TestSupport
from dupfinder.model.source import Skip

if TYPE_CHECKING:  # clone_history's HistoryReport holds a ScanResult
    from dupfinder.model.clone_history import CloneHistory


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int
    units: int
    lines: int
    skipped: tuple[Skip, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    roots: tuple[str, ...]  #: scanned roots, POSIX relative to the base ("." for the base itself)
    stats: ScanStats
    clusters: tuple[Cluster, ...]
    base: str = ""  #: absolute path all paths are relative to (never written to reports)
    settings: dict[str, object] = field(default_factory=dict)
    #: path -> imports of every parsed file (for adoption of platform packages)
    file_imports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: path -> team for every parsed file, once teams are attributed
    file_teams: dict[str, str | None] = field(default_factory=dict)
    opportunities: tuple[Opportunity, ...] = ()
    adoption: tuple[Adoption, ...] = ()
    team_cleanups: tuple[TeamCleanup, ...] = ()  #: single-team clusters of production code, by team
    test_support: tuple[TestSupport, ...] = ()  #: clusters of test (and other non-production) code
    capabilities: tuple[CapabilityRow, ...] = ()  #: the team x capability map of production units
    #: each cluster's history from git (``scan --history``, ``report --history``); None when not asked
    history: CloneHistory | None = None
