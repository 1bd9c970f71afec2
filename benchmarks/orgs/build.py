#!/usr/bin/env python3
"""Build a real "org" to judge dupfinder on: pinned PyPI sdists unpacked side by side, one team each.

Each org is a file ``benchmarks/orgs/<org>.txt`` with one ``NAME==VERSION`` per line (``#`` starts a
comment).  ``build.py ORG`` downloads every sdist (``pip download --no-deps --no-binary :all:``, kept
in ``benchmarks/orgs/work/.sdists`` for reuse), unpacks it into ``benchmarks/orgs/work/<org>/<team>/``
(the team is the package name, lower case, ``_`` and ``.`` as ``-``) and writes
``benchmarks/orgs/work/<org>/teams.yaml`` mapping each team to its folder.  It prints the org's folder.

    python benchmarks/orgs/build.py http-clients
    dupfinder opportunities --teams benchmarks/orgs/work/http-clients/teams.yaml benchmarks/orgs/work/http-clients

Needs PyPI; nothing is downloaded twice.  Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def pins(org: str) -> list[tuple[str, str]]:
    """``(name, version)`` of every package of ``org``, in file order."""
    return read_pins(HERE, org, "org")


def read_pins(folder: Path, stem: str, what: str) -> list[tuple[str, str]]:
    """``(name, version)`` of each ``NAME==VERSION`` line of ``folder/stem.txt``, in file order."""
    file = folder / f"{stem}.txt"
    if not file.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.txt")))
        raise SystemExit(f"build.py: no {what} {stem!r} (known: {known})")
    out = []
    for raw in file.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            if not sep:
                raise SystemExit(f"{file}: {line!r} is not NAME==VERSION")
            out.append((name.strip(), version.strip()))
    return out


def team_of(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def sdist(name: str, version: str) -> Path:
    """The sdist of ``name==version``, downloaded once into ``work/.sdists``."""
    return download(name, version, WORK / ".sdists", f"{team_of(name)}-{version}")


def download(name: str, version: str, store: Path, stem: str) -> Path:
    """The sdist of ``name==version`` as ``store/stem.tar.gz`` (or ``.zip``), downloaded once."""
    store.mkdir(parents=True, exist_ok=True)
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
        if proc.returncode != 0 or not got:
            raise SystemExit(
                f"build.py: could not download an sdist of {name}=={version}: {proc.stderr.strip()[-300:]}"
            )
        suffix = ".zip" if got[0].name.endswith(".zip") else ".tar.gz"
        dest = store / f"{stem}{suffix}"
        shutil.move(str(got[0]), dest)
    return dest


def extract(archive: Path, tmp: str) -> Path:
    """Unpack ``archive`` into the folder ``tmp``; its single top folder."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data")
    (top,) = list(Path(tmp).iterdir())
    return top


def unpack(archive: Path, dest: Path) -> None:
    """The archive's single top folder's contents into ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.move(str(extract(archive, tmp)), dest)


def build(org: str) -> Path:
    folder = WORK / org
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, version in pins(org):
        team = team_of(name)
        unpack(sdist(name, version), folder / team)
        lines.append(f'{team}:\n  - "{team}/**"\n')
    (folder / "teams.yaml").write_text("".join(lines), encoding="utf-8")
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("org", help="name of a benchmarks/orgs/<org>.txt file")
    print(build(ap.parse_args().org))
    return 0


if __name__ == "__main__":
    sys.exit(main())
