#!/usr/bin/env python3
"""How stable the capability map's grouping is: one scan of an org, the ranking under many settings.

For each grouping setting (:class:`dupfinder.opportunities.capabilities.MapSettings`) and each
group size in ``--sizes`` (units per group), this ranks the org's opportunities again from
one scan and prints how many of the truth's labelled capabilities the top 20 finds (precision and
recall >= 0.6, as ``run.py`` counts them), then per setting the mean, minimum and spread over the
sizes, and the seconds the map took. ``--drop N`` also reruns every setting twice with every N-th
unit left out (two different offsets; units entering and leaving), the truth's units kept, and
prints how alike their grouping is to the grouping of all units (adjusted Rand index over the
units both hold, 1.0 the same). Tune on one org only.

    python benchmarks/opportunities/tune.py task-queues --sizes 25 30 40 50 60
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ORGS, TOP, labelled_found

from dupfinder.config import ScanConfig
from dupfinder.model import Unit
from dupfinder.model.ownership import DEFAULT_TEAM_FALLBACK
from dupfinder.opportunities.capabilities import MapSettings, capability_map
from dupfinder.opportunities.enrich import enrich
from dupfinder.opportunities.graph import team_label
from dupfinder.ownership.resolver import build_resolver
from dupfinder.pipeline import scan, with_rules
from dupfinder.reporters.json import opportunity_dict
from dupfinder.rules.kinds import PRODUCTION, KindMatcher, copied_folders
from dupfinder.rules.loading import load_ruleset

#: name -> settings of the rounds before the opportunity rules of this one (no repeats left out, no shared terms
#: needed); anything not named is as MapSettings' default (Ward over at most 3000 units, SVD 4 iterations)
_EARLIER = {
    "ward": MapSettings(),
    "before": MapSettings(import_weight=1, extra_cuts=(), novel_cuts=False),  # the model of 5ed68f6
    # this round's, each as measured (the model of 5ed68f6 is import_weight=1, no extra cut)
    "ward+used-imports": MapSettings(import_weight=1, used_imports=True, extra_cuts=(), novel_cuts=False),
    "ward+no-imports": MapSettings(import_weight=0, extra_cuts=(), novel_cuts=False),
    "ward+cut0.5": MapSettings(
        import_weight=1, extra_cuts=(0.5,), novel_cuts=False, extra_cut_teams=0, novel_subsets=False
    ),
    "ward+cut2": MapSettings(
        import_weight=1, extra_cuts=(2.0,), novel_cuts=False, extra_cut_teams=0, novel_subsets=False
    ),
    "ward+cut0.5+2": MapSettings(
        import_weight=1, extra_cuts=(0.5, 2.0), novel_cuts=False, extra_cut_teams=0, novel_subsets=False
    ),
    "ward+cut2novel": MapSettings(import_weight=1, extra_cut_teams=0, novel_subsets=False),
    "ward+cut1.5novel": MapSettings(import_weight=1, extra_cuts=(1.5,), extra_cut_teams=0, novel_subsets=False),
    "ward+cut2novel+no-imports": MapSettings(extra_cut_teams=0, novel_subsets=False),
    "ward+cut2novel+used-imports": MapSettings(
        import_weight=1, used_imports=True, extra_cut_teams=0, novel_subsets=False
    ),
    "ward+cut-teams3": MapSettings(extra_cut_confidence="own", novel_subsets=False),  # eb488ee
    "ward+cut-subsets": MapSettings(),  # 85b7e6b, frozen
    "ward+cut-first": MapSettings(extra_cut_confidence="first", novel_subsets=False),
    "ward+cut-first-teams0": MapSettings(extra_cut_teams=0, extra_cut_confidence="first", novel_subsets=False),
    "ward-min0": MapSettings(min_groups=0),  # one group per units_per_group units, however few (before)
    "ward+centre0.4": MapSettings(team_centre=0.4),
    "ward+centre0.5": MapSettings(team_centre=0.5),
    "ward+centre0.6": MapSettings(team_centre=0.6),
    "ward+centre0.5+strong0.6": MapSettings(team_centre=0.5, strong_confidence=0.6),
    "ward+strong0.6": MapSettings(strong_confidence=0.6),
    "ward-team0.75": MapSettings(units_per_team=0.75),
    "ward-min50": MapSettings(min_groups=50),
    "ward-min60": MapSettings(min_groups=60),
    "ward-min70": MapSettings(min_groups=70),
    "ward-d1.0": MapSettings(cut_distance=1.0),
    "ward-d1.5": MapSettings(cut_distance=1.5),
    "ward-d2.0": MapSettings(cut_distance=2.0),
    "ward+literals1": MapSettings(literal_weight=1),
    "ward+literals2": MapSettings(literal_weight=2),
    "ward+teams2": MapSettings(min_term_teams=2),
    "default+conf0.5": MapSettings(min_confidence=0.5),
    "default+strong0.65": MapSettings(strong_confidence=0.65),
    "default+conf0.55+strong0.65": MapSettings(min_confidence=0.55, strong_confidence=0.65),
    "ward+teams3": MapSettings(min_term_teams=3),
    "ward+teams2+centre0.5": MapSettings(min_term_teams=2, team_centre=0.5),
    "ward+teams2+owner2": MapSettings(min_term_teams=2, owner_weight=2),
    "ward+teams2+owner2+centre0.3": MapSettings(min_term_teams=2, owner_weight=2, team_centre=0.3),
    "ward+teams2+owner2+centre0.7": MapSettings(min_term_teams=2, owner_weight=2, team_centre=0.7),
    "ward+teams2+owner1+centre0.5": MapSettings(min_term_teams=2, owner_weight=1, team_centre=0.5),
    "ward+teams2+owner3+centre0.5": MapSettings(min_term_teams=2, owner_weight=3, team_centre=0.5),
    "ward+teams2+owner2+centre0.5": MapSettings(min_term_teams=2, owner_weight=2, team_centre=0.5),
    "ward-sample1000": MapSettings(max_sample=1000),
    "ward+svd20+soft0.6": MapSettings(svd_iter=20, soft_confidence=0.6),
    "ward+soft0.7": MapSettings(soft_confidence=0.7),
    "ward+svd20": MapSettings(svd_iter=20),
    "ward+conf0.5": MapSettings(min_confidence=0.5),
    "ward+soft0.75": MapSettings(soft_confidence=0.75),
    "ward+soft0.8": MapSettings(soft_confidence=0.8),
    "minibatch+soft0.75": MapSettings(grouping="kmeans", soft_confidence=0.75),
    "minibatch": MapSettings(grouping="kmeans"),  # two units of a team, or one at cosine >= 0.7 or a clone
    "minibatch-10": MapSettings(grouping="kmeans", n_init=10),
    "minibatch+svd10": MapSettings(grouping="kmeans", svd_iter=10),
    "kmeans-1+svd10": MapSettings(grouping="kmeans", full_kmeans=True, n_init=1, svd_iter=10),
    "kmeans-3": MapSettings(grouping="kmeans", full_kmeans=True),
    "kmeans-10": MapSettings(grouping="kmeans", full_kmeans=True, n_init=10),
    "kmeans-3+svd10": MapSettings(grouping="kmeans", full_kmeans=True, svd_iter=10),
    "kmeans-5+svd10": MapSettings(grouping="kmeans", full_kmeans=True, n_init=5, svd_iter=10),
    "kmeans-3+svd20": MapSettings(grouping="kmeans", full_kmeans=True, svd_iter=20),
    "kmeans-3random+svd10": MapSettings(grouping="kmeans", full_kmeans=True, init="random", svd_iter=10),
    "kmeans-10random+svd10": MapSettings(grouping="kmeans", full_kmeans=True, init="random", n_init=10, svd_iter=10),
    "minibatch+conf0.5": MapSettings(grouping="kmeans", min_confidence=0.5),
    "minibatch+team1": MapSettings(grouping="kmeans", min_team_units=1),
    "minibatch+team2": MapSettings(grouping="kmeans", strong_confidence=1.1),
    "minibatch+team2|0.8": MapSettings(grouping="kmeans", strong_confidence=0.8),
}
SETTINGS = {name: replace(s, max_overlap=None, min_shared_terms=0) for name, s in _EARLIER.items()} | {
    # ward+cut-subsets (85b7e6b), and an opportunity that repeats a higher-scored one left out ...
    "distinct": MapSettings(min_shared_terms=0),
    "distinct0.34": MapSettings(min_shared_terms=0, max_overlap=0.34),
    "distinct0.67": MapSettings(min_shared_terms=0, max_overlap=0.67),
    # ... and two terms each used by half of an opportunity's teams needed (the default)
    "distinct+shared2": MapSettings(),
    "distinct+shared3": MapSettings(min_shared_terms=3),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("org")
    ap.add_argument("--sizes", type=int, nargs="+", default=[25, 30, 40, 50, 60])
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS))
    ap.add_argument("--drop", type=int, default=0, help="also leave out every N-th unit")
    a = ap.parse_args()
    work = ORGS / "work" / a.org
    truth = yaml.safe_load((ORGS / f"{a.org}.truth.yaml").read_text())
    rules = load_ruleset(())
    units: list[Unit] = []
    result = scan([str(work)], with_rules(ScanConfig(), rules), units_out=units)
    resolver = build_resolver(result.base, result.roots, str(work / "teams.yaml"), DEFAULT_TEAM_FALLBACK)
    variants: list[tuple[str, Sequence[Unit]]] = [("all", units)]
    if a.drop:
        # the truth's own units stay: leaving them out would miss them by construction
        held = {(u["path"], u["line"]) for c in truth["capabilities"] for us in c["teams"].values() for u in us}
        ordered = sorted(units, key=lambda u: (u.path, u.start_line))
        for offset in range(2):
            kept = [
                u
                for n, u in enumerate(ordered)
                if (n + offset) % a.drop or any((u.path, line) in held for line in range(u.start_line, u.end_line + 1))
            ]
            variants.append((f"drop{offset}", kept))
    copied = copied_folders(result.base, {u.path for u in units} | set(result.file_imports), rules)
    matcher = KindMatcher(rules, copied)
    team_of = {u.path: team_label(t) for u in units for t in [resolver.resolve(u.path).team]}
    for name in a.settings:
        groupings: dict[int, dict[tuple[str, int, int], int]] = {}
        for variant, chosen in variants:
            got: list[int] = []
            agreement: list[float] = []
            spent = 0.0
            for size in a.sizes:
                settings = replace(SETTINGS[name], units_per_group=size)
                start = time.perf_counter()
                enriched = enrich(result, resolver, rules, units=chosen, map_settings=settings, copied=copied)
                spent += time.perf_counter() - start
                top = [opportunity_dict(o) for o in enriched.opportunities[:TOP]]
                got.append(labelled_found(truth, top)[0])
                grouping = group_of(chosen, matcher, team_of, settings)
                if variant == "all":
                    groupings[size] = grouping
                else:
                    agreement.append(same_grouping(groupings[size], grouping))
            ari = f"  ARI vs all {statistics.mean(agreement):.3f}" if agreement else ""
            print(f"{name:22} {variant:9} sizes {a.sizes}: {got}  mean {statistics.mean(got):.2f}"
                  f" min {min(got)} max {max(got)}{ari}  ({spent / len(a.sizes):.2f} s per ranking)",
                  flush=True)  # fmt: skip


def group_of(
    units: Sequence[Unit], matcher: KindMatcher, team_of: dict[str, str], settings: MapSettings
) -> dict[tuple[str, int, int], int]:
    """(path, start, end) of each production unit -> the first capability it evidences (-1: none)."""
    production = [u for u in units if matcher.kind(u.path) == PRODUCTION]
    out = {(u.path, u.start_line, u.end_line): -1 for u in production}
    for n, cap in enumerate(capability_map(production, lambda p: team_of.get(p, ""), settings)):
        for unit, _, _ in cap.units:
            key = (unit.path, unit.start_line, unit.end_line)
            if out.get(key) == -1:
                out[key] = n
    return out


def same_grouping(first: dict[tuple[str, int, int], int], second: dict[tuple[str, int, int], int]) -> float:
    """The adjusted Rand index of two groupings over the units both hold (1.0: the same groups)."""
    from sklearn.metrics import adjusted_rand_score

    common = sorted(set(first) & set(second))
    return float(adjusted_rand_score([first[k] for k in common], [second[k] for k in common]))


if __name__ == "__main__":
    main()
