"""Hostile and broken input: the scan completes, each bad file is skipped with its reason, nothing runs.

Small samples live in ``fixtures/hostile/`` and carry their expected outcome
in ``expected.json`` (analysed with these units, skipped with a reason
starting so, or not source code at all); one generic test turns that into
checks.  Cases that cannot or should not be committed -- a 20 MB bundle,
200,000 lines, 100,000 files, link loops, FIFOs, unreadable files, names that
are not UTF-8, files that change while the scan runs -- are made here in
``tmp_path``.  ``fixtures/hostile/README.md`` lists every case with its outcome.

Cases that could crash the interpreter (a parser overflowing its stack) or
hang it (a FIFO opened for reading) run the real command in a subprocess with
a time limit, so a regression fails one test instead of the whole run.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, write
from dupfinder.analyse.file import FileTimeout, analyse_file, time_limit
from dupfinder.analyse.limits import _thread_time_limit
from dupfinder.cli.app import cli
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import SourceFile
from dupfinder.pipeline import scan, scan_discovered

pytestmark = pytest.mark.hostile

HOSTILE = FIXTURES / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
#: files in the fixture folder that describe the cases rather than being cases
META = {"README.md", "expected.json", ".gitattributes"}

CLEAN_PY = (HOSTILE / "clean" / "retry.py").read_text(encoding="utf-8")
CLEAN_JS = (HOSTILE / "clean" / "retry.js").read_text(encoding="utf-8")


def invoke(*args: str) -> Result:
    """The real command line, in process; it must never let an exception out."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def run_dupfinder(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: a crash or a hang fails this call, not the test run."""
    proc = subprocess.run([sys.executable, "-m", "dupfinder", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)  # fmt: skip
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    return proc


def skipped_lines(text_report: str) -> dict[str, str]:
    """path -> reason of the ``path: skipped: reason`` lines of a text report."""
    found = {}
    for line in text_report.splitlines():
        path, sep, reason = line.partition(": skipped: ")
        if sep:
            found[path] = reason
    return found


def json_report(*args: str) -> dict[str, Any]:
    res = invoke("scan", *args, "--format", "json", "--jobs", "1", "-q")
    assert res.exit_code == 0, res.output
    report: dict[str, Any] = json.loads(res.stdout)
    return report


# -- the committed samples ------------------------------------------------------------------


def fixture_files() -> list[str]:
    return sorted(p.relative_to(HOSTILE).as_posix() for p in HOSTILE.rglob("*") if p.is_file() and p.name not in META)


def test_every_sample_carries_its_expectation_and_the_readme_lists_it() -> None:
    assert fixture_files() == sorted(EXPECTED["files"])
    readme = (HOSTILE / "README.md").read_text(encoding="utf-8")
    missing = [path for path in EXPECTED["files"] if f"`{path}`" not in readme]
    assert missing == []


def test_samples_end_as_expected() -> None:
    """Each file: analysed with exactly its units, skipped with its reason, or not source code."""
    config = ScanConfig()
    disc = discover([str(HOSTILE)], config)
    outcomes: dict[str, dict[str, Any]] = {s.path: {"outcome": "skipped", "reason": s.reason} for s in disc.skipped}
    for source in disc.files:
        res = analyse_file(source, config)
        if res.skip is not None:
            outcomes[source.path] = {"outcome": "skipped", "reason": res.skip.reason}
        else:
            outcomes[source.path] = {"outcome": "analysed", "units": sorted(u.name or "" for u in res.units)}
    for path, want in sorted(EXPECTED["files"].items()):
        got = outcomes.get(path, {"outcome": "not source"})
        assert got["outcome"] == want["outcome"], (path, got)
        if want["outcome"] == "skipped":
            assert got["reason"].startswith(want["reason"]), (path, got["reason"])
        elif want["outcome"] == "analysed":
            assert got["units"] == sorted(want["units"]), path


def test_text_report_lists_every_skip_and_keeps_the_good_code() -> None:
    res = invoke("scan", str(HOSTILE), "--jobs", "1", "-q")
    assert res.exit_code == 0, res.output
    skips = skipped_lines(res.stdout)
    for path, want in EXPECTED["files"].items():
        if want["outcome"] == "skipped":
            assert skips.get(path, "").startswith(want["reason"]), path
        else:
            assert path not in skips
    analysed = sum(1 for want in EXPECTED["files"].values() if want["outcome"] == "analysed")
    assert re.search(rf"scanned {analysed} files, .*; {len(skips)} skipped$", res.stdout.rstrip())
    # every copy of the good code is reported: as a cluster's representative or as "also at"
    for cluster in EXPECTED["clusters"]:
        for member in cluster:
            path, _, span = member.rpartition(":")
            start = span.split("-")[0]
            assert f"{path}:{start}:1: duplicate" in res.stdout or f"also at {member}" in res.stdout, member


def test_clusters_survive_encodings_and_line_endings() -> None:
    """Copies in Latin-1, UTF-16, CRLF, CR-only and mixed endings cluster with the clean code, at the right lines."""
    report = json_report(str(HOSTILE))
    got = sorted(
        sorted(f"{i['path']}:{i['start_line']}-{i['end_line']}" for i in c["instances"]) for c in report["clusters"]
    )
    assert got == sorted(sorted(c) for c in EXPECTED["clusters"])


def test_no_escape_sequence_from_the_code_reaches_the_terminal() -> None:
    res = invoke("scan", str(HOSTILE), "--jobs", "1", "-q")
    assert "safety/terminal-escapes.js" in res.stdout
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "\\x1b]0;pwned\\x07" in res.stdout  # shown, escaped


def test_scanned_code_is_never_imported_or_run(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    env = {**os.environ, "DUPFINDER_HOSTILE_MARKER": str(marker)}
    # the samples do leave the marker when they are run...
    subprocess.run([sys.executable, str(HOSTILE / "safety" / "side_effects.py")], env=env, check=True)
    assert marker.read_text() == "executed\n"
    marker.unlink()
    # ...and a scan, serial or with workers, never runs them
    for jobs in ("1", "2"):
        proc = run_dupfinder("scan", str(HOSTILE), "--jobs", jobs, "--no-cache", "-q", env=env)
        assert proc.returncode == 0, proc.stderr
        assert not marker.exists()


def test_repeated_scans_are_byte_identical_serial_parallel_or_cached(tmp_path: Path) -> None:
    outputs = []
    # more than 32 files: "--jobs 2" really uses a process pool; then a cold and a warm cache
    for jobs, cache in (("1", "--no-cache"), ("2", "--no-cache"), ("2", "--cache"), ("1", "--cache")):
        out = tmp_path / f"report-{len(outputs)}.json"
        args = ["scan", str(HOSTILE), "--format", "json", "--jobs", jobs, "-q", "-o", str(out)]
        proc = run_dupfinder(*args, *([cache] if cache == "--no-cache" else []))
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert len(EXPECTED["files"]) > 32
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3]


_FRAGMENTS = [
    "(", ")", "[", "]", "{", "}", '"', "'", "`", "/*", "*/", "//", "#", "\\", "\n", "\r", "\t", "    ", "def ",
    "function ", "class ", "lambda: ", "elif x:\n", "${", "<div>", "</", "=>", "func ", "package x\n", "import ",
    "f'{", '"""', "0x", "...", "\x00", "\u202e", "\udcff",
]  # fmt: skip
_ENDINGS = {".py": "python", ".js": "javascript", ".ts": "typescript", ".tsx": "typescript", ".java": "java",
            ".go": "go"}  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    base=st.sampled_from(sorted(p.name for p in (HOSTILE / "clean").iterdir())),
    ending=st.sampled_from(sorted(_ENDINGS)),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)), st.integers(1, 300)),
        max_size=12,
    ),
    noise=st.binary(max_size=64),
)
def test_any_bytes_in_any_language_end_analysed_or_skipped(
    tmp_path: Path, base: str, ending: str, edits: list[tuple[float, str, int]], noise: bytes
) -> None:
    """Mangled code, random bytes, any ending: analyse_file returns, never raises, never blames itself."""
    text = (HOSTILE / "clean" / base).read_text(encoding="utf-8")
    for where, fragment, times in edits:
        at = int(where * len(text))
        text = text[:at] + fragment * times + text[at:]
    data = text.encode("utf-8", "surrogateescape") + noise
    path = tmp_path / f"case{ending}"
    path.write_bytes(data)
    source = SourceFile(path.name, str(path), ".", _ENDINGS[ending], len(data))
    result = analyse_file(source, ScanConfig(file_timeout=20))
    assert result.skip is None or not result.skip.reason.startswith(("internal error", "timed out")), result.skip


# -- big files, made here -------------------------------------------------------------------


def test_a_20_mb_minified_bundle_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    write(tmp_path, "src/retry.py", CLEAN_PY)
    write(tmp_path, "src/copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_again"))
    bundle = tmp_path / "static" / "app.js"
    bundle.parent.mkdir()
    with open(bundle, "wb") as fh:  # one line, like a real bundle
        chunk = b"function a(b){return b&&b.c?b.c(d):e}var f=" * 1000
        while fh.tell() < 20 * 1024 * 1024:
            fh.write(chunk)
        fh.write(b"1;\n")
    size = bundle.stat().st_size
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q")
    assert res.exit_code == 0
    assert skipped_lines(res.stdout) == {"static/app.js": f"too large ({size} bytes > 2000000)"}
    assert "src/copy.py:" in res.stdout or "src/retry.py:" in res.stdout  # the pair still clusters
    # allowed in by size, it is still recognised as minified, not parsed
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q", "--max-file-size", str(30 * 1024 * 1024))
    assert skipped_lines(res.stdout)["static/app.js"].startswith("minified or generated (a line of ")


def test_a_generated_file_of_200000_lines_is_skipped_by_its_line_count(tmp_path: Path) -> None:
    write(tmp_path, "retry.py", CLEAN_PY)
    # short lines: under the size limit, so the line limit is what stops them
    write(tmp_path, "gen/table.py", "TABLE = [\n" + "".join(f"{i},\n" for i in range(199_998)) + "]\n")
    write(tmp_path, "gen/table.js", "const TABLE = [\n" + "".join(f"{i},\n" for i in range(199_998)) + "];\n")
    assert all(p.stat().st_size < 2_000_000 for p in (tmp_path / "gen").iterdir())
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q")
    assert skipped_lines(res.stdout) == {
        "gen/table.js": "too many lines (200000 > 100000)",
        "gen/table.py": "too many lines (200000 > 100000)",
    }
    assert "scanned 1 files" in res.stdout
    # let in, they are analysed (they hold no function, so no unit)
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q", "--max-file-lines", "200000")
    assert skipped_lines(res.stdout) == {}
    assert "scanned 3 files, 1 units, 400020 lines" in res.stdout


def test_the_per_file_time_limit_stops_a_slow_file(tmp_path: Path) -> None:
    write(tmp_path, "retry.js", CLEAN_JS)
    # one function of 60,000 statements: several seconds of tokens, well under the size limits
    write(tmp_path, "slow.js", "function slow() {\n" + "".join(f"  v = v + {i};\n" for i in range(60_000)) + "}\n")
    handler = signal.getsignal(signal.SIGALRM)
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q", "--file-timeout", "0.2")
    assert skipped_lines(res.stdout) == {"slow.js": "timed out (over the limit of 0.2 s per file)"}
    assert "scanned 1 files" in res.stdout
    # the alarm is gone and the handler restored
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == handler
    # without the limit the same file is analysed
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q", "--file-timeout", "0")
    assert skipped_lines(res.stdout) == {}
    # in a worker thread (executors that run files in threads, like Dask's) the limit holds too
    (slow,) = [f for f in discover([str(tmp_path)], ScanConfig()).files if f.path == "slow.js"]
    # (automatic gc off: an exception delivered inside a gc callback -- hypothesis installs one --
    # is reported by pytest as unraisable; the redelivery that copes with it is tested below)
    gc.disable()
    try:
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(analyse_file, slow, ScanConfig(file_timeout=0.2)).result()
    finally:
        gc.enable()
    assert result.skip is not None and result.skip.reason == "timed out (over the limit of 0.2 s per file)"


def test_a_thread_limit_swallowed_once_strikes_again() -> None:
    # a delivery can land where Python swallows it (a gc callback, a __del__): the limit repeats
    def body() -> tuple[int, float]:
        swallowed = 0
        started = time.monotonic()
        try:
            with _thread_time_limit(0.1):
                while True:
                    try:
                        while True:
                            pass
                    except FileTimeout:
                        swallowed += 1
                        if swallowed == 1:
                            continue  # as a gc callback would: ignored, the work goes on
                        raise
        except FileTimeout:
            return swallowed, time.monotonic() - started
        return swallowed, time.monotonic() - started

    with ThreadPoolExecutor(1) as pool:
        swallowed, elapsed = pool.submit(body).result()
    assert swallowed == 2
    assert 0.1 <= elapsed < 2.0


def test_the_time_limit_also_holds_in_worker_processes(tmp_path: Path) -> None:
    for n in range(40):  # enough files for the process pool
        write(tmp_path, f"pkg/m{n:02d}.js", CLEAN_JS.replace("fetchWithRetry", f"fetch{n}"))
    write(tmp_path, "pkg/slow.js", "function slow() {\n" + "".join(f"  v = v + {i};\n" for i in range(60_000)) + "}\n")
    proc = run_dupfinder("scan", str(tmp_path), "--jobs", "2", "-q", "--file-timeout", "0.2")
    assert proc.returncode == 0, proc.stderr
    assert skipped_lines(proc.stdout) == {"pkg/slow.js": "timed out (over the limit of 0.2 s per file)"}
    assert "scanned 40 files" in proc.stdout


def test_time_limit_restores_an_outer_timer_and_also_holds_off_the_main_thread() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        with pytest.raises(FileTimeout), time_limit(0.05):
            while True:
                pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 4.0 < left < 5.0  # the outer timer runs on
        assert fired == []
        signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # in another thread (as in a Dask worker) the limit holds too, and nothing strikes after the block
    seen: list[str] = []

    def in_thread() -> None:
        try:
            with time_limit(0.05):
                while True:
                    pass
        except FileTimeout:
            seen.append("timed out")
        with time_limit(0.05):
            seen.append("quick")
        time.sleep(0.2)
        seen.append("after")

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(10)
    assert seen == ["timed out", "quick", "after"]


# -- nesting that breaks recursive parsers and visitors --------------------------------------------

DEPTH = 100_000


def deep_sources() -> dict[str, str]:
    """Code nested DEPTH levels deep in each language, plus Python shapes that crash or stall libcst."""
    parens = "(" * DEPTH + "1" + ")" * DEPTH
    blocks = "{" * DEPTH + "}" * DEPTH
    lines = "\n".join  # keep every line short, or the file is taken for minified

    def split(text: str) -> str:
        return lines(text[i : i + 1000] for i in range(0, len(text), 1000))

    broken = "\n\ndef broken(:\n    pass\n"
    return {
        "deep.js": "function deep() {\n  return "
        + split(parens)
        + ";\n}\nfunction blocks() {\n"
        + split(blocks)
        + "\n}\n",
        "deep.ts": "function deep(): number {\n  return " + split(parens) + ";\n}\n",
        "Deep.java": "class Deep {\n  int deep() {\n    return " + split(parens) + ";\n  }\n}\n",
        "deep.go": "package deep\n\nfunc deep() int {\n\treturn " + split(parens) + "\n}\n",
        "deep_parens.py": "x = " + split(parens) + "\n",
        "deep_parens_broken.py": "x = " + split(parens) + "\n" + broken,
        "long_chain_broken.py": "x = (\n" + split(" + ".join(["1"] * 20_000)) + "\n)\n" + broken,
        "long_calls_broken.py": "x = (f\n" + split("()" * 20_000) + "\n)\n" + broken,
        "lambdas_broken.py": "f = (\n" + split("lambda: " * 20_000) + "\nNone)\n" + broken,
        "elifs_broken.py": "if a:\n    pass\n" + "elif a:\n    pass\n" * 20_000 + broken,
    }


def test_deep_nesting_never_crashes_a_parser(tmp_path: Path) -> None:
    write(tmp_path, "retry.py", CLEAN_PY)
    write(tmp_path, "copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    for name, text in deep_sources().items():
        write(tmp_path, f"deep/{name}", text)
    proc = run_dupfinder("scan", str(tmp_path), "--jobs", "1", "-q", "--format", "json", timeout=150)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    skipped = {s["path"]: s["reason"] for s in report["stats"]["skipped"]}
    # the files libcst would have to parse are refused before they reach it...
    assert skipped["deep/deep_parens_broken.py"].startswith("unparseable: nested too deeply (over 200 levels")
    assert skipped["deep/long_chain_broken.py"].startswith("unparseable: expression too long to parse")
    assert skipped["deep/long_calls_broken.py"].startswith("unparseable: expression too long to parse")
    assert skipped["deep/lambdas_broken.py"].startswith("unparseable: nested too deeply (over 200 lambdas")
    assert skipped["deep/elifs_broken.py"].startswith("unparseable: nested too deeply (over 1000 elif")
    # ...the rest parse (iteratively) or are skipped with a reason; the good code is intact
    assert all(reason for reason in skipped.values())
    assert report["stats"]["files"] + len(skipped) == len(deep_sources()) + 2
    assert [sorted(i["path"] for i in c["instances"]) for c in report["clusters"]] == [["copy.py", "retry.py"]]


# -- the file system ----------------------------------------------------------------------------


def test_symlink_loops_and_links_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "pkg/retry.py", CLEAN_PY)
    write(root, "pkg/copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    write(tmp_path, "outside/secret.py", CLEAN_PY.replace("fetch_with_retry", "secret"))
    os.symlink("..", root / "pkg" / "up")  # a folder loop
    os.symlink("self.py", root / "self.py")  # a file linked to itself
    os.symlink("b.py", root / "a.py")  # two links to each other
    os.symlink("a.py", root / "b.py")
    os.symlink("missing.py", root / "dangling.py")
    os.symlink(tmp_path / "outside", root / "escape")  # out of the root: a folder and a file
    os.symlink(tmp_path / "outside" / "secret.py", root / "secret.py")
    os.symlink("/dev/zero", root / "zero.py")
    os.mkfifo(root / "pipe.py")  # a FIFO with a source ending: opening it would block
    os.symlink("pipe.py", root / "pipe_link")  # ...and a link to it without an ending (read for a #! line)
    os.mkfifo(root / "pipe-without-ending")
    proc = run_dupfinder("scan", str(root), "--jobs", "1", "-q", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert skipped_lines(proc.stdout) == {
        "a.py": "symlink loop",
        "b.py": "symlink loop",
        "dangling.py": "broken symlink",
        "escape": "symlink points outside the scanned root",
        "pipe.py": "not a regular file",
        "pkg/up": "symlink loop (directory already scanned)",
        "secret.py": "symlink points outside the scanned root",
        "self.py": "symlink loop",
        "zero.py": "symlink points outside the scanned root",
    }
    assert "scanned 2 files" in proc.stdout
    # no path in any report leaves the root
    report = json_report(str(root))
    paths = [i["path"] for c in report["clusters"] for i in c["instances"]]
    paths += [s["path"] for s in report["stats"]["skipped"]]
    assert paths and all(not p.startswith(("/", "..")) and ".." not in p.split("/") for p in paths)
    assert all(os.path.realpath(root / p).startswith(str(root)) for p in paths if not os.path.islink(root / p))
    assert "secret" not in json.dumps(report["clusters"])


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder any user can enter (tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="dupfinder-hostile-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for p in [path, *path.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(path)


def scan_as_unprivileged_user(root: Path) -> dict[str, str]:
    """path -> reason of each skip, from a scan run where permissions apply.

    As root, permissions do not stop reads, so the scan runs in a forked child
    that has become ``nobody`` (everything it needs is imported already: the
    interpreter's own files may be out of nobody's reach).
    """
    config = ScanConfig(jobs=1)
    as_is = {s.path: s.reason for s in scan([str(root)], config).stats.skipped}
    if os.geteuid() != 0:
        return as_is
    read_end, write_end = os.pipe()  # the scan above imported all the child needs
    with warnings.catch_warnings():  # newer Pythons warn about fork() in a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: drop privileges, scan, report, leave without cleanup handlers
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = scan([str(root)], config)
            with os.fdopen(write_end, "w") as out:
                json.dump({s.path: s.reason for s in result.stats.skipped}, out)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    reasons: dict[str, str] = json.loads(data)
    return reasons


def test_unreadable_files_folders_and_gitignore(world_readable_dir: Path) -> None:
    root = world_readable_dir
    write(root, "ok/retry.py", CLEAN_PY)
    write(root, "ok/copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    write(root, "locked.py", CLEAN_PY).chmod(0o000)
    write(root, "private/inside.py", CLEAN_PY)
    (root / "private").chmod(0o000)
    write(root, "gi/.gitignore", "*.py\n").chmod(0o000)
    write(root, "gi/kept.py", "x = 1\n")
    reasons = scan_as_unprivileged_user(root)
    assert reasons == {
        "gi/.gitignore": "unreadable .gitignore (Permission denied), not applied",
        "locked.py": "unreadable (Permission denied)",
        "private": "unreadable directory (Permission denied)",
    }


def test_files_deleted_truncated_or_replaced_while_the_scan_runs(tmp_path: Path) -> None:
    write(tmp_path, "a/retry.py", CLEAN_PY)
    write(tmp_path, "a/copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    write(tmp_path, "a/later_deleted.py", CLEAN_PY.replace("fetch_with_retry", "fetch_late"))
    for name in ("deleted", "truncated", "now_a_dir", "now_a_fifo", "grown"):
        write(tmp_path, f"b/{name}.py", CLEAN_PY.replace("fetch_with_retry", name))
    config = ScanConfig(jobs=1, max_file_bytes=100_000)
    disc = discover([str(tmp_path)], config)
    # between discovery and reading
    (tmp_path / "b/deleted.py").unlink()
    (tmp_path / "b/truncated.py").write_text("def f(\n")
    (tmp_path / "b/now_a_dir.py").unlink()
    (tmp_path / "b/now_a_dir.py").mkdir()
    (tmp_path / "b/now_a_fifo.py").unlink()
    os.mkfifo(tmp_path / "b/now_a_fifo.py")
    (tmp_path / "b/grown.py").write_text(CLEAN_PY * 200)

    # and between analysis and the excerpts read for the report: the last parse step deletes a copy
    def progress(stage: str, done: int, total: int) -> None:
        if stage == "parse" and done == total:
            (tmp_path / "a/later_deleted.py").unlink()

    result = scan_discovered(disc, config, progress)
    reasons = {s.path: s.reason for s in result.stats.skipped}
    assert reasons == {
        "b/deleted.py": "unreadable (No such file or directory)",
        "b/grown.py": "too large (over 100000 bytes)",
        "b/now_a_dir.py": "unreadable (not a regular file)",
        "b/now_a_fifo.py": "unreadable (not a regular file)",
        "b/truncated.py": "unparseable: syntax error at line 1",
    }
    (cluster,) = result.clusters
    by_path = {i.path: i for i in cluster.instances}
    assert sorted(by_path) == ["a/copy.py", "a/later_deleted.py", "a/retry.py"]
    assert by_path["a/later_deleted.py"].code == ""  # gone: no excerpt, no crash
    assert "def fetch_copy" in by_path["a/copy.py"].code


def test_an_empty_repository_and_a_missing_path(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    res = invoke("scan", str(tmp_path / "empty"), "-q")
    assert res.exit_code == 0
    assert res.stdout == "dupfinder: 0 clusters, 0 lines in copies; scanned 0 files, 0 units, 0 lines; 0 skipped\n"
    write(tmp_path, "only-tooling/.git/hooks/pre-commit.py", CLEAN_PY)
    write(tmp_path, "only-tooling/node_modules/x/index.js", CLEAN_JS)
    res = invoke("scan", str(tmp_path / "only-tooling"), "-q")
    assert res.exit_code == 0 and "scanned 0 files" in res.stdout
    res = invoke("scan", str(tmp_path / "missing"), "-q")
    assert res.exit_code == 2
    assert res.output == f"dupfinder: error: path does not exist: {tmp_path / 'missing'}\n"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    res = invoke("scan", str(fifo), "-q")
    assert res.exit_code == 2 and res.output == f"dupfinder: error: not a file or directory: {fifo}\n"


def test_a_binary_file_given_as_the_root(tmp_path: Path) -> None:
    blob = tmp_path / "blob.py"
    blob.write_bytes(bytes(range(256)) * 4)
    res = invoke("scan", str(blob), "-q")
    assert res.exit_code == 0
    assert skipped_lines(res.stdout) == {"blob.py": "binary file"}


def test_names_that_are_not_utf8_or_hold_control_characters(tmp_path: Path) -> None:
    write(tmp_path, "retry.py", CLEAN_PY)
    write(tmp_path, "copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    base = os.fsencode(tmp_path)
    with open(base + b"/caf\xe9.py", "wb") as fh:  # Latin-1 name
        fh.write(CLEAN_PY.encode())
    write(tmp_path, "evil\nsrc/fake.py: skipped: forged.py", CLEAN_PY)  # a newline would forge report lines
    write(tmp_path, "spoof\u202eyp.py", CLEAN_PY)  # a right-to-left override reverses what is shown
    write(tmp_path, "notes\x1b[2J.txt", "not source code, not reported\n")
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q")
    assert res.exit_code == 0
    assert skipped_lines(res.stdout) == {
        "caf\\xe9.py": "name is not valid UTF-8",
        "evil\\nsrc": "name has control or invisible characters",
        "spoof\\u202eyp.py": "name has control or invisible characters",
    }
    assert "forged" not in res.stdout and "\x1b" not in res.stdout
    report = json_report(str(tmp_path))
    assert [sorted(i["path"] for i in c["instances"]) for c in report["clusters"]] == [["copy.py", "retry.py"]]


def test_invalid_gitignore_lines_are_reported_and_the_rest_applied(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "generated.py\n!\n[z-a].py\n\\\n")
    write(tmp_path, "generated.py", CLEAN_PY)
    write(tmp_path, "retry.py", CLEAN_PY)
    res = invoke("scan", str(tmp_path), "--jobs", "1", "-q")
    assert res.exit_code == 0
    skips = skipped_lines(res.stdout)
    assert sorted(skips) == [".gitignore"]  # one line per bad pattern, all for this file
    lines = [line for line in res.stdout.splitlines() if line.startswith(".gitignore: skipped: ")]
    assert [re.sub(r" \(.*", "", line) for line in lines] == [
        f".gitignore: skipped: invalid pattern on line {n} not applied" for n in (2, 3, 4)
    ]
    assert "scanned 1 files" in res.stdout  # generated.py is still ignored
    res = invoke("scan", str(tmp_path), "--exclude", "!", "-q")
    assert res.exit_code == 2
    assert res.output.startswith("dupfinder: error: invalid --exclude pattern '!'") and res.output.count("\n") == 1


# -- 100,000 tiny files ---------------------------------------------------------------------------


def test_a_root_with_100000_tiny_files(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for d in range(1_000):  # made with raw system calls: pathlib would take longer than the scan
        folder = os.fsencode(root / f"pkg{d:03d}")
        os.makedirs(folder)
        for f in range(100):
            fd = os.open(folder + b"/m%02d.py" % f, os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"X = %d\n" % f)
            os.close(fd)
    write(root, "pkg000/retry.py", CLEAN_PY)
    write(root, "pkg999/copy.py", CLEAN_PY.replace("fetch_with_retry", "fetch_copy"))
    # without the cache (whose own behaviour at scale tests/test_cache.py covers): discovery and analysis only
    proc = run_dupfinder("scan", str(root), "--jobs", "2", "--no-cache", "-q", timeout=170)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("scanned 100002 files, 2 units, 100040 lines; 0 skipped\n"), proc.stdout[-300:]
    assert "pkg000/retry.py:" in proc.stdout


# -- errors and options -------------------------------------------------------------------------


def test_an_internal_error_shows_a_traceback_only_with_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "retry.py", CLEAN_PY)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("dupfinder.reporters.text.write", broken)  # a bug in a reporter, say
    res = CliRunner().invoke(cli, ["scan", str(tmp_path), "-q", "--jobs", "1"])
    assert res.exit_code == 3
    assert res.output == "dupfinder: internal error: RuntimeError: simulated bug (run with --debug for a traceback)\n"
    res = CliRunner().invoke(cli, ["--debug", "scan", str(tmp_path), "-q", "--jobs", "1"])
    assert res.exit_code == 3
    assert "Traceback (most recent call last)" in res.stderr and "simulated bug" in res.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--file-timeout", "-1", "--file-timeout must be 0 (no limit) or more seconds, got -1.0"),
        ("--file-timeout", "nan", "--file-timeout must be 0 (no limit) or more seconds, got nan"),
        ("--max-file-lines", "0", "--max-file-lines must be at least 1, got 0"),
        ("--max-line-length", "0", "--max-line-length must be at least 1, got 0"),
        ("--max-file-size", "-5", "--max-file-size must be at least 1, got -5"),
    ],
)
def test_limits_are_validated_up_front(tmp_path: Path, option: str, value: str, message: str) -> None:
    res = invoke("scan", str(tmp_path), option, value, "-q")
    assert res.exit_code == 2
    assert res.output == f"dupfinder: error: {message}\n"


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc, a folder nobody can write to")
def test_an_unwritable_report_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, "retry.py", CLEAN_PY)
    res = invoke("scan", str(tmp_path), "-q", "-o", "/proc/report.json")
    assert res.exit_code == 2
    assert res.output == "dupfinder: error: cannot write /proc/report.json: No such file or directory\n"


def test_yaml_files_are_loaded_safely_and_malformed_ones_name_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "code/retry.py", CLEAN_PY)
    marker = tmp_path / "executed"
    rules = tmp_path / "rules"
    write(rules, "ignores.yaml", f"ignores:\n  - !!python/object/apply:os.system ['touch {marker}']\n")
    res = invoke("scan", str(tmp_path / "code"), "--rules", str(rules), "-q")
    assert res.exit_code == 2 and not marker.exists()
    assert res.output.startswith(f"dupfinder: error: {rules / 'ignores.yaml'}:2: ") and res.output.count("\n") == 1
    write(rules, "ignores.yaml", "ignores:\n  - id: x\n    paths: [unclosed\n")
    res = invoke("scan", str(tmp_path / "code"), "--rules", str(rules), "-q")
    assert res.exit_code == 2 and res.output.startswith(f"dupfinder: error: {rules / 'ignores.yaml'}:")
    teams = write(tmp_path, "teams.yaml", "teams:\n  billing: [services/billing/\n")
    res = invoke("scan", str(tmp_path / "code"), "--teams", str(teams), "-q")
    assert res.exit_code == 2 and res.output.startswith(f"dupfinder: error: {teams}:") and res.output.count("\n") == 1


def test_skip_reasons_are_one_printable_line() -> None:
    from dupfinder.analyse.file import _skip

    reason = _skip("x.py", "parser said:\n  \x1b[31mboom\x1b[0m\n" + "x" * 1000).skip
    assert reason is not None
    assert "\n" not in reason.reason and "\x1b" not in reason.reason and len(reason.reason) == 300
    assert reason.reason.startswith("parser said: \\x1b[31mboom\\x1b[0m x")


def test_output_into_a_closed_pipe_is_not_an_internal_error() -> None:
    """``dupfinder scan . | head``: when the reader has gone, no traceback and no "internal error"."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        # (one team per top folder: all of it one team would be worth a warning on stderr)
        proc = subprocess.run([sys.executable, "-m", "dupfinder", "scan", str(HOSTILE), "-q", "--jobs", "1",
                               "--team-fallback", "depth:1"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, check=False)  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141


def test_regular_file_check_uses_the_file_not_its_name(tmp_path: Path) -> None:
    """A folder named like a source file is walked into, not read."""
    write(tmp_path, "weird.py/inner.py", CLEAN_PY)
    write(tmp_path, "retry.py", CLEAN_PY.replace("fetch_with_retry", "fetch_outer"))
    result = scan([str(tmp_path)], ScanConfig(jobs=1))
    assert result.stats.skipped == ()
    assert [sorted(i.path for i in c.instances) for c in result.clusters] == [["retry.py", "weird.py/inner.py"]]
    assert stat.S_ISDIR(os.stat(tmp_path / "weird.py").st_mode)
