"""The counts behind the identity weights, kept between scans and brought up to date for changed files.

An identity weight (:mod:`dupfinder.similarity.identity`) depends on how many of the scan's nodes
(its distinct units: units with the same language and fingerprint are one node, and the first of
them in the scan's order stands for it) have each feature, so one changed file moves every weight,
and a scan that judges the pairs of a few nodes (the CI gate's, around the changed files) still
needs the counts over all of them.  A scan with a cache keeps those counts with its files' keys
(:class:`~dupfinder.cache.FeatureCounts`).  The next scan of the same roots compares its files'
keys with them and recounts only the nodes that have a unit in a file whose key changed, before
or after the change: each such node's representative in the last scan (from the stored records of
the files as they were and the units of the files that did not change) is taken off the counts, and
its representative now is added.  That gives the counts of counting every node again, or None when
the stored counts cannot be brought up to date (a record missing, too many changes, counts that do
not add up), and the caller counts everything.

Cost: O(files) to compare the keys, one record per file that changed, and the features of the nodes
with a unit in those files; counting everything again costs the features of every node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dupfinder import cache as cache_mod
from dupfinder.model import Unit
from dupfinder.similarity.identity import features

#: most files changed since the stored counts for which they are brought up to date
MAX_CHANGED = 256

Files = Sequence[tuple[str, bytes]]  #: (path, file key) of every file of a scan, in its order


def counts_now(
    last: cache_mod.FeatureCounts,
    files: Files,
    units: Sequence[Unit],
    groups: Mapping[tuple[str, str], Sequence[int]],
    cache: cache_mod.Cache,
    num_perm: int,
) -> dict[str, int] | None:
    """The feature counts over the nodes of ``units`` (``groups``: each node's units' positions, in
    order) from those of the last scan, or None when they cannot be brought up to date."""
    before, now = dict(last.files), dict(files)
    if len(before) != len(last.files) or len(now) != len(files):
        return None
    changed_now = {p for p, k in files if before.get(p) != k}
    changed_before = [p for p, k in last.files if now.get(p) != k]
    if len(changed_now) + len(changed_before) > MAX_CHANGED:
        return None
    stored = cache.get_files([before[p] for p in changed_before])
    old_units: list[Unit] = []
    for path in changed_before:
        blob = stored.get(before[path])
        entry = cache_mod.decode(blob, path, num_perm) if blob is not None else None
        if entry is None:
            return None
        old_units.extend(entry.result.units)
    affected = {(u.language, u.fingerprint) for u in old_units}
    affected.update((u.language, u.fingerprint) for u in units if u.path in changed_now)
    order = {p: k for k, (p, _) in enumerate(last.files)}
    first_before: dict[tuple[str, str], tuple[int, int, Unit]] = {}
    for at, u in enumerate(old_units):  # a file's units in order, the files in the last scan's order
        key = (u.language, u.fingerprint)
        if key not in first_before or (order[u.path], at) < first_before[key][:2]:
            first_before[key] = (order[u.path], at, u)
    counts = dict(last.counts)
    nodes = last.nodes
    for key in affected:
        old = first_before.get(key)
        for m in groups.get(key, ()):
            u = units[m]
            if u.path not in changed_now and (old is None or (order[u.path], m) < old[:2]):
                old = (order[u.path], m, u)  # a changed file and an unchanged one: the files' places decide
        if old is not None:
            nodes -= 1
            for f in features(old[2]):
                counts[f] = counts.get(f, 0) - 1
        members = groups.get(key)
        if members:
            nodes += 1
            for f in features(units[members[0]]):
                counts[f] = counts.get(f, 0) + 1
    if nodes != len(groups) or any(c < 0 for c in counts.values()):
        return None
    return {f: c for f, c in counts.items() if c > 0}
