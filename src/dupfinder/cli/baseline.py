"""``dupfinder baseline``: record the units and clone clusters of PATH, for ``dupfinder ci --baseline FILE``."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.cli.options import TEAM_PARAMS, Command, examples, options_without_paths, settings
from dupfinder.cli.output import check_destination, emit_text, plural, progress_bar, rendered, wrote_counts


@click.command(
    cls=Command,
    epilog=examples(
        "dupfinder baseline . -o .dupfinder-baseline.json", "dupfinder ci . --baseline .dupfinder-baseline.json"
    ),
)
@click.argument("path", required=False, default=".", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write the baseline here (default: standard output).")  # fmt: skip
@options_without_paths(leave_out=TEAM_PARAMS)
def baseline(**params: Any) -> None:
    """Record the units and clone clusters of PATH, for dupfinder ci --baseline FILE."""
    from dupfinder.gate.baseline import write
    from dupfinder.gate.run import record

    if params["output"] and params["output"] != "-":
        check_destination(params["output"])  # before the scan, not after it
    chosen = settings(params, (params["path"],))
    with progress_bar(chosen.quiet) as progress:  # the scan's cache, executor and index options apply
        known = record(params["path"], chosen.config, chosen.runtime, progress)
        text = rendered(lambda out: write(known, out), progress)
    emit_text(text, params["output"])
    wrote_counts(params["output"], f"{plural(len(known.units), 'unit')}, {plural(len(known.clusters), 'cluster')}")
