"""``dupfinder ci --base``: a change that reaches one copy of a cluster and not its siblings.

Each test commits three copies of one helper, owned by three teams, on ``main``;
a branch then changes them in one way, and the gate runs in every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import commit, git, init_repo, needs_git, write
from dupfinder.cli.app import cli
from test_ci_gate import RETRY as FETCH

# the fix: retry on 429 too
FIXED = FETCH.replace("if resp.status_code >= 500:", "if resp.status_code >= 500 or resp.status_code == 429:")

# the same code as a formatter leaves it
EXPLODED = "resp = requests.get(\n                url,\n                timeout=10,\n            )"
REFORMATTED = FETCH.replace("resp = requests.get(url, timeout=10)", EXPLODED).replace("(2 ** attempt)", "(2**attempt)")

TEAMS = ("billing", "shipping", "identity")
PATHS = tuple(f"services/{t}/http.py" for t in TEAMS)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    for p in PATHS:
        write(repo, p, FETCH)
    owners = "".join(f"/services/{t}/ @acme/{t}\n" for t in TEAMS)
    write(repo, ".github/CODEOWNERS", owners)
    commit(repo, "three copies")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def ci(repo: Path, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["ci", str(repo), "--base", "main", "--jobs", "1", "-q", *extra])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, res.output


def sarif(repo: Path, out: Path) -> dict[str, Any]:
    ci(repo, "--format", "sarif", "-o", str(out))
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@needs_git
def test_a_fix_to_one_copy_of_three_names_both_siblings_in_every_format(repo: Path, tmp_path: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    code, out = ci(repo)
    assert code == 0, out  # a warning by default
    line = next(ln for ln in out.splitlines() if "inconsistent change" in ln)
    assert line == (
        "services/billing/http.py:5:1: warning: inconsistent change `fetch_with_retry`: changed 1 of 3 copies; "
        "the copies at services/identity/http.py:5-16 [identity] and services/shipping/http.py:5-16 [shipping] "
        "did not get this change"
    ), out
    assert "  | -            if resp.status_code >= 500:" in out
    assert "  | +            if resp.status_code >= 500 or resp.status_code == 429:" in out
    assert "1 inconsistent change (warning only)" in out

    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 1, out
    assert "services/billing/http.py:5:1: error: inconsistent change" in out

    data = sarif(repo, tmp_path / "out.sarif")
    run = data["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["new-duplicate", "inconsistent-change"]
    (res,) = run["results"]
    assert res["ruleId"] == "inconsistent-change" and res["ruleIndex"] == 1 and res["level"] == "warning"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "services/billing/http.py"
    related = [r["physicalLocation"]["artifactLocation"]["uri"] for r in res["relatedLocations"]]
    assert related == ["services/identity/http.py", "services/shipping/http.py"]
    assert res["partialFingerprints"]["dupfinderInconsistentChange/v1"]
    assert sarif(repo, tmp_path / "again.sarif") == data  # deterministic

    code, out = ci(repo, "--format", "github")
    (ann,) = [ln for ln in out.splitlines() if ln.startswith("::")]
    assert ann.startswith("::warning file=services/billing/http.py,line=5,endLine=16,title=Inconsistent change to ")
    assert "changed 1 of 3 copies" in ann and "%0A+" in ann

    code, out = ci(repo, "--format", "markdown")
    assert "#### Changed in one place only (1)" in out
    assert "`services/billing/http.py:5-16` `fetch_with_retry` (billing)" in out
    assert "```diff" in out


@needs_git
def test_the_same_fix_to_all_three_copies_is_not_reported(repo: Path) -> None:
    for p in PATHS:
        write(repo, p, FIXED)
    commit(repo, "retry on 429 everywhere")
    code, out = ci(repo)
    assert code == 0 and "inconsistent" not in out, out


@needs_git
def test_a_fix_to_two_of_three_names_the_one_left(repo: Path) -> None:
    write(repo, PATHS[0], FIXED)
    write(repo, PATHS[1], FIXED)
    commit(repo, "retry on 429 in two places")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 1, out
    lines = [ln for ln in out.splitlines() if "inconsistent change" in ln and ": error:" in ln]
    assert [ln.split(":")[0] for ln in lines] == [PATHS[0], PATHS[1]]
    assert all(ln.endswith("changed 2 of 3 copies; the copy at services/identity/http.py:5-16 [identity] "
                           "did not get this change") for ln in lines), out  # fmt: skip


@needs_git
def test_a_reformat_a_rename_or_a_moved_file_is_not_reported(repo: Path) -> None:
    write(repo, PATHS[0], REFORMATTED)
    # identifiers renamed throughout: the same code
    write(repo, PATHS[1], FETCH.replace("attempt", "try_no").replace("last", "previous"))
    git(repo, "mv", PATHS[2], "services/identity/transport.py")
    commit(repo, "reformat, rename, move")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 0 and "inconsistent" not in out, out


@needs_git
def test_a_fix_that_catches_up_with_a_sibling_is_not_reported(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing fixed")
    git(repo, "checkout", "-q", "-b", "catch-up")
    write(repo, PATHS[1], FIXED)
    write(repo, PATHS[2], FIXED)
    commit(repo, "the others catch up")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 0 and "inconsistent" not in out, out


def test_fail_on_inconsistent_is_parsed_with_the_other_limits() -> None:
    from dupfinder.gate.new import parse_fail_on

    assert parse_fail_on("lines=5,inconsistent").inconsistent
    assert not parse_fail_on("lines=5").inconsistent


@needs_git
def test_the_pr_markdown_verdict_agrees_with_the_exit_code_when_only_inconsistent_changes_fail(repo: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    code, out = ci(repo, "--fail-on", "inconsistent", "--format", "markdown")
    assert code == 1, out
    head, _, rest = out.partition("\n\n")
    assert head == "### dupfinder: no new duplication — the gate fails"
    assert "The gate **fails**: 1 change in one place only (1 failing `--fail-on inconsistent`)." in rest
    code, out = ci(repo, "--format", "markdown")
    assert code == 0, out
    assert out.startswith("### dupfinder: no new duplication\n\n")
    assert "The gate **passes**: 1 change in one place only (warnings only)." in out
    # a new copy below the limits, the gate failing on the inconsistent change alone
    write(repo, "services/orders/http.py", FETCH)
    commit(repo, "orders: a copy")
    code, out = ci(repo, "--fail-on", "lines=100,inconsistent", "--format", "markdown")
    assert code == 1, out
    assert out.startswith("### dupfinder: 1 new duplicate\n\n"), out
    assert "The gate **fails**: 0 new copies failing" in out
    assert "**passes**" not in out
    assert "0 new copies failing; 1 below the `--fail-on` limits; 1 change in one place only (1 failing" in out


@needs_git
def test_a_docstring_edit_is_not_reported(repo: Path) -> None:
    from test_clone_history import DOCUMENTED

    write(repo, PATHS[0], DOCUMENTED)
    commit(repo, "billing: a docstring")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 0 and "inconsistent" not in out, out


@needs_git
def test_a_copy_marked_as_an_intended_divergence_is_neither_reported_nor_left_behind(repo: Path) -> None:
    from test_clone_history import MARKED

    git(repo, "checkout", "-q", "main")
    write(repo, PATHS[2], MARKED)
    commit(repo, "identity: mark its copy")
    git(repo, "checkout", "-q", "-B", "feature")
    write(repo, PATHS[2], MARKED.replace("timeout=10", "timeout=30").replace('"server error %d"', '"identity %d"'))
    commit(repo, "identity: its own policy")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 0 and "inconsistent" not in out, out
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    code, out = ci(repo, "--fail-on", "inconsistent")
    assert code == 1, out
    line = next(ln for ln in out.splitlines() if "inconsistent change" in ln and ": error:" in ln)
    assert line.endswith("the copy at services/shipping/http.py:5-16 [shipping] did not get this change"), out
