"""Help that reads like a man page: the command list whole, options in sections, examples per command."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dupfinder.cli.app import COMMANDS, cli
from dupfinder.cli.options import PANELS

_BOX = re.compile(r"[╭╮╰╯│─]")


def _help(*args: str) -> str:
    res = CliRunner().invoke(cli, [*args, "--help"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    return res.output


def _flat(text: str) -> str:
    """The help's words without the boxes and line breaks."""
    return " ".join(_BOX.sub(" ", text).split())


def _sections(text: str) -> dict[str, list[str]]:
    """Each boxed section's title -> the long options it lists, in order."""
    out: dict[str, list[str]] = {}
    title = ""
    for line in text.splitlines():
        if m := re.match(r"╭─ (.+?) ─", line):
            title = m.group(1)
            out[title] = []
        elif line.startswith("╰"):
            title = ""
        elif title and (m := re.match(r"│ (--[a-z-]+)", line)):
            out[title].append(m.group(1))
    return out


def test_the_command_list_shows_each_commands_whole_first_line() -> None:
    text = _help()
    flat = _flat(text)
    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.help
        first = command.help.split("\n\n")[0]
        assert " ".join(first.split()) in flat, name
    assert "..." not in text.partition("Commands")[2]  # nothing cut short


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_options_are_grouped_in_the_sections_in_order(name: str) -> None:
    text = _help(name)
    sections = _sections(text)
    titles = [t for t in sections if t in PANELS]
    assert titles == [t for t in PANELS if t in titles]  # the one order for every command
    assert {"Input", "Similarity", "Output", "Performance"} <= set(titles)
    for title in titles:
        assert sections[title], title
        assert all(option in PANELS[title] for option in sections[title]), (title, sections[title])
    # what is left under Options is the command's own (and --help), never a shared scan option
    shared = {o for names in PANELS.values() for o in names}
    assert not shared & set(sections.get("Options", []))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_examples_that_name_it(name: str) -> None:
    flat = _flat(_help(name))
    examples = flat.partition("Examples:")[2]
    assert f"$ dupfinder {name} " in examples


def test_scale_out_and_teams_options_only_where_the_command_uses_them() -> None:
    baseline = _sections(_help("baseline"))
    assert "--teams" not in baseline["Teams and rules"] and "--team-fallback" not in baseline["Teams and rules"]
    assert baseline["Teams and rules"] == ["--rules", "--enable-ignore", "--disable-ignore"]  # ignores apply
    scan = _sections(_help("scan"))
    assert scan["Scale-out (Dask, Redis)"] == ["--executor", "--scheduler", "--lsh-storage"]
    assert scan["Teams and rules"][:2] == ["--teams", "--team-fallback"]
    res = CliRunner().invoke(cli, ["baseline", ".", "--teams", "t.yaml"])
    assert res.exit_code == 2 and "--teams" in res.stderr


def test_team_fallback_help_says_when_depth_1_is_wanted() -> None:
    flat = _flat(_help("scan"))
    assert "depth:1 when PATH holds one package per folder, no .git" in flat
