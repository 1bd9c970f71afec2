"""``dupfinder trend``: duplicated lines per team and platform adoption over the history of a git repository."""

from __future__ import annotations

import os
from typing import Any

import click

from dupfinder.cli.options import scan_options, settings
from dupfinder.cli.output import emit_report, output_format, progress_bar
from dupfinder.cli.report import options_of, report_options
from dupfinder.errors import DupfinderError
from dupfinder.model import RepoRef, TrendSeries
from dupfinder.reporters.common import check_link_template

#: --format -> reporter
FORMATS = {"table": "trend-table", "json": "trend-json", "html": "html"}


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
    name = os.path.basename(top)
    if fmt != "html":
        emit_report(FORMATS[fmt], TrendSeries(name, result.points), params["output"])
        return
    if result.latest is None:
        raise DupfinderError("no revision to report on")
    repos = (RepoRef("", name, result.points[-1].rev, prefix),)
    emit_report("html", result.latest, params["output"], options_of(params, repos, result.points))
