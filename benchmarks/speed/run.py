#!/usr/bin/env python3
"""dupfinder's speed and memory against jscpd 5, jscpd 4 and pylint's symilar, on a real corpus.

One run does everything, on one machine, so every number in the table can be
compared with every other:

1. **Corpus**: pinned sdists of popular Python packages, downloaded with
   ``pip download --no-deps --no-binary :all: NAME==VERSION`` and unpacked
   side by side, one folder per package, as if each were a team's
   repository (vendored copies inside pip and setuptools included: real
   cross-team duplication).  Only the ``.py`` files dupfinder's default
   discovery keeps are kept, so every tool reads exactly the same files.
   Nested slices of 1/4 and 1/2 of the files (chosen by a hash of the path)
   measure how time and memory grow; the 1/4 slice is also the "small" corpus
   every tool runs on.
2. **Tools**: jscpd 5 (the native Rust build, ``jscpd@5.3.3`` with
   ``jscpd-linux-x64-gnu@5.3.3``) and jscpd 4 (Node) from the npm registry
   into ``work/``; pylint (for ``symilar``, pylint's duplicate-code checker)
   into a virtual environment in ``work/``.
3. **Runs**, in ``--rounds`` rounds (3 by default) that alternate which tool goes first (the first
   run of a round meets a colder page cache), the tables showing each run's median wall and CPU
   time and its highest peak memory: jscpd 5 cold; dupfinder cold (empty cache), warm (nothing
   changed), after a one-file change (``scan``: a renamed, edited copy of a function appended to
   one file, as a pull request would), and ``dupfinder ci --base main`` on a git repository of
   the corpus whose branch ``change`` commits that change, with a cache that a scan of ``main``
   filled (a fresh copy of it each round).  Then once: jscpd 4 (``--skip-jscpd4`` leaves it out)
   and symilar with their default settings, symilar stopped at ``--pylint-cap`` seconds (by default
   21 times dupfinder's cold wall time on the same corpus: long enough to
   decide the "20 times faster" target, short enough not to wait an hour).  Each run is a
   subprocess: wall time, CPU time (user + system of the process and all its
   children, from ``wait4``) and peak memory (the resident set of the whole
   process tree, sampled every 50 ms with psutil).
4. **Findings**: clusters (dupfinder) or clone pairs (jscpd, symilar), and
   how much of what each other tool reports dupfinder also reports (a clone
   counts when a dupfinder cluster holds copies overlapping both of its
   sides), and which dupfinder pairs no other tool reports, split into
   renamed (same normalised tokens) and edited (different) copies.

Writes ``benchmarks/speed/RESULTS.md`` (and ``work/results.json``) with the
machine it ran on.  Not run in CI: it downloads about 40 MB and takes tens of
minutes.

    python benchmarks/speed/run.py                 # everything
    python benchmarks/speed/run.py --skip-pylint   # without symilar (the slowest tool)
    python benchmarks/speed/run.py --skip-pylint --skip-jscpd4 --rounds 3   # the targets' runs only
    python benchmarks/speed/run.py --only-corpus   # download and unpack, print the sizes
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORK = HERE / "work"  # gitignored

#: (name, version): popular pure-Python packages, about one million lines of .py together
PACKAGES: tuple[tuple[str, str], ...] = (
    ("Django", "5.1.4"),
    ("pip", "24.3.1"),
    ("setuptools", "75.6.0"),
    ("pytest", "8.3.4"),
    ("celery", "5.4.0"),
    ("requests", "2.32.3"),
    ("flask", "3.1.0"),
    ("click", "8.1.7"),
    ("jinja2", "3.1.4"),
    ("werkzeug", "3.1.3"),
    ("httpx", "0.28.1"),
    ("rich", "13.9.4"),
)
JSCPD5 = ("jscpd@5.3.3", "jscpd-linux-x64-gnu@5.3.3")
JSCPD4 = ("jscpd@4.3.0",)
PYLINT = "pylint==3.3.2"
SLICES = (("1/4", 64), ("1/2", 128))  # (name, first hash byte below this)
#: the file a pull request changes, and the function copied into it (renamed, one line edited)
CHANGED_FILE = "requests-2.32.3/src/requests/utils.py"


#: the full corpus as the scripts beside this one find it (``run.py --only-corpus`` builds it)
FULL_CORPUS = WORK / "corpus" / "full"


def add_corpus_argument(ap: argparse.ArgumentParser) -> None:
    """The optional PATH argument of the scripts beside this one: the corpus they scan."""
    ap.add_argument("path", nargs="?", type=Path, default=FULL_CORPUS,
                    help="folder to scan (default: the speed benchmark's full corpus)")  # fmt: skip


def no_corpus(path: Path) -> bool:
    """Whether ``path`` is not a folder (and says how to build the corpus)."""
    if path.is_dir():
        return False
    print(f"{path}: no such folder (run benchmarks/speed/run.py --only-corpus first)", file=sys.stderr)
    return True


COPIED_FROM = ("werkzeug-3.1.3/src/werkzeug/utils.py", "secure_filename")


# -- corpus ------------------------------------------------------------------------------------


def download(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    for name, version in PACKAGES:
        have = [p for p in dest.iterdir() if _sdist_of(p, name, version)]
        if not have:
            print(f"  pip download {name}=={version}", flush=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                            "-d", str(dest), f"{name}=={version}"], check=True)  # fmt: skip
            have = [p for p in dest.iterdir() if _sdist_of(p, name, version)]
        found.append(have[0])
    return found


def _sdist_of(path: Path, name: str, version: str) -> bool:
    stem = path.name.lower().replace("_", "-")
    return stem.startswith(f"{name.lower()}-{version}.") and path.name.endswith((".tar.gz", ".zip"))


def unpack(sdists: Sequence[Path], dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for sdist in sdists:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as zf:
                for info in zf.infolist():
                    if info.filename.endswith(".py"):
                        zf.extract(info, dest)
        else:
            with tarfile.open(sdist) as tf:
                members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(".py")]
                tf.extractall(dest, members=members, filter="data")


def keep_only_discovered(root: Path) -> list[str]:
    """Delete what dupfinder's default discovery would not analyse; return the kept files (relative)."""
    from dupfinder.config import ScanConfig
    from dupfinder.discover.walk import discover

    kept = {f.path for f in discover([str(root)], ScanConfig()).files}
    for path in sorted(root.rglob("*"), reverse=True):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(kept)


def make_slice(full: Path, dest: Path, files: Sequence[str], below: int) -> list[str]:
    if dest.exists():
        shutil.rmtree(dest)
    chosen = [f for f in files if hashlib.blake2b(f.encode(), digest_size=8).digest()[0] < below]
    for rel in chosen:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(full / rel, target)
    return chosen


def count_lines(root: Path, files: Sequence[str]) -> int:
    return sum((root / f).read_bytes().count(b"\n") for f in files)


# -- tools -------------------------------------------------------------------------------------


def install_tools(work: Path, *, jscpd4: bool = True, pylint: bool = True) -> dict[str, list[str]]:
    tools: dict[str, list[str]] = {}
    npm = shutil.which("npm")
    if npm is None:
        print("  npm not found: jscpd is skipped", flush=True)
    else:
        wanted = [("jscpd 5", JSCPD5)] + ([("jscpd 4", JSCPD4)] if jscpd4 else [])
        for key, packages in wanted:
            prefix = work / "tools" / key.replace(" ", "")
            binary = prefix / "node_modules" / ".bin" / "jscpd"
            if not binary.exists():
                print(f"  npm install {' '.join(packages)}", flush=True)
                subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", *packages],
                               check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            tools[key] = [str(binary)]
    if not pylint:
        return tools
    venv = work / "tools" / "pylint-venv"
    symilar = venv / "bin" / "symilar"
    if not symilar.exists():
        print(f"  pip install {PYLINT} (in {venv})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PYLINT], check=True)
    tools["symilar"] = [str(symilar)]
    return tools


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    corpus: str
    wall: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    found: int | None = None  #: clusters (dupfinder) or clone pairs (the others)
    rc: int = 0
    timed_out: bool = False
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def measure(cmd: Sequence[str], cwd: Path, log: Path, timeout: float | None = None,
            env: dict[str, str] | None = None) -> tuple[float, float, float, int, bool]:  # fmt: skip
    """(wall s, CPU s of the process tree, peak memory of the tree in MB, exit status, timed out)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with dask[distributed]
        psutil = None
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env=env)  # fmt: skip
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            if psutil is None:
                return
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                total = 0
                try:
                    for p in [root, *root.children(recursive=True)]:
                        try:
                            # PSS: pages shared by forked workers count once, split between them
                            info = p.memory_full_info()
                            total += getattr(info, "pss", info.rss)
                        except psutil.Error:
                            pass
                except psutil.Error:
                    pass
                peak = max(peak, total)
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = (peak or usage.ru_maxrss * 1024) / 2**20
    return wall, usage.ru_utime + usage.ru_stime, peak_mb, proc.returncode, timed_out


#: the dupfinder measured: a copy of the checkout's source taken when the run starts, so that
#: edits made meanwhile neither change the code under test nor invalidate its cache
FROZEN = WORK / "frozen"


def freeze_source() -> dict[str, str]:
    if FROZEN.exists():
        shutil.rmtree(FROZEN)
    shutil.copytree(REPO / "src" / "dupfinder", FROZEN / "src" / "dupfinder",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(REPO / "rules", FROZEN / "rules")
    git = shutil.which("git")
    info = {"source": "a copy of src/dupfinder taken at the start of the run"}
    if git:
        head = subprocess.run([git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run([git, "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True, text=True)
        changed = len(dirty.stdout.splitlines())
        info["commit"] = head.stdout.strip() + (f" (+{changed} changed files under src/)" if changed else "")
    return info


def frozen_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(FROZEN / "src")
    return env


def dupfinder_cmd(corpus: Path, out: Path, cache: Path | None, index_threshold: float | None = None) -> list[str]:
    args = ["scan", str(corpus), "-q", "--format", "json", "-o", str(out)]
    args += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    if index_threshold is None:
        return [sys.executable, "-m", "dupfinder", *args]
    # an experiment, not a setting users have: the LSH index threshold replaced for this run
    code = ("import sys, dupfinder.similarity.index as i, dupfinder.pipeline as s\n"
            f"i.lsh_threshold = s.lsh_threshold = lambda t: {index_threshold}\n"
            "from dupfinder.cli.app import main\nsys.argv[0] = 'dupfinder'\nmain()")  # fmt: skip
    return [sys.executable, "-c", code, *args]


def run_dupfinder(label: str, corpus: Path, name: str, logs: Path, cache: Path | None,
                  index_threshold: float | None = None) -> tuple[Run, dict[str, Any]]:  # fmt: skip
    out = logs / f"dupfinder-{name}-{label}.json".replace("/", "_").replace(" ", "_")
    cmd = dupfinder_cmd(corpus, out, cache, index_threshold)
    wall, cpu, peak, rc, _ = measure(cmd, corpus, out.with_suffix(".log"), env=frozen_env())
    report = json.loads(out.read_text()) if rc == 0 and out.exists() else {}
    run = Run(f"dupfinder {label}", name, wall, cpu, peak, len(report.get("clusters", [])) if report else None, rc)
    if report:
        run.extra = {"files": report["stats"]["files"], "units": report["stats"]["units"],
                     "lines": report["stats"]["lines"]}  # fmt: skip
    else:
        run.note = f"failed (exit {rc}): see {out.with_suffix('.log').relative_to(HERE)}"
    print(f"    {run.tool:34s} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB  {run.found} clusters", flush=True)
    return run, report


def ci_repo(corpus: Path, dest: Path) -> Path:
    """A git repository of ``corpus``: branch ``main`` as it is, branch ``change`` with the one-file change
    committed on top (a pull request); left on ``main``."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("git not found: the one-file ci run needs it")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(corpus, dest)

    def run(*args: str) -> None:
        subprocess.run([git, "-c", "user.name=bench", "-c", "user.email=bench@example.org", *args], cwd=dest,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    run("init", "-q", "-b", "main")
    run("add", "-A")
    run("commit", "-q", "-m", "base")
    run("checkout", "-q", "-b", "change")
    change_one_file(dest)
    run("commit", "-q", "-a", "-m", "a renamed, edited copy of a function")
    run("checkout", "-q", "main")
    return dest


def prime_ci_cache(repo: Path, cache: Path, logs: Path, name: str) -> None:
    """Fill ``cache`` with a scan of ``main`` (what the CI job of the main branch leaves), then check out
    ``change``."""
    shutil.rmtree(cache, ignore_errors=True)
    out = logs / f"dupfinder-{name}-ci-prime.json".replace("/", "_")
    measure(dupfinder_cmd(repo, out, cache), repo, out.with_suffix(".log"), env=frozen_env())
    subprocess.run(["git", "checkout", "-q", "change"], cwd=repo, check=True)


def run_ci(repo: Path, primed: Path, cache: Path, name: str, logs: Path) -> Run:
    """``dupfinder ci --base main`` on the ``change`` branch, with a copy of the primed cache."""
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(primed, cache)
    out = logs / f"dupfinder-{name}-ci.sarif".replace("/", "_")
    cmd = [sys.executable, "-m", "dupfinder", "ci", ".", "--base", "main", "-q", "--format", "sarif", "-o", str(out),
           "--cache-dir", str(cache)]  # fmt: skip
    wall, cpu, peak, rc, _ = measure(cmd, repo, out.with_suffix(".log"), env=frozen_env())
    found = None
    if rc in (0, 1) and out.exists():  # 1: the gate fails (the change adds a copy)
        found = sum(len(r.get("results", [])) for r in json.loads(out.read_text()).get("runs", []))
    run = Run("dupfinder one-file ci", name, wall, cpu, peak, found, rc)
    if found is None:
        run.note = f"failed (exit {rc}): see {out.with_suffix('.log').relative_to(HERE)}"
    print(f"    {run.tool:34s} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB  {found} findings", flush=True)
    return run


def median_run(runs: Sequence[Run]) -> Run:
    """One row for repeated runs of one tool: median wall and CPU time, the highest peak memory."""
    walls = sorted(r.wall for r in runs)
    cpus = sorted(r.cpu for r in runs)
    mid = len(runs) // 2

    def median(xs: list[float]) -> float:
        return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2

    first = runs[0]
    notes = [r.note for r in runs if r.note]
    out = Run(first.tool, first.corpus, median(walls), median(cpus), max(r.peak_mb for r in runs), first.found,
              max(r.rc for r in runs), any(r.timed_out for r in runs), "; ".join(dict.fromkeys(notes)),
              first.extra)  # fmt: skip
    if len(runs) > 1:
        out.note = (f"median of {len(runs)}: " + " / ".join(f"{r.wall:.1f}" for r in runs) + " s"
                    + (f"; {out.note}" if out.note else ""))  # fmt: skip
    return out


def run_jscpd(key: str, cmd: list[str], corpus: Path, name: str, logs: Path, cap: float) -> tuple[Run, list[Any]]:
    outdir = logs / f"{key.replace(' ', '')}-{name.replace('/', '_')}"
    shutil.rmtree(outdir, ignore_errors=True)
    # the corpus by its absolute path: jscpd 4 finds no file under "."
    if key == "jscpd 5":
        args = [*cmd, "-f", "python", "-r", "json", "-o", str(outdir), str(corpus)]
    else:
        # --no-gitignore: the corpus lives under a git-ignored folder, which jscpd 4 would skip whole
        args = [*cmd, "--format", "python", "--reporters", "json", "--output", str(outdir), "--silent",
                "--no-gitignore", str(corpus)]  # fmt: skip
    wall, cpu, peak, rc, timed_out = measure(args, corpus, outdir.with_suffix(".log"), cap)
    report_file = outdir / "jscpd-report.json"
    dups = json.loads(report_file.read_text())["duplicates"] if report_file.exists() else []
    run = Run(key, name, wall, cpu, peak, len(dups) if report_file.exists() else None, rc, timed_out)
    if timed_out:
        run.note = f"stopped at the {cap:.0f} s cap"
    print(f"    {key:34s} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB  {run.found} clone pairs", flush=True)
    return run, dups


_SYMILAR_FILE = re.compile(r"^==(.+):\[(\d+):(\d+)\]$")


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return False
    return True


def run_symilar(cmd: list[str], corpus: Path, files: Sequence[str], name: str, logs: Path,
                cap: float) -> tuple[Run, list[list[tuple[str, int, int]]]]:  # fmt: skip
    # symilar stops at the first file Python cannot parse (Django ships a deliberately broken test
    # file): it gets the files ast.parse accepts, which dupfinder also analyses
    parsable = [f for f in files if _parses(corpus / f)]
    # pylint's duplicate-code defaults: 4 lines, comments, docstrings, imports and signatures ignored
    args = [*cmd, "-d", "4", "-i", "--ignore-docstrings", "--ignore-imports", "--ignore-signatures", *parsable]
    log = logs / f"symilar-{name.replace('/', '_')}.log"
    wall, cpu, peak, rc, timed_out = measure(args, corpus, log, cap)
    blocks: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    for line in log.read_text(errors="replace").splitlines():
        m = _SYMILAR_FILE.match(line.strip())
        if m:
            current.append((m.group(1), int(m.group(2)) + 1, int(m.group(3))))  # [start:end) 0-based
        elif current:
            blocks.append(current)
            current = []
    pairs = [[b[0], other] for b in blocks for other in b[1:]]
    run = Run("pylint symilar", name, wall, cpu, peak, None if timed_out else len(pairs), rc, timed_out)
    run.note = f"{len(files) - len(parsable)} file(s) Python cannot parse left out"
    if timed_out:
        run.note += f"; stopped at the {cap:.0f} s cap, nothing reported"
    elif rc != 0:
        run.note += f"; failed (exit {rc}): see {log.relative_to(HERE)}"
    print(f"    {'pylint symilar':34s} {wall:8.1f} s wall {cpu:8.1f} s CPU {peak:7.0f} MB  {run.found} clone pairs",
          flush=True)  # fmt: skip
    return run, pairs  # type: ignore[return-value]


# -- findings ----------------------------------------------------------------------------------


def _norm(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/").removeprefix("./")


Span = tuple[str, int, int]  #: (path, first line, last line)


def compare(report: dict[str, Any], others: dict[str, list[tuple[Span, Span]]]) -> dict[str, Any]:
    """How much of each tool's clones dupfinder reports, and the dupfinder pairs none of them reports."""
    where: dict[str, list[tuple[int, int, int]]] = {}  # path -> (start, end, cluster number)
    for n, cluster in enumerate(report.get("clusters", [])):
        for inst in cluster["instances"]:
            where.setdefault(inst["path"], []).append((inst["start_line"], inst["end_line"], n))

    def clusters_at(path: str, start: int, end: int) -> set[int]:
        return {c for s, e, c in where.get(path, ()) if s <= end and start <= e}

    out: dict[str, Any] = {}
    for tool, pairs in others.items():
        both = sum(1 for a, b in pairs if clusters_at(*a) & clusters_at(*b))
        long = [(a, b) for a, b in pairs if min(a[2] - a[1], b[2] - b[1]) + 1 >= 10]
        both_long = sum(1 for a, b in long if clusters_at(*a) & clusters_at(*b))
        out[tool] = {"pairs": len(pairs), "also_dupfinder": both, "long_pairs": len(long), "long_also": both_long}
    # dupfinder's pairs (each copy with its cluster's representative) that no other tool reports
    spans: dict[str, list[tuple[int, int]]] = {}
    for pairs in others.values():
        for a, b in pairs:
            for path, s, e in (a, b):
                spans.setdefault(path, []).append((s, e))

    def seen(inst: dict[str, Any]) -> bool:
        # another tool flags at least half of this copy's lines
        lines = set(range(inst["start_line"], inst["end_line"] + 1))
        covered = {x for s, e in spans.get(inst["path"], ()) for x in range(s, e + 1)} & lines
        return len(covered) * 2 >= len(lines)

    renamed = edited = total = 0
    for cluster in report.get("clusters", []):
        rep, *rest = cluster["instances"]
        for inst in rest:
            total += 1
            if seen(rep) and seen(inst):
                continue
            if inst.get("fingerprint") == rep.get("fingerprint"):
                renamed += 1
            else:
                edited += 1
    out["dupfinder_only"] = {"pairs": total, "same_normalised_tokens": renamed, "edited": edited}
    return out


def jscpd_pairs(dups: list[Any], corpus: Path) -> list[tuple[Span, Span]]:
    def rel(name: str) -> str:
        return _norm(os.path.relpath(os.path.join(corpus, name), corpus))  # absolute or relative to the corpus

    def span(side: dict[str, Any]) -> Span:
        return rel(side["name"]), side["start"], side["end"]

    return [(span(d["firstFile"]), span(d["secondFile"])) for d in dups]


# -- the one-file change -----------------------------------------------------------------------


def change_one_file(corpus: Path) -> tuple[Path, bytes]:
    """Append a renamed copy of a function, one line edited, to one file; return (file, its old bytes)."""
    source_file, function = COPIED_FROM
    text = (corpus / source_file).read_text(encoding="utf-8")
    node = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name == function)
    lines = text.splitlines()[node.lineno - 1 : node.end_lineno]
    copy = "\n".join(lines).replace(function, "clean_upload_name").replace("filename", "upload_name")
    copy = copy.replace("return upload_name", 'log.debug("cleaned %s", upload_name)\n    return upload_name', 1)
    target = corpus / CHANGED_FILE
    old = target.read_bytes()
    # a new inode: the slices share the full corpus's files through hard links
    target.unlink()
    target.write_bytes(old + b"\n\n" + copy.encode() + b"\n")
    return target, old


# -- the report --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    node = shutil.which("node")
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else "-",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "-"


def table(runs: Sequence[Run], base: Run | None) -> list[str]:
    rows = ["| tool | wall (s) | CPU (s) | peak memory (MB) | found | wall / dupfinder cold | note |",
            "|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in runs:
        found = "-" if r.found is None else str(r.found)
        ratio = "-" if base is None else ("> " if r.timed_out else "") + _ratio(r.wall, base.wall)
        rows.append(f"| {r.tool} | {r.wall:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} | {found} | {ratio} | {r.note} |")
    return rows


def _peer_growth(data: dict[str, Any]) -> list[str]:
    """Each tool's wall-time growth from the 1/4 corpus to the full one, in the same run (dupfinder's beside
    the others': the corpus's duplication does not grow in proportion to its lines)."""
    sizes = {c["name"]: c["lines"] for c in data.get("corpora", [])}
    runs = data.get("runs", {})
    small = {r["tool"]: r for r in runs.get("1/4", []) if not r.get("timed_out")}
    full = {r["tool"]: r for r in runs.get("full", []) if not r.get("timed_out")}
    tools = ("dupfinder cold", "jscpd 5", "jscpd 4")
    found = [f"{tool} x{full[tool]['wall'] / small[tool]['wall']:.1f}" for tool in tools
             if tool in small and tool in full and small[tool]["wall"] > 0]  # fmt: skip
    if len(found) < 2 or "1/4" not in sizes or "full" not in sizes:
        return []
    return ["", f"Wall time from the 1/4 corpus to the full one (lines x{sizes['full'] / sizes['1/4']:.1f}), "
            f"each tool's own runs above: {', '.join(found)}."]  # fmt: skip


def write_results(data: dict[str, Any]) -> str:
    lines = ["# dupfinder speed benchmark: results", "",
             f"Written by `python benchmarks/speed/run.py` on {data['date']}; every number below comes from that "
             "one run, on this machine:", ""]  # fmt: skip
    lines += [f"* {k}: {v}" for k, v in data["machine"].items()]
    lines += ["", "Tools: " + "; ".join(f"{k} `{v}`" for k, v in data["versions"].items()) + ". dupfinder: "
              + ", ".join(f"{k} {v}" for k, v in data.get("dupfinder", {}).items()) + ".", ""]  # fmt: skip
    lines += ["## Corpus", "", "| package | .py files | lines |", "|---|---:|---:|"]
    lines += [f"| {p['name']} | {p['files']} | {p['lines']:,} |" for p in data["packages"]]
    lines += ["", "| corpus | files | lines |", "|---|---:|---:|"]
    lines += [f"| {c['name']} | {c['files']} | {c['lines']:,} |" for c in data["corpora"]]
    for name in [c["name"] for c in data["corpora"] if c["name"] in data["runs"]]:
        runs = [Run(**r) for r in data["runs"][name]]
        base = next((r for r in runs if r.tool == "dupfinder cold"), None)
        lines += ["", f"## Speed on the {name} corpus", ""]
        lines += table(runs, base)
        if name in data.get("findings", {}):
            f = data["findings"][name]
            lines += ["", f"What the others find that dupfinder also reports ({name} corpus; a clone pair counts when "
                      "one dupfinder cluster holds copies overlapping both sides):", ""]  # fmt: skip
            lines += ["| tool | clone pairs | also in a dupfinder cluster | pairs of 10+ lines | of those, also in "
                      "dupfinder |", "|---|---:|---:|---:|---:|"]  # fmt: skip
            for tool, v in f.items():
                if tool != "dupfinder_only":
                    pct = f" ({100 * v['also_dupfinder'] / v['pairs']:.0f}%)" if v["pairs"] else ""
                    pct_long = f" ({100 * v['long_also'] / v['long_pairs']:.0f}%)" if v["long_pairs"] else ""
                    lines.append(f"| {tool} | {v['pairs']} | {v['also_dupfinder']}{pct} | {v['long_pairs']} | "
                                 f"{v['long_also']}{pct_long} |")  # fmt: skip
            d = f["dupfinder_only"]
            lines += ["", f"Copies dupfinder reports (each with its cluster's representative: {d['pairs']} pairs) that "
                      f"no other tool flags: {d['same_normalised_tokens'] + d['edited']}, of which "
                      f"{d['same_normalised_tokens']} renamed (same normalised tokens) and {d['edited']} edited "
                      "(near-miss)."]  # fmt: skip
    if data.get("scaling"):
        lines += ["", "## Scaling (dupfinder cold, empty cache)", "",
                  "| run | corpus | lines | wall (s) | CPU (s) | peak memory (MB) | wall per 100k lines (s) |",
                  "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
        for s in data["scaling"]:
            lines.append(f"| {s['run']} | {s['corpus']} | {s['lines']:,} | {s['wall']:.1f} | {s['cpu']:.1f} | "
                         f"{s['peak_mb']:.0f} | {100_000 * s['wall'] / s['lines']:.2f} |")  # fmt: skip
        lines += _peer_growth(data)
    if data.get("targets"):
        lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |" for t in data["targets"]]
    if data.get("notes"):
        lines += ["", "## Notes", ""] + [f"* {n}" for n in data["notes"]]
    return "\n".join(lines) + "\n"


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    runs = {r["tool"]: Run(**r) for r in data["runs"].get("full", [])}
    out: list[dict[str, Any]] = []
    cold, warm, ci = runs.get("dupfinder cold"), runs.get("dupfinder warm"), runs.get("dupfinder one-file ci")
    if not cold:
        return out

    def add(target: str, value: float, limit: float, fmt: str, ok: bool | None = None) -> None:
        out.append({"target": target, "measured": fmt, "met": bool(value <= limit) if ok is None else ok})

    if ci:
        add("one-file `dupfinder ci` (primed cache) at most 1/15 of a cold scan", 15 * ci.wall, cold.wall,
            f"1/{cold.wall / ci.wall:.1f} ({ci.wall:.1f} s vs {cold.wall:.1f} s)")  # fmt: skip
        add("one-file `dupfinder ci` (primed cache) under 2 s", ci.wall, 2.0, f"{ci.wall:.1f} s", ci.wall < 2.0)
    if "jscpd 5" in runs:
        j5 = runs["jscpd 5"]
        add("cold at most 3x jscpd 5's wall time", cold.wall / j5.wall, 3.0, f"{cold.wall / j5.wall:.1f}x "
            f"({cold.wall:.1f} s vs {j5.wall:.1f} s)")  # fmt: skip
        if warm:
            add("warm at most half of jscpd 5 cold", warm.wall / j5.wall, 0.5,
                f"{warm.wall / j5.wall:.2f}x ({warm.wall:.1f} s vs {j5.wall:.1f} s)")  # fmt: skip
    if "jscpd 4" in runs:
        j4 = runs["jscpd 4"]
        add("cold at least 5x faster than jscpd 4", 5 * cold.wall, j4.wall, f"{j4.wall / cold.wall:.1f}x faster")
    if "pylint symilar" in runs:
        py = runs["pylint symilar"]
        more = "at least " if py.timed_out else ""
        add(
            "cold at least 20x faster than pylint symilar",
            20 * cold.wall,
            py.wall,
            f"{more}{py.wall / cold.wall:.1f}x faster" + (" (symilar stopped at its cap)" if py.timed_out else ""),
        )
    ours = [r for r in runs.values() if r.tool.startswith("dupfinder")]
    worst = max(ours, key=lambda r: r.peak_mb)
    add("peak memory under 600 MB on every path", worst.peak_mb, 600, f"{worst.peak_mb:.0f} MB ({worst.tool})",
        worst.peak_mb < 600)  # fmt: skip
    small = {r["tool"]: r for r in data["runs"].get("1/4", [])}
    if "jscpd 5" in runs and "jscpd 5" in small and "dupfinder cold" in small:
        ours_x = cold.wall / small["dupfinder cold"]["wall"]
        theirs_x = runs["jscpd 5"].wall / small["jscpd 5"]["wall"]
        add("time grows no faster than jscpd 5's (1/4 -> full)", ours_x, theirs_x,
            f"dupfinder x{ours_x:.1f}, jscpd 5 x{theirs_x:.1f}")  # fmt: skip
    return out


# -- main --------------------------------------------------------------------------------------

#: symilar's default cap, in dupfinder cold scans of the same corpus: a run stopped there is more
#: than 20 times slower (the target), and an hour is not spent on a tool that never finishes
SYMILAR_CAP_RATIO = 21.0


def _cap(text: str) -> float | None:
    """``--pylint-cap``: seconds, or ``auto`` (None: a multiple of dupfinder's cold time)."""
    if text == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds or 'auto', not {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=WORK, help="downloads, tools, corpus and logs (default: %(default)s)")
    ap.add_argument("--pylint-cap", type=_cap, default="auto",
                    help=f"seconds symilar may run; auto: {SYMILAR_CAP_RATIO:g} times dupfinder's cold wall "
                         "time on that corpus (default: %(default)s)")  # fmt: skip
    ap.add_argument("--tool-cap", type=float, default=1800, help="seconds jscpd may run (default: %(default)s)")
    ap.add_argument("--skip-pylint", action="store_true", help="do not run symilar")
    ap.add_argument("--skip-jscpd4", action="store_true", help="do not run jscpd 4")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating rounds of jscpd 5 and dupfinder; tables show medians (default: %(default)s)",
    )
    ap.add_argument("--only-corpus", action="store_true", help="build the corpus, print its size, stop")
    ap.add_argument("--experiment-index-threshold", type=float, default=0.0, metavar="T",
                    help="also time dupfinder with this LSH index threshold (0 = do not)")  # fmt: skip
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args(argv)
    work: Path = args.work
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "runs": {},
                            "findings": {}, "scaling": [], "notes": []}  # fmt: skip

    print("corpus", flush=True)
    sdists = download(work / "sdists")
    full = work / "corpus" / "full"
    unpack(sdists, full)
    files = keep_only_discovered(full)
    corpora = {"full": (full, files)}
    for name, below in SLICES:
        dest = work / "corpus" / name.replace("/", "-")
        corpora[name] = (dest, make_slice(full, dest, files, below))
    data["packages"] = []
    for folder in sorted(p for p in full.iterdir() if p.is_dir()):
        mine = [f for f in files if f.startswith(folder.name + "/")]
        data["packages"].append({"name": folder.name, "files": len(mine), "lines": count_lines(full, mine)})
    data["corpora"] = [{"name": n, "files": len(f), "lines": count_lines(d, f)} for n, (d, f) in corpora.items()]
    for c in data["corpora"]:
        print(f"  {c['name']:5s} {c['files']:6d} files {c['lines']:10,d} lines", flush=True)
    if args.only_corpus:
        return 0

    print("tools", flush=True)
    tools = install_tools(work, jscpd4=not args.skip_jscpd4, pylint=not args.skip_pylint)
    from dupfinder import __version__

    data["dupfinder"] = freeze_source()
    # symilar has no --version of its own: it is pylint's
    data["versions"] = {"dupfinder": __version__, **{k: tool_version(v) for k, v in tools.items() if k != "symilar"}}
    if not args.skip_pylint:
        data["versions"]["pylint (symilar)"] = PYLINT.split("==")[1]

    for name in ("full", "1/4"):
        folder, names = corpora[name]
        print(f"runs on the {name} corpus ({args.rounds} rounds, the tools alternating)", flush=True)
        cache = work / "cache" / name.replace("/", "-")
        ci_primed = work / "cache" / f"ci-primed-{name.replace('/', '-')}"
        repo = None
        if CHANGED_FILE in names:
            repo = ci_repo(folder, work / "git" / name.replace("/", "-"))
            prime_ci_cache(repo, ci_primed, logs, name)
        repeated: dict[str, list[Run]] = {}
        found: dict[str, list[Any]] = {}
        report: dict[str, Any] = {}
        for k in range(args.rounds):
            # alternate who runs first: the first run of a round meets a colder page cache
            order = ("jscpd 5", "dupfinder") if k % 2 else ("dupfinder", "jscpd 5")
            for what in order:
                if what == "jscpd 5":
                    if "jscpd 5" in tools:
                        run, dups = run_jscpd("jscpd 5", tools["jscpd 5"], folder, name, logs, args.tool_cap)
                        repeated.setdefault(run.tool, []).append(run)
                        found["jscpd 5"] = jscpd_pairs(dups, folder)
                    continue
                shutil.rmtree(cache, ignore_errors=True)
                cold, report = run_dupfinder("cold", folder, name, logs, cache)
                warm, warm_report = run_dupfinder("warm", folder, name, logs, cache)
                if warm_report.get("clusters") != report.get("clusters"):
                    warm.note = "clusters differ from the cold run!"
                done = [cold, warm]
                target, old = change_one_file(folder) if CHANGED_FILE in names else (None, b"")
                if target is not None:
                    try:
                        one, _ = run_dupfinder("one-file change", folder, name, logs, cache)
                        done.append(one)
                    finally:
                        target.unlink()
                        target.write_bytes(old)
                if repo is not None:
                    done.append(run_ci(repo, ci_primed, work / "cache" / f"ci-{name.replace('/', '-')}", name, logs))
                for run in done:
                    repeated.setdefault(run.tool, []).append(run)
        runs: list[Run] = [median_run(rs) for rs in repeated.values()]
        if "jscpd 4" in tools and not args.skip_jscpd4:
            run, dups = run_jscpd("jscpd 4", tools["jscpd 4"], folder, name, logs, args.tool_cap)
            runs.append(run)
            found["jscpd 4"] = jscpd_pairs(dups, folder)
        cold = next(r for r in runs if r.tool == "dupfinder cold")
        if not args.skip_pylint:
            cap = args.pylint_cap if args.pylint_cap is not None else SYMILAR_CAP_RATIO * cold.wall
            run, pairs = run_symilar(tools["symilar"], folder, names, name, logs, cap)
            runs.append(run)
            if not run.timed_out:
                found["pylint symilar"] = [(tuple(a), tuple(b)) for a, b in pairs]  # type: ignore[misc]
        if args.experiment_index_threshold:
            exp, _ = run_dupfinder(f"cold, index threshold {args.experiment_index_threshold} (experiment)", folder,
                                   name, logs, None, args.experiment_index_threshold)  # fmt: skip
            runs.append(exp)
        data["runs"][name] = [asdict(r) for r in runs]
        data["findings"][name] = compare(report, found)
        (work / "results.json").write_text(json.dumps(data, indent=1))

    print("scaling", flush=True)
    sizes = {c["name"]: c["lines"] for c in data["corpora"]}
    thresholds: list[float | None] = [None]
    if args.experiment_index_threshold:
        thresholds.append(args.experiment_index_threshold)
    for threshold in thresholds:
        label = "default" if threshold is None else f"index threshold {threshold} (experiment)"
        for name in ("1/4", "1/2", "full"):
            previous = [Run(**r) for r in data["runs"].get(name, [])]
            want = "dupfinder cold" + ("" if threshold is None else f", index threshold {threshold} (experiment)")
            run = next((r for r in previous if r.tool == want), None)
            if run is None:
                cache = None if threshold is not None else work / "cache" / f"scaling-{name.replace('/', '-')}"
                if cache:
                    shutil.rmtree(cache, ignore_errors=True)
                run, _ = run_dupfinder(f"cold ({label})", corpora[name][0], name, logs, cache, threshold)
            data["scaling"].append({"run": label, "corpus": name, "lines": sizes[name], "wall": run.wall,
                                    "cpu": run.cpu, "peak_mb": run.peak_mb})  # fmt: skip
    data["targets"] = targets(data)
    (work / "results.json").write_text(json.dumps(data, indent=1))
    args.results.write_text(write_results(data))
    print(f"wrote {args.results}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
