"""``dupfinder history``: each cluster's history read from real git repositories built here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import write
from dupfinder.cli.app import cli
from test_inconsistent import FETCH, FIXED, PATHS, REFORMATTED, TEAMS, commit, git, needs_git


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """billing's helper first, shipping's copy one commit later, identity's a commit after that."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "Dev")
    git(repo, "config", "commit.gpgsign", "false")
    write(repo, ".github/CODEOWNERS", "".join(f"/services/{t}/ @acme/{t}\n" for t in TEAMS))
    for n, p in enumerate(PATHS):
        write(repo, p, FETCH)
        commit(repo, f"copy {n + 1}")
    return repo


def history(repo: Path, *extra: str) -> str:
    res = CliRunner().invoke(cli, ["history", str(repo), "--jobs", "1", "-q", *extra])
    assert res.exit_code == 0, res.output
    return res.output


def history_json(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(history(repo, "--format", "json"))
    return data


def only_cluster(data: dict[str, Any]) -> dict[str, Any]:
    (cluster,) = [c for c in data["clusters"] if c["kind"] == "unit"]
    return cluster


@needs_git
def test_a_copy_added_later_shows_its_first_commit_and_the_origin(repo: Path) -> None:
    h = only_cluster(history_json(repo))["history"]
    firsts = {k: v["commit"] for k, v in h["first_seen"].items()}
    assert firsts == {
        "services/billing/http.py:5-16": sha(repo, "HEAD~2"),
        "services/shipping/http.py:5-16": sha(repo, "HEAD~1"),
        "services/identity/http.py:5-16": sha(repo, "HEAD"),
    }
    assert h["origin"]["path"] == "services/billing/http.py" and h["origin"]["team"] == "billing"
    assert [c["copies"] for c in h["copies_over_time"]] == [1, 2, 3]
    assert h["divergent_fixes"] == []


@needs_git
def test_a_fix_to_one_copy_of_three_is_a_divergent_fix_with_both_siblings(repo: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    (fix,) = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    assert fix["commit"] == sha(repo) and fix["subject"] == "billing: retry on 429"
    assert [i["path"] for i in fix["changed"]] == ["services/billing/http.py"]
    assert sorted(i["path"] for i in fix["not_changed"]) == ["services/identity/http.py", "services/shipping/http.py"]
    assert "+            if resp.status_code >= 500 or resp.status_code == 429:" in fix["diff"]
    text = history(repo)
    assert "1 fixed in one place only" in text
    assert "fixed in one place only: " + sha(repo)[:12] in text
    md = history(repo, "--format", "markdown")
    assert "## Fixed in one place only" in md and "billing: retry on 429" in md


@needs_git
def test_the_same_fix_to_all_three_copies_is_no_divergent_fix(repo: Path) -> None:
    for p in PATHS:
        write(repo, p, FIXED)
    commit(repo, "retry on 429 everywhere")
    assert only_cluster(history_json(repo))["history"]["divergent_fixes"] == []


@needs_git
def test_a_later_catch_up_is_no_divergent_fix_but_the_first_fix_stays_one(repo: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing first")
    write(repo, PATHS[1], FIXED)
    write(repo, PATHS[2], FIXED)
    commit(repo, "the others catch up")
    fixes = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    assert [f["subject"] for f in fixes] == ["billing first"]


@needs_git
def test_a_reformat_or_a_rename_is_no_divergent_fix(repo: Path) -> None:
    write(repo, PATHS[0], REFORMATTED)
    write(repo, PATHS[1], FETCH.replace("attempt", "try_no").replace("last", "previous"))
    commit(repo, "reformat and rename")
    git(repo, "mv", PATHS[2], "services/identity/transport.py")
    commit(repo, "move")
    h = only_cluster(history_json(repo))["history"]
    assert h["divergent_fixes"] == []
    # a file is followed under its current name: the moved copy appears with the move
    assert h["first_seen"]["services/identity/transport.py:5-16"]["commit"] == sha(repo)
    billing = next(v for k, v in h["first_seen"].items() if k.startswith("services/billing/http.py:"))
    assert billing["commit"] == sha(repo, "HEAD~4")  # the reformat did not start it again


@needs_git
def test_history_leaves_the_working_tree_alone_and_json_is_deterministic(repo: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    before = git(repo, "status", "--porcelain=v1", "--ignored")
    first = history(repo, "--format", "json")
    assert history(repo, "--format", "json") == first
    assert git(repo, "status", "--porcelain=v1", "--ignored") == before


def test_history_outside_a_repository_is_a_one_line_error(tmp_path: Path) -> None:
    write(tmp_path, "a.py", FETCH)
    res = CliRunner().invoke(cli, ["history", str(tmp_path), "-q"])
    assert res.exit_code == 2 and "not inside a git repository" in res.output, res.output
    assert "Traceback" not in res.output


@needs_git
def test_scan_json_has_no_history_field(repo: Path) -> None:
    res = CliRunner().invoke(cli, ["scan", str(repo), "--format", "json", "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert all("history" not in c for c in json.loads(res.output)["clusters"])
    assert subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True).stdout == b""
