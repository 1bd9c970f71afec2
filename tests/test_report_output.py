"""Where ``-o`` points: a regular file is replaced whole, a pipe or a device is written to in place."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from dupfinder.cli.app import cli


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_report_to_a_named_pipe_goes_through_it_and_leaves_the_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "report.fifo"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    args = ["scan", str(FIXTURES / "acme-monorepo"), "--format", "json", "--no-cache", "-q"]
    result = CliRunner().invoke(cli, [*args, "-o", str(pipe)])
    reader.join(timeout=20)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # still the pipe, not a file renamed over it
    direct = CliRunner().invoke(cli, args)
    assert received == [direct.stdout_bytes]
    assert not list(tmp_path.glob(".dupfinder-*"))  # no temporary file left beside it


def test_a_report_to_a_regular_file_replaces_it_whole(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old and much longer content " * 100, encoding="utf-8")
    args = ["scan", str(FIXTURES / "acme-monorepo"), "--format", "json", "--no-cache", "-q"]
    assert CliRunner().invoke(cli, [*args, "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == CliRunner().invoke(cli, args).stdout_bytes
