"""``dupfinder report``: the platform PM's report (HTML, Markdown, CSV or JSON) of ranked opportunities.

The report scans, attributes teams, categorises and ranks
(:func:`dupfinder.opportunities.enrich.enrich`) and writes one self-contained
HTML file, Markdown, CSV or JSON; the format follows the ``-o`` suffix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from dupfinder.cli.opportunities import ranking_options, selected
from dupfinder.cli.options import Command, examples, scan_options
from dupfinder.cli.output import emit_text, output_format, progress_bar, render_report, wrote
from dupfinder.cli.scan import history_option, run
from dupfinder.errors import DupfinderError
from dupfinder.model import RepoRef, ReportOptions, TrendPoint
from dupfinder.reporters.common import check_link_template

FORMATS = ("html", "markdown", "csv", "json")


def report_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the commands that write the PM's report (``report``, ``trend``)."""
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


def load_trend(path: str) -> tuple[TrendPoint, ...]:
    """Points of a ``dupfinder trend --format json`` file."""
    from dupfinder.reporters.trend import from_dict

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DupfinderError(f"--trend {path}: cannot read: {exc}") from None
    return from_dict(data, path)


def options_of(params: dict[str, Any], repos: Sequence[RepoRef], trend: Sequence[TrendPoint]) -> ReportOptions:
    """The report's options from the command's parameters."""
    template = params["link_template"]
    return ReportOptions(
        link_template=check_link_template(template) if template else None,
        repos=tuple(repos),
        max_evidence=params["max_evidence"],
        trend=tuple(trend),
        title=params["title"],
    )


@click.command(
    cls=Command,
    epilog=examples(
        "dupfinder report . --teams teams.yaml -o report.html", "dupfinder report . --format markdown -o report.md"
    ),
)
@scan_options
@ranking_options
@report_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format (default: from the -o suffix, else html).")  # fmt: skip
@click.option("--trend", "trend_file", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Add the charts of a `dupfinder trend --format json` file.")  # fmt: skip
@history_option
def report(**params: Any) -> None:
    """Write the platform opportunity report for PATHS: ranked opportunities, heatmap, adoption, evidence."""
    from dupfinder.discover.repos import repo_refs

    fmt = output_format(params["fmt"], params["output"], FORMATS, "html")
    if params["link_template"]:
        check_link_template(params["link_template"])  # fail before a long scan
    trend = load_trend(params["trend_file"]) if params["trend_file"] else ()
    with progress_bar(params["quiet"]) as progress:
        result = selected(run(params, progress), params)
        repos = repo_refs(result) if params["link_template"] else ()
        text = render_report(fmt, result, options_of(params, repos, trend), progress)
    emit_text(text, params["output"])
    wrote(params["output"], result)
