"""Baseline files: the duplication that is already there, for ``dupfinder ci --baseline FILE``.

Written by ``dupfinder baseline PATH -o FILE``. Format ``dupfinder.baseline/1``
(JSON, sorted, byte-identical for the same code)::

    {"schema": "dupfinder.baseline/1",
     "tool": {"name": "dupfinder", "version": "..."},
     "settings": {"min_tokens": 50, "threshold": 0.7, "shingle": 3, "languages": []},
     "clusters": {"<cluster id>": ["<fingerprint>", ...]},
     "files": {"<path>": [["<fingerprint>", "<qualified name>"], ...]}}

Identity is by content, never by position: a unit is its normalised-token
fingerprint (blind to layout, comments, renamed identifiers and changed
literals), the file it is in and its qualified name; no line numbers are kept,
so line shifts and edits to other functions change nothing. Every unit of the
scan is recorded, not only the duplicated ones: when a function that existed
once is copied, the baseline must tell the original (known at its path) from
the copy. ``clusters`` records which fingerprints were copies of each other.

:class:`BaselineHistory` answers the gate's questions from the file: an
instance is *changed* when its (path, fingerprint) is not in the baseline (as
many times); an earlier unit *disappeared* when the code after the change no
longer holds it at its path; a disappeared unit may be the earlier version of
a changed one when it has the same fingerprint (moved), the same path and name
(edited in place), or the same name; and it *was a copy* of a cluster's code
when the baseline put it in a cluster with an old instance's fingerprint.

Cost: reading is O(units); each question is a few dictionary look-ups, plus
one analysis of a file the first time its current units are needed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from dupfinder import __version__
from dupfinder.config import ScanConfig
from dupfinder.errors import InputError
from dupfinder.model import Cluster, ClusterId, Earlier, Fingerprint, Instance, Unit, Version

SCHEMA = "dupfinder.baseline/1"

#: Settings that change which units exist or how they are compared.
_CHECKED = ("min_tokens", "shingle", "languages")


@dataclass(frozen=True, slots=True)
class BaselineUnit:
    path: str  #: POSIX path relative to the scan base
    fingerprint: Fingerprint
    name: str | None
    cluster: ClusterId | None = None  #: the cluster it was a copy in, if any


@dataclass(frozen=True, slots=True)
class Baseline:
    units: tuple[BaselineUnit, ...]  #: sorted by path, fingerprint, name
    clusters: tuple[tuple[ClusterId, tuple[Fingerprint, ...]], ...]  #: sorted by id
    settings: dict[str, object] = field(default_factory=dict)
    version: str = __version__  #: dupfinder version that wrote it
    blocks: tuple[tuple[str, Fingerprint], ...] = ()  #: (path, shape digest) of every block clone's copy, sorted


def settings_of(config: ScanConfig) -> dict[str, object]:
    return {
        "min_tokens": config.min_tokens,
        "threshold": config.threshold,
        "shingle": config.shingle,
        "languages": sorted(config.languages),
    }


def build(units: Iterable[Unit], clusters: Iterable[Cluster], config: ScanConfig) -> Baseline:
    """The baseline of a scan: every unit, and the clusters by fingerprint."""
    cluster_of: dict[str, ClusterId] = {}
    members: dict[ClusterId, set[Fingerprint]] = defaultdict(set)
    blocks: set[tuple[str, Fingerprint]] = set()
    for c in clusters:
        if c.kind == "block":
            blocks.update((i.path, i.fingerprint) for i in c.instances)
            continue
        for i in c.instances:
            cluster_of[i.fingerprint] = c.id
            members[c.id].add(i.fingerprint)
    recorded = sorted(
        (BaselineUnit(u.path, u.fingerprint, u.name, cluster_of.get(u.fingerprint)) for u in units),
        key=lambda b: (b.path, b.fingerprint, b.name or ""),
    )
    return Baseline(
        units=tuple(recorded),
        clusters=tuple((cid, tuple(sorted(fps))) for cid, fps in sorted(members.items())),
        settings=settings_of(config),
        blocks=tuple(sorted(blocks)),
    )


def write(baseline: Baseline, out: TextIO) -> None:
    """Deterministic JSON: one unit per line, so that a baseline diffs well in review."""
    dump = json.dumps
    out.write("{\n")
    out.write(f'  "schema": {dump(SCHEMA)},\n')
    out.write(f'  "tool": {dump({"name": "dupfinder", "version": baseline.version})},\n')
    out.write(f'  "settings": {dump(dict(sorted(baseline.settings.items())))},\n')
    out.write('  "clusters": {')
    for n, (cid, fps) in enumerate(baseline.clusters):
        out.write(f"{',' if n else ''}\n    {dump(cid)}: {dump(list(fps))}")
    out.write("\n  },\n" if baseline.clusters else "},\n")
    by_file: dict[str, list[BaselineUnit]] = defaultdict(list)
    for u in baseline.units:
        by_file[u.path].append(u)
    out.write('  "files": {')
    for n, path in enumerate(sorted(by_file)):
        out.write(f"{',' if n else ''}\n    {dump(path, ensure_ascii=False)}: [")
        for m, u in enumerate(by_file[path]):
            out.write(f"{',' if m else ''}\n      {dump([u.fingerprint, u.name], ensure_ascii=False)}")
        out.write("\n    ]")
    out.write("\n  },\n" if by_file else "},\n")
    by_block_file: dict[str, list[str]] = defaultdict(list)
    for path, fp in baseline.blocks:
        by_block_file[path].append(fp)
    out.write('  "blocks": {')
    for n, path in enumerate(sorted(by_block_file)):
        out.write(f"{',' if n else ''}\n    {dump(path, ensure_ascii=False)}: {dump(by_block_file[path])}")
    out.write("\n  }\n}\n" if by_block_file else "}\n}\n")


def _bad(file: str, what: str) -> InputError:
    return InputError(
        f"{file}: not a usable dupfinder baseline: {what} (re-create it with 'dupfinder baseline PATH -o {file}')"
    )


def parse(data: Any, file: str) -> Baseline:
    """A baseline from its decoded JSON; InputError names what is wrong."""
    if not isinstance(data, dict):
        raise _bad(file, "expected a JSON object")
    if data.get("schema") != SCHEMA:
        raise _bad(file, f"schema is {data.get('schema')!r}, expected {SCHEMA!r}")
    settings, clusters, files = data.get("settings", {}), data.get("clusters"), data.get("files")
    if not isinstance(settings, dict) or not isinstance(clusters, dict) or not isinstance(files, dict):
        raise _bad(file, "'settings', 'clusters' and 'files' must be objects")
    cluster_of: dict[str, ClusterId] = {}
    parsed_clusters: list[tuple[ClusterId, tuple[Fingerprint, ...]]] = []
    for cid, fps in clusters.items():
        if not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
            raise _bad(file, f"cluster {cid!r}: expected a list of fingerprints")
        for f in fps:
            cluster_of[f] = ClusterId(cid)
        parsed_clusters.append((ClusterId(cid), tuple(sorted(Fingerprint(f) for f in fps))))
    units: list[BaselineUnit] = []
    for path, entries in files.items():
        if not isinstance(entries, list):
            raise _bad(file, f"file {path!r}: expected a list of [fingerprint, name] pairs")
        for entry in entries:
            ok = isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
            if not ok or not (entry[1] is None or isinstance(entry[1], str)):
                raise _bad(file, f"file {path!r}: bad unit {entry!r}, expected [fingerprint, name]")
            units.append(BaselineUnit(path, Fingerprint(entry[0]), entry[1], cluster_of.get(entry[0])))
    tool = data.get("tool")
    version = str(tool.get("version", "")) if isinstance(tool, dict) else ""
    units.sort(key=lambda b: (b.path, b.fingerprint, b.name or ""))
    return Baseline(tuple(units), tuple(sorted(parsed_clusters)), dict(settings), version, _blocks(data, file))


def _blocks(data: dict[str, Any], file: str) -> tuple[tuple[str, Fingerprint], ...]:
    """The block copies a baseline records (none in a baseline written before block clones)."""
    raw = data.get("blocks", {})
    if not isinstance(raw, dict):
        raise _bad(file, "'blocks' must be an object")
    out: list[tuple[str, Fingerprint]] = []
    for path, fps in raw.items():
        if not isinstance(fps, list) or not all(isinstance(f, str) for f in fps):
            raise _bad(file, f"blocks of {path!r}: expected a list of digests")
        out.extend((path, Fingerprint(f)) for f in fps)
    return tuple(sorted(out))


def load(file: str) -> Baseline:
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(
            f"{file}: baseline file not found (create it with 'dupfinder baseline PATH -o {file}')"
        ) from None
    except OSError as exc:
        raise InputError(f"{file}: cannot read baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(file, f"invalid JSON ({exc})") from None
    return parse(data, file)


def check_settings(baseline: Baseline, config: ScanConfig, file: str) -> None:
    """InputError when the baseline was made with settings that change which units exist."""
    now = settings_of(config)
    for key in _CHECKED:
        if key in baseline.settings and baseline.settings[key] != now[key]:
            option = {"min_tokens": "--min-tokens", "languages": "--language", "shingle": "shingle size"}[key]
            raise InputError(
                f"{file}: the baseline was made with {option} {baseline.settings[key]!r}, this run uses {now[key]!r}; "
                "use the same setting or re-create the baseline"
            )


class BaselineHistory:
    """The gate's view of the code before the change, from a baseline file.

    ``units_at(path)`` returns the units of a file as the code is now (the
    caller analyses the file); it is asked only for files whose baseline units
    may have disappeared.
    """

    def __init__(self, baseline: Baseline, clusters: Sequence[Cluster], units_at: Callable[[str], Sequence[Unit]]):
        self._units_at = units_at
        self._by_path: dict[str, list[tuple[Earlier, BaselineUnit]]] = defaultdict(list)
        self._by_fp: dict[str, list[Earlier]] = defaultdict(list)
        self._by_name: dict[str, list[Earlier]] = defaultdict(list)
        self._by_cluster: dict[str, list[Earlier]] = defaultdict(list)
        self._cluster: dict[str, ClusterId | None] = {}
        self.cluster_of: dict[str, ClusterId] = {}
        for cid, fps in baseline.clusters:
            for f in fps:
                self.cluster_of[f] = cid
        seen: Counter[tuple[str, str, str | None]] = Counter()
        for u in baseline.units:
            n = seen[(u.path, u.fingerprint, u.name)]
            seen[(u.path, u.fingerprint, u.name)] += 1
            e = Earlier(f"{u.path}\0{u.fingerprint}\0{u.name}\0{n}", u.path, u.name, u.fingerprint)
            self._by_path[u.path].append((e, u))
            self._by_fp[u.fingerprint].append(e)
            if u.name is not None and u.cluster is not None:
                self._by_name[u.name].append(e)
            if u.cluster is not None:
                self._by_cluster[u.cluster].append(e)
            self._cluster[e.key] = u.cluster
        self._old = self._known_instances(clusters)
        self._gone: dict[str, frozenset[str]] = {}
        #: block copies the baseline holds: a block at the same path with the same shape is old
        self._blocks = frozenset(baseline.blocks)
        self._block_instances = frozenset(
            (i.path, i.start_line, i.end_line) for c in clusters if c.kind == "block" for i in c.instances
        )

    def _known_instances(self, clusters: Sequence[Cluster]) -> frozenset[tuple[str, int, int]]:
        """Instances whose (path, fingerprint) the baseline holds: the same name first, then by line."""
        groups: dict[tuple[str, str], list[Instance]] = defaultdict(list)
        for c in clusters:
            for i in c.instances:
                groups[(i.path, i.fingerprint)].append(i)
        known: set[tuple[str, int, int]] = set()
        for (path, fp), insts in groups.items():
            names = Counter(u.name for _, u in self._by_path.get(path, ()) if u.fingerprint == fp)
            if not names:
                continue
            left = sum(names.values())
            ordered = sorted(insts, key=lambda i: (i.start_line, i.end_line))
            for i in ordered:  # same name first
                if left and names[i.name] > 0:
                    names[i.name] -= 1
                    left -= 1
                    known.add((i.path, i.start_line, i.end_line))
            for i in ordered:
                if left and (i.path, i.start_line, i.end_line) not in known:
                    left -= 1
                    known.add((i.path, i.start_line, i.end_line))
        return frozenset(known)

    def changed(self, instance: Instance) -> bool:
        """Whether the baseline does not hold this instance at its path."""
        if (instance.path, instance.start_line, instance.end_line) in self._block_instances:
            return not self._old_block(instance)
        return (instance.path, instance.start_line, instance.end_line) not in self._old

    def _old_block(self, instance: Instance) -> bool:
        """Whether a block copy was there already: the baseline holds it, or it overlaps units the baseline
        holds unchanged and no unit the change rewrote (the rest of it is module-level code around them)."""
        if (instance.path, instance.fingerprint) in self._blocks:
            return True
        known = {u.fingerprint for _, u in self._by_path.get(instance.path, ())}
        overlapping = [
            u
            for u in self._units_at(instance.path)
            if u.start_line <= instance.end_line and instance.start_line <= u.end_line
        ]
        return bool(overlapping) and all(u.fingerprint in known for u in overlapping)

    def _disappeared(self, path: str) -> frozenset[str]:
        """Keys of the baseline units of ``path`` that the file no longer holds."""
        found = self._gone.get(path)
        if found is None:
            now = Counter((u.fingerprint, u.name) for u in self._units_at(path))
            now_fp = Counter(u.fingerprint for u in self._units_at(path))
            gone: set[str] = set()
            entries = self._by_path.get(path, [])
            for e, u in entries:  # same fingerprint and name first
                if now[(u.fingerprint, u.name)] > 0:
                    now[(u.fingerprint, u.name)] -= 1
                    now_fp[u.fingerprint] -= 1
                else:
                    gone.add(e.key)
            for e, u in entries:  # then the same fingerprint under another name
                if e.key in gone and now_fp[u.fingerprint] > 0:
                    now_fp[u.fingerprint] -= 1
                    gone.discard(e.key)
            found = frozenset(gone)
            self._gone[path] = found
        return found

    def versions(self, instance: Instance, cluster: Cluster) -> Sequence[Version]:
        if cluster.kind == "block":
            return ()  # a block the baseline held at its path is not changed; any other one is new
        candidates: dict[str, Earlier] = {}
        for e, _ in self._by_path.get(instance.path, ()):
            candidates[e.key] = e
        for e in self._by_fp.get(instance.fingerprint, ()):
            candidates[e.key] = e
        if instance.name is not None:
            for e in self._by_name.get(instance.name, ()):
                candidates[e.key] = e
        for cid in {self.cluster_of[i.fingerprint] for i in cluster.instances if i.fingerprint in self.cluster_of}:
            for e in self._by_cluster.get(cid, ()):
                candidates[e.key] = e
        out: list[Version] = []
        for key in sorted(candidates):
            e = candidates[key]
            if key not in self._disappeared(e.path):
                continue
            if e.path == instance.path and e.name == instance.name:
                out.append(Version(e, 1.0, True))  # edited in place
            elif e.fingerprint == instance.fingerprint:
                out.append(Version(e, 0.95 if e.name == instance.name else 0.9, True))  # moved (and renamed)
            elif e.name is not None and e.name == instance.name and self._cluster.get(key) is not None:
                out.append(Version(e, 0.8, True))  # moved and edited, was a copy
            elif e.path == instance.path:
                out.append(Version(e, 0.6, False))
            elif self._cluster.get(key) is not None:
                out.append(Version(e, 0.5, False))  # a copy of this cluster's code that went away
        return out

    def was_copy(self, earlier: Earlier, old: Sequence[Instance], matched: Sequence[Earlier]) -> bool:
        cid = self._cluster.get(earlier.key)
        if cid is None:
            return False
        if any(self.cluster_of.get(i.fingerprint) == cid for i in old):
            return True
        return any(self._cluster.get(m.key) == cid for m in matched)


__all__ = [
    "SCHEMA",
    "Baseline",
    "BaselineHistory",
    "BaselineUnit",
    "build",
    "check_settings",
    "load",
    "parse",
    "write",
]
