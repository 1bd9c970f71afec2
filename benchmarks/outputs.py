#!/usr/bin/env python3
"""Every user-visible output of a dupfinder install on the fixtures (and optionally a big corpus), into a folder.

A change that should not change behaviour (a refactoring, a move of modules) is checked by running
this with the dupfinder before and after it and comparing the two folders byte for byte::

    python benchmarks/outputs.py /tmp/before --dupfinder /path/to/old/venv/bin/dupfinder
    python benchmarks/outputs.py /tmp/after
    diff -r /tmp/before /tmp/after && echo identical

Outputs: ``scan`` (text, JSON), ``opportunities`` (text, JSON, Markdown, CSV) and ``report`` (HTML,
Markdown, CSV, JSON) of ``fixtures/acme-monorepo``, ``fixtures/xss`` and ``fixtures/hostile``;
``baseline``; ``ci`` in every format against a git repository made from the acme fixture (a function
pasted into another team's file, one commit after the fixture's); ``trend`` (JSON) over that
repository.  ``--corpus DIR`` adds ``scan`` (JSON, text) of DIR (e.g. the 1M-line speed corpus).
Every command runs with ``--no-cache`` and ``-q``; standard error is kept beside each output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def run(cmd: list[str], out: Path, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    out.write_bytes(proc.stdout)
    out.with_name(out.name + ".stderr").write_bytes(f"exit {proc.returncode}\n".encode() + proc.stderr)


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
           "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@example.com"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def acme_repo(work: Path) -> Path:
    """The acme fixture as a git repository: the fixture, then a commit that pastes a function elsewhere."""
    repo = work / "acme"
    shutil.copytree(FIXTURES / "acme-monorepo", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fixture")
    git(repo, "checkout", "-q", "-b", "change")
    source = (repo / "services/billing/billing/auth.py").read_text(encoding="utf-8")
    target = repo / "services/reporting/reporting/metrics.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + source, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "paste")
    return repo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    ap.add_argument("--dupfinder", default=shutil.which("dupfinder") or "dupfinder")
    ap.add_argument("--corpus", type=Path)
    a = ap.parse_args()
    a.dest.mkdir(parents=True, exist_ok=True)
    df = [a.dupfinder]
    common = ["--no-cache", "-q"]
    for name in ("acme-monorepo", "xss", "hostile"):
        path = str(FIXTURES / name)
        for fmt in ("text", "json"):
            run([*df, "scan", path, *common, "--format", fmt], a.dest / f"{name}.scan.{fmt}", cwd=FIXTURES)
        for fmt in ("text", "json", "markdown", "csv"):
            run([*df, "opportunities", path, *common, "--format", fmt], a.dest / f"{name}.opportunities.{fmt}",
                cwd=FIXTURES)  # fmt: skip
        for fmt in ("html", "markdown", "csv", "json"):
            run([*df, "report", path, *common, "--format", fmt], a.dest / f"{name}.report.{fmt}", cwd=FIXTURES)
    run([*df, "baseline", str(FIXTURES / "acme-monorepo"), *common], a.dest / "acme.baseline.json", cwd=FIXTURES)
    with tempfile.TemporaryDirectory() as tmp:
        repo = acme_repo(Path(tmp))
        for fmt in ("text", "sarif", "github", "markdown"):
            run([*df, "ci", ".", "--base", "main", *common, "--format", fmt], a.dest / f"acme.ci.{fmt}", cwd=repo)
        run([*df, "trend", ".", "--revs", "2", *common, "--format", "json"], a.dest / "acme.trend.json", cwd=repo)
    if a.corpus:
        for fmt in ("json", "text"):
            corpus = a.corpus.resolve()
            run([*df, "scan", corpus.name, *common, "--format", fmt], a.dest / f"corpus.scan.{fmt}", cwd=corpus.parent)
    print(a.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
