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

Several repositories (:func:`scan_history`)
    A scan of an organisation's checkouts side by side walks each repository
    holding a copy's file; their walks are merged into one timeline by
    committer date (each repository's own order kept), so a fix in one team's
    repository is compared with the copies another team's held at that time.

Following a copy back (:func:`_lineage`)
    From its unit now, each earlier version of its file (newest first) is
    searched for the unit it came from: a unit of the same name and the same
    code; else the most similar unit of the same name, else (when the older
    file does not hold the name at all: a rename) of any name, at least as
    similar as the scan's threshold.  A unit of the same name rewritten beyond
    the threshold, or a function too small to be a unit then, is where the
    copy starts, never another function that happens to be close.  The oldest
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

Noise left out of the divergent fixes
    * an edit of comments or, in Python, of docstrings only is no edit
      (:func:`~dupfinder.gate.inconsistent.edit_kind`: the syntax trees without
      docstrings agree);
    * an edit of string literals only (a message, a key, a URL) is kept but
      counted apart (``kind: "literal"``): a wrong message, key or URL fixed in
      one copy is a missed change in the others (docutils' one real finding was
      a message, fixed with a conditional beside it), so leaving them out would
      hide real ones, while most are wording a sibling may rightly keep: apart,
      a reviewer can read them last;
    * a copy the edit brought the edited one *nearer* to (more similar after
      than before) led the change: the edit caught up with it, nothing is
      missing there;
    * production and test copies apart: the copies left behind are those on the
      same side (production or not, by the rules' code kinds) as an edited one,
      so a fix to a test copy names no production copy;
    * a copy marked ``# dupfinder: diverge`` (inside it or on the line above, as
      it is at the tip) is an intended divergence: neither a fix nor left behind.

Cost: one ``git log``, one ``cat-file`` process, one analysis per distinct
blob of the clusters' files, and per copy O(versions x units per version)
verified similarities (memoised).
"""

from __future__ import annotations

import heapq
import itertools
import os
import posixpath
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from dupfinder import cache as cache_mod
from dupfinder import languages
from dupfinder.analyse.batch import signed, with_marks
from dupfinder.analyse.file import analyse_bytes
from dupfinder.config import ScanConfig
from dupfinder.errors import DupfinderError
from dupfinder.gate.history import UnitSimilarity, instance_key
from dupfinder.gate.inconsistent import (
    CODE_EDIT,
    LITERAL_EDIT,
    NO_EDIT,
    edit_kind,
    marked_divergent,
    same_code,
    short_diff,
)
from dupfinder.model import (
    CloneHistory,
    Cluster,
    ClusterHistory,
    Commit,
    CopyCount,
    DivergentFix,
    FirstSeen,
    Instance,
    RuleSet,
    Unit,
)
from dupfinder.support import git
from dupfinder.support.progress import Progress

_GIT_TIMEOUT_S = 600
_WRITE_EVERY = 256  #: cache entries per write transaction


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
    fmt = "--format=%x01%H%x09%cI%x09%ct%x09%s"
    out = _git(repo, ["log", "--reverse", "--no-renames", "--name-status", "-z", fmt, "--end-of-options", tip,
                      "--", *paths])  # fmt: skip
    wanted = set(paths)
    found: list[tuple[Commit, dict[str, str]]] = []
    for record in out.split(b"\x01")[1:]:
        # with -z: the formatted line, NUL, a newline, then status NUL path NUL ...
        head, _, rest = record.partition(b"\0")
        sha, date, stamp, subject = [*head.decode("utf-8", "replace").split("\t", 3), "", "", ""][:4]
        fields = [f.lstrip(b"\n") for f in rest.split(b"\0") if f.strip(b"\n")]
        touched: dict[str, str] = {}
        for status, path in zip(fields[::2], fields[1::2], strict=False):
            p = path.decode("utf-8", "surrogateescape")
            if p in wanted:
                touched[p] = status.decode("ascii", "replace").strip()[:1]
        if touched:
            found.append((Commit(sha, date, subject, int(stamp) if stamp.isdigit() else 0), touched))
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


class _Analyser:
    """Each version of a file analysed once, through the scan's per-file cache when there is one.

    The cache is keyed by a file's path, root, language and bytes (:func:`dupfinder.cache.file_key`),
    so a version with the same bytes as a file the scan analysed (most often the version at the tip)
    is read from it, not parsed again; a version parsed here is stored with its units' signatures,
    as a scan stores it, so the next walk reads it too.
    """

    def __init__(self, config: ScanConfig, cache: cache_mod.Cache | None) -> None:
        self._config, self._cache = config, cache if cache is not None and not cache.disabled else None
        self._scope = cache_mod.file_scope(config)
        self._pending: list[tuple[bytes, bytes, bytes | None]] = []
        self._seen: dict[tuple[str, str], tuple[Unit, ...]] = {}  # (blob id, path) -> units
        self.parsed = 0  #: versions parsed here
        self.reused = 0  #: versions read from the cache

    def units(self, blob_id: str, data: bytes, path: str, root: str, language: str) -> tuple[Unit, ...]:
        found = self._seen.get((blob_id, path))
        if found is None:
            found = self._seen[(blob_id, path)] = self._analyse(data, path, root, language)
        return found

    def _analyse(self, data: bytes, path: str, root: str, language: str) -> tuple[Unit, ...]:
        config, cache = self._config, self._cache
        key = None
        if cache is not None and len(data) <= config.max_file_bytes:
            key = cache_mod.file_key(self._scope, path, root, language, cache_mod.content_digest(data))
            blob = cache.get_files([key]).get(key)
            entry = cache_mod.decode(blob, path, config.num_perm) if blob is not None else None
            if entry is not None:
                self.reused += 1
                return entry.result.units
        self.parsed += 1
        result = analyse_bytes(data, path, language, config, root=root)
        if key is not None and result.skip is None:
            result = with_marks(result)  # the same record a scan writes for these bytes
            ((sigs, contents),) = signed([result], config)
            self._pending.append((key, *cache_mod.encode(result, sigs, contents)))
            if len(self._pending) >= _WRITE_EVERY:
                self.flush()
        return result.units

    def flush(self) -> None:
        if self._cache is not None and self._pending:
            self._cache.put_files(self._pending)
        self._pending = []


def file_versions(repo: str, tip: str, paths: Mapping[str, str], config: ScanConfig,
                  progress: Progress | None = None, *, roots: Mapping[str, str] | None = None,
                  cache: cache_mod.Cache | None = None) -> tuple[int, dict[str, list[Version]]]:  # fmt: skip
    """The number of commits walked, and per file (by its scan path) every version, oldest first.

    ``paths``: repository path -> scan path of each file to follow; ``roots``: scan path -> the scan
    root it was found under ("." when not given); ``cache``: the scan's cache (see :class:`_Analyser`).
    """
    commits = commits_touching(repo, tip, sorted(paths))
    analyser = _Analyser(config, cache)
    texts: dict[str, str] = {}  # blob id -> text
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
                assert lang is not None
                blob_id, data = blob
                units = analyser.units(blob_id, data, scan_path, (roots or {}).get(scan_path, "."), lang)
                text = texts.setdefault(blob_id, data.decode("utf-8", "replace"))
                out[scan_path].append(Version(n, commit, units, text))
    finally:
        reader.close()
        analyser.flush()
    if progress:
        progress("history", len(commits), len(commits))
    return len(commits), out


def _names(unit: Unit, text: str) -> bool:
    """Whether ``text`` holds the last part of ``unit``'s name as a word."""
    short = (unit.name or "").rpartition(".")[2]
    return bool(short) and re.search(rf"(?<![\w$]){re.escape(short)}(?![\w$])", text) is not None


class _Lineages:
    def __init__(self, versions: Mapping[str, list[Version]], threshold: float) -> None:
        self._versions, self._threshold = versions, threshold
        self._sim = UnitSimilarity()

    def similar(self, a: Unit, b: Unit) -> bool:
        return self._sim.similarity(a, b) >= self._threshold

    def closer(self, a: Unit, b: Unit, a_before: Unit, b_before: Unit) -> bool:
        """Whether ``a`` and ``b`` are more similar than ``a_before`` and ``b_before`` were."""
        return self._sim.similarity(a, b) > self._sim.similarity(a_before, b_before)

    def _match(self, unit: Unit, version: Version) -> Unit | None:
        # most versions leave a copy as it was: the same code under the same name needs no measure;
        # then units of the same name, and only when none of them is close enough, every unit
        same_name = [u for u in version.units if u.name == unit.name and u.language == unit.language]
        for u in same_name:
            if same_code(u, unit):
                return u
        found = self._best(unit, same_name)
        # a unit of the same name rewritten is where the copy starts, and so is one whose name the
        # older file holds (a function too small to be a unit then): only a renamed copy is looked
        # for under other names
        if found is None and not same_name and not _names(unit, version.text):
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


def _is_production(path: str) -> bool:
    return True


def _marked(step: _Step) -> bool:
    return marked_divergent(step.text.splitlines(), step.unit.start_line, step.unit.end_line)


def cluster_history(cluster: Cluster, units: Mapping[str, Unit], lineages: _Lineages, commits: Mapping[int, Commit],
                    is_production: Callable[[str], bool] = _is_production) -> ClusterHistory:  # fmt: skip
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
    # an intended divergence (marked in the copy as it is now) is neither a fix nor left behind
    marked = {n for n, (_, s) in enumerate(steps) if s and _marked(s[-1])}
    production = [is_production(inst.path) for inst, _ in steps]
    fixes: list[DivergentFix] = []
    edits: dict[int, list[tuple[int, str]]] = {}  # commit index -> (copy by position, edit kind) it edited
    for n, (_, s) in enumerate(steps):
        if n in marked:
            continue
        for before, after in itertools.pairwise(s):
            kind = edit_kind(before.unit, after.unit, _excerpt(before), _excerpt(after))
            if kind != NO_EDIT:
                edits.setdefault(after.index, []).append((n, kind))
    for index in sorted(edits):
        edited = [n for n, _ in edits[index]]
        ref = steps[edited[0]][1]
        before_step = _at(ref, index - 1)
        after_step = _at(ref, index)
        if before_step is None or after_step is None:
            continue
        # production and test copies apart: a fix to a test copy says nothing about production's copies
        sides = {production[n] for n in edited}
        behind: list[Instance] = []
        for n, (inst, s) in enumerate(steps):
            if n in edited or n in marked or production[n] not in sides:
                continue
            was = _at(s, index - 1)
            now = _at(s, index)
            if was is None or now is None:
                continue  # the copy did not exist before this commit
            if same_code(now.unit, after_step.unit):
                continue  # it had the change already
            if not lineages.similar(was.unit, before_step.unit):
                continue  # no copy of the edited one then
            if lineages.closer(after_step.unit, now.unit, before_step.unit, was.unit):
                continue  # the edit brought the copy nearer to this one: it caught up, this one led
            behind.append(inst)
        if behind:
            diff = short_diff(_excerpt(before_step), _excerpt(after_step))
            kind = CODE_EDIT if any(k == CODE_EDIT for _, k in edits[index]) else LITERAL_EDIT
            fixes.append(DivergentFix(commits[index], tuple(steps[n][0] for n in edited), tuple(behind), diff, kind))
    return ClusterHistory(cluster.id, first_seen, origin, tuple(counts), tuple(fixes))


def clone_history(path: str, clusters: Sequence[Cluster], units: Sequence[Unit], config: ScanConfig,
                  tip: str = "HEAD", progress: Progress | None = None, cache: cache_mod.Cache | None = None,
                  is_production: Callable[[str], bool] = _is_production) -> CloneHistory:  # fmt: skip
    """The history of every unit cluster of a scan of ``path`` (a folder inside a git repository).

    ``units``: every unit of that scan (at least those of the clusters' copies).
    """
    from dupfinder.history.trend import repository

    repository(path)  # a clear error when ``path`` is in no repository
    return scan_history(path, clusters, units, config, tip, progress, cache, is_production)


def _repositories(base: str, files: Sequence[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Per repository top folder, ``{path in the repository: scan path}`` of ``files`` (relative to
    ``base``), and the files in no repository."""
    from dupfinder.history.trend import repository

    memo: dict[str, str | None] = {}
    outer: str | None = None  # the repository holding the base itself, looked up once
    looked = False
    tops: dict[str, dict[str, str]] = {}
    outside: list[str] = []
    for f in files:
        folder = git.repository_of(base, f, memo)
        if folder is not None:
            top = os.path.realpath(os.path.join(base, folder))
        else:
            if not looked:
                looked = True
                try:
                    outer = os.path.realpath(repository(base)[0])
                except DupfinderError:
                    outer = None
            if outer is None:
                outside.append(f)
                continue
            top = outer
        rel = os.path.relpath(os.path.realpath(os.path.join(base, f)), top).replace(os.sep, "/")
        tops.setdefault(top, {})[rel] = f
    return tops, outside


def _one_timeline(per_repo: Sequence[dict[str, list[Version]]]) -> dict[str, list[Version]]:
    """The versions of several repositories' files on one timeline: each repository's commits keep
    their order, and the repositories' walks are merged by committer date."""
    if len(per_repo) == 1:
        return dict(per_repo[0])
    walks = []
    for r, versions in enumerate(per_repo):
        commits = sorted({(v.index, v.commit) for vs in versions.values() for v in vs}, key=lambda p: p[0])
        walks.append([(c.timestamp, r, i) for i, c in commits])
    order = {(r, i): n for n, (_, r, i) in enumerate(heapq.merge(*walks, key=lambda w: w[0]))}
    return {path: [replace(v, index=order[(r, v.index)]) for v in vs]
            for r, versions in enumerate(per_repo) for path, vs in versions.items()}  # fmt: skip


def scan_history(base: str, clusters: Sequence[Cluster], units: Sequence[Unit], config: ScanConfig,
                 tip: str = "HEAD", progress: Progress | None = None, cache: cache_mod.Cache | None = None,
                 is_production: Callable[[str], bool] = _is_production) -> CloneHistory:  # fmt: skip
    """The history of every unit cluster of a scan whose paths are relative to ``base``.

    Each git repository holding a copy's file (a folder with ``.git`` under ``base``, else the
    repository holding ``base``) is walked up to its ``tip``; copies in several repositories are
    compared on one timeline, the repositories' commits merged by committer date.  Copies in no
    repository have no history: :attr:`CloneHistory.skipped` says so.
    """
    kept = [c for c in clusters if c.kind == "unit"]
    files = sorted({i.path for c in kept for i in c.instances})
    tops, outside = _repositories(base, files)
    roots = {i.path: i.root for c in kept for i in c.instances}
    walked = 0
    per_repo: list[dict[str, list[Version]]] = []
    names: list[str] = []
    tips: list[str] = []
    for top in sorted(tops):
        n, versions = file_versions(top, tip, tops[top], config, progress, roots=roots, cache=cache)
        walked += n
        per_repo.append(versions)
        names.append(os.path.basename(top))
        tips.append(_git(top, ["rev-parse", "--verify", "--end-of-options", f"{tip}^{{commit}}"]).decode().strip())
    versions = _one_timeline(per_repo) if per_repo else {}
    commits: dict[int, Commit] = {v.index: v.commit for vs in versions.values() for v in vs}
    lineages = _Lineages(versions, config.threshold)
    by_key = {instance_key(u.path, u.start_line, u.end_line): u for u in units}
    histories = tuple(cluster_history(c, by_key, lineages, commits, is_production) for c in kept)
    skipped: tuple[str, ...] = ()
    if outside:
        first = outside[0].split("/", 1)[0] if "/" in outside[0] else outside[0]
        noun = "file" if len(outside) == 1 else "files"
        skipped = (f"{len(outside)} {noun} of the clusters' copies are in no git repository (e.g. {first}): "
                   "no history for their copies",)  # fmt: skip
    return CloneHistory(", ".join(names), ",".join(tips), walked, histories, skipped)


def production_paths(rules: RuleSet, base: str = "", paths: Iterable[str] = ()) -> Callable[[str], bool]:
    """Whether a path is production code by ``rules``' code kinds (tests, examples... are not); with
    ``base`` and the scanned ``paths`` under it, the folders that hold another project's copy there
    (:func:`~dupfinder.rules.kinds.copied_folders`) are vendored, as the scan's clusters call them."""
    from dupfinder.rules.kinds import PRODUCTION, KindMatcher, copied_folders

    kinds = KindMatcher(rules, copied_folders(base, paths, rules) if base else ())
    return lambda path: kinds.kind(path) == PRODUCTION


@contextmanager
def history_cache(cache_dir: str | None) -> Iterator[cache_mod.Cache | None]:
    """The scan's cache folder opened for a walk (None without one), finished afterwards."""
    cache = cache_mod.Cache(cache_dir) if cache_dir else None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.finish()


def fixed_in_one_place(history: CloneHistory) -> Iterator[tuple[ClusterHistory, DivergentFix]]:
    """Every divergent fix, with its cluster's history, in cluster order then oldest first."""
    for c in history.clusters:
        for f in c.divergent_fixes:
            yield c, f


__all__ = [
    "BlobReader",
    "clone_history",
    "cluster_history",
    "commits_touching",
    "file_versions",
    "fixed_in_one_place",
    "history_cache",
    "production_paths",
    "scan_history",
]
