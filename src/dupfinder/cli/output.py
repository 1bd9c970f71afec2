"""Output of the commands: reports written whole (to stdout, or atomically to a file) and progress on a terminal."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import click

from dupfinder.analyse.batch import Progress
from dupfinder.errors import DupfinderError
from dupfinder.model import DEFAULT_OPTIONS, ReportOptions, ScanResult


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A rich progress bar on an interactive stderr; nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True, console=None) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


#: file suffix -> the --format name it stands for; each command accepts those of its own formats
SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "text", ".text": "text", ".json": "json", ".sarif": "sarif", ".html": "html", ".htm": "html",
    ".md": "markdown", ".markdown": "markdown", ".csv": "csv",
}  # fmt: skip


def output_format(fmt: str | None, output: str | None, formats: Sequence[str], default: str,
                  aliases: Mapping[str, str] | None = None) -> str:  # fmt: skip
    """The format a command writes: ``--format`` when given, else the ``-o`` suffix, else ``default``.

    One rule for every command: an ``-o`` suffix none of ``formats`` stands for is a usage
    error (never a report silently written in another format); ``aliases`` maps a suffix's
    format to this command's name for it (``text`` -> ``table``). The destination folder is
    checked here too, before any scan.
    """
    if output and output != "-":
        check_destination(output)
    if fmt:
        return fmt
    suffix = os.path.splitext(output or "")[1].lower() if output and output != "-" else ""
    if not suffix:
        return default
    known = SUFFIX_FORMATS.get(suffix, "")
    wanted = (aliases or {}).get(known, known)
    if wanted not in formats:
        accepted = sorted(s for s, f in SUFFIX_FORMATS.items() if (aliases or {}).get(f, f) in formats)
        raise click.UsageError(
            f"cannot tell the format of {output} from its suffix {suffix!r}: use one of {', '.join(accepted)},"
            f" or give --format ({'|'.join(formats)})"
        )
    return wanted


def check_destination(output: str) -> None:
    """Refuse, before any work, an ``-o`` whose folder does not exist or is a file."""
    directory = os.path.dirname(os.path.abspath(output)) or "."
    if not os.path.isdir(directory):
        raise DupfinderError(f"cannot write {output}: folder {directory} does not exist")
    if os.path.isdir(output):
        raise DupfinderError(f"cannot write {output}: it is a folder")


def wrote(output: str | None, result: ScanResult) -> None:
    """The one line on stderr that says where a report went (nothing when it went to stdout)."""
    if output and output != "-":
        clusters, opportunities = len(result.clusters), len(result.opportunities)
        counts = (f"{clusters} cluster{'' if clusters == 1 else 's'}, "
                  f"{opportunities} opportunit{'y' if opportunities == 1 else 'ies'}")  # fmt: skip
        click.echo(f"dupfinder: wrote {output} ({counts})", err=True)


def emit(render: Callable[[TextIO], None], output: str | None) -> None:
    """Write a report to stdout, or atomically to ``output`` (never a half-written file)."""
    if output is None or output == "-":
        buf = io.StringIO()
        render(buf)
        click.echo(buf.getvalue(), nl=False)
        return
    directory = os.path.dirname(os.path.abspath(output)) or "."
    if not os.path.isdir(directory):
        raise DupfinderError(f"cannot write {output}: folder {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".dupfinder-", suffix=".tmp")
    except OSError as exc:  # a read-only folder, a full disk...: the user's to fix, not a bug
        raise DupfinderError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            render(fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, output)
    except OSError as exc:
        raise DupfinderError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def emit_report(name: str, value: object, output: str | None, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    """Write ``value`` with the reporter called ``name`` (see :mod:`dupfinder.reporters`) to ``output``."""
    from dupfinder import reporters

    reporter = reporters.get(name)
    emit(lambda out: reporter(value, out, options), output)
