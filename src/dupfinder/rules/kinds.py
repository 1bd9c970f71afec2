"""The kind of code a file holds: production, tests, examples, benchmarks, generated, build or legacy.

:func:`code_kind` reads only the path (relative to the scan base). Tests, generated code,
build scripts (``setup.py``...) and legacy copies (a package's Python 2 copy) are recognised
by the path globs of the ``tests``, ``generated``, ``build-scripts`` and ``legacy-copies``
ignore rules (whether those rules are switched on or not), so a rules folder that widens
them widens this too; examples, docs and benchmarks by the folders the languages'
conventions use. The first kind that matches wins, in the order generated, tests, build,
legacy, benchmarks, examples.

:func:`cluster_kind` is the kind holding at least half of a cluster's lines, production
when production does, else the non-production kind with the most lines (ties by name).

Cost: one gitignore-style match per glob set and path, memoised per path.
"""

from __future__ import annotations

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
KINDS: Final = (PRODUCTION, TESTS, EXAMPLES, BENCHMARKS, GENERATED, BUILD, LEGACY)

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

    def __init__(self, rules: RuleSet) -> None:
        globs = {r.id: r.paths for r in rules.ignores}
        self._specs = (
            (GENERATED, pathspec.GitIgnoreSpec.from_lines(globs.get("generated", ()))),
            (TESTS, pathspec.GitIgnoreSpec.from_lines((*globs.get("tests", ()), *EXTRA_TEST_PATHS))),
            (BUILD, pathspec.GitIgnoreSpec.from_lines(globs.get("build-scripts", ()))),
            (LEGACY, pathspec.GitIgnoreSpec.from_lines(globs.get("legacy-copies", ()))),
            (BENCHMARKS, pathspec.GitIgnoreSpec.from_lines(BENCHMARK_PATHS)),
            (EXAMPLES, pathspec.GitIgnoreSpec.from_lines(EXAMPLE_PATHS)),
        )
        self.kind = lru_cache(maxsize=None)(self._kind)

    def _kind(self, path: str) -> str:
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
    "KindMatcher",
    "code_kind",
    "majority_kind",
]  # fmt: skip
