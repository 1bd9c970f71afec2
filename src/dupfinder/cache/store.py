"""The cache's store: one SQLite database in the cache folder, and its upkeep.

``dupfinder-cache.sqlite`` holds four tables of ``(key, value, used)`` rows: ``files`` (each file's
entry), ``tokens`` (each file's token stream, under the key of its entry, written in the same
transaction), ``snapshots`` (the similarity
graphs, identity counts and results of the last :data:`KEEP_SNAPSHOTS` scans of different roots) and
``derived`` (components' groups, clusters' categories); the values are the records of
:mod:`dupfinder.cache.records` and :mod:`dupfinder.cache.memo`, stored and returned as bytes.  A fifth
table, ``blobs``, maps a file content's git blob id to its content digest and size (``(key, digest,
size, used)``), so that the CI gate keys the files git says are unchanged without reading them.  WAL
mode, so concurrent scans read while one writes, and a scan killed at any point leaves
the last committed state; writes go in short transactions of at most :data:`_CHUNK` rows, reads in
queries of as many keys.  A database SQLite reports as damaged is moved aside and rebuilt empty
under a lock file, once; any other storage error disables the cache for the scan with a warning.
Entries not used for :data:`KEEP_DAYS` days are deleted, at most once a day.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from dupfinder.cache.memo import ScanMemo, decode_result, encode_result
from dupfinder.cache.records import (
    FeatureCounts,
    Snapshot,
    decode_counts,
    decode_snapshot,
    encode_counts,
    encode_snapshot,
)

log = logging.getLogger("dupfinder.cache")
T = TypeVar("T")

#: what reading a file showed of its content: (git blob id, content digest, size), see :meth:`Cache.put_blobs`
Blob = tuple[bytes, bytes, int]

#: bump when the tables or the record format change
SCHEMA = 7
DB_NAME = "dupfinder-cache.sqlite"
LOCK_NAME = "dupfinder-cache.lock"
KEEP_DAYS = 30
KEEP_SNAPSHOTS = 24  #: similarity graphs, identity counts and results of the last scans of different roots
_CHUNK = 500  #: keys per SELECT ... IN (...)
_BUSY_SECONDS = 60.0  #: how long a writer waits for another scan's transaction


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
        self._touched_blobs: list[bytes] = []
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
                    conn.execute("DROP TABLE IF EXISTS tokens")
                    conn.execute("DROP TABLE IF EXISTS blobs")
                    conn.execute("DROP TABLE IF EXISTS snapshots")
                    conn.execute("DROP TABLE IF EXISTS groups")
                    conn.execute("DROP TABLE IF EXISTS derived")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            conn.execute("CREATE TABLE IF NOT EXISTS files (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS tokens (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS blobs (key BLOB PRIMARY KEY, digest BLOB NOT NULL,"
                         " size INTEGER NOT NULL, used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS snapshots (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
            conn.execute("CREATE TABLE IF NOT EXISTS derived (key BLOB PRIMARY KEY, value BLOB NOT NULL,"
                         " used INTEGER NOT NULL) WITHOUT ROWID")  # fmt: skip
        except BaseException:
            conn.close()
            raise
        return conn

    def _call(self, op: Callable[[sqlite3.Connection], T], retry: bool = True) -> T | None:
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

        today = _today()
        rows = self._call(lambda conn: _select_used(conn, "files", keys)) or {}
        self._touched.extend(k for k, (_, used) in rows.items() if used < today)  # marked once a day
        return {k: value for k, (value, _) in rows.items()}

    def get_tokens(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Stored token records by the key of their file's entry, for the keys present (marked used with
        the entries, in :meth:`finish`)."""
        return self._call(lambda conn: _select_in(conn, "tokens", keys)) or {}

    def put_files(self, items: Iterable[tuple[bytes, bytes, bytes | None]], blobs: Iterable[Blob] = ()) -> None:
        """Store ``(key, entry, tokens)`` rows: each entry with its tokens' record (None: no stream), in
        one transaction, so that an entry is never stored without its tokens; and the ``blobs`` of
        the files read for them (see :meth:`put_blobs`)."""
        today = _today()
        rows = list(items)
        self.put_blobs(blobs)
        if not rows:
            return

        def op(conn: sqlite3.Connection) -> None:
            for lo in range(0, len(rows), _CHUNK):
                chunk = rows[lo : lo + _CHUNK]
                with _transaction(conn):
                    conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
                                     [(k, v, today) for k, v, _ in chunk])  # fmt: skip
                    conn.executemany("DELETE FROM tokens WHERE key=?", [(k,) for k, _, t in chunk if t is None])
                    conn.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)",
                                     [(k, t, today) for k, _, t in chunk if t is not None])  # fmt: skip

        self._call(op)

    def get_blobs(self, ids: Sequence[bytes]) -> dict[bytes, tuple[bytes, int]]:
        """``{git blob id: (content digest, size)}`` for the ids stored (marked used once a day, in
        :meth:`finish`); a row whose digest is not 20 bytes or whose size is not a count is left out."""

        def op(conn: sqlite3.Connection) -> list[tuple[bytes, bytes, int, int]]:
            return _rows_in(conn, "SELECT key, digest, size, used FROM blobs WHERE key IN ({marks})", ids)

        today = _today()
        found = self._call(op) or []
        self._touched_blobs.extend(k for k, _, _, used in found if used < today)
        return {k: (d, n) for k, d, n, _ in found if type(d) is bytes and len(d) == 20 and type(n) is int and n >= 0}

    def put_blobs(self, blobs: Iterable[Blob]) -> None:
        """Store ``(git blob id, content digest, size)`` rows of files read now.  Each is a fact about
        the bytes read (both digests are of them), so concurrent scans write the same rows."""
        today = _today()
        rows = [(*blob, today) for blob in dict.fromkeys(blobs)]
        if rows:
            self._call(lambda conn: _write(conn, "INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?)", rows))

    # -- similarity graphs ------------------------------------------------------------

    def get_snapshot(self, key: bytes) -> Snapshot | None:
        row = self._call(lambda conn: conn.execute("SELECT value FROM snapshots WHERE key=?", (key,)).fetchone())
        return decode_snapshot(row[0]) if row else None

    def put_snapshot(self, key: bytes, snapshot: Snapshot) -> None:
        self._put_recent(key, encode_snapshot(snapshot))

    def get_counts(self, key: bytes) -> FeatureCounts | None:
        row = self._call(lambda conn: conn.execute("SELECT value FROM snapshots WHERE key=?", (key,)).fetchone())
        return decode_counts(row[0]) if row else None

    def put_counts(self, key: bytes, counts: FeatureCounts) -> None:
        self._put_recent(key, encode_counts(counts))

    def get_result(self, key: bytes, digest: bytes, file_keys: Sequence[bytes]) -> ScanMemo | None:
        """The last result of the scan ``key`` names, if it was made from input with ``digest``; the
        result and the entries of its files (``file_keys``) count as used today.

        They are marked once a day, on the first use of the result that day (the scan that stored it
        marked them; one whose marks were lost is marked the next day): marking an entry reads it
        whole (its day follows its value in the row), 0.4 s for the 1M-line speed corpus's."""
        row = self._call(lambda conn: conn.execute("SELECT value, used FROM snapshots WHERE key=?", (key,)).fetchone())
        memo = decode_result(row[0], digest) if row else None
        if memo is not None and row is not None and row[1] < _today():
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
            _touch(conn, "tokens", self._touched, today)
            _touch(conn, "blobs", self._touched_blobs, today)
            row = conn.execute("SELECT value FROM meta WHERE key='pruned'").fetchone()
            if row is None or int(row[0]) < today:
                with _transaction(conn):
                    conn.execute("DELETE FROM files WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM tokens WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM blobs WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM snapshots WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("DELETE FROM derived WHERE used<?", (today - KEEP_DAYS,))
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('pruned', ?)", (str(today),))

        self._call(op)
        self._touched = []
        self._touched_blobs = []
        self.close()


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _rows_in(conn: sqlite3.Connection, sql: str, keys: Sequence[bytes]) -> list[Any]:
    """The rows of ``sql`` (a query whose ``IN ({marks})`` takes the keys) for all ``keys``, a few
    hundred keys per query."""
    rows: list[Any] = []
    for lo in range(0, len(keys), _CHUNK):
        chunk = keys[lo : lo + _CHUNK]
        rows += conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    return rows


def _select_in(conn: sqlite3.Connection, table: str, keys: Sequence[bytes]) -> dict[bytes, bytes]:
    """``{key: value}`` of ``table`` for the ``keys`` it holds."""
    return dict(_rows_in(conn, f"SELECT key, value FROM {table} WHERE key IN ({{marks}})", keys))


def _select_used(conn: sqlite3.Connection, table: str, keys: Sequence[bytes]) -> dict[bytes, tuple[bytes, int]]:
    """``{key: (value, day last used)}`` of ``table`` for the ``keys`` it holds."""
    rows = _rows_in(conn, f"SELECT key, value, used FROM {table} WHERE key IN ({{marks}})", keys)
    return {k: (v, u) for k, v, u in rows}


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
