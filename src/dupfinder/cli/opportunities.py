"""``dupfinder opportunities``: the ranked list of platform opportunities."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.cli.options import scan_options
from dupfinder.cli.output import emit_report, output_format, wrote
from dupfinder.cli.scan import run

FORMATS = {"text": "ranking", "json": "json", "markdown": "markdown", "csv": "csv"}


@click.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default=None,
              help="Report format [default: from the -o suffix (.txt, .json, .md, .csv), else text].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def opportunities(**params: Any) -> None:
    """Rank the code that several teams keep writing again, as platform opportunities."""
    fmt = output_format(params["fmt"], params["output"], sorted(FORMATS), "text")
    result = run(params)
    emit_report(FORMATS[fmt], result, params["output"])
    wrote(params["output"], result)
