"""Discovery: which files under the scanned roots are source code to analyse.

An iterative walk (no recursion) over each root with ``os.scandir``.  It
honours ``.gitignore`` files at every level (git semantics via pathspec:
deeper files and later lines win, ``!`` re-includes), the default excludes
(VCS folders, dependencies, virtualenvs, build output, vendored code,
minified bundles) and ``--exclude`` patterns.  Symbolic links are followed
only while they stay inside the root, and each real directory is entered at
most once, so link loops end.  Files are matched to a language by ending
(or, without one, by a ``#!`` line); anything that is not analysed for a
content reason is recorded as a :class:`Skip` with its reason.
Cost: one ``scandir`` per directory and one ``stat`` per candidate file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pathspec

from dupfinder import languages
from dupfinder.config import ScanConfig
from dupfinder.errors import InputError
from dupfinder.model import Skip, SourceFile

_SHEBANGS = {"python": "python", "python3": "python", "node": "javascript", "deno": "typescript"}


@dataclass(frozen=True, slots=True)
class Discovery:
    base: str  #: absolute directory every reported path is relative to
    roots: tuple[str, ...]  #: the roots, POSIX relative to base ("." for base itself)
    files: tuple[SourceFile, ...]  #: sorted by path
    skipped: tuple[Skip, ...]  #: sorted by path


def _common_base(roots: Sequence[Path]) -> Path:
    dirs = [r if r.is_dir() else r.parent for r in roots]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def _rel(path: Path, base: Path) -> str:
    rel = os.path.relpath(path, base)
    return PurePosixPath(*Path(rel).parts).as_posix() if rel != "." else "."


def _shebang_language(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(200)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("latin-1").strip().split()
    if not words:
        return None
    prog = os.path.basename(words[1] if os.path.basename(words[0]) == "env" and len(words) > 1 else words[0])
    for name, lang in _SHEBANGS.items():
        if prog == name or (name == "python" and prog.startswith("python")):
            return lang
    return None


class _Walker:
    def __init__(self, base: Path, config: ScanConfig) -> None:
        self.base = base
        self.config = config
        patterns = list(config.exclude)
        if config.use_default_excludes:
            from dupfinder.config import DEFAULT_EXCLUDES

            patterns = list(DEFAULT_EXCLUDES) + patterns
        self.excludes = pathspec.GitIgnoreSpec.from_lines(patterns)
        self.wanted = set(config.languages)
        self.files: list[SourceFile] = []
        self.skipped: list[Skip] = []
        self.seen_files: set[tuple[int, int]] = set()

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(Skip(_rel(path, self.base), reason))

    def walk_root(self, root: Path) -> None:
        root_real = Path(os.path.realpath(root))
        root_rel = _rel(root, self.base)
        if root.is_file():
            self.consider_file(root, root_real, root_rel, root.name, [])
            return
        seen_dirs: set[tuple[int, int]] = set()
        # stack of (directory, path relative to root, gitignore specs in force: (dir rel to root, spec))
        stack: list[tuple[Path, str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [(root, "", [])]
        while stack:
            directory, rel_dir, specs = stack.pop()
            try:
                st = os.stat(directory)
            except OSError as exc:
                self.skip(directory, f"unreadable directory ({exc.strerror})")
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                self.skip(directory, "symlink loop (directory already scanned)")
                continue
            seen_dirs.add(key)
            if self.config.use_gitignore:
                gi = directory / ".gitignore"
                if gi.is_file():
                    try:
                        lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
                        specs = specs + [(rel_dir, pathspec.GitIgnoreSpec.from_lines(lines))]
                    except OSError as exc:
                        self.skip(gi, f"unreadable .gitignore ({exc.strerror})")
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.skip(directory, f"unreadable directory ({exc.strerror})")
                continue
            subdirs: list[tuple[Path, str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = []
            for entry in entries:
                rel = f"{rel_dir}{entry.name}"
                path = Path(entry.path)
                try:
                    is_link = entry.is_symlink()
                    is_dir = entry.is_dir(follow_symlinks=True)
                except OSError:
                    is_link, is_dir = True, False
                if self.ignored(rel, is_dir, specs):
                    continue
                if is_link:
                    real = Path(os.path.realpath(path))
                    if not (real == root_real or root_real in real.parents):
                        if is_dir or languages.language_for(entry.name):
                            self.skip(path, "symlink points outside the scanned root")
                        continue
                    if not real.exists():
                        if languages.language_for(entry.name):
                            self.skip(path, "broken symlink")
                        continue
                if is_dir:
                    subdirs.append((path, rel + "/", specs))
                elif entry.is_file(follow_symlinks=True) or is_link:
                    self.consider_file(path, root_real, root_rel, rel, specs)
            stack.extend(reversed(subdirs))

    def ignored(self, rel: str, is_dir: bool, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
        probe = rel + "/" if is_dir else rel
        if self.excludes.match_file(probe):
            return True
        verdict: bool | None = None
        for spec_dir, spec in specs:  # outer to inner: deeper .gitignore files win
            result = spec.check_file(probe[len(spec_dir) :])
            if result.include is not None:
                verdict = result.include
        return bool(verdict)

    def consider_file(self, path: Path, root_real: Path, root_rel: str, rel: str, specs: object) -> None:
        name = path.name
        lang = languages.language_for(name)
        if lang is None and "." not in name:
            lang = _shebang_language(str(path))
        if lang is None or (self.wanted and lang not in self.wanted):
            return
        try:
            st = os.stat(path)
        except OSError as exc:
            self.skip(path, f"unreadable ({exc.strerror})")
            return
        if not stat.S_ISREG(st.st_mode):
            self.skip(path, "not a regular file")
            return
        key = (st.st_dev, st.st_ino)
        if key in self.seen_files:
            self.skip(path, "same file already scanned through another link")
            return
        self.seen_files.add(key)
        if st.st_size > self.config.max_file_bytes:
            self.skip(path, f"too large ({st.st_size} bytes > {self.config.max_file_bytes})")
            return
        self.files.append(
            SourceFile(
                path=_rel(path, self.base),
                abspath=str(path),
                root=root_rel,
                language=lang,
                size=st.st_size,
            )
        )


def discover(paths: Sequence[str], config: ScanConfig) -> Discovery:
    """Walk ``paths`` and return the files to analyse and the files skipped."""
    if not paths:
        raise InputError("no path to scan")
    roots: list[Path] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"path does not exist: {p}")
        if not (path.is_dir() or path.is_file()):
            raise InputError(f"not a file or directory: {p}")
        roots.append(Path(os.path.abspath(path)))
    base = _common_base(roots)
    walker = _Walker(base, config)
    for root in sorted(set(roots)):
        walker.walk_root(root)
    unique: dict[str, SourceFile] = {f.path: f for f in walker.files}
    skipped = {(s.path, s.reason): s for s in walker.skipped}
    return Discovery(
        base=str(base),
        roots=tuple(_rel(r, base) for r in sorted(set(roots))),
        files=tuple(sorted(unique.values(), key=lambda f: f.path)),
        skipped=tuple(sorted(skipped.values(), key=lambda s: (s.path, s.reason))),
    )
