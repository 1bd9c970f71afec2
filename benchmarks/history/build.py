#!/usr/bin/env python3
"""Build a git repository from the successive sdists of a real project, one commit per release.

The pins are in ``benchmarks/history/<project>.txt`` (one ``NAME==VERSION`` a line, oldest first,
``#`` starts a comment).  ``build.py PROJECT`` downloads each sdist (``pip download --no-deps
--no-binary :all:``, kept in ``benchmarks/history/work/.sdists``), and commits its contents, in
order, into ``benchmarks/history/work/<project>/`` -- the tree replaced wholesale at each release,
committed with the release as the message and a fixed author and date per release (so the hashes
are the same on every machine).  It prints the repository's folder.

    python benchmarks/history/build.py docutils
    dupfinder history benchmarks/history/work/docutils

Needs PyPI and git; nothing is downloaded twice.  Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def pins(project: str) -> list[tuple[str, str]]:
    file = HERE / f"{project}.txt"
    if not file.is_file():
        known = ", ".join(sorted(p.stem for p in HERE.glob("*.txt")))
        raise SystemExit(f"build.py: no project {project!r} (known: {known})")
    out = []
    for raw in file.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            if not sep:
                raise SystemExit(f"{file}: {line!r} is not NAME==VERSION")
            out.append((name.strip(), version.strip()))
    return out


def sdist(name: str, version: str) -> Path:
    store = WORK / ".sdists"
    store.mkdir(parents=True, exist_ok=True)
    stem = f"{name.lower()}-{version}"
    for suffix in (".tar.gz", ".zip"):
        if (store / f"{stem}{suffix}").is_file():
            return store / f"{stem}{suffix}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"{name}=={version}", "-d", tmp],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        got = sorted(p for p in Path(tmp).iterdir() if p.name.endswith((".tar.gz", ".zip")))
        if not got:
            raise SystemExit(f"build.py: no sdist of {name}=={version}: {proc.stderr.strip()[-300:]}")
        suffix = ".zip" if got[0].name.endswith(".zip") else ".tar.gz"
        dest = store / f"{stem}{suffix}"
        shutil.move(str(got[0]), dest)
    return dest


def unpack(archive: Path, dest: Path) -> None:
    """The archive's single top folder's contents into ``dest`` (emptied first, ``.git`` kept)."""
    for child in dest.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(tmp, filter="data")
        (top,) = list(Path(tmp).iterdir())
        for child in top.iterdir():
            shutil.move(str(child), dest / child.name)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def build(project: str) -> Path:
    repo = WORK / project
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for n, (name, version) in enumerate(pins(project)):
        unpack(sdist(name, version), repo)
        git(repo, "add", "-A", "-f")
        date = f"{2000 + n}-01-01T00:00:00+00:00"  # a fixed date per release: same hashes everywhere
        env = {**os.environ, "GIT_AUTHOR_NAME": "release", "GIT_AUTHOR_EMAIL": "release@example.com",
               "GIT_COMMITTER_NAME": "release", "GIT_COMMITTER_EMAIL": "release@example.com",
               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}  # fmt: skip
        git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", f"{name} {version}", env=env)
    return repo


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", help="name of a benchmarks/history/<project>.txt file")
    print(build(ap.parse_args().project))
    return 0


if __name__ == "__main__":
    sys.exit(main())
