"""Clusters of similar code: a group of N >= 2 instances, never a pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from dupfinder.model.unit import Fingerprint

#: Stable identity of a cluster: derived from its members' fingerprints.
ClusterId = NewType("ClusterId", str)


@dataclass(frozen=True, slots=True)
class Instance:
    """One copy inside a cluster."""

    path: str
    start_line: int  #: 1-indexed, inclusive
    end_line: int  #: 1-indexed, inclusive
    name: str | None
    language: str
    root: str
    fingerprint: Fingerprint
    similarity: float  #: similarity to the cluster's representative (1.0 for itself)
    team: str | None = None
    code: str = ""  #: source text of the unit, for excerpts and evidence
    identifiers: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of N >= 2 similar code units (never modelled as a pair)."""

    id: ClusterId
    similarity: float  #: lowest similarity of a member to the representative
    instances: tuple[Instance, ...]  #: representative first, then by path/line
    category: str | None = None
    category_confidence: float = 0.0  #: 0-1, how sure the category rules are
    evidence: tuple[str, ...] = ()  #: what the category was matched on, e.g. "calls bcrypt.checkpw"
    weakest: float = 1.0  #: lowest similarity of any two members: a cluster is as good as its weakest pair
    kind: str = "unit"  #: "unit": whole functions; "block": regions inside functions or module-level code
    #: production | tests | examples | benchmarks | generated | build | legacy | vendored (of most of its lines)
    code_kind: str = "production"

    @property
    def lines(self) -> int:
        """All lines of code held in the copies."""
        return sum(i.lines for i in self.instances)

    @property
    def duplicated_lines(self) -> int:
        """Lines that would go away if one copy served everyone."""
        return self.lines - max(i.lines for i in self.instances)
