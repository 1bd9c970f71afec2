"""``dupfinder opportunities``: the ranked list of platform opportunities."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.cli.options import scan_options
from dupfinder.cli.output import emit_report
from dupfinder.cli.scan import run

FORMATS = {"text": "ranking", "json": "json", "markdown": "markdown", "csv": "csv"}


@click.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Report format.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def opportunities(**params: Any) -> None:
    """Rank the code that several teams keep writing again, as platform opportunities."""
    result = run(params)
    emit_report(FORMATS[params["fmt"]], result, params["output"])
