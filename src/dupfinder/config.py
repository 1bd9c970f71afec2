"""Scan settings: one frozen value validated up front."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, TypedDict

from dupfinder.errors import DupfinderError

if TYPE_CHECKING:
    from dupfinder.rules import IgnoreRule

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control and tool state
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    "__pycache__/",
    ".idea/",
    ".vscode/",
    ".gradle/",
    ".dupfinder-cache/",
    # dependencies and virtualenvs
    "node_modules/",
    "bower_components/",
    "jspm_packages/",
    ".venv/",
    "venv/",
    "virtualenv/",
    ".virtualenv/",
    "site-packages/",
    "vendor/",
    "third_party/",
    "third-party/",
    "Pods/",
    # build output
    "build/",
    "dist/",
    "target/",
    "out/",
    ".next/",
    ".nuxt/",
    "coverage/",
    "*.egg-info/",
    # minified bundles and generated maps
    "*.min.js",
    "*.min.mjs",
    "*-min.js",
    "*.bundle.js",
    "*.chunk.js",
    "*.map",
)


DEFAULT_MIN_TOKENS = 50
#: Measured (benchmarks/README.md): the middle of the range where the annotated fixtures keep every
#: planted clone and pair no unrelated code; on BigCloneBench it keeps labelled precision above 99 %.
DEFAULT_THRESHOLD = 0.5
DEFAULT_MAX_FILE_BYTES = 2_000_000
#: Hand-written files stay far below this; beyond it are generated tables and bundles.
DEFAULT_MAX_FILE_LINES = 100_000
DEFAULT_MAX_LINE_CHARS = 2_000
#: Seconds per file.  The slowest legitimate case measured, a 2 MB Python file
#: with a syntax error (which libcst parses too), takes about 11 s on one core.
DEFAULT_FILE_TIMEOUT = 30.0


#: least structural similarity of any two members of a cluster, by default (BigCloneBench and judged
#: samples of real code, benchmarks/README.md): a member must be alike every other, not only its neighbour
DEFAULT_MEMBER_SIMILARITY = 0.3


@dataclass(frozen=True, slots=True)
class ScanConfig:
    min_tokens: int = DEFAULT_MIN_TOKENS  #: units with fewer normalised tokens are ignored
    threshold: float = DEFAULT_THRESHOLD  #: verified similarity a pair needs to be a clone
    #: least structural similarity of any two members of a cluster (None: ``DEFAULT_MEMBER_SIMILARITY``,
    #: or ``threshold`` when that is lower); every member also joined by a judged pair above ``threshold``
    member_similarity: float | None = None
    shingle: int = 3  #: tokens per shingle
    num_perm: int = 128  #: MinHash permutations
    jobs: int = 0  #: worker processes; 0 = all cores
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  #: larger files are skipped
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS  #: a longer line marks a minified/generated file
    max_file_lines: int = DEFAULT_MAX_FILE_LINES  #: files with more lines are skipped
    file_timeout: float = DEFAULT_FILE_TIMEOUT  #: seconds to analyse one file (0 = no limit)
    exclude: tuple[str, ...] = ()  #: extra gitignore-style patterns
    use_default_excludes: bool = True
    use_gitignore: bool = True
    languages: tuple[str, ...] = ()  #: restrict to these languages (empty = all)
    #: enabled ignore rules (generated code, migrations, ...), from the rules folder
    ignore_rules: tuple[IgnoreRule, ...] = ()
    #: functions of at least this many tokens, under ``min_tokens``, are kept for the capability map too
    #: (:attr:`~dupfinder.model.FileResult.small_units`); None keeps none (the clone engine never sees them)
    map_min_tokens: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_tokens < self.shingle:
            raise DupfinderError(f"--min-tokens must be at least {self.shingle}, got {self.min_tokens}")
        if self.map_min_tokens is not None and self.map_min_tokens < 1:
            raise DupfinderError(f"the capability map's least tokens must be at least 1, got {self.map_min_tokens}")
        if not 0.0 < self.threshold <= 1.0:
            raise DupfinderError(f"--threshold must be in (0, 1], got {self.threshold}")
        if self.member_similarity is not None and not 0.0 < self.member_similarity <= self.threshold:
            raise DupfinderError(
                f"--member-similarity must be above 0 and at most --threshold ({self.threshold:g}),"
                f" got {self.member_similarity}"
            )
        for name, option in (("max_file_bytes", "--max-file-size"), ("max_line_chars", "--max-line-length"),
                             ("max_file_lines", "--max-file-lines")):  # fmt: skip
            if getattr(self, name) < 1:
                raise DupfinderError(f"{option} must be at least 1, got {getattr(self, name)}")
        if not self.file_timeout >= 0:  # also refuses NaN
            raise DupfinderError(f"--file-timeout must be 0 (no limit) or more seconds, got {self.file_timeout}")
        if self.jobs < 0:
            raise DupfinderError(f"--jobs must be 0 (all cores) or more, got {self.jobs}")
        if self.shingle < 1:
            raise DupfinderError(f"shingle size must be at least 1, got {self.shingle}")
        if self.num_perm < 16:
            raise DupfinderError(f"num_perm must be at least 16, got {self.num_perm}")

    @property
    def member_floor(self) -> float:
        """The least structural similarity of any two members of a cluster."""
        if self.member_similarity is None:
            return min(self.threshold, DEFAULT_MEMBER_SIMILARITY)
        return self.member_similarity

    @property
    def effective_jobs(self) -> int:
        return self.jobs or (os.cpu_count() or 1)

    def signature_settings(self) -> dict[str, object]:
        """Settings that change per-file results (part of the cache key)."""
        return {
            "shingle": self.shingle,
            "num_perm": self.num_perm,
            "max_line_chars": self.max_line_chars,
            "max_file_lines": self.max_file_lines,
            "min_tokens": self.min_tokens,
            **({} if self.small_floor is None else {"map_min_tokens": self.small_floor}),
            "ignores": [[r.id, list(r.paths), list(r.markers)] for r in self.ignore_rules],
        }

    @property
    def small_floor(self) -> int | None:
        """The fewest tokens of a small unit (:attr:`map_min_tokens`), None when no function is small."""
        floor = self.map_min_tokens
        return floor if floor is not None and floor < self.min_tokens else None

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("extra", None)
        if self.map_min_tokens is None:
            d.pop("map_min_tokens")
        d["ignore_rules"] = sorted(r["id"] for r in d["ignore_rules"])
        d.pop("jobs", None)
        d["member_similarity"] = self.member_floor
        return d


class ScanKwargs(TypedDict):
    """The keyword arguments of :func:`dupfinder.pipeline.scan` a :class:`Runtime` gives."""

    cache_dir: str | None
    executor: str
    scheduler: str | None
    lsh_storage: str | None


@dataclass(frozen=True, slots=True)
class Runtime:
    """Where a scan runs and what it keeps; none of it changes the result."""

    cache_dir: str | None = None  #: the incremental cache folder (None: no cache)
    executor: str = "local"  #: "local" processes or a "dask" cluster
    scheduler: str | None = None  #: a Dask scheduler's address (None: a local Dask cluster)
    lsh_storage: str | None = None  #: redis://... to keep the LSH index in Redis (None: in memory)

    def scan_kwargs(self) -> ScanKwargs:
        """The keyword arguments of :func:`dupfinder.pipeline.scan` for this runtime."""
        return {"cache_dir": self.cache_dir, "executor": self.executor, "scheduler": self.scheduler,
                "lsh_storage": self.lsh_storage}  # fmt: skip
