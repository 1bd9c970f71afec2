"""Each clone cluster's history, read from git: when each copy appeared, and fixes that reached one copy.

Input: the clusters of a scan of a folder inside a git repository (as it is at
``HEAD``) and the repository.  The working tree is never touched: everything
past comes from git's object store.

Walking (:func:`file_versions`)
    One ``git log --reverse --name-status --no-renames`` pass, limited to the
    files that hold a cluster's copy, lists the commits that touched them, oldest
    first; one ``git cat-file --batch`` process then reads every version of
    those files (a blob seen twice is analysed once).  A file is followed under
    its current name only: before a rename it is another file, so its copies
    appear in the commit that renamed it.

Following a copy back (:func:`_lineage`)
    From its unit now, each earlier version of its file (newest first) is
    searched for the unit it came from: a unit of the same name and the same
    code; else the most similar unit of the same name, else of any name, at
    least as similar as the scan's threshold.  The oldest
    version with such a unit is where the copy *first appeared*; a version in
    which the unit's code (normalised tokens and string literals, trailing commas
    left out) differs from the next older one is an *edit* of the copy.

Per cluster
    * ``first_seen``: per copy, the commit it first appeared in; ``origin``, the
      oldest copy (ties: the cluster's instance order);
    * ``copies_over_time``: the number of copies after each commit that changed it;
    * ``divergent_fixes``: each commit that edited some copies while other copies
      already existed and were not edited -- leaving out a copy that the edit made
      the same as (it had the change already) and copies whose code was no copy of
      the edited one's before the commit (less similar than the threshold).

Cost: one ``git log``, one ``cat-file`` process, one analysis per distinct
blob of the clusters' files, and per copy O(versions x units per version)
verified similarities (memoised).
"""

from __future__ import annotations

import itertools
import os
import posixpath
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from dupfinder import languages
from dupfinder.analyse.batch import Progress
from dupfinder.analyse.file import analyse_bytes
from dupfinder.config import ScanConfig
from dupfinder.gate.history import UnitSimilarity, instance_key
from dupfinder.gate.inconsistent import same_code, short_diff
from dupfinder.model import (
    CloneHistory,
    Cluster,
    ClusterHistory,
    Commit,
    CopyCount,
    DivergentFix,
    FirstSeen,
    Instance,
    Unit,
)
from dupfinder.support import git

_GIT_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Version:
    """A file as one commit left it."""

    index: int  #: position of the commit in the walk, oldest first
    commit: Commit
    units: tuple[Unit, ...]  #: empty when the commit deleted the file
    text: str  #: the file's text ("" when deleted)


@dataclass(frozen=True, slots=True)
class _Step:
    """A copy as one version of its file held it."""

    index: int
    unit: Unit
    text: str


def _git(repo: str, args: Sequence[str]) -> bytes:
    return git.checked(repo, args, needed_for="to read the repository's history", timeout=_GIT_TIMEOUT_S)


def commits_touching(repo: str, tip: str, paths: Sequence[str]) -> list[tuple[Commit, dict[str, str]]]:
    """Commits of ``tip``'s history that touched ``paths`` (repository-relative), oldest first, with
    ``{path: status}`` of the paths each touched."""
    if not paths:
        return []
    fmt = "--format=%x01%H%x09%cI%x09%s"
    out = _git(repo, ["log", "--reverse", "--no-renames", "--name-status", "-z", fmt, "--end-of-options", tip,
                      "--", *paths])  # fmt: skip
    wanted = set(paths)
    found: list[tuple[Commit, dict[str, str]]] = []
    for record in out.split(b"\x01")[1:]:
        # with -z: the formatted line, NUL, a newline, then status NUL path NUL ...
        head, _, rest = record.partition(b"\0")
        sha, date, subject = [*head.decode("utf-8", "replace").split("\t", 2), "", ""][:3]
        fields = [f.lstrip(b"\n") for f in rest.split(b"\0") if f.strip(b"\n")]
        touched: dict[str, str] = {}
        for status, path in zip(fields[::2], fields[1::2], strict=False):
            p = path.decode("utf-8", "surrogateescape")
            if p in wanted:
                touched[p] = status.decode("ascii", "replace").strip()[:1]
        if touched:
            found.append((Commit(sha, date, subject), touched))
    return found


class BlobReader:
    """One ``git cat-file --batch`` process answering ``REV:PATH`` requests one at a time."""

    def __init__(self, repo: str) -> None:
        command = git.command(repo, ["cat-file", "--batch"])
        self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=git.environment())  # fmt: skip

    def read(self, rev: str, path: str) -> tuple[str, bytes] | None:
        """(blob id, content) of ``path`` at ``rev``, or None when it is not a blob there."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        if "\n" in path:
            return None
        stdin.write(f"{rev}:{path}\n".encode("utf-8", "surrogateescape"))
        stdin.flush()
        header = stdout.readline().rstrip(b"\n").split(b" ")
        if len(header) != 3:
            return None  # "<object> missing"
        size = int(header[2])
        data = stdout.read(size + 1)[:size]
        return (header[0].decode(), data) if header[1] == b"blob" else None

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc.wait()


def file_versions(repo: str, tip: str, paths: Mapping[str, str], config: ScanConfig,
                  progress: Progress | None = None) -> tuple[int, dict[str, list[Version]]]:  # fmt: skip
    """The number of commits walked, and per file (by its scan path) every version, oldest first.

    ``paths``: repository path -> scan path of each file to follow.
    """
    commits = commits_touching(repo, tip, sorted(paths))
    analysed: dict[str, tuple[tuple[Unit, ...], str]] = {}  # blob id -> units, text
    out: dict[str, list[Version]] = {p: [] for p in paths.values()}
    reader = BlobReader(repo)
    try:
        for n, (commit, touched) in enumerate(commits):
            if progress:
                progress("history", n, len(commits))
            for repo_path, status in sorted(touched.items()):
                scan_path = paths[repo_path]
                lang = languages.language_for(posixpath.basename(scan_path))
                blob = reader.read(commit.sha, repo_path) if status != "D" and lang else None
                if blob is None:
                    out[scan_path].append(Version(n, commit, (), ""))
                    continue
                blob_id, data = blob
                if blob_id not in analysed:
                    assert lang is not None
                    result = analyse_bytes(data, scan_path, lang, config)
                    analysed[blob_id] = (result.units, data.decode("utf-8", "replace"))
                units, text = analysed[blob_id]
                out[scan_path].append(Version(n, commit, units, text))
    finally:
        reader.close()
    if progress:
        progress("history", len(commits), len(commits))
    return len(commits), out


class _Lineages:
    def __init__(self, versions: Mapping[str, list[Version]], threshold: float) -> None:
        self._versions, self._threshold = versions, threshold
        self._sim = UnitSimilarity()

    def similar(self, a: Unit, b: Unit) -> bool:
        return self._sim.similarity(a, b) >= self._threshold

    def _match(self, unit: Unit, version: Version) -> Unit | None:
        # most versions leave a copy as it was: the same code under the same name needs no measure;
        # then units of the same name, and only when none of them is close enough, every unit
        same_name = [u for u in version.units if u.name == unit.name and u.language == unit.language]
        for u in same_name:
            if same_code(u, unit):
                return u
        found = self._best(unit, same_name)
        if found is None:
            others = [u for u in version.units if u.name != unit.name and u.language == unit.language]
            found = self._best(unit, others)
        return found

    def _best(self, unit: Unit, candidates: Sequence[Unit]) -> Unit | None:
        best: tuple[tuple[float, int], Unit] | None = None
        for u in candidates:
            sim = self._sim.similarity(unit, u)
            if sim < self._threshold:
                continue
            rank = (sim, -abs(u.start_line - unit.start_line))
            if best is None or rank > best[0]:
                best = (rank, u)
        return best[1] if best else None

    def lineage(self, unit: Unit) -> list[_Step]:
        """The copy in each version of its file, oldest first, back to where it first appeared."""
        steps: list[_Step] = []
        current = unit
        for version in reversed(self._versions.get(unit.path, [])):
            found = self._match(current, version)
            if found is None:
                break
            steps.append(_Step(version.index, found, version.text))
            current = found
        return steps[::-1]


def _at(steps: Sequence[_Step], index: int) -> _Step | None:
    """The copy as it was after commit ``index`` (None when it did not exist yet)."""
    found = None
    for s in steps:
        if s.index > index:
            break
        found = s
    return found


def _excerpt(step: _Step) -> list[str]:
    return step.text.splitlines()[step.unit.start_line - 1 : step.unit.end_line]


def cluster_history(cluster: Cluster, units: Mapping[str, Unit], lineages: _Lineages,
                    commits: Mapping[int, Commit]) -> ClusterHistory:  # fmt: skip
    """The history of one cluster (see the module docstring)."""
    steps: list[tuple[Instance, list[_Step]]] = []
    for inst in cluster.instances:
        unit = units.get(instance_key(inst.path, inst.start_line, inst.end_line))
        steps.append((inst, lineages.lineage(unit) if unit is not None else []))
    first = [(inst, s[0].index) for inst, s in steps if s]
    first_seen = tuple(FirstSeen(inst, commits[i]) for inst, i in first)
    origin = min(first, key=lambda p: p[1])[0] if first else None
    counts: list[CopyCount] = []
    for index in sorted({i for _, i in first}):
        counts.append(CopyCount(commits[index], sum(1 for _, i in first if i <= index)))
    fixes: list[DivergentFix] = []
    edits: dict[int, list[int]] = {}  # commit index -> copies (by position) it edited
    for n, (_, s) in enumerate(steps):
        for before, after in itertools.pairwise(s):
            if not same_code(before.unit, after.unit):
                edits.setdefault(after.index, []).append(n)
    for index in sorted(edits):
        edited = edits[index]
        ref = steps[edited[0]][1]
        before_step = _at(ref, index - 1)
        after_step = _at(ref, index)
        if before_step is None or after_step is None:
            continue
        behind: list[Instance] = []
        for n, (inst, s) in enumerate(steps):
            if n in edited:
                continue
            was = _at(s, index - 1)
            now = _at(s, index)
            if was is None or now is None:
                continue  # the copy did not exist before this commit
            if same_code(now.unit, after_step.unit):
                continue  # it had the change already
            if not lineages.similar(was.unit, before_step.unit):
                continue  # no copy of the edited one then
            behind.append(inst)
        if behind:
            diff = short_diff(_excerpt(before_step), _excerpt(after_step))
            fixes.append(DivergentFix(commits[index], tuple(steps[n][0] for n in edited), tuple(behind), diff))
    return ClusterHistory(cluster.id, first_seen, origin, tuple(counts), tuple(fixes))


def clone_history(path: str, clusters: Sequence[Cluster], units: Sequence[Unit], config: ScanConfig,
                  tip: str = "HEAD", progress: Progress | None = None) -> CloneHistory:  # fmt: skip
    """The history of every unit cluster of a scan of ``path`` (a folder inside a git repository).

    ``units``: every unit of that scan (at least those of the clusters' copies).
    """
    from dupfinder.history.trend import repository

    top, _ = repository(path)
    base = os.path.realpath(path)
    rel = os.path.relpath(base, os.path.realpath(top)).replace(os.sep, "/")
    scope = "" if rel == "." else rel
    kept = [c for c in clusters if c.kind == "unit"]
    files = sorted({i.path for c in kept for i in c.instances})
    paths = {(f"{scope}/{p}" if scope else p): p for p in files}
    walked, versions = file_versions(top, tip, paths, config, progress)
    commits: dict[int, Commit] = {v.index: v.commit for vs in versions.values() for v in vs}
    lineages = _Lineages(versions, config.threshold)
    by_key = {instance_key(u.path, u.start_line, u.end_line): u for u in units}
    tip_sha = _git(top, ["rev-parse", "--verify", "--end-of-options", f"{tip}^{{commit}}"]).decode().strip()
    histories = tuple(cluster_history(c, by_key, lineages, commits) for c in kept)
    return CloneHistory(os.path.basename(top), tip_sha, walked, histories)


def fixed_in_one_place(history: CloneHistory) -> Iterator[tuple[ClusterHistory, DivergentFix]]:
    """Every divergent fix, with its cluster's history, in cluster order then oldest first."""
    for c in history.clusters:
        for f in c.divergent_fixes:
            yield c, f


__all__ = ["BlobReader", "clone_history", "cluster_history", "commits_touching", "file_versions", "fixed_in_one_place"]
