"""``dupfinder ci``: fail a pull request that adds duplication (see :mod:`dupfinder.gate`).

``dupfinder ci [PATH] --base REV`` compares with the merge-base of REV and HEAD;
``--baseline FILE`` with a file written by ``dupfinder baseline PATH -o FILE``.
With ``--base``, an edit to some copies of a cluster that leaves their siblings
as they were is reported too (a warning; ``--fail-on inconsistent`` fails it).
Exit codes: 0 no new duplication (or no more than ``--max-new``), 1 new
duplication that fails the gate, 2 usage or input error.
"""

from __future__ import annotations

import io
import sys
from typing import Any

import click

from dupfinder import reporters
from dupfinder.cli.app import EXIT_FINDINGS
from dupfinder.cli.options import Command, examples, options_without_paths, settings
from dupfinder.cli.output import emit_report, output_format, progress_bar
from dupfinder.errors import DupfinderError
from dupfinder.gate.new import parse_fail_on
from dupfinder.model import GateReport
from dupfinder.reporters.gate_text import verdict

#: --format -> reporter
FORMATS = {"text": "gate-text", "sarif": "sarif", "github": "github", "markdown": "pr-markdown"}


@click.command(
    cls=Command,
    epilog=examples(
        "dupfinder ci . --base origin/main", "dupfinder ci . --base origin/main --format sarif -o dupfinder.sarif"
    ),
)
@click.argument("path", required=False, default=".", type=click.Path(path_type=str))
@click.option(
    "--base",
    "base_rev",
    metavar="REV",
    help="Git revision to compare with: what changed since the merge-base of REV and HEAD is new.",
)
@click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Baseline file (dupfinder baseline PATH -o FILE): units not in it are new.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default=None,
    help="text, sarif (SARIF 2.1.0), github (workflow annotations) or markdown (a PR comment)"
    " [default: from the -o suffix (.txt, .sarif, .md), else text].",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=str),
    metavar="FILE",
    help='Also append the Markdown summary to FILE (e.g. "$GITHUB_STEP_SUMMARY").',
)
@click.option(
    "--fail-on",
    default="",
    metavar="lines=N,similarity=X,inconsistent",
    help="Only new copies at least this long and this similar fail the gate (smaller ones are notes); "
    "'inconsistent': a change that reaches some copies of a cluster and not the others fails too (else a warning).",
)
@click.option(
    "--max-new",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Fail only when more than N new copies reach --fail-on.",
)
@options_without_paths
def ci(**params: Any) -> None:
    """Fail when the change copies code that already exists (new duplication only).

    PATH (default: the current folder) is scanned; say what is already there
    with --base REV (git) or --baseline FILE.
    """
    from dupfinder.gate.run import GateOptions, against_baseline, against_revision

    if bool(params["base_rev"]) == bool(params["baseline_file"]):
        raise click.UsageError("give exactly one of --base REV and --baseline FILE")
    params["fmt"] = output_format(params["fmt"], params["output"], sorted(FORMATS), "text")
    fail_on = parse_fail_on(params["fail_on"])  # a bad limit is a usage error before any work
    chosen = settings(params, (params["path"],))
    options = GateOptions(params["path"], chosen.config, chosen.rules, chosen.teams, fail_on, params["max_new"],
                          chosen.runtime)  # fmt: skip
    with progress_bar(chosen.quiet) as progress:
        if params["base_rev"]:
            report = against_revision(options, params["base_rev"], progress)
        else:
            report = against_baseline(options, params["baseline_file"], progress)
    emit_report(FORMATS[params["fmt"]], report, params["output"])
    if params["summary"]:
        _append_summary(report, params["summary"])
    if (params["output"] and params["output"] != "-") or params["fmt"] != "text":
        click.echo(verdict(report), err=True)
    if report.failed:
        sys.exit(EXIT_FINDINGS)


def _append_summary(report: GateReport, file: str) -> None:
    buf = io.StringIO()
    reporters.write("pr-markdown", report, buf)
    try:
        with open(file, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(buf.getvalue())
    except OSError as exc:
        raise DupfinderError(f"cannot write the summary to {file}: {exc.strerror or exc}") from None
