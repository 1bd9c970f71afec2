"""The records of the cache's values, each in the frame of :mod:`dupfinder.cache.codec`.

* a file's entry (``DFC5``): a JSON header (lines, skip, imports, units' fields, the stream's length, and
  the small units' fields when there are any: :attr:`~dupfinder.model.FileResult.small_units`),
  then the units' token hashes, MinHash signatures and content digests as raw little-endian uint32 arrays, the
  stream's block fingerprints as packed and its rarity terms (:class:`~dupfinder.model.StreamHead`) as uint32;
* a file's tokens (``DFT1``), kept apart from its entry (a search around a few files reads them for the
  files it extends seeds into only): the stream's normalised hashes, raw hashes and lines as uint32;
* a similarity graph (``DFS1``): node and edge counts, the 16-byte node digests, the edges' ends as
  uint32 and their similarities as float64;
* a component's groups (``DFG1``) and a cluster's category (``DFK1``): JSON;
* the identity features' counts of a scan (``DFW1``): a JSON header (the files' paths, the number of
  nodes, the features and their counts), then the files' 20-byte keys.

Each decoder checks every field and returns None for a record that fails any check; decoding costs
one pass over the record.  The scan result's record is in :mod:`dupfinder.cache.memo`.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import orjson

from dupfinder.cache.codec import Bad, Kind, check_of, fraction, frame, int_, read, str_, strs
from dupfinder.model import Evidence, FileResult, Fingerprint, Skip, StreamHead, TokenStream, Unit

FILE = Kind(b"C", 5)
TOKENS = Kind(b"T", 1)
SNAPSHOT = Kind(b"S", 1)
GROUPS = Kind(b"G", 2)
CATEGORY = Kind(b"K", 1)
COUNTS = Kind(b"W", 1)

#: skip reasons that depend on the moment, not on the file: never cached
_TRANSIENT = ("timed out", "unreadable")

Groups = list[
    tuple[int, list[int], list[float], float]
]  #: a component's groups: (centre, members, similarities, weakest)
Categorized = tuple[str | None, float, Evidence]  #: what :func:`dupfinder.rules.categorize` returns


def _loads(raw: bytes) -> object:
    """The JSON value in ``raw`` (UTF-8, lone surrogates passed through): orjson's parse, several times
    faster than the standard library's, which takes what orjson refuses (a lone surrogate)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode("utf-8", "surrogatepass"))


# -- a file's entry -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedFile:
    """What a file's entry holds."""

    result: FileResult  #: its ``stream`` only when the tokens' record was given and sound
    signatures: bytes  #: one little-endian uint32 row of ``num_perm`` values per unit
    contents: bytes  #: each unit's :func:`~dupfinder.cache.keys.unit_content`, 16 bytes each
    head: StreamHead | None = None  #: the file's stream before its tokens (None: the file has no stream)


def cacheable(result: FileResult) -> bool:
    """Whether a result may be reused: not a skip that depends on the moment."""
    return result.skip is None or not result.skip.reason.startswith(_TRANSIENT)


def stream_head(stream: TokenStream) -> StreamHead:
    """What :class:`~dupfinder.model.StreamHead` keeps of ``stream``."""
    norm, raw = np.frombuffer(stream.norm, dtype="<u4"), np.frombuffer(stream.raw, dtype="<u4")
    terms = np.unique(raw[raw != norm]).astype("<u4", copy=False)
    return StreamHead(len(stream), stream.marks, terms.tobytes(), check_of(stream.norm, stream.raw, stream.lines))


def encode(result: FileResult, signatures: bytes, contents: bytes) -> tuple[bytes, bytes | None]:
    """The file's entry, and the record of its stream's tokens (None when it has no stream)."""
    units = [
        [u.root, u.language, u.name, u.kind, u.start_line, u.end_line, u.fingerprint, u.n_tokens,
         list(u.identifiers), list(u.calls), None if u.imports == result.imports else list(u.imports),
         list(u.literals), list(u.forwarded)]
        for u in result.units
    ]  # fmt: skip
    small = [
        [u.root, u.language, u.name, u.kind, u.start_line, u.end_line, list(u.identifiers), list(u.calls),
         None if u.imports == result.imports else list(u.imports)]
        for u in result.small_units
    ]  # fmt: skip
    head = None if result.stream is None else stream_head(result.stream)
    header = json.dumps(
        {
            "lines": result.lines,
            "skip": None if result.skip is None else result.skip.reason,
            "imports": list(result.imports),
            "units": units,
            "stream": None if head is None else head.length,
            "marks": 0 if head is None else len(head.marks),
            "terms": 0 if head is None else len(head.terms) // 4,
            "check": 0 if head is None else head.check,
            **({"small": small} if small else {}),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    if len(contents) != 16 * len(result.units):
        raise ValueError("a 16-byte content digest per unit")
    body = (
        struct.pack("<I", len(header)) + header + b"".join(u.token_hashes for u in result.units) + signatures
        + contents + (b"" if head is None else head.marks + head.terms)
    )  # fmt: skip
    stream = result.stream
    tokens = None if stream is None else frame(TOKENS, stream.norm + stream.raw + stream.lines)
    return frame(FILE, body), tokens


def decode(blob: bytes, path: str, num_perm: int, tokens: bytes | None = None) -> CachedFile | None:
    """The entry in ``blob`` for the file at ``path``, or None if the record is damaged in any way;
    with ``tokens`` (the record of its stream's tokens) its result holds the stream, or None is returned
    when that record is damaged or not the stream's."""
    entry = read(FILE, blob, lambda body: _file_of(body, path, num_perm))
    if entry is None or tokens is None or entry.head is None:
        return entry
    stream = decode_tokens(tokens, entry.head)
    return None if stream is None else replace(entry, result=replace(entry.result, stream=stream))


def decode_tokens(blob: bytes, head: StreamHead) -> TokenStream | None:
    """The stream whose tokens the record ``blob`` keeps, with ``head``'s fingerprints, or None if it is
    damaged or not the tokens ``head`` was made from."""
    return read(TOKENS, blob, lambda body: _tokens_of(body, head), check=head.check)


def _tokens_of(body: memoryview, head: StreamHead) -> TokenStream:
    n = head.length
    if len(body) != 12 * n:
        raise Bad
    return TokenStream(bytes(body[: 4 * n]), bytes(body[4 * n : 8 * n]), bytes(body[8 * n :]), head.marks)


def _file_of(body: memoryview, path: str, num_perm: int) -> CachedFile:
    (header_len,) = struct.unpack_from("<I", body)
    header = _loads(bytes(body[4 : 4 + header_len]))
    if not isinstance(header, dict):
        raise Bad
    imports = strs(header["imports"])
    skip_reason = header["skip"]
    raw_units = header["units"]
    if not isinstance(raw_units, list):
        raise Bad
    offset = 4 + header_len
    units: list[Unit] = []
    for raw in raw_units:
        if not isinstance(raw, list) or len(raw) != 13:
            raise Bad
        n = int_(raw[7])
        token_hashes = bytes(body[offset : offset + 4 * n])
        if len(token_hashes) != 4 * n:
            raise Bad
        offset += 4 * n
        units.append(_unit_of(raw, path, imports, token_hashes))
    signatures = bytes(body[offset : offset + 4 * num_perm * len(units)])
    if len(signatures) != 4 * num_perm * len(units):
        raise Bad
    offset += len(signatures)
    contents = bytes(body[offset : offset + 16 * len(units)])
    if len(contents) != 16 * len(units):
        raise Bad
    offset += len(contents)
    head = _head_of(body[offset:], header["stream"], int_(header["marks"]), int_(header["terms"]), header["check"])
    if skip_reason is not None:
        if units:
            raise Bad
        skip: Skip | None = Skip(path, str_(skip_reason))
    else:
        skip = None
    small = header.get("small", [])
    if not isinstance(small, list) or (small and skip is not None):
        raise Bad
    result = FileResult(path, units=tuple(units), lines=int_(header["lines"]), skip=skip, imports=imports,
                        small_units=tuple(_small_of(raw, path, imports) for raw in small))  # fmt: skip
    return CachedFile(result, signatures, contents, head)


def _small_of(raw: object, path: str, imports: tuple[str, ...]) -> Unit:
    """A small unit of a file's entry (no tokens: see :attr:`~dupfinder.model.FileResult.small_units`)."""
    if not isinstance(raw, list) or len(raw) != 9:
        raise Bad
    root, language, name, kind, start, end, ids, calls, own_imports = raw
    return _unit_of([root, language, name, kind, start, end, "", 0, ids, calls, own_imports, [], []], path, imports,
                    b"")  # fmt: skip


def _head_of(rest: memoryview, count: object, marks: int, terms: int, check: object) -> StreamHead | None:
    if count is None:
        if len(rest) or marks or terms:
            raise Bad
        return None
    n = int_(count)
    if len(rest) != marks + 4 * terms or marks % 20 or int_(check) > 0xFFFFFFFF:
        raise Bad
    return StreamHead(n, bytes(rest[:marks]), bytes(rest[marks:]), int_(check))


def _unit_of(raw: list[object], path: str, imports: tuple[str, ...], token_hashes: bytes) -> Unit:
    root, language, name, kind, start, end, fp, _, ids, calls, own_imports, literals, forwarded = raw
    # the four string lists checked at once, in C (a rescan decodes every unit of the code base)
    if type(ids) is not list or type(calls) is not list or type(literals) is not list or type(forwarded) is not list:
        raise Bad
    try:
        "".join(ids + calls + literals + forwarded)
    except TypeError:
        raise Bad from None
    # the scalar fields' checks written out (those of codec.str_, opt_str and int_): no call per field
    if type(root) is not str or type(language) is not str or type(kind) is not str or type(fp) is not str:
        raise Bad
    if not (name is None or type(name) is str) or type(start) is not int or type(end) is not int:
        raise Bad
    if start < 0 or end < 0:
        raise Bad
    return Unit(path, root, language, name, kind, start, end, Fingerprint(fp), token_hashes, tuple(ids),
                tuple(calls), imports if own_imports is None else strs(own_imports), tuple(literals),
                tuple(forwarded))  # fmt: skip


# -- a similarity graph ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A scan's similarity graph: node digests and verified edges between them (indices into ``digests``)."""

    digests: tuple[bytes, ...]  #: each node's content digest (:func:`~dupfinder.cache.keys.unit_content`)
    ends: npt.NDArray[np.uint32]  #: one row (i, j) per edge, i < j
    sims: npt.NDArray[np.float64]  #: each edge's verified similarity


def snapshot_of(digests: tuple[bytes, ...], edges: Sequence[tuple[int, int, float]]) -> Snapshot:
    """The snapshot of a graph whose edges are (i, j, similarity) triples."""
    ends = np.array([(i, j) for i, j, _ in edges], dtype=np.uint32).reshape(-1, 2)
    return Snapshot(digests, ends, np.fromiter((sim for _, _, sim in edges), dtype=np.float64, count=len(edges)))


def encode_snapshot(snapshot: Snapshot) -> bytes:
    ends, sims = snapshot.ends.astype("<u4", copy=False), snapshot.sims.astype("<f8", copy=False)
    body = struct.pack("<II", len(snapshot.digests), len(sims)) + b"".join(snapshot.digests) + ends.tobytes()
    return frame(SNAPSHOT, body + sims.tobytes())


def decode_snapshot(blob: bytes) -> Snapshot | None:
    """The snapshot in ``blob``, or None if it is damaged in any way."""
    return read(SNAPSHOT, blob, _snapshot_of)


def _snapshot_of(body: memoryview) -> Snapshot:
    n, e = struct.unpack_from("<II", body)
    if len(body) != 8 + 16 * n + 8 * e + 8 * e:
        raise Bad
    raw = bytes(body[8 : 8 + 16 * n])
    digests = tuple(raw[k : k + 16] for k in range(0, len(raw), 16))
    # each array is read in one piece (a graph has some 140,000 edges on a million lines)
    ends = np.frombuffer(body, dtype="<u4", count=2 * e, offset=8 + 16 * n).astype(np.uint32).reshape(-1, 2)
    sims = np.frombuffer(body, dtype="<f8", count=e, offset=8 + 16 * n + 8 * e).astype(np.float64)
    if e and int(ends.max()) >= n:
        raise Bad
    return Snapshot(digests, ends, sims)


# -- the identity features' counts of a scan -------------------------------------------


@dataclass(frozen=True, slots=True)
class FeatureCounts:
    """What the identity weights of a scan are computed from, and the files that scan read.

    ``counts`` is the document frequency of each identity feature among the scan's ``nodes`` distinct
    units (:class:`dupfinder.similarity.identity.Identity`); ``files`` are the scan's files in order,
    each with its cache key, so that a later scan can tell which files changed since.
    """

    files: tuple[tuple[str, bytes], ...]  #: (path, file key), in the scan's order
    nodes: int
    counts: dict[str, int]


def encode_counts(found: FeatureCounts) -> bytes:
    names = sorted(found.counts)
    fields = {"paths": [p for p, _ in found.files], "nodes": found.nodes, "features": names,
              "counts": [found.counts[f] for f in names]}  # fmt: skip
    try:
        header = orjson.dumps(fields)
    except TypeError:  # a lone surrogate (an undecodable file name): the standard library passes it through
        header = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    if any(len(k) != 20 for _, k in found.files):
        raise ValueError("file keys are 20 bytes")
    return frame(COUNTS, struct.pack("<I", len(header)) + header + b"".join(k for _, k in found.files))


def decode_counts(blob: bytes) -> FeatureCounts | None:
    """The counts in ``blob``, or None if the record is damaged in any way."""
    return read(COUNTS, blob, _counts_of)


def _counts_of(body: memoryview) -> FeatureCounts:
    (header_len,) = struct.unpack_from("<I", body)
    header = _loads(bytes(body[4 : 4 + header_len]))
    if not isinstance(header, dict):
        raise Bad
    paths, names, counts = strs(header["paths"]), strs(header["features"]), header["counts"]
    keys = bytes(body[4 + header_len :])
    if not isinstance(counts, list) or len(counts) != len(names) or len(keys) != 20 * len(paths):
        raise Bad
    if not all(type(c) is int and c > 0 for c in counts):
        raise Bad
    files = tuple((p, keys[20 * k : 20 * k + 20]) for k, p in enumerate(paths))
    return FeatureCounts(files, int_(header["nodes"]), dict(zip(names, counts, strict=True)))


# -- a component's groups, a cluster's category -----------------------------------------


def encode_groups(groups: Sequence[tuple[int, Sequence[int], Sequence[float], float]]) -> bytes:
    return frame(
        GROUPS, json.dumps([[c, list(m), list(sims), w] for c, m, sims, w in groups], separators=(",", ":")).encode()
    )


def decode_groups(blob: bytes) -> Groups | None:
    """The groups in ``blob``, or None if it is damaged in any way."""
    return read(GROUPS, blob, _groups_of)


def _groups_of(body: memoryview) -> Groups:
    out: Groups = []
    for centre, raw_members, raw_sims, weakest in json.loads(bytes(body)):
        members = [int_(m) for m in raw_members]
        sims = [fraction(x) for x in raw_sims]
        if int_(centre) not in members or len(members) < 2 or len(sims) != len(members):
            raise Bad
        out.append((centre, members, sims, fraction(weakest)))
    return out


def encode_category(found: Categorized) -> bytes:
    category, confidence, e = found
    evidence = [e.confidence, list(e.names), list(e.calls), list(e.identifiers), list(e.imports), e.named,
                [[cid, conf] for cid, conf in e.candidates]]  # fmt: skip
    return frame(
        CATEGORY, json.dumps([category, confidence, evidence], separators=(",", ":"), ensure_ascii=False).encode()
    )


def decode_category(blob: bytes) -> Categorized | None:
    """What :func:`dupfinder.rules.categorize` returned, or None if ``blob`` is damaged in any way."""
    return read(CATEGORY, blob, _category_of)


def _category_of(body: memoryview) -> Categorized:
    category, confidence, (conf, names, calls, idents, imports, named, candidates) = json.loads(bytes(body))
    if category is not None:
        str_(category)
    if type(named) is not bool:
        raise Bad
    evidence = Evidence(
        confidence=fraction(conf),
        names=strs(names),
        calls=strs(calls),
        identifiers=strs(idents),
        imports=strs(imports),
        named=named,
        candidates=tuple((str_(cid), fraction(c)) for cid, c in candidates),
    )
    return category, fraction(confidence), evidence
