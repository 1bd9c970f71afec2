"""The record of a whole scan's result before teams and categories (``DFR2``), kept beside its graph.

The frame of :mod:`dupfinder.cache.codec` with the digest of the scan's input as its head, so a
record made from other input is refused before its payload is read.  The payload is JSON (orjson):
the statistics, a table of the distinct identifiers, calls and imports (they repeat across copies
and files, so each is stored once and referred to by number: a third of the size), the clusters
with their copies' code, and each file's imports.  Encoding and decoding cost one pass over it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from dupfinder.cache.codec import Bad, Kind, fraction, frame, int_, opt_str, read, str_, strs
from dupfinder.model import Cluster, ClusterId, Fingerprint, Instance, ScanStats, Skip

RESULT = Kind(b"R", 2)


@dataclass(frozen=True, slots=True)
class ScanMemo:
    """What a whole scan found before teams and categories, kept with the digest of all its input: a
    rescan of the same files with the same settings and code takes it as it is."""

    stats: ScanStats
    clusters: tuple[Cluster, ...]
    file_imports: dict[str, tuple[str, ...]]


class _Strings:
    """A table of the distinct strings of a record, numbered in order of first use."""

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
                 c.category_confidence, list(c.evidence), c.weakest, c.kind] for c in memo.clusters]  # fmt: skip
    imports = [[path, strings.of(imports)] for path, imports in memo.file_imports.items()]
    payload = [[st.files, st.units, st.lines, [[s.path, s.reason] for s in st.skipped]], list(strings.number),
               clusters, imports]  # fmt: skip
    try:
        body = orjson.dumps(payload)
    except TypeError:  # a lone surrogate (an undecodable file name): the standard library escapes it
        body = json.dumps(payload, separators=(",", ":")).encode("ascii")
    return frame(RESULT, body, head=digest)


def decode_result(blob: bytes, digest: bytes) -> ScanMemo | None:
    """The memo in ``blob`` if it was made from input with ``digest``; None if not, or if damaged."""
    return read(RESULT, blob, _memo_of, head=digest)


def _memo_of(body: memoryview) -> ScanMemo:
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:  # an escaped lone surrogate (an undecodable file name), which orjson refuses
        raw = json.loads(bytes(body).decode("utf-8"))
    (files, units, lines, skipped), raw_table, raw_clusters, raw_imports = raw
    stats = ScanStats(files=int_(files), units=int_(units), lines=int_(lines),
                      skipped=tuple(Skip(str_(p), str_(r)) for p, r in skipped))  # fmt: skip
    table = strs(raw_table)
    clusters = []
    for cid, sim, instances, category, confidence, evidence, weakest, kind in raw_clusters:
        if kind not in ("unit", "block"):
            raise Bad
        clusters.append(Cluster(id=ClusterId(str_(cid)), similarity=fraction(sim),
                                instances=tuple(_instance_of(i, table) for i in instances),
                                category=opt_str(category), category_confidence=fraction(confidence),
                                evidence=strs(evidence), weakest=fraction(weakest), kind=kind))  # fmt: skip
    file_imports = {str_(path): _looked_up(imports, table) for path, imports in raw_imports}
    return ScanMemo(stats, tuple(clusters), file_imports)


def _instance_of(row: object, table: tuple[str, ...]) -> Instance:
    if not isinstance(row, list) or len(row) != 13:
        raise Bad
    path, start, end, name, language, root, fp, sim, team, code, ids, calls, imports = row
    return Instance(path=str_(path), start_line=int_(start), end_line=int_(end), name=opt_str(name),
                    language=str_(language), root=str_(root), fingerprint=Fingerprint(str_(fp)),
                    similarity=fraction(sim), team=opt_str(team), code=str_(code),
                    identifiers=_looked_up(ids, table), calls=_looked_up(calls, table),
                    imports=_looked_up(imports, table))  # fmt: skip


def _looked_up(numbers: object, table: tuple[str, ...]) -> tuple[str, ...]:
    if type(numbers) is not list or (numbers and not 0 <= min(numbers) <= max(numbers) < len(table)):
        raise Bad
    return tuple(map(table.__getitem__, numbers))
