"""Time ``dupfinder ci --base main`` on a one-file change in a large real code base.

Builds a git repository in a temporary folder from an unpacked source tree
(e.g. an sdist: ``pip download --no-deps --no-binary :all: django==5.1.3``),
commits it on ``main``, then on a branch pastes a renamed copy of one function
into another file (a one-file change) and times the gate, end to end as CI
runs it (a fresh ``dupfinder`` process each time):

* cold: no cache folder;
* warm: again, with the cache folder the first run left (only when this
  dupfinder has a ``--cache-dir`` option; otherwise both runs are cold);
* primed: the first run of the gate on the change with a cache folder that
  only a ``dupfinder scan`` of ``main`` filled (as a scheduled job on the main
  branch would leave it for pull requests), each run from a fresh copy of it.

Usage::

    python benchmarks/ci_gate.py SOURCE_TREE_OR_SDIST [--path DIR] [--copy-from FILE:FUNC] [--into FILE] [--runs N]

Defaults fit Django 5.1: copy ``verify_password`` out of
``django/contrib/auth/hashers.py`` into ``django/contrib/sessions/backends/base.py``.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def unpack(source: Path, into: Path) -> Path:
    if source.is_dir():
        shutil.copytree(source, into, symlinks=True)
        return into
    with tarfile.open(source) as tar:
        tar.extractall(into.parent / "unpacked", filter="data")
    (top,) = list((into.parent / "unpacked").iterdir())
    top.rename(into)
    return into


def function_source(path: Path, name: str) -> str:
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            assert node.end_lineno is not None
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "\n".join(text.split("\n")[start - 1 : node.end_lineno]) + "\n"
    raise SystemExit(f"{path}: no function {name}")


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.returncode, (proc.stdout + proc.stderr).strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--copy-from", default="django/contrib/auth/hashers.py:verify_password")
    ap.add_argument("--into", default="django/contrib/sessions/backends/base.py")
    ap.add_argument("--runs", type=int, default=2, help="warm runs after the cold one")
    ap.add_argument("--path", default=".", help="folder of the repository to scan (default: all of it)")
    args = ap.parse_args()

    exe = shutil.which("dupfinder") or sys.exit("dupfinder is not installed in this environment")
    has_cache = "--cache-dir" in subprocess.run([exe, "ci", "--help"], capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory(prefix="dupfinder-bench-") as tmp:
        repo = unpack(args.source.resolve(), Path(tmp) / "repo")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=bench", "add", "-A")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-q", "-m", "import")
        git(repo, "checkout", "-q", "-b", "change")
        src_file, func = args.copy_from.split(":")
        pasted = function_source(repo / src_file, func).replace(f"def {func}(", f"def {func}_copy(")
        target = repo / args.into
        target.write_text(target.read_text(encoding="utf-8") + "\n\n" + pasted, encoding="utf-8")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qam", "paste")

        scanned = [p for p in (repo / args.path).rglob("*.py") if ".git" not in p.parts]
        lines = sum(p.read_bytes().count(b"\n") for p in scanned)
        cache = Path(tmp) / "cache"
        cmd = [exe, "ci", args.path, "--base", "main", "-q"] + (["--cache-dir", str(cache)] if has_cache else [])
        print(f"repository: {args.source.name}, scanning {args.path}: {len(scanned)} Python files, {lines} lines")
        print(f"change: {func} pasted into {args.into}")
        print(f"command: {' '.join(cmd)}  (cpus: {os.cpu_count()})")
        for n in range(args.runs + 1):
            label = "cold" if n == 0 or not has_cache else "warm"
            seconds, code, out = timed(cmd, repo)
            print(f"{label}: {seconds:.2f} s, exit {code}")
            if n == 0:
                print("  " + "\n  ".join(out.splitlines()[-4:]))
        if not has_cache:
            print("note: this dupfinder has no --cache-dir option: every run is cold")
            return
        primed = Path(tmp) / "primed"
        git(repo, "checkout", "-q", "main")
        seconds, code, _ = timed([exe, "scan", args.path, "-q", "--cache-dir", str(primed), "--format", "json",
                                    "-o", str(Path(tmp) / "main.json")], repo)  # fmt: skip
        print(f"scan of main (fills the primed cache): {seconds:.2f} s, exit {code}")
        git(repo, "checkout", "-q", "change")
        for _ in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(primed, cache)
            seconds, code, _ = timed(cmd, repo)
            print(f"primed: {seconds:.2f} s, exit {code}")


if __name__ == "__main__":
    main()
