"""One way to run git: the same executable check, configuration, environment and errors everywhere.

Every git call of dupfinder (the gate's diff and blobs, the trend's history and
archives, churn, the report's links) goes through :func:`run`, so that none of
them depends on the user's git configuration: paths are never quoted, diffs have
the default prefixes and no colour, no optional locks are taken (a scan never
writes to the repository), pathspecs are literal, and messages are in English.

Also the one test for "this folder is a git repository" (:func:`has_git`) and
the nearest repository above a path (:func:`repository_of`).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from collections.abc import Sequence

from dupfinder.errors import InputError

#: git options that make its output independent of the user's configuration.
CONFIG = (
    "-c", "core.quotePath=false",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "diff.relative=false",
    "-c", "color.ui=false",
)  # fmt: skip


def executable() -> str:
    """The git executable; InputError when there is none."""
    exe = shutil.which("git")
    if exe is None:
        raise InputError("git is not installed or not on PATH")
    return exe


def environment() -> dict[str, str]:
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_LITERAL_PATHSPECS": "1", "LC_ALL": "C"}


def command(repo: str, args: Sequence[str]) -> list[str]:
    """The argument vector of ``git args`` in ``repo`` (for a caller that streams its output)."""
    return [executable(), *CONFIG, "-C", repo, *args]


def run(repo: str, args: Sequence[str], *, input: bytes | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    """``git args`` in ``repo``, its output captured; InputError when git cannot be run or times out.

    A non-zero exit status is the caller's to judge (``proc.returncode``, :func:`first_line` of stderr).
    """
    try:
        return subprocess.run(command(repo, args), input=input, capture_output=True, check=False,
                              env=environment(), timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise InputError(f"git {args[0]} took longer than {timeout:g} s in {repo}") from None
    except OSError as exc:
        raise InputError(f"cannot run git: {exc.strerror or exc}") from None


def output(repo: str, args: Sequence[str], *, timeout: float | None = None) -> str | None:
    """The stripped standard output of ``git args``, or None when git is missing or fails (optional evidence)."""
    try:
        proc = run(repo, args, timeout=timeout)
    except InputError:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape").strip() if proc.returncode == 0 else None


def checked(repo: str, args: Sequence[str], *, needed_for: str, timeout: float | None = None) -> bytes:
    """The standard output of ``git args``, which must succeed: InputError naming what git was
    ``needed_for`` when git is missing, and git's first line when it fails."""
    if shutil.which("git") is None:
        raise InputError(f"git is not installed (needed {needed_for})")
    proc = run(repo, args, timeout=timeout)
    if proc.returncode != 0:
        raise InputError(f"git {args[0]} failed in {repo}: {first_line(proc.stderr) or f'exit code {proc.returncode}'}")
    return proc.stdout


def first_line(data: bytes) -> str:
    """The first line of git's message (for a one-line error)."""
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


def has_git(folder: str) -> bool:
    """Whether ``folder`` is the top of a git work tree (holds ``.git``: a folder, or a file for a worktree)."""
    return os.path.lexists(os.path.join(folder, ".git"))


def repository_of(base: str, path: str, memo: dict[str, str | None]) -> str | None:
    """The nearest folder above ``path`` (POSIX, relative to ``base``) holding ``.git``, up to ``base`` ("")."""
    d = posixpath.dirname(path)
    seen: list[str] = []
    while True:
        if d in memo:
            found = memo[d]
            break
        seen.append(d)
        if has_git(os.path.join(base, d)):
            found = d
            break
        if not d:
            found = None
            break
        d = posixpath.dirname(d)
    for s in seen:
        memo[s] = found
    return found
