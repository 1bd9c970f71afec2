"""``dupfinder history``: each cluster's history read from real git repositories built here."""

from __future__ import annotations

import json
import os
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


# ---------------------------------------------------------------- scan --history, report --history


def invoke(*args: str) -> Any:
    res = CliRunner().invoke(cli, [*args, "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture
def fixed(repo: Path) -> Path:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    return repo


@needs_git
def test_scan_history_json_has_the_same_history_as_the_history_command(fixed: Path) -> None:
    before = git(fixed, "status", "--porcelain=v1", "--ignored")
    scanned = json.loads(invoke("scan", str(fixed), "--history", "--format", "json").stdout)
    assert git(fixed, "status", "--porcelain=v1", "--ignored") == before
    h = only_cluster(scanned)["history"]
    assert h == only_cluster(history_json(fixed))["history"]
    (fix,) = h["divergent_fixes"]
    assert [i["path"] for i in fix["changed"]] == [PATHS[0]]
    assert sorted(i["team"] for i in fix["not_changed"]) == ["identity", "shipping"]
    assert scanned["history"] == {"repo": "repo", "tip": sha(fixed), "commits": 4}
    again = invoke("scan", str(fixed), "--history", "--format", "json").stdout
    assert again == json.dumps(scanned, indent=2, ensure_ascii=False) + "\n"


@needs_git
def test_scan_history_text_adds_a_line_per_cluster(fixed: Path) -> None:
    out = invoke("scan", str(fixed), "--history").stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("  history: "))
    assert f"first seen {sha(fixed, 'HEAD~3')[:12]}" in line and "origin services/billing/http.py:5-16" in line
    assert "copies 1 -> 2 -> 3" in line and f"1 fixed in one place only ({sha(fixed)[:12]})" in line


@needs_git
def test_report_history_markdown_lists_the_divergent_fixes(fixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    invoke("report", str(fixed), "--history", "-o", str(out))
    md = out.read_text()
    section = md[md.index("## Fixed in one place only") :]
    row = next(ln for ln in section.splitlines() if ln.startswith(f"| `{sha(fixed)[:12]}`"))
    assert "billing: retry on 429" in row and "`fetch_with_retry`" in row
    changed, left = row.split(" | ")[3:5]
    assert "services/billing/http.py:5-16 \\[billing\\]" in changed
    assert "identity/http.py" in left and "shipping/http.py" in left and "billing" not in left
    plain = tmp_path / "plain.md"
    invoke("report", str(fixed), "-o", str(plain))
    assert "Fixed in one place only" not in plain.read_text()


@needs_git
def test_report_history_html_has_a_timeline_and_the_fixed_in_one_place_list(fixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    invoke("report", str(fixed), "--history", "-o", str(out))
    page = out.read_text()
    section = page[page.index('<section id="history"') : page.index("</section>", page.index('<section id="history"'))]
    listed = section[section.index('id="fixed-in-one-place"') : section.index("Timelines")]
    assert "Fixed in one place only (1)" in listed and "billing: retry on 429" in listed
    assert "services/identity/http.py:5-16 [identity]" in listed
    assert "resp.status_code == 429" in listed  # the change itself
    (svg,) = [s for s in section.split("<svg")[1:]]
    assert svg.count("<circle") == 3  # one first appearance per copy
    assert svg.count('stroke="#d62728"') == 1  # the fix that reached one copy
    invoke("report", str(fixed), "-o", str(tmp_path / "plain.html"))
    assert 'id="history"' not in (tmp_path / "plain.html").read_text()


@needs_git
def test_history_across_two_repositories_compares_their_copies_on_one_timeline(tmp_path: Path) -> None:
    org = tmp_path / "org"
    repos = {}
    for n, team in enumerate(("billing", "shipping")):
        r = org / team
        r.mkdir(parents=True)
        git(r, "init", "-q", "-b", "main")
        git(r, "config", "user.email", "dev@example.com")
        git(r, "config", "user.name", "Dev")
        write(r, "http.py", FETCH)
        # the shipping copy is a day older than the billing one: committer dates order the repositories
        env_date = f"2024-01-0{2 - n}T10:00:00+00:00"
        git(r, "add", "-A")
        subprocess.run(["git", "-C", str(r), "commit", "-q", "-m", f"{team} copy"], check=True,
                       env={**os.environ, "GIT_COMMITTER_DATE": env_date, "GIT_AUTHOR_DATE": env_date})  # fmt: skip
        repos[team] = r
    write(repos["billing"], "http.py", FIXED)
    later = "2024-02-01T10:00:00+00:00"
    git(repos["billing"], "add", "-A")
    subprocess.run(["git", "-C", str(repos["billing"]), "commit", "-q", "-m", "retry on 429"], check=True,
                   env={**os.environ, "GIT_COMMITTER_DATE": later, "GIT_AUTHOR_DATE": later})  # fmt: skip
    (org / "scratch").mkdir()
    write(org / "scratch", "http.py", FETCH)  # in no repository
    res = CliRunner().invoke(cli, ["scan", str(org), "--history", "--format", "json", "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert "dupfinder: --history: 1 file of the clusters' copies are in no git repository (e.g. scratch)" in res.stderr
    data = json.loads(res.stdout)
    h = only_cluster(data)["history"]
    assert h["origin"]["path"] == "shipping/http.py"
    assert [c["copies"] for c in h["copies_over_time"]] == [1, 2]
    (fix,) = h["divergent_fixes"]
    assert [i["path"] for i in fix["changed"]] == ["billing/http.py"]
    assert [i["path"] for i in fix["not_changed"]] == ["shipping/http.py"]
    assert data["history"]["repo"] == "billing, shipping" and len(data["history"]["tip"].split(",")) == 2
    assert data["history"]["skipped"] == [res.stderr.strip().removeprefix("dupfinder: --history: ")]


def test_scan_history_outside_any_repository_says_so_in_one_line(tmp_path: Path) -> None:
    write(tmp_path, "billing/a.py", FETCH)  # two teams by folder: no one-team hint beside the history line
    write(tmp_path, "shipping/b.py", FETCH)
    args = ["scan", str(tmp_path), "--history", "--format", "json", "--jobs", "1", "-q", "--team-fallback", "depth:1"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert res.stderr.count("\n") == 1 and "in no git repository" in res.stderr
    assert "Traceback" not in res.output
    assert all(c["history"]["first_seen"] == {} for c in json.loads(res.stdout)["clusters"] if c["kind"] == "unit")


@needs_git
def test_trend_history_counts_the_divergent_fixes_up_to_each_revision(fixed: Path, tmp_path: Path) -> None:
    write(fixed, PATHS[1], FIXED.replace("timeout=10", "timeout=20"))
    commit(fixed, "shipping: a longer timeout only")
    out = tmp_path / "t.json"
    invoke("trend", str(fixed), "--history", "--revs", "5", "-o", str(out))
    points = json.loads(out.read_text())["points"]
    assert [p["rev"] for p in points] == [sha(fixed, f"HEAD~{n}") for n in (4, 3, 2, 1, 0)]
    # the billing fix reached one copy of three; shipping's later edit left billing's and identity's
    assert [p["divergent_fixes"] for p in points] == [0, 0, 0, 1, 2]
    table = invoke("trend", str(fixed), "--history", "--revs", "5").stdout
    assert table.splitlines()[0].endswith("fixed.1.place")
    plain = tmp_path / "plain.json"
    invoke("trend", str(fixed), "--revs", "5", "-o", str(plain))
    assert all("divergent_fixes" not in p for p in json.loads(plain.read_text())["points"])


@needs_git
def test_versions_with_the_bytes_of_a_scanned_file_come_from_the_cache(
    fixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dupfinder.history.clones as clones

    parsed: list[str] = []
    real = clones.analyse_bytes

    def counting(data: bytes, path: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return real(data, path, *args, **kwargs)

    monkeypatch.setattr(clones, "analyse_bytes", counting)
    cache = str(tmp_path / "cache")
    first = history(fixed, "--format", "json", "--cache-dir", cache)
    # the tip's three versions were analysed by the scan: only billing's version before the fix is parsed
    assert parsed == [PATHS[0]]
    parsed.clear()
    assert history(fixed, "--format", "json", "--cache-dir", cache) == first
    assert parsed == []  # every version is in the cache now
    assert history(fixed, "--format", "json", "--no-cache") == first
    assert sorted(parsed) == sorted([PATHS[0], PATHS[0], PATHS[1], PATHS[2]])  # without a cache: every version


# ---------------------------------------------------------------- noise left out of the divergent fixes

DOCUMENTED = FETCH.replace(
    "def fetch_with_retry(url, attempts=3, backoff=0.5):\n",
    'def fetch_with_retry(url, attempts=3, backoff=0.5):\n    """GET url, retrying server errors."""  # why: flaky\n',
)


@needs_git
def test_a_docstring_or_comment_edit_to_one_copy_is_no_divergent_fix(repo: Path) -> None:
    write(repo, PATHS[0], DOCUMENTED)
    commit(repo, "billing: document the helper")
    write(repo, PATHS[0], DOCUMENTED.replace("retrying server errors", "retrying on 5xx").replace("flaky", "slow"))
    commit(repo, "billing: reword the docstring")
    assert only_cluster(history_json(repo))["history"]["divergent_fixes"] == []
    write(
        repo,
        PATHS[0],
        DOCUMENTED.replace("if resp.status_code >= 500:", "if resp.status_code >= 500 or resp.status_code == 429:"),
    )
    commit(repo, "billing: retry on 429")
    (fix,) = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    assert fix["subject"] == "billing: retry on 429" and fix["kind"] == "code"


@needs_git
def test_a_change_to_string_literals_only_is_counted_apart(repo: Path) -> None:
    write(repo, PATHS[1], FETCH.replace('"server error %d"', '"upstream failed with %d"'))
    commit(repo, "shipping: clearer message")
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    fixes = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    assert [(f["subject"], f["kind"]) for f in fixes] == [("shipping: clearer message", "literal"),
                                                           ("billing: retry on 429", "code")]  # fmt: skip
    assert "2 fixed in one place only (1 of them string literals only)" in history(repo)
    assert "fixed in one place only (string literals only): " in history(repo)


@needs_git
def test_production_and_test_copies_are_compared_apart(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "Dev")
    prod = ["services/billing/http.py", "services/shipping/http.py"]
    tests = ["tests/test_billing.py", "tests/test_shipping.py"]
    for p in (*prod, *tests):
        write(repo, p, FETCH)
    commit(repo, "copies in production and in tests")
    write(repo, tests[0], FIXED)
    commit(repo, "a test double retries on 429")
    write(repo, prod[0], FIXED)
    commit(repo, "billing: retry on 429")
    fixes = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    by_subject = {f["subject"]: sorted(i["path"] for i in f["not_changed"]) for f in fixes}
    # the test copy's fix names the other test copy, not production's; production's fix names production's
    assert by_subject == {"a test double retries on 429": [tests[1]], "billing: retry on 429": [prod[1]]}


MARKED = FETCH.replace(
    "def fetch_with_retry(", "# dupfinder: diverge -- identity must not retry on 429\ndef fetch_with_retry("
)


@needs_git
def test_a_copy_marked_as_an_intended_divergence_is_left_out(repo: Path) -> None:
    write(repo, PATHS[2], MARKED)
    commit(repo, "identity: mark its copy")
    write(repo, PATHS[2], MARKED.replace("timeout=10", "timeout=30").replace("attempts=3", "attempts=1"))
    commit(repo, "identity: its own retry policy")
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    fixes = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    # identity's own edit is no fix, and billing's fix does not name identity's copy as left behind
    assert [(f["subject"], [i["path"] for i in f["not_changed"]]) for f in fixes] == [
        ("billing: retry on 429", [PATHS[1]])
    ]


@needs_git
def test_an_edit_that_catches_up_with_a_sibling_leaves_that_sibling_out(repo: Path) -> None:
    # shipping got the 429 fix first, with a message of its own; billing later takes the fix only
    write(repo, PATHS[1], FIXED.replace('"server error %d"', '"shipping upstream failed: %d"'))
    commit(repo, "shipping: retry on 429, its own message")
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429 like shipping")
    fixes = only_cluster(history_json(repo))["history"]["divergent_fixes"]
    behind = {f["subject"]: [i["path"] for i in f["not_changed"]] for f in fixes}
    # billing's edit moved it towards shipping's copy: only identity's lacks the fix
    assert behind["billing: retry on 429 like shipping"] == [PATHS[2]]


@needs_git
def test_dropping_a_u_prefix_is_no_edit(repo: Path) -> None:
    write(repo, PATHS[0], FETCH.replace('RuntimeError("server error %d"', 'RuntimeError(u"server error %d"'))
    commit(repo, "billing: a u prefix")
    write(repo, PATHS[0], FETCH)
    commit(repo, "billing: no u prefix")
    assert only_cluster(history_json(repo))["history"]["divergent_fixes"] == []


@needs_git
def test_a_function_too_small_to_be_a_copy_before_does_not_descend_from_a_neighbour(repo: Path) -> None:
    neighbour = FETCH.replace("def fetch_with_retry(", "def fetch_slowly(")
    small = "\n\ndef fetch_with_retry(url):\n    return requests.get(url).json()\n"
    write(repo, PATHS[1], neighbour + small)
    commit(repo, "shipping: a small fetch beside its slow one")
    write(repo, PATHS[1], FIXED)
    commit(repo, "shipping: fetch grows into the helper, the slow one goes")
    h = only_cluster(history_json(repo))["history"]
    # shipping's copy starts where its function became one, not at fetch_slowly's first commit
    assert h["first_seen"]["services/shipping/http.py:5-16"]["commit"] == sha(repo)
    assert h["divergent_fixes"] == []


@needs_git
def test_history_follows_the_o_suffix_rule_and_says_what_it_wrote(repo: Path, tmp_path: Path) -> None:
    write(repo, PATHS[0], FIXED)
    commit(repo, "billing: retry on 429")
    out = tmp_path / "history.md"
    res = CliRunner().invoke(cli, ["history", str(repo), "--jobs", "1", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines() == [f"dupfinder: wrote {out} (1 cluster, 1 divergent fix)"]
    assert out.read_text(encoding="utf-8") == history(repo, "--format", "markdown")  # the suffix chose markdown
    bad = CliRunner().invoke(cli, ["history", str(repo), "-q", "-o", str(tmp_path / "history.pdf")])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "'.pdf'" in bad.stderr
