"""Discovery with one task per root on an executor (a Dask cluster).

The same files, skips and paths as :func:`~dupfinder.discover.walk.discover`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from dupfinder.config import ScanConfig
from dupfinder.discover.walk import Discovery, discover
from dupfinder.errors import InputError
from dupfinder.executors import Executor
from dupfinder.model import Skip, SourceFile


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
