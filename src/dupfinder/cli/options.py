"""Options every scanning command shares, and the typed settings they become.

Commands declare their options with :func:`scan_options` (PATHS and all) or
:func:`options_without_paths` (``ci`` and ``baseline`` take one optional PATH),
then turn click's parameters into values once, with :func:`settings`: the
:class:`~dupfinder.config.ScanConfig`, the rules, the team options and the
runtime.  Nothing past this module sees click's parameter dictionary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click
from rich_click import RichCommand
from rich_click.rich_panel import RichOptionPanel

from dupfinder.config import (
    DEFAULT_FILE_TIMEOUT,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_FILE_LINES,
    DEFAULT_MAX_LINE_CHARS,
    DEFAULT_MIN_TOKENS,
    DEFAULT_THRESHOLD,
    Runtime,
    ScanConfig,
)
from dupfinder.executors import check_choice
from dupfinder.model import DEFAULT_TEAM_FALLBACK, RuleSet, TeamOptions


def _options() -> list[Callable[[Callable[..., Any]], Callable[..., Any]]]:
    return [
        click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str)),
        click.option("--min-tokens", type=int, default=DEFAULT_MIN_TOKENS, show_default=True,
                     help="Ignore units with fewer normalised tokens."),
        click.option("--threshold", type=float, default=DEFAULT_THRESHOLD, show_default=True,
                     help="Similarity (0-1) a pair of units needs to count as a clone."),
        click.option("--member-similarity", type=float, default=None, metavar="FLOAT",
                     help="Least structural similarity of any two members of a cluster, at most"
                          " --threshold (lower: heavily edited copies stay together) [default: 0.3]."),
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
                     help="Team of code no owner file names: repo (its git repository), root (the PATH), depth:N"
                          " (its first N folders: depth:1 when PATH holds one package per folder, no .git)"
                          " or none."),
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


#: the sections of a command's help, in order, and the options each holds (those the command has)
PANELS: dict[str, tuple[str, ...]] = {
    "Input": ("--exclude", "--no-default-excludes", "--no-gitignore", "--language", "--max-file-size",
              "--max-file-lines", "--max-line-length", "--file-timeout"),
    "Similarity": ("--min-tokens", "--threshold", "--member-similarity"),
    "Teams and rules": ("--teams", "--team-fallback", "--no-churn", "--rules", "--enable-ignore", "--disable-ignore",
                        "--include-tests"),
    "Output": ("--format", "--output", "--summary", "--top", "--min-teams", "--title", "--link-template",
               "--max-evidence", "--trend", "--quiet"),
    "Performance": ("--jobs", "--cache-dir", "--no-cache"),
    "Scale-out (Dask, Redis)": ("--executor", "--scheduler", "--lsh-storage"),
}  # fmt: skip

#: the options of the teams and the ranking, which only the commands that attribute copies to teams take
TEAM_PARAMS = ("teams_file", "team_fallback", "no_churn")


class Command(RichCommand):
    """A command whose help shows its options in the sections of :data:`PANELS` (the others under Options)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longs = {next((o for o in p.opts if o.startswith("--")), "") for p in self.params}
        for title, names in PANELS.items():
            here = [n for n in names if n in longs]
            if here:
                self.add_panel(RichOptionPanel(name=title, options=here))


def examples(*lines: str) -> str:
    """A command's epilog: its examples, one to a paragraph (as the help shows them)."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


def scan_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that scans code."""
    for option in reversed(_options()):
        f = option(f)
    return f


def options_without_paths(f: Callable[..., Any] | None = None, *, leave_out: Sequence[str] = ()) -> Callable[..., Any]:
    """The shared scan options except the PATHS argument (``ci`` and ``baseline`` take one optional PATH)
    and the parameters named in ``leave_out`` (``baseline`` attributes nothing to teams)."""

    def decorate(g: Callable[..., Any]) -> Callable[..., Any]:
        donor = scan_options(lambda **_: None)
        dropped = {"paths", *leave_out}
        params = [p for p in getattr(donor, "__click_params__", []) if p.name not in dropped]
        existing = getattr(g, "__click_params__", [])
        g.__click_params__ = existing + params  # type: ignore[attr-defined]
        return g

    return decorate if f is None else decorate(f)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the shared options say, as values."""

    paths: tuple[str, ...]
    config: ScanConfig  #: with the enabled ignore rules applied
    rules: RuleSet
    teams: TeamOptions
    runtime: Runtime
    quiet: bool


def _languages(names: Sequence[str]) -> tuple[str, ...]:
    """``--language`` values, checked against the known languages (built-in and plug-ins) without loading them."""
    from importlib.metadata import entry_points

    from dupfinder.languages import BUILTINS, ENTRY_POINT_GROUP

    known = [*BUILTINS, *sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in BUILTINS)]
    for name in names:
        if name not in known:
            raise click.BadParameter(f"unknown language {name!r}; one of: {', '.join(known)}",
                                     param_hint="'--language'")  # fmt: skip
    return tuple(names)


def _config(params: dict[str, Any]) -> ScanConfig:
    return ScanConfig(
        min_tokens=params["min_tokens"],
        threshold=params["threshold"],
        member_similarity=params.get("member_similarity"),
        exclude=tuple(params["exclude"]),
        use_default_excludes=not params["no_default_excludes"],
        use_gitignore=not params["no_gitignore"],
        languages=_languages(params["languages"]),
        jobs=params["jobs"],
        max_file_bytes=params["max_file_size"],
        max_file_lines=params.get("max_file_lines", DEFAULT_MAX_FILE_LINES),
        max_line_chars=params.get("max_line_length", DEFAULT_MAX_LINE_CHARS),
        file_timeout=params.get("file_timeout", DEFAULT_FILE_TIMEOUT),
    )


def _runtime(params: dict[str, Any]) -> Runtime:
    from dupfinder.cache import default_dir

    executor = params.get("executor") or "local"
    check_choice(executor, params.get("scheduler"))
    cache_dir = None if params.get("no_cache") else (params.get("cache_dir") or default_dir())
    return Runtime(cache_dir, executor, params.get("scheduler"), params.get("lsh_storage"))


def settings(params: dict[str, Any], paths: Sequence[str] | None = None) -> Settings:
    """The shared options of a command as values (``paths``: when the command has no PATHS argument)."""
    from dupfinder.pipeline import with_rules
    from dupfinder.rules.loading import load_ruleset

    scanned = tuple(paths if paths is not None else params["paths"])
    rules = load_ruleset(params["rules_dirs"], params["enable_ignore"], params["disable_ignore"], paths=scanned)
    teams = TeamOptions(
        teams_file=params.get("teams_file"),
        fallback=params.get("team_fallback", DEFAULT_TEAM_FALLBACK),
        churn=not params.get("no_churn", False),
        include_tests=bool(params.get("include_tests")),
        capabilities="include_tests" in params,  # the ranking commands (opportunities, report) build the map
    )
    return Settings(scanned, with_rules(_config(params), rules), rules, teams, _runtime(params), params["quiet"])
