"""``dupfinder scan``: clusters of similar code, as compiler-style diagnostics or JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from dupfinder.cli.options import Command, Settings, examples, scan_options, settings
from dupfinder.cli.output import emit_text, output_format, progress_bar, render_report, wrote
from dupfinder.model import ScanResult, Unit
from dupfinder.support.progress import Progress

FORMATS = {"text": "text", "json": "json"}


def analysed(chosen: Settings, progress: Progress | None, history: bool = False) -> ScanResult:
    """Scan, then teams, categories, opportunities and adoption (and with ``history``, each cluster's
    history from git); owner-file warnings go to stderr."""
    from dupfinder.pipeline import analyse_codebase

    units: list[Unit] | None = [] if history else None
    result, warnings = analyse_codebase(chosen.paths, chosen.config, rules=chosen.rules, teams=chosen.teams,
                                        progress=progress, units_out=units, **chosen.runtime.scan_kwargs())  # fmt: skip
    for warning in warnings:
        click.echo(f"dupfinder: warning: {warning}", err=True)
    if units is not None:
        result = with_history(result, units, chosen, progress)
    return result


def with_history(result: ScanResult, units: list[Unit], chosen: Settings, progress: Progress | None) -> ScanResult:
    """``result`` with its clusters' history read from the git repositories holding them (never their
    working trees); a copy in no repository has none, and one line on stderr says so."""
    from dupfinder.history.clones import history_cache, production_paths, scan_history

    is_production = production_paths(chosen.rules, result.base, {u.path for u in units})
    with history_cache(chosen.runtime.cache_dir) as cache:
        found = scan_history(result.base, result.clusters, units, chosen.config, progress=progress, cache=cache,
                             is_production=is_production)  # fmt: skip
    for line in found.skipped:
        click.echo(f"dupfinder: --history: {line}", err=True)
    return replace(result, history=found)


def run(params: dict[str, Any], progress: Progress | None = None) -> ScanResult:
    """The analysis the shared options in ``params`` ask for (with ``--history``, each cluster's history),
    each stage told to ``progress``."""
    return analysed(settings(params), progress, bool(params.get("history")))


def history_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--history``: add each cluster's history from git (``scan``, ``report``)."""
    return click.option(
        "--history", is_flag=True,
        help="Add each cluster's history from git: when each copy first appeared, copies over time, and past "
             "commits that changed one copy and not its siblings. Read from git's objects; the working tree "
             "is never touched; copies in no repository get none.",
    )(f)  # fmt: skip


@click.command(
    cls=Command,
    epilog=examples("dupfinder scan src/", "dupfinder scan services/ --team-fallback depth:1 -o clusters.json"),
)
@scan_options
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Report format [default: from the -o suffix (.txt, .json), else text].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
@history_option
def scan(**params: Any) -> None:
    """Scan PATHS for clusters of similar code."""
    fmt = output_format(params["fmt"], params["output"], list(FORMATS), "text")
    with progress_bar(params["quiet"]) as progress:
        result = run(params, progress)
        text = render_report(FORMATS[fmt], result, progress=progress)
    emit_text(text, params["output"])
    wrote(params["output"], result)
