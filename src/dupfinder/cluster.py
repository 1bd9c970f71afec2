"""Clusters from verified pairs, without single-link chaining.

Units with the same fingerprint (identical normalised tokens: Type-1 and
Type-2 copies) are collapsed into one node first.  Verified pairs between
nodes form a similarity graph.  Taking its connected components would chain
weakly similar units (A~B, B~C, but A!~C) into one incoherent group, so the
groups are built by *star-constrained average linkage*:

* every node starts as its own group;
* the two groups with the highest average similarity (over all pairs of
  their copies, a pair that was not verified counting 0) are merged, but
  only if the merged group keeps a *centre*: a node verified-similar to
  every other node of the group; otherwise that pair of groups is passed
  over (it is looked at again once either side changes);
* this repeats until no pair of groups can merge.

Every member is therefore verified-similar to its cluster's centre, which
becomes the representative, so a cluster's diameter stays bounded as with
greedy star clustering.  Merging by average similarity instead of taking
the best-connected node's whole neighbourhood first keeps tight groups of
copies together: a greedy star centred on a hub steals members from the
groups they belong to, and every pair split that way is a clone the report
no longer shows (on BigCloneBench, 25 points of recall on Type-3 clones;
see ``benchmarks/README.md``).

Cost: O(E log E) heap operations over the E verified edges plus, per merge,
O(degree) link updates and heap pushes and O(centres x members) centre
checks (set inclusions); the set of possible centres only shrinks as a
group grows.  A heap entry is one integer (rank, then node ids), checked
against the current link when popped instead of being updated in place.

A unit nested inside another unit of the same file (a closure in its
function) never counts as a copy of it.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from dupfinder.model import Cluster, ClusterId, Instance, Unit


def cluster_id(fingerprints: Sequence[str]) -> ClusterId:
    digest = hashlib.blake2b("\n".join(sorted(set(fingerprints))).encode(), digest_size=8).hexdigest()
    return ClusterId(f"c{digest}")


def _instance(unit: Unit, similarity: float) -> Instance:
    return Instance(
        path=unit.path,
        start_line=unit.start_line,
        end_line=unit.end_line,
        name=unit.name,
        language=unit.language,
        root=unit.root,
        fingerprint=unit.fingerprint,
        similarity=round(similarity, 4),
        identifiers=unit.identifiers,
        calls=unit.calls,
        imports=unit.imports,
    )


def _drop_nested(instances: list[Instance]) -> list[Instance]:
    """Keep the outermost of instances that nest inside each other in one file."""
    kept: list[Instance] = []
    for inst in sorted(instances, key=lambda i: (i.path, i.start_line, -i.end_line)):
        if any(k.path == inst.path and k.start_line <= inst.start_line and inst.end_line <= k.end_line for k in kept):
            continue
        kept.append(inst)
    return kept


def _nests(a: Unit, b: Unit) -> bool:
    return a.path == b.path and (
        (a.start_line <= b.start_line and b.end_line <= a.end_line)
        or (b.start_line <= a.start_line and a.end_line <= b.end_line)
    )


def _nested_only(a: Sequence[Unit], b: Sequence[Unit]) -> bool:
    """True when every unit of ``a`` nests with every unit of ``b`` (same file)."""
    return all(_nests(x, y) for x in a for y in b)


_SHIFT = 32  # bits per node id in a heap key
_SCALE = 1 << 30  # average similarity is ordered to 1e-9


def _groups(nodes: Sequence[Sequence[Unit]], adjacency: dict[int, dict[int, float]]) -> list[tuple[int, list[int]]]:
    """Star-constrained average linkage: ``(centre, members)`` of every group with more than one node."""
    weight = [len(n) for n in nodes]
    # a node counts as its own neighbour: it can be the centre of a group it is in
    near: list[set[int]] = [{n, *adjacency.get(n, ())} for n in range(len(nodes))]
    members: dict[int, set[int]] = {n: {n} for n in range(len(nodes))}
    centres: dict[int, set[int]] = {n: {n} for n in range(len(nodes))}
    size: list[int] = list(weight)
    #: group -> neighbour group -> sum of copy-weighted similarities between them
    link: dict[int, dict[int, float]] = {n: {} for n in range(len(nodes))}
    for i, nbrs in adjacency.items():
        for j, sim in nbrs.items():
            link[i][j] = sim * weight[i] * weight[j]
    mask = (1 << _SHIFT) - 1

    def key(a: int, b: int) -> int:
        # one int per entry (fast to compare): best average first, then lowest ids (deterministic)
        rank = _SCALE - int(link[a][b] / (size[a] * size[b]) * _SCALE)
        return (rank << (2 * _SHIFT)) | (a << _SHIFT) | b if a < b else (rank << (2 * _SHIFT)) | (b << _SHIFT) | a

    heap = [key(a, b) for a, nbrs in link.items() for b in nbrs if a < b]
    heapq.heapify(heap)
    while heap:
        entry = heapq.heappop(heap)
        a, b = (entry >> _SHIFT) & mask, entry & mask
        if a not in members or b not in members or b not in link[a] or key(a, b) != entry:
            continue  # a side merged or changed since this entry was pushed
        merged_centres = {c for c in centres[a] if members[b] <= near[c]}
        merged_centres |= {c for c in centres[b] if members[a] <= near[c]}
        if not merged_centres:
            continue  # no node would be similar to all; looked at again when a or b changes
        # b joins a (a < b, so the surviving id is deterministic)
        members[a] |= members.pop(b)
        centres[a] = merged_centres
        del centres[b]
        size[a] += size[b]
        for c, total in link.pop(b).items():
            if c == a:
                continue
            link[a][c] = link[a].get(c, 0.0) + total
            link[c][a] = link[a][c]
            del link[c][b]
        link[a].pop(b, None)
        for c in link[a]:
            heapq.heappush(heap, key(a, c))

    def centre_weight(c: int, group: set[int]) -> float:
        return weight[c] + sum(adjacency[c].get(m, 0.0) * weight[m] for m in group if m != c)

    out: list[tuple[int, list[int]]] = []
    for gid, group in members.items():
        if len(group) < 2:
            continue
        centre = min(centres[gid], key=lambda c: (-centre_weight(c, group), nodes[c][0].fingerprint))
        out.append((centre, sorted(group)))
    return out


Groups = list[tuple[int, list[int]]]  #: (centre, members) in a component's own numbering


class GroupStore(Protocol):
    """Where the groups of a connected component are remembered between scans (the cache)."""

    def get(self, keys: Sequence[bytes]) -> dict[bytes, Groups]: ...

    def put(self, items: Sequence[tuple[bytes, Groups]]) -> None: ...


def _components(adjacency: dict[int, dict[int, float]]) -> list[list[int]]:
    """Connected components of the graph, each sorted, ordered by their smallest node."""
    seen: set[int] = set()
    out: list[list[int]] = []
    for start in sorted(adjacency):
        if start in seen:
            continue
        seen.add(start)
        stack, comp = [start], []
        while stack:
            n = stack.pop()
            comp.append(n)
            for m in adjacency[n]:
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        out.append(sorted(comp))
    return out


def _component_key(nodes: Sequence[Sequence[Unit]], comp: list[int], adjacency: dict[int, dict[int, float]]) -> bytes:
    """Everything :func:`_groups` reads of one component: each node's fingerprint and number of copies, in
    order, and the weighted edges in the component's numbering."""
    local = {g: k for k, g in enumerate(comp)}
    h = hashlib.blake2b(digest_size=20)
    for g in comp:
        h.update(f"{nodes[g][0].language}:{nodes[g][0].fingerprint}:{len(nodes[g])};".encode())
    for g in comp:
        i = local[g]
        later = (f"{i},{local[m]},{sim!r}" for m, sim in sorted(adjacency[g].items()) if local[m] > i)
        h.update(";".join(later).encode())
        h.update(b"|")
    return h.digest()


def _groups_by_component(
    nodes: Sequence[Sequence[Unit]], adjacency: dict[int, dict[int, float]], store: GroupStore
) -> Groups:
    """:func:`_groups`, one connected component at a time, reusing the components ``store`` has seen.

    Groups never span components and the merge order inside one depends only on its nodes' relative
    order, so this gives the groups of :func:`_groups` on the whole graph; a rescan that changed a few
    units recomputes only the components they are in.
    """
    comps = _components(adjacency)
    keys = [_component_key(nodes, comp, adjacency) for comp in comps]
    known = store.get(keys)
    out: Groups = []
    fresh: list[tuple[bytes, Groups]] = []
    for comp, key in zip(comps, keys, strict=True):
        groups = known.get(key)
        if groups is not None and any(c >= len(comp) or max(m) >= len(comp) for c, m in groups):
            groups = None  # not this component's: recompute
        if groups is None:
            local = {g: k for k, g in enumerate(comp)}
            sub = {local[g]: {local[m]: sim for m, sim in adjacency[g].items()} for g in comp}
            groups = _groups([nodes[g] for g in comp], sub)
            fresh.append((key, groups))
        out.extend((comp[c], [comp[m] for m in members]) for c, members in groups)
    if fresh:
        store.put(fresh)
    return out


def build_clusters(
    nodes: Sequence[Sequence[Unit]], edges: Sequence[tuple[int, int, float]], store: GroupStore | None = None
) -> tuple[Cluster, ...]:
    """Clusters from ``nodes`` (groups of identical units) and verified ``edges`` between them.

    ``store``: where the groups of each connected component are kept between scans (same clusters).
    """
    adjacency: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, sim in edges:
        if i == j or _nested_only(nodes[i], nodes[j]):
            continue  # a closure and its enclosing function: not two copies
        adjacency[i][j] = sim
        adjacency[j][i] = sim
    grouped = _groups(nodes, adjacency) if store is None else _groups_by_component(nodes, adjacency, store)
    in_group = {n for _, group in grouped for n in group}
    # a node of identical copies that joined no group is a cluster of its own
    grouped += [(n, [n]) for n in range(len(nodes)) if n not in in_group and len(nodes[n]) >= 2]
    clusters: list[Cluster] = []
    for centre, group in grouped:
        others = sorted((m for m in group if m != centre), key=lambda m: nodes[m][0].fingerprint)
        sims = {m: adjacency[centre][m] for m in others}
        centre_units = sorted(nodes[centre], key=lambda u: (u.path, u.start_line))
        instances = [_instance(u, 1.0) for u in centre_units]
        instances += [_instance(u, sims[m]) for m in others for u in nodes[m]]
        instances = _drop_nested(instances)
        if len(instances) < 2:
            continue
        rep = _instance(centre_units[0], 1.0)
        rest = sorted((i for i in instances if i != rep), key=lambda i: (i.path, i.start_line, i.end_line))
        ordered = (rep, *rest) if rep in instances else tuple(sorted(instances, key=lambda i: (i.path, i.start_line)))
        clusters.append(
            Cluster(
                id=cluster_id([i.fingerprint for i in ordered]),
                similarity=min(i.similarity for i in ordered),
                instances=ordered,
            )
        )
    clusters.sort(key=lambda c: (-len(c.instances), -c.lines, c.id))
    return tuple(clusters)
