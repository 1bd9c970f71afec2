#!/usr/bin/env python3
"""The functions under the clone minimum, and what the capability map does with them.

The scan's units are the functions of at least ``--min-tokens`` (50) normalised tokens; the map
sees only those.  For each org (``benchmarks/orgs/<org>.txt``, built by ``benchmarks/orgs/build.py``
when missing) this scans the tree as ``dupfinder opportunities`` does (no cache), analyses every
file again with a floor of :data:`FLOOR` tokens (the per-file stage only, in this process) and
prints:

* over the truth units of ``benchmarks/orgs/<org>.truth.yaml``: how many have their ``def`` line in
  no scan unit, and how many in no unit with the floor (the small functions added);
* for each variant of :data:`VARIANTS` (which small units, which :class:`MapSettings`): the labelled
  capabilities the top 20 finds (precision and recall >= 0.6, as ``run.py`` counts them), all
  capabilities found, and the labelled ones found in the top 30 and among all opportunities, the map
  ranked again from the one scan (``enrich``, as ``tune.py`` does).
  A small unit goes to the map without its tokens (``token_hashes`` empty), which is how the
  settings tell it from a scan unit;
* what the floor costs the per-file stage: the CPU seconds of analysing every file at the scan's
  minimum and at the floor, in this process, two alternated rounds (the best of each);
* with ``--detail``, for each variant the best-matching opportunity of each truth capability among
  all opportunities (rank, precision, recall, label, teams).

    python benchmarks/opportunities/small_units.py task-queues data-access [--variants none 24 24-tree] [--detail]

Deterministic: the scan is; nothing is sampled.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ORGS, TOP, labelled_found, matches

from dupfinder.analyse.file import analyse_file
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.model import Fingerprint, Unit
from dupfinder.model.ownership import DEFAULT_TEAM_FALLBACK
from dupfinder.opportunities.capabilities import MapSettings
from dupfinder.opportunities.enrich import enrich
from dupfinder.ownership.resolver import build_resolver
from dupfinder.pipeline import scan, with_rules
from dupfinder.reporters.json import opportunity_dict
from dupfinder.rules.kinds import copied_folders
from dupfinder.rules.loading import load_ruleset

FLOOR = 12  #: tokens of the smallest function taken (``def f(self): pass`` is 7, ``def f(self): return self.x`` 10)

#: name -> (fewest tokens of a small unit taken, None: none; the map's settings).  The product's map takes
#: SMALL_TOKENS (24) with the default settings ("fit", the language's idioms never shared terms, the score counting
#: the teams that use five shared terms): "24"
VARIANTS: dict[str, tuple[int | None, MapSettings]] = {
    #: the model before this round's three changes (fd0771b): no small units, no idioms, every team scored
    "before": (None, MapSettings(idioms=frozenset(), score_terms=0)),
    "none": (None, MapSettings()),
    **{str(n): (n, MapSettings()) for n in (FLOOR, 16, 20, 24, 28, 32, 36, 40, 44)},
    "24-plain": (24, MapSettings(small_join="")),
    "24-tree": (24, MapSettings(small_join="tree")),
    "24-no-idioms": (24, MapSettings(idioms=frozenset())),
    "none-no-idioms": (None, MapSettings(idioms=frozenset())),
    "24-never-alone": (24, MapSettings(small_strong=False)),
    "24-half": (24, MapSettings(small_count=0.5)),
    **{f"24-terms{n}": (24, MapSettings(score_terms=n)) for n in (0, 3, 4, 6, 8)},
    # the map's other settings moved one at a time from 763d322's: measured on the ten orgs, none taken
    # (RESULTS.md, "The other settings, once more, on ten orgs")
    "x-upg30": (24, MapSettings(units_per_group=30)),
    "x-upg50": (24, MapSettings(units_per_group=50)),
    "x-ming40": (24, MapSettings(min_groups=40)),
    "x-ming90": (24, MapSettings(min_groups=90)),
    "x-cuts0": (24, MapSettings(extra_cuts=())),
    "x-cuts24": (24, MapSettings(extra_cuts=(2.0, 4.0))),
    "x-tc03": (24, MapSettings(team_centre=0.3)),
    "x-tc07": (24, MapSettings(team_centre=0.7)),
    "x-conf50": (24, MapSettings(min_confidence=0.5)),
    "x-conf60": (24, MapSettings(min_confidence=0.6)),
    "x-strong65": (24, MapSettings(strong_confidence=0.65)),
    "x-team3": (24, MapSettings(min_team_units=3)),
    "x-shared3": (24, MapSettings(min_shared_terms=3)),
    "x-overlap03": (24, MapSettings(max_overlap=0.3)),
    "x-owner1": (24, MapSettings(owner_weight=1)),
    "x-owner0": (24, MapSettings(owner_weight=0)),
    "x-owner3": (24, MapSettings(owner_weight=3)),
    "x-owner1-ming40": (24, MapSettings(owner_weight=1, min_groups=40)),
    "x-owner1-terms0": (24, MapSettings(owner_weight=1, score_terms=0)),
    "x-owner1-none": (None, MapSettings(owner_weight=1)),
    "x-owner1-20": (20, MapSettings(owner_weight=1)),
    "x-owner1-28": (28, MapSettings(owner_weight=1)),
}


def small_units(work: Path, config: ScanConfig) -> list[tuple[Unit, int]]:
    """Every function of ``FLOOR`` to ``config.min_tokens`` tokens, its tokens left out, with their number."""
    low = replace(config, min_tokens=FLOOR)
    out: list[tuple[Unit, int]] = []
    for source in discover([str(work)], low).files:
        out += [
            (replace(u, fingerprint=Fingerprint(""), token_hashes=b"", literals=(), forwarded=()), u.n_tokens)
            for u in analyse_file(source, low).units
            if u.n_tokens < config.min_tokens
        ]
    return out


def stage_cost(work: Path, config: ScanConfig) -> str:
    """CPU seconds of the per-file stage over every file at the scan's minimum and at ``FLOOR``."""
    sources = discover([str(work)], config).files
    low = replace(config, min_tokens=FLOOR)
    best: dict[int, float] = {}
    for chosen in (config, low, low, config):
        start = time.process_time()
        for source in sources:
            analyse_file(source, chosen)
        spent = time.process_time() - start
        best[chosen.min_tokens] = min(best.get(chosen.min_tokens, spent), spent)
    at, floor = best[config.min_tokens], best[FLOOR]
    return (f"  per-file stage: {at:.2f} s CPU at {config.min_tokens} tokens, {floor:.2f} s at {FLOOR}"
            f" ({floor / at:.2f}), {len(sources):,} files")  # fmt: skip


def uncovered(truth: dict[str, Any], units: list[Unit]) -> int:
    """Truth units whose ``def`` line lies in none of ``units``."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for u in units:
        spans.setdefault(u.path, []).append((u.start_line, u.end_line))
    rows = [r for c in truth["capabilities"] for rs in c["teams"].values() for r in rs]
    return sum(not any(s <= r["line"] <= e for s, e in spans.get(r["path"], ())) for r in rows)


def measure(org: str, variants: list[str], detail: bool = False) -> tuple[list[str], dict[str, tuple[int, int, int]]]:
    """The org's lines of figures, and the labelled capabilities each variant finds in the top 20, in the top 30
    and among all opportunities."""
    work = ORGS / "work" / org
    if not work.is_dir():
        subprocess.run([sys.executable, str(ORGS / "build.py"), org], check=True, stdout=subprocess.DEVNULL)
    truth = yaml.safe_load((ORGS / f"{org}.truth.yaml").read_text())
    rules = load_ruleset(())
    config = with_rules(ScanConfig(), rules)
    units: list[Unit] = []
    result = scan([str(work)], config, units_out=units)
    small = small_units(work, config)
    n_truth = sum(len(rs) for c in truth["capabilities"] for rs in c["teams"].values())
    lines = [f"{org}: {len(units):,} scan units, {len(small):,} functions of {FLOOR}-{config.min_tokens - 1} tokens;"
             f" of {n_truth} truth units {uncovered(truth, units)} lie in no scan unit,"
             f" {uncovered(truth, [*units, *(u for u, _ in small)])} with the small ones",
             stage_cost(work, config)]  # fmt: skip
    resolver = build_resolver(result.base, result.roots, str(work / "teams.yaml"), DEFAULT_TEAM_FALLBACK)
    copied = copied_folders(result.base, {u.path for u in units} | set(result.file_imports), rules)
    counts: dict[str, tuple[int, int, int]] = {}
    for name in variants:
        floor, settings = VARIANTS[name]
        chosen = units + ([] if floor is None else [u for u, n in small if n >= floor])
        start = time.perf_counter()
        enriched = enrich(result, resolver, rules, units=chosen, map_settings=settings, copied=copied)
        spent = time.perf_counter() - start
        every = [opportunity_dict(o) for o in enriched.opportunities]
        labelled, found = labelled_found(truth, every[:TOP])
        counts[name] = (labelled, labelled_found(truth, every[:30])[0], labelled_found(truth, every)[0])
        lines.append(f"  {name:22} labelled {labelled}  all found {found}  labelled in the top 30 {counts[name][1]}"
                     f"  anywhere {counts[name][2]}  ({len(chosen):,} units, {spent:.1f} s)")  # fmt: skip
        if detail:
            for cap, best in matches(truth, every):
                got = "-" if best is None else (f"#{best[3]['rank']} precision {best[1]:.2f} recall {best[2]:.2f}"
                                                f" {best[3]['label']!r} {', '.join(best[3]['teams'])}")  # fmt: skip
                lines.append(f"      {cap['id']}: {got}")
    return lines, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("orgs", nargs="+")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--detail", action="store_true", help="Print each capability's best match per variant.")
    args = parser.parse_args()
    totals: dict[str, list[int]] = {name: [0, 0, 0] for name in args.variants}
    for org in args.orgs:
        lines, counts = measure(org, args.variants, args.detail)
        print("\n".join(lines), flush=True)
        for name, found in counts.items():
            totals[name] = [a + b for a, b in zip(totals[name], found, strict=True)]
    print(f"labelled found over {', '.join(args.orgs)} (top 20 / top 30 / anywhere):")
    for name, (top, top30, anywhere) in totals.items():
        print(f"  {name:22} {top} / {top30} / {anywhere}")


if __name__ == "__main__":
    main()
