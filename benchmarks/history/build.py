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
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def _orgs_build() -> ModuleType:
    """``benchmarks/orgs/build.py``: the pins file reader, the sdist download and the unpacking."""
    spec = importlib.util.spec_from_file_location("orgs_build", HERE.parent / "orgs" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ORGS = _orgs_build()


def pins(project: str) -> list[tuple[str, str]]:
    return ORGS.read_pins(HERE, project, "project")  # type: ignore[no-any-return]


def sdist(name: str, version: str) -> Path:
    return ORGS.download(name, version, WORK / ".sdists", f"{name.lower()}-{version}")  # type: ignore[no-any-return]


def unpack(archive: Path, dest: Path) -> None:
    """The archive's single top folder's contents into ``dest`` (emptied first, ``.git`` kept)."""
    for child in dest.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        for child in ORGS.extract(archive, tmp).iterdir():
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
