"""The BigCloneBench accuracy script, run on a 100-pair slice so that it cannot rot.

The data set is not part of the project (its licence forbids redistribution);
it is read from ``../shared/bigclonebench`` and these tests skip without it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO

SCRIPT = REPO / "benchmarks" / "bigclonebench" / "run.py"
DATA = REPO.parent / "shared" / "bigclonebench"
LABELS = ("T1", "T2", "ST3", "MT3", "WT3_T4", "NONCLONE")

needs_data = pytest.mark.skipif(not (DATA / "pairs.csv").is_file(), reason=f"BigCloneBench subset not at {DATA}")


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bcb_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bcb_run"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_a_missing_data_set_is_skipped_with_a_message(tmp_path: Path) -> None:
    proc = run("--data", str(tmp_path / "nowhere"))
    assert proc.returncode == 0, proc.stderr
    assert "not found" in proc.stdout and "skipped" in proc.stdout


def test_only_the_method_itself_counts_as_its_function() -> None:
    bcb = script()
    assert bcb.function_id("functions/123.java", "BigbenchClone.copyFile") == 123
    # a lambda or an anonymous class's method inside it is not the function
    assert bcb.function_id("functions/123.java", "BigbenchClone.copyFile.<anonymous Runnable>.run") is None
    assert bcb.function_id("functions/123.java", "BigbenchClone.copyFile.callback") is None


@needs_data
def test_script_on_a_100_pair_slice(tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    proc = run("--limit", "100", "--min-tokens", "10", "--low-min-tokens", "0", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "| detector | T1 | T2 | ST3 | MT3 | WT3/T4 | FP rate | labelled precision | time (s) |" in proc.stdout
    strict, loose = json.loads(out.read_text())
    assert loose["name"].endswith("--member-similarity 0.33") and "member" not in strict["name"]

    # the slice: 100 labelled pairs, every label present, taken round-robin from pairs.csv
    with (DATA / "pairs.csv").open(newline="") as fh:
        labelled = {(min(int(r["id1"]), int(r["id2"])), max(int(r["id1"]), int(r["id2"]))): r["type"]
                    for r in csv.DictReader(fh)}  # fmt: skip
    bcb = script()
    sliced = bcb.stratified_slice(bcb.load(DATA), 100)
    assert len(sliced.pairs) == 100 and set(sliced.pairs.values()) == set(LABELS)
    assert all(labelled[p] == label for p, label in sliced.pairs.items())

    # the scores are what the counts say
    total = Counter(sliced.pairs.values())
    for s in (strict, loose):
        hits = s["reported_labelled"]
        for t in LABELS[:-1]:
            assert s["recall"][t] == pytest.approx(hits[t] / total[t])
        assert s["fp_rate"] == pytest.approx(hits["NONCLONE"] / total["NONCLONE"])
        right = sum(hits[t] for t in ("T1", "T2", "ST3", "MT3"))
        assert s["precision"] == pytest.approx(right / sum(hits.values()))

        # Type-1 and Type-2 copies normalise to the same tokens: every one of them is found
        assert s["recall"]["T1"] == 1.0 and s["recall"]["T2"] == 1.0
        assert not [skip for skip in s["notes"]["skipped"] if "unparseable" in skip], "Java must parse"
    # a lower member floor only ever keeps more near-miss copies together on this slice
    assert loose["recall"]["MT3"] >= strict["recall"]["MT3"]
