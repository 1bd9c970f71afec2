"""Progress on a real terminal: every stage named on stderr, nothing of it in the report, none with -q.

The commands run as a user runs them, in a process whose stderr is a pseudo-terminal
(:mod:`pty`) and whose stdout is a file, so what the terminal shows and what the
report holds are read apart.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from dupfinder.support.progress import stage

#: the stages a cold scan of the fixture goes through, as the terminal names them
STAGES = ("discover", "parse", "index", "verify", "cluster", "blocks", "excerpts", "owners", "teams",
          "categories", "capabilities", "opportunities", "write report")  # fmt: skip
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _run(args: list[str], cwd: Path, *, tty: bool) -> tuple[bytes, bytes, int]:
    """(stdout, what stderr showed, exit code) of ``python -m dupfinder args``; stderr a terminal when ``tty``."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    out_path = cwd / f".stdout-{len(os.listdir(cwd))}"
    with open(out_path, "wb") as out:
        if not tty:
            proc = subprocess.run([sys.executable, "-m", "dupfinder", *args], stdout=out, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, cwd=cwd, env=env, check=False)  # fmt: skip
            return out_path.read_bytes(), proc.stderr, proc.returncode
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        child = subprocess.Popen([sys.executable, "-m", "dupfinder", *args], stdout=out, stderr=slave,
                                 stdin=subprocess.DEVNULL, cwd=cwd, env=env)  # fmt: skip
        os.close(slave)
        shown = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        code = child.wait(timeout=300)
    return out_path.read_bytes(), bytes(shown), code


def _text(shown: bytes) -> str:
    return _ANSI.sub(b"", shown).decode("utf-8", "replace")


@pytest.mark.parametrize("command", ["scan", "opportunities", "report"])
def test_every_stage_shows_on_a_terminal_and_never_in_the_report(acme: Path, tmp_path: Path, command: str) -> None:
    args = [command, str(acme), "--no-cache", "--jobs", "1", *(["--format", "json"] if command == "report" else [])]
    report, shown, code = _run(args, tmp_path, tty=True)
    assert code == 0, _text(shown)
    screen = _text(shown)
    for name in STAGES:
        assert name in screen, (name, screen[-2000:])
    plain, errors, plain_code = _run(args, tmp_path, tty=False)
    assert plain_code == 0
    assert report == plain  # byte for byte as with stderr redirected
    assert errors == b""  # not a terminal: no progress at all
    assert b"\x1b" not in report


def test_a_report_written_with_o_is_the_same_and_the_terminal_says_where(acme: Path, tmp_path: Path) -> None:
    on_tty, plain = tmp_path / "tty.json", tmp_path / "plain.json"
    _, shown, code = _run(["report", str(acme), "--no-cache", "-o", str(on_tty)], tmp_path, tty=True)
    assert code == 0
    _, errors, code = _run(["report", str(acme), "--no-cache", "-o", str(plain)], tmp_path, tty=False)
    assert code == 0
    assert on_tty.read_bytes() == plain.read_bytes()
    assert "write report" in _text(shown)
    assert f"dupfinder: wrote {on_tty} (" in _text(shown)
    assert errors.decode().startswith(f"dupfinder: wrote {plain} (")


@pytest.mark.parametrize("quiet", ["-q", "--quiet"])
def test_quiet_shows_nothing_on_a_terminal(acme: Path, tmp_path: Path, quiet: str) -> None:
    report, shown, code = _run(["scan", str(acme), "--no-cache", quiet], tmp_path, tty=True)
    assert code == 0
    assert shown == b""
    assert report == _run(["scan", str(acme), "--no-cache"], tmp_path, tty=False)[0]


def test_baseline_shows_its_stages_and_says_what_it_wrote(acme: Path, tmp_path: Path) -> None:
    out = tmp_path / "base.json"
    _, shown, code = _run(["baseline", str(acme), "--no-cache", "-o", str(out)], tmp_path, tty=True)
    assert code == 0
    screen = _text(shown)
    for name in ("discover", "parse", "verify", "cluster", "write report"):
        assert name in screen, name
    assert re.search(rf"dupfinder: wrote {re.escape(str(out))} \(\d+ units, \d+ clusters\)", screen)


def test_a_stage_reports_its_start_and_its_end() -> None:
    seen: list[tuple[str, int, int]] = []
    with stage(lambda *event: seen.append(event), "verify"):
        assert seen == [("verify", 0, 0)]
    assert seen == [("verify", 0, 0), ("verify", 1, 1)]
    with stage(None, "verify"):  # no one watching: nothing to call
        pass
