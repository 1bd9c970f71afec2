"""Regenerate the sample outputs in README.md from ``fixtures/acme-monorepo``.

    python docs/readme_samples.py          # rewrite README.md's sample blocks
    python docs/readme_samples.py --check  # exit 1 when README.md's samples are stale

Each sample sits between ``<!-- sample: NAME -->`` and ``<!-- /sample -->`` in
README.md and is the output of the command its section shows, run in this
process on the fixture without a cache (tests/test_readme.py checks that the
README holds exactly what this writes, so a figure there cannot drift from
what the tool prints).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from click.testing import CliRunner

from dupfinder.cli.app import cli

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
_BLOCK = re.compile(r"(<!-- sample: (?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- /sample -->)", re.S)


def _run(*args: str, where: Path = REPO, codes: tuple[int, ...] = (0,)) -> str:
    """What ``dupfinder args`` prints on stdout, run from ``where`` (the repository's root)."""
    here = os.getcwd()
    os.chdir(where)
    try:
        res = CliRunner().invoke(cli, [*args, "--no-cache"])
    finally:
        os.chdir(here)
    if res.exit_code not in codes:
        raise RuntimeError(f"dupfinder {' '.join(args)} exited {res.exit_code}: {res.stderr}")
    return res.stdout


def _first_cluster() -> str:
    """The first cluster of the text report (the README shows one)."""
    return _run("scan", "fixtures/acme-monorepo").split("\n\n", 1)[0] + "\n"


def _opportunities() -> str:
    return _run("opportunities", "fixtures/acme-monorepo")


#: the same commits, the same hashes: fixed author, committer and dates
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Acme Dev", "GIT_AUTHOR_EMAIL": "dev@acme.example", "GIT_AUTHOR_DATE": "2026-01-05T10:00:00Z",
    "GIT_COMMITTER_NAME": "Acme Dev", "GIT_COMMITTER_EMAIL": "dev@acme.example",
    "GIT_COMMITTER_DATE": "2026-01-05T10:00:00Z", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **_GIT_ENV})


def _ci() -> str:
    """``dupfinder ci . --base main`` on a pull request that pastes the fixture's identity login handler
    into the reporting service (the fixture committed to a throwaway git repository)."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "acme"
        shutil.copytree(REPO / "fixtures" / "acme-monorepo", repo)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "acme")
        _git(repo, "checkout", "-q", "-b", "pasted-login")
        source = (repo / "services/identity/identity/api.py").read_text(encoding="utf-8").splitlines(keepends=True)
        pasted = "".join(source[19:32])  # login_handler, lines 20-32
        (repo / "services/reporting/reporting/login.py").write_text(f'"""Sign-in for reports."""\n\n\n{pasted}')
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "reporting: own sign-in")
        return _run("ci", ".", "--base", "main", where=repo, codes=(0, 1))


#: sample name -> what it holds
SAMPLES: Mapping[str, Callable[[], str]] = {
    "scan-first-cluster": _first_cluster,
    "opportunities": _opportunities,
    "ci": _ci,
}


def rewritten(text: str, samples: Mapping[str, Callable[[], str]] = SAMPLES) -> str:
    """``text`` (README.md) with each sample block holding what its sample prints now."""
    unknown = {m.group("name") for m in _BLOCK.finditer(text)} - set(samples)
    if unknown:
        raise ValueError(f"README.md names unknown samples: {', '.join(sorted(unknown))}")

    def fill(m: re.Match[str]) -> str:
        return f"{m.group(1)}```\n{samples[m.group('name')]()}```\n{m.group(4)}"

    return _BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if "--check" in argv:
        if new != text:
            print("README.md samples are stale: run python docs/readme_samples.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: samples rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
