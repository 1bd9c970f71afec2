"""The similarity half of the pipeline: units -> index -> verified pairs -> clusters.

The similarity half works on compact arrays: units with the same
fingerprint form one node, the nodes' signatures go through the LSH index
(:mod:`dupfinder.similarity.index`: in memory, or a shared Redis index), candidate pairs
are verified (:mod:`dupfinder.similarity.verify`, fanned out by :mod:`dupfinder.similarity.fanout`)
and the verified graph is clustered (:mod:`dupfinder.similarity.cluster`).  With a cache, the last
similarity graph of the same roots is reused: its edges between nodes that are still
there stand, and only pairs with a new node are looked up and verified, which
gives the same edges as verifying everything (a pair's candidacy and
similarity depend on its two nodes only).  Nodes that are neither repeated nor
linked to another node cannot join a cluster and are left out of that last
step.  With a focus (paths: the CI gate's changed files), only the connected
components of the verified graph that hold a unit of a focused path are judged
and grouped; the graph itself is kept whole.  A focused scan that found the last graph (and the
identity counts) stored leaves them as they are rather than storing its own: they are the last
full scan's (a CI job of the main branch), from which the next focused run starts just as well, and
writing a whole graph and the counts back cost each run more than its own search.  Cost: O(new units x bands) index
queries on a rescan; a cold scan costs as many verifications as the index
returns candidate pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupfinder import cache as cache_mod
from dupfinder.config import ScanConfig
from dupfinder.executors import Executor, Runners
from dupfinder.model import Cluster, Unit
from dupfinder.similarity import signatures
from dupfinder.similarity.cluster import Measure, build_clusters
from dupfinder.similarity.fanout import Graph, verified
from dupfinder.similarity.identity import Identity, judged
from dupfinder.similarity.index import Bands, Pairs, candidate_pair_codes, lsh_params, lsh_threshold, pairs_with_rows
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import IDENTIFIER_WEIGHT, Verifier
from dupfinder.similarity.weights import Files, counts_now
from dupfinder.support.progress import Progress, stage

Signatures = npt.NDArray[np.uint32]


Edge = tuple[int, int, float]


@dataclass(frozen=True, slots=True)
class _Nodes:
    """Units with the same language and fingerprint are one node; each node's representative and signature."""

    groups: dict[tuple[str, str], list[int]]  #: (language, fingerprint) -> the units' positions
    keys: list[tuple[str, str]]  #: the nodes, sorted
    reps: list[Unit]  #: each node's first unit
    first: list[int]  #: the position of each node's first unit
    signatures: Signatures  #: each node's MinHash row
    language: npt.NDArray[np.int64]  #: each node's language, numbered


def _nodes(units: Sequence[Unit], unit_signatures: Signatures | None, config: ScanConfig) -> _Nodes:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, u in enumerate(units):
        groups[(u.language, u.fingerprint)].append(n)
    keys = sorted(groups)
    first = [groups[k][0] for k in keys]
    if unit_signatures is not None and len(unit_signatures) == len(units):
        sigs = unit_signatures[first] if first else np.empty((0, config.num_perm), dtype=np.uint32)
    else:
        sigs = signatures.signatures_of([units[n].token_hashes for n in first], config.shingle, config.num_perm,
                                        words=[vocabulary(units[n].identifiers) for n in first])  # fmt: skip
    language_names = sorted({lang for lang, _ in keys})
    language = np.array([language_names.index(lang) for lang, _ in keys], dtype=np.int64)
    return _Nodes(groups, keys, [units[n] for n in first], first, sigs, language)


@dataclass(frozen=True, slots=True)
class _LastGraph:
    """What the last scan of the same roots left: its edges among nodes still here, and the new nodes."""

    key: bytes = b""  #: where this scan's graph is kept (b"": not kept)
    digests: tuple[bytes, ...] = ()  #: each node's digest
    kept: tuple[Edge, ...] = ()  #: the last graph's edges between nodes that are still here
    only: npt.NDArray[np.int64] | None = None  #: the nodes the last graph did not have (None: no last graph)

    @property
    def found(self) -> bool:
        """Whether the last graph was stored."""
        return self.only is not None


def _last_graph(units: Sequence[Unit], nodes: _Nodes, config: ScanConfig, cache: cache_mod.Cache | None,
                snapshot_name: Sequence[str], contents: bytes | None) -> _LastGraph:  # fmt: skip
    if cache is None or not snapshot_name or cache.disabled:
        return _LastGraph()
    scope = cache_mod.pair_scope(config)
    # a node is named by its content digest: the snapshot's key holds the settings and the code version
    if contents is not None and len(contents) == 16 * len(units):
        digests = tuple(contents[16 * n : 16 * n + 16] for n in nodes.first)
    else:
        digests = tuple(cache_mod.unit_content(rep) for rep in nodes.reps)
    key = cache_mod.snapshot_key(scope, snapshot_name[0], snapshot_name[1:])
    snapshot = cache.get_snapshot(key)
    if snapshot is None:
        return _LastGraph(key, digests)
    position = {d: k for k, d in enumerate(digests)}
    now = np.array([position.get(d, -1) for d in snapshot.digests], dtype=np.int64)
    # the last graph's edges between nodes still here, renumbered (i < j), in one pass of numpy
    a, c = now[snapshot.ends[:, 0]], now[snapshot.ends[:, 1]]
    here = np.flatnonzero((a >= 0) & (c >= 0))
    x, y = np.minimum(a[here], c[here]), np.maximum(a[here], c[here])
    kept = tuple(zip(x.tolist(), y.tolist(), snapshot.sims[here].tolist(), strict=True))
    before = set(snapshot.digests)
    only = np.array([k for k, d in enumerate(digests) if d not in before], dtype=np.int64)
    return _LastGraph(key, digests, kept, only)


def _fresh_edges(
    nodes: _Nodes,
    config: ScanConfig,
    storage_config: dict[str, object] | None,
    runners: Runners | None,
    only: npt.NDArray[np.int64] | None,
) -> tuple[list[Edge], Verifier | None]:
    """Verified edges of the candidate pairs (all of them, or those with a node in ``only``), and the
    verifier prepared for every node when a full scan built one."""
    reps, sigs = nodes.reps, nodes.signatures
    if len(reps) < 2 or (only is not None and not len(only)):
        return [], None
    bands_rows = lsh_params(lsh_threshold(config.threshold), config.num_perm)
    codes: Pairs | None = None
    bands: Bands | None = None
    if storage_config is None or storage_config.get("type", "dict") == "dict":
        if only is not None:
            codes = pairs_with_rows(sigs, *bands_rows, only)
        else:
            bands = Bands(sigs, *bands_rows)
    else:
        names = [f"{lang}:{fp}" for lang, fp in nodes.keys]
        codes = candidate_pair_codes(names, sigs, config.threshold, storage_config=storage_config, only=only)
    if codes is None:
        assert bands is not None
        everyone = Verifier(reps)
        return verified(
            Graph(sigs, nodes.language, config.threshold, bands_rows, everyone, bands), bands, None, runners
        ), everyone
    # only the units in these pairs are prepared for verification
    involved = np.union1d(codes // len(reps), codes % len(reps))
    graph = Graph(sigs, nodes.language, config.threshold, bands_rows, Verifier.only(reps, involved))
    return verified(graph, None, codes, runners), None


def _grouped(
    units: Sequence[Unit],
    nodes: _Nodes,
    edges: Sequence[Edge],
    config: ScanConfig,
    cache: cache_mod.Cache | None,
    everyone: Verifier | None,
    identity: Identity,
    repeated_only: set[int] | None = None,
) -> tuple[Cluster, ...]:
    """Clusters of the verified graph; only repeated or linked nodes can form them (renumbered in order).
    ``repeated_only``: the nodes that may form a cluster of identical copies on their own (None: all)."""
    linked = {i for i, _, _ in edges} | {j for _, j, _ in edges}
    candidates = range(len(nodes.keys)) if repeated_only is None else sorted(repeated_only)
    keep = sorted(linked | {n for n in candidates if len(nodes.groups[nodes.keys[n]]) > 1})
    index = {old: new for new, old in enumerate(keep)}
    members = [[units[n] for n in nodes.groups[nodes.keys[old]]] for old in keep]
    store = None
    if cache is not None and not cache.disabled:  # the groups of unchanged components are reused
        store = cache_mod.GroupCache(cache, cache_mod.pair_scope(config))
    old = np.array(keep, dtype=np.int64)
    floor = config.member_floor

    def prepare(needed: Sequence[int]) -> Measure:
        """The structural similarity of pairs among ``needed`` nodes that were not verified (0 below the
        floor): every member of a cluster is alike every other in structure; identity decides the edges."""
        verifier = (
            everyone if everyone is not None else Verifier.only(nodes.reps, old[np.asarray(needed, dtype=np.int64)])
        )

        def measure(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
            x, y = old[a], old[b]
            out = np.zeros(len(x), dtype=np.float64)
            within, sims = verifier.at_least(x, y, floor)
            out[within] = sims
            return np.where(out >= floor, out, 0.0)

        return measure

    edges_now = [(index[i], index[j], sim) for i, j, sim in edges]
    return build_clusters(members, edges_now, store, floor=floor, prepare=prepare)


def find_clusters(
    units: Sequence[Unit],
    config: ScanConfig,
    storage_config: dict[str, object] | None = None,
    *,
    unit_signatures: Signatures | None = None,
    cache: cache_mod.Cache | None = None,
    executor: Executor | None = None,
    snapshot_name: Sequence[str] = (),
    runners: Runners | None = None,
    focus: Collection[str] | None = None,
    progress: Progress | None = None,
    files: Files | None = None,
    unit_contents: bytes | None = None,
) -> tuple[Cluster, ...]:
    """Clusters among ``units``: the similarity half of the pipeline.

    ``unit_signatures``: the units' MinHash rows when already computed (one
    per unit, in order); ``cache`` with ``snapshot_name`` (the scan's base and
    roots): where the last similarity graph of that scan is kept and reused;
    ``executor``: where many candidate pairs are verified in parallel; ``focus``: paths -- only the
    clusters that may hold a unit of one of them are built (each exactly as without a focus), and
    the others are left out (what the CI gate needs: it reports on copies in changed files); ``files``:
    the scan's files with their cache keys, in order, when every one was read and analysed for good
    (the identity weights' counts are then kept with them and brought up to date the next time);
    ``unit_contents``: each unit's :func:`~dupfinder.cache.unit_content`, when the cache records keep them;
    ``progress``: told of the stages (index, verify, cluster).
    """
    if runners is None and executor is not None:
        runners = Runners(executor, config.jobs, None)
    with stage(progress, "index"):
        nodes = _nodes(units, unit_signatures, config)
        last = _last_graph(units, nodes, config, cache, snapshot_name, unit_contents)
    with stage(progress, "verify"):  # the LSH candidates are found and checked together
        fresh, everyone = _fresh_edges(nodes, config, storage_config, runners, last.only)
        edges = sorted([*last.kept, *fresh])
        if last.key and (focus is None or not last.found):  # a focused scan keeps the graph it started from
            assert cache is not None
            cache.put_snapshot(last.key, cache_mod.snapshot_of(last.digests, edges))
    with stage(progress, "cluster"):
        if focus is None:
            identity, _ = _identity(units, nodes, config, cache, snapshot_name, files, None)
            return _grouped(units, nodes, _judged_edges(edges, identity, config.threshold), config, cache, everyone,
                            identity)  # fmt: skip
        focused = _focused_nodes(units, nodes, focus)
        edges = _around(edges, focused, len(nodes.keys))
        among = np.array(sorted({i for i, _, _ in edges} | {j for _, j, _ in edges}), dtype=np.int64)
        identity, rows = _identity(units, nodes, config, cache, snapshot_name, files, among)
        return _grouped(units, nodes, _judged_edges(edges, identity, config.threshold, rows), config, cache,
                        everyone, identity, repeated_only=focused)  # fmt: skip


def _identity(units: Sequence[Unit], nodes: _Nodes, config: ScanConfig, cache: cache_mod.Cache | None,
              snapshot_name: Sequence[str], files: Files | None, among: npt.NDArray[np.int64] | None
              ) -> tuple[Identity, npt.NDArray[np.int64] | None]:  # fmt: skip
    """The identity features of the nodes weighted over every node, and the nodes it holds when not all:
    the nodes ``among`` only, when given and the last scan's counts can be brought up to date (see
    :mod:`dupfinder.similarity.weights`).  The counts are kept for the next scan when ``files`` says
    what this one read, unless they were brought up to date (then the stored ones stay: see the module)."""
    key = b""
    if cache is not None and not cache.disabled and snapshot_name and files is not None:
        key = cache_mod.counts_key(config, snapshot_name[0], snapshot_name[1:])
    if key and among is not None:
        assert cache is not None and files is not None
        last = cache.get_counts(key)
        counts = counts_now(last, files, units, nodes.groups, cache, config.num_perm) if last is not None else None
        if counts is not None:
            return Identity([nodes.reps[k] for k in among.tolist()], counts, len(nodes.keys)), among
    identity = Identity(nodes.reps)
    if key:
        assert cache is not None and files is not None
        cache.put_counts(key, cache_mod.FeatureCounts(tuple(files), len(nodes.keys), dict(identity.counts)))
    return identity, None


def _focused_nodes(units: Sequence[Unit], nodes: _Nodes, focus: Collection[str]) -> set[int]:
    """The nodes with a unit in one of the ``focus`` paths."""
    paths = set(focus)
    wanted = {(u.language, u.fingerprint) for u in units if u.path in paths}
    return {k for k, key in enumerate(nodes.keys) if key in wanted}


def _around(edges: Sequence[Edge], focused: set[int], n_nodes: int) -> list[Edge]:
    """The edges of the connected components that hold a ``focused`` node.  Judging and clustering only
    drop edges, so every cluster with a focused node lies in one of these components, whole.  A walk
    from the focused nodes: it visits those components only (scipy's ``csgraph`` would label every
    component, and importing it takes longer than a one-file change's walk)."""
    if not edges or not focused:
        return []
    a = np.fromiter((e[0] for e in edges), dtype=np.int64, count=len(edges))
    b = np.fromiter((e[1] for e in edges), dtype=np.int64, count=len(edges))
    ends, others = np.concatenate((a, b)), np.concatenate((b, a))
    order = np.argsort(ends, kind="stable")
    starts = np.searchsorted(ends[order], np.arange(n_nodes + 1)).tolist()
    neighbours = others[order]
    seen = np.zeros(n_nodes, dtype=bool)
    todo = sorted(focused)
    seen[todo] = True
    while todo:
        k = todo.pop()
        for m in neighbours[starts[k] : starts[k + 1]].tolist():
            if not seen[m]:
                seen[m] = True
                todo.append(m)
    return [e for e, keep in zip(edges, seen[a].tolist(), strict=True) if keep]


def _judged_edges(edges: Sequence[Edge], identity: Identity, threshold: float,
                  among: npt.NDArray[np.int64] | None = None) -> list[Edge]:  # fmt: skip
    """The verified edges whose judged similarity (alignment and identity) reaches ``threshold``, with it.
    ``among``: the sorted nodes ``identity`` holds, when not every node (its rows, in that order)."""
    if not edges:
        return []
    a = np.fromiter((e[0] for e in edges), dtype=np.int64, count=len(edges))
    b = np.fromiter((e[1] for e in edges), dtype=np.int64, count=len(edges))
    verified_sims = np.fromiter((e[2] for e in edges), dtype=np.float64, count=len(edges))
    rows_a, rows_b = (a, b) if among is None else (np.searchsorted(among, a), np.searchsorted(among, b))
    sims = judged(identity, rows_a, rows_b, verified_sims, IDENTIFIER_WEIGHT)
    keep = np.flatnonzero(sims >= threshold)
    return list(zip(a[keep].tolist(), b[keep].tolist(), sims[keep].tolist(), strict=True))
