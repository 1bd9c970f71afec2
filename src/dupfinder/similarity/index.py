"""LSH index: which distinct units are worth comparing exactly.

MinHash LSH (as in datasketch's ``MinHashLSH``) splits each signature into
``b`` bands of ``r`` rows and buckets units by band; two units become a
candidate pair when any band matches, which happens with probability
``1 - (1 - s^r)^b`` for Jaccard similarity ``s``.  ``b`` and ``r`` are the
values datasketch chooses for the index threshold (:func:`lsh_params`, the
same weighted false-positive/false-negative optimum, computed with numpy so
that a scan need not import datasketch or scipy).  The index threshold sits
below the verification threshold so that true clones near it are rarely
lost; :mod:`dupfinder.similarity.verify` removes the extra candidates.

In memory (the default) the index is a sort per band: each band's rows are
hashed to 64 bits, sorted, and runs of identical rows (compared exactly, not
by hash) are the buckets; every pair inside a bucket is a candidate.  That is
exactly the pair set datasketch's in-memory index returns, without a Python
object or dict operation per unit.  Cost: O(b x n log n) for n distinct units
plus the candidate pairs themselves (a bucket of m units gives m(m-1)/2).

``storage_config`` selects a datasketch storage backend instead, e.g. Redis
(:func:`redis_storage_config` turns ``redis://host:port/db`` into one): the
index then lives in the server, named after the settings that shape it, so
many scans (CI jobs) share one index and each inserts only the units the
index does not hold yet.  A scan reads the buckets of its own units through
the backend (pipelined) and keeps the pairs among them, so the pairs are the
same as in memory.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import numpy.typing as npt

from dupfinder.errors import DupfinderError

#: pair codes ``i * n + j`` (i < j) as int64
Pairs = npt.NDArray[np.int64]


def lsh_threshold(threshold: float) -> float:
    """Index threshold (shingle Jaccard) for a verification threshold.

    Verification scores the alignment of token bigrams and shared identifier
    words, not shingle Jaccard: a near-miss copy with edited or reordered
    statements keeps most of its code in order but loses many 3-token
    shingles.  On BigCloneBench the pairs verified at threshold ``t`` have
    shingle Jaccard down to about ``t / 2``; an index at ``0.6 * t`` costs under
    one point of recall against verifying every pair, while ``0.7 * t`` (four
    rows per band instead of three at the default) loses 10 points of Type-3
    recall (``benchmarks/README.md``).  Never below 0.2, where nearly every
    pair of units in a language collides.
    """
    return max(0.2, round(threshold * 0.6, 3))


@functools.cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(b, r)``: bands and rows per band that datasketch's ``MinHashLSH`` picks for ``threshold``.

    The optimum of ``0.5 * false positive + 0.5 * false negative`` area under
    the S-curve, over all ``b * r <= num_perm``; integrated with Simpson's rule
    on 4,097 points (the same choice as datasketch's ``scipy.integrate.quad``
    for every threshold 0.05-0.99 and 16-256 permutations).  For each ``r`` the
    curves of every ``b`` are one running product of ``1 - s**r`` (a few
    multiplications a point instead of two powers: every scan computes this).
    """
    grid = 4097
    low = np.linspace(0.0, threshold, grid)
    high = np.linspace(threshold, 1.0, grid)

    def simpson(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        h = (x[-1] - x[0]) / (grid - 1)
        return h / 3 * (y[:, 0] + y[:, -1] + 4 * y[:, 1:-1:2].sum(axis=1) + 2 * y[:, 2:-1:2].sum(axis=1))  # type: ignore[no-any-return]

    error: dict[tuple[int, int], float] = {}
    for r in range(1, num_perm + 1):
        most = num_perm // r  # bands
        # (1 - s**r) ** b for b = 1..most
        miss_low = np.cumprod(np.broadcast_to(1 - low**r, (most, grid)), axis=0, dtype=np.float64)
        miss_high = np.cumprod(np.broadcast_to(1 - high**r, (most, grid)), axis=0, dtype=np.float64)
        weighted = 0.5 * simpson(low, 1 - miss_low) + 0.5 * simpson(high, miss_high)
        error.update(((b, r), float(e)) for b, e in enumerate(weighted, start=1))
    # datasketch's loop order (b, then r) and its first minimum
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    return min(pairs, key=error.__getitem__)


class Bands:
    """The in-memory index: for each band, the rows sorted so that equal band values are adjacent.

    ``order[k]`` lists row numbers with equal band-``k`` values in consecutive
    runs starting at ``starts[k]``; within a run rows are ascending.  Two rows
    are a candidate pair when they share a run in some band.
    """

    __slots__ = ("n", "order", "run_end", "starts")

    def __init__(self, signatures: npt.NDArray[np.uint32], b: int, r: int) -> None:
        self.n = len(signatures)
        self.order: list[npt.NDArray[np.int64]] = []
        self.starts: list[npt.NDArray[np.int64]] = []
        #: for each position of ``order[k]``, where its run ends (exclusive)
        self.run_end: list[npt.NDArray[np.int64]] = []
        for k in range(b):
            order, starts = _runs_of_equal_rows(np.ascontiguousarray(signatures[:, k * r : (k + 1) * r]))
            ends = np.append(starts[1:], len(order))
            self.order.append(order)
            self.starts.append(starts)
            self.run_end.append(np.repeat(ends, ends - starts))

    def partners(self) -> npt.NDArray[np.int64]:
        """For each row, how many (row, later row in its run) pairs it opens, summed over the bands."""
        counts = np.zeros(self.n, dtype=np.int64)
        for order, run_end in zip(self.order, self.run_end, strict=True):
            counts[order] += run_end - np.arange(len(order)) - 1
        return counts

    def pairs_from(self, lo: int, hi: int) -> Pairs:
        """Sorted unique codes of the pairs whose smaller row is in ``[lo, hi)``."""
        found: list[Pairs] = []
        for order, run_end in zip(self.order, self.run_end, strict=True):
            positions = np.flatnonzero((order >= lo) & (order < hi))
            counts = run_end[positions] - positions - 1
            keep = counts > 0
            positions, counts = positions[keep], counts[keep]
            if not len(positions):
                continue
            first = np.repeat(positions, counts)
            # the partners of the row at position p are at p+1 .. run end - 1
            step = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts) + 1
            found.append(order[first] * self.n + order[first + step])
        return _sorted_unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def pairs_with(self, rows: npt.NDArray[np.int64]) -> Pairs:
        """Sorted unique codes of the pairs that involve any of ``rows``."""
        wanted = np.zeros(self.n, dtype=bool)
        wanted[rows] = True
        found: list[Pairs] = []
        for order, starts in zip(self.order, self.starts, strict=True):
            found.extend(_pairs_in_runs(order, starts, wanted, self.n))
        return _sorted_unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def chunks(self, max_pairs: int, start: int = 0, stop: int | None = None) -> Iterator[Pairs]:
        """The candidate pairs whose smaller row is in ``[start, stop)``, sorted, in pieces of about
        ``max_pairs`` pairs (counted before de-duplication)."""
        stop = self.n if stop is None else min(stop, self.n)
        if self.n < 2:
            return
        cumulative = np.cumsum(self.partners())
        lo = start
        while lo < stop:
            base = int(cumulative[lo - 1]) if lo else 0
            hi = int(np.searchsorted(cumulative, base + max_pairs, side="right"))
            hi = min(stop, max(hi, lo + 1))
            codes = self.pairs_from(lo, hi)
            if len(codes):
                yield codes
            lo = hi

    def spans(self, parts: int) -> list[tuple[int, int]]:
        """``parts`` consecutive row ranges with about the same number of candidate pairs each."""
        cumulative = np.cumsum(self.partners())
        total = int(cumulative[-1]) if self.n else 0
        bounds = [0]
        for k in range(1, parts):
            bounds.append(max(bounds[-1], int(np.searchsorted(cumulative, total * k // parts, side="right"))))
        bounds.append(self.n)
        return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]


def _sorted_unique(codes: Pairs) -> Pairs:
    """``np.unique`` by sorting (numpy's hash-based unique is several times slower on these arrays)."""
    codes = np.sort(codes)
    if len(codes) > 1:
        keep = np.empty(len(codes), dtype=bool)
        keep[0] = True
        np.not_equal(codes[1:], codes[:-1], out=keep[1:])
        codes = codes[keep]
    return codes


def _row_hashes(block: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """A 64-bit FNV-style hash of each row (equal rows, equal hashes)."""
    h = np.zeros(len(block), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(block.shape[1]):
            h = (h ^ block[:, c].astype(np.uint64)) * np.uint64(0x100000001B3)
    return h


def pairs_with_rows(signatures: npt.NDArray[np.uint32], b: int, r: int, rows: npt.NDArray[np.int64]) -> Pairs:
    """What ``Bands(signatures, b, r).pairs_with(rows)`` gives, without sorting every row of every band:
    per band, only the rows whose band hash is one of ``rows``' are grouped (a rescan's few new nodes
    against every node: O(n) hashing a band instead of an O(n log n) sort)."""
    n = len(signatures)
    wanted = np.zeros(n, dtype=bool)
    wanted[rows] = True
    found: list[Pairs] = []
    for k in range(b):
        block = np.ascontiguousarray(signatures[:, k * r : (k + 1) * r])
        h = _row_hashes(block)
        near = np.flatnonzero(np.isin(h, np.unique(h[rows])))  # every row equal to a wanted one, and a few more
        order, starts = _runs_of_equal_rows(block[near])
        order = near[order]  # ascending row numbers within a run
        found.extend(_pairs_in_runs(order, starts, wanted, n))
    return _sorted_unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def _runs_of_equal_rows(block: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(order, run starts): row numbers sorted so equal rows are adjacent (ascending within a run), run starts."""
    h = _row_hashes(block)
    order = np.argsort(h, kind="stable")  # stable: ascending row numbers among equal hashes
    rows = block[order]
    same_hash = h[order][1:] == h[order][:-1]
    same_row = same_hash & (rows[1:] == rows[:-1]).all(axis=1)
    if (same_hash != same_row).any():  # two different rows share a 64-bit hash: sort the rows themselves
        order = np.lexsort(block.T[::-1])  # stable too
        rows = block[order]
        same_row = (rows[1:] == rows[:-1]).all(axis=1)
    starts = np.flatnonzero(np.concatenate(([True], ~same_row)))
    return order.astype(np.int64), starts.astype(np.int64)


def candidate_pair_codes(
    keys: Sequence[str],
    signatures: npt.NDArray[np.uint32],
    threshold: float,
    *,
    storage_config: dict[str, object] | None = None,
    only: npt.NDArray[np.int64] | None = None,
) -> Pairs:
    """Sorted codes ``i * len(keys) + j`` (i < j) of the units whose signatures collide in some band.

    ``only``: just the pairs that involve one of these rows.
    """
    n = len(keys)
    if n < 2:
        return np.empty(0, dtype=np.int64)
    b, r = lsh_params(lsh_threshold(threshold), int(signatures.shape[1]))
    if storage_config is None or storage_config.get("type", "dict") == "dict":
        bands = Bands(signatures, b, r)
        return bands.pairs_from(0, n) if only is None else bands.pairs_with(only)
    return _stored_pairs(keys, signatures, b, r, storage_config, only)


def candidate_pairs(
    keys: Sequence[str],
    signatures: npt.NDArray[np.uint32],
    threshold: float,
    *,
    storage_config: dict[str, object] | None = None,
) -> list[tuple[int, int]]:
    """Index positions ``(i, j)`` with ``i < j`` whose signatures collide in some band."""
    codes = candidate_pair_codes(keys, signatures, threshold, storage_config=storage_config)
    n = len(keys)
    return list(zip((codes // n).tolist(), (codes % n).tolist(), strict=True))


# -- datasketch storage backends (Redis) --------------------------------------------

_QUERY_CHUNK = 2_000  #: bucket reads per pipelined round trip


def index_name(num_perm: int, b: int, r: int, extra: str = "") -> bytes:
    """The name a shared index is stored under: it changes whenever the signatures or bands would."""
    from dupfinder import __version__

    source = Path(__file__).with_name("signatures.py").read_bytes()  # the signature scheme itself
    digest = hashlib.blake2b(source + f"|{__version__}|{num_perm}|{b}|{r}|{extra}".encode(), digest_size=8)
    return b"dupfinder-lsh-" + digest.hexdigest().encode()


def _stored_pairs(
    keys: Sequence[str],
    signatures: npt.NDArray[np.uint32],
    b: int,
    r: int,
    storage_config: dict[str, object],
    only: npt.NDArray[np.int64] | None = None,
) -> Pairs:
    try:
        from datasketch import MinHashLSH
    except ImportError as exc:  # pragma: no cover - datasketch is a dependency
        raise DupfinderError(f"the LSH storage backend needs datasketch: {exc}") from None

    num_perm = int(signatures.shape[1])
    config = dict(storage_config)
    config.setdefault("basename", index_name(num_perm, b, r))
    lsh = MinHashLSH(num_perm=num_perm, params=(b, r), storage_config=config, prepickle=False)
    try:
        return _query_storage(lsh, keys, signatures, only)
    finally:
        _disconnect(lsh)


def _disconnect(lsh: Any) -> None:
    """Close the connections datasketch's storages opened (it has no call for it; left to the
    collector, their sockets would close whenever it next runs, with a ResourceWarning)."""
    for storage in (lsh.keys, *lsh.hashtables):
        client = getattr(storage, "_redis", None)
        if client is not None:
            client.connection_pool.disconnect()


def _query_storage(lsh: Any, keys: Sequence[str], signatures: npt.NDArray[np.uint32],
                   only: npt.NDArray[np.int64] | None) -> Pairs:  # fmt: skip
    from dupfinder.similarity.signatures import lean_minhash

    encoded = [k.encode("utf-8") for k in keys]
    position = {k: i for i, k in enumerate(encoded)}
    # insert what the (possibly shared) index does not hold yet
    missing: list[int] = []
    for lo in range(0, len(encoded), _QUERY_CHUNK):
        chunk = encoded[lo : lo + _QUERY_CHUNK]
        held = lsh.keys.getmany(*chunk)
        missing.extend(lo + i for i, values in enumerate(held) if not values)
    if missing:
        with lsh.insertion_session() as session:
            for i in missing:
                session.insert(encoded[i], lean_minhash(signatures[i]), check_duplication=False)
    n = len(keys)
    rows = np.arange(n, dtype=np.int64) if only is None else np.unique(only)
    found: list[Pairs] = []
    for band, (start, end) in enumerate(lsh.hashranges):
        table = lsh.hashtables[band]
        # the bucket key datasketch stores a band under: its values as big-endian uint32
        band_keys = [bytes(signatures[i, start:end].astype(">u4").data) for i in rows.tolist()]
        for lo in range(0, len(rows), _QUERY_CHUNK):
            buckets = table.getmany(*band_keys[lo : lo + _QUERY_CHUNK])
            for i, members in zip(rows[lo : lo + _QUERY_CHUNK].tolist(), buckets, strict=True):
                partners = np.array([position[m] for m in members if m in position], dtype=np.int64)
                partners = partners[partners != i]
                if len(partners):
                    found.append(np.minimum(partners, i) * n + np.maximum(partners, i))
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def redis_storage_config(url: str) -> dict[str, object]:
    """A datasketch storage config for ``redis://[:password@]host[:port][/db]``, ``rediss://...`` or
    ``unix:///path/to/socket[?db=N]``; raises :class:`DupfinderError` saying what is wrong."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    params: dict[str, object] = {}
    try:
        if scheme in ("redis", "rediss"):
            if not parts.hostname:
                raise ValueError("no host (expected redis://HOST:PORT/DB)")
            params["host"] = parts.hostname
            params["port"] = parts.port or 6379
            db = parts.path.strip("/")
            params["db"] = int(db) if db else 0
            if scheme == "rediss":
                params["ssl"] = True
        elif scheme == "unix":
            if not parts.path:
                raise ValueError("no socket path (expected unix:///path/to/redis.sock)")
            params["unix_socket_path"] = unquote(parts.path)
            params["db"] = int(parse_qs(parts.query).get("db", ["0"])[0])
        else:
            raise ValueError("expected redis://HOST:PORT/DB, rediss://... or unix:///path/to/socket")
    except ValueError as exc:
        raise DupfinderError(f"--lsh-storage {url!r}: {exc}") from None
    if parts.password is not None:
        params["password"] = unquote(parts.password)
    if parts.username:
        params["username"] = unquote(parts.username)
    if not isinstance(params["db"], int) or params["db"] < 0:
        raise DupfinderError(f"--lsh-storage {url!r}: the database number must be 0 or more")
    return {"type": "redis", "redis": params}


def check_storage(storage_config: dict[str, object]) -> None:
    """Fail early, with one line, when the storage backend cannot be used."""
    if storage_config.get("type") != "redis":
        return
    try:
        import redis
        import redis.backoff
        import redis.retry
    except ImportError:
        raise DupfinderError(
            "--lsh-storage redis://... needs the redis package: pip install 'dupfinder[scale]'"
        ) from None
    params = storage_config.get("redis")
    assert isinstance(params, dict)
    try:
        # one try: a server that is not there is a usage error, not something to wait for
        no_retry = redis.retry.Retry(redis.backoff.NoBackoff(), 0)
        with redis.Redis(socket_connect_timeout=5, retry=no_retry, **params) as client:
            client.ping()
    except redis.RedisError as exc:
        where = params.get("unix_socket_path") or f"{params.get('host')}:{params.get('port')}"
        raise DupfinderError(f"cannot use the Redis LSH index at {where}: {exc}") from None


def _pairs_in_runs(order: np.ndarray, starts: np.ndarray, wanted: np.ndarray, n: int) -> list[np.ndarray]:
    """The pair codes ``a * n + c`` of every two rows in one run of equal rows (``order`` grouped in runs
    beginning at ``starts``, ascending within a run: ``a < c``) where one of the two is ``wanted``."""
    found: list[np.ndarray] = []
    sizes = np.diff(np.append(starts, len(order)))
    run_of = np.repeat(np.arange(len(starts)), sizes)
    hit_runs = np.unique(run_of[wanted[order]])
    hit_sizes = sizes[hit_runs]
    hit_runs, hit_sizes = hit_runs[hit_sizes > 1], hit_sizes[hit_sizes > 1]
    for m in np.unique(hit_sizes):
        first = starts[hit_runs[hit_sizes == m]]
        i_off, j_off = np.triu_indices(int(m), k=1)
        a = order[first[:, None] + i_off[None, :]].ravel()
        c = order[first[:, None] + j_off[None, :]].ravel()
        mine = wanted[a] | wanted[c]
        found.append(a[mine] * n + c[mine])
    return found
