"""The CI gate's two modes: against a git revision (``--base``) and against a baseline file (``--baseline``).

Both scan the code as it is now (keeping every unit, so that nothing is parsed
twice), attribute teams and categories to the clusters the change touches, and
ask :func:`~dupfinder.gate.new.find_new` which changed copies are new
duplication.  ``--base`` reads the merge-base revision's version of the changed
files with ``git cat-file`` (the working tree is never touched) and builds only
the clusters that may have a copy in a changed file (git says which before the
scan); ``--baseline`` reads a file written by ``dupfinder baseline`` and needs
every cluster.  Cost: one scan (cached files are not parsed again; with
``--base``, the grouping and the block search of the files linked to the
changed ones only; the files git says are unchanged are keyed by their blob ids
from the cache, not read), one ``git diff``, and the base revision's changed files.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from dupfinder import languages
from dupfinder.analyse.file import analyse_bytes
from dupfinder.config import Runtime, ScanConfig
from dupfinder.discover.walk import Discovery, discover
from dupfinder.errors import InputError
from dupfinder.gate import gitdiff
from dupfinder.gate.baseline import Baseline, BaselineHistory, build, check_settings, load
from dupfinder.gate.history import BlockHistory, History, RevisionHistory, UnitSimilarity, instance_key
from dupfinder.gate.inconsistent import find_inconsistent
from dupfinder.gate.new import find_new, relocate, relocate_inconsistent
from dupfinder.model import (
    Cluster,
    FailOn,
    Finding,
    GateReport,
    Inconsistent,
    Instance,
    RuleSet,
    ScanResult,
    TeamOptions,
    TokenStream,
    Unit,
)
from dupfinder.opportunities.enrich import categorised, owned
from dupfinder.ownership.resolver import build_resolver
from dupfinder.pipeline import scan_discovered
from dupfinder.support.progress import Progress, stage


@dataclass(frozen=True, slots=True)
class GateOptions:
    """Everything the gate needs besides what is already there."""

    path: str  #: the folder to scan (inside the git repository for ``--base``)
    config: ScanConfig  #: scan settings, with the enabled ignore rules
    rules: RuleSet
    teams: TeamOptions = TeamOptions()
    fail_on: FailOn = FailOn()
    max_new: int = 0  #: findings that fail allowed before the gate fails
    runtime: Runtime = field(default_factory=Runtime)


@dataclass(frozen=True, slots=True)
class _Scanned:
    """The code as it is now: the scan's result and every unit, by path."""

    result: ScanResult
    units: dict[str, tuple[Unit, ...]]
    streams: dict[str, TokenStream]

    def at(self, path: str) -> tuple[Unit, ...]:
        return self.units.get(path, ())

    def by_key(self, clusters: Sequence[Cluster]) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        for c in clusters:
            for i in c.instances:
                for u in self.at(i.path):
                    out[instance_key(u.path, u.start_line, u.end_line)] = u
        return out


def _scan(options: GateOptions, progress: Progress | None, disc: Discovery | None = None,
          focus: Collection[str] | None = None, blobs: Mapping[str, bytes] | None = None) -> _Scanned:  # fmt: skip
    """The scan of ``options.path``; with ``focus`` (paths), only the clusters that may have a copy there;
    ``blobs``: the git blob ids of the files git says are unchanged (see :func:`scan_discovered`)."""
    if disc is None:
        with stage(progress, "discover"):
            disc = discover([options.path], options.config)
    units: list[Unit] = []
    streams: dict[str, TokenStream] = {}
    result = scan_discovered(disc, options.config, progress, units_out=units, streams_out=streams, focus=focus,
                             blobs=blobs, **options.runtime.scan_kwargs())  # fmt: skip
    by_path: dict[str, list[Unit]] = {}
    for u in units:
        by_path.setdefault(u.path, []).append(u)
    return _Scanned(result, {p: tuple(us) for p, us in by_path.items()}, streams)


def similarity_of(units: dict[str, Unit]) -> Callable[[Instance, Instance], float]:
    """Exact similarity of two instances (the scan's measure), from their units when at hand."""
    measure = UnitSimilarity()

    def sim(a: Instance, b: Instance) -> float:
        ua = units.get(instance_key(a.path, a.start_line, a.end_line))
        ub = units.get(instance_key(b.path, b.start_line, b.end_line))
        if ua is not None and ub is not None:
            return measure.similarity(ua, ub)
        if a.fingerprint == b.fingerprint:
            return 1.0
        return min(a.similarity, b.similarity)  # similarities to the representative: a lower bound only

    return sim


def _enriched(clusters: Sequence[Cluster], result: ScanResult, options: GateOptions) -> list[Cluster]:
    """Teams and categories on the clusters the change touches (as :func:`enrich` does for all)."""
    resolver = build_resolver(result.base, result.roots, options.teams.teams_file, options.teams.fallback)
    paths = {i.path for c in clusters for i in c.instances}
    file_teams = {path: att.team for path, att in resolver.resolve_all(paths).items()}
    return categorised(owned(clusters, file_teams), options.rules)


def _findings(clusters: Sequence[Cluster], changed: Callable[[Instance], bool],
              history_for: Callable[[Sequence[Cluster]], History], scanned: _Scanned,
              options: GateOptions,
              inconsistent_for: Callable[[Sequence[Cluster]], tuple[Inconsistent, ...]] | None = None,
              ) -> tuple[GateReport, int]:  # fmt: skip
    """The findings among ``clusters`` as a report (``against`` left to the caller), and the changed units."""
    affected = [c for c in clusters if any(changed(i) for i in c.instances)]
    n_changed = sum(1 for c in affected for i in c.instances if changed(i))
    findings: tuple[Finding, ...] = ()
    inconsistent: tuple[Inconsistent, ...] = ()
    if affected:
        enriched = _enriched(affected, scanned.result, options)
        findings = find_new(enriched, changed, history_for(enriched), similarity_of(scanned.by_key(enriched)),
                            rules=options.rules, fail_on=options.fail_on)  # fmt: skip
        if inconsistent_for is not None:
            inconsistent = inconsistent_for(enriched)
    report = GateReport(findings=findings, against="", max_new=options.max_new, fail_on=options.fail_on,
                        stats=scanned.result.stats, changed_units=n_changed,
                        inconsistent=inconsistent)  # fmt: skip
    return report, n_changed


def _without(clusters: Sequence[Cluster], paths: set[str]) -> tuple[Cluster, ...]:
    """Clusters with the instances in ``paths`` left out (clusters left with one copy dropped)."""
    if not paths:
        return tuple(clusters)
    out = []
    for c in clusters:
        kept = tuple(i for i in c.instances if i.path not in paths)
        if len(kept) >= 2:
            out.append(c if len(kept) == len(c.instances) else replace(c, instances=kept))
    return tuple(out)


def _scope(root: str, base: str) -> str:
    """The scan base relative to the repository root ("" when it is the root)."""
    rel = os.path.relpath(os.path.realpath(base), root).replace(os.sep, "/")
    if rel == ".":
        return ""
    if rel == ".." or rel.startswith("../"):
        raise InputError(f"{base} is outside the git repository at {root}")
    return rel


def _language(path: str, config: ScanConfig) -> str | None:
    lang = languages.language_for(posixpath.basename(path))
    if lang is None or (config.languages and lang not in config.languages):
        return None
    return lang


@dataclass(frozen=True, slots=True)
class _Change:
    """What git says the change did, in the scan's paths."""

    root: str  #: the repository's top folder
    merge: str  #: the merge-base commit
    scope: str  #: the scan base inside the repository ("" for its top)
    diff: gitdiff.Diff

    def scan_path(self, repo_path: str) -> str | None:
        if not self.scope:
            return repo_path
        return repo_path[len(self.scope) + 1 :] if repo_path.startswith(self.scope + "/") else None

    def changes(self) -> dict[str, gitdiff.FileChange]:
        return {p: f for f in self.diff.files if f.path is not None and (p := self.scan_path(f.path)) is not None}

    def blobs(self) -> dict[str, bytes]:
        """Scan path -> git blob id of the files git says are unchanged in the working tree."""
        found = gitdiff.unchanged_blobs(self.root, [self.scope] if self.scope else [])
        return {p: blob for path, blob in found.items() if (p := self.scan_path(path)) is not None}

    def untracked(self) -> set[str]:
        return {p for u in self.diff.untracked if (p := self.scan_path(u)) is not None}

    def earlier(self, config: ScanConfig) -> tuple[list[Unit], dict[str, TokenStream]]:
        """The base revision's units that the change edited, moved away or deleted -- those of every
        modified, renamed or deleted file whose lines the diff touched (the rest is still there,
        unchanged) -- and those files' token streams at the base revision, by their path after the change."""
        olds: dict[str, tuple[str, gitdiff.FileChange]] = {}
        for f in self.diff.files:
            if f.status in "MRTD" and f.old_path:
                shown = (self.scan_path(f.path) if f.path else None) or self.scan_path(f.old_path)
                if shown is not None:
                    olds[f.old_path] = (shown, f)
        earlier: list[Unit] = []
        streams: dict[str, TokenStream] = {}
        for repo_path, data in sorted(gitdiff.read_blobs(self.root, self.merge, olds).items()):
            # named by the file's path after the change, so that a renamed file's units keep their place
            path, change = olds[repo_path]
            lang = _language(path, config)
            if lang is not None:
                analysed = analyse_bytes(data, path, lang, config)
                earlier.extend(u for u in analysed.units if change.touches_old(u.start_line, u.end_line))
                if analysed.stream is not None:
                    streams[path] = analysed.stream
        return earlier, streams

    def texts_before(self, paths: set[str]) -> dict[str, str]:
        """The base revision's text of files, by their path after the change."""
        olds = {f.old_path: p for f in self.diff.files
                if f.path and f.old_path and (p := self.scan_path(f.path)) in paths}  # fmt: skip
        blobs = gitdiff.read_blobs(self.root, self.merge, olds)
        return {olds[k]: v.decode("utf-8", "replace") for k, v in blobs.items()}


def _text_now(base: str) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        try:
            with open(os.path.join(base, path), encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return None

    return read


def against_revision(options: GateOptions, rev: str, progress: Progress | None = None, *,
                     focused: bool = True) -> GateReport:  # fmt: skip
    """New duplication in what changed since the merge-base of ``rev`` and HEAD.

    Only the clusters that may have a copy in a changed file are built (every finding is in one);
    ``focused=False`` builds all of them instead, for the same report (a check of the fast path).
    """
    root = gitdiff.repo_root(options.path)
    merge = gitdiff.merge_base(root, rev)
    with stage(progress, "discover"):
        disc = discover([options.path], options.config)
    scope = _scope(root, disc.base)
    change = _Change(root, merge, scope, gitdiff.diff(root, merge, [scope] if scope else []))
    changes = change.changes()
    scanned = _scan(options, progress, disc, set(changes) if focused else None, change.blobs())

    def changed(i: Instance) -> bool:
        f = changes.get(i.path)
        return f is not None and f.touches(i.start_line, i.end_line)

    earlier: list[tuple[list[Unit], dict[str, TokenStream]]] = []

    def before() -> tuple[list[Unit], dict[str, TokenStream]]:
        if not earlier:  # read and parsed once, for both checks
            earlier.append(change.earlier(options.config))
        return earlier[0]

    def history_for(affected: Sequence[Cluster]) -> History:
        units, streams = before()
        return RevisionHistory(units, scanned.by_key(affected), options.config.threshold,
                               blocks=BlockHistory(scanned.streams, streams))  # fmt: skip

    def inconsistent_for(affected: Sequence[Cluster]) -> tuple[Inconsistent, ...]:
        texts = change.texts_before({i.path for c in affected for i in c.instances if changed(i)})
        return find_inconsistent(affected, changed, before()[0], scanned.by_key(affected), options.config.threshold,
                                 texts.get, _text_now(scanned.result.base),
                                 fails=options.fail_on.inconsistent)  # fmt: skip

    clusters = _without(scanned.result.clusters, change.untracked())
    report, _ = _findings(clusters, changed, history_for, scanned, options, inconsistent_for)
    return replace(report, findings=relocate(report.findings, scope),
                   inconsistent=relocate_inconsistent(report.inconsistent, scope),
                   against=f"{rev} (merge-base {merge[:12]})")  # fmt: skip


def against_baseline(options: GateOptions, file: str, progress: Progress | None = None) -> GateReport:
    """New duplication in what a baseline file (``dupfinder baseline``) does not know."""
    known = load(file)
    check_settings(known, options.config, file)
    scanned = _scan(options, progress)
    history = BaselineHistory(known, scanned.result.clusters, scanned.at)
    report, _ = _findings(scanned.result.clusters, history.changed, lambda _: history, scanned, options)
    try:
        scope = _scope(gitdiff.repo_root(scanned.result.base), scanned.result.base)
    except InputError:
        scope = ""  # not in a git repository: paths stay relative to PATH
    return replace(report, findings=relocate(report.findings, scope), against=f"baseline {file}")


def record(path: str, config: ScanConfig, runtime: Runtime, progress: Progress | None = None) -> Baseline:
    """The baseline of the code at ``path``: every unit and every clone cluster (``dupfinder baseline``)."""
    units: list[Unit] = []
    with stage(progress, "discover"):
        disc = discover([path], config)
    result = scan_discovered(disc, config, progress, units_out=units, **runtime.scan_kwargs())
    return build(units, result.clusters, config)
