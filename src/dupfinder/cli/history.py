"""``dupfinder history``: when each clone cluster's copies appeared, and past fixes that reached one copy only."""

from __future__ import annotations

from typing import Any

import click

from dupfinder.cli.options import Command, Settings, examples, scan_options, settings
from dupfinder.cli.output import emit_report, output_format, plural, progress_bar, wrote_counts
from dupfinder.errors import DupfinderError
from dupfinder.model import CloneHistory, ScanResult, Unit
from dupfinder.support.progress import Progress, stage

#: --format -> reporter
FORMATS = {"text": "history-text", "json": "history-json", "markdown": "history-markdown"}


def scanned_history(path: str, chosen: Settings, tip: str, progress: Progress | None
                    ) -> tuple[ScanResult, CloneHistory, tuple[str, ...]]:  # fmt: skip
    """A scan of ``path`` (teams and categories included), its clusters' history walking git to ``tip``,
    and the owner files' warnings: what ``dupfinder history`` reports (``trend --history`` counts it)."""
    from dupfinder.discover.walk import discover
    from dupfinder.history.clones import clone_history, history_cache, production_paths
    from dupfinder.pipeline import enrich_result, scan_discovered

    units: list[Unit] = []
    with stage(progress, "discover"):
        disc = discover([path], chosen.config)
    result = scan_discovered(disc, chosen.config, progress, units_out=units, **chosen.runtime.scan_kwargs())
    enriched, warnings = enrich_result(result, chosen.rules, chosen.teams, progress=progress)
    with history_cache(chosen.runtime.cache_dir) as cache:
        found = clone_history(path, enriched.clusters, units, chosen.config, tip, progress, cache,
                              production_paths(chosen.rules, enriched.base, {u.path for u in units}))  # fmt: skip
    return enriched, found, warnings


@click.command(
    cls=Command, epilog=examples("dupfinder history .", "dupfinder history . --format markdown -o history.md")
)
@scan_options
@click.option("--rev", "tip", default="HEAD", show_default=True, help="Where the history ends.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="text, json (the scan report with a history per cluster) or markdown "
                   "[default: from the -o suffix (.txt, .json, .md), else text].")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def history(**params: Any) -> None:
    """Each clone cluster's history in the git repository holding PATH.

    Per cluster: the commit each copy first appeared in, the oldest copy (the origin), the number of
    copies over time, and past commits that edited some copies and left the others (fixed in one place
    only). Read from git's object store; the working tree is never touched.
    """
    from dupfinder.model import HistoryReport

    if len(params["paths"]) != 1:
        raise DupfinderError("history takes one PATH: a folder inside a git repository")
    (path,) = params["paths"]
    fmt = output_format(params["fmt"], params["output"], list(FORMATS), "text")
    chosen = settings(params)
    with progress_bar(chosen.quiet) as progress:
        enriched, found, warnings = scanned_history(path, chosen, params["tip"], progress)
    for warning in warnings:
        click.echo(f"dupfinder: warning: {warning}", err=True)
    emit_report(FORMATS[fmt], HistoryReport(enriched, found), params["output"])
    fixes = sum(len(c.divergent_fixes) for c in found.clusters)
    wrote_counts(
        params["output"], f"{plural(len(found.clusters), 'cluster')}, {plural(fixes, 'divergent fix', '', 'es')}"
    )
