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
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from click.testing import CliRunner

from dupfinder.cli.app import cli

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
_BLOCK = re.compile(r"(<!-- sample: (?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- /sample -->)", re.S)


def _run(*args: str) -> str:
    """What ``dupfinder args`` prints on stdout, run from the repository's root."""
    here = os.getcwd()
    os.chdir(REPO)
    try:
        res = CliRunner().invoke(cli, [*args, "--no-cache"])
    finally:
        os.chdir(here)
    if res.exit_code != 0:
        raise RuntimeError(f"dupfinder {' '.join(args)} exited {res.exit_code}: {res.stderr}")
    return res.stdout


def _first_cluster() -> str:
    """The first cluster of the text report (the README shows one)."""
    return _run("scan", "fixtures/acme-monorepo").split("\n\n", 1)[0] + "\n"


def _opportunities() -> str:
    return _run("opportunities", "fixtures/acme-monorepo")


#: sample name -> what it holds
SAMPLES: Mapping[str, Callable[[], str]] = {
    "scan-first-cluster": _first_cluster,
    "opportunities": _opportunities,
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
