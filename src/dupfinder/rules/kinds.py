"""The kind of code a file holds: production, tests, examples, benchmarks, generated, build, legacy or vendored.

:func:`code_kind` reads only the path (relative to the scan base). Tests, generated code,
build scripts (``setup.py``...), legacy copies (a package's Python 2 copy) and vendored code
(``_vendor/``, ``third_party/``...) are recognised by the path globs of the ``tests``,
``generated``, ``build-scripts``, ``legacy-copies``, ``vendored`` and ``vendored-packages``
ignore rules (whether those rules are switched on or not), so a rules folder that widens
them widens this too; examples, docs and benchmarks by the folders the languages'
conventions use. The first kind that matches wins, in the order vendored, generated, tests,
build, legacy, benchmarks, examples.

Vendored code is also found without a path convention: :func:`copied_folders` reads the disk
for the folders that hold a licence file of their own (the rules' ``folder_files``) inside a
project that holds one too, next to code of the enclosing package (cement's
``cement/cli/contrib/jinja2/LICENSE.rst``); a :class:`KindMatcher` given those folders calls
every file below them vendored. A folder of projects side by side (an org, a monorepo's
``packages/``) holds no code itself, and a project of its own has its project file
(``setup.py``, ``package.json``...), so neither is a copy.

:func:`cluster_kind` is the kind holding at least half of a cluster's lines, production
when production does, else the non-production kind with the most lines (ties by name).

Cost: one gitignore-style match per glob set and path, memoised per path; :func:`copied_folders`
lists each folder above a scanned file once.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

import pathspec

from dupfinder.model import Cluster, RuleSet

PRODUCTION: Final = "production"
TESTS: Final = "tests"
EXAMPLES: Final = "examples"
BENCHMARKS: Final = "benchmarks"
GENERATED: Final = "generated"
BUILD: Final = "build"
LEGACY: Final = "legacy"
VENDORED: Final = "vendored"
KINDS: Final = (PRODUCTION, TESTS, EXAMPLES, BENCHMARKS, GENERATED, BUILD, LEGACY, VENDORED)
#: the ignore rules whose paths (and folder files) name vendored code
VENDORED_RULES: Final = ("vendored", "vendored-packages")

#: folders and files of examples and documentation, by the usual conventions; a Sphinx extension shipped in a
#: package (``everett/sphinxext.py``, ``celery/contrib/sphinx.py``) renders its docs: documentation tooling
EXAMPLE_PATHS: Final = ("examples/", "example/", "docs/", "doc/", "samples/", "sample/", "docs_src/", "tutorial/",
                        "demo/", "demos/", "conf.py", "sphinx.py", "sphinxext.py", "sphinxext/",
                        "sphinx_ext.py", "sphinx_ext/")  # fmt: skip
#: folders of benchmarks and performance scripts
BENCHMARK_PATHS: Final = ("benchmarks/", "benchmark/", "bench/", "perf/", "asv_bench/")
#: tests the ignore rule may not name: fixtures folders and helper modules of test suites
EXTRA_TEST_PATHS: Final = ("testing/", "fixtures/", "*_tests.py", "tests.py", "test.py")


class KindMatcher:
    """Classifies paths by the rules' globs; see the module docstring."""

    def __init__(self, rules: RuleSet, copied: Iterable[str] = ()) -> None:
        """``copied``: folders (relative to the base) whose files are vendored, from :func:`copied_folders`."""
        globs = {r.id: r.paths for r in rules.ignores}
        self._copied = frozenset(copied)
        self._specs = (
            (VENDORED, pathspec.GitIgnoreSpec.from_lines([g for r in VENDORED_RULES for g in globs.get(r, ())])),
            (GENERATED, pathspec.GitIgnoreSpec.from_lines(globs.get("generated", ()))),
            (TESTS, pathspec.GitIgnoreSpec.from_lines((*globs.get("tests", ()), *EXTRA_TEST_PATHS))),
            (BUILD, pathspec.GitIgnoreSpec.from_lines(globs.get("build-scripts", ()))),
            (LEGACY, pathspec.GitIgnoreSpec.from_lines(globs.get("legacy-copies", ()))),
            (BENCHMARKS, pathspec.GitIgnoreSpec.from_lines(BENCHMARK_PATHS)),
            (EXAMPLES, pathspec.GitIgnoreSpec.from_lines(EXAMPLE_PATHS)),
        )
        self.kind = lru_cache(maxsize=None)(self._kind)

    def _kind(self, path: str) -> str:
        if self._copied and any(path[:i] in self._copied for i, c in enumerate(path) if c == "/"):
            return VENDORED
        for kind, spec in self._specs:
            if spec.match_file(path):
                return kind
        return PRODUCTION

    def cluster_kind(self, cluster: Cluster) -> str:
        return majority_kind((self.kind(i.path), i.lines) for i in cluster.instances)


def majority_kind(kinds_and_lines: Iterable[tuple[str, int]]) -> str:
    """Production when it holds at least half of the lines, else the largest other kind."""
    lines: dict[str, int] = {}
    for kind, n in kinds_and_lines:
        lines[kind] = lines.get(kind, 0) + n
    total = sum(lines.values())
    if not total or lines.get(PRODUCTION, 0) * 2 >= total:
        return PRODUCTION
    return min((k for k in lines if k != PRODUCTION), key=lambda k: (-lines[k], k))


def copied_folders(base: str, paths: Iterable[str], rules: RuleSet) -> frozenset[str]:
    """The folders above ``paths`` (relative to ``base``) that hold another project's copy.

    A folder is one when it holds a file named by a rule's ``folder_files`` and none named by
    their ``!`` globs (a project file: a folder with its own ``setup.py`` is a project, say a
    plugin template, not a copy), a folder above it (or ``base``) holds one too, and its parent
    folder holds a file of a scanned file's type (the enclosing package's code). Folders that
    cannot be listed count as holding nothing.
    """
    globs = [g for r in rules.ignores for g in r.folder_files]
    names = tuple(g for g in globs if not g.startswith("!"))
    projects = tuple(g[1:] for g in globs if g.startswith("!"))
    paths = sorted(set(paths))
    if not names or not paths:
        return frozenset()
    suffixes = {os.path.splitext(p)[1] for p in paths} - {""}
    listed: dict[str, tuple[str, ...]] = {}

    def listing(folder: str) -> tuple[str, ...]:
        if folder not in listed:
            try:
                listed[folder] = tuple(sorted(os.listdir(os.path.join(base, folder) if folder else base)))
            except OSError:
                listed[folder] = ()
        return listed[folder]

    def licensed(folder: str) -> bool:
        return any(fnmatch.fnmatchcase(n, g) for n in listing(folder) for g in names)

    def own_project(folder: str) -> bool:
        return any(fnmatch.fnmatchcase(n, g) for n in listing(folder) for g in projects)

    def holds_code(folder: str) -> bool:
        return any(os.path.splitext(n)[1] in suffixes for n in listing(folder))

    folders = {p[:i] for p in paths for i, c in enumerate(p) if c == "/"}
    found = set()
    for folder in sorted(folders):
        parent = folder.rpartition("/")[0]
        if not licensed(folder) or own_project(folder) or not holds_code(parent):
            continue
        if any(licensed(a) for a in ("", *(parent[:i] for i, c in enumerate(parent) if c == "/"), parent)):
            found.add(folder)
    return frozenset(found)


def code_kind(path: str, rules: RuleSet) -> str:
    """The kind of the file at ``path`` (one-off; use :class:`KindMatcher` for many paths)."""
    return KindMatcher(rules).kind(path)


__all__ = [
    "BENCHMARKS",
    "BUILD",
    "EXAMPLES",
    "GENERATED",
    "KINDS",
    "LEGACY",
    "PRODUCTION",
    "TESTS",
    "VENDORED",
    "VENDORED_RULES",
    "KindMatcher",
    "code_kind",
    "copied_folders",
    "majority_kind",
]  # fmt: skip
