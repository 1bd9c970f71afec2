"""Clusters from verified pairs, without single-link chaining.

Units with the same fingerprint (identical normalised tokens: Type-1 and
Type-2 copies) are collapsed into one node first.  Verified pairs between
nodes form a similarity graph.  Taking its connected components would chain
weakly similar units (A~B, B~C, but A!~C) into one incoherent group, so a
greedy *star* clustering is used instead: nodes are visited by decreasing
weight (copies held plus similarity to their neighbours), and each node not
yet taken becomes a centre that takes its untaken neighbours.  Every member
is therefore verified-similar to its cluster's centre, which bounds the
cluster's diameter.  Cost: O(V log V + E).

A unit nested inside another unit of the same file (a closure in its
function) never counts as a copy of it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

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


def build_clusters(nodes: Sequence[Sequence[Unit]], edges: Sequence[tuple[int, int, float]]) -> tuple[Cluster, ...]:
    """Clusters from ``nodes`` (groups of identical units) and verified ``edges`` between them."""
    adjacency: dict[int, dict[int, float]] = defaultdict(dict)
    for i, j, sim in edges:
        if _nested_only(nodes[i], nodes[j]):
            continue  # a closure and its enclosing function: not two copies
        adjacency[i][j] = sim
        adjacency[j][i] = sim

    def weight(n: int) -> float:
        return len(nodes[n]) + sum(adjacency[n].values())

    order = sorted(range(len(nodes)), key=lambda n: (-weight(n), nodes[n][0].fingerprint))
    taken: set[int] = set()
    clusters: list[Cluster] = []
    for centre in order:
        if centre in taken:
            continue
        members = [centre] + sorted(
            (m for m in adjacency[centre] if m not in taken), key=lambda m: (-adjacency[centre][m], nodes[m][0].fingerprint)
        )
        if len(members) == 1 and len(nodes[centre]) < 2:
            continue
        taken.update(members)
        sims = {m: (1.0 if m == centre else adjacency[centre][m]) for m in members}
        centre_units = sorted(nodes[centre], key=lambda u: (u.path, u.start_line))
        instances = [_instance(u, 1.0) for u in centre_units]
        instances += [_instance(u, sims[m]) for m in members[1:] for u in nodes[m]]
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
