"""``dupfinder ci``: fail a pull request that adds duplication; ``dupfinder baseline``: record what is there.

``dupfinder ci [PATH] --base REV`` scans PATH, asks git which lines changed
since the merge-base of REV and HEAD, and reports the changed units that are
new duplication (see :mod:`dupfinder.gate.new`), reading the base revision's
version of the changed files with ``git cat-file`` (the working tree is never
touched). ``--baseline FILE`` does the same against a file written by
``dupfinder baseline PATH -o FILE``, without git.

Exit codes: 0 no new duplication (or no more than ``--max-new``), 1 new
duplication that fails the gate, 2 usage or input error.
"""

from __future__ import annotations

import importlib
import io
import os
import posixpath
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TextIO

import click

from dupfinder import languages
from dupfinder.analyse.file import analyse_file, analyse_text, decode, ignore_reason
from dupfinder.cli.app import (
    EXIT_FINDINGS,
    emit,
    make_config,
    make_rules,
    progress_bar,
    scan_kwargs,
    scan_options,
    team_options,
)
from dupfinder.config import ScanConfig
from dupfinder.errors import DupfinderError, InputError
from dupfinder.gate.new import (
    FailOn,
    Finding,
    GateReport,
    History,
    Measure,
    RevisionHistory,
    find_new,
    headline,
    instance_key,
    relocate,
    reuse_hint,
    where,
)
from dupfinder.model import Cluster, FileResult, Instance, ScanResult, SourceFile, Unit
from dupfinder.rules import RuleSet

#: format name -> "module:attribute" of a ``write(report: GateReport, out)`` function
GATE_REPORTERS: dict[str, str] = {
    "text": "dupfinder.cli.ci:write_text",
    "sarif": "dupfinder.reporters.sarif:write",
    "github": "dupfinder.reporters.github:write",
    "markdown": "dupfinder.reporters.pr_markdown:write",
}


def gate_reporter(name: str) -> Callable[[GateReport, TextIO], None]:
    module_name, _, attr = GATE_REPORTERS[name].partition(":")
    writer: Callable[[GateReport, TextIO], None] = getattr(importlib.import_module(module_name), attr)
    return writer


# ---------------------------------------------------------------- text output


def write_text(report: GateReport, out: TextIO) -> None:
    """Compiler-style lines, one per new copy, then a verdict."""
    for f in report.findings:
        inst = f.instance
        level = "error" if f.fails else "note"
        cat = f" [{f.cluster.category}]" if f.cluster.category else ""
        out.write(f"{inst.path}:{inst.start_line}:1: {level}: new duplicate{cat}: {headline(f)}\n")
        out.write(f"  = {reuse_hint(f)}\n")
        for c in f.copies[1:]:
            out.write(f"  = also at {where(c.instance)} (similarity {c.similarity:.2f}{', new' if c.new else ''})\n")
    out.write(verdict(report) + "\n")


def verdict(report: GateReport) -> str:
    n, failing = len(report.findings), len(report.failing)
    if not n:
        return f"dupfinder ci: no new duplication against {report.against}"
    allowed = f", {report.max_new} allowed" if report.max_new else ""
    state = "fails" if report.failed else "passes"
    below = f" ({n - failing} below --fail-on)" if n != failing else ""
    return (
        f"dupfinder ci: {n} new duplicate{'s' if n != 1 else ''}{below} against {report.against}; gate {state}{allowed}"
    )


# ---------------------------------------------------------------- analysing single files


def _source(base: str, path: str, language: str) -> SourceFile:
    abspath = os.path.join(base, *path.split("/"))
    try:
        size = os.path.getsize(abspath)
    except OSError:
        size = 0
    return SourceFile(path=path, abspath=abspath, root=".", language=language, size=size)


def _language(path: str, config: ScanConfig) -> str | None:
    lang = languages.language_for(posixpath.basename(path))
    if lang is None or (config.languages and lang not in config.languages):
        return None
    return lang


def _units_of(result: FileResult) -> tuple[Unit, ...]:
    return () if result.skip is not None else result.units


def analyse_bytes(data: bytes, path: str, language: str, config: ScanConfig) -> tuple[Unit, ...]:
    """Units of a file's content (e.g. read from git); problems give no units, never an exception."""
    if len(data) > config.max_file_bytes:
        return ()
    text, _ = decode(data, language)
    if text is None:
        return ()
    if config.ignore_rules and ignore_reason(path, text, config):
        return ()
    source = SourceFile(path=path, abspath="", root=".", language=language, size=len(data))
    try:
        return _units_of(analyse_text(text, source, config))
    except RecursionError:
        return ()
    except Exception:  # a parser bug must cost one file, not the gate
        return ()


class CurrentUnits:
    """Units of files as they are now, analysed on demand (once per file)."""

    def __init__(self, base: str, config: ScanConfig) -> None:
        self._base = base
        self._config = config
        self._files: dict[str, tuple[Unit, ...]] = {}

    def at(self, path: str, language: str | None = None) -> tuple[Unit, ...]:
        found = self._files.get(path)
        if found is None:
            lang = language or _language(path, self._config)
            source = _source(self._base, path, lang) if lang else None
            found = _units_of(analyse_file(source, self._config)) if source and os.path.isfile(source.abspath) else ()
            self._files[path] = found
        return found

    def by_key(self, clusters: Sequence[Cluster]) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        for c in clusters:
            for i in c.instances:
                for u in self.at(i.path, i.language):
                    out[instance_key(u.path, u.start_line, u.end_line)] = u
        return out


def similarity_of(units: dict[str, Unit]) -> Callable[[Instance, Instance], float]:
    """Exact similarity of two instances (the scan's measure), from their units when at hand."""
    sh = Measure()

    def sim(a: Instance, b: Instance) -> float:
        ua = units.get(instance_key(a.path, a.start_line, a.end_line))
        ub = units.get(instance_key(b.path, b.start_line, b.end_line))
        if ua is not None and ub is not None:
            return sh.similarity(ua, ub)
        if a.fingerprint == b.fingerprint:
            return 1.0
        return min(a.similarity, b.similarity)  # similarities to the representative: a lower bound only

    return sim


# ---------------------------------------------------------------- teams and categories


def _enrich(
    clusters: Sequence[Cluster], result: ScanResult, params: dict[str, Any], rules: RuleSet
) -> tuple[Cluster, ...]:
    """Teams on the instances and categories on the clusters that have findings (as ``enrich`` does for all)."""
    from dupfinder.rules import categorize
    from dupfinder.ownership.resolver import build_resolver

    teams = team_options(params)
    resolver = build_resolver(result.base, result.roots, teams.teams_file, teams.fallback)
    out: list[Cluster] = []
    for c in clusters:
        owned = replace(c, instances=tuple(replace(i, team=resolver.resolve(i.path).team) for i in c.instances))
        category, confidence, _ = categorize(owned, rules)
        out.append(replace(owned, category=category, category_confidence=round(confidence, 4) if category else 0.0))
    return tuple(out)


# ---------------------------------------------------------------- the two modes


def _scan(params: dict[str, Any], config: ScanConfig) -> ScanResult:
    from dupfinder.pipeline import scan as run_scan

    with progress_bar(params["quiet"]) as progress:
        return run_scan([params["path"]], config, progress, **scan_kwargs(params))


def _config(params: dict[str, Any]) -> tuple[ScanConfig, RuleSet]:
    """The scan settings with the enabled ignore rules (as every command scans), and the rules."""
    from dupfinder.workflow import with_rules

    rules = make_rules(params)
    return with_rules(make_config(params), rules), rules


def _without(result: ScanResult, paths: set[str]) -> tuple[Cluster, ...]:
    """Clusters with the instances in ``paths`` left out (clusters left with one copy dropped)."""
    if not paths:
        return result.clusters
    out = []
    for c in result.clusters:
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


def _gate(
    clusters: Sequence[Cluster],
    changed: Callable[[Instance], bool],
    history_for: Callable[[Sequence[Cluster]], History],
    current: CurrentUnits,
    result: ScanResult,
    config: ScanConfig,
    params: dict[str, Any],
    rules: RuleSet,
) -> tuple[tuple[Finding, ...], int]:
    affected = [c for c in clusters if any(changed(i) for i in c.instances)]
    n_changed = sum(1 for c in affected for i in c.instances if changed(i))
    if not affected:
        return (), 0
    enriched = _enrich(affected, result, params, rules)
    units = current.by_key(enriched)
    findings = find_new(
        enriched,
        changed,
        history_for(enriched),
        similarity_of(units),
        rules=rules,
        fail_on=FailOn.parse(params["fail_on"]),
    )
    return findings, n_changed


def run_base(params: dict[str, Any]) -> GateReport:
    from dupfinder.gate import gitdiff

    config, rules = _config(params)
    rev: str = params["base_rev"]
    root = gitdiff.repo_root(params["path"])
    merge = gitdiff.merge_base(root, rev)
    result = _scan(params, config)
    scope = _scope(root, result.base)
    d = gitdiff.diff(root, merge, [scope] if scope else [])

    def scan_path(repo_path: str) -> str | None:
        if not scope:
            return repo_path
        return repo_path[len(scope) + 1 :] if repo_path.startswith(scope + "/") else None

    changes = {p: f for f in d.files if f.path is not None and (p := scan_path(f.path)) is not None}
    untracked = {p for u in d.untracked if (p := scan_path(u)) is not None}
    clusters = _without(result, untracked)

    def changed(i: Instance) -> bool:
        f = changes.get(i.path)
        return f is not None and f.touches(i.start_line, i.end_line)

    current = CurrentUnits(result.base, config)

    def history_for(affected: Sequence[Cluster]) -> History:
        # the base revision's units that the change edited, moved away or deleted: those of every
        # modified, renamed or deleted file whose lines the diff touched (the rest is still there, unchanged)
        olds: dict[str, tuple[str, gitdiff.FileChange]] = {}
        for f in d.files:
            if f.status in "MRTD" and f.old_path:
                shown = scan_path(f.path) if f.path else None
                shown = shown or scan_path(f.old_path)
                if shown is not None:
                    olds[f.old_path] = (shown, f)
        blobs = gitdiff.read_blobs(root, merge, olds)
        earlier: list[Unit] = []
        for repo_path, data in sorted(blobs.items()):
            # named by the file's path after the change, so that a renamed file's units keep their place
            path, change = olds[repo_path]
            lang = _language(path, config)
            if lang is not None:
                units = analyse_bytes(data, path, lang, config)
                earlier.extend(u for u in units if change.touches_old(u.start_line, u.end_line))
        return RevisionHistory(earlier, current.by_key(affected), config.threshold)

    findings, n_changed = _gate(clusters, changed, history_for, current, result, config, params, rules)
    return GateReport(
        findings=relocate(findings, scope),
        against=f"{rev} (merge-base {merge[:12]})",
        max_new=params["max_new"],
        fail_on=FailOn.parse(params["fail_on"]),
        stats=result.stats,
        changed_units=n_changed,
    )


def run_baseline(params: dict[str, Any]) -> GateReport:
    from dupfinder.gate import baseline as baseline_file
    from dupfinder.gate import gitdiff

    config, rules = _config(params)
    file: str = params["baseline_file"]
    known = baseline_file.load(file)
    baseline_file.check_settings(known, config, file)
    result = _scan(params, config)
    current = CurrentUnits(result.base, config)
    history = baseline_file.BaselineHistory(known, result.clusters, current.at)
    findings, n_changed = _gate(
        result.clusters, history.changed, lambda _: history, current, result, config, params, rules
    )
    try:
        scope = _scope(gitdiff.repo_root(result.base), result.base)
    except InputError:
        scope = ""  # not in a git repository: paths stay relative to PATH
    return GateReport(
        findings=relocate(findings, scope),
        against=f"baseline {file}",
        max_new=params["max_new"],
        fail_on=FailOn.parse(params["fail_on"]),
        stats=result.stats,
        changed_units=n_changed,
    )


# ---------------------------------------------------------------- commands


def _options_without_paths(f: Callable[..., Any]) -> Callable[..., Any]:
    """The shared scan options (cli.scan_options) except its PATHS argument: ci takes one optional PATH."""
    donor = scan_options(lambda **_: None)
    params = [p for p in getattr(donor, "__click_params__", []) if p.name != "paths"]
    existing = getattr(f, "__click_params__", [])
    f.__click_params__ = existing + params  # type: ignore[attr-defined]
    return f


@click.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=str))
@click.option(
    "--base",
    "base_rev",
    metavar="REV",
    help="Git revision to compare with: what changed since the merge-base of REV and HEAD is new.",
)
@click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Baseline file (dupfinder baseline PATH -o FILE): units not in it are new.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(GATE_REPORTERS)),
    default="text",
    show_default=True,
    help="text, sarif (SARIF 2.1.0), github (workflow annotations) or markdown (a PR comment).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="FILE",
    help='Also append the Markdown summary to FILE (e.g. "$GITHUB_STEP_SUMMARY").',
)
@click.option(
    "--fail-on",
    default="",
    metavar="lines=N,similarity=X",
    help="Only new copies at least this long and this similar fail the gate (smaller ones are notes).",
)
@click.option(
    "--max-new",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Fail only when more than N new copies reach --fail-on.",
)
@_options_without_paths
def ci(**params: Any) -> None:
    """Fail when the change copies code that already exists (new duplication only).

    PATH (default: the current folder) is scanned; say what is already there
    with --base REV (git) or --baseline FILE.
    """
    if bool(params["base_rev"]) == bool(params["baseline_file"]):
        raise click.UsageError("give exactly one of --base REV and --baseline FILE")
    FailOn.parse(params["fail_on"])  # a bad limit is a usage error before any work
    params["paths"] = (params["path"],)
    report = run_base(params) if params["base_rev"] else run_baseline(params)
    writer = gate_reporter(params["fmt"])
    emit(lambda out: writer(report, out), params["output"])
    if params["summary"]:
        _append_summary(report, params["summary"])
    if (params["output"] and params["output"] != "-") or params["fmt"] != "text":
        click.echo(verdict(report), err=True)
    if report.failed:
        sys.exit(EXIT_FINDINGS)


def _append_summary(report: GateReport, file: str) -> None:
    buf = io.StringIO()
    gate_reporter("markdown")(report, buf)
    try:
        with open(file, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(buf.getvalue())
    except OSError as exc:
        raise DupfinderError(f"cannot write the summary to {file}: {exc.strerror or exc}") from None


@click.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the baseline here (default: standard output).",
)
@_options_without_paths
def baseline(**params: Any) -> None:
    """Record the units and clone clusters of PATH, for dupfinder ci --baseline FILE."""
    from dupfinder.gate import baseline as baseline_file
    from dupfinder.discover.walk import discover
    from dupfinder.pipeline import scan_discovered

    params["paths"] = (params["path"],)
    config, _ = _config(params)
    disc = discover([params["path"]], config)
    units: list[Unit] = []
    with progress_bar(params["quiet"]) as progress:  # the scan's cache, executor and index options apply
        result = scan_discovered(disc, config, progress, units_out=units, **scan_kwargs(params))
    known = baseline_file.build(units, result.clusters, config)
    emit(lambda out: baseline_file.write(known, out), params["output"])
    if params["output"] and params["output"] != "-":
        counts = f"{len(known.units)} units, {len(known.clusters)} clusters"
        click.echo(f"dupfinder baseline: {counts} written to {params['output']}", err=True)
