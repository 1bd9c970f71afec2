"""README's sample outputs are what the tool prints on the fixture today (docs/readme_samples.py writes them)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO, needs_git


def _samples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_samples", REPO / "docs" / "readme_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_git  # the CI sample commits the fixture to a git repository
def test_readme_samples_match_the_fixture_as_scanned_now() -> None:
    samples = _samples_module()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = re.findall(r"<!-- sample: ([a-z0-9-]+) -->", readme)
    assert sorted(names) == sorted(samples.SAMPLES)  # every sample is in the README, once
    # on failure: python docs/readme_samples.py, and review the diff
    assert samples.rewritten(readme) == readme


def test_a_stale_sample_is_rewritten_and_an_unknown_one_refused(tmp_path: Path) -> None:
    samples = _samples_module()
    stale = "intro\n<!-- sample: x -->\n```\nsimilarity 0.81\n```\n<!-- /sample -->\nend\n"
    assert samples.rewritten(stale, {"x": lambda: "similarity 0.94\n"}) == stale.replace("0.81", "0.94")
    with pytest.raises(ValueError, match="unknown samples: x"):
        samples.rewritten(stale, {})
