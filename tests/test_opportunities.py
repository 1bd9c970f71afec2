"""Teams, categories, ranking and adoption on the acme fixture, against its expected file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from dupfinder.cli.app import cli

ACME = FIXTURES / "acme-monorepo"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    res = CliRunner().invoke(cli, ["opportunities", str(ACME), "--format", "json", "-q", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = json.loads(res.output)
    return data


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ACME / "expected-opportunities.json").read_text())
    return data


def group_of_cluster(report: dict[str, Any]) -> dict[str, str]:
    planted = json.loads((ACME / "expected.json").read_text())["groups"]
    where = {(i["path"], i["start_line"]): g["id"] for g in planted for i in g["instances"]}
    return {c["id"]: where[(c["instances"][0]["path"], c["instances"][0]["start_line"])] for c in report["clusters"]}


def test_every_instance_has_its_owner_and_every_cluster_its_category(
    report: dict[str, Any], expected: dict[str, Any]
) -> None:
    groups = group_of_cluster(report)
    for cluster in report["clusters"]:
        want = expected["groups"][groups[cluster["id"]]]
        assert cluster["category"] == want["category"]
        assert {i["path"]: i["team"] for i in cluster["instances"]} == want["teams"]


def test_ranking_matches_the_expected_file(report: dict[str, Any], expected: dict[str, Any]) -> None:
    groups = group_of_cluster(report)
    got = [
        {"rank": o["rank"], "category": o["category"], "teams": o["teams"],
         "groups": sorted(groups[c] for c in o["cluster_ids"]), "instances": o["instances"], "pioneers": o["pioneers"]}
        for o in report["opportunities"]
    ]  # fmt: skip
    assert got == expected["opportunities"]


def test_login_shared_by_more_teams_outranks_the_retry_helper(report: dict[str, Any]) -> None:
    by_category = {o["category"]: o for o in report["opportunities"]}
    assert len(by_category["auth"]["teams"]) > len(by_category["http-retry"]["teams"])
    assert by_category["auth"]["rank"] < by_category["http-retry"]["rank"]
    assert by_category["auth"]["score"] > by_category["http-retry"]["score"]
    assert {"teams", "instances", "duplicated_lines"} <= set(by_category["auth"]["why"])


def test_adoption_matches_the_expected_file(report: dict[str, Any], expected: dict[str, Any]) -> None:
    got = [
        {k: a[k] for k in ("platform", "category", "adopters", "rolling_their_own", "rate")} for a in report["adoption"]
    ]
    assert got == expected["adoption"]


def test_text_ranking_lists_rank_category_teams_and_evidence() -> None:
    res = CliRunner().invoke(cli, ["opportunities", str(ACME), "-q", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    blocks = res.output.split("\n\n")
    assert blocks[0].startswith("#1  data-access: 7 teams, 8 copies, ")
    assert blocks[1].startswith("#2  auth: 6 teams, 8 copies, ")  # the platform team's own copy is the platform
    assert "\n    evidence     names: " in blocks[0]
    assert "acme-auth (auth): 25% adopted by 2 teams" in res.output


def test_teams_file_wins_over_codeowners(tmp_path: Path) -> None:
    teams = tmp_path / "teams.yaml"
    teams.write_text("teams:\n  auth-guild:\n    - services/billing/**\n")
    res = CliRunner().invoke(cli, ["scan", str(ACME), "--format", "json", "-q", "--teams", str(teams)])
    assert res.exit_code == 0, res.output
    teams_by_path = {i["path"]: i["team"] for c in json.loads(res.output)["clusters"] for i in c["instances"]}
    assert teams_by_path["services/billing/billing/auth.py"] == "auth-guild"
    assert teams_by_path["services/loyalty/loyalty/auth.py"] == "growth-team"


def test_malformed_teams_file_is_a_one_line_error(tmp_path: Path) -> None:
    teams = tmp_path / "teams.yaml"
    teams.write_text("teams:\n  auth-guild: [unclosed\n")
    res = CliRunner().invoke(cli, ["scan", str(ACME), "-q", "--teams", str(teams)])
    assert res.exit_code == 2
    (line,) = res.output.strip().splitlines()
    assert line.startswith(f"dupfinder: error: {teams}:")
