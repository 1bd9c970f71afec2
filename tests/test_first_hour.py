"""What a new user meets first: usage errors as one line, inputs checked before any work."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write
from dupfinder.cli.app import cli

CODE = '''
def load_settings(path, defaults=None):
    """Read a settings file, falling back to defaults."""
    result = dict(defaults or {})
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            result[key.strip()] = value.strip()
    return result
'''


def _tree(root: Path) -> Path:
    write(root, "billing/settings.py", CODE)
    write(root, "search/config.py", CODE.replace("load_settings", "read_config"))
    return root


def _one_line_error(res: object, *needles: str) -> str:
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    lines = res.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert lines[0].startswith("dupfinder: error: "), lines
    for needle in needles:
        assert needle in lines[0], lines
    assert "Usage:" not in res.output and "Try " not in res.output  # type: ignore[attr-defined]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["scan", "{p}", "--format", "xml"], ["--format", "'xml'"]),
        (["report", "{p}", "--format", "xml"], ["--format", "'xml'"]),
        (["scan", "{p}", "--threshold", "high"], ["--threshold", "'high'"]),
        (["ci", "{p}"], ["--base", "--baseline"]),
        (["scan", "{p}", "--language", "cobol"], ["cobol", "python", "javascript", "typescript", "java", "go"]),
        (["nosuchcommand"], ["nosuchcommand"]),
    ],
)
def test_usage_errors_are_one_line_on_stderr(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    root = _tree(tmp_path / "src")
    res = CliRunner().invoke(cli, [a.format(p=root) for a in args])
    _one_line_error(res, *needles)
    assert res.stdout == ""


def test_teams_file_team_matching_nothing_is_warned_per_team(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    teams = write(tmp_path, "teams.yaml", 'billing: ["billing/**"]\nschemas: ["marshmalow/**"]\nsearch: ["serch/**"]\n')
    res = CliRunner().invoke(cli, ["scan", str(root), "--teams", str(teams), "-q", "--no-churn"])
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.stderr.splitlines() if line.startswith("dupfinder: warning:")]
    assert warnings == [
        f"dupfinder: warning: {teams}:2: team 'schemas' matches no scanned file (globs: marshmalow/**)",
        f"dupfinder: warning: {teams}:3: team 'search' matches no scanned file (globs: serch/**)",
    ]


def test_teams_file_that_is_a_list_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    teams = write(tmp_path, "teams.yaml", "# owners\n- billing/**\n- search/**\n")
    res = CliRunner().invoke(cli, ["scan", str(root), "--teams", str(teams), "-q"])
    line = _one_line_error(res, f"{teams}:2:", "expected a mapping", "found a list")
    assert "Traceback" not in line


def test_missing_teams_file_is_a_clean_one_line_error(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    res = CliRunner().invoke(cli, ["scan", str(root), "--teams", str(tmp_path / "nope.yaml"), "-q"])
    line = _one_line_error(res, "nope.yaml: no such teams file")
    assert "Errno" not in line


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize(("rev", "fetch"), [("no-such-rev", "git fetch origin no-such-rev"),
                                            ("origin/release-2", "git fetch origin release-2")])  # fmt: skip
def test_ci_unknown_revision_hint_names_the_revision(tmp_path: Path, rev: str, fetch: str) -> None:
    root = _tree(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    res = CliRunner().invoke(cli, ["ci", str(root), "--base", rev, "-q"])
    line = _one_line_error(res, f"unknown revision {rev!r}", fetch)
    assert "origin main" not in line


@pytest.mark.parametrize(
    ("command", "name", "starts"),
    [
        ("scan", "s.json", '{\n  "schema": "dupfinder.report/1"'),
        ("scan", "s.txt", "billing/settings.py:"),
        ("opportunities", "o.md", "# Platform opportunities"),
        ("opportunities", "o.csv", "opportunity_rank,category,"),
        ("report", "r.html", "<!DOCTYPE html>"),
        ("report", "r.md", "# Platform opportunities"),
    ],
)
def test_output_suffix_decides_the_format_and_one_line_says_what_was_written(
    tmp_path: Path, command: str, name: str, starts: str
) -> None:
    root = _tree(tmp_path / "src")
    out = tmp_path / name
    # one team per top folder: the copy crosses two teams, so it is a platform opportunity
    res = CliRunner().invoke(
        cli, [command, str(root), "-o", str(out), "-q", "--no-churn", "--team-fallback", "depth:1"]
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith(starts)
    assert res.stdout == ""
    assert res.stderr.splitlines() == [f"dupfinder: wrote {out} (1 cluster, 1 opportunity)"]


def test_baseline_says_what_it_wrote_in_the_same_words(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    out = tmp_path / "base.json"
    res = CliRunner().invoke(cli, ["baseline", str(root), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    from dupfinder.gate.baseline import load

    known = load(str(out))
    units, clusters = len(known.units), len(known.clusters)
    assert res.stderr.splitlines() == [
        f"dupfinder: wrote {out} ({units} unit{'s' * (units != 1)}, {clusters} cluster{'s' * (clusters != 1)})"
    ]
    missing = CliRunner().invoke(cli, ["baseline", str(root), "-o", str(tmp_path / "nodir" / "b.json")])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr  # checked before the scan


@pytest.mark.parametrize(("command", "name"), [("report", "r.pdf"), ("report", "r.txt"), ("scan", "s.html"),
                                               ("opportunities", "o.sarif"), ("ci", "c.xml")])  # fmt: skip
def test_output_suffix_no_format_stands_for_is_a_usage_error(tmp_path: Path, command: str, name: str) -> None:
    root = _tree(tmp_path / "src")
    args = [command, str(root), "-o", str(tmp_path / name), "-q"] + (
        ["--baseline", "b.json"] if command == "ci" else []
    )
    res = CliRunner().invoke(cli, args)
    _one_line_error(res, f"cannot tell the format of {tmp_path / name}", "--format")
    assert not (tmp_path / name).exists()


def test_format_option_wins_over_the_suffix(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    out = tmp_path / "r.txt"
    res = CliRunner().invoke(cli, ["report", str(root), "-o", str(out), "--format", "markdown", "-q"])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("# Platform opportunities")


@pytest.mark.parametrize("command", ["scan", "opportunities", "report"])
def test_missing_destination_folder_fails_before_the_scan(tmp_path: Path, command: str) -> None:
    root = tmp_path / "src"
    root.mkdir()
    write(root, "a.py", "def f(:\n")  # never read: the destination is refused first
    res = CliRunner().invoke(cli, [command, str(tmp_path / "missing-src"), "-o", str(tmp_path / "nodir" / "r.json")])
    # the destination is checked before the PATHS are even looked at
    _one_line_error(res, f"folder {tmp_path / 'nodir'} does not exist")


# ---------------------------------------------------------------- one severity in every CI format


def _ci_all_formats(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, str]]:
    """Exit code and the report in every CI format, for one change."""
    outs: dict[str, str] = {}
    codes = set()
    for fmt, name in (("text", "c.txt"), ("github", "c.github"), ("sarif", "c.sarif"), ("markdown", "c.md")):
        out = tmp_path / name
        res = CliRunner().invoke(cli, ["ci", str(repo), "--base", "main", "--format", fmt, "-o", str(out), "-q",
                                       "--jobs", "1", *extra])  # fmt: skip
        codes.add(res.exit_code)
        outs[fmt] = out.read_text(encoding="utf-8")
    assert len(codes) == 1, codes
    return codes.pop(), outs


@pytest.mark.parametrize(
    ("extra", "code", "text", "github", "sarif", "md"),
    [
        ((), 1, ": error: new duplicate", "::error ", "error", "The gate **fails**"),
        (("--max-new", "1"), 0, ": warning: new duplicate", "::warning ", "warning", "The gate **passes**"),
        (("--fail-on", "lines=50"), 0, ": note: new duplicate", "::notice ", "note", "The gate **passes**"),
    ],
)
def test_ci_formats_agree_on_severity_with_the_gate(
    tmp_path: Path, extra: tuple[str, ...], code: int, text: str, github: str, sarif: str, md: str
) -> None:
    import json

    from test_ci_gate import SIGN_IN, commit, make_repo

    repo = make_repo(tmp_path)
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    got, outs = _ci_all_formats(repo, tmp_path, *extra)
    assert got == code
    assert text in outs["text"] and outs["text"].count("new duplicate [") == 1, outs["text"]
    assert outs["github"].startswith(github), outs["github"]
    (result,) = json.loads(outs["sarif"])["runs"][0]["results"]
    assert result["level"] == sarif
    assert md in outs["markdown"]


def test_pr_markdown_names_the_copy_to_reuse_once(tmp_path: Path) -> None:
    from test_ci_gate import SIGN_IN, commit, make_repo

    repo = make_repo(tmp_path)
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    _, outs = _ci_all_formats(repo, tmp_path)
    (row,) = [line for line in outs["markdown"].splitlines() if line.startswith("| `services/billing/signin.py")]
    assert row.count("services/identity/auth.py:5-16") == 1, row
    _new, duplicates, similarity, reuse = (c.strip() for c in row.strip("|").split(" | "))
    assert duplicates == "1 existing copy [auth]" and similarity == "1.00"
    assert reuse.startswith("`services/identity/auth.py:5-16` `login` (identity)")


def test_opportunity_and_adoption_count_the_same_teams(acme: Path) -> None:
    """The platform team's own package is the platform: neither "a team with a copy" nor "rolling its own"."""
    import json

    res = CliRunner().invoke(cli, ["opportunities", str(acme), "--format", "json", "-q", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    (auth,) = [o for o in data["opportunities"] if o["category"] == "auth"]
    (adoption,) = [a for a in data["adoption"] if a["category"] == "auth"]
    assert auth["teams"] == adoption["rolling_their_own"]
    assert "platform-team" not in auth["teams"] and auth["why"]["teams"] == 6
    assert auth["why"]["platform_instances"] == 2 and auth["instances"] == 8  # its copies still count as copies


def _five_packages(root: Path) -> Path:
    for name in ("alpha", "beta", "gamma", "delta", "epsilon"):
        write(root, f"{name}/{name}/settings.py", CODE)
    return root


def test_one_team_owning_everything_hints_at_team_fallback_depth_1(tmp_path: Path) -> None:
    root = _five_packages(tmp_path / "packages")  # five package folders, none a git repository
    res = CliRunner().invoke(cli, ["opportunities", str(root), "--no-cache"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("no platform opportunities")
    hints = [line for line in res.stderr.splitlines() if "all code belongs to one team" in line]
    assert hints == [
        "dupfinder: warning: all code belongs to one team (packages), so no opportunity can span teams: name the"
        " teams with --teams FILE, or --team-fallback depth:1 to make each of the 5 top folders a team"
    ]
    split = CliRunner().invoke(cli, ["opportunities", str(root), "--no-cache", "--team-fallback", "depth:1",
                                     "--format", "json"])  # fmt: skip
    assert split.exit_code == 0, split.output
    assert "one team" not in split.stderr
    (top,) = json.loads(split.stdout)["opportunities"]
    assert sorted(top["teams"]) == ["alpha", "beta", "delta", "epsilon", "gamma"]


def test_no_one_team_hint_when_teams_are_known(acme: Path) -> None:
    res = CliRunner().invoke(cli, ["scan", str(acme), "--no-cache"])
    assert res.exit_code == 0
    assert "one team" not in res.stderr


def test_opportunities_text_shows_label_teams_top_copies_and_whole_evidence(acme: Path) -> None:
    from dupfinder.reporters.ranking import WIDTH

    text = CliRunner().invoke(cli, ["opportunities", str(acme), "--no-cache"]).stdout
    report = json.loads(CliRunner().invoke(cli, ["scan", str(acme), "--no-cache", "--format", "json"]).stdout)
    data = json.loads(CliRunner().invoke(cli, ["opportunities", str(acme), "--no-cache", "--format", "json"]).stdout)
    blocks = text.split("\n\nplatform adoption:")[0].split("\n\n")
    assert len(blocks) == len(data["opportunities"]) > 0
    evidence = {c["id"]: c.get("evidence", []) for c in report["clusters"]}
    for block, o in zip(blocks, data["opportunities"], strict=True):
        flat = " ".join(block.split())
        assert block.startswith(f"#{o['rank']}  {o['label']}: {len(o['teams'])} teams, ")
        assert "(uncategorised)" not in block and " - " not in block
        assert f"teams {', '.join(o['teams'])}" in flat
        known = {f"{e['path']}:{e['start_line']}" for e in o["evidence"]}
        if not o["cluster_ids"]:  # a capability of the map: no clone cluster, each team's own code listed
            listed = flat.split("top copies ", 1)[1].split(" own code ")[0]
            copies = listed.split(" (and")[0].split(", ")
            more = int(listed.split(" (and ", 1)[1].split(" ", 1)[0]) if " (and " in listed else 0
            # the top copies (three at most, then how many more), and every team's own code in full below
            assert set(copies) <= known and len(copies) + more == len(known) and len(copies) <= 3
            assert all(f"{e['path']}:{e['start_line']} {e['name']}" in flat for e in o["evidence"])
            continue
        copies = flat.split("top copies ", 1)[1].split(" evidence ")[0].split(" (and")[0].split(", ")
        assert len(copies) == 3 and set(copies) <= known
        strongest = evidence[o["cluster_ids"][0]][:2]  # the first cluster's two strongest, whole
        assert strongest and f"evidence {'; '.join(strongest)}" in flat  # wrapped rather than cut
        assert "..." not in block
        assert all(len(line) <= WIDTH for line in block.splitlines())


def test_no_one_team_hint_when_nothing_is_copied(tmp_path: Path) -> None:
    root = tmp_path / "packages"
    write(root, "alpha/alpha/settings.py", CODE)
    write(root, "beta/beta/other.py", "def other(x):\n    return x + 1\n")
    res = CliRunner().invoke(cli, ["scan", str(root), "--no-cache"])
    assert res.exit_code == 0
    assert res.stderr == ""
