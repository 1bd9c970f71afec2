"""Verification (token-bigram alignment plus identifier words) and star-constrained clustering."""

from __future__ import annotations

import itertools
from array import array

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import LCSseq

from dupfinder.config import DEFAULT_THRESHOLD, ScanConfig
from dupfinder.model import Unit
from dupfinder.similarity.cluster import build_clusters
from dupfinder.similarity.find import find_clusters
from dupfinder.similarity.identity import CONTAINED_IDENTITY, Identity, judged
from dupfinder.similarity.index import Bands, lsh_params, pairs_with_rows
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import (
    IDENTIFIER_WEIGHT,
    Verifier,
    _encode,
    identifier_similarity,
    ngrams,
    similarity,
    verify_pairs,
)
from test_core import EDITED, ORIGINAL, RENAMED, UNRELATED, _fake, unit


def judged_matrix(units: list[Unit]) -> np.ndarray:
    """The judged similarity (alignment and identity) of every two units, 1 on the diagonal."""
    identity = Identity(units)
    n = len(units)
    a, b = np.triu_indices(n, k=1)
    verified = np.array([similarity(units[i], units[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True)])
    out = np.eye(n)
    out[a, b] = out[b, a] = judged(identity, a.astype(np.int64), b.astype(np.int64), verified, IDENTIFIER_WEIGHT)
    return out


def cluster_matrix(units: list[Unit]) -> np.ndarray:
    """The similarity clusters are built from: the judged one for a pair that is a clone (judged and
    verified at the threshold), the structural (verified) one for any other pair, 1 on the diagonal."""
    n = len(units)
    a, b = np.triu_indices(n, k=1)
    verified = np.eye(n)
    verified[a, b] = verified[b, a] = [
        similarity(units[i], units[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True)
    ]
    judged_sims = judged_matrix(units)
    clone = (judged_sims >= DEFAULT_THRESHOLD) & (verified >= DEFAULT_THRESHOLD)
    out: np.ndarray = np.where(clone, judged_sims, verified)
    return out


def lcs_reference(a: list[int], b: list[int]) -> int:
    """The textbook O(len(a) * len(b)) dynamic programme."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


streams = st.lists(st.sampled_from([0, 1, 2, 7, 2**31, 2**32 - 1]), max_size=120)


@settings(max_examples=300, deadline=None)
@given(a=streams, b=streams)
def test_lcs_of_encoded_streams_is_the_lcs_of_the_tokens(a: list[int], b: list[int]) -> None:
    values = np.array(a + b, dtype=np.uint64)
    ea, eb = _encode(values, np.array([len(a), len(b)], dtype=np.int64))
    want = lcs_reference(a, b)
    assert LCSseq.similarity(ea, eb) == want == LCSseq.similarity(eb, ea)


def test_encoding_is_injective_and_stable() -> None:
    tokens = [5, 2**40, 5, 3, 2**40 + 1]
    (text, again) = _encode(np.array(tokens * 2, dtype=np.uint64), np.array([5, 5], dtype=np.int64))
    assert len(text) == len(tokens) and len(set(text)) == 4
    assert again == text  # same value, same character, every time
    assert ngrams([1, 2, 3], 2) == [(1 << 32) | 2, (2 << 32) | 3]
    assert ngrams([9], 2) == [9] and ngrams([], 2) == []


def test_edited_copy_passes_the_default_threshold_and_unrelated_code_does_not() -> None:
    original, edited, renamed, unrelated = unit(ORIGINAL), unit(EDITED), unit(RENAMED), unit(UNRELATED)
    assert DEFAULT_THRESHOLD <= similarity(original, edited) < 1.0
    # a renamed copy aligns perfectly and loses only the vocabulary part
    assert similarity(original, renamed) >= 0.7
    assert similarity(original, unrelated) < DEFAULT_THRESHOLD
    assert similarity(original, edited) == similarity(edited, original)


def test_pruned_verification_keeps_exactly_the_pairs_at_or_above_the_threshold() -> None:
    units = [unit(src, f"m{i}.py") for i, src in enumerate((ORIGINAL, EDITED, RENAMED, UNRELATED))]
    pairs = list(itertools.combinations(range(len(units)), 2))
    exact = {(i, j): similarity(units[i], units[j]) for i, j in pairs}
    for threshold in (0.2, 0.4, DEFAULT_THRESHOLD, 0.7, 0.9, 1.0):
        got = {(i, j): s for i, j, s in verify_pairs(units, pairs, threshold)}
        assert got.keys() == {p for p, s in exact.items() if s >= threshold}, threshold
        assert all(abs(got[p] - exact[p]) < 1e-12 for p in got)


def reference_similarity(a: Unit, b: Unit) -> float:
    """The definition, one pair at a time: textbook LCS of the bigrams and Jaccard of the words."""
    ga = ngrams(list(array("I", a.token_hashes)), 2)
    gb = ngrams(list(array("I", b.token_hashes)), 2)
    longer = max(len(ga), len(gb))
    if not longer:
        return 0.0
    ids = IDENTIFIER_WEIGHT * identifier_similarity(vocabulary(a.identifiers), vocabulary(b.identifiers))
    return ids + (1 - IDENTIFIER_WEIGHT) * lcs_reference(ga, gb) / longer


random_units = st.lists(
    st.tuples(
        st.lists(st.sampled_from([1, 2, 3, 5, 8, 2**31 + 7]), max_size=60),
        st.lists(
            st.sampled_from(["getUser", "user_id", "row", "fetchRow", "HTTPClient", "x", "retry2"]),
            max_size=5,
            unique=True,
        ),
    ),
    min_size=2,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(specs=random_units, columns=st.sampled_from([2, 4, 64]))
def test_vectorised_similarities_match_the_definition_and_the_bound_never_undercuts_them(
    specs: list[tuple[list[int], list[str]]], columns: int
) -> None:
    units = [
        Unit(path=f"f{k}.py", root=".", language="python", name=f"f{k}", kind="function", start_line=1, end_line=2,
             fingerprint=str(k), token_hashes=array("I", toks).tobytes(), identifiers=tuple(sorted(ids)))  # type: ignore[arg-type]
        for k, (toks, ids) in enumerate(specs)
    ]  # fmt: skip
    pairs = list(itertools.combinations(range(len(units)), 2))
    a = np.array([i for i, _ in pairs], dtype=np.int64)
    b = np.array([j for _, j in pairs], dtype=np.int64)
    # few columns force hashed, shared columns: the bound must stay an upper bound
    verifier = Verifier(units, columns=columns, word_columns=max(2, columns // 2))
    want = np.array([reference_similarity(units[i], units[j]) for i, j in pairs])
    assert np.allclose(verifier.similarities(a, b), want, rtol=0, atol=1e-12)
    assert (verifier.bound(a, b) >= want - 1e-12).all()
    for threshold in (0.3, DEFAULT_THRESHOLD, 0.8):
        x, y, sims = verifier.verify(a, b, threshold)
        assert (sims == verifier.similarities(x, y)).all()
        # the same formula in the same float operations: the same side of the threshold
        assert set(zip(x.tolist(), y.tolist(), strict=True)) == {p for p, w in zip(pairs, want, strict=True)
                                                                 if w >= threshold}  # fmt: skip


def test_the_bound_drops_most_unrelated_pairs() -> None:
    units = [unit(src, f"m{i}.py") for i, src in enumerate((ORIGINAL, EDITED, RENAMED, UNRELATED))]
    verifier = Verifier(units)
    bound = verifier.bound(np.array([0, 0]), np.array([3, 1]))
    assert bound[0] < DEFAULT_THRESHOLD <= bound[1]


def nodes_of(n: int) -> list[list[Unit]]:
    return [[_fake(f"n{i}", f"f{i}.py")] for i in range(n)]


def test_tight_groups_stay_whole_where_a_greedy_star_would_split_them() -> None:
    # a0..a2 and b0..b2 are two groups of close copies; h is loosely similar to a0, a1 and
    # every b, so it has the most weight: a greedy star centred on h takes a0 and a1 away
    # from a2 and puts them with the b's
    names = ["a0", "a1", "a2", "b0", "b1", "b2", "h"]
    nodes = [[_fake(n, f"{n}.py")] for n in names]
    edges = [(i, j, 0.9) for i, j in itertools.combinations(range(3), 2)]
    edges += [(i, j, 0.9) for i, j in itertools.combinations(range(3, 6), 2)]
    edges += [(i, 6, 0.6) for i in (0, 1, 3, 4, 5)]
    groups = sorted(sorted(i.name or "" for i in c.instances) for c in build_clusters(nodes, edges))
    assert groups == [["a0", "a1", "a2"], ["b0", "b1", "b2", "h"]]


graphs = st.integers(2, 14).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.3, 1.0)),
            max_size=n * 3,
        ),
    )
)


@settings(max_examples=200, deadline=None)
@given(graph=graphs, data=st.data())
def test_every_member_is_verified_similar_to_its_representative(
    graph: tuple[int, list[tuple[int, int, float]]], data: st.DataObject
) -> None:
    n, raw = graph
    best: dict[tuple[int, int], float] = {}
    for i, j, s in raw:
        if i != j:
            best[(min(i, j), max(i, j))] = s
    edges = [(i, j, s) for (i, j), s in sorted(best.items())]
    nodes = nodes_of(n)
    clusters = build_clusters(nodes, edges)
    seen: set[str] = set()
    for c in clusters:
        rep, *rest = [i.name or "" for i in c.instances]
        ri = int(rep[1:])
        for m in rest:
            mi = int(m[1:])
            assert (min(ri, mi), max(ri, mi)) in best, f"{m} is in {rep}'s cluster without being similar to it"
        names = {i.name or "" for i in c.instances}
        assert not names & seen, "a unit in two clusters"
        seen |= names
    # the edge order does not matter
    shuffled = data.draw(st.permutations(edges))
    assert build_clusters(nodes, shuffled) == clusters


def test_a_verifier_for_some_units_scores_their_pairs_like_the_full_one() -> None:
    units = [unit(src, f"m{i}.py") for i, src in enumerate((ORIGINAL, EDITED, RENAMED, UNRELATED))]
    full = Verifier(units)
    part = Verifier.only(units, np.array([1, 3], dtype=np.int64))
    a, b = np.array([1, 3]), np.array([3, 1])
    assert (part.similarities(a, b) == full.similarities(a, b)).all()
    assert (part.bound(a, b) >= part.similarities(a, b)).all()
    with pytest.raises(ValueError, match="not built for"):
        part.similarities(np.array([0]), np.array([1]))


class DictStore:
    """A GroupStore in memory, counting what is computed and what is reused."""

    def __init__(self) -> None:
        self.data: dict[bytes, list[tuple[int, list[int]]]] = {}
        self.puts = 0

    def get(self, keys):  # type: ignore[no-untyped-def]
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, items):  # type: ignore[no-untyped-def]
        self.puts += len(items)
        self.data.update(items)


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.integers(0, 11), st.integers(0, 11), st.sampled_from([0.5, 0.6, 0.75, 0.9, 1.0])), max_size=40
    )
)
def test_clustering_by_component_with_a_store_gives_the_same_clusters(edges: list[tuple[int, int, float]]) -> None:
    nodes = nodes_of(12)
    unique = {(min(i, j), max(i, j)): s for i, j, s in edges if i != j}
    graph = [(i, j, s) for (i, j), s in sorted(unique.items())]
    store = DictStore()
    want = build_clusters(nodes, graph)
    assert build_clusters(nodes, graph, store) == want
    computed = store.puts
    assert build_clusters(nodes, graph, store) == want  # every component from the store
    assert store.puts == computed
    # one more edge changes one component only: the others are reused
    if graph:
        i, j, _ = graph[0]
        changed = [(i, j, 0.55), *graph[1:]]
        before = store.puts
        assert build_clusters(nodes, changed, store) == build_clusters(nodes, changed)
        assert store.puts - before <= 1


# One function and two copies of it, edited at opposite ends: each copy is a clone of the original,
# the copies are less alike (tests below check the similarities)
SYNC = """
def sync_orders(client, store, since, batch_size=100):
    cursor = since
    imported = 0
    while True:
        page = client.get("/orders", params={"since": cursor, "limit": batch_size})
        if page.status_code != 200:
            raise RuntimeError(page.text)
        rows = page.json()["orders"]
        if not rows:
            break
        for row in rows:
            store.upsert("orders", row["id"], row)
            imported += 1
        cursor = rows[-1]["updated_at"]
    store.commit()
    return imported
"""

SYNC_NEW_HEAD = """
def sync_orders(client, store, since, batch_size=100):
    token = client.login(store.credentials())
    if not token:
        raise PermissionError("cannot log in to the order service")
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    retries = 0
    metrics.gauge("orders.sync.started", 1, tags={"store": store.name})
    cursor = since
    imported = 0
    while retries < 5:
        page = client.get("/orders", params={"since": cursor, "limit": batch_size}, headers=headers)
        if page.status_code == 429:
            retries += 1
            continue
        rows = page.json()["orders"]
        if not rows:
            break
        for row in rows:
            store.upsert("orders", row["id"], row)
            imported += 1
        cursor = rows[-1]["updated_at"]
    store.commit()
    return imported
"""

SYNC_NEW_TAIL = """
def sync_orders(client, store, since, batch_size=100):
    cursor = since
    imported = 0
    while True:
        page = client.get("/orders", params={"since": cursor, "limit": batch_size})
        if page.status_code != 200:
            raise RuntimeError(page.text)
        rows = page.json()["orders"]
        if not rows:
            break
        with store.transaction() as tx:
            for row in sorted(rows, key=lambda r: r["id"]):
                if row.get("deleted"):
                    tx.delete("orders", row["id"])
                else:
                    tx.upsert("orders", row["id"], row)
                imported += 1
        cursor = max(r["updated_at"] for r in rows)
    log.info("imported %d orders", imported)
    store.mark_synced("orders", until=cursor)
    notify.send("sync-done", {"count": imported, "cursor": str(cursor)})
    return imported
"""


SYNC_NEW_BOTH = (
    SYNC_NEW_HEAD.split("        for row in rows:")[0] + "        with" + SYNC_NEW_TAIL.split("        with", 1)[1]
)


def test_copies_edited_in_different_places_stay_in_the_original_s_cluster() -> None:
    sources = {"billing/sync.py": SYNC, "shop/sync.py": SYNC_NEW_HEAD, "crm/sync.py": SYNC_NEW_TAIL,
               "ads/sync.py": SYNC_NEW_BOTH}  # fmt: skip
    units = [unit(src, path) for path, src in sources.items()]
    original, head, tail, both = units
    floor = 0.34
    # verified pairs: original-head, original-tail, head-both, tail-both; the other two are farther apart
    for a, b in ((original, head), (original, tail), (head, both), (tail, both)):
        assert similarity(a, b) >= DEFAULT_THRESHOLD
    for a, b in ((head, tail), (original, both)):
        assert floor <= similarity(a, b) < DEFAULT_THRESHOLD
    sims = cluster_matrix(units)  # clones by their judged similarity (identity counts), the rest by structure
    member_floor = 0.3
    assert sims.min() >= member_floor
    (cluster,) = find_clusters(units, ScanConfig(jobs=1, member_similarity=member_floor))
    assert sorted(i.path for i in cluster.instances) == sorted(sources)
    # every two members are at least the floor alike; the cluster is as good as its weakest pair
    assert cluster.weakest == round(float(sims.min()), 4)
    # the representative is the unit most similar to the rest
    centre = int(np.argmax(sims.sum(axis=1)))
    assert cluster.instances[0].path == units[centre].path
    # with the floor at the threshold some member would be unlike another: they split
    strict = find_clusters(units, ScanConfig(jobs=1, member_similarity=DEFAULT_THRESHOLD))
    assert all(c.weakest >= DEFAULT_THRESHOLD for c in strict)
    assert sum(len(c.instances) for c in strict) < len(units) or len(strict) > 1


def test_a_unit_similar_only_below_the_threshold_never_joins() -> None:
    # c is within the floor of a and b but verified-similar to neither: it is not a copy
    nodes = nodes_of(3)
    table = {(0, 1): 0.9, (0, 2): 0.45, (1, 2): 0.45}

    def prepare(needed):  # type: ignore[no-untyped-def]
        return lambda a, b: np.array([table[(min(x, y), max(x, y))] for x, y in zip(a, b, strict=True)])

    (cluster,) = build_clusters(nodes, [(0, 1, 0.9)], floor=0.3, prepare=prepare)
    assert sorted(i.name or "" for i in cluster.instances) == ["n0", "n1"]


tables = st.integers(2, 12).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.sampled_from([0.1, 0.3, 0.35, 0.45, 0.5, 0.6, 0.8, 1.0]), min_size=n * n, max_size=n * n),
    )
)


@settings(max_examples=150, deadline=None)
@given(table=tables)
def test_members_join_along_verified_pairs_and_stay_within_the_floor_of_the_centre(
    table: tuple[int, list[float]],
) -> None:
    n, values = table
    threshold, floor = 0.5, 0.34
    sim = {(i, j): values[i * n + j] for i, j in itertools.combinations(range(n), 2)}
    edges = [(i, j, s) for (i, j), s in sim.items() if s >= threshold]
    measured: list[int] = []

    def prepare(needed):  # type: ignore[no-untyped-def]
        def measure(a, b):  # type: ignore[no-untyped-def]
            measured.extend(len(a) * [0])
            return np.array([sim[(min(x, y), max(x, y))] for x, y in zip(a.tolist(), b.tolist(), strict=True)])

        return measure

    nodes = nodes_of(n)
    clusters = build_clusters(nodes, edges, floor=floor, prepare=prepare)
    adjacency = {i: set() for i in range(n)}
    for i, j, _ in edges:
        adjacency[i].add(j)
        adjacency[j].add(i)
    seen: set[int] = set()
    for c in clusters:
        ids = [int((i.name or "")[1:]) for i in c.instances]
        rep, rest = ids[0], ids[1:]
        for m, inst in zip(rest, c.instances[1:], strict=True):
            assert sim[(min(rep, m), max(rep, m))] >= floor
            assert inst.similarity == round(sim[(min(rep, m), max(rep, m))], 4)
        # connected by verified pairs alone
        reached, stack = {rep}, [rep]
        while stack:
            for m in adjacency[stack.pop()] & set(ids):
                if m not in reached:
                    reached.add(m)
                    stack.append(m)
        assert reached == set(ids)
        assert not seen & set(ids)
        seen |= set(ids)
    # the same clusters one component at a time, from a store, and again from the store
    store = DictStore()
    assert build_clusters(nodes, edges, store, floor=floor, prepare=prepare) == clusters
    before = len(measured)
    assert build_clusters(nodes, edges, store, floor=floor, prepare=prepare) == clusters
    assert len(measured) == before, "groups from the store need no measuring"


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
@pytest.mark.parametrize("threshold", [0.05, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95])
def test_lsh_params_are_datasketchs_choice(threshold: float, num_perm: int) -> None:
    """The banding the in-memory index uses is the one datasketch's MinHashLSH computes (scipy's quad)."""
    from datasketch.lsh import _optimal_param

    assert lsh_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


HOST_MATCHER = """
def host_matcher(host_pattern):
    if isinstance(host_pattern, basestring_type):
        if not host_pattern.endswith("$"):
            host_pattern += "$"
        compiled = re.compile(host_pattern)
    else:
        compiled = host_pattern
    log.debug("compiled %s", compiled.pattern)
    return HostMatcher(compiled)
"""

#: host_matcher's normalisation, then steps of its own: an extended copy
PATH_MATCHER = """
def path_matcher(path_pattern):
    if isinstance(path_pattern, basestring_type):
        if not path_pattern.endswith("$"):
            path_pattern += "$"
        compiled = re.compile(path_pattern)
    else:
        compiled = path_pattern
    log.debug("compiled %s", compiled.pattern)
    path, group_count = find_groups(compiled)
    if compiled.groupindex:
        assert len(compiled.groupindex) == compiled.groups, "groups in unnamed groups"
    return PathMatcher(compiled, path, group_count)
"""

#: host_matcher's shape with nothing of its names, calls or literals: a look-alike
RETRY_LIMIT = """
def retry_limit(limit_seconds):
    if isinstance(limit_seconds, timedelta_type):
        if not limit_seconds.total_seconds():
            limit_seconds += grace
        budget = clock.seconds(limit_seconds)
    else:
        budget = limit_seconds
    stats.gauge("budget %s", budget.window)
    return RetryLimit(budget)
"""


def test_a_unit_found_whole_in_a_longer_one_is_a_copy_and_its_shape_alone_is_not() -> None:
    host, path, look = units = [unit(HOST_MATCHER, "a.py"), unit(PATH_MATCHER, "b.py"), unit(RETRY_LIMIT, "c.py")]
    identity = Identity(units)
    sims = judged_matrix(units)
    first, second, third = np.array([0]), np.array([1]), np.array([2])
    # the longer unit's own names and steps keep both Jaccard-style measures low ...
    assert identity.similarity(first, second)[0] < DEFAULT_THRESHOLD
    # ... but the shorter one is in it, structure and identity
    assert identity.containment(first, second)[0] >= CONTAINED_IDENTITY
    assert sims[0, 1] == pytest.approx(similarity(host, path)) and sims[0, 1] >= DEFAULT_THRESHOLD
    # the look-alike has the very structure, none of the identity: shape alone is not a copy
    assert similarity(host, look) >= DEFAULT_THRESHOLD
    assert identity.containment(first, third)[0] < CONTAINED_IDENTITY
    assert sims[0, 2] < DEFAULT_THRESHOLD
    (cluster,) = find_clusters(units[:2], ScanConfig(jobs=1))
    assert sorted(i.path for i in cluster.instances) == ["a.py", "b.py"]
    assert not find_clusters([host, look], ScanConfig(jobs=1))


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=60),
    alphabet=st.integers(min_value=1, max_value=4),
    bands_rows=st.sampled_from([(1, 1), (2, 2), (4, 3), (3, 4)]),
    data=st.data(),
)
def test_the_pairs_of_a_few_rows_are_those_of_the_whole_banded_index(
    n: int, alphabet: int, bands_rows: tuple[int, int], data: st.DataObject
) -> None:
    # few distinct values, so that rows agree on whole bands often
    b, r = bands_rows
    rng = np.random.default_rng(data.draw(st.integers(min_value=0, max_value=2**32 - 1)))
    sigs = rng.integers(0, alphabet, size=(n, b * r), dtype=np.uint32)
    rows = np.array(sorted(data.draw(st.sets(st.integers(min_value=0, max_value=n - 1), min_size=1))), dtype=np.int64)
    expected = Bands(sigs, b, r).pairs_with(rows)
    assert pairs_with_rows(sigs, b, r, rows).tolist() == expected.tolist()
    everything = Bands(sigs, b, r).pairs_from(0, n)
    assert pairs_with_rows(sigs, b, r, np.arange(n, dtype=np.int64)).tolist() == everything.tolist()
