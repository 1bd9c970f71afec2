"""``dupfinder opportunities``: the ranked list of platform opportunities."""

from __future__ import annotations

from typing import Any

import click

from dupfinder import reporters
from dupfinder.cli.app import emit, progress_bar, run_analysis, scan_options

FORMATS = {"text": "ranking", "json": "json", "markdown": "markdown", "csv": "csv"}


@click.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Report format.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def opportunities(**params: Any) -> None:
    """Rank the code that several teams keep writing again, as platform opportunities."""
    with progress_bar(params["quiet"]) as progress:
        result = run_analysis(params, progress)
    reporter = reporters.get(FORMATS[params["fmt"]])
    emit(lambda out: reporter(result, out), params["output"])
