"""What the gate knows of the code before the change: the base revision's units (``--base``).

A :class:`History` answers two questions for :func:`dupfinder.gate.new.new_instances`: which
earlier units a changed instance may be a later version of, and whether an earlier unit was a
copy of a cluster's code before the change.  :class:`RevisionHistory` answers them from the
base revision's version of the changed files; :class:`dupfinder.gate.baseline.BaselineHistory`
from a baseline file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from dupfinder.model import Cluster, Earlier, Instance, Unit, Version
from dupfinder.similarity.verify import similarity as verify_similarity
from dupfinder.support.spans import nests


class History(Protocol):
    """The code before the change, as far as the gate needs it."""

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        """Earlier units that the changed ``instance`` may be a later version of."""
        ...

    def was_copy(self, earlier: Earlier, old: Sequence[Instance], matched: Sequence[Earlier]) -> bool:
        """Whether ``earlier`` duplicated an ``old`` instance or an already ``matched`` earlier unit."""
        ...


def instance_key(path: str, start_line: int, end_line: int) -> str:
    return f"{path}:{start_line}-{end_line}"


class UnitSimilarity:
    """Similarity of two units in the scan's own measure (:func:`dupfinder.similarity.verify.similarity`), memoised."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], float] = {}

    def similarity(self, a: Unit, b: Unit) -> float:
        if a.fingerprint == b.fingerprint:
            return 1.0
        key = (id(a), id(b)) if id(a) <= id(b) else (id(b), id(a))
        found = self._known.get(key)
        if found is None:
            found = verify_similarity(a, b)
            self._known[key] = found
        return found


class RevisionHistory:
    """History from the base revision's version of the changed files (``--base``).

    ``earlier`` are the units of every file the change modified, renamed or
    deleted, as they were at the base revision; ``current`` are the units of
    the code after the change, by :func:`instance_key`. Unchanged lines are the
    same in both, so an old instance stands for itself before the change.
    """

    def __init__(self, earlier: Sequence[Unit], current: Mapping[str, Unit], threshold: float) -> None:
        self._threshold = threshold
        self._current = current
        self._sh = UnitSimilarity()
        self._earlier: dict[str, tuple[Earlier, Unit]] = {}
        for u in earlier:
            e = Earlier(instance_key(u.path, u.start_line, u.end_line), u.path, u.name, u.fingerprint, u.language)
            self._earlier[e.key] = (e, u)

    def _unit(self, inst: Instance) -> Unit | None:
        return self._current.get(instance_key(inst.path, inst.start_line, inst.end_line))

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        unit = self._unit(instance)
        out: list[Version] = []
        for e, eu in self._earlier.values():
            if eu.language != instance.language:
                continue
            if unit is None:
                sim = 1.0 if eu.fingerprint == instance.fingerprint else 0.0
            else:
                sim = self._sh.similarity(unit, eu)
            if sim >= self._threshold:
                out.append(Version(e, sim, True))
        return out

    def was_copy(self, earlier: Earlier, old: Sequence[Instance], matched: Sequence[Earlier]) -> bool:
        _, eu = self._earlier[earlier.key]
        span = (eu.start_line, eu.end_line)
        for inst in old:
            unit = self._unit(inst)
            if unit is None:
                if inst.fingerprint == eu.fingerprint:
                    return True
                continue
            if self._sh.similarity(unit, eu) >= self._threshold:
                return True
        for m in matched:
            _, mu = self._earlier[m.key]
            if nests(eu.path, span, mu.path, (mu.start_line, mu.end_line)):
                continue
            if self._sh.similarity(mu, eu) >= self._threshold:
                return True
        return False
