"""What a change touched, read from git: merge-base, changed files and changed lines.

``dupfinder ci --base REV`` compares the working tree (in CI: the checked-out
head of the pull request) with the merge-base of ``REV`` and ``HEAD``:

* :func:`merge_base` resolves ``REV`` and finds the commit the branch forked from;
* :func:`diff` runs ``git diff -z --name-status -M`` for the list of changed
  files (renames detected, paths exact whatever characters they hold) and
  ``git diff --unified=0 -M`` for the changed line ranges of each file, in
  head (working tree) coordinates;
* :func:`read_blobs` reads the base revision's version of some files with one
  ``git cat-file --batch`` process, never touching the working tree;
* :func:`unchanged_blobs` lists the blob ids of the tracked files whose working-tree
  copy git says is the index's (``ls-files``, ``diff-files``, ``check-attr``), so
  that the scan keys them without reading them.

git runs through :mod:`subprocess` with list arguments (no shell), with every
user setting that would change the output (external diff drivers, text
conversion, prefixes, colours, quoted paths) switched off on the command line.
Each failure becomes a one-line :class:`~dupfinder.errors.InputError` that says
what to do. Cost: two ``git diff`` processes whose output is proportional to
the change, plus one ``cat-file`` process for the files asked for, plus three
processes that list the index (``unchanged_blobs``; each reads the index, or
stats each tracked file, as ``git status`` does).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dupfinder.errors import InputError
from dupfinder.support import git

_DIFF_FLAGS = ("--no-color", "--no-ext-diff", "--no-textconv", "-M", "--src-prefix=a/", "--dst-prefix=b/")

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

ADDED, MODIFIED, RENAMED, COPIED, DELETED, TYPE_CHANGED = "A", "M", "R", "C", "D", "T"


@dataclass(frozen=True, slots=True)
class Hunk:
    """Lines of one version of a file (head or base) that a change touched."""

    start: int  #: 1-indexed first line; with ``count == 0``: lines were removed (or added) right after this line
    count: int  #: number of lines changed in this version (0: only the other version has lines here)

    def touches(self, start_line: int, end_line: int) -> bool:
        """Whether this hunk changed something inside the 1-indexed inclusive range."""
        if self.count == 0:
            # deleted lines sat between head lines ``start`` and ``start + 1``
            return start_line <= self.start < end_line
        return self.start <= end_line and start_line <= self.start + self.count - 1


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of the diff; paths are POSIX, relative to the repository root."""

    status: str  #: A, M, R, C, D or T
    path: str | None  #: path in the head (None when deleted)
    old_path: str | None  #: path in the base (None when added)
    hunks: tuple[Hunk, ...] = ()  #: head lines touched (for M, R, C, T)
    whole: bool = False  #: every line counts as changed (added, copied, or hunks unreadable)
    old_hunks: tuple[Hunk, ...] = ()  #: base lines touched (for M, R, T)

    def touches(self, start_line: int, end_line: int) -> bool:
        """Whether the change touched head lines ``start_line``-``end_line``."""
        return self.whole or any(h.touches(start_line, end_line) for h in self.hunks)

    def touches_old(self, start_line: int, end_line: int) -> bool:
        """Whether the change touched base lines ``start_line``-``end_line`` (all of them for a deleted file)."""
        return self.whole or self.status == DELETED or any(h.touches(start_line, end_line) for h in self.old_hunks)


@dataclass(frozen=True, slots=True)
class Diff:
    repo: str  #: absolute path of the repository root
    base: str  #: the commit compared against (full hash)
    files: tuple[FileChange, ...]  #: sorted by head path, then base path
    untracked: tuple[str, ...] = ()  #: untracked, not ignored files (not part of the change)

    def by_path(self) -> dict[str, FileChange]:
        """Head path -> change, for files present in the head."""
        return {f.path: f for f in self.files if f.path is not None}


def _run(repo: str, args: Sequence[str], *, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("git") is None:
        raise InputError("git is not installed or not on PATH (--base needs git; use --baseline FILE without it)")
    return git.run(repo, args, input=input)


def repo_root(path: str) -> str:
    """The top folder of the git working tree holding ``path``."""
    start = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(start):
        raise InputError(f"{path}: no such file or directory")
    proc = _run(start, ["rev-parse", "--show-toplevel"])
    if proc.returncode != 0:
        raise InputError(f"{path} is not inside a git repository (--base needs one; use --baseline FILE otherwise)")
    return os.path.realpath(proc.stdout.decode("utf-8", "surrogateescape").rstrip("\n"))


def _fetch_hint(rev: str) -> str:
    """How to get ``rev`` into the clone: ``origin/x`` is branch x of origin, anything else is fetched by name."""
    remote, slash, branch = rev.partition("/")
    if slash and remote == "origin" and branch:
        return f"fetch it: 'git fetch origin {branch}'"
    return f"fetch it: 'git fetch origin {rev}'"


def merge_base(repo: str, rev: str) -> str:
    """The full hash of the merge-base of ``rev`` and ``HEAD``."""
    if not rev or rev.startswith("-"):
        raise InputError(f"invalid revision {rev!r}")
    head = _run(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
    if head.returncode != 0:
        raise InputError(f"{repo}: the repository has no commit yet (HEAD is unborn)")
    proc = _run(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"])
    if proc.returncode != 0:
        raise InputError(f"unknown revision {rev!r} ({_fetch_hint(rev)}, or in CI check out with fetch-depth: 0)")
    commit = proc.stdout.decode().strip()
    mb = _run(repo, ["merge-base", commit, "HEAD"])
    if mb.returncode != 0:
        why = git.first_line(mb.stderr)
        raise InputError(
            f"no merge-base between {rev!r} and HEAD{': ' + why if why else ''} "
            "(a shallow clone? fetch more history, e.g. fetch-depth: 0)"
        )
    return mb.stdout.decode().strip()


def _unquote(raw: bytes) -> bytes | None:
    """A path as git prints it in a patch header (C-quoted when unusual), or None."""
    if not raw.startswith(b'"'):
        return raw
    if not raw.endswith(b'"') or len(raw) < 2:
        return None
    body, out, i = raw[1:-1], bytearray(), 0
    simple = {ord("n"): 10, ord("t"): 9, ord('"'): 34, ord("\\"): 92, ord("a"): 7, ord("b"): 8,
              ord("f"): 12, ord("r"): 13, ord("v"): 11}  # fmt: skip
    while i < len(body):
        c = body[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if not nxt:
            return None
        if nxt[0] in simple:
            out.append(simple[nxt[0]])
            i += 2
        elif nxt.isdigit():
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            return None
    return bytes(out)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _parse_hunks(patch: bytes) -> dict[str, tuple[list[Hunk], list[Hunk]]]:
    """Head path -> (head hunks, base hunks), from ``git diff --unified=0`` output."""
    hunks: dict[str, tuple[list[Hunk], list[Hunk]]] = {}
    current: tuple[list[Hunk], list[Hunk]] | None = None
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            raw = line[4:].rstrip(b"\t")
            path = _unquote(raw)
            if path is None or not path.startswith(b"b/"):
                current = None  # /dev/null (deleted) or unreadable: no head hunks
                continue
            current = hunks.setdefault(_decode(path[2:]), ([], []))
        elif current is not None and line.startswith(b"@@ "):
            m = _HUNK.match(line)
            if m:
                old_start, old_count, start, count = m.groups()
                current[0].append(Hunk(int(start), int(count) if count is not None else 1))
                current[1].append(Hunk(int(old_start), int(old_count) if old_count is not None else 1))
    return hunks


def _name_status(raw: bytes) -> list[tuple[str, str | None, str | None]]:
    """(status, head path, base path) from ``git diff -z --name-status``."""
    fields = raw.split(b"\0")
    out: list[tuple[str, str | None, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i].decode("ascii", "replace")[:1]
        if status in (RENAMED, COPIED):
            old, new = _decode(fields[i + 1]), _decode(fields[i + 2])
            out.append((status, new, old))
            i += 3
            continue
        path = _decode(fields[i + 1])
        if status == ADDED:
            out.append((status, path, None))
        elif status == DELETED:
            out.append((status, None, path))
        elif status == "U":  # unmerged: treat as modified
            out.append((MODIFIED, path, path))
        else:
            out.append((status if status in (MODIFIED, TYPE_CHANGED) else MODIFIED, path, path))
        i += 2
    return out


def diff(repo: str, base: str, pathspec: Sequence[str] = ()) -> Diff:
    """Changes between ``base`` and the working tree, limited to ``pathspec`` when given."""
    spec = ["--", *pathspec] if pathspec else ["--"]
    ns = _run(repo, ["diff", "-z", "--name-status", *_DIFF_FLAGS, base, *spec])
    if ns.returncode != 0:
        raise InputError(f"git diff failed: {git.first_line(ns.stderr) or 'exit status ' + str(ns.returncode)}")
    patch = _run(repo, ["diff", "--unified=0", *_DIFF_FLAGS, base, *spec])
    if patch.returncode != 0:
        raise InputError(f"git diff failed: {git.first_line(patch.stderr) or 'exit status ' + str(patch.returncode)}")
    hunks = _parse_hunks(patch.stdout)
    files: list[FileChange] = []
    for status, path, old in _name_status(ns.stdout):
        if status in (ADDED, COPIED):
            # a copied file is new code in full, like an added one
            files.append(FileChange(ADDED if status == ADDED else COPIED, path, old, whole=True))
        elif status == DELETED:
            files.append(FileChange(status, None, old))
        else:
            assert path is not None
            found = hunks.get(path)
            if found is None and status == MODIFIED:
                # no readable hunk header (e.g. a binary file): count the whole file as changed
                files.append(FileChange(status, path, old, whole=True))
            else:
                new_hunks, old_hunks = found or ([], [])
                files.append(FileChange(status, path, old, tuple(new_hunks), old_hunks=tuple(old_hunks)))
    files.sort(key=lambda f: (f.path or "", f.old_path or ""))
    others = _run(repo, ["ls-files", "-z", "--others", "--exclude-standard", *spec])
    untracked = tuple(sorted(_decode(p) for p in others.stdout.split(b"\0") if p)) if others.returncode == 0 else ()
    return Diff(repo=repo, base=base, files=tuple(files), untracked=untracked)


_REGULAR = (b"100644", b"100755")


def unchanged_blobs(repo: str, pathspec: Sequence[str] = ()) -> dict[str, bytes]:
    """Repository path -> SHA-1 blob id (20 bytes) of every tracked file whose working-tree bytes git
    says are its index entry's blob: a regular file (not a link or a submodule), merged (stage 0),
    not marked assume-unchanged or skip-worktree (``ls-files -v`` tag ``H``), not listed by
    ``git diff-files`` (modified, deleted, type-changed, or touched since the index was written), and
    with no ``filter`` or ``working-tree-encoding`` attribute (``check-attr``), which can make the
    working tree's bytes other than the blob's at the same size.  End-of-line conversion and ``ident``
    are left to the caller's size check (they only ever add bytes to the blob).  Empty when git cannot
    tell: any git failure, or a SHA-256 repository."""
    spec = ["--", *pathspec]
    listed = _run(repo, ["ls-files", "-z", "--stage", "-v", *spec])
    if listed.returncode != 0:
        return {}
    entries: dict[bytes, bytes] = {}
    for record in listed.stdout.split(b"\0"):
        meta, tab, path = record.partition(b"\t")
        fields = meta.split(b" ")
        if not tab or len(fields) != 4:
            continue
        tag, mode, blob, stage = fields
        if tag == b"H" and stage == b"0" and mode in _REGULAR and len(blob) == 40:
            entries[path] = bytes.fromhex(blob.decode("ascii"))
    if not entries:
        return {}
    dirty = _run(repo, ["diff-files", "-z", "--name-only", *spec])
    if dirty.returncode != 0:
        return {}
    for path in dirty.stdout.split(b"\0"):
        entries.pop(path, None)
    attrs = _run(repo, ["check-attr", "-z", "--stdin", "filter", "working-tree-encoding"],
                 input=b"".join(p + b"\0" for p in entries))  # fmt: skip
    if attrs.returncode != 0:
        return {}
    fields = attrs.stdout.split(b"\0")
    for k in range(0, len(fields) - 2, 3):
        if fields[k + 2] not in (b"unspecified", b"unset"):
            entries.pop(fields[k], None)
    return {_decode(path): blob for path, blob in entries.items()}


def read_blobs(repo: str, rev: str, paths: Iterable[str]) -> dict[str, bytes]:
    """The content of ``paths`` at ``rev`` (paths missing there, or holding a newline, are left out)."""
    wanted = sorted({p for p in paths if "\n" not in p and "\r" not in p})
    if not wanted:
        return {}
    request = b"".join(f"{rev}:{p}\n".encode("utf-8", "surrogateescape") for p in wanted)
    proc = _run(repo, ["cat-file", "--batch"], input=request)
    if proc.returncode != 0:
        raise InputError(f"git cat-file failed: {git.first_line(proc.stderr) or 'exit status ' + str(proc.returncode)}")
    data, pos, out = proc.stdout, 0, {}
    for path in wanted:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = data[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # "<object> missing", or a submodule/tree
        size = int(header[2])
        out[path] = data[pos : pos + size]
        pos += size + 1  # content, then a newline
    return out


__all__ = [
    "Diff",
    "FileChange",
    "Hunk",
    "diff",
    "merge_base",
    "read_blobs",
    "repo_root",
    "unchanged_blobs",
]
