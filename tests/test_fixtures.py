"""Every fixture's planted duplication, checked by location against its expected.json.

A fixture is a folder under ``fixtures/`` with an ``expected.json`` listing
groups of planted copies.  The scan must report each group as exactly one
cluster holding all of its instances, no cluster may mix two groups, and no
cluster may consist of code that was not planted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from dupfinder.config import ScanConfig
from dupfinder.model import Instance, ScanResult
from dupfinder.pipeline import scan

CASES = sorted(p.parent for p in FIXTURES.glob("*/expected.json") if "groups" in json.loads(p.read_text()))

_results: dict[Path, ScanResult] = {}


def scanned(fixture: Path) -> ScanResult:
    if fixture not in _results:
        _results[fixture] = scan([str(fixture)], ScanConfig(jobs=1))
    return _results[fixture]


def expected(fixture: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixture / "expected.json").read_text())
    return data


def key(inst: Instance | dict[str, Any]) -> tuple[str, int, int]:
    if isinstance(inst, dict):
        return (inst["path"], inst["start_line"], inst["end_line"])
    return (inst.path, inst.start_line, inst.end_line)


@pytest.mark.parametrize("fixture", CASES, ids=[c.name for c in CASES])
def test_every_planted_group_is_exactly_one_cluster(fixture: Path) -> None:
    result = scanned(fixture)
    where = {key(i): c.id for c in result.clusters for i in c.instances}
    for group in expected(fixture)["groups"]:
        want = {key(i) for i in group["instances"]}
        missing = want - where.keys()
        assert not missing, f"{group['id']}: not in any cluster: {sorted(missing)}"
        ids = {where[k] for k in want}
        assert len(ids) == 1, f"{group['id']} split over clusters {sorted(ids)}"
        (cid,) = ids
        got = {key(i) for c in result.clusters if c.id == cid for i in c.instances}
        assert got == want, f"{group['id']}: cluster {cid} holds {sorted(got - want)} too"


@pytest.mark.parametrize("fixture", CASES, ids=[c.name for c in CASES])
def test_no_cluster_of_unplanted_code(fixture: Path) -> None:
    result = scanned(fixture)
    planted = {key(i) for g in expected(fixture)["groups"] for i in g["instances"]}
    extra = [[key(i) for i in c.instances] for c in result.clusters if not {key(i) for i in c.instances} & planted]
    assert extra == []


@pytest.mark.parametrize("fixture", CASES, ids=[c.name for c in CASES])
def test_names_and_languages_match(fixture: Path) -> None:
    result = scanned(fixture)
    found = {key(i): i for c in result.clusters for i in c.instances}
    for group in expected(fixture)["groups"]:
        for inst in group["instances"]:
            got = found[key(inst)]
            assert (got.name, got.language) == (inst["name"], group["language"])


def test_acme_has_type1_type2_type3_copies_in_every_language() -> None:
    groups = expected(FIXTURES / "acme-monorepo")["groups"]
    variants: dict[str, set[str]] = {}
    for g in groups:
        variants.setdefault(g["language"], set()).update(i["variant"] for i in g["instances"])
    for language in ("python", "typescript", "java", "go"):
        assert {"original", "exact", "renamed", "edited"} <= variants.get(language, set()), language
