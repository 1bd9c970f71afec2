"""``dupfinder ci`` on real git repositories built in temporary folders.

Each test commits a small multi-team code base on ``main``, makes a branch
that changes it in one way, and runs the gate in both modes: ``--base main``
(git) and ``--baseline FILE`` (written on ``main``). The verdicts must agree.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import commit, git, init_repo, needs_git, write
from dupfinder import reporters
from dupfinder.cli.app import cli
from dupfinder.cli.ci import FORMATS as GATE_FORMATS
from dupfinder.languages import get as get_language
from dupfinder.model import Cluster, ClusterId, Finding, GateReport, Sibling, Unit
from dupfinder.similarity.normalize import to_unit
from dupfinder.similarity.verify import similarity
from frozen import inst

SNAPSHOTS = Path(__file__).parent / "snapshots"

LOGIN = '''import hashlib
import hmac


def login(store, username, password):
    """Check a password and open a session."""
    user = store.find_user(username)
    if user is None:
        raise PermissionError("unknown user %s" % username)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), user.salt, 100_000)
    if not hmac.compare_digest(digest, user.password_hash):
        store.record_failure(username)
        raise PermissionError("bad password")
    token = store.new_session(user.id, ttl=3600)
    store.audit("login", user=user.id)
    return token
'''

# the same function, renamed throughout, as someone would paste it into another service
SIGN_IN = '''import hashlib
import hmac


def sign_in(db, email, secret):
    """Authenticate a member."""
    account = db.find_user(email)
    if account is None:
        raise PermissionError("no such member %s" % email)
    hashed = hashlib.pbkdf2_hmac("sha256", secret.encode(), account.salt, 200_000)
    if not hmac.compare_digest(hashed, account.password_hash):
        db.record_failure(email)
        raise PermissionError("wrong secret")
    session = db.new_session(account.id, ttl=7200)
    db.audit("sign-in", user=account.id)
    return session
'''

RETRY = """import time
import requests


def fetch_with_retry(url, attempts=3, backoff=0.5):
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
"""

# RETRY as a code formatter leaves it: calls exploded with trailing commas, other quotes
RETRY_REFORMATTED = """import time

import requests


def fetch_with_retry(url, attempts=3, backoff=0.5):
    last = None
    for attempt in range(attempts):
        try:
            resp = requests.get(
                url,
                timeout=10,
            )
            if resp.status_code >= 500:
                raise RuntimeError('server error %d' % resp.status_code)
            return resp.json()
        except requests.RequestException as exc:
            last = exc
            time.sleep(backoff * (2**attempt))
    raise RuntimeError(f'giving up on {url}') from last
"""

TOTALS = """

def invoice_total(items, tax_rate):
    subtotal = 0
    for item in items:
        if item.quantity <= 0:
            continue
        subtotal += item.unit_price * item.quantity
    tax = round(subtotal * tax_rate, 2)
    return {"subtotal": subtotal, "tax": tax, "total": subtotal + tax}
"""

# a unique function (no copy of anything) ...
PROFILE = """import requests


def load_profile(client, user_id, fields=None):
    profile = client.cache.get(user_id)
    if profile is None:
        row = client.db.fetch_one("select * from profiles where id = %s", user_id)
        if row is None:
            return {}
        profile = dict(row)
        client.cache.set(user_id, profile, expire=300)
    if fields:
        profile = {k: v for k, v in profile.items() if k in fields}
    metrics.increment("profile.loaded", tags={"user": user_id})
    return profile
"""

# ... and the same function after an edit that keeps its own half and pastes the retry helper's loop into it
PROFILE_EDITED = """import time

import requests


def load_profile(client, user_id, fields=None):
    profile = client.cache.get(user_id)
    if profile is None:
        url, attempts, backoff = client.url, 3, 0.5
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
    if fields:
        profile = {k: v for k, v in profile.items() if k in fields}
    for key, value in list(profile.items()):
        if isinstance(value, str) and value.startswith("ref:"):
            profile[key] = client.refs.resolve(value[4:], owner=user_id)
        elif value is None and key in client.defaults:
            profile[key] = client.defaults[key]
    if client.audit_enabled:
        client.audit.record("profile.read", user_id, sorted(profile))
    display = profile.get("display_name") or profile.get("email", "").split("@")[0]
    profile["initials"] = "".join(part[:1].upper() for part in display.split()[:2])
    metrics.increment("profile.loaded", tags={"user": user_id})
    return profile
"""

EXPORT = """import csv


def export_rows(rows, path, columns):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow([c.upper() for c in columns])
        for row in rows:
            if row.get("hidden"):
                continue
            writer.writerow([row.get(c, "") for c in columns])
    return path
"""

# the repository's own rules: a platform package that solves the "auth" category
PLATFORMS = """platforms:
  - id: acme-auth
    title: Acme auth
    category: auth
    packages:
      python: [acme_auth]
"""

SHIPPING_RETRY = RETRY.replace("fetch_with_retry", "get_json").replace("attempts", "tries")


def make_repo(root: Path) -> Path:
    """main: one login, a retry helper already copied by two teams, billing code; then branch 'feature'."""
    repo = init_repo(root / "repo")
    write(repo, "services/identity/auth.py", LOGIN)
    write(repo, "services/billing/http.py", RETRY + TOTALS)
    write(repo, "services/shipping/client.py", SHIPPING_RETRY + "\n\ndef ping():\n    return True\n")
    write(repo, "services/identity/profile.py", PROFILE)
    write(repo, ".dupfinder/rules/platforms.yaml", PLATFORMS)
    write(repo, ".github/CODEOWNERS", "/services/identity/ @acme/identity\n/services/billing/ @acme/billing\n"
          "/services/shipping/ @acme/shipping\n")  # fmt: skip
    commit(repo, "initial")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["ci", *args, "--jobs", "1", "-q"])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, res.output


def sarif(repo: Path, *mode: str, out: Path) -> dict[str, Any]:
    run(str(repo), *mode, "--format", "sarif", "-o", str(out))
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture
def baseline(repo: Path, tmp_path: Path) -> Path:
    """A baseline written on main (before the branch changes anything)."""
    out = tmp_path / "baseline.json"
    res = CliRunner().invoke(cli, ["baseline", str(repo), "-o", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    return out


def both(repo: Path, baseline: Path, *extra: str) -> list[tuple[int, str]]:
    return [run(str(repo), "--base", "main", *extra), run(str(repo), "--baseline", str(baseline), *extra)]


def results(data: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = data["runs"][0]["results"]
    return found


@needs_git
def test_pasted_renamed_login_fails_and_points_at_the_original(repo: Path, baseline: Path, tmp_path: Path) -> None:
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    for mode in (("--base", "main"), ("--baseline", str(baseline))):
        code, out = run(str(repo), *mode)
        assert code == 1, out
        lines = [line for line in out.splitlines() if ": error: new duplicate" in line]
        assert lines == [
            "services/billing/signin.py:5:1: error: new duplicate [auth]: "
            "`sign_in` (12 lines) duplicates 1 existing copy"
        ], out
        assert "= reuse services/identity/auth.py:5-16 `login` [identity]" in out
        assert "the auth platform `acme_auth` provides this" in out
        data = sarif(repo, *mode, out=tmp_path / "out.sarif")
        (res,) = results(data)
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "services/billing/signin.py"
        assert loc["region"] == {"startLine": 5, "endLine": 16}
        (related,) = res["relatedLocations"]
        assert related["physicalLocation"]["artifactLocation"]["uri"] == "services/identity/auth.py"
        assert related["physicalLocation"]["region"] == {"startLine": 5, "endLine": 16}


@needs_git
def test_moving_and_reformatting_old_duplicates_passes(repo: Path, baseline: Path) -> None:
    # shipping's copy moves to a new module, billing's copy is re-formatted in place
    git(repo, "mv", "services/shipping/client.py", "services/shipping/transport.py")
    write(repo, "services/billing/http.py", RETRY_REFORMATTED + TOTALS)
    commit(repo, "move and reformat")
    assert [code for code, _ in both(repo, baseline)] == [0, 0]
    # moving a duplicated function out of its file into another one, next to new unrelated code
    write(repo, "services/shipping/transport.py", "def ping():\n    return True\n")
    write(
        repo, "services/shipping/retry.py", "import time\nimport requests\n\n\n" + SHIPPING_RETRY.split("\n\n\n", 1)[1]
    )
    commit(repo, "split module")
    for code, out in both(repo, baseline):
        assert code == 0, out
        assert "no new duplication" in out


@needs_git
def test_the_same_moves_with_a_new_copy_still_fail(repo: Path, baseline: Path) -> None:
    # control for the test above: the gate is not just silent on moved files
    git(repo, "mv", "services/shipping/client.py", "services/shipping/transport.py")
    write(repo, "services/billing/http.py", RETRY_REFORMATTED + TOTALS)
    write(repo, "services/identity/fetch.py", RETRY.replace("fetch_with_retry", "fetch_profile"))
    commit(repo, "move, reformat and one more copy")
    for code, out in both(repo, baseline):
        assert code == 1, out
        news = [line for line in out.splitlines() if "new duplicate" in line and ": error:" in line]
        assert len(news) == 1 and news[0].startswith("services/identity/fetch.py:5:1:"), out
        assert "duplicates 2 existing copies" in news[0]


@needs_git
def test_unrelated_changes_pass(repo: Path, baseline: Path) -> None:
    write(
        repo, "services/billing/http.py", RETRY + TOTALS.replace("round(subtotal * tax_rate, 2)", "subtotal * tax_rate")
    )
    write(
        repo,
        "services/identity/auth.py",
        "# identity service\n" + LOGIN + "\n\ndef logout(store, token):\n    store.drop(token)\n",
    )
    write(repo, "services/shipping/rates.py", "def rate(weight):\n    return 4.5 + 0.1 * weight\n")
    commit(repo, "unrelated")
    for code, out in both(repo, baseline):
        assert code == 0, out


@needs_git
def test_editing_a_line_inside_an_old_duplicate_passes(repo: Path, baseline: Path) -> None:
    write(
        repo,
        "services/shipping/client.py",
        SHIPPING_RETRY.replace("timeout=10", "timeout=30") + "\n\ndef ping():\n    return True\n",
    )
    commit(repo, "longer timeout")
    for code, out in both(repo, baseline):
        assert code == 0, out


@needs_git
def test_turning_a_unique_function_into_a_copy_fails(repo: Path, baseline: Path) -> None:
    # ping() was unique; the branch rewrites it into another copy of the retry helper (same name, same file)
    write(repo, "services/shipping/client.py", SHIPPING_RETRY + "\n\n" + RETRY.split("\n\n\n", 1)[1].replace(
        "fetch_with_retry", "ping"))  # fmt: skip
    commit(repo, "ping retries")
    for code, out in both(repo, baseline):
        assert code == 1, out
        assert "services/shipping/client.py:19:1: error: new duplicate" in out, out


def unit_of(source: str) -> Unit:
    parsed = get_language("python").parse(source, "x.py")
    return to_unit(parsed.units[0], path="x.py", root=".", language="python", imports=())


@needs_git
def test_a_block_pasted_into_an_existing_function_fails_at_the_pasted_lines(
    repo: Path, baseline: Path, tmp_path: Path
) -> None:
    # load_profile keeps its own half: as a whole it is no copy of anything, but lines 10-20 are the
    # retry helper's loop, pasted
    before, after, retry = unit_of(PROFILE), unit_of(PROFILE_EDITED), unit_of(RETRY)
    assert max(similarity(before, retry), similarity(after, retry)) < 0.7
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "profile retries")
    for mode in (("--base", "main"), ("--baseline", str(baseline))):
        code, out = run(str(repo), *mode)
        assert code == 1, out
        lines = [line for line in out.splitlines() if ": error: new duplicate" in line]
        assert len(lines) == 1 and lines[0].startswith("services/identity/profile.py:10:1: error: new duplicate"), out
        assert "a block in `load_profile`" in lines[0], out
        # the pointer names the function to call, not the lines inside it
        assert "= reuse services/billing/http.py:1-16 `fetch_with_retry` [billing]" in out, out
        (res,) = results(sarif(repo, *mode, out=tmp_path / "out.sarif"))
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == 10 and region["endLine"] >= 19
        related = {r["physicalLocation"]["artifactLocation"]["uri"] for r in res["relatedLocations"]}
        assert "services/billing/http.py" in related


@needs_git
def test_editing_around_an_old_block_copy_passes(repo: Path, baseline: Path) -> None:
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "profile retries")
    git(repo, "checkout", "-q", "-b", "later")
    # a later change edits the function around the pasted loop, and leaves the loop as it is
    write(repo, "services/identity/profile.py", PROFILE_EDITED.replace('tags={"user": user_id}', 'tags={"u": user_id}'))
    commit(repo, "profile tags")
    code, out = run(str(repo), "--base", "feature")
    assert code == 0, out


@needs_git
def test_new_copies_in_one_change_are_each_reported(repo: Path, baseline: Path) -> None:
    write(repo, "services/shipping/totals.py", TOTALS.replace("invoice_total", "order_total"))
    write(repo, "services/identity/totals.py", TOTALS.replace("invoice_total", "basket_total"))
    commit(repo, "totals everywhere")
    for code, out in both(repo, baseline):
        assert code == 1
        # both new copies join the old invoice_total: each reported, each told to reuse the old one
        assert out.count(": error: new duplicate") == 2, out
        assert out.count("= reuse services/billing/http.py:19-26 `invoice_total` [billing] (similarity 1.00)") == 2


@needs_git
def test_new_code_copied_within_the_change_points_at_the_other_copy(repo: Path, baseline: Path) -> None:
    write(repo, "services/shipping/export.py", EXPORT.replace("export_rows", "export_parcels"))
    write(repo, "services/identity/export.py", EXPORT.replace("export_rows", "export_users"))
    commit(repo, "two new exporters")
    for code, out in both(repo, baseline):
        assert code == 1, out
        news = sorted(line.split(":")[0] for line in out.splitlines() if ": error: new duplicate" in line)
        assert news == ["services/identity/export.py", "services/shipping/export.py"], out
        assert "= share one copy with services/shipping/export.py:4-12 `export_parcels` [shipping]" in out
        assert "= share one copy with services/identity/export.py:4-12 `export_users` [identity]" in out
        assert "is copied 1 more time in this change" in out


@needs_git
def test_limits_max_new_and_fail_on(repo: Path, baseline: Path) -> None:
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    assert run(str(repo), "--base", "main", "--max-new", "1")[0] == 0
    code, out = run(str(repo), "--base", "main", "--fail-on", "lines=13")
    assert code == 0 and ": note: new duplicate" in out and "1 below --fail-on" in out, out
    assert run(str(repo), "--base", "main", "--fail-on", "lines=12,similarity=0.9")[0] == 1


@needs_git
def test_untracked_files_are_not_part_of_the_change(repo: Path) -> None:
    write(repo, "scratch/copy.py", SIGN_IN)  # never added to git
    code, out = run(str(repo), "--base", "main")
    assert code == 0, out
    git(repo, "add", "scratch/copy.py")  # staged: now it is part of the change (pre-commit's view)
    assert run(str(repo), "--base", "HEAD")[0] == 1


@needs_git
def test_subfolder_scan_reports_paths_from_the_repository_root(repo: Path, tmp_path: Path) -> None:
    write(repo, "services/billing/signin.py", SIGN_IN)
    write(repo, "services/billing/more.py", RETRY.replace("fetch_with_retry", "fetch_invoice"))
    commit(repo, "billing copies")
    code, out = run(str(repo / "services" / "billing"), "--base", "main")
    # only billing is scanned: the retry copy duplicates billing's own helper; the login copy has no original in scope
    assert code == 1, out
    assert "services/billing/more.py:5:1: error: new duplicate" in out
    assert "reuse services/billing/http.py:5-16 `fetch_with_retry`" in out
    assert "signin.py" not in out


@needs_git
def test_summary_and_formats(repo: Path, tmp_path: Path) -> None:
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "billing: own sign-in")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    code, out = run(str(repo), "--base", "main", "--format", "github", "--summary", str(summary))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(
        "::error file=services/billing/signin.py,line=5,endLine=16,title=New duplicate of `sign_in`::"
    ), out
    assert "reuse services/identity/auth.py:5-16 `login` [identity]" in first
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("earlier step\n### dupfinder: 1 new duplicate\n")
    assert "| `services/billing/signin.py:5-16` `sign_in` (billing) |" in md
    assert "the auth platform `acme_auth` provides this" in md


@needs_git
def test_usage_and_input_errors_exit_2(repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["ci", str(repo)])
    assert res.exit_code == 2 and "exactly one of --base REV and --baseline FILE" in res.output
    res = runner.invoke(cli, ["ci", str(repo), "--base", "no-such-branch"])
    assert res.exit_code == 2
    assert res.output.startswith("dupfinder: error: unknown revision 'no-such-branch'") and res.output.count("\n") == 1
    plain = tmp_path / "plain"
    write(plain, "a.py", LOGIN)
    res = runner.invoke(cli, ["ci", str(plain), "--base", "main"])
    assert res.exit_code == 2 and "is not inside a git repository" in res.output
    res = runner.invoke(cli, ["ci", str(repo), "--baseline", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "baseline file not found" in res.output
    bad = write(tmp_path, "bad.json", '{"schema": "something/else"}')
    res = runner.invoke(cli, ["ci", str(repo), "--baseline", str(bad)])
    assert res.exit_code == 2 and "not a usable dupfinder baseline" in res.output
    res = runner.invoke(cli, ["ci", str(repo), "--base", "main", "--fail-on", "lines=many"])
    assert res.exit_code == 2 and "--fail-on: bad limit 'lines=many'" in res.output


@needs_git
def test_baseline_mismatched_settings_is_an_input_error(repo: Path, baseline: Path) -> None:
    res = CliRunner().invoke(cli, ["ci", str(repo), "--baseline", str(baseline), "--min-tokens", "30"])
    assert res.exit_code == 2
    assert "the baseline was made with --min-tokens 50, this run uses 30" in res.output


@needs_git
def test_baseline_file_is_deterministic_and_position_free(repo: Path, baseline: Path, tmp_path: Path) -> None:
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["schema"] == "dupfinder.baseline/1"
    # the retry helper's two copies are one known cluster; every unit is recorded by fingerprint and name
    (members,) = data["clusters"].values()
    files = data["files"]
    assert sorted(files) == [
        "services/billing/http.py",
        "services/identity/auth.py",
        "services/identity/profile.py",
        "services/shipping/client.py",
    ]
    assert [name for _, name in files["services/identity/auth.py"]] == ["login"]
    retry_fps = {fp for path in ("services/billing/http.py", "services/shipping/client.py") for fp, name in files[path]
                 if name in ("fetch_with_retry", "get_json")}  # fmt: skip
    assert retry_fps <= set(members)
    # line shifts change nothing: the same code one blank line lower gives the same bytes
    write(repo, "services/identity/auth.py", "\n\n" + LOGIN)
    again = tmp_path / "again.json"
    res = CliRunner().invoke(cli, ["baseline", str(repo), "-o", str(again), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert again.read_bytes() == baseline.read_bytes()


# ---------------------------------------------------------------- output formats (snapshots: tests/test_snapshots.py)


def rendered(fmt: str, report: GateReport) -> str:
    buf = io.StringIO()
    reporters.write(GATE_FORMATS[fmt], report, buf)
    return buf.getvalue()


def test_empty_report_in_every_format() -> None:
    empty = GateReport(findings=(), against="origin/main (merge-base 0123456789ab)")
    assert rendered("text", empty) == "dupfinder ci: no new duplication against origin/main (merge-base 0123456789ab)\n"
    assert rendered("github", empty) == ""
    assert rendered("markdown", empty).startswith("### dupfinder: no new duplication\n")


def test_annotations_and_markdown_escape_hostile_names() -> None:
    evil = inst("a,b:c%d.py", 1, 9, "x\n::error::owned|<b>", None, "d")
    old = inst("old|dir/o.py", 1, 9, None, "t|eam", "d")
    cluster = Cluster(ClusterId("c3"), 1.0, (old, evil))
    report = GateReport((Finding(evil, cluster, (Sibling(old, 1.0, False),), "3" * 32),), "main")
    line = rendered("github", report)
    # one line: a newline in a name cannot end this command and start another
    assert line.count("\n") == 1 and "`x%0A::error::owned|<b>` (9 lines)" in line
    assert line.startswith("::error file=a%2Cb%3Ac%25d.py,line=1,endLine=9,title=New duplicate of `x%0A%3A%3Aerror")
    md = rendered("markdown", report)
    rows = [r for r in md.splitlines() if r.startswith("| `")]
    assert len(rows) == 1 and rows[0].count(" | ") == 3  # pipes in names and paths do not add columns
    assert "<b>" not in md
