"""The history of each clone cluster, read from git: when each copy appeared, and fixes that reached one copy."""

from __future__ import annotations

from dataclasses import dataclass

from dupfinder.model.cluster import ClusterId, Instance
from dupfinder.model.result import ScanResult


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str  #: full hash
    date: str  #: committer date, ISO 8601 (data, not the time of the run)
    subject: str = ""  #: first line of the message
    timestamp: int = 0  #: committer date, seconds since the epoch (orders commits of several repositories)


@dataclass(frozen=True, slots=True)
class FirstSeen:
    """The commit in which a copy (as it is now) first appeared."""

    instance: Instance
    commit: Commit


@dataclass(frozen=True, slots=True)
class CopyCount:
    """How many of the cluster's copies existed after a commit."""

    commit: Commit
    copies: int


@dataclass(frozen=True, slots=True)
class DivergentFix:
    """A past commit that edited some copies of the cluster and not the others."""

    commit: Commit
    changed: tuple[Instance, ...]  #: the copies it edited (as they are now)
    not_changed: tuple[Instance, ...]  #: the copies that existed then and did not get the edit
    diff: tuple[str, ...] = ()  #: the edit to the first changed copy, short unified-diff lines
    kind: str = "code"  #: "code", or "literal" when the edit changed string literals only (a message, a key)


@dataclass(frozen=True, slots=True)
class ClusterHistory:
    cluster_id: ClusterId
    first_seen: tuple[FirstSeen, ...]  #: one per copy, in the cluster's instance order
    origin: Instance | None  #: the oldest copy (the one the others were likely copied from)
    copies_over_time: tuple[CopyCount, ...]  #: one entry per commit where the count changed, oldest first
    divergent_fixes: tuple[DivergentFix, ...]  #: oldest first


@dataclass(frozen=True, slots=True)
class CloneHistory:
    """Every cluster's history (``dupfinder history``)."""

    repo: str  #: the repository's folder name (several: their names, comma-separated)
    tip: str  #: the commit the history ends at (several repositories: their tips, comma-separated)
    commits: int  #: commits walked (those touching a cluster's file)
    clusters: tuple[ClusterHistory, ...]  #: in the scan's cluster order
    #: why some copies have no history (a folder outside any git repository), one line each
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """A scan and its clusters' history: what the history reporters take."""

    result: ScanResult
    history: CloneHistory
