#!/usr/bin/env python3
"""How stable the capability map's grouping is: one scan of an org, the ranking under many settings.

For each grouping setting (:class:`dupfinder.opportunities.capabilities.MapSettings`) and each
group size in ``--sizes`` (units per k-means group), this ranks the org's opportunities again from
one scan and prints how many of the truth's labelled capabilities the top 20 finds (precision and
recall >= 0.6, as ``run.py`` counts them), then per setting the mean, minimum and spread over the
sizes, and the seconds the map took. ``--drop N`` also reruns every setting twice with every N-th
unit left out (two different offsets; units entering and leaving), the truth's units kept. Tune on one org only.

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
from dupfinder.opportunities.capabilities import MapSettings
from dupfinder.opportunities.enrich import enrich
from dupfinder.ownership.resolver import build_resolver
from dupfinder.pipeline import scan, with_rules
from dupfinder.reporters.json import opportunity_dict
from dupfinder.rules.loading import load_ruleset

#: name -> settings; anything not named is MapSettings' default (mini-batch, 3 restarts, SVD 4 iterations)
SETTINGS = {
    "minibatch": MapSettings(),  # two units of a team, or one at cosine >= 0.7 or a clone
    "minibatch-10": MapSettings(n_init=10),
    "minibatch+svd10": MapSettings(svd_iter=10),
    "kmeans-1+svd10": MapSettings(full_kmeans=True, n_init=1, svd_iter=10),
    "kmeans-3": MapSettings(full_kmeans=True),
    "kmeans-10": MapSettings(full_kmeans=True, n_init=10),
    "kmeans-3+svd10": MapSettings(full_kmeans=True, svd_iter=10),
    "kmeans-5+svd10": MapSettings(full_kmeans=True, n_init=5, svd_iter=10),
    "kmeans-3+svd20": MapSettings(full_kmeans=True, svd_iter=20),
    "kmeans-3random+svd10": MapSettings(full_kmeans=True, init="random", svd_iter=10),
    "kmeans-10random+svd10": MapSettings(full_kmeans=True, init="random", n_init=10, svd_iter=10),
    "minibatch+conf0.5": MapSettings(min_confidence=0.5),
    "minibatch+team1": MapSettings(min_team_units=1),
    "minibatch+team2": MapSettings(strong_confidence=1.1),
    "minibatch+team2|0.8": MapSettings(strong_confidence=0.8),
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
    for name in a.settings:
        for variant, chosen in variants:
            got: list[int] = []
            spent = 0.0
            for size in a.sizes:
                settings = replace(SETTINGS[name], units_per_group=size)
                start = time.perf_counter()
                enriched = enrich(result, resolver, rules, units=chosen, map_settings=settings)
                spent += time.perf_counter() - start
                top = [opportunity_dict(o) for o in enriched.opportunities[:TOP]]
                got.append(labelled_found(truth, top)[0])
            print(f"{name:22} {variant:9} sizes {a.sizes}: {got}  mean {statistics.mean(got):.2f}"
                  f" min {min(got)} max {max(got)}  ({spent / len(a.sizes):.2f} s per ranking)",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
