"""The incremental cache, for real: warm and changed scans, damaged files, concurrent and killed scans."""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from dupfinder import cache as cache_mod
from dupfinder import pipeline as scan_mod
from dupfinder import reporters
from dupfinder.analyse import batch
from dupfinder.cache import keys as cache_keys
from dupfinder.cache.memo import RESULT
from dupfinder.cli.app import cli
from dupfinder.config import ScanConfig
from dupfinder.model import FileResult, ScanResult
from dupfinder.similarity.verify import Verifier
from synthetic import TEMPLATES, make_corpus

CONFIG = ScanConfig(jobs=1)


def as_json(result: ScanResult) -> str:
    out = io.StringIO()
    reporters.get("json")(result, out)
    return out.getvalue()


def no_cache(root: Path, config: ScanConfig = CONFIG) -> str:
    return as_json(scan_mod.scan([str(root)], config))


class Counting:
    """Counts the files the scan really analyses (in this process: --jobs 1)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        real = batch.analyse_file

        def counted(source: object, config: ScanConfig) -> FileResult:
            self.paths.append(source.path)  # type: ignore[attr-defined]
            return real(source, config)  # type: ignore[arg-type]

        monkeypatch.setattr(batch, "analyse_file", counted)


def db_path(cache_dir: Path) -> Path:
    return cache_dir / cache_mod.DB_NAME


def test_warm_scan_is_identical_and_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root)
    (root / "team-0" / "broken.py").write_text("def broken(:\n    pass\n")
    (root / "team-0" / "blob.py").write_bytes(b"\x00\x01binary")
    expected = no_cache(root)
    counting = Counting(monkeypatch)
    cold = as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)))
    analysed_cold = len(counting.paths)
    warm = as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)))
    assert cold == expected and warm == expected
    assert analysed_cold == 26  # every file once, skipped ones included
    assert len(counting.paths) == analysed_cold  # the warm scan analysed none
    assert '"clusters": [\n    {' in expected  # the corpus does have clusters to compare


def test_a_changed_file_alone_is_analysed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    files = make_corpus(root)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    # one file gains a copy of a template (new clones) and another loses its content
    files[3].write_text(files[3].read_text() + TEMPLATES[2].replace("user", "account"))
    files[5].write_text("x = 1\n")
    counting = Counting(monkeypatch)
    again = as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)))
    assert sorted(counting.paths) == sorted(str(f.relative_to(root)) for f in (files[3], files[5]))
    assert again == no_cache(root)


def test_new_settings_or_new_code_never_reuse_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=2, files_per_team=3)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    counting = Counting(monkeypatch)
    other = ScanConfig(jobs=1, min_tokens=80)
    result = as_json(scan_mod.scan([str(root)], other, cache_dir=str(cache_dir)))
    assert len(counting.paths) == 6
    assert result == no_cache(root, other)
    counting.paths.clear()
    monkeypatch.setattr(cache_keys, "code_version", lambda: "99.0+another-build")
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    assert len(counting.paths) == 6  # a new dupfinder parses everything again


@pytest.mark.parametrize("damage", ["garbage", "truncated", "emptied"])
def test_a_damaged_cache_file_is_detected_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=3, files_per_team=4)
    expected = no_cache(root)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    db = db_path(cache_dir)
    with sqlite3.connect(db) as conn:  # fold the WAL in, so the damage hits the data itself
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    assert len(data) > 8192
    if damage == "garbage":
        rng = random.Random(3)
        db.write_bytes(bytes(rng.randrange(256) for _ in range(len(data))))
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 2 + 100])
    else:
        db.write_bytes(data[:100] + b"\x00" * (len(data) - 100))
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == expected
    # the next scan finds a sound cache again, and uses it
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 12
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == expected


def test_a_damaged_record_is_a_miss_and_is_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=2, files_per_team=3)
    expected = no_cache(root)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    with sqlite3.connect(db_path(cache_dir)) as conn:
        key, value = conn.execute("SELECT key, value FROM files ORDER BY key LIMIT 1").fetchone()
        flipped = value[:40] + bytes([value[40] ^ 0xFF]) + value[41:]
        conn.execute("UPDATE files SET value=? WHERE key=?", (flipped, key))
        # without the whole last result, which an unchanged rescan would take without reading a record
        conn.execute("DELETE FROM snapshots")
    counting = Counting(monkeypatch)
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == expected
    assert len(counting.paths) == 1
    with sqlite3.connect(db_path(cache_dir)) as conn:
        assert conn.execute("SELECT value FROM files WHERE key=?", (key,)).fetchone()[0] == value


def test_records_survive_a_round_trip_and_refuse_garbage(tmp_path: Path) -> None:
    root = tmp_path / "src"
    make_corpus(root, teams=1, files_per_team=2)
    result = scan_mod.scan([str(root)], CONFIG)
    assert result.stats.units > 3
    from dupfinder.analyse.file import analyse_file
    from dupfinder.discover.walk import discover

    source = discover([str(root)], CONFIG).files[0]
    original = analyse_file(source, CONFIG)
    sigs = bytes(range(256)) * (2 * len(original.units))  # 128 uint32 = 512 bytes per unit
    contents = b"".join(cache_mod.unit_content(u) for u in original.units)
    blob, tokens = cache_mod.encode(original, sigs, contents)
    assert tokens is not None and original.stream is not None
    entry = cache_mod.decode(blob, source.path, 128, tokens)
    assert entry is not None and entry.result == original and entry.signatures == sigs
    assert entry.contents == contents
    # without the tokens' record: the same result but its stream, which the head stands for
    alone = cache_mod.decode(blob, source.path, 128)
    assert alone is not None and alone.result == replace(original, stream=None) and alone.signatures == sigs
    assert alone.head == cache_mod.stream_head(original.stream) and alone.head.length == len(original.stream)
    rng = random.Random(11)
    for record in (blob, tokens):
        for _ in range(300):
            damaged = bytearray(record)
            how = rng.randrange(3)
            if how == 0:
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
            elif how == 1:
                del damaged[rng.randrange(len(damaged)) :]
            else:
                damaged = bytearray(rng.randbytes(rng.randrange(64)))
            if record is blob:
                assert cache_mod.decode(bytes(damaged), source.path, 128, tokens) is None
                assert cache_mod.decode(bytes(damaged), source.path, 128) is None
            else:
                assert cache_mod.decode(blob, source.path, 128, bytes(damaged)) is None
    assert cache_mod.decode(blob, source.path, 64) is None  # signatures of another length
    # the tokens of another file's stream (another length) are refused
    other = analyse_file(discover([str(root)], CONFIG).files[1], CONFIG)
    assert other.stream is not None and len(other.stream) != len(original.stream)
    _, other_tokens = cache_mod.encode(other, bytes(512 * len(other.units)),
                                       b"".join(cache_mod.unit_content(u) for u in other.units))  # fmt: skip
    assert other_tokens is not None and cache_mod.decode(blob, source.path, 128, other_tokens) is None
    # with the stream's block fingerprints, as the per-file stage stores it
    marked = batch.with_marks(original)
    assert marked.stream is not None and marked.stream.marks
    marked_blob, marked_tokens = cache_mod.encode(marked, sigs, contents)
    entry = cache_mod.decode(marked_blob, source.path, 128, marked_tokens)
    assert entry is not None and entry.result == marked
    # an undecodable name (a lone surrogate), which the fast JSON parser refuses: the record still reads
    odd_unit = replace(original.units[0], name="f\udcfe", identifiers=("caf\u00e9", "x\udcff"))
    odd = replace(original, units=(odd_unit, *original.units[1:]))
    odd_blob, odd_tokens = cache_mod.encode(odd, sigs, contents)
    entry = cache_mod.decode(odd_blob, source.path, 128, odd_tokens)
    assert entry is not None and entry.result == odd


def _cli_scan(root: Path, cache_dir: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "dupfinder", "scan", str(root), "-q", "--format", "json", "-o", str(out),
            "--cache-dir", str(cache_dir), *extra]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _expected_cli(root: Path, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "expected.json"
    proc = subprocess.run([sys.executable, "-m", "dupfinder", "scan", str(root), "-q", "--format", "json", "-o",
                           str(out), "--no-cache", *extra], capture_output=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out.read_text()


def test_two_scans_sharing_a_cache_at_once_both_finish_correctly(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=8, files_per_team=25)
    expected = _expected_cli(root, tmp_path, "--jobs", "2")
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    procs = [_cli_scan(root, cache_dir, out, "--jobs", "2") for out in outs]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert [o.read_text() for o in outs] == [expected, expected]
    with sqlite3.connect(db_path(cache_dir)) as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 200


def _wait_for_rows(db: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> int:
    """Rows the running scan has committed, once there are some."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                    rows = conn.execute("SELECT count(*) FROM files").fetchone()[0]
            except sqlite3.Error:
                rows = 0
            if rows:
                return int(rows)
        time.sleep(0.02)
    raise AssertionError("the scan committed nothing to the cache before it ended")


#: ``dupfinder`` with each file's analysis slowed down (20 ms a file), so that a scan that has committed
#: its first rows is still far from its end when the test signals it, however busy the machine is.
#: SIGINT gets Python's usual handler back first: a shell starts a background job (``pytest ... &``)
#: with SIGINT ignored, the child inherits that, and Python then installs no KeyboardInterrupt handler,
#: whereas the scan under test is one a user interrupts from a terminal
_SLOW_SCAN = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from dupfinder.analyse import batch
from dupfinder.cli.app import main

analyse = batch.analyse_file

def slow(*args, **kwargs):
    time.sleep(0.02)
    return analyse(*args, **kwargs)

batch.analyse_file = slow
sys.argv[0] = "dupfinder"
main()
"""


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_scan_killed_midway_leaves_a_cache_the_next_scan_uses(tmp_path: Path, how: signal.Signals) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=8, files_per_team=120)  # 960 files
    expected = _expected_cli(root, tmp_path, "--jobs", "1")
    args = [sys.executable, "-c", _SLOW_SCAN, "scan", str(root), "-q", "--format", "json", "-o",
            str(tmp_path / "killed.json"), "--cache-dir", str(cache_dir), "--jobs", "1"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # evidence that the scan is midway: its first rows are committed, and at 20 ms a file the other
    # 700 files or so take at least 14 s more
    committed = _wait_for_rows(db_path(cache_dir), proc)
    proc.send_signal(how)
    proc.communicate(timeout=60)
    assert proc.returncode == (-signal.SIGKILL if how == signal.SIGKILL else 130)
    assert committed < 960 and not (tmp_path / "killed.json").exists()
    with sqlite3.connect(db_path(cache_dir)) as conn:  # each entry went in with its tokens, or neither did
        entries = dict(conn.execute("SELECT key, value FROM files").fetchall())
        decoded = {k: cache_mod.decode(v, "f.py", ScanConfig().num_perm) for k, v in entries.items()}
        assert None not in decoded.values()
        with_stream = {k for k, e in decoded.items() if e is not None and e.head is not None}
        assert with_stream and {k for (k,) in conn.execute("SELECT key FROM tokens")} == with_stream
    out = tmp_path / "after.json"
    again = _cli_scan(root, cache_dir, out, "--jobs", "1")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert out.read_text() == expected
    with sqlite3.connect(db_path(cache_dir)) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 960


def test_a_rescan_verifies_only_the_pairs_of_new_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    files = make_corpus(root, teams=4, files_per_team=6)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    seen: list[tuple[int, int]] = []
    real = Verifier.verify

    def counted(self, a, b, threshold):  # type: ignore[no-untyped-def]
        seen.extend(zip(a.tolist(), b.tolist(), strict=True))
        return real(self, a, b, threshold)

    monkeypatch.setattr(Verifier, "verify", counted)
    warm = as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)))
    unchanged = len(seen)
    assert warm == no_cache(root)
    edited = TEMPLATES[1].replace("    return settings", '    settings["source"] = str(path)\n    return settings')
    files[0].write_text(files[0].read_text() + edited)  # a unit unlike any before: a new node
    seen.clear()
    after_change = as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)))
    incremental = len(seen)
    seen.clear()
    assert after_change == no_cache(root)
    full = len(seen)
    assert unchanged == 0  # nothing new: every edge comes from the last graph
    assert 0 < incremental < full / 3


def test_cli_cache_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "src"
    make_corpus(root, teams=2, files_per_team=2)
    env_dir = tmp_path / "from-env"
    monkeypatch.setenv("DUPFINDER_CACHE_DIR", str(env_dir))
    res = CliRunner().invoke(cli, ["scan", str(root), "-q", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert not env_dir.exists()
    res = CliRunner().invoke(cli, ["scan", str(root), "-q"])
    assert res.exit_code == 0 and db_path(env_dir).is_file()
    explicit = tmp_path / "explicit"
    res = CliRunner().invoke(cli, ["scan", str(root), "-q", "--cache-dir", str(explicit)])
    assert res.exit_code == 0 and db_path(explicit).is_file()
    monkeypatch.delenv("DUPFINDER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.default_dir() == os.path.join(str(tmp_path / "xdg"), "dupfinder")


def test_an_unusable_cache_folder_never_fails_the_scan(tmp_path: Path) -> None:
    root = tmp_path / "src"
    make_corpus(root, teams=2, files_per_team=2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    res = CliRunner().invoke(cli, ["scan", str(root), "-q", "--format", "json", "--cache-dir", str(blocker / "c")])
    assert res.exit_code == 0, res.output
    assert res.output == no_cache_cli(root)


def no_cache_cli(root: Path) -> str:
    res = CliRunner().invoke(cli, ["scan", str(root), "-q", "--format", "json", "--no-cache"])
    assert res.exit_code == 0, res.output
    return res.output


def test_categories_and_groups_come_back_from_the_cache_and_damaged_ones_are_recomputed(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=4, files_per_team=4)
    want = no_cache_cli(root)
    args = ["scan", str(root), "-q", "--format", "json", "--cache-dir", str(cache_dir)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and first.output == want
    with sqlite3.connect(db_path(cache_dir)) as conn:
        stored = conn.execute("SELECT count(*) FROM derived").fetchone()[0]
    assert stored > 0  # components' groups and clusters' categories were kept
    assert CliRunner().invoke(cli, args).output == want
    with sqlite3.connect(db_path(cache_dir)) as conn:
        conn.execute("UPDATE derived SET value = x'5b312c325d'")  # valid JSON, wrong shape: [1,2]
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.output == want


def test_a_stored_category_round_trips() -> None:
    from dupfinder.rules import Evidence

    found = ("auth", 0.8125, Evidence(0.8125, names=("login",), calls=("jwt.*",), named=True,
                                      candidates=(("auth", 0.8125), ("http-retry", 0.1))))  # fmt: skip
    assert cache_mod.decode_category(cache_mod.encode_category(found)) == found
    assert cache_mod.decode_category(b'["auth", 2.0, [0.5, [], [], [], [], false, []]]') is None
    assert cache_mod.decode_category(b"not json") is None


def test_baseline_uses_the_cache_and_writes_the_same_file(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=3, files_per_team=3)
    outputs = []
    for extra in (["--no-cache"], ["--cache-dir", str(cache_dir)], ["--cache-dir", str(cache_dir)]):
        out = tmp_path / f"baseline-{len(outputs)}.json"
        res = CliRunner().invoke(cli, ["baseline", str(root), "-q", "-o", str(out), *extra])
        assert res.exit_code == 0, res.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    with sqlite3.connect(db_path(cache_dir)) as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 9


def result_rows(cache_dir: Path) -> list[tuple[bytes, bytes]]:
    with sqlite3.connect(db_path(cache_dir)) as conn:
        rows = conn.execute("SELECT key, value FROM snapshots").fetchall()
    return [(k, v) for k, v in rows if v.startswith(RESULT.magic)]


def test_an_unchanged_rescan_takes_the_last_result_and_a_changed_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    files = make_corpus(root, teams=3, files_per_team=4)
    expected = no_cache(root)
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == expected
    assert len(result_rows(cache_dir)) == 1

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged rescan analysed or clustered again")

    with monkeypatch.context() as m:
        m.setattr(scan_mod, "analysed", fail)
        m.setattr(scan_mod, "find_clusters", fail)
        assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == expected
    # other settings, or one changed file: the scan runs (and its result is what a scan without cache gives)
    other = ScanConfig(jobs=1, threshold=0.7)
    assert as_json(scan_mod.scan([str(root)], other, cache_dir=str(cache_dir))) == no_cache(root, other)
    files[2].write_text(files[2].read_text() + TEMPLATES[0].replace("user", "member"))
    changed = no_cache(root)
    counting = Counting(monkeypatch)
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == changed
    assert counting.paths == [str(files[2].relative_to(root))]
    # a damaged result is not taken: the scan runs again and gives the same report
    with sqlite3.connect(db_path(cache_dir)) as conn:
        for key, value in result_rows(cache_dir):
            conn.execute("UPDATE snapshots SET value=? WHERE key=?", (value[:-5] + b"xxxxx", key))
    assert as_json(scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))) == changed


def test_a_stored_result_round_trips_odd_names_and_refuses_other_input() -> None:
    from dupfinder.model import Cluster, ClusterId, Fingerprint, Instance, ScanStats, Skip

    odd = "caf\u00e9/\udcff\x07.py"  # non-ASCII, an undecodable byte, a control character
    inst = Instance(path=odd, start_line=3, end_line=9, name="f\udcfe", language="python", root=".",
                    fingerprint=Fingerprint("ab"), similarity=0.75, code="x = '\u00e9'\n", identifiers=("x",),
                    calls=("print",), imports=("os",))  # fmt: skip
    other = Instance(path="b.py", start_line=1, end_line=7, name=None, language="python", root=".",
                     fingerprint=Fingerprint("cd"), similarity=1.0)  # fmt: skip
    memo = cache_mod.ScanMemo(
        ScanStats(files=2, units=5, lines=40, skipped=(Skip(odd, "binary file"),)),
        (Cluster(id=ClusterId("c1"), similarity=0.75, instances=(other, inst)),),
        {odd: ("os", "sys")},
    )
    digest = b"d" * 32
    blob = cache_mod.encode_result(digest, memo)
    assert cache_mod.decode_result(blob, digest) == memo
    assert cache_mod.decode_result(blob, b"e" * 32) is None  # made from other input
    assert cache_mod.decode_result(blob[:-1], digest) is None
    assert cache_mod.decode_result(b"garbage", digest) is None


def test_entries_a_scan_reads_stay_and_the_others_go_after_keep_days(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=1, files_per_team=4)
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    gone = sorted(root.rglob("*.py"))[0]
    gone.unlink()
    today = int(time.time() // 86400)
    with sqlite3.connect(db_path(cache_dir)) as conn:
        rows = conn.execute("SELECT count(*) FROM files").fetchone()[0]
        conn.execute("UPDATE files SET used=?", (today - cache_mod.KEEP_DAYS - 1,))
        conn.execute("DELETE FROM meta WHERE key='pruned'")
    # a scan a day later (the result it stored does not match: a file is gone): reads every file's entry
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    with sqlite3.connect(db_path(cache_dir)) as conn:
        used = conn.execute("SELECT used FROM files").fetchall()
    assert len(used) == rows - 1 and {u for (u,) in used} == {today}  # the deleted file's entry went
    # entries used today are not written again by the next scan, and stay
    scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    with sqlite3.connect(db_path(cache_dir)) as conn:
        assert conn.execute("SELECT count(*) FROM files WHERE used=?", (today,)).fetchone()[0] == rows - 1


def test_a_remembered_result_marks_its_files_used_on_its_first_use_of_the_day(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "src", tmp_path / "cache"
    make_corpus(root, teams=1, files_per_team=4)
    first = scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir))
    today = int(time.time() // 86400)

    def aged(files: int, results: int) -> set[int]:
        with sqlite3.connect(db_path(cache_dir)) as conn:
            conn.execute("UPDATE files SET used=?", (files,))
            conn.execute("UPDATE snapshots SET used=?", (results,))
        assert scan_mod.scan([str(root)], CONFIG, cache_dir=str(cache_dir)) == first  # the remembered result
        with sqlite3.connect(db_path(cache_dir)) as conn:
            return {u for (u,) in conn.execute("SELECT used FROM files")}

    # a result last used yesterday: its files' entries count as used today, and stay
    assert aged(today - 5, today - 1) == {today}
    # used today already: the entries are not marked again (that reads each whole)
    assert aged(today - 5, today) == {today - 5}
