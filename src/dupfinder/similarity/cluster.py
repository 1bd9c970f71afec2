"""Clusters from verified pairs, without single-link chaining.

Units with the same fingerprint (identical normalised tokens: Type-1 and
Type-2 copies) are collapsed into one node first.  Verified pairs between
nodes form a similarity graph.  Taking its connected components would chain
weakly similar units (A~B, B~C, but A!~C) into one incoherent group, so the
groups are built by *complete linkage in average-linkage order*:

* every node starts as its own group;
* the two groups with the highest average similarity (over all pairs of
  their copies, a pair that was not verified counting 0) are merged, but
  only if every node of one is at least the *member floor* similar to every
  node of the other; otherwise that pair of groups is passed over (it is
  looked at again once either side changes);
* this repeats until no pair of groups can merge.

Groups only ever merge along verified, judged pairs (similarity at least the
threshold, identity included: :mod:`dupfinder.similarity.identity`), so code
unrelated to every member never joins a cluster; and no member is unlike any
other: a cluster is as good as its weakest pair, which it reports
(``min_similarity``).  The floor is structural (the verified similarity of
two members, measured when a merge needs it) and is 0.3 unless set
(``--member-similarity``; at most the threshold): near-miss copies of one
piece of code are often less similar to each other than to the original, so
the floor sits below the threshold (on BigCloneBench, Type-3 recall 79 % at
0.5 and 95 % at 0.3, no false positive either way); ``benchmarks/README.md``
has the measurements.  The member nearest to all the others becomes the
representative.

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
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from dupfinder.config import DEFAULT_THRESHOLD
from dupfinder.model import Cluster, ClusterId, Instance, Unit
from dupfinder.support.spans import nests


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


def _nested_only(a: Sequence[Unit], b: Sequence[Unit]) -> bool:
    """True when every unit of ``a`` nests with every unit of ``b`` (same file)."""
    if a[0].path != b[0].path:
        return False  # the common case, decided without a generator
    return all(nests(x.path, (x.start_line, x.end_line), y.path, (y.start_line, y.end_line)) for x in a for y in b)


_SHIFT = 32  # bits per node id in a heap key
_FIRST_BATCH = 32  #: pairs measured in the first batch of a merge's check (each next batch is 4 times larger)
_SCALE = 1 << 30  # average similarity is ordered to 1e-9

Ints = npt.NDArray[np.int64]
#: (centre, members, each member's similarity to the centre, the weakest pair) in a component's own numbering
Groups = list[tuple[int, list[int], list[float], float]]
#: the similarity of each pair of nodes ``(a[k], b[k])``
Measure = Callable[[Ints, Ints], npt.NDArray[np.float64]]
#: a :data:`Measure` for pairs among the given nodes
Prepare = Callable[[Sequence[int]], Measure]


class _Near:
    """Whether a node is within the member floor of others: verified edges, else measured (memoised)."""

    __slots__ = ("adjacency", "floor", "known", "measure", "nodes")

    def __init__(
        self, nodes: Sequence[Sequence[Unit]], adjacency: dict[int, dict[int, float]], floor: float,
        measure: Measure | None,
    ) -> None:  # fmt: skip
        self.nodes, self.adjacency, self.floor, self.measure = nodes, adjacency, floor, measure
        self.known: dict[tuple[int, int], float] = {}

    def similarity(self, c: int, m: int) -> float:
        """Similarity of ``c`` and ``m`` if verified or measured, else 0."""
        if c == m:
            return 1.0
        sim = self.adjacency.get(c, {}).get(m)
        return sim if sim is not None else self.known.get((min(c, m), max(c, m)), 0.0)

    def alike(self, group_a: Iterable[int], group_b: Iterable[int]) -> bool:
        """Whether every node of one group is within the floor of every node of the other: verified
        edges are; pairs measured before are looked up (one below the floor ends it, unmeasured);
        the rest are measured in batches, up to the first pair below the floor."""
        adjacency, known, floor = self.adjacency, self.known, self.floor
        group_b = list(group_b)
        todo: list[tuple[int, int]] = []
        for c in group_a:
            edges = adjacency.get(c, {})
            for m in group_b:
                if m in edges:
                    continue
                key = (c, m) if c < m else (m, c)
                sim = known.get(key)
                if sim is None:
                    todo.append(key)
                elif sim < floor:
                    return False
        if not todo:
            return True
        if self.measure is None:
            return False  # a pair neither verified nor measurable counts 0
        # distinct pairs (c < m) of two disjoint groups, neither verified nor measured: in batches that
        # grow, so that two groups unlike each other (most of the pairs measured) stop at the first
        # batch with a pair below the floor; a pair's similarity does not depend on its batch, and the
        # pairs left unmeasured are measured when a later merge needs them
        lo, size = 0, _FIRST_BATCH
        while lo < len(todo):
            part = todo[lo : lo + size]
            self._measured(part)
            if not all(known[k] >= floor for k in part):
                return False
            lo, size = lo + size, size * 4
        return True

    def _measured(self, todo: Sequence[tuple[int, int]]) -> None:
        """Measure, in one batch, distinct pairs ``(c, m)``, ``c < m``, that are neither verified nor measured."""
        if not todo or self.measure is None:
            return
        flat = np.fromiter(itertools.chain.from_iterable(todo), dtype=np.int64, count=2 * len(todo))
        sims = self.measure(flat[0::2], flat[1::2]).tolist()
        nodes = self.nodes
        for k, (c, m) in enumerate(todo):
            # a closure and its enclosing function are never copies of each other
            if nodes[c][0].path == nodes[m][0].path and _nested_only(nodes[c], nodes[m]):
                sims[k] = 0.0
        self.known.update(zip(todo, sims, strict=True))


def _groups(
    nodes: Sequence[Sequence[Unit]], adjacency: dict[int, dict[int, float]], floor: float,
    measure: Measure | None = None,
) -> Groups:  # fmt: skip
    """Complete-linkage groups in average-linkage order: ``(centre, members, similarities to the centre,
    weakest pair)`` of every group with more than one node.  ``floor``: the least similarity of any two
    members; ``measure`` gives the similarities of pairs that were not verified (None: they count 0)."""
    weight = [len(n) for n in nodes]
    near = _Near(nodes, adjacency, floor, measure)
    members: dict[int, set[int]] = {n: {n} for n in range(len(nodes))}
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
        if not near.alike(members[a], members[b]):
            continue  # some member would be unlike another; looked at again when a or b changes
        # b joins a (a < b, so the surviving id is deterministic)
        members[a] |= members.pop(b)
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

    return _with_centres(nodes, members, weight, near)


def _with_centres(nodes: Sequence[Sequence[Unit]], members: dict[int, set[int]], weight: Sequence[int],
                  near: _Near) -> Groups:  # fmt: skip
    """Each group of more than one node with its centre (the node with the most copy-weighted
    similarity to the others, ties by fingerprint) and its weakest pair."""

    adjacency, known = near.adjacency, near.known
    none: dict[int, float] = {}

    def similarity(c: int, m: int) -> float:  # near.similarity written out (O(group^2) calls per group)
        edges = adjacency.get(c, none)
        if m in edges:
            return edges[m]
        return 1.0 if c == m else known.get((c, m) if c < m else (m, c), 0.0)

    def centre_weight(c: int, group: set[int]) -> float:
        edges = adjacency.get(c, none)
        # the same terms in the same order as summing near.similarity(c, m) * weight[m]
        return weight[c] + sum(
            (edges[m] if m in edges else known.get((c, m) if c < m else (m, c), 0.0)) * weight[m]
            for m in group if m != c
        )  # fmt: skip

    out: Groups = []
    for group in members.values():
        if len(group) < 2:
            continue
        centre = min(group, key=lambda c: (-centre_weight(c, group), nodes[c][0].fingerprint))
        ordered = sorted(group)
        weakest = min(similarity(x, y) for i, x in enumerate(ordered) for y in ordered[i + 1 :])
        out.append((centre, ordered, [similarity(centre, m) for m in ordered], weakest))
    return out


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


def _component_keys(
    nodes: Sequence[Sequence[Unit]], comps: list[list[int]], adjacency: dict[int, dict[int, float]]
) -> list[bytes]:
    """Per component, a digest of everything :func:`_groups` reads of it: each node's fingerprint,
    number of copies and representative's identifiers (measured similarities depend on them), in order,
    and the weighted edges in the component's numbering (as packed integers and doubles, all
    components' edges sorted at once)."""
    which = np.full(len(nodes), -1, dtype=np.int64)
    local = np.zeros(len(nodes), dtype=np.int64)
    for k, comp in enumerate(comps):
        which[comp] = k
        local[comp] = np.arange(len(comp))
    count = sum(len(nbrs) for nbrs in adjacency.values()) // 2
    first = np.empty(count, dtype=np.int64)
    second = np.empty(count, dtype=np.int64)
    sims = np.empty(count, dtype=np.float64)
    n = 0
    for g, nbrs in adjacency.items():
        for m, sim in nbrs.items():
            if m > g:
                first[n], second[n], sims[n] = g, m, sim
                n += 1
    order = np.lexsort((local[second], local[first], which[first]))
    packed = np.empty(count, dtype=[("a", "<i8"), ("b", "<i8"), ("sim", "<f8")])
    packed["a"], packed["b"], packed["sim"] = local[first][order], local[second][order], sims[order]
    bounds = np.searchsorted(which[first][order], np.arange(len(comps) + 1))
    keys = []
    for k, comp in enumerate(comps):
        h = hashlib.blake2b(digest_size=20)
        for g in comp:
            rep = nodes[g][0]
            h.update(f"{rep.language}:{rep.fingerprint}:{len(nodes[g])}:".encode())
            h.update("\x1f".join(rep.identifiers).encode("utf-8", "surrogatepass"))
            h.update(b";")
        h.update(packed[bounds[k] : bounds[k + 1]].tobytes())
        keys.append(h.digest())
    return keys


def _lazy(prepare: Prepare | None, needed: Sequence[int]) -> Measure | None:
    """A measure for pairs among ``needed``, prepared on first use (most merges need none)."""
    if prepare is None:
        return None
    built: list[Measure] = []

    def measure(a: Ints, b: Ints) -> npt.NDArray[np.float64]:
        if not built:
            built.append(prepare(needed))
        return built[0](a, b)

    return measure


def _local(measure: Measure | None, comp: list[int]) -> Measure | None:
    """``measure`` addressed in a component's own numbering."""
    if measure is None:
        return None
    ids = np.array(comp, dtype=np.int64)
    return lambda a, b: measure(ids[a], ids[b])


def _valid(groups: Groups, size: int) -> bool:
    return all(
        0 <= c < size and len(m) == len(sims) and c in m and all(0 <= x < size for x in m) and 0.0 <= w <= 1.0
        for c, m, sims, w in groups
    )


def _groups_by_component(
    nodes: Sequence[Sequence[Unit]], adjacency: dict[int, dict[int, float]], store: GroupStore,
    floor: float, prepare: Prepare | None = None,
) -> Groups:  # fmt: skip
    """:func:`_groups`, one connected component at a time, reusing the components ``store`` has seen.

    Groups never span components and the merge order inside one depends only on its nodes' relative
    order, so this gives the groups of :func:`_groups` on the whole graph; a rescan that changed a few
    units recomputes only the components they are in (and prepares only their nodes for measuring).
    """
    comps = _components(adjacency)
    keys = _component_keys(nodes, comps, adjacency)
    known = store.get(keys)
    todo = [k for k, (comp, key) in enumerate(zip(comps, keys, strict=True))
            if key not in known or not _valid(known[key], len(comp))]  # fmt: skip
    measure = _lazy(prepare, sorted(g for k in todo for g in comps[k]))
    out: Groups = []
    fresh: list[tuple[bytes, Groups]] = []
    redo = set(todo)
    for k, (comp, key) in enumerate(zip(comps, keys, strict=True)):
        if k in redo:
            local = {g: n for n, g in enumerate(comp)}
            sub = {local[g]: {local[m]: sim for m, sim in adjacency[g].items()} for g in comp}
            groups = _groups([nodes[g] for g in comp], sub, floor, _local(measure, comp))
            fresh.append((key, groups))
        else:
            groups = known[key]
        out.extend((comp[c], [comp[m] for m in members], sims, w) for c, members, sims, w in groups)
    if fresh:
        store.put(fresh)
    return out


def build_clusters(
    nodes: Sequence[Sequence[Unit]],
    edges: Sequence[tuple[int, int, float]],
    store: GroupStore | None = None,
    *,
    floor: float = DEFAULT_THRESHOLD,
    prepare: Prepare | None = None,
) -> tuple[Cluster, ...]:
    """Clusters from ``nodes`` (groups of identical units) and verified ``edges`` between them.

    ``store``: where the groups of each connected component are kept between scans (same clusters).
    ``floor``: the least similarity of any two members of a cluster; ``prepare(nodes)``: a measure
    of the similarity of pairs among those nodes, for pairs that were not verified (without one,
    such pairs count 0: every two members must then be a verified edge).
    """
    adjacency: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, sim in edges:
        if i == j or _nested_only(nodes[i], nodes[j]):
            continue  # a closure and its enclosing function: not two copies
        adjacency[i][j] = sim
        adjacency[j][i] = sim
    if store is None:
        grouped = _groups(nodes, adjacency, floor, _lazy(prepare, sorted(adjacency)))
    else:
        grouped = _groups_by_component(nodes, adjacency, store, floor, prepare)
    in_group = {n for _, group, _, _ in grouped for n in group}
    # a node of identical copies that joined no group is a cluster of its own
    grouped += [(n, [n], [1.0], 1.0) for n in range(len(nodes)) if n not in in_group and len(nodes[n]) >= 2]
    clusters = [c for c in (_cluster(nodes, *g) for g in grouped) if c is not None]
    clusters.sort(key=lambda c: (-len(c.instances), -c.lines, c.id))
    return tuple(clusters)


def _cluster(nodes: Sequence[Sequence[Unit]], centre: int, group: list[int], similarities: list[float],
             weakest: float) -> Cluster | None:  # fmt: skip
    """The cluster of a group: the centre's first copy first, then the rest by path and line."""
    to_centre = dict(zip(group, similarities, strict=True))
    others = sorted((m for m in group if m != centre), key=lambda m: nodes[m][0].fingerprint)
    centre_units = sorted(nodes[centre], key=lambda u: (u.path, u.start_line))
    instances = [_instance(u, 1.0) for u in centre_units]
    instances += [_instance(u, to_centre[m]) for m in others for u in nodes[m]]
    instances = _drop_nested(instances)
    if len(instances) < 2:
        return None
    rep = _instance(centre_units[0], 1.0)
    rest = sorted((i for i in instances if i != rep), key=lambda i: (i.path, i.start_line, i.end_line))
    ordered = (rep, *rest) if rep in instances else tuple(sorted(instances, key=lambda i: (i.path, i.start_line)))
    return Cluster(
        id=cluster_id([i.fingerprint for i in ordered]),
        similarity=min(i.similarity for i in ordered),
        instances=ordered,
        weakest=round(min(weakest, min(i.similarity for i in ordered)), 4),
    )
