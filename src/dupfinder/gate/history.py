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

import numpy as np

from dupfinder.model import Cluster, Earlier, Instance, TokenStream, Unit, Version
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


class BlockHistory:
    """Whether a block (a region of a file, no unit of its own) was in its file before the change.

    ``now`` and ``before``: the token streams of the files after the change and, for the files the
    change touched, at the base revision (by their path after the change).  A block instance is a
    later version of itself when the same normalised tokens were in its file before: the change
    only moved it, or edited around it.
    """

    def __init__(self, now: Mapping[str, TokenStream], before: Mapping[str, TokenStream]) -> None:
        self._now, self._before = now, before

    def existed(self, instance: Instance) -> bool:
        stream, earlier = self._now.get(instance.path), self._before.get(instance.path)
        if stream is None or earlier is None:
            return False
        lines = np.frombuffer(stream.lines, dtype="<u4")
        lo = int(np.searchsorted(lines, instance.start_line, side="left"))
        hi = int(np.searchsorted(lines, instance.end_line, side="right"))
        region = stream.norm[4 * lo : 4 * hi]
        at = earlier.norm.find(region)
        while at != -1 and at % 4:  # tokens are 4 bytes: only an aligned match is the same tokens
            at = earlier.norm.find(region, at + 1)
        return bool(region) and at != -1


class RevisionHistory:
    """History from the base revision's version of the changed files (``--base``).

    ``earlier`` are the units of every file the change modified, renamed or
    deleted, as they were at the base revision; ``current`` are the units of
    the code after the change, by :func:`instance_key`. Unchanged lines are the
    same in both, so an old instance stands for itself before the change.
    """

    def __init__(self, earlier: Sequence[Unit], current: Mapping[str, Unit], threshold: float,
                 blocks: BlockHistory | None = None) -> None:  # fmt: skip
        self._threshold = threshold
        self._blocks = blocks
        self._current = current
        self._sh = UnitSimilarity()
        self._earlier: dict[str, tuple[Earlier, Unit]] = {}
        for u in earlier:
            e = Earlier(instance_key(u.path, u.start_line, u.end_line), u.path, u.name, u.fingerprint, u.language)
            self._earlier[e.key] = (e, u)

    def _unit(self, inst: Instance) -> Unit | None:
        return self._current.get(instance_key(inst.path, inst.start_line, inst.end_line))

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        if cluster.kind == "block":
            if self._blocks is None or not self._blocks.existed(instance):
                return ()
            key = f"{instance.path}:block:{instance.fingerprint}"
            return (
                Version(Earlier(key, instance.path, instance.name, instance.fingerprint, instance.language), 1.0, True),
            )
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
        if earlier.key not in self._earlier:  # a block that was there: a copy when an old copy has its shape
            return any(i.fingerprint == earlier.fingerprint for i in old) or any(
                m.fingerprint == earlier.fingerprint for m in matched
            )
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
