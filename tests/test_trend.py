"""``dupfinder trend`` on a real git repository built here.

A duplicate appears, spreads to a third team, then teams adopt the platform package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from dupfinder.cli.app import cli
from dupfinder.errors import DupfinderError
from dupfinder.history.trend import (
    materialise,
    pick_by_time,
    pick_evenly,
    repository,
    sample_revisions,
)
from dupfinder.model import Revision
from dupfinder.reporters.trend import from_dict, to_dict

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (.ci/run installs it)")

RETRY = '''
import time

import requests


def {name}(url, {attempts}=3, backoff=0.5):
    """Fetch a URL, retrying on server errors."""
    last = None
    for attempt in range({attempts}):
        try:
            resp = requests.get(url, timeout=10)
            if resp.status_code >= 500:
                raise RuntimeError("server error %d" % resp.status_code)
            return resp.json()
        except requests.RequestException as exc:
            last = exc
            time.sleep(backoff * (2 ** attempt))
    raise RuntimeError(f"giving up on {{url}}") from last
'''

ADOPTED = """
import httpkit


def {name}(url):
    return httpkit.get_json(url)
"""

PLATFORM = '''
def get_json(url, attempts=3):
    """The platform's HTTP client (one copy for everyone)."""
    return {"url": url, "attempts": attempts}
'''

RULES = """
platforms:
  - id: httpkit
    title: HTTP kit
    category: http-retry
    packages:
      python: [httpkit]
    paths: [platform/]
"""

DAY = 86400
START = 1_704_067_200  # 2024-01-01T00:00:00Z


def git(repo: Path, *args: str, when: int | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def commit(repo: Path, day: int, message: str, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=START + day * DAY)


#: (day, what happened) of each commit, oldest first
HISTORY: list[tuple[int, str, dict[str, str | None]]] = [
    (0, "team-a writes a retry helper", {
        "team-a/http.py": RETRY.format(name="fetch_with_retry", attempts="attempts"),
        "platform/httpkit/__init__.py": PLATFORM, "README.md": "v0\n"}),
    (2, "docs", {"README.md": "v1\n"}),
    (5, "team-b copies it", {"team-b/client.py": RETRY.format(name="get_json", attempts="tries")}),
    (7, "docs", {"README.md": "v2\n"}),
    (9, "team-c copies it too", {"team-c/fetch.py": RETRY.format(name="load_remote", attempts="retries")}),
    (12, "docs", {"README.md": "v3\n"}),
    (14, "team-b adopts httpkit", {"team-b/client.py": ADOPTED.format(name="get_json")}),
    (16, "docs", {"README.md": "v4\n"}),
    (19, "team-c adopts httpkit", {"team-c/fetch.py": ADOPTED.format(name="load_remote")}),
    (21, "docs", {"README.md": "v5\n"}),
    (23, "docs", {"README.md": "v6\n"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history") / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for day, message, files in HISTORY:
        commit(root, day, message, files)
    return root


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "platforms.yaml").write_text(RULES, encoding="utf-8")
    return folder


def shas(repo: Path) -> list[str]:
    return git(repo, "rev-list", "--first-parent", "--reverse", "HEAD").split()


def run_trend(repo: Path, rules: Path, *extra: str) -> dict[str, object]:
    args = ["trend", str(repo), "--rules", str(rules), "--team-fallback", "depth:1", "-q", "--jobs", "1", *extra]
    res = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data: dict[str, object] = json.loads(res.output)
    return data


def test_sampling_spreads_evenly_and_keeps_both_ends(repo: Path) -> None:
    all_shas = shas(repo)
    picked = sample_revisions(str(repo), count=4)
    assert [r.sha for r in picked] == [all_shas[0], all_shas[3], all_shas[7], all_shas[10]]
    assert [r.sha for r in sample_revisions(str(repo), count=50)] == all_shas
    assert picked[0].date == "2024-01-01T00:00:00+00:00"


def test_sampling_by_time_takes_the_newest_commit_of_each_moment(repo: Path) -> None:
    all_shas = shas(repo)
    picked = sample_revisions(str(repo), since="2024-01-03", every="1w")
    # moments: Jan 3 (day 2), Jan 10 (day 9), Jan 17 (day 16), then the tip (day 23)
    assert [r.sha for r in picked] == [all_shas[1], all_shas[4], all_shas[7], all_shas[10]]
    assert [r.sha for r in sample_revisions(str(repo), since="2030-01-01", every="1d")] == [all_shas[-1]]


def history(*days: int) -> Sequence[Revision]:
    return tuple(Revision(f"{d:040x}", START + d * DAY, "") for d in sorted(days, reverse=True))


def test_picking_helpers_on_plain_values() -> None:
    h = history(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    assert [r.timestamp for r in pick_evenly(h, 3)] == [START, START + 4 * DAY, START + 9 * DAY]  # round(4.5) = 4
    assert pick_evenly(h, 1) == (h[0],)
    assert [r.timestamp for r in pick_by_time(h, START - DAY, 4 * DAY)] == [
        START + 3 * DAY,
        START + 7 * DAY,
        START + 9 * DAY,
    ]
    assert pick_by_time((), START, DAY) == ()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"count": 3, "since": "2024-01-01", "every": "1w"}, "either --revs or --since/--every"),
        ({"since": "2024-01-01"}, "--since and --every go together"),
        ({"since": "last tuesday", "every": "1w"}, "--since must be an ISO date"),
        ({"since": "2024-01-01", "every": "1 fortnight"}, "--every must be a number and a unit"),
        ({"count": 0}, "--revs must be at least 1"),
    ],
)
def test_bad_sampling_options_say_what_to_fix(repo: Path, kwargs: dict[str, object], error: str) -> None:
    with pytest.raises(DupfinderError, match=error.replace("(", r"\(")):
        sample_revisions(str(repo), **kwargs)  # type: ignore[arg-type]


def test_trend_follows_the_duplicate_and_the_adoption(repo: Path, rules: Path) -> None:
    (repo / "team-a/http.py").write_text("# uncommitted work in progress\n", encoding="utf-8")
    (repo / "scratch.py").write_text("x = 1\n", encoding="utf-8")
    status = git(repo, "status", "--porcelain")
    head = git(repo, "rev-parse", "HEAD")

    data = run_trend(repo, rules, "--revs", "11")

    # the working tree, index and HEAD are exactly as they were
    assert git(repo, "status", "--porcelain") == status and git(repo, "rev-parse", "HEAD") == head
    assert (repo / "team-a/http.py").read_text() == "# uncommitted work in progress\n"
    points = data["points"]
    assert isinstance(points, list) and [p["rev"] for p in points] == shas(repo)
    assert data["schema"] == "dupfinder.trend/1" and data["repository"] == "shop"

    def copy_lines(p: dict[str, object], team: str) -> int:
        teams = p["teams"]
        assert isinstance(teams, dict)
        return int(teams.get(team, {"copy_lines": 0})["copy_lines"])

    dup = [p["duplicated_lines"] for p in points]
    assert dup[:2] == [0, 0]  # one copy is no duplicate
    assert 0 < dup[2] < dup[4]  # team-b copies it, then team-c
    assert dup[6] < dup[4] and dup[8:] == [0, 0, 0]  # adoption removes the copies
    assert [copy_lines(p, "team-b") > 0 for p in points] == [False, False, True, True, True, True] + [False] * 5
    assert [copy_lines(p, "team-c") > 0 for p in points] == [False] * 4 + [True] * 4 + [False] * 3
    assert all(copy_lines(p, "platform") == 0 for p in points)  # the platform's own code never counts
    rates = [p["adoption"]["httpkit"]["rate"] for p in points]  # type: ignore[index]
    assert rates[:6] == [0.0] * 6
    assert rates[6] == pytest.approx(1 / 3, abs=1e-4)  # team-b imports it, team-a and team-c keep copies
    assert rates[8:] == [1.0] * 3
    assert points[6]["adoption"]["httpkit"]["adopters"] == ["team-b"]  # type: ignore[index]
    assert points[6]["adoption"]["httpkit"]["rolling_their_own"] == ["team-a", "team-c"]  # type: ignore[index]
    assert from_dict(data) and to_dict(from_dict(data), "shop") == data  # the JSON reads back unchanged


def test_trend_table_and_html(repo: Path, rules: Path, tmp_path: Path) -> None:
    args = ["trend", str(repo), "--rules", str(rules), "--team-fallback", "depth:1", "-q", "--jobs", "1"]
    res = CliRunner().invoke(cli, [*args, "--since", "2024-01-01", "--every", "1w"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split()[:6] == ["rev", "date", "files", "lines", "clusters", "dup.lines"]
    assert "httpkit adoption" in lines[0]
    # moments Jan 1, 8, 15, 22 (each the day of a commit), then the tip of Jan 24
    dates = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-24"]
    assert [line.split()[1] for line in lines[1:6]] == dates
    out = tmp_path / "trend.html"
    res = CliRunner().invoke(
        cli,
        [
            *args,
            "--revs",
            "10",
            "-o",
            str(out),
            "--link-template",
            "https://git.example/{repo}/blob/{rev}/{path}#L{line}",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = out.read_text()
    assert 'id="trend"' in doc and "Trend over 10 revisions" in doc and doc.count("<polyline") >= 2
    # a report of the tip: team-a's copy is the only one left, no cluster, nothing to link
    assert "dupfinder scanned" in doc


def test_default_teams_are_named_after_the_repository(repo: Path, rules: Path) -> None:
    args = ["trend", str(repo), "--rules", str(rules), "-q", "--jobs", "1", "--revs", "3", "--format", "json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    middle = json.loads(res.output)["points"][1]
    assert list(middle["teams"]) == ["shop"]  # one repository, one team: as a scan of the working tree says


def test_trend_says_what_it_wrote_in_the_words_of_the_other_commands(repo: Path, rules: Path, tmp_path: Path) -> None:
    out = tmp_path / "trend.json"  # the suffix chooses json
    args = ["trend", str(repo), "--rules", str(rules), "-q", "--jobs", "1", "--revs", "3", "-o", str(out)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines() == [f"dupfinder: wrote {out} (3 revisions)"]
    assert len(json.loads(out.read_text(encoding="utf-8"))["points"]) == 3


def test_a_link_leaving_the_tree_is_not_unpacked(tmp_path: Path) -> None:
    repo = tmp_path / "evil"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.py").write_text("x = 1\n", encoding="utf-8")
    os.symlink("../../../../../../etc", repo / "escape")
    os.symlink("a.py", repo / "inside.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links", when=START)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "stale.txt").write_text("from a previous revision", encoding="utf-8")
    folder = materialise(str(repo), "HEAD", "", str(dest))
    assert sorted(os.listdir(folder)) == ["a.py", "inside.py"]
    assert (dest / "inside.py").read_text() == "x = 1\n"


def test_a_subfolder_is_trended_on_its_own(repo: Path, rules: Path) -> None:
    top, prefix = repository(str(repo / "team-a"))
    assert (Path(top), prefix) == (repo, "team-a")
    data = run_trend(repo / "team-a", rules, "--revs", "2")
    assert [p["files"] for p in data["points"]] == [1, 1]  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--rev", "--all"], "not a revision: '--all'"),
        (["--rev", "no-such-branch"], "git log failed"),
        (["--revs", "3", "--since", "2024-01-01", "--every", "1d"], "either --revs or --since/--every"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(repo: Path, args: list[str], error: str) -> None:
    res = CliRunner().invoke(cli, ["trend", str(repo), "-q", *args])
    assert res.exit_code == 2
    assert res.output.startswith("dupfinder: error: ") and error in res.output and "Traceback" not in res.output


def test_a_folder_outside_git_is_refused(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["trend", str(tmp_path), "-q"])
    assert res.exit_code == 2 and "not inside a git repository" in res.output


def test_report_draws_a_saved_trend(repo: Path, rules: Path, tmp_path: Path) -> None:
    saved = tmp_path / "trend.json"
    args = ["--rules", str(rules), "--team-fallback", "depth:1", "-q", "--jobs", "1"]
    res = CliRunner().invoke(cli, ["trend", str(repo), *args, "--revs", "4", "-o", str(saved)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", str(repo), *args, "--no-churn", "--trend", str(saved), "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = out.read_text()
    assert "Trend over 4 revisions" in doc and "httpkit" in doc
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "dupfinder.trend/1", "points": [{"rev": "x", "date": "y", "teams": {}}]}')
    res = CliRunner().invoke(cli, ["report", str(repo), "-q", "--trend", str(bad), "-o", str(out)])
    assert res.exit_code == 2
    assert res.output == f"dupfinder: error: {bad}: points[0]: teams and adoption must be objects\n"
