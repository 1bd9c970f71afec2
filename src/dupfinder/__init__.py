"""dupfinder: find code that many teams keep writing again, and rank it as platform opportunities.

The public API is :func:`dupfinder.pipeline.scan` (clusters of similar code) and
:func:`analyse_codebase` (the same, plus teams, categories, ranked
opportunities and platform adoption), with :class:`ScanConfig`.  They are
imported lazily, so that ``import dupfinder.rules`` does not pay for numpy and
datasketch.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("dupfinder")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from dupfinder.config import ScanConfig
    from dupfinder.pipeline import analyse_codebase

_LAZY = {
    "ScanConfig": "dupfinder.config",
    "analyse_codebase": "dupfinder.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dupfinder' has no attribute {name!r}")


__all__ = ["ScanConfig", "__version__", "analyse_codebase"]
