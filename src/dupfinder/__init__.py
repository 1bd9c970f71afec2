"""dupfinder: find code that many teams keep writing again, and rank it as platform opportunities."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dupfinder")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from dupfinder.config import ScanConfig
from dupfinder.scan import scan

__all__ = ["ScanConfig", "__version__", "scan"]
