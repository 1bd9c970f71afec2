"""``dupfinder ci --base`` builds only the clusters around the changed files: the same report as clustering all.

Each test commits a code base with copies across files on ``main`` (some of them far from what the
change touches), primes a cache with a scan of ``main`` as a CI job of the main branch would, changes
one thing on a branch and runs the gate twice, each with its own copy of that cache: focused (what
``dupfinder ci`` does) and over the whole repository.  Every CI format must come out byte for byte
the same, and the cache the focused run leaves must give a later ``scan`` the output it gives without it.
"""

from __future__ import annotations

import io
import random
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse import csgraph

from conftest import write
from dupfinder import cache as cache_mod
from dupfinder import reporters
from dupfinder.analyse.batch import file_keys
from dupfinder.cache import records
from dupfinder.cli.app import cli
from dupfinder.cli.ci import FORMATS
from dupfinder.config import Runtime, ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.gate.run import GateOptions, against_revision
from dupfinder.model import Cluster, FailOn, GateReport, TeamOptions, Unit
from dupfinder.pipeline import scan_discovered, with_rules
from dupfinder.rules.loading import load_ruleset
from dupfinder.similarity import find, weights
from dupfinder.similarity.identity import Identity
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
    primed: tuple[Path, Path], tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = primed
    for path, text in CHANGES[change].items():
        write(repo, path, text)
    commit(repo, change)
    updated: list[dict[str, int] | None] = []

    def spy(*args: Any) -> dict[str, int] | None:
        updated.append(weights.counts_now(*args))
        return updated[-1]

    monkeypatch.setattr(find, "counts_now", spy)
    reports = {}
    for focused in (True, False):
        own = tmp_path / f"cache-{focused}"
        shutil.copytree(cache, own)
        reports[focused] = against_revision(_options(repo, own), "main", focused=focused)
    # the focused run weighed identity with the counts the scan of main kept, brought up to date
    assert len(updated) == 1 and updated[0], updated
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
    kept = _rows(after_gate, "SELECT key, value FROM snapshots ORDER BY key")
    against_revision(_options(repo, after_gate), "main")
    # the graph snapshot and identity counts of main's scan stay as they were: the next run starts from them
    assert kept and _rows(after_gate, "SELECT key, value FROM snapshots ORDER BY key") == kept
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


def _scanned(repo: Path, cache: Path) -> tuple[list[tuple[str, bytes]], list[Unit], dict[tuple[str, str], list[int]]]:
    """A full scan of ``repo`` with ``cache``: its files and keys, its units, and the units of each node."""
    config = ScanConfig(jobs=1)
    disc = discover([str(repo)], config)
    units: list[Unit] = []
    scan_discovered(disc, config, cache_dir=str(cache), units_out=units)
    scope = cache_mod.file_scope(config)
    files = [(f.path, cache_mod.file_key(scope, f.path, f.root, f.language,
                                         cache_mod.content_digest(Path(f.abspath).read_bytes())))
             for f in disc.files]  # fmt: skip
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for n, u in enumerate(units):
        groups[(u.language, u.fingerprint)].append(n)
    return files, units, groups


@needs_git
def test_identity_counts_brought_up_to_date_are_those_of_counting_every_node(
    primed: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, _ = primed
    config = ScanConfig(jobs=1)
    cache = tmp_path / "counts"
    before, _, _ = _scanned(repo, cache)
    key = cache_mod.counts_key(config, str(repo.resolve()), ["."])
    store = cache_mod.Cache(str(cache))
    last = store.get_counts(key)
    assert last is not None and last.files == tuple(before)
    # an edited file, a deleted one, and a new one sorted before an exact copy of its function: the
    # node of that copy gets a new representative, with other literals
    write(repo, "services/shipping/client.py", SHIPPING_RETRY.replace("server error", "upstream error"))
    (repo / "services/reports/weekly.py").unlink()
    write(repo, "services/aaa/daily.py", EXPORT.replace('delimiter=";"', 'delimiter=","'))
    files, units, groups = _scanned(repo, tmp_path / "other")
    counts = weights.counts_now(last, files, units, groups, store, config.num_perm)
    reps = [units[groups[k][0]] for k in sorted(groups)]
    assert counts is not None and counts == dict(Identity(reps).counts)
    # and the weights of a few nodes from those counts are those of weighing every node
    few = [0, len(reps) // 2, len(reps) - 1]
    part, whole = Identity([reps[k] for k in few], counts, len(reps)), Identity(reps)
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    assert part.similarity(a, b).tolist() == whole.similarity(np.array(few)[a], np.array(few)[b]).tolist()
    assert part.word_jaccard(a, b).tolist() == whole.word_jaccard(np.array(few)[a], np.array(few)[b]).tolist()
    # a file record the counts need that is gone from the cache: counted again instead
    with sqlite3.connect(cache / cache_mod.DB_NAME) as conn:
        conn.execute("DELETE FROM files")
    assert weights.counts_now(last, files, units, groups, cache_mod.Cache(str(cache)), config.num_perm) is None
    store.close()


def _spy_counts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, int] | None]:
    """What each focused run's update of the stored identity counts gave (None: counted again)."""
    updated: list[dict[str, int] | None] = []

    def spy(*args: Any) -> dict[str, int] | None:
        updated.append(weights.counts_now(*args))
        return updated[-1]

    monkeypatch.setattr(find, "counts_now", spy)
    return updated


def _gate_twice(repo: Path, cache: Path, tmp_path: Path, options: Any = _options) -> tuple[GateReport, GateReport]:
    """The focused gate on ``cache`` (left as the run leaves it) and the full analysis on a copy of it."""
    full = tmp_path / "full-copy"
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(cache, full)
    return against_revision(options(repo, cache), "main"), against_revision(options(repo, full), "main", focused=False)


@needs_git
def test_identity_counts_of_other_settings_or_damaged_ones_are_not_used(
    primed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = primed
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "sign-in copy")
    updated = _spy_counts(monkeypatch)

    def strict(repo: Path, cache: Path) -> GateOptions:  # other similarity settings than main's scan
        plain = _options(repo, cache)
        return replace(plain, config=replace(plain.config, threshold=0.75))

    other = tmp_path / "other-settings"
    shutil.copytree(cache, other)
    focused, full = _gate_twice(repo, other, tmp_path, strict)
    assert updated == [] and focused == full  # main's counts are under other settings: not read
    damaged = tmp_path / "damaged"
    shutil.copytree(cache, damaged)
    with sqlite3.connect(damaged / cache_mod.DB_NAME) as conn:
        rows = conn.execute(
            "SELECT key, value FROM snapshots WHERE substr(value, 1, 3) = CAST('DFW' AS BLOB)"
        ).fetchall()
        assert len(rows) == 1
        for key, value in rows:
            flipped = bytearray(value)
            flipped[len(flipped) // 2] ^= 0x10
            conn.execute("UPDATE snapshots SET value=? WHERE key=?", (bytes(flipped), key))
    focused, full = _gate_twice(repo, damaged, tmp_path)
    assert updated == [] and focused == full and focused.findings


def test_a_stored_counts_record_round_trips_and_refuses_garbage() -> None:
    counts = cache_mod.FeatureCounts(
        (("a.py", b"k" * 20), ("caf\udce9.py", b"\x00" * 20)), 3, {"w:x": 2, "c:\u00e9": 1}
    )
    blob = records.encode_counts(counts)
    assert records.decode_counts(blob) == counts
    rng = random.Random(5)
    for _ in range(200):
        damaged = bytearray(blob)
        if rng.randrange(2):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        else:
            del damaged[rng.randrange(len(damaged)) :]
        assert records.decode_counts(bytes(damaged)) is None


@needs_git
def test_a_gate_run_interrupted_before_it_stored_its_counts_leaves_a_cache_the_next_run_uses(
    primed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = primed
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "profile retries")
    # no stored counts: the gate counts every node, and stores the counts after the graph snapshot
    _rows(cache, "DELETE FROM snapshots WHERE substr(value, 1, 3) = CAST('DFW' AS BLOB)")

    def interrupted(self: object, key: bytes, counts: object) -> None:
        raise KeyboardInterrupt  # after the graph snapshot of this run was stored, before its counts

    with monkeypatch.context() as patch:
        patch.setattr(cache_mod.Cache, "put_counts", interrupted)
        with pytest.raises(KeyboardInterrupt):
            against_revision(_options(repo, cache), "main")
    updated = _spy_counts(monkeypatch)
    focused, full = _gate_twice(repo, cache, tmp_path)  # counts every node again, and stores the counts
    assert updated == [] and focused == full and (focused.findings or focused.inconsistent)
    focused, _ = _gate_twice(repo, cache, tmp_path)  # brings them up to date
    assert len(updated) == 1 and updated[0] and focused == full


def _spy_tokens(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The keys of every file whose tokens' record a run asked the cache for."""
    asked: list[bytes] = []
    get_tokens = cache_mod.Cache.get_tokens

    def spy(self: cache_mod.Cache, keys: Any) -> dict[bytes, bytes]:
        asked.extend(keys)
        return get_tokens(self, keys)

    monkeypatch.setattr(cache_mod.Cache, "get_tokens", spy)
    return asked


def _pasted(primed: tuple[Path, Path]) -> tuple[Path, Path]:
    """The primed repository with the retry loop pasted into the profile module (a block copy), committed."""
    repo, _ = primed
    write(repo, "services/identity/profile.py", PROFILE_EDITED)
    commit(repo, "profile retries")
    return primed


def _file_keys(repo: Path) -> set[bytes]:
    """The cache keys of the repository's files as they are now."""
    config = _options(repo, repo / "unused").config
    keys = file_keys(discover([str(repo)], config).files, config).keys
    return {k for k in keys if k is not None}


def _rows(cache: Path, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
    conn = sqlite3.connect(cache / cache_mod.DB_NAME)
    try:
        with conn:
            return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@needs_git
def test_the_focused_gate_reads_the_tokens_of_the_streams_it_extends_seeds_into_only(
    primed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = _pasted(primed)
    stored = {k for (k,) in _rows(cache, "SELECT key FROM tokens")}
    # every entry of a file with a stream has its tokens, and no tokens are without their entry
    assert stored and stored <= {k for (k,) in _rows(cache, "SELECT key FROM files")}
    full_copy = tmp_path / "full"
    shutil.copytree(cache, full_copy)
    asked = _spy_tokens(monkeypatch)
    focused = against_revision(_options(repo, cache), "main")
    read = set(asked)
    asked.clear()
    full = against_revision(_options(repo, full_copy), "main", focused=False)
    assert focused == full and any(c.kind == "block" for f in focused.findings for c in [f.cluster])
    # the full analysis reads the tokens of every file that did not change, the focused gate a few of them
    assert set(asked) == stored - {k for k in stored if k not in _file_keys(repo)}
    assert read and read < set(asked) and len(read) <= len(asked) // 2, (len(read), len(asked))


@needs_git
def test_tokens_missing_from_the_cache_or_not_the_entrys_are_read_from_the_files_again(
    primed: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, cache = _pasted(primed)
    ((shortest,),) = _rows(cache, "SELECT value FROM tokens ORDER BY length(value), key LIMIT 1")
    # entries whose tokens went (pruned apart from them, lost): the focused search analyses those files
    # again, the full analysis counts the entries as misses
    _rows(cache, "DELETE FROM tokens")
    focused, full = _gate_twice(repo, cache, tmp_path)
    assert focused == full and focused.findings
    assert _rendered(focused) == _rendered(full)
    # tokens that are not those of the entry's stream (one file's under every key) are refused the same way
    _rows(cache, "DELETE FROM tokens")
    entries = _rows(cache, "SELECT key FROM files")
    _rows(cache, "INSERT INTO tokens SELECT key, ?, 0 FROM files", (shortest,))
    assert len(_rows(cache, "SELECT key FROM tokens")) == len(entries)
    focused, full = _gate_twice(repo, cache, tmp_path)
    assert focused == full and focused.findings


@needs_git
def test_two_gate_jobs_sharing_a_cache_at_once_both_report_what_the_full_analysis_reports(
    primed: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, cache = primed
    write(repo, "services/billing/signin.py", SIGN_IN)
    commit(repo, "sign-in copy")
    own = tmp_path / "own"
    shutil.copytree(cache, own)
    expected = against_revision(_options(repo, own), "main", focused=False)
    outs = [tmp_path / f"job-{k}.sarif" for k in range(2)]
    jobs = [
        subprocess.Popen([sys.executable, "-m", "dupfinder", "ci", ".", "--base", "main", "-q", "--jobs", "1",
                          "--format", "sarif", "-o", str(out), "--cache-dir", str(cache)],
                         cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for out in outs
    ]  # fmt: skip
    for job in jobs:
        _, err = job.communicate(timeout=300)
        assert job.returncode == 1, err  # the copy fails the gate
    sarif = io.StringIO()
    reporters.write(FORMATS["sarif"], expected, sarif)
    assert [out.read_text() for out in outs] == [sarif.getvalue()] * 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60), st.sets(st.integers(0, 29)))
def test_the_edges_around_focused_nodes_are_those_of_their_connected_components(
    pairs: list[tuple[int, int]], focused: set[int]
) -> None:
    edges = sorted({(min(x, y), max(x, y), 0.5) for x, y in pairs if x != y})
    graph = sparse.coo_matrix(([1] * len(edges), ([e[0] for e in edges], [e[1] for e in edges])), shape=(30, 30))
    _, label = csgraph.connected_components(graph, directed=False)
    wanted = {label[k] for k in focused}
    assert find._around(edges, focused, 30) == [e for e in edges if label[e[0]] in wanted]
