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
step.  Cost: O(new units x bands) index queries on a rescan; a cold scan costs
as many verifications as the index returns candidate pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dupfinder import cache as cache_mod
from dupfinder.config import ScanConfig
from dupfinder.executors import Executor, Runners
from dupfinder.model import Cluster, Unit
from dupfinder.similarity import signatures
from dupfinder.similarity.cluster import Measure, build_clusters
from dupfinder.similarity.fanout import Graph, verified
from dupfinder.similarity.index import Bands, Pairs, candidate_pair_codes, lsh_params, lsh_threshold
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import Verifier

Signatures = npt.NDArray[np.uint32]


def _clusters(
    units: Sequence[Unit],
    unit_signatures: Signatures | None,
    config: ScanConfig,
    storage_config: dict[str, object] | None,
    cache: cache_mod.Cache | None,
    runners: Runners | None,
    snapshot_name: Sequence[str],
) -> tuple[Cluster, ...]:
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
    reps = [units[n] for n in first]
    language_names = sorted({lang for lang, _ in keys})
    language = np.array([language_names.index(lang) for lang, _ in keys], dtype=np.int64)

    # the last scan's graph: its edges between nodes still here are reused, only new nodes are queried
    snapshot: cache_mod.Snapshot | None = None
    digests: list[bytes] = []
    key = b""
    if cache is not None and snapshot_name and not cache.disabled:
        scope = cache_mod.pair_scope(config)
        digests = [cache_mod.unit_digest(scope, rep) for rep in reps]
        key = cache_mod.snapshot_key(scope, snapshot_name[0], snapshot_name[1:])
        snapshot = cache.get_snapshot(key)
    kept: list[tuple[int, int, float]] = []
    only: npt.NDArray[np.int64] | None = None
    if snapshot is not None:
        position = {d: k for k, d in enumerate(digests)}
        now = [position.get(d) for d in snapshot.digests]
        for a, c, sim in snapshot.edges:
            x, y = now[a], now[c]
            if x is not None and y is not None:
                kept.append((min(x, y), max(x, y), sim))
        before = set(snapshot.digests)
        only = np.array([k for k, d in enumerate(digests) if d not in before], dtype=np.int64)

    fresh: list[tuple[int, int, float]] = []
    everyone: Verifier | None = None  # prepared for every node, when a full scan built one
    if len(reps) >= 2 and (only is None or len(only)):
        bands_rows = lsh_params(lsh_threshold(config.threshold), config.num_perm)
        codes: Pairs | None = None
        bands: Bands | None = None
        if storage_config is None or storage_config.get("type", "dict") == "dict":
            bands = Bands(sigs, *bands_rows)
            if only is not None:
                codes = bands.pairs_with(only)
        else:
            names = [f"{lang}:{fp}" for lang, fp in keys]
            codes = candidate_pair_codes(names, sigs, config.threshold, storage_config=storage_config, only=only)
        if codes is None:
            assert bands is not None
            everyone = Verifier(reps)
            graph = Graph(sigs, language, config.threshold, bands_rows, everyone)
            fresh = verified(graph, bands, None, runners)
        else:  # only the units in these pairs are prepared for verification
            n = len(reps)
            involved = np.union1d(codes // n, codes % n)
            graph = Graph(sigs, language, config.threshold, bands_rows, Verifier.only(reps, involved))
            fresh = verified(graph, None, codes, runners)
    edges = sorted(kept + fresh)
    if key:
        assert cache is not None
        cache.put_snapshot(key, cache_mod.Snapshot(tuple(digests), tuple(edges)))

    # only repeated or linked nodes can form clusters; renumbering keeps their order
    linked = {i for i, _, _ in edges} | {j for _, j, _ in edges}
    keep = sorted(linked | {n for n, k in enumerate(keys) if len(groups[k]) > 1})
    index = {old: new for new, old in enumerate(keep)}
    nodes = [[units[n] for n in groups[keys[old]]] for old in keep]
    store = None
    if cache is not None and not cache.disabled:  # the groups of unchanged components are reused
        store = cache_mod.GroupCache(cache, cache_mod.pair_scope(config))
    old = np.array(keep, dtype=np.int64)
    floor = config.member_floor

    def prepare(needed: Sequence[int]) -> Measure:
        """The similarity of pairs among ``needed`` nodes that were not verified (0 below the floor)."""
        verifier = everyone if everyone is not None else Verifier.only(reps, old[np.asarray(needed, dtype=np.int64)])

        def measure(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
            x, y = old[a], old[b]
            out = np.zeros(len(x), dtype=np.float64)
            within, sims = verifier.at_least(x, y, floor)
            out[within] = sims
            return out

        return measure

    edges_now = [(index[i], index[j], sim) for i, j, sim in edges]
    if floor >= config.threshold:  # the default: members are verified pairs with the centre, nothing to measure
        return build_clusters(nodes, edges_now, store)
    return build_clusters(nodes, edges_now, store, floor=floor, prepare=prepare)


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
) -> tuple[Cluster, ...]:
    """Clusters among ``units``: the similarity half of the pipeline.

    ``unit_signatures``: the units' MinHash rows when already computed (one
    per unit, in order); ``cache`` with ``snapshot_name`` (the scan's base and
    roots): where the last similarity graph of that scan is kept and reused;
    ``executor``: where many candidate pairs are verified in parallel.
    """
    if runners is None and executor is not None:
        runners = Runners(executor, config.jobs, None)
    return _clusters(units, unit_signatures, config, storage_config, cache, runners, snapshot_name)
