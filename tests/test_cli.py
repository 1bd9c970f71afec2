"""The command line, in process, on real files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import write
from dupfinder.cli.app import cli

RETRY = '''
import time
import requests


def fetch_with_retry(url, attempts=3, backoff=0.5):
    """Fetch a URL, retrying on server errors."""
    last = None
    for attempt in range(attempts):
        try:
            resp = requests.get(url, timeout=10)
            if resp.status_code >= 500:
                raise RuntimeError("server error %d" % resp.status_code)
            return resp.json()
        except requests.RequestException as exc:
            last = exc
            time.sleep(backoff * (2 ** attempt))
    raise RuntimeError(f"giving up on {url}") from last
'''


def make_repo(root: Path) -> None:
    write(root, "team-a/client.py", RETRY)
    write(root, "team-b/http.py", RETRY.replace("fetch_with_retry", "get_json").replace("attempts", "tries"))
    write(root, "team-c/other.py", "def add(a, b):\n    return a + b\n")
    write(root, "team-c/blob.py", b"\x00\x01\x02binary")
    write(root, "team-c/broken.py", "def broken(:\n    pass\n")


def test_scan_text_reports_clusters_and_skips(tmp_path: Path) -> None:
    make_repo(tmp_path)
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "team-a/client.py:6:1: duplicate [http-retry]: `fetch_with_retry`" in res.output
    assert "and 1 similar (26 lines, similarity 1.00, 1 team)" in res.output
    assert "also at team-b/http.py:6-18 `get_json`" in res.output
    assert "team-c/blob.py: skipped: binary file" in res.output
    assert "team-c/broken.py: skipped: unparseable: syntax error at line" in res.output


def test_scan_json_contract_and_determinism(tmp_path: Path) -> None:
    make_repo(tmp_path)
    out1, out2 = tmp_path / "r1.json", tmp_path / "r2.json"
    for out in (out1, out2):
        res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "-o", str(out)])
        assert res.exit_code == 0, res.output
    assert out1.read_bytes() == out2.read_bytes()
    report = json.loads(out1.read_text())
    assert report["schema"] == "dupfinder.report/1"
    assert report["tool"]["name"] == "dupfinder"
    assert {"files", "units", "lines", "skipped"} <= set(report["stats"])
    assert report["stats"]["files"] == 3
    assert {s["path"] for s in report["stats"]["skipped"]} == {"team-c/blob.py", "team-c/broken.py"}
    (cluster,) = report["clusters"]
    assert {"id", "similarity", "lines", "category", "instances"} <= set(cluster)
    inst = cluster["instances"]
    assert [(i["path"], i["start_line"], i["end_line"], i["language"]) for i in inst] == [
        ("team-a/client.py", 6, 18, "python"),
        ("team-b/http.py", 6, 18, "python"),
    ]
    assert all({"name", "team"} <= set(i) for i in inst)


def test_usage_and_input_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["scan", str(tmp_path / "missing")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [f"dupfinder: error: path does not exist: {tmp_path / 'missing'}"]
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--threshold", "1.5"])
    assert res.exit_code == 2 and "--threshold must be in (0, 1]" in res.output
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--threshold", "0.6", "--member-similarity", "0.7"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "dupfinder: error: --member-similarity must be above 0 and at most --threshold (0.6), got 0.7"]  # fmt: skip
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "nope"])
    assert res.exit_code == 2


def test_python_dash_m_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    make_repo(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "dupfinder", "scan", str(tmp_path), "-q"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "and 1 similar" in proc.stdout
