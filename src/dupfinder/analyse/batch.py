"""The per-file stage over many files: batches on an executor, with the cache in front.

Per-file work -- read, parse, normalise, and the units' MinHash signatures --
runs in batches on an :class:`~dupfinder.executors.Executor` (this process, a
local process pool, or a Dask cluster: the same functions either way).
Results stream back in path order, so output never depends on scheduling and
memory holds units, never parse trees.  With a cache folder
(:mod:`dupfinder.cache`) each file is first read and hashed here; files whose
key is stored are not sent to the workers at all.  Where git says a tracked
file is unchanged (the CI gate: ``blobs``), its key comes from its blob id and
the cache's blob table instead, with one ``stat``.  Cost: O(files) cache
look-ups, then one analysis per file that is not cached.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dupfinder import cache as cache_mod
from dupfinder.analyse.file import analyse_file
from dupfinder.config import ScanConfig
from dupfinder.errors import InputError
from dupfinder.executors import Runners, SerialExecutor
from dupfinder.model import FileResult, SourceFile, StreamHead, TokenStream
from dupfinder.similarity import blocks, signatures
from dupfinder.similarity.normalize import vocabulary
from dupfinder.support.progress import Progress


@dataclass(frozen=True, slots=True)
class Keyed:
    """Every file's cache key and what the file was when keyed (None, None for one that cannot be read)."""

    keys: list[bytes | None]
    seen: list[tuple[int, int, int] | None]  #: (size, mtime_ns, inode)
    #: what reading showed of each file, for the cache's blob table (None: not read here, keyed by its
    #: git blob id; or unreadable, or over the size limit)
    blobs: list[cache_mod.Blob | None]


_MAX_BATCH = 64  #: files per task


_WRITE_EVERY = 256  #: cache entries per write transaction


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
    contents: bytes  #: each unit's content digest (:func:`dupfinder.cache.unit_content`)
    record: tuple[bytes, bytes | None] | None  #: the cache records (entry, tokens), when they may be stored


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def with_marks(result: FileResult) -> FileResult:
    """``result`` with its stream's block fingerprints (the block search's first step, done here on the
    workers, and kept in the file's cache record)."""
    stream = result.stream
    if stream is None or stream.marks or not len(stream):
        return result
    norm, raw = np.frombuffer(stream.norm, dtype="<u4"), np.frombuffer(stream.raw, dtype="<u4")
    return replace(result, stream=replace(stream, marks=blocks.pack_marks(blocks.stream_marks(norm, raw))))


def _analyse_batch(batch: _Batch) -> list[_Done]:
    """Analyse a batch of files and sign their units (one vectorised MinHash pass for the batch)."""
    config = batch.config
    results: list[tuple[FileResult, bool]] = []
    for source, seen in zip(batch.files, batch.seen, strict=True):
        before = _stat(source.abspath)
        result = with_marks(analyse_file(source, config))
        stable = seen is not None and before == seen == _stat(source.abspath)
        results.append((result, stable and cache_mod.cacheable(result)))
    done: list[_Done] = []
    for (result, storable), (sigs, contents) in zip(results, signed([r for r, _ in results], config), strict=True):
        record = cache_mod.encode(result, sigs, contents) if batch.encode and storable else None
        done.append(_Done(result, sigs, contents, record))
    return done


def signed(results: Sequence[FileResult], config: ScanConfig) -> list[tuple[bytes, bytes]]:
    """Each result's units' MinHash signatures and content digests, as its cache record keeps them
    (one vectorised MinHash pass for all the results)."""
    units = [u for r in results for u in r.units]
    words = [vocabulary(u.identifiers) for u in units]
    rows = signatures.signatures_of(
        [u.token_hashes for u in units], config.shingle, config.num_perm, words=words
    ).astype("<u4", copy=False)
    out: list[tuple[bytes, bytes]] = []
    at = 0
    for result in results:
        out.append(
            (rows[at : at + len(result.units)].tobytes(), b"".join(cache_mod.unit_content(u) for u in result.units))
        )
        at += len(result.units)
    return out


def _read_key(source: SourceFile, scope: bytes, limit: int
              ) -> tuple[bytes | None, tuple[int, int, int] | None, cache_mod.Blob | None]:  # fmt: skip
    """The file's cache key, what it was when read and its blob, or Nones when it cannot be read now
    (no blob for a file over ``limit``: only its first bytes were read)."""
    try:
        fd = os.open(source.abspath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None, None, None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, None, None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError:
        return None, None, None
    finally:
        os.close(fd)
    content = cache_mod.content_digest(data)
    key = cache_mod.file_key(scope, source.path, source.root, source.language, content)
    blob = (cache_mod.blob_id(data), content, len(data)) if len(data) <= limit else None
    return key, (st.st_size, st.st_mtime_ns, st.st_ino), blob


def _blob_key(source: SourceFile, scope: bytes, limit: int, known: tuple[bytes, int]
              ) -> tuple[bytes | None, tuple[int, int, int] | None]:  # fmt: skip
    """The key of a file whose content git says is a blob the cache knows (``known``: its content digest
    and size), without reading it; (None, None) when the file is not a regular file of that size, as
    when a filter, an end-of-line conversion or ``ident`` makes the working tree's bytes other than
    the blob's: those only ever add bytes to a blob, or take them out of a working-tree file, so the
    same size means the same bytes."""
    digest, size = known
    try:
        st = os.lstat(source.abspath)
    except OSError:
        return None, None
    if not stat.S_ISREG(st.st_mode) or st.st_size != size or size > limit:
        return None, None
    key = cache_mod.file_key(scope, source.path, source.root, source.language, digest)
    return key, (st.st_size, st.st_mtime_ns, st.st_ino)


def _batches(files: Sequence[tuple[SourceFile, tuple[int, int, int] | None]], config: ScanConfig, workers: int,
             encode: bool) -> Iterator[_Batch]:  # fmt: skip
    size = max(1, min(_MAX_BATCH, len(files) // (workers * 8) if workers > 1 else _MAX_BATCH))
    for lo in range(0, len(files), size):
        part = files[lo : lo + size]
        yield _Batch(tuple(f for f, _ in part), tuple(s for _, s in part), config, encode)


def file_keys(files: Sequence[SourceFile], config: ScanConfig, cache: cache_mod.Cache | None = None,
              blobs: Mapping[str, bytes] | None = None) -> Keyed:  # fmt: skip
    """Every file's cache key and what the file was when keyed (None, None for one that cannot be read).

    ``blobs``: path -> git blob id of the files whose working-tree bytes git says are that blob's (see
    :func:`dupfinder.gate.gitdiff.unchanged_blobs`); those whose blob ``cache`` knows are keyed from it
    with a ``stat`` instead of being read and hashed.  The blobs of the other files git named, read
    here, are stored in ``cache`` for the next run.
    """
    scope, limit = cache_mod.file_scope(config), config.max_file_bytes
    wanted = blobs or {}
    known = cache.get_blobs(sorted(set(wanted.values()))) if cache is not None and wanted else {}
    keys: list[bytes | None] = []
    seen: list[tuple[int, int, int] | None] = []
    read: list[cache_mod.Blob | None] = []
    asked: list[cache_mod.Blob] = []
    for source in files:
        blob = wanted.get(source.path)
        stored = known.get(blob) if blob is not None else None
        key, st = _blob_key(source, scope, limit, stored) if stored is not None else (None, None)
        got = None
        if key is None:
            key, st, got = _read_key(source, scope, limit)
            if got is not None and blob is not None:
                asked.append(got)
        keys.append(key)
        seen.append(st)
        read.append(got)
    if cache is not None and asked:
        cache.put_blobs(asked)
    return Keyed(keys, seen, read)


@dataclass(frozen=True, slots=True)
class Analysed:
    """A file's result, as analysed now or as its cache record keeps it."""

    result: FileResult
    signatures: bytes  #: little-endian uint32, num_perm per unit
    contents: bytes  #: each unit's content digest (:func:`dupfinder.cache.unit_content`), 16 bytes each
    reusable: bool  #: the result came from the cache or may be stored in it (not a skip of the moment)
    #: the stream's head when ``result`` came from the cache without its stream (``analysed(tokens=False)``)
    head: StreamHead | None = None


def analysed(
    files: Sequence[SourceFile],
    config: ScanConfig,
    progress: Progress | None,
    runners: Runners,
    cache: cache_mod.Cache | None,
    keyed: Keyed | None = None,
    tokens: bool = True,
) -> Iterator[Analysed]:
    """Every file's :class:`Analysed`, in the order of ``files``.

    ``keyed``: the files' keys from :func:`file_keys`, when the caller has read them already;
    ``tokens=False``: a file's stream that comes from the cache comes without its tokens (its head only:
    the caller fetches the tokens it needs with :func:`stored_streams`).
    """
    cached: dict[int, cache_mod.CachedFile] = {}
    keys: list[bytes | None] = [None] * len(files)
    seen: list[tuple[int, int, int] | None] = [None] * len(files)
    read: list[cache_mod.Blob | None] = [None] * len(files)
    if cache is not None:
        keyed = keyed if keyed is not None else file_keys(files, config)
        keys, seen, read = keyed.keys, keyed.seen, keyed.blobs
        present = [k for k in keys if k is not None]
        stored = cache.get_files(present)
        token_records = cache.get_tokens([k for k in present if k in stored]) if tokens else {}
        for n, key in enumerate(keys):
            blob = stored.get(key) if key is not None else None
            if blob is not None:
                entry = cache_mod.decode(blob, files[n].path, config.num_perm)
                if entry is not None and tokens and entry.head is not None:
                    # a stream is part of the result: without a sound record of its tokens, the file is a miss
                    record = token_records.get(key) if key is not None else None
                    entry = cache_mod.decode(blob, files[n].path, config.num_perm, record) if record else None
                if entry is not None:
                    cached[n] = entry
    misses = [(files[n], seen[n]) for n in range(len(files)) if n not in cached]
    encode = cache is not None and not cache.disabled
    runner = runners.get(len(misses)) if misses else SerialExecutor()
    work: Iterator[_Done] = (
        done for batch in runner.map(_analyse_batch, _batches(misses, config, runner.workers, encode))
        for done in batch
    )  # fmt: skip
    pending: list[tuple[bytes, bytes, bytes | None]] = []
    pending_blobs: list[cache_mod.Blob] = []
    try:
        for n in range(len(files)):
            entry = cached.get(n)
            head = None
            if entry is not None:
                result, sigs, contents, reusable = entry.result, entry.signatures, entry.contents, True
                head = entry.head if result.stream is None else None
            else:
                done = next(work)
                result, sigs, contents = done.result, done.signatures, done.contents
                reusable = cache_mod.cacheable(result)
                key = keys[n]
                if cache is not None and done.record is not None and key is not None:
                    pending.append((key, *done.record))
                    if (content := read[n]) is not None:
                        pending_blobs.append(content)
                    if len(pending) >= _WRITE_EVERY:
                        cache.put_files(pending, pending_blobs)
                        pending, pending_blobs = [], []
            if progress:
                progress("parse", n + 1, len(files))
            yield Analysed(result, sigs, contents, reusable, head)
    finally:
        runners.idle()
        if cache is not None and pending:
            cache.put_files(pending, pending_blobs)


def stored_streams(wanted: Sequence[tuple[SourceFile, bytes | None, StreamHead]], config: ScanConfig,
                   cache: cache_mod.Cache | None) -> list[TokenStream]:  # fmt: skip
    """The token streams of files whose results :func:`analysed` gave without them (``tokens=False``):
    ``(file, its cache key, the head it gave)`` -> each stream, from the cache's record of its tokens,
    or from analysing the file again where that record is missing or damaged (the same stream, as the
    file's key says its bytes are those of the record's; a file that changed since is an
    :class:`~dupfinder.errors.InputError`)."""
    keys = [key for _, key, _ in wanted if key is not None]
    stored = cache.get_tokens(keys) if cache is not None and keys else {}
    out: list[TokenStream] = []
    for source, key, head in wanted:
        record = stored.get(key) if key is not None else None
        stream = cache_mod.decode_tokens(record, head) if record is not None else None
        if stream is None:
            again = with_marks(analyse_file(source, config)).stream
            if again is None or cache_mod.stream_head(again) != head:
                raise InputError(f"{source.path} changed while it was scanned; run the scan again")
            stream = again
        out.append(stream)
    return out


def analyse_all(
    files: Sequence[SourceFile], config: ScanConfig, progress: Progress | None = None
) -> Iterator[FileResult]:
    """FileResults in the order of ``files``, computed in a process pool when worthwhile."""
    runners = Runners(None, config.jobs, None)
    try:
        for done in analysed(files, config, progress, runners, None):
            yield done.result
    finally:
        runners.close()
