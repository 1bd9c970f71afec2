"""What the CI gate finds: new copies, the copies they duplicate, and the gate's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from dupfinder.model.cluster import Cluster, Instance
from dupfinder.model.result import ScanStats
from dupfinder.model.rules import Platform
from dupfinder.model.unit import Fingerprint


@dataclass(frozen=True, slots=True)
class Earlier:
    """A unit of the code before the change."""

    key: str  #: unique among the history's units
    path: str  #: POSIX path relative to the scan base, in the code before the change
    name: str | None
    fingerprint: Fingerprint
    language: str = ""


@dataclass(frozen=True, slots=True)
class Version:
    """An earlier unit that a changed instance may be a later version of."""

    earlier: Earlier
    closeness: float  #: in (0, 1]; higher is more likely the same unit
    sure: bool  #: the history is sure enough to match it as a cluster's original


@dataclass(frozen=True, slots=True)
class Sibling:
    """A copy that a new instance duplicates."""

    instance: Instance
    similarity: float  #: similarity to the new instance, 0-1
    new: bool  #: also new in this change


@dataclass(frozen=True, slots=True)
class Finding:
    """A new or changed unit that joins a clone cluster."""

    instance: Instance  #: the new copy
    cluster: Cluster  #: the cluster it joins (teams and category filled in when known)
    copies: tuple[Sibling, ...]  #: the copies it duplicates: the one to reuse first
    fingerprint: str  #: stable across runs and line shifts (partialFingerprints)
    platform: Platform | None = None  #: the platform that provides the cluster's category
    package: str | None = None  #: the platform's package for the instance's language
    fails: bool = True  #: meets the --fail-on limits

    @property
    def reuse(self) -> Sibling:
        """The copy to reuse: old code first, then the most similar."""
        return self.copies[0]

    @property
    def similarity(self) -> float:
        return self.copies[0].similarity


@dataclass(frozen=True, slots=True)
class FailOn:
    """Limits a finding must reach to fail the gate (smaller ones are reported only)."""

    lines: int = 0  #: lines of the new copy
    similarity: float = 0.0  #: similarity to the copy to reuse
    inconsistent: bool = False  #: a change that reaches some copies of a cluster and not the others fails too

    def met_by(self, instance: Instance, similarity: float) -> bool:
        return instance.lines >= self.lines and similarity >= self.similarity - 1e-9


@dataclass(frozen=True, slots=True)
class Inconsistent:
    """A change that edited some copies of a cluster and left their siblings as they were."""

    instance: Instance  #: an edited copy, as it is after the change
    cluster: Cluster  #: the cluster (teams and category filled in when known)
    changed: tuple[Instance, ...]  #: every copy the change edited, ``instance`` among them
    not_changed: tuple[Instance, ...]  #: the copies that did not get the change
    diff: tuple[str, ...]  #: the edit to ``instance``, as unified-diff lines (short; "..." when cut)
    fingerprint: str  #: stable across runs and line shifts (partialFingerprints)
    fails: bool = False  #: ``--fail-on inconsistent`` was given

    @property
    def copies(self) -> int:
        return len(self.changed) + len(self.not_changed)


@dataclass(frozen=True, slots=True)
class GateReport:
    """Everything the CI reporters show: pure data, no scanner."""

    findings: tuple[Finding, ...]  #: sorted by path, line
    against: str  #: what "already there" means, e.g. "origin/main (merge-base 1a2b3c4d5e6f)"
    max_new: int = 0  #: findings that fail allowed before the gate fails
    fail_on: FailOn = FailOn()
    stats: ScanStats | None = None
    changed_units: int = 0  #: clustered units the change added or touched
    inconsistent: tuple[Inconsistent, ...] = ()  #: edits that reached one copy and not its siblings, by path, line

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fails)

    @property
    def failed(self) -> bool:
        return len(self.failing) > self.max_new or any(i.fails for i in self.inconsistent)
