"""The incremental cache: per-file results and similarity graphs, kept between scans.

Analysing a file is a pure function of its bytes, its path and the settings,
so its result is stored under a key made of exactly those: the BLAKE2b digest
of the file's bytes, its path and root, its language, the settings that change
per-file results (:meth:`ScanConfig.signature_settings`, the size limit) and
the *code version* -- dupfinder's version plus a digest of its own source
files, so a new release, a local edit or a third-party language plug-in never
reuses an entry made by other code.  The stored value is the file's
:class:`FileResult` (units with their token hashes) and the units' MinHash
signatures.  A warm scan reads and hashes each file (about 0.1 ms per file)
and parses only the files whose key is missing.

The similarity graph of the last scan of the same roots is kept too, as a
*snapshot*: the digests of its nodes (a node's content, everything
verification may read) and its verified edges.  Candidate pairs and their
verified similarity are pure functions of the two nodes, so a rescan reuses
every edge between nodes it shares with the snapshot and queries the index
only for its new nodes: a one-file change verifies the pairs of that file's
units, not the corpus's.  Each connected component's groups and each
cluster's category are kept under digests of what they are computed from.

Beside the snapshot, the scan's *result* before teams and categories (its
clusters with their code, statistics and imports) is kept under the digest
of all its input: every file's key, discovery's skips, the similarity
settings and the code version.  A rescan of the same input (CI on a change
that touched no scanned file) takes it as it is, reading no file record and
clustering nothing; any other rescan goes the incremental way above.  It is
not kept when a file was skipped for a reason of the moment (a time-out).

Storage: one SQLite database, ``dupfinder-cache.sqlite`` in the cache folder,
in WAL mode, so concurrent scans read while one writes, and a scan killed at
any point (SIGINT, SIGKILL) leaves the last committed state; writes are
batched in short transactions.  Values are data, never pickles: a small
binary record (magic, checksum, JSON header, raw uint32 arrays) that is
validated field by field when read; a record that fails any check is a miss
and is written again.  A database SQLite itself reports as damaged ("file is
not a database", "malformed") is moved aside and rebuilt empty, under a lock
file so that concurrent scans rebuild it once.  No cache problem ever fails a
scan: the scan goes on without the cache and logs a warning
(``logging.getLogger("dupfinder.cache")``).

Entries not used for :data:`KEEP_DAYS` days are deleted, at most once a day.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import struct
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import orjson

from dupfinder.cache.keys import (
    category_key,
    category_scope,
    code_version,
    content_digest,
    default_dir,
    derived_key,
    file_key,
    file_scope,
    pair_scope,
    result_digest,
    result_key,
    snapshot_key,
    unit_digest,
)
from dupfinder.model import Cluster, ClusterId, FileResult, Fingerprint, Instance, ScanStats, Skip, Unit
from dupfinder.rules import Evidence

log = logging.getLogger("dupfinder.cache")
V = TypeVar("V")

#: bump when the tables or the record format change
SCHEMA = 3
DB_NAME = "dupfinder-cache.sqlite"
LOCK_NAME = "dupfinder-cache.lock"
KEEP_DAYS = 30
KEEP_SNAPSHOTS = 16  #: similarity graphs and results of the last scans of different roots
_MAGIC = b"DFC1"
_CHUNK = 500  #: keys per SELECT ... IN (...)
_BUSY_SECONDS = 60.0  #: how long a writer waits for another scan's transaction

#: skip reasons that depend on the moment, not on the file: never cached
_TRANSIENT = ("timed out", "unreadable")


# -- records --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedFile:
    """What a file's entry holds."""

    result: FileResult
    signatures: bytes  #: one little-endian uint32 row of ``num_perm`` values per unit


def cacheable(result: FileResult) -> bool:
    """Whether a result may be reused: not a skip that depends on the moment."""
    return result.skip is None or not result.skip.reason.startswith(_TRANSIENT)


def encode(result: FileResult, signatures: bytes) -> bytes:
    units = [
        [u.root, u.language, u.name, u.kind, u.start_line, u.end_line, u.fingerprint, u.n_tokens,
         list(u.identifiers), list(u.calls), None if u.imports == result.imports else list(u.imports)]
        for u in result.units
    ]  # fmt: skip
    header = json.dumps(
        {
            "lines": result.lines,
            "skip": None if result.skip is None else result.skip.reason,
            "imports": list(result.imports),
            "units": units,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    body = struct.pack("<I", len(header)) + header + b"".join(u.token_hashes for u in result.units) + signatures
    return _MAGIC + hashlib.blake2b(body, digest_size=8).digest() + body


class _Bad(Exception):
    """A record that fails validation."""


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad
    return value


def _strs(value: object) -> tuple[str, ...]:
    if type(value) is not list:
        raise _Bad
    try:
        "".join(value)  # every element a string, checked in C (a million per rescan)
    except TypeError:
        raise _Bad from None
    return tuple(value)


def _int(value: object) -> int:
    if type(value) is not int or value < 0:
        raise _Bad
    return value


def decode(blob: bytes, path: str, num_perm: int) -> CachedFile | None:
    """The entry in ``blob`` for the file at ``path``, or None if the record is damaged in any way."""
    try:
        if len(blob) < 16 or blob[:4] != _MAGIC:
            raise _Bad
        body = memoryview(blob)[12:]
        if hashlib.blake2b(body, digest_size=8).digest() != blob[4:12]:
            raise _Bad
        (header_len,) = struct.unpack_from("<I", body)
        header = json.loads(bytes(body[4 : 4 + header_len]).decode("utf-8", "surrogatepass"))
        if not isinstance(header, dict):
            raise _Bad
        imports = _strs(header["imports"])
        skip_reason = header["skip"]
        raw_units = header["units"]
        if not isinstance(raw_units, list):
            raise _Bad
        offset = 4 + header_len
        units: list[Unit] = []
        for raw in raw_units:
            if not isinstance(raw, list) or len(raw) != 11:
                raise _Bad
            root, language, name, kind, start, end, fp, n_tokens, ids, calls, own_imports = raw
            n = _int(n_tokens)
            token_hashes = bytes(body[offset : offset + 4 * n])
            if len(token_hashes) != 4 * n:
                raise _Bad
            offset += 4 * n
            if name is not None:
                _str(name)
            units.append(
                Unit(
                    path=path,
                    root=_str(root),
                    language=_str(language),
                    name=name,
                    kind=_str(kind),
                    start_line=_int(start),
                    end_line=_int(end),
                    fingerprint=Fingerprint(_str(fp)),
                    token_hashes=token_hashes,
                    identifiers=_strs(ids),
                    calls=_strs(calls),
                    imports=imports if own_imports is None else _strs(own_imports),
                )
            )
        signatures = bytes(body[offset:])
        if len(signatures) != 4 * num_perm * len(units):
            raise _Bad
        if skip_reason is not None:
            if units:
                raise _Bad
            skip: Skip | None = Skip(path, _str(skip_reason))
        else:
            skip = None
        result = FileResult(path, units=tuple(units), lines=_int(header["lines"]), skip=skip, imports=imports)
        return CachedFile(result, signatures)
    except (_Bad, KeyError, ValueError, TypeError, UnicodeError, struct.error, RecursionError):
        return None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A scan's similarity graph: node digests and verified edges between them (indices into ``digests``)."""

    digests: tuple[bytes, ...]  #: 16 bytes each, see :func:`unit_digest`
    edges: tuple[tuple[int, int, float], ...]


_SNAPSHOT_MAGIC = b"DFS1"


def encode_snapshot(snapshot: Snapshot) -> bytes:
    edges = snapshot.edges
    body = (
        struct.pack("<II", len(snapshot.digests), len(edges))
        + b"".join(snapshot.digests)
        + struct.pack(f"<{2 * len(edges)}I", *(x for i, j, _ in edges for x in (i, j)))
        + struct.pack(f"<{len(edges)}d", *(sim for _, _, sim in edges))
    )
    return _SNAPSHOT_MAGIC + hashlib.blake2b(body, digest_size=8).digest() + body


def decode_snapshot(blob: bytes) -> Snapshot | None:
    """The snapshot in ``blob``, or None if it is damaged in any way."""
    try:
        if len(blob) < 20 or blob[:4] != _SNAPSHOT_MAGIC:
            return None
        body = memoryview(blob)[12:]
        if hashlib.blake2b(body, digest_size=8).digest() != blob[4:12]:
            return None
        n, e = struct.unpack_from("<II", body)
        if len(body) != 8 + 16 * n + 8 * e + 8 * e:
            return None
        raw = bytes(body[8 : 8 + 16 * n])
        digests = tuple(raw[k : k + 16] for k in range(0, len(raw), 16))
        ends = struct.unpack_from(f"<{2 * e}I", body, 8 + 16 * n)
        sims = struct.unpack_from(f"<{e}d", body, 8 + 16 * n + 8 * e)
        if any(x >= n for x in ends):
            return None
        return Snapshot(digests, tuple(zip(ends[0::2], ends[1::2], sims, strict=True)))
    except (struct.error, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class ScanMemo:
    """What a whole scan found before teams and categories, kept with the digest of all its input: a
    rescan of the same files with the same settings and code takes it as it is."""

    stats: ScanStats
    clusters: tuple[Cluster, ...]
    file_imports: dict[str, tuple[str, ...]]


_RESULT_MAGIC = b"DFR1"


class _Strings:
    """A table of the distinct strings of a record: identifiers, calls and imports repeat across copies
    and files, so a record stores each once and lists of their numbers (a third of the size)."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}

    def of(self, values: Iterable[str]) -> list[int]:
        number = self.number
        return [number.setdefault(v, len(number)) for v in values]


def _instance_row(i: Instance, strings: _Strings) -> list[object]:
    return [i.path, i.start_line, i.end_line, i.name, i.language, i.root, i.fingerprint, i.similarity, i.team,
            i.code, strings.of(i.identifiers), strings.of(i.calls), strings.of(i.imports)]  # fmt: skip


def encode_result(digest: bytes, memo: ScanMemo) -> bytes:
    st = memo.stats
    strings = _Strings()
    clusters = [[c.id, c.similarity, [_instance_row(i, strings) for i in c.instances], c.category,
                 c.category_confidence, list(c.evidence)] for c in memo.clusters]  # fmt: skip
    imports = [[path, strings.of(imports)] for path, imports in memo.file_imports.items()]
    payload = [[st.files, st.units, st.lines, [[s.path, s.reason] for s in st.skipped]], list(strings.number),
               clusters, imports]  # fmt: skip
    try:
        body = orjson.dumps(payload)
    except TypeError:  # a lone surrogate (an undecodable file name): the standard library escapes it
        body = json.dumps(payload, separators=(",", ":")).encode("ascii")
    return _RESULT_MAGIC + digest + hashlib.blake2b(body, digest_size=8).digest() + body


def _opt_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _instance_of(row: object, table: tuple[str, ...]) -> Instance:
    if not isinstance(row, list) or len(row) != 13:
        raise _Bad
    path, start, end, name, language, root, fp, sim, team, code, ids, calls, imports = row
    return Instance(path=_str(path), start_line=_int(start), end_line=_int(end), name=_opt_str(name),
                    language=_str(language), root=_str(root), fingerprint=Fingerprint(_str(fp)),
                    similarity=_float(sim), team=_opt_str(team), code=_str(code),
                    identifiers=_looked_up(ids, table), calls=_looked_up(calls, table),
                    imports=_looked_up(imports, table))  # fmt: skip


def _looked_up(numbers: object, table: tuple[str, ...]) -> tuple[str, ...]:
    if type(numbers) is not list or (numbers and not 0 <= min(numbers) <= max(numbers) < len(table)):
        raise _Bad
    return tuple(map(table.__getitem__, numbers))


def decode_result(blob: bytes, digest: bytes) -> ScanMemo | None:
    """The memo in ``blob`` if it was made from input with ``digest``; None if not, or if damaged."""
    head = len(_RESULT_MAGIC) + len(digest)
    if len(blob) < head + 8 or blob[: len(_RESULT_MAGIC)] != _RESULT_MAGIC or blob[len(_RESULT_MAGIC) : head] != digest:
        return None
    body = memoryview(blob)[head + 8 :]
    if hashlib.blake2b(body, digest_size=8).digest() != blob[head : head + 8]:
        return None
    try:
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:  # an escaped lone surrogate (an undecodable file name), which orjson refuses
            raw = json.loads(bytes(body).decode("utf-8"))
        (files, units, lines, skipped), raw_table, raw_clusters, raw_imports = raw
        stats = ScanStats(files=_int(files), units=_int(units), lines=_int(lines),
                          skipped=tuple(Skip(_str(p), _str(r)) for p, r in skipped))  # fmt: skip
        table = _strs(raw_table)
        clusters = []
        for cid, sim, instances, category, confidence, evidence in raw_clusters:
            clusters.append(Cluster(id=ClusterId(_str(cid)), similarity=_float(sim),
                                    instances=tuple(_instance_of(i, table) for i in instances),
                                    category=_opt_str(category), category_confidence=_float(confidence),
                                    evidence=_strs(evidence)))  # fmt: skip
        file_imports = {_str(path): _looked_up(imports, table) for path, imports in raw_imports}
        return ScanMemo(stats, tuple(clusters), file_imports)
    except (ValueError, TypeError, _Bad):
        return None


# -- the store ----------------------------------------------------------------------


def _today() -> int:
    return int(time.time() // 86_400)


def _is_damage(exc: sqlite3.Error) -> bool:
    """An error that means the database file is damaged (not busy, not unwritable)."""
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return "malformed" in message or "not a database" in message or "disk image" in message
    return isinstance(exc, sqlite3.DatabaseError)


class Cache:
    """The cache folder's database; every method swallows storage errors (a miss, a lost write)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, DB_NAME)
        self.disabled = False
        self.rebuilt = False  #: the database was found damaged and rebuilt during this scan
        self._conn: sqlite3.Connection | None = None
        self._touched: list[bytes] = []
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            self._disable(f"cannot create the cache folder {directory}: {exc.strerror or exc}")
            return
        self._call(lambda conn: None)

    # -- connection and recovery --------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
            row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or row[0] != str(SCHEMA):
                with _transaction(conn):
                    conn.execute("DROP TABLE IF EXISTS files")
                    conn.execute("DROP TABLE IF EXISTS snapshots")
                    conn.execute("DROP TABLE IF EXISTS groups")
                    conn.execute("DROP TABLE IF EXISTS derived")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            conn.execute("CREATE TABLE IF NOT EXISTS files (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS snapshots (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS derived (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
        except BaseException:
            conn.close()
            raise
        return conn

    def _call(self, op, retry: bool = True):  # type: ignore[no-untyped-def]
        """Run ``op(connection)``; rebuild a damaged database once; give up (disable) on other errors."""
        if self.disabled:
            return None
        try:
            if self._conn is None:
                self._conn = self._connect()
            return op(self._conn)
        except sqlite3.Error as exc:
            if _is_damage(exc) and retry:
                log.warning("dupfinder: the cache %s is damaged (%s); rebuilding it", self.path, exc)
                if self._rebuild():
                    return self._call(op, retry=False)
            elif isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
                log.warning("dupfinder: the cache %s stayed locked by another scan; going on without it", self.path)
            self._disable(f"cannot use the cache {self.path}: {exc}")
            return None

    def _disable(self, message: str) -> None:
        log.warning("dupfinder: %s; scanning without the cache", message)
        self.disabled = True
        self.close()

    def _rebuild(self) -> bool:
        self.close()
        try:
            with _locked(os.path.join(self.directory, LOCK_NAME)):
                if not self._damaged():
                    return True  # another scan rebuilt it meanwhile
                stamp = f"{int(time.time())}-{os.getpid()}"
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        if suffix:
                            os.unlink(self.path + suffix)
                        else:
                            os.replace(self.path, f"{self.path}.damaged-{stamp}")
                for old in Path(self.directory).glob(DB_NAME + ".damaged-*"):
                    if not old.name.endswith(stamp):
                        with contextlib.suppress(OSError):
                            old.unlink()  # keep only the latest damaged copy, for a bug report
            self.rebuilt = True
            return True
        except OSError as exc:
            log.warning("dupfinder: cannot rebuild the cache %s: %s", self.path, exc)
            return False

    def _damaged(self) -> bool:
        try:
            conn = sqlite3.connect(self.path, timeout=_BUSY_SECONDS)
        except sqlite3.Error:
            return True
        try:
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
            return row is None or row[0] != "ok"
        except sqlite3.Error:
            return True
        finally:
            conn.close()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    # -- files ----------------------------------------------------------------------

    def get_files(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Stored records by key, for the keys present."""

        found = self._call(lambda conn: _select_in(conn, "files", keys)) or {}
        self._touched.extend(found)
        return found

    def put_files(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        rows = [(k, v, _today()) for k, v in items]
        if rows:
            self._call(lambda conn: _write(conn, "INSERT OR REPLACE INTO files VALUES (?, ?, ?)", rows))

    # -- similarity graphs ------------------------------------------------------------

    def get_snapshot(self, key: bytes) -> Snapshot | None:
        row = self._call(lambda conn: conn.execute("SELECT value FROM snapshots WHERE key=?", (key,)).fetchone())
        return decode_snapshot(row[0]) if row else None

    def put_snapshot(self, key: bytes, snapshot: Snapshot) -> None:
        self._put_recent(key, encode_snapshot(snapshot))

    def get_result(self, key: bytes, digest: bytes, file_keys: Sequence[bytes]) -> ScanMemo | None:
        """The last result of the scan ``key`` names, if it was made from input with ``digest``; the
        result and the entries of its files (``file_keys``) count as used today."""
        row = self._call(lambda conn: conn.execute("SELECT value FROM snapshots WHERE key=?", (key,)).fetchone())
        memo = decode_result(row[0], digest) if row else None
        if memo is not None:
            self._call(lambda conn: _touch(conn, "snapshots", [key], _today()))
            self._touched.extend(file_keys)
        return memo

    def put_result(self, key: bytes, digest: bytes, memo: ScanMemo) -> None:
        self._put_recent(key, encode_result(digest, memo))

    def _put_recent(self, key: bytes, blob: bytes) -> None:
        """Store a per-scan entry (a graph, a result) among the most recently used few."""

        def op(conn: sqlite3.Connection) -> None:
            with _transaction(conn):
                conn.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)", (key, blob, _today()))
                # the most recently used ones only: a snapshot is as large as a scan's graph
                conn.execute("DELETE FROM snapshots WHERE key NOT IN"
                             " (SELECT key FROM snapshots ORDER BY used DESC LIMIT ?)", (KEEP_SNAPSHOTS,))  # fmt: skip

        self._call(op)

    # -- results derived from content: components' groups, clusters' categories -------

    def get_derived(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Stored values by key, for the keys present (and marked used today)."""

        def op(conn: sqlite3.Connection) -> dict[bytes, bytes]:
            found = _select_in(conn, "derived", keys)
            _touch(conn, "derived", list(found), _today())
            return found

        return self._call(op) or {}

    def put_derived(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        rows = [(k, v, _today()) for k, v in items]
        if rows:
            self._call(lambda conn: _write(conn, "INSERT OR REPLACE INTO derived VALUES (?, ?, ?)", rows))

    # -- upkeep ---------------------------------------------------------------------

    def finish(self) -> None:
        """Mark the entries this scan used, drop old ones (once a day), and close."""
        today = _today()

        def op(conn: sqlite3.Connection) -> None:
            _touch(conn, "files", self._touched, today)
            row = conn.execute("SELECT value FROM meta WHERE key='pruned'").fetchone()
            if row is None or int(row[0]) < today:
                with _transaction(conn):
                    conn.execute("DELETE FROM files WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM snapshots WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM derived WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('pruned', ?)", (str(today),))

        self._call(op)
        self._touched = []
        self.close()


def encode_groups(groups: Sequence[tuple[int, Sequence[int], Sequence[float]]]) -> bytes:
    return json.dumps([[c, list(m), list(sims)] for c, m, sims in groups], separators=(",", ":")).encode()


def decode_groups(blob: bytes) -> list[tuple[int, list[int], list[float]]] | None:
    """The groups in ``blob``, or None if it is damaged in any way."""
    try:
        raw = json.loads(blob)
        out: list[tuple[int, list[int], list[float]]] = []
        for centre, members, sims in raw:
            members = [_int(m) for m in members]
            sims = [_float(x) for x in sims]
            if _int(centre) not in members or len(members) < 2 or len(sims) != len(members):
                return None
            out.append((centre, members, sims))
        return out
    except (ValueError, TypeError, _Bad):
        return None


def encode_category(found: tuple[str | None, float, Evidence]) -> bytes:
    category, confidence, e = found
    evidence = [e.confidence, list(e.names), list(e.calls), list(e.identifiers), list(e.imports), e.named,
                [[cid, conf] for cid, conf in e.candidates]]  # fmt: skip
    return json.dumps([category, confidence, evidence], separators=(",", ":"), ensure_ascii=False).encode()


def _float(value: object) -> float:
    if type(value) not in (int, float) or not 0.0 <= value <= 1.0:  # type: ignore[operator]
        raise _Bad
    return float(value)  # type: ignore[arg-type]


def decode_category(blob: bytes) -> tuple[str | None, float, Evidence] | None:
    """What :func:`dupfinder.rules.categorize` returned, or None if ``blob`` is damaged in any way."""
    try:
        category, confidence, (conf, names, calls, idents, imports, named, candidates) = json.loads(blob)
        if category is not None:
            _str(category)
        if type(named) is not bool:
            raise _Bad
        evidence = Evidence(
            confidence=_float(conf),
            names=_strs(names),
            calls=_strs(calls),
            identifiers=_strs(idents),
            imports=_strs(imports),
            named=named,
            candidates=tuple((_str(cid), _float(c)) for cid, c in candidates),
        )
        return category, _float(confidence), evidence
    except (ValueError, TypeError, _Bad):
        return None


class _Derived(Generic[V]):
    """Values computed from content, kept in the ``derived`` table under digests of their inputs and
    a scope (the code and settings they also depend on); damaged entries read as missing."""

    namespace = b""

    def __init__(self, cache: Cache, scope: bytes) -> None:
        self.cache, self.scope = cache, scope

    def _key(self, key: bytes) -> bytes:
        return derived_key(self.namespace, self.scope, key)

    def _encode(self, value: V) -> bytes:
        raise NotImplementedError

    def _decode(self, blob: bytes) -> V | None:
        raise NotImplementedError

    def get(self, keys: Sequence[bytes]) -> dict[bytes, V]:
        scoped = {self._key(k): k for k in keys}
        out: dict[bytes, V] = {}
        for stored_key, blob in self.cache.get_derived(list(scoped)).items():
            value = self._decode(blob)
            if value is not None:
                out[scoped[stored_key]] = value
        return out

    def put(self, items: Sequence[tuple[bytes, V]]) -> None:
        self.cache.put_derived([(self._key(k), self._encode(v)) for k, v in items])


class GroupCache(_Derived[list[tuple[int, list[int], list[float]]]]):
    """:class:`dupfinder.similarity.cluster.GroupStore` on the cache: the groups of each connected component."""

    namespace = b"groups"

    def _encode(self, value: list[tuple[int, list[int], list[float]]]) -> bytes:
        return encode_groups(value)

    def _decode(self, blob: bytes) -> list[tuple[int, list[int], list[float]]] | None:
        return decode_groups(blob)


class CategoryCache(_Derived[tuple[str | None, float, Evidence]]):
    """Each cluster's category (:func:`dupfinder.rules.categorize`), remembered by what it is computed from:
    the copies' names, identifiers, calls and imports, the categories' rules and dupfinder's code."""

    namespace = b"categories"

    def __init__(self, cache: Cache, categories: Sequence[object]) -> None:
        super().__init__(cache, category_scope(categories))

    def key(self, cluster: Cluster) -> bytes:
        return category_key(cluster)

    def _encode(self, value: tuple[str | None, float, Evidence]) -> bytes:
        return encode_category(value)

    def _decode(self, blob: bytes) -> tuple[str | None, float, Evidence] | None:
        return decode_category(blob)


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _select_in(conn: sqlite3.Connection, table: str, keys: Sequence[bytes]) -> dict[bytes, bytes]:
    """``{key: value}`` of ``table`` for the ``keys`` it holds, a few hundred keys per query."""
    found: dict[bytes, bytes] = {}
    for lo in range(0, len(keys), _CHUNK):
        chunk = keys[lo : lo + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", chunk).fetchall())
    return found


def _touch(conn: sqlite3.Connection, table: str, keys: Sequence[bytes], today: int) -> None:
    """Mark ``keys`` of ``table`` used ``today`` (entries unused for KEEP_DAYS are dropped)."""
    for lo in range(0, len(keys), _CHUNK):
        chunk = keys[lo : lo + _CHUNK]
        marks = ",".join("?" * len(chunk))
        with _transaction(conn):
            conn.execute(f"UPDATE {table} SET used=? WHERE used<? AND key IN ({marks})", (today, today, *chunk))


def _write(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    for lo in range(0, len(rows), _CHUNK):
        with _transaction(conn):
            conn.executemany(sql, rows[lo : lo + _CHUNK])


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` between processes (where the platform has ``flock``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: rebuilds are not serialised
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


__all__ = [
    "Cache",
    "CachedFile",
    "CategoryCache",
    "GroupCache",
    "ScanMemo",
    "Snapshot",
    "cacheable",
    "code_version",
    "content_digest",
    "decode",
    "default_dir",
    "encode",
    "file_key",
    "file_scope",
    "pair_scope",
    "result_digest",
    "result_key",
    "snapshot_key",
    "unit_digest",
]
