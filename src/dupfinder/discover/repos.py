"""The git repositories holding scanned files, with their HEAD commits (for links in the reports)."""

from __future__ import annotations

import os

from dupfinder.model import RepoRef, ScanResult
from dupfinder.support import git

_TIMEOUT_S = 30


def repo_refs(result: ScanResult) -> tuple[RepoRef, ...]:
    """The repositories holding the copies of ``result``'s clusters, for ``--link-template``.

    One per folder holding ``.git`` above a copy; when the base itself is not such a folder,
    also the base (which may sit inside a bigger checkout: then with its prefix there).
    """
    memo: dict[str, str | None] = {}
    paths = sorted({i.path for c in result.clusters for i in c.instances})
    folders = sorted({f for p in paths if (f := git.repository_of(result.base, p, memo)) is not None})
    refs: list[RepoRef] = []
    for folder in folders:
        path = os.path.join(result.base, folder)
        rev = git.output(path, ["rev-parse", "HEAD"], timeout=_TIMEOUT_S) or "HEAD"
        refs.append(RepoRef(folder, os.path.basename(os.path.abspath(path)), rev))
    if "" not in folders:
        top = git.output(result.base, ["rev-parse", "--show-toplevel"], timeout=_TIMEOUT_S)
        if top:
            prefix = (git.output(result.base, ["rev-parse", "--show-prefix"], timeout=_TIMEOUT_S) or "").rstrip("/")
            rev = git.output(result.base, ["rev-parse", "HEAD"], timeout=_TIMEOUT_S) or "HEAD"
            refs.append(RepoRef("", os.path.basename(top), rev, prefix))
        else:
            refs.append(RepoRef("", os.path.basename(os.path.abspath(result.base)), "HEAD"))
    return tuple(refs)
