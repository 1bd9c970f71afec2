"""The incremental cache: per-file results and similarity graphs, kept between scans.

Analysing a file is a pure function of its bytes, its path and the settings,
so its result is stored under a key made of exactly those: the BLAKE2b digest
of the file's bytes, its path and root, its language, the settings that change
per-file results (:meth:`ScanConfig.signature_settings`, the size limit) and
the *code version* -- dupfinder's version plus a digest of its own source
files, so a new release, a local edit or a third-party language plug-in never
reuses an entry made by other code.  The stored value is the file's
:class:`FileResult` (units with their token hashes, the token stream with its
block fingerprints), the units' MinHash signatures and their content digests;
the stream's tokens are a record of their own under the same key, so that the
CI gate, whose block search extends seeds into a few streams only, reads every
entry with its stream's head (:class:`~dupfinder.model.StreamHead`) and the
tokens of those few streams.
A warm scan reads and hashes each file (about 0.1 ms per file) and parses only
the files whose key is missing.

The similarity graph of the last scan of the same roots is kept too, as a
*snapshot*: the digests of its nodes (a node's content, everything
verification may read) and its verified edges.  Candidate pairs and their
verified similarity are pure functions of the two nodes, so a rescan reuses
every edge between nodes it shares with the snapshot and queries the index
only for its new nodes: a one-file change verifies the pairs of that file's
units, not the corpus's.  Each connected component's groups and each
cluster's category are kept under digests of what they are computed from.

Beside the snapshot, the counts behind the identity weights are kept with the keys of the files the
scan read (:class:`FeatureCounts`): a later scan of the same roots that judges only the pairs around
a few changed files brings them up to date from those files' records instead of counting every
node's features again (:mod:`dupfinder.similarity.weights`).

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
batched in short transactions.  Values are data, never pickles: records in
one frame (magic and version, checksum, payload: JSON, and raw uint32 arrays
for hashes and signatures) that are validated field by field when read; a
record that fails any check is a miss and is written again.  A database SQLite itself reports as damaged ("file is
not a database", "malformed") is moved aside and rebuilt empty, under a lock
file so that concurrent scans rebuild it once.  No cache problem ever fails a
scan: the scan goes on without the cache and logs a warning
(``logging.getLogger("dupfinder.cache")``).

Entries not used for :data:`KEEP_DAYS` days are deleted, at most once a day.

The modules, one job each: :mod:`~dupfinder.cache.keys` derives every key,
:mod:`~dupfinder.cache.codec` frames and checks every record, :mod:`~dupfinder.cache.records`
and :mod:`~dupfinder.cache.memo` encode and decode the records of files, graphs, groups,
categories and results, :mod:`~dupfinder.cache.store` is the database and
:mod:`~dupfinder.cache.derived` keeps groups and categories in it.  This package re-exports
the names the rest of dupfinder uses.
"""

from __future__ import annotations

from dupfinder.cache.derived import CategoryCache, GroupCache
from dupfinder.cache.keys import (
    blob_id,
    code_version,
    content_digest,
    counts_key,
    default_dir,
    file_key,
    file_scope,
    pair_scope,
    result_digest,
    result_key,
    snapshot_key,
    unit_content,
)
from dupfinder.cache.memo import ScanMemo, decode_result, encode_result
from dupfinder.cache.records import (
    CachedFile,
    FeatureCounts,
    Snapshot,
    cacheable,
    decode,
    decode_category,
    decode_groups,
    decode_snapshot,
    decode_tokens,
    encode,
    encode_category,
    encode_groups,
    encode_snapshot,
    snapshot_of,
    stream_head,
)
from dupfinder.cache.store import DB_NAME, KEEP_DAYS, KEEP_SNAPSHOTS, LOCK_NAME, SCHEMA, Blob, Cache

__all__ = [
    "DB_NAME",
    "KEEP_DAYS",
    "KEEP_SNAPSHOTS",
    "LOCK_NAME",
    "SCHEMA",
    "Blob",
    "Cache",
    "CachedFile",
    "CategoryCache",
    "FeatureCounts",
    "GroupCache",
    "ScanMemo",
    "Snapshot",
    "blob_id",
    "cacheable",
    "code_version",
    "content_digest",
    "counts_key",
    "decode",
    "decode_category",
    "decode_groups",
    "decode_result",
    "decode_snapshot",
    "decode_tokens",
    "default_dir",
    "encode",
    "encode_category",
    "encode_groups",
    "encode_result",
    "encode_snapshot",
    "file_key",
    "file_scope",
    "pair_scope",
    "result_digest",
    "result_key",
    "snapshot_key",
    "snapshot_of",
    "stream_head",
    "unit_content",
]
