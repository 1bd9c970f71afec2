"""``dupfinder scan``: clusters of similar code, as compiler-style diagnostics or JSON."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.analyse.batch import Progress
from dupfinder.cli.options import Settings, scan_options, settings
from dupfinder.cli.output import emit_report, output_format, progress_bar, wrote
from dupfinder.model import ScanResult

FORMATS = {"text": "text", "json": "json"}


def analysed(chosen: Settings, progress: Progress | None) -> ScanResult:
    """Scan, then teams, categories, opportunities and adoption; owner-file warnings go to stderr."""
    from dupfinder.pipeline import analyse_codebase

    result, warnings = analyse_codebase(chosen.paths, chosen.config, rules=chosen.rules, teams=chosen.teams,
                                        progress=progress, **chosen.runtime.scan_kwargs())  # fmt: skip
    for warning in warnings:
        click.echo(f"dupfinder: warning: {warning}", err=True)
    return result


def run(params: dict[str, Any]) -> ScanResult:
    """The analysis the shared options in ``params`` ask for, with a progress bar on a terminal."""
    chosen = settings(params)
    with progress_bar(chosen.quiet) as progress:
        return analysed(chosen, progress)


@click.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Report format [default: from the -o suffix (.txt, .json), else text].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def scan(**params: Any) -> None:
    """Scan PATHS for clusters of similar code."""
    fmt = output_format(params["fmt"], params["output"], list(FORMATS), "text")
    result = run(params)
    emit_report(FORMATS[fmt], result, params["output"])
    wrote(params["output"], result)
