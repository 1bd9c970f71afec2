"""``dupfinder ci --base`` builds only the clusters around the changed files: the same report as clustering all.

Each test commits a code base with copies across files on ``main`` (some of them far from what the
change touches), primes a cache with a scan of ``main`` as a CI job of the main branch would, changes
one thing on a branch and runs the gate twice, each with its own copy of that cache: focused (what
``dupfinder ci`` does) and over the whole repository.  Every CI format must come out byte for byte
the same, and the cache the focused run leaves must give a later ``scan`` the output it gives without it.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write
from dupfinder import reporters
from dupfinder.cli.app import cli
from dupfinder.cli.ci import FORMATS
from dupfinder.config import Runtime, ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.gate.run import GateOptions, against_revision
from dupfinder.model import Cluster, FailOn, GateReport, TeamOptions, Unit
from dupfinder.pipeline import scan_discovered, with_rules
from dupfinder.rules.loading import load_ruleset
from test_ci_gate import EXPORT, PROFILE_EDITED, SHIPPING_RETRY, SIGN_IN, commit, git, make_repo

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (apt-get install git)")

# far from every change below: a unit-level copy between two report modules, and the retry loop pasted
# into an old module's function (a block copy of the retry helper)
LEGACY = PROFILE_EDITED.replace("load_profile", "load_legacy_profile").replace("profile.loaded", "legacy.loaded")


def _options(repo: Path, cache: Path) -> GateOptions:
    rules = load_ruleset(paths=[str(repo)])
    config = with_rules(ScanConfig(jobs=1), rules)
    return GateOptions(str(repo), config, rules, TeamOptions(), FailOn(), 0, Runtime(cache_dir=str(cache)))


def _rendered(report: GateReport) -> dict[str, str]:
    out = {}
    for fmt, reporter in sorted(FORMATS.items()):
        buf = io.StringIO()
        reporters.write(reporter, report, buf)
        out[fmt] = buf.getvalue()
    return out


def _scan_json(repo: Path, cache: Path | None, out: Path) -> bytes:
    where = ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    res = CliRunner().invoke(cli, ["scan", str(repo), "--jobs", "1", "-q", "--format", "json", "-o", str(out), *where])
    assert res.exit_code == 0, res.output
    return out.read_bytes()


@pytest.fixture
def primed(tmp_path: Path) -> tuple[Path, Path]:
    """The repository on branch ``feature`` of ``main``, and a cache that a scan of ``main`` filled."""
    repo = make_repo(tmp_path)
    git(repo, "checkout", "-q", "main")
    write(repo, "services/reports/daily.py", EXPORT)
    write(repo, "services/reports/weekly.py", EXPORT.replace("export_rows", "export_week"))
    write(repo, "services/legacy/profile.py", LEGACY)
    commit(repo, "reports and legacy code")
    cache = tmp_path / "primed"
    _scan_json(repo, cache, tmp_path / "main.json")
    git(repo, "checkout", "-q", "-B", "feature")
    return repo, cache


CHANGES = {
    # a new file that copies an existing function (renamed)
    "adds a copy": {"services/billing/signin.py": SIGN_IN},
    # one copy of the retry helper edited, the other left as it was (an inconsistent change)
    "edits one copy": {
        "services/shipping/client.py": SHIPPING_RETRY.replace('"server error', '"upstream error')
        + "\n\ndef ping():\n    return True\n"
    },
    # the retry loop pasted into the middle of an existing function
    "pastes a block": {"services/identity/profile.py": PROFILE_EDITED},
}


@needs_git
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_focused_gate_reports_what_the_full_analysis_reports(
    primed: tuple[Path, Path], tmp_path: Path, change: str
) -> None:
    repo, cache = primed
    for path, text in CHANGES[change].items():
        write(repo, path, text)
    commit(repo, change)
    reports = {}
    for focused in (True, False):
        own = tmp_path / f"cache-{focused}"
        shutil.copytree(cache, own)
        reports[focused] = against_revision(_options(repo, own), "main", focused=focused)
    # each of these changes is new duplication or an inconsistent edit
    assert reports[True].findings or reports[True].inconsistent, change
    assert reports[True] == reports[False]
    assert _rendered(reports[True]) == _rendered(reports[False])


@needs_git
def test_focused_scan_keeps_every_cluster_with_a_copy_in_the_focus_and_leaves_others_out(
    primed: tuple[Path, Path],
) -> None:
    repo, _ = primed
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "profile retries")
    options = _options(repo, repo / "unused")
    focus = {"services/identity/profile.py"}
    units: list[Unit] = []
    full = scan_discovered(discover([str(repo)], options.config), options.config, units_out=units).clusters
    focused = scan_discovered(discover([str(repo)], options.config), options.config, focus=focus).clusters

    def touching(clusters: tuple[Cluster, ...]) -> list[Cluster]:
        return [c for c in clusters if any(i.path in focus for i in c.instances)]

    assert touching(full) and touching(full) == touching(focused)
    kinds = {c.kind for c in touching(full)}
    assert "block" in kinds, kinds  # the pasted loop joins the legacy copy's block cluster
    far = [c for c in full if not any(i.path in focus for i in c.instances)]
    assert any(i.path == "services/reports/daily.py" for c in far for i in c.instances)
    assert not any(i.path == "services/reports/daily.py" for c in focused for i in c.instances)


@needs_git
def test_focused_gate_leaves_the_cache_as_a_full_scan_reads_it(primed: tuple[Path, Path], tmp_path: Path) -> None:
    repo, cache = primed
    write(repo, "services/billing/signin.py", SIGN_IN)
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "sign-in and profile retries")
    after_gate = tmp_path / "after-gate"
    untouched = tmp_path / "untouched"
    shutil.copytree(cache, after_gate)
    shutil.copytree(cache, untouched)
    against_revision(_options(repo, after_gate), "main")
    expected = _scan_json(repo, None, tmp_path / "no-cache.json")
    assert _scan_json(repo, untouched, tmp_path / "untouched.json") == expected
    assert _scan_json(repo, after_gate, tmp_path / "after-gate.json") == expected
    # and once more, now that the scan stored its result
    assert _scan_json(repo, after_gate, tmp_path / "again.json") == expected


def test_focused_clusters_on_the_monorepo_fixture_are_the_full_scans(tmp_path: Path) -> None:
    # exact, renamed and edited copies: clusters of several nodes, where edges between two copies that
    # are not in the focus still decide the groups
    fixture = str(Path(__file__).parent.parent / "fixtures" / "acme-monorepo")
    config = ScanConfig(jobs=1)
    cache = str(tmp_path / "cache")
    full = scan_discovered(discover([fixture], config), config, cache_dir=cache, units_out=[]).clusters
    paths = sorted({i.path for c in full for i in c.instances})
    assert len(paths) >= 10 and any(len(c.instances) >= 3 for c in full)
    for path in paths:
        focused = scan_discovered(discover([fixture], config), config, cache_dir=cache, focus={path}).clusters
        assert [c for c in focused if any(i.path == path for i in c.instances)] == [
            c for c in full if any(i.path == path for i in c.instances)
        ], path
        assert len(focused) <= len(full)
