"""The scan pipeline: discover -> analyse (parallel, cached) -> signatures -> index -> verify -> cluster.

Each stage is a function of the previous stage's values; this module only
wires them together.

Per-file work -- read, parse, normalise, and the units' MinHash signatures --
runs in batches on an :class:`~dupfinder.executors.Executor` (this process, a
local process pool, or a Dask cluster: the same functions either way).
Results stream back in path order, so output never depends on scheduling and
memory holds units, never parse trees.  With a cache folder
(:mod:`dupfinder.cache`) each file is first read and hashed here; files whose
key is stored are not sent to the workers at all.

The similarity half works on compact arrays: units with the same
fingerprint form one node, the nodes' signatures go through the LSH index
(:mod:`dupfinder.similarity.index`: in memory, or a shared Redis index), candidate pairs
are verified (:mod:`dupfinder.similarity.verify`) and the verified graph is clustered
(:mod:`dupfinder.similarity.cluster`).  Many candidate pairs are verified on the
executor, one range of nodes per worker.  With a cache, the last similarity
graph of the same roots is reused: its edges between nodes that are still
there stand, and only pairs with a new node are looked up and verified, which
gives the same edges as verifying everything (a pair's candidacy and
similarity depend on its two nodes only).  Nodes that are neither repeated nor
linked to another node cannot join a cluster and are left out of that last
step.  Cost: O(files) for the cache look-ups, O(new units x bands) index
queries on a rescan; a cold scan costs as many verifications as the index
returns candidate pairs.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np
import numpy.typing as npt

from dupfinder import cache as cache_mod
from dupfinder.similarity import signatures
from dupfinder.analyse.file import analyse_file, read_text
from dupfinder.similarity.cluster import Measure, build_clusters
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import Discovery, discover
from dupfinder.errors import DupfinderError, InputError
from dupfinder.executors import KINDS, DaskExecutor, Executor, LocalExecutor, SerialExecutor, make_executor
from dupfinder.similarity.index import (
    Bands,
    Pairs,
    candidate_pair_codes,
    check_storage,
    lsh_params,
    lsh_threshold,
    redis_storage_config,
)
from dupfinder.model import Cluster, FileResult, ScanResult, ScanStats, Skip, SourceFile, Unit
from dupfinder.similarity.normalize import vocabulary
from dupfinder.similarity.verify import Verifier

#: progress callback: (stage, done, total)
Progress = Callable[[str, int, int], None]

_SERIAL_BELOW = 32  #: files; a pool costs more than it saves for tiny inputs
_MAX_BATCH = 64  #: files per task
_WRITE_EVERY = 256  #: cache entries per write transaction
_PAIRS_PER_CHUNK = 1_000_000  #: candidate pairs generated at a time (bounds memory: ~100 MB)
_PARALLEL_VERIFY = 200_000  #: fewer candidate pairs are verified in this process

Signatures = npt.NDArray[np.uint32]


# -- per-file work (runs on the workers) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Batch:
    """Files for one task, with what the main process saw of each (to notice a file changing meanwhile)."""

    files: tuple[SourceFile, ...]
    seen: tuple[tuple[int, int, int] | None, ...]  #: (size, mtime_ns, inode) when hashed, or None
    config: ScanConfig
    encode: bool  #: also return the cache records


@dataclass(frozen=True, slots=True)
class _Done:
    result: FileResult
    signatures: bytes  #: little-endian uint32, num_perm per unit
    record: bytes | None  #: the cache record, when it may be stored


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _analyse_batch(batch: _Batch) -> list[_Done]:
    """Analyse a batch of files and sign their units (one vectorised MinHash pass for the batch)."""
    config = batch.config
    results: list[tuple[FileResult, bool]] = []
    for source, seen in zip(batch.files, batch.seen, strict=True):
        before = _stat(source.abspath)
        result = analyse_file(source, config)
        stable = seen is not None and before == seen == _stat(source.abspath)
        results.append((result, stable and cache_mod.cacheable(result)))
    units = [u for r, _ in results for u in r.units]
    words = [vocabulary(u.identifiers) for u in units]
    rows = signatures.signatures_of(
        [u.token_hashes for u in units], config.shingle, config.num_perm, words=words
    ).astype("<u4", copy=False)
    done: list[_Done] = []
    at = 0
    for result, storable in results:
        sigs = rows[at : at + len(result.units)].tobytes()
        at += len(result.units)
        record = cache_mod.encode(result, sigs) if batch.encode and storable else None
        done.append(_Done(result, sigs, record))
    return done


# -- analysis with the cache and an executor ------------------------------------------


def _read_key(source: SourceFile, scope: bytes, limit: int) -> tuple[bytes | None, tuple[int, int, int] | None]:
    """The file's cache key and what it was when read, or (None, None) when it cannot be read now."""
    try:
        fd = os.open(source.abspath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None, None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None, None
    finally:
        os.close(fd)
    key = cache_mod.file_key(scope, source.path, source.root, source.language, cache_mod.content_digest(data))
    return key, (st.st_size, st.st_mtime_ns, st.st_ino)


def _batches(files: Sequence[tuple[SourceFile, tuple[int, int, int] | None]], config: ScanConfig, workers: int,
             encode: bool) -> Iterator[_Batch]:  # fmt: skip
    size = max(1, min(_MAX_BATCH, len(files) // (workers * 8) if workers > 1 else _MAX_BATCH))
    for lo in range(0, len(files), size):
        part = files[lo : lo + size]
        yield _Batch(tuple(f for f, _ in part), tuple(s for _, s in part), config, encode)


class _Runners:
    """The executor of a scan, made when first needed and shared by its stages."""

    def __init__(self, executor: str | Executor | None, config: ScanConfig, scheduler: str | None) -> None:
        if isinstance(executor, str) and executor not in KINDS:
            raise DupfinderError(f"--executor must be one of {', '.join(KINDS)}, got {executor!r}")
        if scheduler and executor not in ("dask", None) and not isinstance(executor, DaskExecutor):
            raise DupfinderError("--scheduler needs --executor dask")
        self._given = executor if executor is not None and not isinstance(executor, str) else None
        self._kind = "dask" if scheduler and executor is None else (executor if isinstance(executor, str) else "local")
        self._config = config
        self._scheduler = scheduler
        self._made: Executor | None = None

    def get(self, items: int) -> Executor:
        """The executor for ``items`` pieces of work (this process for a few, locally)."""
        if self._given is not None:
            return self._given
        if self._made is not None:
            return self._made
        if self._kind == "local" and items < _SERIAL_BELOW:
            return SerialExecutor()
        self._made = make_executor(self._kind, self._config.jobs, self._scheduler, items=items)
        return self._made

    def idle(self) -> None:
        """Between stages: a local pool's processes go (a cluster stays for the next stage)."""
        if isinstance(self._made, LocalExecutor):
            self._made.close()

    def close(self) -> None:
        if self._made is not None:
            self._made.close()
            self._made = None


def _file_keys(
    files: Sequence[SourceFile], config: ScanConfig
) -> tuple[list[bytes | None], list[tuple[int, int, int] | None]]:
    """Every file's cache key and what the file was when read (None, None for one that cannot be read)."""
    scope = cache_mod.file_scope(config)
    pairs = [_read_key(source, scope, config.max_file_bytes) for source in files]
    return [k for k, _ in pairs], [s for _, s in pairs]


def _analysed(
    files: Sequence[SourceFile],
    config: ScanConfig,
    progress: Progress | None,
    runners: _Runners,
    cache: cache_mod.Cache | None,
    keyed: tuple[list[bytes | None], list[tuple[int, int, int] | None]] | None = None,
) -> Iterator[tuple[FileResult, bytes, bool]]:
    """``(FileResult, unit signatures, reusable)`` for every file, in the order of ``files``.

    ``reusable``: the result came from the cache or may be stored in it (not a skip of the moment).
    ``keyed``: the files' keys from :func:`_file_keys`, when the caller has read them already.
    """
    cached: dict[int, cache_mod.CachedFile] = {}
    keys: list[bytes | None] = [None] * len(files)
    seen: list[tuple[int, int, int] | None] = [None] * len(files)
    if cache is not None:
        keys, seen = keyed if keyed is not None else _file_keys(files, config)
        stored = cache.get_files([k for k in keys if k is not None])
        for n, key in enumerate(keys):
            blob = stored.get(key) if key is not None else None
            if blob is not None:
                entry = cache_mod.decode(blob, files[n].path, config.num_perm)
                if entry is not None:
                    cached[n] = entry
    misses = [(files[n], seen[n]) for n in range(len(files)) if n not in cached]
    encode = cache is not None and not cache.disabled
    runner = runners.get(len(misses)) if misses else SerialExecutor()
    work: Iterator[_Done] = (
        done for batch in runner.map(_analyse_batch, _batches(misses, config, runner.workers, encode))
        for done in batch
    )  # fmt: skip
    pending: list[tuple[bytes, bytes]] = []
    try:
        for n in range(len(files)):
            entry = cached.get(n)
            if entry is not None:
                result, sigs, reusable = entry.result, entry.signatures, True
            else:
                done = next(work)
                result, sigs = done.result, done.signatures
                reusable = cache_mod.cacheable(result)
                key = keys[n]
                if cache is not None and done.record is not None and key is not None:
                    pending.append((key, done.record))
                    if len(pending) >= _WRITE_EVERY:
                        cache.put_files(pending)
                        pending = []
            if progress:
                progress("parse", n + 1, len(files))
            yield result, sigs, reusable
    finally:
        runners.idle()
        if cache is not None and pending:
            cache.put_files(pending)


def analyse_all(
    files: Sequence[SourceFile], config: ScanConfig, progress: Progress | None = None
) -> Iterator[FileResult]:
    """FileResults in the order of ``files``, computed in a process pool when worthwhile."""
    runners = _Runners(None, config, None)
    try:
        for result, _, _ in _analysed(files, config, progress, runners, None):
            yield result
    finally:
        runners.close()


# -- the similarity half ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Graph:
    """What verification needs of every node (shared by the workers)."""

    signatures: Signatures  #: each node's MinHash row
    language: npt.NDArray[np.int64]  #: each node's language, numbered
    threshold: float
    bands: tuple[int, int]  #: (b, r) of the index
    verifier: Verifier  #: each node's representative, prepared for verification


def _verify_pairs(graph: _Graph, codes: Iterable[Pairs]) -> list[tuple[int, int, float]]:
    """Verified edges among candidate pair codes, in code order."""
    n = len(graph.language)
    out: list[tuple[int, int, float]] = []
    for chunk in codes:
        first, second = chunk // n, chunk % n
        same = graph.language[first] == graph.language[second]  # clones never cross languages
        a, b, sims = graph.verifier.verify(first[same], second[same], graph.threshold)
        out.extend(zip(a.tolist(), b.tolist(), sims.tolist(), strict=True))
    return out


def _verify_span(graph: _Graph, span: tuple[int, int]) -> list[tuple[int, int, float]]:
    """On a worker: the candidate pairs whose smaller node is in ``span``, found and verified."""
    bands = Bands(graph.signatures, *graph.bands)
    return _verify_pairs(graph, bands.chunks(_PAIRS_PER_CHUNK, *span))


def _verify_codes(graph: _Graph, codes: Pairs) -> list[tuple[int, int, float]]:
    return _verify_pairs(graph, (codes,))


def _verified(
    graph: _Graph, bands: Bands | None, codes: Pairs | None, runners: _Runners | None
) -> list[tuple[int, int, float]]:
    """Verified edges, sorted by pair: of all candidate pairs of ``bands``, or of ``codes``.

    Many candidates are verified on the executor, one task per worker (a
    range of nodes, whose pairs the worker finds itself from the shared
    signatures), because preparing a unit for verification costs as much as
    a few dozen comparisons: each worker prepares each unit at most once.
    """
    expected = int(bands.partners().sum()) if bands is not None else len(codes if codes is not None else ())
    runner: Executor = SerialExecutor()
    if runners is not None and expected >= _PARALLEL_VERIFY:
        runner = runners.get(_SERIAL_BELOW + expected // _PARALLEL_VERIFY)
    parts = runner.workers if runner.distributed else 1
    if bands is not None:
        spans = bands.spans(parts)
        if parts == 1:
            return _verify_pairs(graph, bands.chunks(_PAIRS_PER_CHUNK))
        return [edge for part in runner.map_shared(_verify_span, graph, spans) for edge in part]
    assert codes is not None
    if parts == 1:
        return _verify_codes(graph, codes)
    pieces = np.array_split(codes, parts)
    return [edge for part in runner.map_shared(_verify_codes, graph, pieces) for edge in part]


def _clusters(
    units: Sequence[Unit],
    unit_signatures: Signatures | None,
    config: ScanConfig,
    storage_config: dict[str, object] | None,
    cache: cache_mod.Cache | None,
    runners: _Runners | None,
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
            graph = _Graph(sigs, language, config.threshold, bands_rows, everyone)
            fresh = _verified(graph, bands, None, runners)
        else:  # only the units in these pairs are prepared for verification
            n = len(reps)
            involved = np.union1d(codes // n, codes % n)
            graph = _Graph(sigs, language, config.threshold, bands_rows, Verifier.only(reps, involved))
            fresh = _verified(graph, None, codes, runners)
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
    _runners: _Runners | None = None,
) -> tuple[Cluster, ...]:
    """Clusters among ``units``: the similarity half of the pipeline.

    ``unit_signatures``: the units' MinHash rows when already computed (one
    per unit, in order); ``cache`` with ``snapshot_name`` (the scan's base and
    roots): where the last similarity graph of that scan is kept and reused;
    ``executor``: where many candidate pairs are verified in parallel.
    """
    runners = _runners if _runners is not None else (_Runners(executor, config, None) if executor else None)
    return _clusters(units, unit_signatures, config, storage_config, cache, runners, snapshot_name)


def attach_code(clusters: Sequence[Cluster], base: str) -> tuple[Cluster, ...]:
    """Clusters whose instances carry their source text (read once per file)."""
    texts: dict[str, list[str] | None] = {}
    out: list[Cluster] = []
    for c in clusters:
        instances = []
        for inst in c.instances:
            if inst.path not in texts:
                text = read_text(os.path.join(base, inst.path), inst.language)
                texts[inst.path] = None if text is None else text.split("\n")
            lines = texts[inst.path]
            code = "" if lines is None else "\n".join(lines[inst.start_line - 1 : inst.end_line])
            instances.append(replace(inst, code=code))
        out.append(replace(c, instances=tuple(instances)))
    return tuple(out)


# -- wiring -------------------------------------------------------------------------------


def _storage(lsh_storage: str | Mapping[str, object] | None) -> dict[str, object] | None:
    if lsh_storage is None or lsh_storage == "memory":
        return None
    storage = redis_storage_config(lsh_storage) if isinstance(lsh_storage, str) else dict(lsh_storage)
    check_storage(storage)
    return storage


def scan_discovered(
    disc: Discovery,
    config: ScanConfig,
    progress: Progress | None = None,
    *,
    cache_dir: str | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    lsh_storage: str | Mapping[str, object] | None = None,
    units_out: list[Unit] | None = None,
) -> ScanResult:
    """Analyse and cluster discovered files; see :func:`scan` for the keyword arguments.

    ``units_out``: a list that receives every unit of the scan (the baseline records them all).
    """
    storage_config = _storage(lsh_storage)
    runners = _Runners(executor, config, scheduler)
    cache = cache_mod.Cache(cache_dir) if cache_dir else None
    units: list[Unit] = units_out if units_out is not None else []
    sig_parts: list[bytes] = []
    skipped = list(disc.skipped)
    file_imports: dict[str, tuple[str, ...]] = {}
    files = lines = 0
    # a rescan of exactly the same input takes the last result of this scan as it is
    memo_key = digest = b""
    keyed = None
    if cache is not None and not cache.disabled and units_out is None:
        keyed = _file_keys(disc.files, config)
        if all(k is not None for k in keyed[0]):
            memo_key = cache_mod.result_key(config, disc.base, disc.roots)
            file_keys = [k for k in keyed[0] if k is not None]
            digest = cache_mod.result_digest(config, file_keys, disc.skipped)
            memo = cache.get_result(memo_key, digest, file_keys)
            if memo is not None:
                cache.finish()
                return _result(disc, config, memo)
    reusable = True
    try:
        for res, sigs, ok in _analysed(disc.files, config, progress, runners, cache, keyed):
            reusable = reusable and ok
            if res.skip is not None:
                skipped.append(res.skip)
                continue
            files += 1
            lines += res.lines
            units.extend(res.units)
            sig_parts.append(sigs)
            if res.imports:
                file_imports[res.path] = res.imports
        unit_sigs = np.frombuffer(b"".join(sig_parts), dtype="<u4").reshape(-1, config.num_perm)
        del sig_parts
        found = find_clusters(units, config, storage_config, unit_signatures=unit_sigs, cache=cache,
                              snapshot_name=(disc.base, *disc.roots), _runners=runners)  # fmt: skip
        clusters = attach_code(found, disc.base)
        stats = ScanStats(files=files, units=len(units), lines=lines,
                          skipped=tuple(sorted(skipped, key=lambda s: (s.path, s.reason))))  # fmt: skip
        memo = cache_mod.ScanMemo(stats, clusters, file_imports)
        if cache is not None and memo_key and reusable:
            cache.put_result(memo_key, digest, memo)
    finally:
        runners.close()
        if cache is not None:
            cache.finish()
    return _result(disc, config, memo)


def _result(disc: Discovery, config: ScanConfig, memo: cache_mod.ScanMemo) -> ScanResult:
    return ScanResult(roots=disc.roots, stats=memo.stats, clusters=memo.clusters, base=disc.base,
                      settings=config.as_dict(), file_imports=memo.file_imports)  # fmt: skip


# -- discovery, one task per root on a cluster ---------------------------------------------


def _posix_rel(path: str, base: str) -> str:
    rel = os.path.relpath(path, base)
    return PurePosixPath(*Path(rel).parts).as_posix() if rel != "." else "."


def _prefixed(prefix: str, rel: str) -> str:
    if rel == ".":
        return prefix
    return rel if prefix == "." else f"{prefix}/{rel}"


@dataclass(frozen=True, slots=True)
class _RootDiscovery:
    disc: Discovery
    inodes: tuple[tuple[int, int] | None, ...]  #: (device, inode) of each file, in ``disc.files`` order


def _discover_root(task: tuple[str, ScanConfig]) -> _RootDiscovery:
    root, config = task
    disc = discover([root], config)
    inodes: list[tuple[int, int] | None] = []
    for f in disc.files:
        try:
            st = os.stat(f.abspath)
            inodes.append((st.st_dev, st.st_ino))
        except OSError:
            inodes.append(None)
    return _RootDiscovery(disc, tuple(inodes))


def discover_distributed(paths: Sequence[str], config: ScanConfig, executor: Executor) -> Discovery:
    """:func:`discover` with one task per root on ``executor``; the same files, skips and paths.

    Each root is walked on a worker; the walks are merged here in root order,
    with the rules :func:`discover` applies across roots (a file reached
    twice, through two roots or a hard link, is scanned once).
    """
    if not paths:
        raise InputError("no path to scan")
    for p in paths:  # the same checks, messages and exit codes as a local walk, before any task starts
        if not os.path.exists(p):
            discover([p], config)  # raises the InputError for this path
    roots = sorted({os.path.abspath(p) for p in paths})
    dirs = [r if os.path.isdir(r) else os.path.dirname(r) for r in roots]
    base = os.path.commonpath(dirs)
    files: dict[str, SourceFile] = {}
    skipped: dict[tuple[str, str], Skip] = {}
    seen: set[tuple[int, int]] = set()
    for root, part in zip(roots, executor.map(_discover_root, [(r, config) for r in roots]), strict=True):
        prefix = _posix_rel(part.disc.base, base)
        root_label = _posix_rel(root, base)
        for s in part.disc.skipped:
            path = _prefixed(prefix, s.path)
            skipped[(path, s.reason)] = Skip(path, s.reason)
        for f, inode in zip(part.disc.files, part.inodes, strict=True):
            path = _prefixed(prefix, f.path)
            if inode is not None and inode in seen:
                skipped[(path, "same file already scanned through another link")] = Skip(
                    path, "same file already scanned through another link"
                )
                continue
            if inode is not None:
                seen.add(inode)
            files[path] = replace(f, path=path, root=root_label)
    return Discovery(
        base=base,
        roots=tuple(_posix_rel(r, base) for r in roots),
        files=tuple(sorted(files.values(), key=lambda f: f.path)),
        skipped=tuple(sorted(skipped.values(), key=lambda s: (s.path, s.reason))),
    )


def scan(
    paths: Sequence[str],
    config: ScanConfig | None = None,
    progress: Progress | None = None,
    *,
    cache_dir: str | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    lsh_storage: str | Mapping[str, object] | None = None,
) -> ScanResult:
    """Scan ``paths`` (files or directories) and return clusters of similar code.

    ``cache_dir``: a folder for the incremental cache (:mod:`dupfinder.cache`);
    None scans without one.  ``executor``: ``"local"`` (a process pool of
    ``config.jobs`` processes, the default), ``"dask"`` (a Dask cluster at
    ``scheduler``, or a ``LocalCluster`` without one), or an
    :class:`~dupfinder.executors.Executor`.  ``lsh_storage``:
    ``"redis://host:port/db"`` (or a datasketch storage config) to keep the LSH
    index in a shared Redis; None keeps it in memory.  None of them changes
    the result.
    """
    config = config or ScanConfig()
    if executor == "dask" and len(paths) > 1:  # one cluster for discovery and analysis
        runner = make_executor("dask", config.jobs, scheduler)
        try:
            disc = discover_distributed(paths, config, runner)
            return scan_discovered(disc, config, progress, cache_dir=cache_dir, executor=runner,
                                   lsh_storage=lsh_storage)  # fmt: skip
        finally:
            runner.close()
    if isinstance(executor, DaskExecutor) and len(paths) > 1:
        disc = discover_distributed(paths, config, executor)
    else:
        disc = discover(paths, config)
    return scan_discovered(disc, config, progress, cache_dir=cache_dir, executor=executor, scheduler=scheduler,
                           lsh_storage=lsh_storage)  # fmt: skip
