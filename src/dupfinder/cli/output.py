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

from dupfinder.errors import DupfinderError
from dupfinder.model import DEFAULT_OPTIONS, ReportOptions, ScanResult
from dupfinder.support.progress import Progress, stage


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A rich display of every stage on an interactive stderr (never stdout); nothing otherwise.

    A counted stage (``parse``) shows a bar with done/total; any other a spinner until it ends.
    The display is gone when the block ends, so a report written after it is never mixed with it.
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    columns = (SpinnerColumn(finished_text="done"), TextColumn("{task.description:<14}"), BarColumn(),
               TextColumn("{task.fields[count]}"), TimeElapsedColumn())  # fmt: skip
    # stdout stays untouched: a report may be going there
    with RichProgress(*columns, console=Console(stderr=True), transient=True, redirect_stdout=False) as bar:
        tasks: dict[str, Any] = {}
        uncounted: set[str] = set()  # begun with total 0: a spinner, then done

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None, count="")
                if not total:
                    uncounted.add(stage)
            if total:
                count = "" if stage in uncounted else f"{done}/{total}"
                bar.update(tasks[stage], completed=done, total=total, count=count)

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
    clusters, opportunities = len(result.clusters), len(result.opportunities)
    wrote_counts(output, f"{plural(clusters, 'cluster')}, {plural(opportunities, 'opportunit', 'y', 'ies')}")


def plural(n: int, stem: str, one: str = "", many: str = "s") -> str:
    """``n`` and the word for n of them: ``1 cluster``, ``2 clusters``."""
    return f"{n} {stem}{one if n == 1 else many}"


def rendered(render: Callable[[TextIO], None], progress: Progress | None = None) -> str:
    """The text ``render`` writes (the ``write report`` stage of the progress display)."""
    buf = io.StringIO()
    with stage(progress, "write report"):
        render(buf)
    return buf.getvalue()


def emit(render: Callable[[TextIO], None], output: str | None) -> None:
    """Write a report to stdout, or atomically to ``output`` (never a half-written file)."""
    emit_text(rendered(render), output)


def emit_text(text: str, output: str | None) -> None:
    """Write a rendered report to stdout, or atomically to ``output`` (never a half-written file)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and not os.path.isfile(output) and not os.path.isdir(output):
        # a device or a pipe (-o /dev/null, -o /dev/stdout, a FIFO): written to, never replaced
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        except OSError as exc:
            raise DupfinderError(f"cannot write {output}: {exc.strerror or exc}") from None
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
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, output)
    except OSError as exc:
        raise DupfinderError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def render_report(name: str, value: object, options: ReportOptions = DEFAULT_OPTIONS,
                  progress: Progress | None = None) -> str:  # fmt: skip
    """``value`` as the reporter called ``name`` (see :mod:`dupfinder.reporters`) writes it."""
    from dupfinder import reporters

    reporter = reporters.get(name)
    return rendered(lambda out: reporter(value, out, options), progress)


def emit_report(name: str, value: object, output: str | None, options: ReportOptions = DEFAULT_OPTIONS) -> None:
    """Write ``value`` with the reporter called ``name`` (see :mod:`dupfinder.reporters`) to ``output``."""
    emit_text(render_report(name, value, options), output)


def wrote_counts(output: str | None, counts: str) -> None:
    """The one line on stderr, the same for every command, that says where a report went and what it holds."""
    if output and output != "-":
        click.echo(f"dupfinder: wrote {output} ({counts})", err=True)
