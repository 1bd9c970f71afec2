"""``dupfinder report`` (the platform PM's report) and ``dupfinder trend`` (the same figures over git history).

``report`` scans, attributes teams, categorises and ranks (:func:`dupfinder.opportunities.enrich.enrich`)
and writes one self-contained HTML file, Markdown, CSV or JSON. ``trend`` scans
sampled revisions of a git repository without touching its working tree
(:mod:`dupfinder.history.trend`) and writes a table, JSON, or the HTML report of the
newest revision with the trend charts.
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import click

from dupfinder import reporters
from dupfinder.cli.app import (
    emit,
    make_config,
    make_rules,
    progress_bar,
    run_analysis,
    scan_kwargs,
    scan_options,
    team_options,
)
from dupfinder.errors import DupfinderError
from dupfinder.model import ScanResult
from dupfinder.reporters.common import RepoRef, ReportOptions, check_link_template
from dupfinder.history.trend import TrendPoint

FORMATS = ("html", "markdown", "csv", "json")
_SUFFIXES = {
    ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json",
}  # fmt: skip


def report_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
                     help="Write the report here (default: stdout)."),
        click.option("--link-template", metavar="TEMPLATE",
                     help="Link for each copy, with {repo} {rev} {path} {line} {end_line}, e.g. "
                          "https://git.example/{repo}/blob/{rev}/{path}#L{line}"),
        click.option("--title", default="Platform opportunities", show_default=True, help="Title of the report."),
        click.option("--max-evidence", type=click.IntRange(min=0), default=200, show_default=True,
                     help="Clusters whose code is embedded side by side in the HTML report."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _git_out(folder: str, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _repo_folders(base: str, paths: Sequence[str]) -> list[str]:
    """Folders (relative to ``base``, "" for it) holding ``.git`` that enclose any of ``paths``."""
    found: set[str] = set()
    seen: set[str] = set()
    for p in paths:
        d = posixpath.dirname(p)
        while d not in seen:
            seen.add(d)
            if os.path.lexists(os.path.join(base, d, ".git")):
                found.add(d)
            if not d:
                break
            d = posixpath.dirname(d)
    return sorted(found)


def repo_refs(result: ScanResult) -> tuple[RepoRef, ...]:
    """The git repositories holding the copies, with their HEAD commits, for ``--link-template``."""
    paths = sorted({i.path for c in result.clusters for i in c.instances})
    refs: list[RepoRef] = []
    folders = _repo_folders(result.base, paths)
    for folder in folders:
        path = os.path.join(result.base, folder)
        rev = _git_out(path, "rev-parse", "HEAD") or "HEAD"
        refs.append(RepoRef(folder, os.path.basename(os.path.abspath(path)), rev))
    if "" not in folders:
        # the base itself may sit inside a repository (a folder of a bigger checkout)
        top = _git_out(result.base, "rev-parse", "--show-toplevel")
        if top:
            prefix = (_git_out(result.base, "rev-parse", "--show-prefix") or "").rstrip("/")
            rev = _git_out(result.base, "rev-parse", "HEAD") or "HEAD"
            refs.append(RepoRef("", os.path.basename(top), rev, prefix))
        else:
            refs.append(RepoRef("", os.path.basename(os.path.abspath(result.base)), "HEAD"))
    return tuple(refs)


def _format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    suffix = os.path.splitext(output or "")[1].lower()
    return _SUFFIXES.get(suffix, "html")


def _writer(fmt: str, options: ReportOptions) -> reporters.Reporter:
    if fmt == "html":
        from dupfinder.reporters import html

        return html.writer(options)
    if fmt == "markdown":
        from dupfinder.reporters import markdown

        return markdown.writer(options)
    if fmt == "csv":
        from dupfinder.reporters import csv

        return csv.writer(options)
    return reporters.get(fmt)


def load_trend(path: str) -> tuple[TrendPoint, ...]:
    """Points of a ``dupfinder trend --format json`` file."""
    from dupfinder.history.trend import from_dict

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DupfinderError(f"--trend {path}: cannot read: {exc}") from None
    return from_dict(data, path)


def _options(params: dict[str, Any], repos: Sequence[RepoRef], trend: Sequence[TrendPoint]) -> ReportOptions:
    template = params["link_template"]
    return ReportOptions(
        link_template=check_link_template(template) if template else None,
        repos=tuple(repos),
        max_evidence=params["max_evidence"],
        trend=tuple(trend),
        title=params["title"],
    )


@click.command()
@scan_options
@report_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format (default: from the -o suffix, else html).")  # fmt: skip
@click.option("--trend", "trend_file", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Add the charts of a `dupfinder trend --format json` file.")  # fmt: skip
def report(**params: Any) -> None:
    """Write the platform opportunity report for PATHS: ranked opportunities, heatmap, adoption, evidence."""
    fmt = _format(params["fmt"], params["output"])
    if params["link_template"]:
        check_link_template(params["link_template"])  # fail before a long scan
    trend = load_trend(params["trend_file"]) if params["trend_file"] else ()
    with progress_bar(params["quiet"]) as progress:
        result = run_analysis(params, progress)
    repos = repo_refs(result) if params["link_template"] else ()
    write = _writer(fmt, _options(params, repos, trend))
    emit(lambda out: write(result, out), params["output"])


def _emit_trend(fmt: str, points: Sequence[TrendPoint], name: str, out: TextIO) -> None:
    from dupfinder.history.trend import to_dict, write_table

    if fmt == "json":
        json.dump(to_dict(points, name), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        write_table(points, out)


@click.command()
@scan_options
@report_options
@click.option(
    "--revs",
    type=click.IntRange(min=1),
    default=None,
    help="Number of revisions, spread evenly from the first commit to the tip (default 10).",
)
@click.option("--since", metavar="DATE", help="Sample from this ISO date (e.g. 2024-01-31); needs --every.")
@click.option("--every", metavar="PERIOD", help="Time between samples: 12h, 3d, 2w...; needs --since.")
@click.option("--rev", "tip", default="HEAD", show_default=True, help="Tip of the history to sample.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "html"]), default=None,
              help="table, json, or the HTML report of the newest revision with the trend charts "
                   "(default: from the -o suffix, else table).")  # fmt: skip
def trend(**params: Any) -> None:
    """Duplicated lines per team and platform adoption over the history of the git repository at PATH.

    Revisions are read straight from git (git archive); the working tree is never touched. The rules
    (and so the platforms whose adoption is measured) are today's, for every revision.
    """
    from dupfinder.pipeline import scan as run_scan
    from dupfinder.history.trend import repository, run_trend, sample_revisions
    from dupfinder.workflow import enrich_result, with_rules

    if len(params["paths"]) != 1:
        raise DupfinderError("trend takes one PATH: a folder inside a git repository")
    (path,) = params["paths"]
    fmt = params["fmt"] or {".json": "json", ".html": "html", ".htm": "html"}.get(
        os.path.splitext(params["output"] or "")[1].lower(), "table"
    )
    if params["link_template"]:
        check_link_template(params["link_template"])
    top, prefix = repository(path)
    revisions = sample_revisions(top, params["tip"], count=params["revs"], since=params["since"], every=params["every"])
    rules = make_rules(params)
    config = with_rules(make_config(params), rules)
    teams = team_options(params)
    extra = scan_kwargs(params)
    warnings: set[str] = set()
    with progress_bar(params["quiet"]) as progress, tempfile.TemporaryDirectory(prefix="dupfinder-trend-") as work:
        if extra.get("cache_dir") is None:
            # most files do not change between two sampled revisions: a cache for this run at least
            extra = {**extra, "cache_dir": os.path.join(work, "cache")}

        def analyse(folder: str) -> ScanResult:
            enriched, found = enrich_result(run_scan([folder], config, progress, **extra), rules, teams)
            warnings.update(found)
            return enriched

        result = run_trend(path, revisions, analyse, work, progress)
    for warning in sorted(warnings):
        click.echo(f"dupfinder: warning: {warning}", err=True)
    name = os.path.basename(top)
    if fmt != "html":
        emit(lambda out: _emit_trend(fmt, result.points, name, out), params["output"])
        return
    if result.latest is None:
        raise DupfinderError("no revision to report on")
    repos = (RepoRef("", name, result.points[-1].rev, prefix),)
    write = _writer("html", _options(params, repos, result.points))
    latest = result.latest
    emit(lambda out: write(latest, out), params["output"])
