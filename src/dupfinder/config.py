"""Scan settings: one frozen value validated up front."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from dupfinder.errors import DupfinderError

if TYPE_CHECKING:
    from dupfinder.rules import IgnoreRule

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control and tool state
    ".git/", ".hg/", ".svn/", ".bzr/", ".tox/", ".nox/", ".mypy_cache/", ".pytest_cache/",
    ".ruff_cache/", "__pycache__/", ".idea/", ".vscode/", ".gradle/", ".dupfinder-cache/",
    # dependencies and virtualenvs
    "node_modules/", "bower_components/", "jspm_packages/", ".venv/", "venv/",
    "virtualenv/", ".virtualenv/", "site-packages/", "vendor/", "third_party/", "third-party/",
    "Pods/",
    # build output
    "build/", "dist/", "target/", "out/", ".next/", ".nuxt/", "coverage/", "*.egg-info/",
    # minified bundles and generated maps
    "*.min.js", "*.min.mjs", "*-min.js", "*.bundle.js", "*.chunk.js", "*.map",
)


DEFAULT_MIN_TOKENS = 50
DEFAULT_THRESHOLD = 0.7
DEFAULT_MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class ScanConfig:
    min_tokens: int = DEFAULT_MIN_TOKENS  #: units with fewer normalised tokens are ignored
    threshold: float = DEFAULT_THRESHOLD  #: verified similarity a pair needs to be a clone
    shingle: int = 3  #: tokens per shingle
    num_perm: int = 128  #: MinHash permutations
    jobs: int = 0  #: worker processes; 0 = all cores
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  #: larger files are skipped
    max_line_chars: int = 2_000  #: a longer line marks a minified/generated file
    exclude: tuple[str, ...] = ()  #: extra gitignore-style patterns
    use_default_excludes: bool = True
    use_gitignore: bool = True
    languages: tuple[str, ...] = ()  #: restrict to these languages (empty = all)
    #: enabled ignore rules (generated code, migrations, ...), from the rules folder
    ignore_rules: tuple[IgnoreRule, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_tokens < self.shingle:
            raise DupfinderError(f"--min-tokens must be at least {self.shingle}, got {self.min_tokens}")
        if not 0.0 < self.threshold <= 1.0:
            raise DupfinderError(f"--threshold must be in (0, 1], got {self.threshold}")
        if self.jobs < 0:
            raise DupfinderError(f"--jobs must be 0 (all cores) or more, got {self.jobs}")
        if self.shingle < 1:
            raise DupfinderError(f"shingle size must be at least 1, got {self.shingle}")
        if self.num_perm < 16:
            raise DupfinderError(f"num_perm must be at least 16, got {self.num_perm}")

    @property
    def effective_jobs(self) -> int:
        return self.jobs or (os.cpu_count() or 1)

    def signature_settings(self) -> dict[str, object]:
        """Settings that change per-file results (part of the cache key)."""
        return {
            "shingle": self.shingle,
            "num_perm": self.num_perm,
            "max_line_chars": self.max_line_chars,
            "min_tokens": self.min_tokens,
            "ignores": [[r.id, list(r.paths), list(r.markers)] for r in self.ignore_rules],
        }

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("extra", None)
        d["ignore_rules"] = sorted(r["id"] for r in d["ignore_rules"])
        d.pop("jobs", None)
        return d
