"""Block clusters: the block clones of :mod:`dupfinder.similarity.blocks` as clusters, minus what units report.

Each file's token stream (:class:`~dupfinder.model.TokenStream`) goes through
:func:`~dupfinder.similarity.blocks.matches`, and the matches are grouped
(:func:`~dupfinder.similarity.blocks.block_groups`).  A group all of whose regions
lie in the copies of one unit-level cluster is already reported there and is
dropped (a group that links copies of two different unit-level clusters is kept);
the rest become clusters of kind ``"block"``.  Each instance spans its region's
lines and is named after the innermost unit around it, or the first unit it
overlaps (None for module-level code); its
fingerprint is a digest of the region's normalised tokens, its similarity the
region's best identity with the others.  Cost: that of
:func:`~dupfinder.similarity.blocks.matches`, plus a look-up of the enclosing
unit of each region.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dupfinder.model import Cluster, Fingerprint, Instance, StreamHead, TokenStream, Unit
from dupfinder.similarity.blocks import (
    Region,
    Seeded,
    Stream,
    Streams,
    block_groups,
    matches,
    partners,
    stream_marks,
    terms,
    unpack_marks,
)
from dupfinder.similarity.cluster import cluster_id
from dupfinder.similarity.normalize import token_hash

#: share of a region's lines inside copies of one unit-level cluster (on both sides) that makes it reported there
REPORTED = 0.5


@dataclass(frozen=True, slots=True)
class FileStream:
    """A file's token stream, with what a block instance needs to know of the file."""

    path: str
    root: str
    language: str
    stream: TokenStream | None  #: None: not at hand (``head`` says what the search needs before the tokens)
    imports: tuple[str, ...] = ()
    head: StreamHead | None = None  #: when ``stream`` is None


#: the token streams of some files, by their numbers in the search's files (see :func:`find_block_clusters`)
Load = Callable[[Sequence[int]], Sequence[TokenStream]]


def _stream(f: FileStream, stream: TokenStream) -> Stream:
    norm, raw = np.frombuffer(stream.norm, dtype="<u4"), np.frombuffer(stream.raw, dtype="<u4")
    marks = unpack_marks(stream.marks) if stream.marks else None
    return Stream(f.path, f.language, norm, raw, np.frombuffer(stream.lines, dtype="<u4"), marks)


def _streams(files: Sequence[FileStream]) -> list[Stream]:
    out = []
    for f in files:
        if f.stream is None:
            raise ValueError(f"the search over every stream needs {f.path}'s tokens")
        out.append(_stream(f, f.stream))
    return out


class _Enclosing:
    """The innermost unit around a span of lines, per file."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.by_path: dict[str, list[Unit]] = defaultdict(list)
        for u in units:
            self.by_path[u.path].append(u)

    def unit(self, path: str, first: int, last: int) -> Unit | None:
        units = self.by_path.get(path, ())
        around = [u for u in units if u.start_line <= first and last <= u.end_line]
        if around:
            return min(around, key=lambda u: u.end_line - u.start_line)
        overlapping = sorted((u for u in units if u.start_line <= last and first <= u.end_line),
                             key=lambda u: (u.start_line, -u.end_line))  # fmt: skip
        return overlapping[0] if overlapping else None


def _reported(clusters: Sequence[Cluster]) -> dict[str, list[tuple[int, int, int]]]:
    """path -> (first line, last line, cluster number) of every copy of the unit-level clusters."""
    out: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for n, c in enumerate(clusters):
        for i in c.instances:
            out[i.path].append((i.start_line, i.end_line, n))
    return out


def _reported_group(group: Sequence[tuple[Region, float]], paths: Sequence[str],
                    reported: dict[str, list[tuple[int, int, int]]]) -> bool:  # fmt: skip
    """Whether most of every region of a group lies in copies of one unit-level cluster (reported there)."""

    def holders(r: Region) -> set[int]:
        first, last = r.first_line, r.last_line
        least = REPORTED * (last - first + 1)
        return {
            n for s, e, n in reported.get(paths[r.stream], ())
            if s <= last and e >= first and (e if e < last else last) - (s if s > first else first) + 1 >= least
        }  # fmt: skip

    common = holders(group[0][0])
    for r, _ in group[1:]:
        common &= holders(r)
        if not common:
            return False
    return True


#: first tokens of the lines of an import list (its shape is every file's; it is no copy of code)
_IMPORT_WORDS = tuple(token_hash(w) for w in ("import", "from", "package", "using", "require", "include"))


class _ImportLines:
    """Per stream, running counts of the lines begun so far and of those begun by an import keyword, so
    that whether a region is an import list is two subtractions (computed once per stream with a match)."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams
        self.counts: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}

    def _of(self, k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        if k not in self.counts:
            s = self.streams[k]
            first = np.concatenate(([True], s.lines[1:] != s.lines[:-1])) if len(s.lines) else np.zeros(0, bool)
            importing = first & np.isin(s.norm, _IMPORT_WORDS)
            zero = np.zeros(1, dtype=np.int64)
            self.counts[k] = (np.concatenate((zero, np.cumsum(first))), np.concatenate((zero, np.cumsum(importing))))
        return self.counts[k]

    def only(self, r: Region) -> bool:
        """Whether most lines of a region start with an import keyword (an import list, not code); its
        first token counts as a line's first."""
        firsts, imports = self._of(r.stream)
        s = self.streams[r.stream]
        lines = int(firsts[r.stop] - firsts[r.start + 1]) + 1
        starting = int(imports[r.stop] - imports[r.start + 1]) + int(s.norm[r.start] in _IMPORT_WORDS)
        return 2 * starting >= lines


def _instance(f: FileStream, s: Stream, r: Region, similarity: float, enclosing: _Enclosing) -> Instance:
    unit = enclosing.unit(f.path, r.first_line, r.last_line)
    digest = hashlib.blake2b(s.norm[r.start : r.stop].tobytes(), digest_size=16).hexdigest()
    return Instance(
        path=f.path,
        start_line=r.first_line,
        end_line=r.last_line,
        name=unit.name if unit is not None else None,
        language=f.language,
        root=f.root,
        fingerprint=Fingerprint(digest),
        similarity=round(similarity, 4),
        imports=f.imports,
    )


def _seeded(files: Sequence[FileStream]) -> tuple[Seeded, dict[int, Stream]]:
    """The seeds of every file's stream from what each holds before its tokens, and the streams at hand."""
    marks, per_stream, whole = [], [], {}
    for k, f in enumerate(files):
        if f.stream is not None:
            s = whole[k] = _stream(f, f.stream)
            marks.append(s.marks if s.marks is not None else stream_marks(s.norm, s.raw))
            per_stream.append(terms(s.norm, s.raw))
        elif f.head is not None:
            marks.append(unpack_marks(f.head.marks) if f.head.marks else stream_marks(_NONE, _NONE))
            per_stream.append(np.frombuffer(f.head.terms, dtype="<u4"))
        else:
            raise ValueError(f"{f.path}: neither a stream nor its head")
    return Seeded.of_marks(marks, per_stream, whole), whole


_NONE = np.zeros(0, dtype=np.uint32)


def _focused_groups(files: Sequence[FileStream], min_tokens: int, min_identity: float, focus: set[int],
                    load: Load | None) -> tuple[list[list[tuple[Region, float]]], Streams]:  # fmt: skip
    """The groups of :func:`block_groups` that hold a region of a ``focus`` stream, as without a focus (and
    maybe some others), and the streams they are in.  The matches of every pair of streams with one in a
    set are found, starting from the focus; the streams of the focused groups join the set, until they
    are all in it.  Then each stream of a focused group had all its matches, so its regions form the
    nodes they form with all matches, and every match of a focused group's region was found.  The
    tokens of a stream are needed only where a seed links it to the set (``load`` brings them)."""
    seeded, whole = _seeded(files)
    imports = _ImportLines(whole)
    among = set(focus)
    while True:
        missing = sorted((partners(seeded, among) | among) - whole.keys())
        if missing:
            if load is None:
                raise ValueError("the search needs the tokens of streams that are not at hand")
            whole.update((k, _stream(files[k], t)) for k, t in zip(missing, load(missing), strict=True))
        found = [m for m in matches(seeded, min_tokens, min_identity, among) if not imports.only(m.a)]
        groups = block_groups(found)
        reached = {r.stream for g in groups if any(r.stream in focus for r, _ in g) for r, _ in g}
        if reached <= among:
            return groups, whole
        among |= reached


def find_block_clusters(files: Sequence[FileStream], units: Sequence[Unit], unit_clusters: Sequence[Cluster],
                        min_tokens: int, min_identity: float, focus: Collection[str] | None = None,
                        load: Load | None = None) -> tuple[Cluster, ...]:  # fmt: skip
    """The block clusters of ``files`` that the unit-level ``unit_clusters`` do not already report.

    ``focus``: paths -- the block clusters with a region in one of them come out as without a focus
    (some others may too), provided ``unit_clusters`` holds every unit-level cluster with a copy in
    one of them: whether such a group is reported there is decided by the clusters around its
    focused region, which all have that copy.  With a focus a file may come with its stream's head
    only; ``load`` then gives the streams of the files whose tokens the search reads (those linked
    by a seed to the files it grows from the focus).  Without a focus every stream must be whole.
    """
    reported = _reported(unit_clusters)
    paths = [f.path for f in files]
    streams: Streams
    if focus is None:
        streams = _streams(files)
        imports = _ImportLines(streams)
        found = [m for m in matches(streams, min_tokens, min_identity) if not imports.only(m.a)]
        groups = block_groups(found)
    else:
        chosen = set(focus)
        groups, streams = _focused_groups(files, min_tokens, min_identity,
                                          {k for k, p in enumerate(paths) if p in chosen}, load)  # fmt: skip
    enclosing = _Enclosing(units)
    out: list[Cluster] = []
    seen: set[str] = set()
    for group in groups:
        if _reported_group(group, paths, reported):
            continue
        instances = sorted(
            (_instance(files[r.stream], streams[r.stream], r, sim, enclosing) for r, sim in group),
            key=lambda i: (i.path, i.start_line, i.end_line),
        )
        weakest = min(i.similarity for i in instances)
        # regions of one group share their shape: where they are tells groups of one shape apart
        ident = cluster_id([f"{i.fingerprint}:{i.path}:{i.name}" for i in instances])
        if ident in seen:
            ident = cluster_id([f"{i.fingerprint}:{i.path}:{i.name}:{i.start_line}" for i in instances])
        seen.add(ident)
        out.append(Cluster(id=ident, similarity=weakest,
                           instances=tuple(instances), weakest=weakest, kind="block"))  # fmt: skip
    out.sort(key=lambda c: (-len(c.instances), -c.lines, c.id))
    return tuple(out)
