"""``dupfinder opportunities``: the ranked list of platform opportunities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from dupfinder.cli.options import Command, examples, scan_options
from dupfinder.cli.output import emit_text, output_format, progress_bar, render_report, wrote
from dupfinder.cli.scan import run
from dupfinder.model import ScanResult

FORMATS = {"text": "ranking", "json": "json", "markdown": "markdown", "csv": "csv"}


def ranking_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """What to rank and how much of the ranking to show (``opportunities`` and ``report``)."""
    options = [
        click.option("--include-tests", is_flag=True,
                     help="Rank test, example and benchmark code too (default: production code only;"
                          " duplication among tests is listed as shared test support)."),
        click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Show only the N best-ranked opportunities."),
        click.option("--min-teams", type=click.IntRange(min=1), default=2, show_default=True, metavar="N",
                     help="Show only opportunities with at least N teams of their own evidence."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def selected(result: ScanResult, params: dict[str, Any]) -> ScanResult:
    """``result`` with the opportunities ``--min-teams`` and ``--top`` keep (ranks unchanged)."""
    kept = [o for o in result.opportunities if len(o.teams) >= params.get("min_teams", 2)]
    top = params.get("top")
    return replace(result, opportunities=tuple(kept[:top] if top else kept))


@click.command(
    cls=Command,
    epilog=examples(
        "dupfinder opportunities . --teams teams.yaml",
        "dupfinder opportunities packages/ --team-fallback depth:1 --top 10",
    ),
)
@scan_options
@ranking_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
              help="Report format [default: from the -o suffix (.txt, .json, .md, .csv), else text].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def opportunities(**params: Any) -> None:
    """Rank the code that several teams keep writing again, as platform opportunities."""
    fmt = output_format(params["fmt"], params["output"], sorted(FORMATS), "text")
    with progress_bar(params["quiet"]) as progress:
        result = selected(run(params, progress), params)
        text = render_report(FORMATS[fmt], result, progress=progress)
    emit_text(text, params["output"])
    wrote(params["output"], result)
