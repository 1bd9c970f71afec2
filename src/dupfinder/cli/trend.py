"""``dupfinder trend``: duplicated lines per team and platform adoption over the history of a git repository."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import click

from dupfinder.cli.options import Command, Settings, examples, scan_options, settings
from dupfinder.cli.output import emit_report, output_format, plural, progress_bar, wrote_counts
from dupfinder.cli.report import options_of, report_options
from dupfinder.errors import DupfinderError
from dupfinder.history.trend import Trend
from dupfinder.model import RepoRef, Revision, TrendSeries
from dupfinder.reporters.common import check_link_template
from dupfinder.support.progress import Progress

#: --format -> reporter
FORMATS = {"table": "trend-table", "json": "trend-json", "html": "html"}


def with_fixes_over_time(path: str, trend: Trend, revisions: Sequence[Revision], chosen: Settings, tip: str,
                         progress: Progress | None) -> Trend:  # fmt: skip
    """``trend`` with each point's count of divergent fixes committed up to its revision.

    The fixes are those of the clusters of a scan of ``path`` (as ``dupfinder history`` finds them,
    walking to ``tip``): a point counts the ones whose commit is in its revision's history.  The
    newest revision's scan gets the history too (the HTML report shows it).
    """
    from dupfinder.cli.history import scanned_history
    from dupfinder.history.trend import ancestors, repository

    _, found, _ = scanned_history(path, chosen, tip, progress)
    fixes = [f.commit.sha for c in found.clusters for f in c.divergent_fixes]
    top, _ = repository(path)
    points = tuple(replace(p, divergent_fixes=len(ancestors(top, p.rev).intersection(fixes))) for p in trend.points)
    latest = replace(trend.latest, history=found) if trend.latest is not None else None
    return Trend(points, latest)


@click.command(
    cls=Command,
    epilog=examples(
        "dupfinder trend . --revs 12", "dupfinder trend . --since 2026-01-01 --every 4w --format json -o trend.json"
    ),
)
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
@click.option("--history", is_flag=True,
              help="Add, per revision, the number of divergent fixes to today's clusters committed up to it "
                   "(as dupfinder history finds them).")  # fmt: skip
def trend(**params: Any) -> None:
    """Duplicated lines per team and platform adoption over the history of the git repository at PATH.

    Revisions are read straight from git (git archive); the working tree is never touched. The rules
    (and so the platforms whose adoption is measured) are today's, for every revision.
    """
    from dupfinder.history.trend import repository, run_trend, sample_revisions

    if len(params["paths"]) != 1:
        raise DupfinderError("trend takes one PATH: a folder inside a git repository")
    (path,) = params["paths"]
    fmt = output_format(params["fmt"], params["output"], list(FORMATS), "table", aliases={"text": "table"})
    if params["link_template"]:
        check_link_template(params["link_template"])
    top, prefix = repository(path)
    revisions = sample_revisions(top, params["tip"], count=params["revs"], since=params["since"], every=params["every"])
    chosen = settings(params)
    with progress_bar(chosen.quiet) as progress:
        result, warnings = run_trend(path, revisions, chosen.config, chosen.rules, chosen.teams, chosen.runtime,
                                     progress)  # fmt: skip
    for warning in warnings:
        click.echo(f"dupfinder: warning: {warning}", err=True)
    if params["history"]:
        with progress_bar(chosen.quiet) as progress:
            result = with_fixes_over_time(path, result, revisions, chosen, params["tip"], progress)
    name = os.path.basename(top)
    if fmt != "html":
        emit_report(FORMATS[fmt], TrendSeries(name, result.points), params["output"])
        wrote_counts(params["output"], plural(len(result.points), "revision"))
        return
    if result.latest is None:
        raise DupfinderError("no revision to report on")
    repos = (RepoRef("", name, result.points[-1].rev, prefix),)
    emit_report("html", result.latest, params["output"], options_of(params, repos, result.points))
    wrote_counts(params["output"], plural(len(result.points), "revision"))
