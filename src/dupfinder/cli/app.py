"""Command line: ``dupfinder scan PATH...`` and friends.

Exit codes are a contract: 0 success, 1 findings that fail a gate, 2 usage
or input errors (one line on stderr, no traceback), 3 an internal error
(``--debug`` shows its traceback).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

import click

from dupfinder import __version__, reporters
from dupfinder.config import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILE_LINES,
    DEFAULT_MAX_LINE_CHARS,
    DEFAULT_MIN_TOKENS,
    DEFAULT_THRESHOLD,
    ScanConfig,
)
from dupfinder.errors import DupfinderError
from dupfinder.workflow import DEFAULT_TEAM_FALLBACK, TeamOptions, analyse_codebase, load_ruleset

if TYPE_CHECKING:
    from dupfinder.model import ScanResult
    from dupfinder.rules import RuleSet
    from dupfinder.pipeline import Progress

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3


#: command name -> "module:attribute"; each command lives in its own module under commands/
COMMANDS: dict[str, str] = {
    "scan": "dupfinder.cli.app:scan",
    "opportunities": "dupfinder.cli.opportunities:opportunities",
    "ci": "dupfinder.cli.ci:ci",
    "baseline": "dupfinder.cli.ci:baseline",
    "report": "dupfinder.cli.report:report",
    "trend": "dupfinder.cli.report:trend",
}


def _command_available(target: str) -> bool:
    module_name = target.partition(":")[0]
    return module_name == __name__ or importlib.util.find_spec(module_name) is not None


class _Group(click.Group):
    """Loads commands lazily and turns dupfinder's errors into one-line messages and exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _command_available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _command_available(target):
            return None
        module_name, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DupfinderError as exc:
            click.echo(f"dupfinder: error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("dupfinder: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # the reader went away (``dupfinder scan . | head``): not our error
            with contextlib.suppress(OSError, ValueError):  # the interpreter flushes stdout on exit: not again
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)  # as a process killed by SIGPIPE, the shells' convention
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(
                f"dupfinder: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)", err=True
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dupfinder")
@click.option("--debug", is_flag=True, envvar="DUPFINDER_DEBUG", help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Find code that many teams keep writing again."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def scan_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that scans code."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str)),
        click.option("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS, show_default=True,
                     help="Ignore units with fewer normalised tokens."),
        click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
                     help="Similarity (0-1) a pair of units needs to count as a clone."),
        click.option("--member-similarity", type=float, default=None, metavar="FLOAT",
                     help="Least similarity of a cluster member to the cluster's representative, at most"
                          " --threshold (lower: near-miss copies stay together, loose clusters grow)"
                          " [default: --threshold]."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Gitignore-style pattern to skip (repeatable)."),
        click.option("--no-default-excludes", is_flag=True, help="Also scan vendored, dependency and build folders."),
        click.option("--no-gitignore", is_flag=True, help="Do not honour .gitignore files."),
        click.option("--language", "languages", multiple=True, metavar="NAME",
                     help="Only scan this language (repeatable)."),
        click.option("--jobs", "-j", type=int, default=0, show_default=True,
                     help="Worker processes (0 = all cores)."),
        click.option("--max-file-size", type=int, default=DEFAULT_MAX_FILE_BYTES, show_default=True,
                     help="Skip files larger than this many bytes."),
        click.option("--max-file-lines", type=int, default=DEFAULT_MAX_FILE_LINES, show_default=True,
                     help="Skip files with more lines than this."),
        click.option("--max-line-length", type=int, default=DEFAULT_MAX_LINE_CHARS, show_default=True,
                     help="Skip files with a longer line (minified or generated code)."),
        click.option("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT, show_default=True, metavar="SECONDS",
                     help="Skip a file whose analysis takes longer (0 = no limit)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress output."),
        click.option("--teams", "teams_file", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
                     help="YAML file: team -> path globs (wins over CODEOWNERS and catalog-info.yaml)."),
        click.option("--team-fallback", default=DEFAULT_TEAM_FALLBACK, show_default=True, metavar="MODE",
                     help="Team of code no owner file names: root | repo | depth:N | none."),
        click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False, path_type=str),
                     metavar="DIR", help="Extra rules folder (categories, platforms, ignores); repeatable."),
        click.option("--enable-ignore", multiple=True, metavar="ID",
                     help="Switch an ignore rule on, e.g. tests (repeatable)."),
        click.option("--disable-ignore", multiple=True, metavar="ID",
                     help="Switch an ignore rule off, e.g. generated (repeatable)."),
        click.option("--no-churn", is_flag=True, help="Do not weigh copies by their git history."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), envvar="DUPFINDER_CACHE_DIR",
                     metavar="DIR", help="Incremental cache folder [default: $XDG_CACHE_HOME/dupfinder]."),
        click.option("--no-cache", is_flag=True, envvar="DUPFINDER_NO_CACHE", help="Neither read nor write the cache."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Where files are parsed: local processes, or a Dask cluster."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (without: a local Dask cluster)."),
        click.option("--lsh-storage", metavar="URL",
                     help="Keep the LSH index in Redis (redis://HOST:PORT/DB), shared between scans."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def make_rules(params: dict[str, Any]) -> RuleSet:
    return load_ruleset(params["rules_dirs"], params["enable_ignore"], params["disable_ignore"], paths=params["paths"])


def team_options(params: dict[str, Any]) -> TeamOptions:
    return TeamOptions(teams_file=params["teams_file"], fallback=params["team_fallback"], churn=not params["no_churn"])


def scan_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`dupfinder.pipeline.scan` beyond the config (cache, executor...)."""
    from dupfinder.cache import default_dir

    if params.get("scheduler") and params.get("executor", "local") != "dask":
        raise DupfinderError("--scheduler needs --executor dask")
    cache_dir = None if params.get("no_cache") else (params.get("cache_dir") or default_dir())
    return {
        "cache_dir": cache_dir,
        "executor": params.get("executor") or "local",
        "scheduler": params.get("scheduler"),
        "lsh_storage": params.get("lsh_storage"),
    }


def run_analysis(params: dict[str, Any], progress: Progress | None = None) -> ScanResult:
    """Scan, then teams/categories/opportunities/adoption; owner-file warnings go to stderr."""
    rules = make_rules(params)
    result, warnings = analyse_codebase(
        params["paths"], make_config(params), rules=rules, teams=team_options(params), progress=progress,
        **scan_kwargs(params),
    )  # fmt: skip
    for warning in warnings:
        click.echo(f"dupfinder: warning: {warning}", err=True)
    return result


def make_config(params: dict[str, Any]) -> ScanConfig:
    return ScanConfig(
        min_tokens=params["min_tokens"],
        threshold=params["threshold"],
        member_similarity=params.get("member_similarity"),
        exclude=tuple(params["exclude"]),
        use_default_excludes=not params["no_default_excludes"],
        use_gitignore=not params["no_gitignore"],
        languages=tuple(params["languages"]),
        jobs=params["jobs"],
        max_file_bytes=params["max_file_size"],
        max_file_lines=params.get("max_file_lines", DEFAULT_MAX_FILE_LINES),
        max_line_chars=params.get("max_line_length", DEFAULT_MAX_LINE_CHARS),
        file_timeout=params.get("file_timeout", DEFAULT_FILE_TIMEOUT),
    )


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


@click.command()
@scan_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), help="Write the report here.")
def scan(**params: Any) -> None:
    """Scan PATHS for clusters of similar code."""
    with progress_bar(params["quiet"]) as progress:
        result = run_analysis(params, progress)
    reporter = reporters.get(params["fmt"])
    emit(lambda out: reporter(result, out), params["output"])


def main() -> None:
    cli(prog_name="dupfinder")
