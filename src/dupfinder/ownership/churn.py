"""Git churn: how many commits touched each file, for ranking opportunities.

Copies that keep changing are copies that keep costing: the churn of an
opportunity's files adds ``log2(1 + commits)`` points to its score, and the
churn of a team's copies makes it a better pioneer (actively maintained).

:func:`git_churn` runs one ``git log --name-only`` per repository (the nearest
folder holding ``.git`` above each path, searched up to the base) and counts,
for each path asked for, the commits since ``since`` that touched it. Renames
are not followed. A folder that is not a git repository, or a ``git`` that is
missing or fails, gives no counts for its paths -- churn is optional evidence,
never a reason to fail a scan.

Cost: one ``git log`` per repository, linear in the commits and files it lists.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from dupfinder.support import git

_TIMEOUT_S = 120


def _head_time(repo_dir: str) -> int | None:
    out = git.output(repo_dir, ["log", "-1", "--format=%ct"], timeout=_TIMEOUT_S)
    return int(out) if out is not None and out.isdigit() else None


def git_churn(base: str, paths: Iterable[str], since: str | None = None, window_days: int = 365) -> dict[str, int]:
    """path (POSIX, relative to ``base``) -> commits touching it; only paths with history.

    By default the window is the ``window_days`` before each repository's HEAD
    commit, not before today, so the same history always gives the same counts
    (and the same report).  ``since`` (a git date) overrides it.
    """
    base_abs = os.path.abspath(base)
    cache: dict[str, str | None] = {}
    by_repo: dict[str, set[str]] = {}
    for p in sorted(set(paths)):
        repo = git.repository_of(base_abs, p, cache)
        if repo is not None:
            by_repo.setdefault(repo, set()).add(p)
    out: dict[str, int] = {}
    for repo, wanted in sorted(by_repo.items()):
        repo_dir = os.path.join(base_abs, repo)
        window = since
        if window is None:
            head = _head_time(repo_dir)
            if head is None:
                continue
            window = f"@{head - window_days * 86400}"
        log = git.output(repo_dir, ["log", f"--since={window}", "--name-only", "--format=%x00"], timeout=_TIMEOUT_S)
        if log is None:
            continue
        counts: dict[str, int] = {}
        for commit in log.split("\x00"):
            for name in {line.strip() for line in commit.splitlines() if line.strip()}:
                counts[name] = counts.get(name, 0) + 1
        for p in wanted:
            rel = p[len(repo) + 1 :] if repo else p
            if rel in counts:
                out[p] = counts[rel]
    return dict(sorted(out.items()))


__all__ = ["git_churn"]
