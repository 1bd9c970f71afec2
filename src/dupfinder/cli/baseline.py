"""``dupfinder baseline``: record the units and clone clusters of PATH, for ``dupfinder ci --baseline FILE``."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.cli.options import options_without_paths, settings
from dupfinder.cli.output import emit, progress_bar


@click.command()
@click.argument("path", required=False, default=".", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write the baseline here (default: standard output).")  # fmt: skip
@options_without_paths
def baseline(**params: Any) -> None:
    """Record the units and clone clusters of PATH, for dupfinder ci --baseline FILE."""
    from dupfinder.gate.baseline import write
    from dupfinder.gate.run import record

    chosen = settings(params, (params["path"],))
    with progress_bar(chosen.quiet) as progress:  # the scan's cache, executor and index options apply
        known = record(params["path"], chosen.config, chosen.runtime, progress)
    emit(lambda out: write(known, out), params["output"])
    if params["output"] and params["output"] != "-":
        counts = f"{len(known.units)} units, {len(known.clusters)} clusters"
        click.echo(f"dupfinder baseline: {counts} written to {params['output']}", err=True)
