"""The command line: ``dupfinder scan PATH...`` and friends, each command in a thin module of its own.

Exit codes are a contract: 0 success, 1 findings that fail a gate, 2 usage
or input errors (one line on stderr, no traceback), 3 an internal error
(``--debug`` shows its traceback).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import traceback
from typing import Any

import click
from rich_click import RichGroup

from dupfinder import __version__
from dupfinder.errors import DupfinderError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3


#: command name -> "module:attribute"; each command lives in its own module beside this one
COMMANDS: dict[str, str] = {
    "scan": "dupfinder.cli.scan:scan",
    "opportunities": "dupfinder.cli.opportunities:opportunities",
    "ci": "dupfinder.cli.ci:ci",
    "baseline": "dupfinder.cli.baseline:baseline",
    "report": "dupfinder.cli.report:report",
    "trend": "dupfinder.cli.trend:trend",
    "history": "dupfinder.cli.history:history",
}


def _command_available(target: str) -> bool:
    module_name = target.partition(":")[0]
    return module_name == __name__ or importlib.util.find_spec(module_name) is not None


class _Group(RichGroup):
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
        except click.UsageError as exc:  # one line on stderr, as every other error: no Usage/Try lines
            click.echo(f"dupfinder: error: {exc.format_message()}", err=True)
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


def main() -> None:
    cli(prog_name="dupfinder")
